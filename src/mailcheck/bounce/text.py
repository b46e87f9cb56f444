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

__all__ = ["TEXT_EXTRACTORS", "Hit", "clean_address", "extract_generic", "reporting_from_text"]

_ADDR: Final = r"[^\s<>@\"(),;:\[\]]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,10}"
_ADDR_RE: Final = re.compile(_ADDR)
# An SMTP reply inside a line of text: "550 5.1.1 ...", "550-5.7.1 ...", "#5.1.1", "550 User ...".
_SMTP_REPLY: Final = re.compile(
    r"(?<![\d.])(?:[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3})?|[45]\.\d{1,3}\.\d{1,3}\b)"
)


_I = re.IGNORECASE
MAX_HITS: Final = 100


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
# The first of a few lines that name the original message inside the report: its
# addresses are the sender's and list's, not the failed recipient's.
_QUOTED_HEADER: Final = re.compile(
    r"^[\s>|]{0,10}(?:from|to|cc|bcc|sender|reply-to|return-path|errors-to|message-id"
    r"|received|date|subject|in-reply-to|references|list-[\w-]{1,20}|delivered-to)\s{0,5}:",
    _I,
)
# "RCPT To:<a@b>" in a session transcript, then the reply within the next line or two.
_RCPT_TO: Final = re.compile(rf"rcpt to:\s{{0,5}}<({_ADDR})>", _I)
# X.400 and Exchange prefixes glued to an address: "SMTP=a@b", "RFC-822=a@b", "smtp:a@b".
_ADDRESS_PREFIX: Final = re.compile(r"^(?:smtp|rfc-?822|internet)[=:]", _I)
_REASON_LABEL: Final = re.compile(
    r"^\s{0,20}(?:reason|raison|grund|motivo|error|diagnostic|remote host said)\s{0,3}:\s{0,5}"
    r"(\S.{0,2000})$",
    _I,
)
# RFC 3464 per-recipient fields written into the text rather than a delivery-status part
# (SendGrid, and gateways that flatten a DSN into one text/plain part).
_INLINE_RECIPIENT: Final = re.compile(
    rf"^\s{{0,10}}(?:final|original)-recipient:\s{{0,5}}(?:rfc822;\s{{0,5}})?<?({_ADDR})", _I
)
_INLINE_DIAGNOSTIC: Final = re.compile(
    r"^\s{0,10}diagnostic-code:\s{0,5}(?:smtp;\s{0,5})?(\S.{0,2000})$", _I
)
_BARE_LOCAL: Final = re.compile(r"^[\w.+-]{1,64}$")
_OWN_LOCAL: Final = re.compile(
    r"^(?:mailer-daemon|postmaster|mdaemon|mail-daemon|daemon|root|noreply|no-reply)@", _I
)


def clean_address(address: str) -> str:
    """``"SMTP=a@b."`` -> ``"a@b"``: strip X.400/Exchange prefixes and trailing dots."""
    address = _ADDRESS_PREFIX.sub("", address.strip())
    return address.strip(".'\"")


def _own_addresses(headers: list[tuple[str, str]]) -> set[str]:
    """The bounce's own From and To: the reporter and the sender are not failed recipients."""
    own: set[str] = set()
    for name in ("to", "from", "sender", "return-path", "delivered-to"):
        own.update(a.lower() for a in _ADDR_RE.findall(_get(headers, name) or ""))
    return own


def _reporter_domain(headers: list[tuple[str, str]]) -> str | None:
    found = _ADDR_RE.findall(_get(headers, "from") or "")
    return found[0].rsplit("@", 1)[1].lower() if found else None


def _addresses_in(line: str, own: set[str]) -> list[str]:
    result = []
    for raw in _ADDR_RE.findall(line):
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


def _listed(text: str, headers: list[tuple[str, str]]) -> list[Hit]:
    """Addresses in the list that follows an intro line (or on the intro line itself)."""
    lines = _lines(text)
    own = _own_addresses(headers)
    domain = _reporter_domain(headers)
    found: dict[str, str | None] = {}
    for index, line in enumerate(lines[:400]):
        match = _LIST_INTRO.search(line)
        if match is None:
            continue
        after = line[match.end() :]
        first = re.match(rf"^[\s:\"'<*>(\[-]{{0,10}}({_ADDR})", after)
        on_line = _addresses_in(first.group(1), own) if first else []
        for address in on_line:
            reason = _line_reason(after, address)
            if reason is None or reason.endswith(":"):
                # "Your message to <a@b> was automatically rejected:" then the reason below
                below = []
                for follow in lines[index + 1 : index + 6]:
                    if not follow.strip():
                        break
                    below.append(follow)
                reason = _join(below) or reason
            found.setdefault(address, reason)
        if first:
            continue
        block: list[str] = []
        for follow in lines[index + 1 : index + 25]:
            if not follow.strip():
                if block:
                    break
                continue
            if _LIST_INTRO.search(follow) or _QUOTED_HEADER.match(follow):
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
    lines = _lines(text)
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
    lines = _lines(text)
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
            hits[current] = _join(folded)
    return [Hit(address, diagnostic, None) for address, diagnostic in hits.items()]


def _fallback_addresses(text: str, headers: list[tuple[str, str]]) -> list[str]:
    """Every address of the report text, less the sender's, the reporter's and quoted headers."""
    own = _own_addresses(headers)
    addresses: list[str] = []
    for line in _lines(text):
        if _QUOTED_HEADER.match(line):
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
    lines = _lines(text)
    diagnostic = _smtp_line(lines) or _reason_line(lines)
    failed = _get(headers, "x-failed-recipients")
    candidates: list[Hit] = []
    if failed:
        candidates = [Hit(clean_address(a), None) for a in _ADDR_RE.findall(failed)]
    if not candidates:
        candidates = _inline_fields(text)
    if not candidates:
        candidates = _extract_qmail(text, headers)
        transcript = {h.recipient.lower(): h for h in _transcript(text) if h.recipient}
        if candidates:
            candidates = [
                h if h.diagnostic or not h.recipient else transcript.get(h.recipient.lower(), h)
                for h in candidates
            ]
        else:
            listed = _listed(text, headers)
            seen = {(h.recipient or "").lower() for h in listed}
            candidates = [transcript.get((h.recipient or "").lower(), h) for h in listed] + [
                h for key, h in transcript.items() if key not in seen
            ]
    if not candidates:
        candidates = [Hit(a, None) for a in _fallback_addresses(text, headers)]
    if not candidates:
        # Yahoo, and others: "I wasn't able to deliver the following message." and then its
        # Subject and To quoted: the To of the undelivered message is whom it failed to reach.
        own = _own_addresses(headers)
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
        own_line = next(
            (line for line in lines if address and address in line and _SMTP_REPLY.search(line)),
            None,
        )
        own_diagnostic = _smtp_line([own_line]) if own_line else None
        hits.append(Hit(address, hit.diagnostic or own_diagnostic or diagnostic, hit.remote_mta))
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
