"""Read the notices of Japanese carriers and mail gateways: au by KDDI and Digital Arts
m-FILTER, after the layouts that the public classifier Sisimai documents for them.

au by KDDI writes two layouts. The au one net relay (``dion.ne.jp``): "Your mail sent on:
DATE", then ``    Could not be delivered to: <a@b>`` and, indented, why ("As their mailbox
is full."). EZweb (``ezweb.ne.jp``, ``au.com``): a sentence that says why ("The user(s)
account is disabled."), then ``<a@b>: 550 ...`` lines, or ``Recipient: <a@b>`` with the
``>>> RCPT TO`` and ``<<< 550 ...`` of the session.

m-FILTER (Japanese text): the failed addresses one a line, then ``-------server message``
and the server's reply, ``-------SMTP command`` and the command, ``-------original message``.
"""

from __future__ import annotations

import re
from typing import Final

from mailcheck.bounce.hits import ADDR, MAX_HITS, Hit, join_lines, split_lines

__all__ = ["extract_kddi", "extract_mfilter"]

_I = re.IGNORECASE
_NOT_DELIVERED_TO: Final = re.compile(rf"could not be delivered to:\s{{0,5}}<({ADDR})>", _I)
_SENT_ON: Final = re.compile(r"^\s{0,5}your mail (?:sent|attempted to be delivered) on:", _I)
_EZWEB_RCPT: Final = re.compile(
    rf"^\s{{0,10}}(?:recipient:\s{{0,5}})?<({ADDR})>:?\s{{0,5}}(.{{0,2000}})$", _I
)
_SERVER_REPLY: Final = re.compile(r"^\s{0,10}<<<\s{0,5}(.{1,2000})$")
_MFILTER_MARK: Final = re.compile(r"^-{5,10}\s{0,3}([a-z][a-z ]{0,30}[a-z])\s{0,5}$", _I)
_BARE_ADDRESS: Final = re.compile(rf"^\s{{0,5}}<?({ADDR})>?\s{{0,5}}$")


def extract_kddi(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    lines = split_lines(text)[:2000]
    hits = _au_one_net(lines)
    return hits if hits else _ezweb(lines)


def _au_one_net(lines: list[str]) -> list[Hit]:
    hits = []
    for index, line in enumerate(lines):
        match = _NOT_DELIVERED_TO.search(line)
        if match is None:
            continue
        why = []
        for follow in lines[index + 1 : index + 10]:
            if not follow.strip() or _NOT_DELIVERED_TO.search(follow) or _SENT_ON.match(follow):
                break
            why.append(follow)
        hits.append(Hit(match.group(1), join_lines(why), None))
    return hits[:MAX_HITS]


def _ezweb(lines: list[str]) -> list[Hit]:
    hits = []
    prose: list[str] = []  # the paragraph above the addresses: the notice's own "why"
    for index, line in enumerate(lines):
        match = _EZWEB_RCPT.match(line)
        if match is None:
            if line.strip() and not line.lstrip().startswith((">>>", "<<<")):
                continued = index > 0 and bool(lines[index - 1].strip()) and bool(prose)
                prose = [*prose[-3:], line] if continued else [line]
            continue
        said = match.group(2).strip()
        if not said:
            for follow in lines[index + 1 : index + 4]:
                reply = _SERVER_REPLY.match(follow)
                if reply:
                    said = reply.group(1).strip()
                    break
        # The server's reply is the diagnostic; the notice's sentence only when there is none.
        hits.append(Hit(match.group(1), join_lines([said]) or join_lines(prose), None))
    return hits[:MAX_HITS]


def extract_mfilter(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    recipients: list[str] = []
    section = ""
    reply: str | None = None
    for line in split_lines(text)[:2000]:
        mark = _MFILTER_MARK.match(line)
        if mark:
            section = mark.group(1).lower()
            if section.startswith("original"):
                break  # the returned message follows: its addresses are not recipients
            continue
        if not line.strip():
            continue
        address = _BARE_ADDRESS.match(line)
        if not section and address:
            recipients.append(address.group(1))
        elif section == "server message" and reply is None:
            reply = line.strip()[:2000]
    return [Hit(address, reply, None) for address in recipients[:MAX_HITS]]
