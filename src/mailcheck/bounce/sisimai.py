"""What a bounce says beyond the reason, in the terms Sisimai's users know.

Sisimai (the reference bounce classifier) reports each bounced recipient with fields such as
``smtpcommand``, ``replycode``, ``softbounce``, ``addresser`` and ``timestamp``; mailcheck's
``--format json`` gives them beside its own so that its users can switch. Everything here is
read from a parsed :class:`~mailcheck.bounce.model.Bounce` (its diagnostics, its text, the
returned headers) and from the bounce's own header block; nothing re-parses the MIME tree.

Input is hostile: every search is bounded, every pattern linear.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC
from typing import Final, NamedTuple

from mailcheck.bounce.model import Bounce, BouncedRecipient

__all__ = [
    "SISIMAI_REASON",
    "BounceHeaders",
    "addresser",
    "bounce_headers",
    "remote_host",
    "reply_code",
    "smtp_command",
    "softbounce",
    "timestamp",
]

#: mailcheck reason id -> Sisimai's reason name (Sisimai 5's names; docs/json.md has the
#: table). One name per id: where Sisimai splits finer (blocked, badreputation, requireptr
#: are all mailcheck's reputation), the name that covers the id best.
SISIMAI_REASON: Final[dict[str, str]] = {
    "recipient-unknown": "userunknown",
    "mailbox-full": "mailboxfull",
    "mailbox-disabled": "suspend",
    "domain-unknown": "hostunknown",
    "relaying-denied": "norelaying",
    "login-required": "securityerror",
    "reputation": "blocked",
    "spam": "spamdetected",
    "content": "contenterror",
    "auth-failure": "authfailure",
    "tls": "failedstarttls",
    "too-large": "mesgtoobig",
    "rate-limited": "speeding",
    "not-compliant": "notcompliantrfc",
    "network": "networkerror",
    "expired": "expired",
    "policy": "policyviolation",
    "other": "undefined",
}

#: Sisimai's hard bounces: the address itself is bad, sending again cannot work. Every other
#: bounce reason is a soft bounce (1) in Sisimai's ``softbounce``.
_HARD: Final = frozenset({"userunknown", "hostunknown", "hasmoved"})

_WINDOW: Final = 1200  # characters after a recipient's address that still talk about it
_SCAN: Final = 16384  # characters of the report's text searched when the address is not found

# "(in reply to RCPT TO command)" (Postfix), "after RCPT TO:<a@b>" / "after end of data"
# (Exim), "while sending MAIL FROM" / "while receiving the initial server greeting" (Postfix
# timeouts and lost connections).
_COMMAND: Final = re.compile(
    r"\b(?:in\s+reply\s+to|after|while\s+sending|while\s+receiving)\s+(?:the\s+)?"
    r"(?:pipelined\s+)?"
    # Bare command names only in capitals: "after data" in prose is not a command.
    r"(?P<cmd>(?-i:RCPT\s+TO|MAIL\s+FROM|DATA|BDAT|EHLO|HELO|LHLO|STARTTLS|AUTH|QUIT)"
    r"|end\s+of\s+data|message\s+body|initial\s+(?:connection|server\s+greeting)"
    r"|server\s+greeting)\b",
    re.IGNORECASE,
)
# A session transcript: ">>> RCPT To:<a@b>" then "<<< 550 ..." (Sendmail), or
# "Sent <<< RCPT TO:<a@b>" then "Received >>> 550 ..." (security gateways).
_TRANSCRIPT: Final = re.compile(
    r"^[ \t]*(?:>>>|Sent[ \t]*<<<)[ \t]*"
    r"(?P<cmd>RCPT|MAIL|DATA|BDAT|EHLO|HELO|STARTTLS|AUTH|QUIT)\b",
    re.IGNORECASE | re.MULTILINE,
)
_PIPELINED_REFUSAL: Final = re.compile(
    r"^[ \t]*(?:<<<|Received[ \t]*>>>)[^\n]*<[^<>\s@]+@", re.IGNORECASE | re.MULTILINE
)
# m-FILTER's notice names the command under its own heading: "-------SMTP command" then "RCPT".
_COMMAND_HEADING: Final = re.compile(
    r"^-{3,}[ \t]*SMTP[ \t]+command[ \t]*\r?\n[ \t]*"
    r"(?P<cmd>RCPT|MAIL|DATA|BDAT|EHLO|HELO|STARTTLS|AUTH|QUIT)\b",
    re.IGNORECASE | re.MULTILINE,
)
# Words that name the step without naming the command: qmail-remote's, and Postfix's
# "refused to talk to me" (the greeting).
_PHRASES: Final = (
    ("does not like", re.compile(r"\bdoes\s+not\s+like\s+recipient\b", re.I), "RCPT"),
    ("was rejected", re.compile(r"\bsender\s+was\s+rejected\b", re.I), "MAIL"),
    ("failed on", re.compile(r"\bfailed\s+on\s+DATA\s+command\b", re.I), "DATA"),
    ("refused to", re.compile(r"\brefused\s+to\s+talk\s+to\s+me\b", re.I), "CONN"),
    (
        "able to",
        re.compile(r"\bwasn't\s+able\s+to\s+establish\s+an\s+SMTP\s+connection\b", re.I),
        "CONN",
    ),
)
#: Words one of which :data:`_COMMAND` needs: tested as substrings before the regex runs.
_COMMAND_CUES: Final = ("reply to", "after", "while sending", "while receiving")

_COMMAND_NAME: Final = {
    "rcpt": "RCPT",
    "mail": "MAIL",
    "data": "DATA",
    "bdat": "DATA",
    "end of data": "DATA",
    "message body": "DATA",
    "ehlo": "EHLO",
    "lhlo": "EHLO",
    "helo": "HELO",
    "starttls": "STARTTLS",
    "auth": "AUTH",
    "quit": "QUIT",
}

# The reply code at the start of the words, or just before an enhanced status code.
_REPLY_LEADING: Final = re.compile(
    r"^\s*(?:[^:\n]{0,120}\bsaid:\s*)?#?([245][0-9][0-9])(?:[ :-]|$)"
)
_REPLY_BEFORE_STATUS: Final = re.compile(
    r"\b([245][0-9][0-9])[ -]+#?[245]\.[0-9]{1,3}\.[0-9]{1,3}\b"
)
_REPLY_ANYWHERE: Final = re.compile(r"\b([45][0-5][0-9])\b")
_IPV4: Final = re.compile(r"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b")

# "host mx1.example.test[192.0.2.25] said" (Postfix), "host mx1.example.test [192.0.2.25]"
# (Exim): the server that answered, when no Remote-MTA field names it.
_HOST: Final = re.compile(
    r"\bhost\s+([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,10}[A-Za-z]{2,63})\s*\["
)

_HEADER_END: Final = re.compile(rb"\r?\n\r?\n")
_MAX_HEADER_BLOCK: Final = 64 * 1024


class BounceHeaders(NamedTuple):
    """The bounce's own Date and To (the message as a whole, not the returned copy)."""

    date: str | None
    to: str | None


