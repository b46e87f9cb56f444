"""Read the bounces of Apache James, in both layouts it has written.

James 2.x (``AbstractNotify``): "Error message below:", the error, then "Message details:"
with one ``  RCPT TO: a@b`` line per recipient. James 3.x (remote delivery's ``Bouncer``):
after "Hi. This is the James mail server at HOST." and its apology, the recipients one a
line, then the error ("Remote mail server told me: 550 ...", "Unknown host: ...").
"""

from __future__ import annotations

import re
from typing import Final

from mailcheck.bounce.hits import ADDR, MAX_HITS, Hit, join_lines, split_lines

__all__ = ["extract_james"]

_I = re.IGNORECASE
_ERROR_BELOW: Final = re.compile(r"^\s{0,5}error message below:\s{0,5}$", _I)
_DETAILS: Final = re.compile(r"^\s{0,5}message details:\s{0,5}$", _I)
_RCPT_TO: Final = re.compile(rf"^\s{{1,10}}rcpt to:\s{{0,5}}<?({ADDR})>?\s{{0,5}}$", _I)
_BARE_ADDRESS: Final = re.compile(rf"^\s{{0,5}}<?({ADDR})>?\s{{0,5}}$")
# The last line of the 3.x apology: the recipients follow it.
_INTRO_END: Final = re.compile(r"(?:^|\s)your message\.\s{0,5}$", _I)


def extract_james(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    lines = split_lines(text)[:2000]
    hits = _notify_layout(lines)
    return hits if hits else _bouncer_layout(lines)


def _notify_layout(lines: list[str]) -> list[Hit]:
    error: list[str] = []
    recipients: list[str] = []
    in_error = False
    for line in lines:
        if _ERROR_BELOW.match(line):
            in_error = True
            continue
        if _DETAILS.match(line):
            in_error = False
            continue
        rcpt = _RCPT_TO.match(line)
        if rcpt:
            recipients.append(rcpt.group(1))
        elif in_error and line.strip():
            error.append(line)
    diagnostic = join_lines(error)
    return [Hit(address, diagnostic, None) for address in recipients[:MAX_HITS]]


def _bouncer_layout(lines: list[str]) -> list[Hit]:
    start = next((i + 1 for i, line in enumerate(lines) if _INTRO_END.search(line)), None)
    if start is None:
        return []
    recipients: list[str] = []
    error: list[str] = []
    for line in lines[start : start + 200]:
        if not line.strip():
            if error:
                break
            continue
        address = _BARE_ADDRESS.match(line)
        if address and not error:
            recipients.append(address.group(1))
        else:
            error.append(line)
    diagnostic = join_lines(error)
    return [Hit(address, diagnostic, None) for address in recipients[:MAX_HITS]]
