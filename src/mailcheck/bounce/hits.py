"""What the text extractors share: the :class:`Hit` they return and the line tools they read with.

Patterns are bounded because the text is hostile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mailcheck.bounce.reasons import first_classified

__all__ = [
    "ADDR",
    "ADDR_RE",
    "MAX_HITS",
    "SMTP_REPLY",
    "Hit",
    "clean_address",
    "join_lines",
    "reason_line",
    "smtp_line",
    "split_lines",
]

ADDR: Final = r"[^\s<>@\"(),;:\[\]]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,10}"
ADDR_RE: Final = re.compile(ADDR)
# An SMTP reply inside a line of text: "550 5.1.1 ...", "550-5.7.1 ...", "#5.1.1", "550 User ...".
SMTP_REPLY: Final = re.compile(
    r"(?<![\d.])(?:[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3})?|[45]\.\d{1,3}\.\d{1,3}\b)"
)


_I = re.IGNORECASE
MAX_HITS: Final = 100
# X.400 and Exchange prefixes glued to an address: "SMTP=a@b", "RFC-822=a@b", "smtp:a@b".
_ADDRESS_PREFIX: Final = re.compile(r"^(?:smtp|rfc-?822|internet)[=:]", _I)


@dataclass(frozen=True, slots=True)
class Hit:
    """A recipient found in the text of a bounce."""

    recipient: str | None
    diagnostic: str | None
    remote_mta: str | None = None


def clean_address(address: str) -> str:
    """``"SMTP=a@b."`` -> ``"a@b"``: strip X.400/Exchange prefixes and trailing dots."""
    address = _ADDRESS_PREFIX.sub("", address.strip())
    return address.strip(".'\"")


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


def join_lines(lines: list[str]) -> str | None:
    joined = re.sub(r"\s+", " ", " ".join(line.strip() for line in lines)).strip()
    return joined[:2000] or None


def smtp_line(lines: list[str]) -> str | None:
    """The first SMTP reply in ``lines``, from its code to the end of its paragraph."""
    for index, line in enumerate(lines):
        match = SMTP_REPLY.search(line)
        if match is None:
            continue
        rest = [line[match.start() :]]
        for follow in lines[index + 1 : index + 6]:
            if not follow.strip() or not follow[:1].isspace():
                break
            rest.append(follow)
        return join_lines(rest)
    return None


def reason_line(lines: list[str]) -> str | None:
    """The first line that a text pattern can classify: a bounce without an SMTP reply."""
    index = first_classified(lines[:200])
    return None if index is None else join_lines([lines[index]])