def bounce_headers(raw: bytes) -> BounceHeaders:
    """Read ``Date`` and ``To`` from the header block of ``raw`` (unfolded, first of each)."""
    end = _HEADER_END.search(raw, 0, _MAX_HEADER_BLOCK)
    block = raw[: end.start() if end else _MAX_HEADER_BLOCK].decode("utf-8", "replace")
    found: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if line[:1] in (" ", "\t"):
            if name:
                found[name] += " " + line.strip()
            continue
        field, colon, value = line.partition(":")
        field = field.strip().lower()
        name = ""
        if colon and field in ("date", "to") and field not in found:
            name = field
            found[name] = value.strip()
    return BounceHeaders(found.get("date"), found.get("to"))


def smtp_command(recipient: BouncedRecipient, text: str) -> str:
    """The SMTP command the remote server refused (Sisimai's ``smtpcommand``), or ``""``.

    ``RCPT``, ``MAIL``, ``DATA``, ``EHLO``/``HELO``, ``STARTTLS``, ``AUTH``, ``QUIT``, or
    ``CONN`` for the connection and greeting. Read from the diagnostic, then from the
    report's text after this recipient's address, then from the start of the text.
    """
    for haystack in _command_haystacks(recipient, text):
        found = _command_in(haystack)
        if found:
            return found
    return ""


def _command_haystacks(recipient: BouncedRecipient, text: str) -> list[str]:
    """The diagnostic, then this recipient's paragraph (or, when not found, the text's start)."""
    haystacks = [recipient.diagnostic or ""]
    address = (recipient.recipient or "").lower()
    head = text[: _SCAN * 4]
    at = head.lower().find(address) if address else -1
    if at < 0:
        haystacks.append(text[:_SCAN])
        return haystacks
    # From the start of the address's line; a transcript's command line just above it
    # (">>> DATA" then "<<< 550 <address>...") belongs to it too.
    start = text.rfind("\n", 0, at) + 1
    above = text.rfind("\n", 0, max(start - 1, 0)) + 1
    if start and text[above:start].lstrip().startswith((">>>", "Sent")):
        start = above
    haystacks.append(text[start : at + _WINDOW])
    return haystacks


