"""Read the recipients out of a text bounce of no recognised layout, from the best evidence
it offers (see :func:`extract_generic`).
"""

from __future__ import annotations

import re
from typing import Final

from mailcheck.bounce.cues import may_match, required_cues
from mailcheck.bounce.decode import header_value
from mailcheck.bounce.hits import (
    ADDR,
    ADDR_RE,
    MAX_HITS,
    SMTP_REPLY,
    Hit,
    clean_address,
    join_lines,
    reason_line,
    smtp_line,
    split_lines,
)
from mailcheck.bounce.mta import extract_qmail

__all__ = ["extract_generic"]

_I = re.IGNORECASE


# A line that introduces the list of failed recipients, as MTAs have long written it:
# Sendmail/MDaemon "The following addresses had permanent fatal errors", Exchange 5.5
# "did not reach the following recipient(s)", Netscape "The following recipients did not
# receive your message", PMDF "Your message cannot be delivered to the following recipients",
# "Failed addresses follow", "Intended recipient:", French "n'a pas pu être remis à", ...
_LIST_INTRO: Final = re.compile(
    r"following (?:e-?mail )?(?:recipients?|addresses|address(?:\(es\))?|recipient\(s\)"
    r"|users?|destinations?)\b"
    r"|(?:could|can)(?:not|n't| not) (?:be )?deliver(?:ed)?(?: (?:the|your|this) (?:message|mail))?"
    r" to\b|(?:was|were|has not been|have not been) not delivered to\b|not delivered to:"
    r"|unable to deliver (?:the |your |this )?(?:message|mail|e-?mail) to\b"
    r"|failed addresses(?: follow)?|failed recipients?:?|intended recipient:"
    r"|(?:message|mail),? addressed to\b"
    r"|delivery of (?:e-?mail|your message|mail) to this address"
    r"|(?:your|the) (?:message|mail|e-?mail) to (?=<?[^\s<>@]{1,64}@)"
    r"|pas pu (?:être|etre|ê|e) (?:délivré|delivre|remis|distribué|distribue)e? (?:à|a)\b"
    r"|(?:aux |au )?destinataires? suivants?|folgenden? empfänger"
    r"|konnte nicht (?:an|zugestellt werden an)\b",
    _I,
)
# The same pattern without IGNORECASE, for ASCII lines lower-cased once (as detect.py's
# fingerprints): a case-blind search is about three times slower, and it runs on every line.
# For ASCII text lower() keeps every offset and agrees with IGNORECASE; the pattern is
# written in lower case (tested).
_LIST_INTRO_LOWER: Final = re.compile(_LIST_INTRO.pattern)
_LIST_INTRO_CUES: Final = required_cues(_LIST_INTRO_LOWER)  # mailcheck.bounce.cues
# The first of a few lines that name the original message inside the report: its
# addresses are the sender's and list's, not the failed recipient's.
_QUOTED_HEADER: Final = re.compile(
    r"^[\s>|]{0,10}(?:from|to|cc|bcc|sender|reply-to|return-path|errors-to|message-id"
    r"|received|date|subject|in-reply-to|references|list-[\w-]{1,20}|delivered-to)\s{0,5}:",
    _I,
)
# "RCPT To:<a@b>" in a session transcript, then the reply within the next line or two.
_RCPT_TO: Final = re.compile(rf"rcpt to:\s{{0,5}}<({ADDR})>", _I)
_REASON_LABEL: Final = re.compile(
    r"^\s{0,20}(?:reason|raison|grund|motivo|error|diagnostic|remote host said)\s{0,3}:\s{0,5}"
    r"(\S.{0,2000})$",
    _I,
)
# RFC 3464 per-recipient fields written into the text rather than a delivery-status part
# (SendGrid, and gateways that flatten a DSN into one text/plain part).
_INLINE_RECIPIENT: Final = re.compile(
    rf"^\s{{0,10}}(?:final|original)-recipient:\s{{0,5}}(?:rfc822;\s{{0,5}})?<?({ADDR})", _I
)
_INLINE_DIAGNOSTIC: Final = re.compile(
    r"^\s{0,10}diagnostic-code:\s{0,5}(?:smtp;\s{0,5})?(\S.{0,2000})$", _I
)
_BARE_LOCAL: Final = re.compile(r"^[\w.+-]{1,64}$")
_OWN_LOCAL: Final = re.compile(
    r"^(?:mailer-daemon|postmaster|mdaemon|mail-daemon|daemon|root|noreply|no-reply)@", _I
)


