"""Read the recipients out of the text bounces of MTAs that have a recognisable layout.

Each extractor gets the report's text (before the returned message) and the bounce's
headers, and returns what it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mailcheck.bounce.hits import ADDR, MAX_HITS, Hit, join_lines, smtp_line, split_lines

__all__ = [
    "ExpandedHit",
    "extract_domino",
    "extract_exchange",
    "extract_exim",
    "extract_gmail",
    "extract_qmail",
    "extract_sendmail",
]

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class ExpandedHit(Hit):
    """A recipient that an alias or forward expanded (Exim's "(generated from a@b)").

    ``recipient`` is the address the sender wrote; ``expanded`` is the one delivery was
    tried to, which a DSN beside the text names as its Final-Recipient.
    """

    expanded: str = ""


_EXIM_GENERATED: Final = re.compile(rf"^\(generated from ({ADDR})\)$", _I)
# Exim prints this, or "pipe to |...", instead of an address it must not show.
_EXIM_UNDISCLOSED: Final = re.compile(
    r"^ {1,4}(an undisclosed address|pipe to \|\S{1,200}|\S{1,200})\s{0,5}$"
)
# Sendmail's summary line of one recipient: "550 <a@b>... User unknown" (version 5 writes
# one per recipient, with no DSN), "550 5.1.1 <a@b>... User unknown" (version 8).
_SENDMAIL_SUMMARY: Final = re.compile(
    rf"^\s{{0,4}}([45]\d\d)(?: [245]\.\d{{1,3}}\.\d{{1,3}})? <?({ADDR})>?\.\.\. ?(.{{1,2000}})$"
)
# What Sendmail writes under a failed address: its reply, and the address it came from when
# an alias or .forward expanded it ("(expanded from: <a@b>)").
_SENDMAIL_NOTE: Final = re.compile(r"^\s{1,20}\((?:reason|expanded from):", _I)
_TALKING_TO: Final = re.compile(r"while talking to ([\w.-]{1,253}?)\.?:", _I)
_RCPT_SENT: Final = re.compile(rf"^>>> rcpt to:\s{{0,5}}<?({ADDR})>?", _I)


def extract_qmail(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    # qmail and Yahoo: "<rcpt>:" then the paragraph that explains it.
    hits = []
    lines = split_lines(text)
    for index, line in enumerate(lines):
        match = re.match(rf"^<({ADDR})>:?\s{{0,20}}$", line.strip())
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
        diagnostic = join_lines(diagnostic_lines) or join_lines(block)
        hits.append(Hit(match.group(1), diagnostic, remote))
    return hits


def extract_exim(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    # "  rcpt" then indented "host ...", "SMTP error from remote mail server after ...:", reply.
    # An address that an alias or forward expanded is followed by "(generated from <address
    # the sender wrote>)": that one is the recipient the sender knows, so it is reported.
    hits: list[Hit] = []
    lines = split_lines(text)
    for index, line in enumerate(lines):
        match = re.match(rf"^ {{1,4}}({ADDR})(?:\s{{1,4}}<{ADDR}>)?\s{{0,20}}$", line)
        if match is None:
            match = _EXIM_UNDISCLOSED.match(line)
            follow = lines[index + 1] if index + 1 < len(lines) else ""
            if match is None or not _EXIM_GENERATED.match(follow.strip()):
                continue
        block = []
        for follow in lines[index + 1 : index + 30]:
            if not follow.strip() or len(follow) - len(follow.lstrip()) <= 2:
                break
            block.append(follow.strip())
        recipient = match.group(1)
        remote = None
        diagnostic_lines = []
        for entry in block:
            host = re.match(r"^host ([\w.-]{1,253})", entry, _I)
            generated = _EXIM_GENERATED.match(entry)
            if generated:
                recipient = generated.group(1)
            elif host:
                remote = host.group(1)
            elif re.match(r"^smtp error from remote mail server", entry, _I):
                continue
            else:
                diagnostic_lines.append(entry)
        diagnostic = join_lines(diagnostic_lines)
        if recipient != match.group(1) and "@" in match.group(1):
            hits.append(ExpandedHit(recipient, diagnostic, remote, expanded=match.group(1)))
        else:
            hits.append(Hit(recipient, diagnostic, remote))
    return hits


def extract_sendmail(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    hits: list[Hit] = []
    lines = split_lines(text)
    remote_match = _TALKING_TO.search(text)
    remote = remote_match.group(1) if remote_match else None
    for index, line in enumerate(lines):
        match = re.match(rf"^<?({ADDR})>?$", line.strip())
        below = lines[index + 1 : index + 4]
        if match is None or (
            not line.strip().startswith("<") and not any(_SENDMAIL_NOTE.match(f) for f in below)
        ):
            continue  # a bare address only with its "(reason: ...)" or "(expanded from: ...)"
        diagnostic = None
        original = None
        for follow in below:
            if not follow.lstrip().startswith("("):
                break  # the next address: its notes are its own
            expanded = re.match(rf"^\s{{0,20}}\(expanded from: <?({ADDR})>?\)", follow, _I)
            if expanded:
                original = expanded.group(1)
            reason = re.match(r"^\s{0,20}\(reason: (.{1,2000})\)\s{0,5}$", follow, _I)
            if reason and diagnostic is None:
                diagnostic = reason.group(1)
        if diagnostic is None:
            for follow in lines:
                reply = re.match(r"^<<< (.{1,2000})$", follow)
                if reply and match.group(1).lower() in follow.lower():
                    diagnostic = reply.group(1)
                    break
        diagnostic = diagnostic or smtp_line(lines)
        if original is not None and original.lower() != match.group(1).lower():
            # An alias or forward the sender did not write: report the address they did.
            hits.append(ExpandedHit(original, diagnostic, remote, expanded=match.group(1)))
        else:
            hits.append(Hit(match.group(1), diagnostic, remote))
    seen = {h.recipient.lower() for h in hits if h.recipient}
    seen |= {h.expanded.lower() for h in hits if isinstance(h, ExpandedHit)}
    return hits + _sendmail_summaries(lines, seen)


def _sendmail_summaries(lines: list[str], seen: set[str]) -> list[Hit]:
    """Recipients named only on summary lines of the transcript (Sendmail version 5).

    Each gets the server's reply to its own ``RCPT To`` when the transcript shows it, and
    the host of the nearest "while talking to" above it.
    """
    hits = []
    talking_to = None
    sent_to = None
    replies: dict[str, str] = {}
    for line in lines[:2000]:
        host = _TALKING_TO.search(line)
        if host:
            talking_to = host.group(1)
            continue
        rcpt = _RCPT_SENT.match(line)
        if rcpt:
            sent_to = rcpt.group(1).lower()
            continue
        if line.startswith("<<< ") and sent_to is not None:
            replies.setdefault(sent_to, line[4:].strip())
            sent_to = None
            continue
        summary = _SENDMAIL_SUMMARY.match(line)
        if summary is None or summary.group(2).lower() in seen:
            continue
        address = summary.group(2)
        seen.add(address.lower())
        own = f"{summary.group(1)} {summary.group(3).strip()}"
        hits.append(Hit(address, replies.get(address.lower(), own), talking_to))
    return hits[:MAX_HITS]


def extract_exchange(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    hits = []
    remote_match = re.search(
        r"(?:generating server|generierender server): ([\w.-]{1,253})", text, _I
    )
    remote = remote_match.group(1) if remote_match else None
    for match in re.finditer(
        rf"({ADDR})\s{{1,40}}(?:Remote Server returned|Remoteserver hat) '([^'\n]{{1,2000}})'",
        text,
        _I,
    ):
        hits.append(Hit(match.group(1), match.group(2), remote))
    if hits:
        return hits
    # Exchange 2003: "rcpt on <date>" then the reason, then "<host #5.1.1>".
    lines = split_lines(text)
    for index, line in enumerate(lines):
        legacy = re.match(rf"^\s{{0,20}}({ADDR}) on .{{1,80}}$", line)
        if legacy is None:
            continue
        block: list[str] = []
        for follow in lines[index + 1 : index + 10]:
            if not follow.strip():
                break
            block.append(follow.strip())
        host = re.search(r"<([\w.-]{1,253}) #([245]\.\d{1,3}\.\d{1,3})", " ".join(block))
        hits.append(Hit(legacy.group(1), join_lines(block), host.group(1) if host else remote))
    return hits


def extract_domino(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    match = re.search(
        rf"was not delivered to:\s{{1,200}}({ADDR})\s{{1,200}}"
        rf"because:\s{{1,200}}([^\n]{{1,2000}})",
        text,
        _I,
    )
    if match is None:
        return []
    return [Hit(match.group(1), match.group(2).strip(), None)]


def extract_gmail(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    rcpt = re.search(
        rf"(?:wasn't delivered to|delivery to the following recipient[^\n]{{0,40}}:\s{{1,40}})"
        rf"\s{{0,5}}({ADDR})",
        text,
        _I,
    )
    if rcpt is None:
        return []
    lines = split_lines(text)
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
            diagnostic = join_lines(block)
            break
    remote = re.search(r"by ([\w-]{1,63}(?:\.[\w-]{1,63}){1,10})\. \[", text)
    return [Hit(rcpt.group(1), diagnostic or smtp_line(lines), remote.group(1) if remote else None)]