def _command_in(haystack: str) -> str:
    if not haystack:
        return ""
    # Cheap substring tests first: most text names no command, and a regex search over a
    # whole report costs more than the rest of this module together.
    lowered = haystack.lower()
    if any(word in lowered for word in _COMMAND_CUES):
        match = _COMMAND.search(haystack)
        if match:
            words = " ".join(match.group("cmd").lower().split())
            if words in _COMMAND_NAME:
                return _COMMAND_NAME[words]
            first = words.split()[0]
            if first in ("initial", "server"):
                return "CONN"
            return _COMMAND_NAME.get(first, "")
    if ">>>" in haystack or "<<<" in haystack:
        steps = list(_TRANSCRIPT.finditer(haystack))
        if steps:
            last = steps[-1]
            command = _COMMAND_NAME.get(last.group("cmd").lower(), "")
            # With PIPELINING the recipients' refusals arrive after DATA was sent: a reply
            # to "DATA" that names an address <...> is a recipient's refusal.
            reply = haystack[last.end() : last.end() + 300]
            if command == "DATA" and _PIPELINED_REFUSAL.search(reply):
                return "RCPT"
            return command
    if "smtp command" in lowered:
        heading = _COMMAND_HEADING.search(haystack)
        if heading:
            return _COMMAND_NAME.get(heading.group("cmd").lower(), "")
    for cue, pattern, command in _PHRASES:
        if cue in lowered and pattern.search(haystack):
            return command
    return ""


def reply_code(diagnostic: str | None, status: str | None) -> str:
    """The 3-digit SMTP reply in the server's words (Sisimai's ``replycode``), or ``""``.

    Taken at the start of the words (after a "host ... said:"), else just before an
    enhanced status code, else any 4xx/5xx of the status's class (dotted quads masked); a
    reply whose class disagrees with the status is dropped, as Sisimai does.
    """
    if not diagnostic:
        return ""
    words = diagnostic[:4000]
    match = _REPLY_LEADING.search(words) or _REPLY_BEFORE_STATUS.search(words)
    code = match.group(1) if match else ""
    if not code and status:
        for candidate in _REPLY_ANYWHERE.findall(_IPV4.sub(" ", words)):
            if candidate[0] == status[0]:
                code = candidate
                break
    if code and status and status[0] in "245" and code[0] != status[0]:
        return ""
    return code


def softbounce(sisimai_reason: str) -> int:
    """Sisimai's ``softbounce``: 0 a hard bounce (the address is bad), 1 soft, -1 not one."""
    if sisimai_reason in ("", "delivered", "feedback", "vacation"):
        return -1
    return 0 if sisimai_reason in _HARD else 1


def timestamp(date: str | None) -> int | None:
    """``date`` (an RFC 5322 Date) as seconds since the epoch, or None when unreadable."""
    if not date:
        return None
    try:
        when = email.utils.parsedate_to_datetime(date[:200])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: RFC 5322 says UTC is the best guess
        when = when.replace(tzinfo=UTC)
    try:
        return int(when.timestamp())
    except (OverflowError, OSError, ValueError):
        return None


def addresser(bounce: Bounce, to: str | None) -> str:
    """The original sender (Sisimai's ``addresser``), or ``""``.

    The returned message's From, then its Return-Path; without a returned copy, the
    bounce's own To (a bounce goes back to the sender).
    """
    for wanted in ("from", "return-path"):
        for name, value in bounce.original_headers:
            if name.lower() == wanted:
                address = _address(value)
                if address:
                    return address
    return _address(to or "")


def _address(value: str) -> str:
    address = email.utils.parseaddr(value[:1000])[1].strip()
    return address if "@" in address else ""


def remote_host(recipient: BouncedRecipient, text: str) -> str | None:
    """The server that refused: the bounce's Remote-MTA, else "host NAME[" in its words."""
    if recipient.remote_mta:
        return recipient.remote_mta
    for haystack in _command_haystacks(recipient, text)[:2]:
        match = _HOST.search(haystack)
        if match:
            return match.group(1).rstrip(".").lower()
    return None