def _own_addresses(headers: list[tuple[str, str]]) -> set[str]:
    """The bounce's own From and To: the reporter and the sender are not failed recipients."""
    own: set[str] = set()
    for name in ("to", "from", "sender", "return-path", "delivered-to"):
        own.update(a.lower() for a in ADDR_RE.findall(header_value(headers, name) or ""))
    return own


def _reporter_domain(headers: list[tuple[str, str]]) -> str | None:
    found = ADDR_RE.findall(header_value(headers, "from") or "")
    return found[0].rsplit("@", 1)[1].lower() if found else None


def _intro(line: str) -> re.Match[str] | None:
    """:data:`_LIST_INTRO` searched in ``line`` (its offsets are the line's)."""
    if line.isascii():
        line = line.lower()
        return _LIST_INTRO_LOWER.search(line) if may_match(_LIST_INTRO_CUES, line) else None
    return _LIST_INTRO.search(line)


def _addresses_in(line: str, own: set[str]) -> list[str]:
    if "@" not in line:  # an address has one: most lines of a notice have none
        return []
    result = []
    for raw in ADDR_RE.findall(line):
        address = clean_address(raw)
        if "@" not in address or address.lower() in own or _OWN_LOCAL.match(address):
            continue
        result.append(address)
    return result


def _line_reason(line: str, address: str) -> str | None:
    """What a list line says after its address: "a@b ... unknown host", "<a@b>: 550 ..."."""
    index = line.lower().find(address.lower())
    rest = line[index + len(address) :] if index >= 0 else ""
    rest = re.sub(r"^[>\s:.;,)-]{0,10}", "", rest).strip()
    if len(rest) < 4 or not re.search(r"[a-z]{3}", rest, _I) or re.match(r"on \w{3},? ", rest):
        return None
    return rest[:2000]


def _reason_below(lines: list[str]) -> str | None:
    """The paragraph right under an intro line, or the next one when it only announces it.

    "... to a@b for\nthe following reason:\n\n 552 Quota violation": the words that say
    why are the second paragraph.
    """
    first = _paragraph(lines)
    if not first:
        return None
    said = join_lines(first)
    if said is not None and said.endswith(":"):
        rest = lines[len(first) :]
        blanks = next((n for n, line in enumerate(rest) if line.strip()), len(rest))
        return join_lines(_paragraph(rest[blanks:])) or said
    return said


def _paragraph(lines: list[str]) -> list[str]:
    """The lines up to the first blank one."""
    end = next((n for n, line in enumerate(lines) if not line.strip()), len(lines))
    return lines[:end]


def _listed(text: str, headers: list[tuple[str, str]], own: set[str]) -> list[Hit]:
    """Addresses in the list that follows an intro line (or on the intro line itself)."""
    lines = split_lines(text)
    domain = _reporter_domain(headers)
    found: dict[str, str | None] = {}
    for index, line in enumerate(lines[:400]):
        match = _intro(line)
        if match is None:
            continue
        after = line[match.end() :]
        first = re.match(rf"^[\s:\"'<*>(\[-]{{0,10}}({ADDR})", after)
        on_line = _addresses_in(first.group(1), own) if first else []
        for address in on_line:
            reason = _line_reason(after, address)
            if reason is None or reason.endswith(":"):
                # "Your message to <a@b> was automatically rejected:" then the reason below
                reason = _reason_below(lines[index + 1 : index + 12]) or reason
            found.setdefault(address, reason)
        if first:
            continue
        block: list[str] = []
        for follow in lines[index + 1 : index + 25]:
            if not follow.strip():
                if block:
                    break
                continue
            if _intro(follow) or _QUOTED_HEADER.match(follow):
                break
            block.append(follow)
        last: str | None = None
        for position, entry in enumerate(block):
            labelled = _REASON_LABEL.match(entry)
            if labelled and last is not None:
                # "Reason: ..." under the address it explains (many gateways, French "Raison :")
                found[last] = found.get(last) or labelled.group(1).strip()[:2000]
                continue
            addresses = _addresses_in(entry, own)
            bare = entry.strip().strip("*>-").strip()
            if not addresses and domain and _BARE_LOCAL.match(bare) and position < 5:
                addresses = [f"{bare}@{domain}"]  # AOL: "screenname" under the intro line
            for address in addresses:
                found.setdefault(address, _line_reason(entry, address))
                last = address
    return [Hit(address, reason, None) for address, reason in found.items()]


