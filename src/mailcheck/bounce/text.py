"""Read recipients out of the human-readable text of non-DSN bounces, per MTA style.

Each extractor gets the report's text (before the returned message) and the bounce's
headers, and returns what it found; patterns are bounded because the text is hostile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from mailcheck.bounce.model import Style
from mailcheck.bounce.reasons import classify_text

__all__ = ["TEXT_EXTRACTORS", "Hit", "extract_generic", "reporting_from_text"]

_ADDR: Final = r"[^\s<>@\"(),;:\[\]]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,10}"
_ADDR_RE: Final = re.compile(_ADDR)
# An SMTP reply inside a line of text: "550 5.1.1 ...", "550-5.7.1 ...", "#5.1.1", "550 User ...".
_SMTP_REPLY: Final = re.compile(
    r"(?<![\d.])(?:[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3})?|[45]\.\d{1,3}\.\d{1,3}\b)"
)


_I = re.IGNORECASE


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Hit:
    """A recipient found in the text of a bounce."""

    recipient: str | None
    diagnostic: str | None
    remote_mta: str | None = None


def reporting_from_text(text: str) -> str | None:
    match = re.search(
        r"qmail-send program at ([\w.-]{1,253})|mail system at host ([\w.-]{1,253})"
        r"|generating server: ([\w.-]{1,253})|generierender server: ([\w.-]{1,253})"
        r"|from ([\w.-]{1,253}), running the courier",
        text[:16384],
        _I,
    )
    if match is None:
        return None
    found = next((g for g in match.groups() if g), None)
    return found.rstrip(".") if found else None


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


def _join(lines: list[str]) -> str | None:
    joined = re.sub(r"\s+", " ", " ".join(line.strip() for line in lines)).strip()
    return joined[:2000] or None


def _smtp_line(lines: list[str]) -> str | None:
    """The first SMTP reply in ``lines``, from its code to the end of its paragraph."""
    for index, line in enumerate(lines):
        match = _SMTP_REPLY.search(line)
        if match is None:
            continue
        rest = [line[match.start() :]]
        for follow in lines[index + 1 : index + 6]:
            if not follow.strip() or not follow[:1].isspace():
                break
            rest.append(follow)
        return _join(rest)
    return None


def _reason_line(lines: list[str]) -> str | None:
    """The first line that a text pattern can classify: a bounce without an SMTP reply."""
    for line in lines[:200]:
        if classify_text(line) is not None:
            return _join([line])
    return None


def _extract_qmail(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    # qmail and Yahoo: "<rcpt>:" then the paragraph that explains it.
    hits = []
    lines = _lines(text)
    for index, line in enumerate(lines):
        match = re.match(rf"^<({_ADDR})>:?\s{{0,20}}$", line.strip())
        if match is None:
            continue
        block = []
        for follow in lines[index + 1 : index + 30]:
            if not follow.strip():
                break
            block.append(follow.strip())
        remote = None
        diagnostic_lines = []
        for entry in block:
            said = re.match(r"^remote host said:\s{0,5}(.{1,2000})$", entry, _I)
            host = re.match(r"^([\w.:-]{1,253}) does not like recipient", entry, _I)
            if host:
                remote = host.group(1)
            elif said:
                diagnostic_lines.append(said.group(1))
            elif diagnostic_lines and not re.match(r"^giving up on", entry, _I):
                diagnostic_lines.append(entry)
        diagnostic = _join(diagnostic_lines) or _join(block)
        hits.append(Hit(match.group(1), diagnostic, remote))
    return hits


def _extract_exim(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    # "  rcpt" then indented "host ...", "SMTP error from remote mail server after ...:", reply.
    hits = []
    lines = _lines(text)
    for index, line in enumerate(lines):
        match = re.match(rf"^ {{1,4}}({_ADDR})(?:\s{{1,4}}<{_ADDR}>)?\s{{0,20}}$", line)
        if match is None:
            continue
        block = []
        for follow in lines[index + 1 : index + 30]:
            if not follow.strip() or len(follow) - len(follow.lstrip()) <= 2:
                break
            block.append(follow.strip())
        remote = None
        diagnostic_lines = []
        for entry in block:
            host = re.match(r"^host ([\w.-]{1,253})", entry, _I)
            if host:
                remote = host.group(1)
            elif re.match(r"^smtp error from remote mail server", entry, _I):
                continue
            else:
                diagnostic_lines.append(entry)
        hits.append(Hit(match.group(1), _join(diagnostic_lines), remote))
    return hits


def _extract_sendmail(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    hits = []
    lines = _lines(text)
    remote_match = re.search(r"while talking to ([\w.-]{1,253}?)\.?:", text, _I)
    remote = remote_match.group(1) if remote_match else None
    for index, line in enumerate(lines):
        match = re.match(rf"^<({_ADDR})>\s{{0,20}}$", line.strip())
        if match is None:
            continue
        diagnostic = None
        for follow in lines[index + 1 : index + 4]:
            reason = re.match(r"^\s{0,20}\(reason: (.{1,2000})\)\s{0,5}$", follow, _I)
            if reason:
                diagnostic = reason.group(1)
                break
        if diagnostic is None:
            for follow in lines:
                reply = re.match(r"^<<< (.{1,2000})$", follow)
                if reply and match.group(1).lower() in follow.lower():
                    diagnostic = reply.group(1)
                    break
        hits.append(Hit(match.group(1), diagnostic or _smtp_line(lines), remote))
    return hits


def _extract_exchange(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    hits = []
    remote_match = re.search(
        r"(?:generating server|generierender server): ([\w.-]{1,253})", text, _I
    )
    remote = remote_match.group(1) if remote_match else None
    for match in re.finditer(
        rf"({_ADDR})\s{{1,40}}(?:Remote Server returned|Remoteserver hat) '([^'\n]{{1,2000}})'",
        text,
        _I,
    ):
        hits.append(Hit(match.group(1), match.group(2), remote))
    if hits:
        return hits
    # Exchange 2003: "rcpt on <date>" then the reason, then "<host #5.1.1>".
    lines = _lines(text)
    for index, line in enumerate(lines):
        legacy = re.match(rf"^\s{{0,20}}({_ADDR}) on .{{1,80}}$", line)
        if legacy is None:
            continue
        block: list[str] = []
        for follow in lines[index + 1 : index + 10]:
            if not follow.strip():
                break
            block.append(follow.strip())
        host = re.search(r"<([\w.-]{1,253}) #([245]\.\d{1,3}\.\d{1,3})", " ".join(block))
        hits.append(Hit(legacy.group(1), _join(block), host.group(1) if host else remote))
    return hits


def _extract_domino(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    match = re.search(
        rf"was not delivered to:\s{{1,200}}({_ADDR})\s{{1,200}}"
        rf"because:\s{{1,200}}([^\n]{{1,2000}})",
        text,
        _I,
    )
    if match is None:
        return []
    return [Hit(match.group(1), match.group(2).strip(), None)]


def _extract_gmail(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    rcpt = re.search(
        rf"(?:wasn't delivered to|delivery to the following recipient[^\n]{{0,40}}:\s{{1,40}})"
        rf"\s{{0,5}}({_ADDR})",
        text,
        _I,
    )
    if rcpt is None:
        return []
    lines = _lines(text)
    diagnostic = None
    for index, line in enumerate(lines):
        if re.search(
            r"the response (?:from the remote server )?was:|other server returned", line, _I
        ):
            block: list[str] = []
            for follow in lines[index + 1 : index + 10]:
                if not follow.strip():
                    if block:
                        break
                    continue
                block.append(follow)
            diagnostic = _join(block)
            break
    remote = re.search(r"by ([\w-]{1,63}(?:\.[\w-]{1,63}){1,10})\. \[", text)
    return [
        Hit(rcpt.group(1), diagnostic or _smtp_line(lines), remote.group(1) if remote else None)
    ]


def extract_generic(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    """Any other text bounce: X-Failed-Recipients or the addresses in the text, and a reply."""
    lines = _lines(text)
    diagnostic = _smtp_line(lines) or _reason_line(lines)
    failed = _get(headers, "x-failed-recipients")
    addresses: list[str] = []
    if failed:
        addresses = _ADDR_RE.findall(failed)
    if not addresses:
        own: set[str] = set()  # the bounce goes to the sender: its address is not a rcpt
        for_sender = _get(headers, "to") or ""
        own.update(a.lower() for a in _ADDR_RE.findall(for_sender))
        for address in _ADDR_RE.findall(text):
            address = address.strip(".")
            lowered = address.lower()
            if lowered in own or re.match(r"(?:mailer-daemon|postmaster)@", lowered):
                continue
            if lowered not in (a.lower() for a in addresses):
                addresses.append(address)
            if len(addresses) >= 10:
                break
    if not addresses:
        return [Hit(None, diagnostic, None)] if diagnostic else []
    hits = []
    for address in addresses:
        own_line = next(
            (line for line in lines if address in line and _SMTP_REPLY.search(line)), None
        )
        hits.append(Hit(address, _smtp_line([own_line]) if own_line else diagnostic, None))
    return hits


TEXT_EXTRACTORS: Final[dict[Style, Callable[[str, list[tuple[str, str]]], list[Hit]]]] = {
    Style.QMAIL: _extract_qmail,
    Style.YAHOO: _extract_qmail,
    Style.EXIM: _extract_exim,
    Style.SENDMAIL: _extract_sendmail,
    Style.EXCHANGE: _extract_exchange,
    Style.DOMINO: _extract_domino,
    Style.GMAIL: _extract_gmail,
}