def _transcript(text: str) -> list[Hit]:
    """``RCPT To:<a@b>`` followed by a 4xx/5xx reply (Sendmail, MDaemon, InterScan, ...)."""
    lines = split_lines(text)
    hits: dict[str, str] = {}
    for index, line in enumerate(lines[:2000]):
        match = _RCPT_TO.search(line)
        if match is None:
            continue
        for follow in lines[index + 1 : index + 3]:
            reply = re.search(r"(?<!\d)[45]\d\d[ -].{0,2000}", follow)
            if reply:
                hits.setdefault(clean_address(match.group(1)), reply.group(0).strip())
                break
    return [Hit(address, reply, None) for address, reply in hits.items()]


def _inline_fields(text: str) -> list[Hit]:
    """``Final-Recipient: rfc822; a@b`` and its ``Diagnostic-Code:`` written in the text."""
    lines = split_lines(text)
    hits: dict[str, str | None] = {}
    current: str | None = None
    for index, line in enumerate(lines[:2000]):
        recipient = _INLINE_RECIPIENT.match(line)
        if recipient:
            current = clean_address(recipient.group(1))
            hits.setdefault(current, None)
            continue
        diagnostic = _INLINE_DIAGNOSTIC.match(line)
        if diagnostic and current is not None and hits[current] is None:
            folded = [diagnostic.group(1)]
            for follow in lines[index + 1 : index + 6]:
                if not follow[:1].isspace() or not follow.strip():
                    break
                folded.append(follow)
            hits[current] = join_lines(folded)
    return [Hit(address, diagnostic, None) for address, diagnostic in hits.items()]


def _fallback_addresses(text: str, own: set[str]) -> list[str]:
    """Every address of the report text, less the sender's, the reporter's and quoted headers."""
    addresses: list[str] = []
    for line in split_lines(text):
        if "@" not in line or _QUOTED_HEADER.match(line):  # no "@": no address to take
            continue
        for address in _addresses_in(line, own):
            if address.lower() not in (a.lower() for a in addresses):
                addresses.append(address)
            if len(addresses) >= 10:
                return addresses
    return addresses


def extract_generic(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    """Any other text bounce: the recipients it lists, or the addresses in it, and a reply.

    Evidence in order: X-Failed-Recipients; DSN fields written in the text; qmail-style
    ``<a@b>:`` paragraphs; a session
    transcript's refused ``RCPT To``; the list under an intro line ("The following
    recipients ..."); and last, every address of the report that is not the sender's.
    """
    lines = split_lines(text)
    diagnostic = smtp_line(lines) or reason_line(lines)
    own = _own_addresses(headers)  # the same for each step below
    failed = header_value(headers, "x-failed-recipients")
    candidates: list[Hit] = []
    if failed:
        candidates = [Hit(clean_address(a), None) for a in ADDR_RE.findall(failed)]
    if not candidates:
        candidates = _inline_fields(text)
    if not candidates:
        candidates = extract_qmail(text, headers)
        transcript = {h.recipient.lower(): h for h in _transcript(text) if h.recipient}
        if candidates:
            candidates = [
                h if h.diagnostic or not h.recipient else transcript.get(h.recipient.lower(), h)
                for h in candidates
            ]
        else:
            listed = _listed(text, headers, own)
            seen = {(h.recipient or "").lower() for h in listed}
            candidates = [transcript.get((h.recipient or "").lower(), h) for h in listed] + [
                h for key, h in transcript.items() if key not in seen
            ]
    if not candidates:
        candidates = [Hit(a, None) for a in _fallback_addresses(text, own)]
    if not candidates:
        # Yahoo, and others: "I wasn't able to deliver the following message." and then its
        # Subject and To quoted: the To of the undelivered message is whom it failed to reach.
        for line in lines[:400]:
            quoted_to = re.match(r"^[\s>|]{0,10}to\s{0,5}:(.{1,2000})$", line, _I)
            if quoted_to:
                candidates = [Hit(a, None) for a in _addresses_in(quoted_to.group(1), own)]
                break
    if not candidates:
        return [Hit(None, diagnostic, None)] if diagnostic else []
    hits = []
    for hit in candidates[:MAX_HITS]:
        address = hit.recipient or ""
        reply_at = next(
            (
                index
                for index, line in enumerate(lines)
                if address and address in line and SMTP_REPLY.search(line)
            ),
            None,
        )
        # The reply with its indented continuation lines ("said: 554 No\n    Resent-From ...").
        own_diagnostic = smtp_line(lines[reply_at : reply_at + 6]) if reply_at is not None else None
        hits.append(Hit(address, hit.diagnostic or own_diagnostic or diagnostic, hit.remote_mta))
    return hits
