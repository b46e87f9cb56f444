"""Parse bounces: RFC 3464 DSNs first, then the text formats of common MTAs.

Input is hostile by nature (anyone can send us a "bounce"), so every size is capped, every
pattern is bounded, and :func:`parse_bounce` turns any failure into ``not-a-bounce``.
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import Message
from typing import Final

from mailcheck.bounce.model import Action, Bounce, BouncedRecipient, Kind, Style
from mailcheck.bounce.reasons import Reason, classify, find_status
from mailcheck.bounce.text import (
    TEXT_EXTRACTORS,
    Hit,
    clean_address,
    extract_generic,
    reporting_from_text,
)

__all__ = ["parse_bounce", "read_messages", "refers_to"]

MAX_INPUT: Final = 4 * 1024 * 1024  # bytes of one message parsed; a bounce is rarely > 100 KiB
MAX_TEXT: Final = 64 * 1024  # characters of decoded text kept and scanned
MAX_HEADER_BYTES: Final = 256 * 1024  # a header block larger than this is cut (parser cost)
MAX_PARTS: Final = 64  # MIME parts visited
MAX_HEADERS: Final = 200  # headers kept from the returned message
MAX_RECIPIENTS: Final = 100

_DSN_TYPES: Final = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_MESSAGE_TYPES: Final = frozenset({"message/rfc822", "message/global"})
_RETURNED_HEADER_TYPES: Final = frozenset({"text/rfc822-headers", "message/global-headers"})
_IDENTITY_CTE: Final = frozenset({"", "7bit", "8bit", "binary"})

_I, _M = re.IGNORECASE, re.MULTILINE

# Where a text bounce starts quoting the returned message.
_RETURNED_MARKER: Final = re.compile(
    r"^[ \t>|*=-]{0,20}(?:this is a copy of (?:the|your) message"
    r"|below this line is a copy of the message"
    r"|original message follows|original message headers|original message|unsent message below"
    r"|(?:start of )?returned message|returned mail follows|returned mail[ \t-]{0,20}$"
    r"|message text follows"
    r"|headers of the original message|message headers follow|the header and top \d{1,4} lines"
    r"|the first \d{1,4} lines of your (?:original )?message|old message:"
    r"|original message as received"
    r"|ursprüngliche nachricht|message d'origine|thư gốc|nội dung thư gốc)[^\n]{0,80}$",
    _I | _M,
)

_BOUNCE_FROM: Final = re.compile(
    r"mailer-daemon|postmaster|mail delivery (?:system|subsystem)|mail administrator"
    r"|system administrator|\bmdaemon@|microsoftexchange|hệ thống thư",
    _I,
)
_BOUNCE_SUBJECT: Final = re.compile(
    r"undeliver|delivery (?:status notification|failure|failed|has failed|problem|report|delayed)"
    r"|mail delivery failed|returned mail|failure notice|non remis|nicht zustellbar|unzustellbar"
    r"|could not be delivered|delayed mail|warning: message|mail system error|mail delivery status"
    r"|non-?delivery|not delivered|mail failed|failed mail|failure delivery|delivery warning"
    r"|rejected mail|user unknown|returning to sender"
    r"|không (?:thể )?gửi được|thư bị trả lại|gửi thư thất bại",
    _I,
)
_DELAY_TEXT: Final = re.compile(
    r"delayed mail|still being retried|will (?:keep|continue) trying|not yet been delivered"
    r"|delivery (?:is |has been )?delayed|\(delay\)|delivery attempts will continue"
    r"|will be retried|could not send message for past|zustellung verzögert|retardé|bị trì hoãn"
    r"|has been postponed|will continue to (?:try|attempt)|this is a warning only",
    _I,
)
# What the text of a bounce says, for the bounces that only a From or a Subject announce.
_BOUNCE_BODY: Final = re.compile(
    r"(?:could|can)(?:not|n't| not) (?:be )?deliver|(?:was|were|wasn't|been) not delivered"
    r"|not be delivered|undeliverable|unable to deliver|(?:wasn't|was not|were not) able to deliver"
    r"|did not reach|did not receive (?:a copy of )?(?:your|this|the) message"
    r"|permanent(?: fatal)? error|failed addresses|failed recipient|delivery (?:to|of)"
    r" [^\n]{0,60}(?:failed|postponed|delayed)|delivery has failed|no such user"
    r"|user unknown|automatically rejected|pas pu (?:être|etre) (?:délivré|delivre|remis)"
    r"|transcript of session follows|rcpt to:",
    _I,
)
_AUTO_REPLY_SUBJECT: Final = re.compile(
    r"^\s{0,5}(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|auto:|autoreply"
    r"|abwesen|automatische antwort|réponse automatique|absence|vacation|trả lời tự động"
    r"|thư trả lời tự động)",
    _I,
)

_STYLE_PRINTS: Final[tuple[tuple[Style, re.Pattern[str]], ...]] = tuple(
    (style, re.compile(pattern, _I))
    for style, pattern in (
        (
            Style.EXCHANGE,
            r"x-ms-exchange-message-is-ndr|diagnostic information for administrators"
            r"|diagnoseinformationen für administratoren|informations de diagnostic pour les"
            r"|delivery has failed to these recipients|did not reach some or all of the intended"
            r"|remote server returned '|generating server:|generierender server:"
            r"|microsoftexchange|\.prod\.outlook\.com",
        ),
        (
            Style.GMAIL,
            r"googlemail\.com|google tried to deliver your message|\*\* address not found \*\*"
            r"|\*\* message not delivered \*\*|\*\* message blocked \*\*",
        ),
        (Style.YAHOO, r"sorry, we were unable to deliver your message|@yahoo(?:inc)?\.com>?$"),
        (Style.QMAIL, r"this is the qmail-send program|qmail-send"),
        (Style.POSTFIX, r"this is the mail system at host|the postfix program|x-postfix-"),
        (
            Style.EXIM,
            r"this message was created automatically by mail delivery software"
            r"|smtp error from remote mail server|x-exim",
        ),
        (
            Style.SENDMAIL,
            r"the following addresses had permanent fatal errors|transcript of session follows"
            r"|returned mail: see transcript",
        ),
        (Style.COURIER, r"courier mail server|courier-mta"),
        (Style.DOMINO, r"domino directory|lotus domino|^delivery failure:|was not delivered to:"),
    )
)


@dataclass(slots=True)
class _Parts:
    human: list[str]
    html: list[str]
    dsn: list[Message]
    returned: Message | None
    returned_headers: list[tuple[str, str]]
    feedback: bool
    rejected: list[list[tuple[str, str]]]
    """MDN fields of a Sieve/LDA rejection (RFC 5429: ``automatic-action/...; deleted``)."""


_ID_HEADERS: Final = frozenset({"message-id", "resent-message-id"})

_NOT_A_BOUNCE: Final = Bounce(
    kind=Kind.NOT_A_BOUNCE,
    mta_style=Style.UNKNOWN,
    reporting_mta=None,
    recipients=(),
    original_message_id=None,
    original_headers=(),
    subject=None,
    from_=None,
)


# --- public functions ---------------------------------------------------------------------------


def parse_bounce(raw: bytes) -> Bounce:
    """Parse one message and say whether, and why, it bounced.

    Never raises: input that is not a message, or that breaks the parser, is returned as
    ``kind="not-a-bounce"``.
    """
    raw = raw[:MAX_INPUT]
    if (
        raw.find(b"\n\n", 0, MAX_HEADER_BYTES) < 0
        and raw.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES) < 0
    ):
        raw = raw[:MAX_HEADER_BYTES]
    try:
        return _parse(raw)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; input is hostile
        return _NOT_A_BOUNCE


def read_messages(raw: bytes) -> list[bytes]:
    """Split an mbox into its messages, or return ``[raw]`` for a single message.

    An mbox starts with a ``From `` line; every ``From `` line after a blank line starts the
    next message (mboxo/mboxrd). ``>From `` quoting is undone once (mboxrd).
    """
    if not raw.startswith(b"From "):
        return [raw]
    lines = raw.splitlines(keepends=True)
    messages: list[list[bytes]] = []
    previous_blank = True
    for line in lines:
        if line.startswith(b"From ") and previous_blank:
            messages.append([])
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if re.match(rb">+From ", line):
            line = line[1:]
        messages[-1].append(line)
    result = []
    for message in messages:
        if message and message[-1] in (b"\n", b"\r\n"):
            message = message[:-1]  # the separator blank line belongs to the mbox
        result.append(b"".join(message))
    return result


def refers_to(bounce: Bounce, token: str | None, message_id: str | None) -> bool:
    """Say whether ``bounce`` is about our message: its token or its Message-ID appears.

    The token is looked for in the returned headers, the report's and returned text, and the
    diagnostics; the Message-ID is compared without angle brackets and case. Whether the
    report is a failure is a separate question: see :attr:`Bounce.kind`.
    """
    if token and token.strip():
        token = token.strip()
        haystacks = [value for _name, value in bounce.original_headers]
        haystacks.append(bounce.text)
        haystacks.extend(r.diagnostic or "" for r in bounce.recipients)
        haystacks.append(bounce.original_message_id or "")
        if any(token in haystack for haystack in haystacks):
            return True
    wanted = _norm_message_id(message_id)
    if wanted:
        if _norm_message_id(bounce.original_message_id) == wanted:
            return True
        for name, value in bounce.original_headers:
            if name.lower() in _ID_HEADERS and _norm_message_id(value) == wanted:
                return True
        if f"<{wanted}>" in bounce.text.lower():
            return True
    return False


# --- the walk -----------------------------------------------------------------------------------


def _parse(raw: bytes) -> Bounce:
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    headers = _headers(msg)
    if not headers:
        return _NOT_A_BOUNCE
    subject = _get(headers, "subject")
    from_ = _get(headers, "from")
    parts = _collect(msg)
    human = _human_text(parts)
    before_copy = _before_returned(human)

    returned_headers = parts.returned_headers or _quoted_headers(human)
    original_message_id = _get(returned_headers, "message-id")
    text = human
    if parts.returned is not None:
        text = f"{human}\n{_returned_text(parts.returned)}"
    text = text[:MAX_TEXT]

    dsn_fields, dsn_recipients = _parse_dsn(parts.dsn)
    signature = "\n".join(
        [from_ or "", subject or "", "\n".join(n for n, _ in headers), before_copy[:16384]]
        + [f"{name}: {value}" for name, value in dsn_fields]
    )
    style = _detect_style(signature)
    original_id = _strip_id(original_message_id)

    def bounce(
        kind: Kind,
        style: Style,
        reporting_mta: str | None = None,
        recipients: list[BouncedRecipient] | None = None,
    ) -> Bounce:
        return Bounce(
            kind=kind,
            mta_style=style,
            reporting_mta=reporting_mta,
            recipients=tuple((recipients or [])[:MAX_RECIPIENTS]),
            original_message_id=original_id,
            original_headers=tuple(returned_headers[:MAX_HEADERS]),
            subject=subject,
            from_=from_,
            text=text,
        )

    if parts.feedback:
        return bounce(Kind.FEEDBACK, Style.UNKNOWN, _host(_get(dsn_fields, "reporting-mta")))

    text_hits = TEXT_EXTRACTORS.get(style, extract_generic)(before_copy, headers)
    if not text_hits and style is not Style.UNKNOWN:
        text_hits = extract_generic(before_copy, headers)
    delay_hint = bool(_DELAY_TEXT.search(subject or "") or _DELAY_TEXT.search(before_copy))

    if parts.dsn:
        recipients = _merge_text_hits(dsn_recipients, text_hits)
        if not recipients:  # a report part without per-recipient fields: read the text
            recipients = [_from_hit(hit, delay_hint) for hit in text_hits if hit.recipient]
        if style is Style.UNKNOWN:
            style = Style.RFC3464
    elif parts.rejected:
        recipients = [_rejected_recipient(fields, text_hits) for fields in parts.rejected]
    elif _looks_like_text_bounce(style, headers, subject, from_, before_copy):
        recipients = [_from_hit(hit, delay_hint) for hit in text_hits]
    elif _is_auto_reply(headers, subject):
        # An auto-reply returns nothing; the message it answers is its In-Reply-To.
        original_id = _strip_id(_get(headers, "in-reply-to"))
        return bounce(Kind.AUTO_REPLY, Style.UNKNOWN)
    else:
        return bounce(Kind.NOT_A_BOUNCE, Style.UNKNOWN)

    reporting_mta = _host(_get(dsn_fields, "reporting-mta"))
    reporting_mta = reporting_mta or reporting_from_text(before_copy)
    recipients = [_refine(r, before_copy) for r in recipients]
    return bounce(_kind(recipients, delay_hint), style, reporting_mta, recipients)


def _walk(msg: Message, depth: int = 0) -> Iterator[Message]:
    """Yield ``msg`` and its parts, without entering a returned message."""
    yield msg
    if depth > 8 or not msg.is_multipart() or msg.get_content_type() in _RETURNED_MESSAGE_TYPES:
        return
    payload = msg.get_payload()
    if isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                yield from _walk(part, depth + 1)


def _collect(msg: Message, depth: int = 0) -> _Parts:
    parts = _Parts(
        human=[],
        html=[],
        dsn=[],
        returned=None,
        returned_headers=[],
        feedback=False,
        rejected=[],
    )
    if msg.get_content_type() == "multipart/report":
        report_type = msg.get_param("report-type")
        if isinstance(report_type, str) and report_type.lower() == "feedback-report":
            parts.feedback = True
    for index, part in enumerate(_walk(msg)):
        if index >= MAX_PARTS:
            break
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            parts.feedback = True
            parts.dsn.extend(_dsn_blocks(part))
        elif ctype in _DSN_TYPES:
            parts.dsn.extend(_dsn_blocks(part))
        elif ctype == "message/disposition-notification":
            fields = [f for block in _dsn_blocks(part) for f in _headers(block)]
            disposition = (_get(fields, "disposition") or "").lower()
            if "automatic-action" in disposition and re.search(r";\s*deleted", disposition):
                parts.rejected.append(fields)
        elif ctype in _RETURNED_MESSAGE_TYPES and parts.returned is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                parts.returned = inner[0]
                parts.returned_headers = _headers(inner[0])
        elif ctype in _RETURNED_HEADER_TYPES and not parts.returned_headers:
            parts.returned_headers = _headers_from_text(_part_text(part))
        elif ctype == "text/plain" and not part.is_multipart():
            parts.human.append(_part_text(part))
        elif ctype == "text/html":
            parts.html.append(_part_text(part))
    returned = parts.returned
    if (
        not parts.dsn
        and depth == 0
        and returned is not None
        and returned.get_content_type() == "multipart/report"
    ):
        # A report forwarded as an attachment (by a gateway or a helpdesk): read the report.
        inner = _collect(returned, depth + 1)
        if inner.dsn:
            inner.human = parts.human + inner.human
            return inner
    return parts


def _human_text(parts: _Parts) -> str:
    if parts.human:
        return "\n".join(parts.human)[:MAX_TEXT]
    if parts.html:
        return _html_to_text("\n".join(parts.html)[:MAX_TEXT])
    return ""


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"<(?:br|/p|/div|/tr|/li)\b[^>]{0,200}>", "\n", markup, flags=_I)
    markup = re.sub(
        r"<(?:style|script)\b[^>]{0,200}>[^<]{0,20000}</(?:style|script)>", "", markup, flags=_I
    )
    markup = re.sub(r"<[^>]{0,2000}>", "", markup)
    return html.unescape(markup)


def _returned_text(returned: Message) -> str:
    chunks = []
    for index, part in enumerate(_walk(returned)):
        if index >= MAX_PARTS:
            break
        if part.get_content_maintype() == "text" and not part.is_multipart():
            chunks.append(_part_text(part))
    return "\n".join(chunks)[:MAX_TEXT]


def _before_returned(text: str) -> str:
    match = _RETURNED_MARKER.search(text)
    return text[: match.start()] if match else text


def _quoted_headers(text: str) -> list[tuple[str, str]]:
    """Headers quoted in a text bounce after a "copy of the message" line."""
    match = _RETURNED_MARKER.search(text)
    if match is None:
        return []
    rest = text[match.end() :].lstrip("\r\n")
    return _headers_from_text(rest)


# --- decoding -----------------------------------------------------------------------------------


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate or candidate.lower() in ("unknown-8bit", "x-unknown"):
            continue
        try:
            return data.decode(candidate)
        except (LookupError, ValueError):  # ValueError: a charset name with a NUL in it
            continue
    return data.decode("cp1252", errors="replace")


def _nfc(text: str) -> str:
    # windows-1258 writes Vietnamese tones as combining marks; patterns are written composed.
    return unicodedata.normalize("NFC", text)


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return _nfc(payload[:MAX_TEXT]) if isinstance(payload, str) else ""
    try:
        charset = part.get_content_charset()
    except (LookupError, ValueError):
        charset = None
    return _nfc(_decode_bytes(data[: MAX_TEXT * 4], charset))[:MAX_TEXT]


def _decode_header(value: str) -> str:
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        # compat32 keeps raw 8-bit header bytes as surrogates; most senders meant UTF-8.
        value = _decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")
    try:
        chunks = email.header.decode_header(value)
    except (ValueError, LookupError, email.errors.HeaderParseError):
        chunks = [(value, None)]
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            if charset is None:
                out.append(chunk.decode("raw-unicode-escape", errors="replace"))
            else:
                out.append(_decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return _nfc(re.sub(r"\s+", " ", "".join(out)).strip())


def _headers(msg: Message) -> list[tuple[str, str]]:
    result = []
    for index, (name, value) in enumerate(msg.raw_items()):
        if index >= MAX_HEADERS:
            break
        if isinstance(name, str) and isinstance(value, str):
            result.append((name, _decode_header(value[:MAX_TEXT])))
    return result


_HEADER_NAMES_SEEN: Final = frozenset(
    {"message-id", "from", "to", "subject", "date", "received", "x-mailcheck-token", "return-path"}
)


def _headers_from_text(text: str) -> list[tuple[str, str]]:
    """Parse quoted headers; empty unless they look like a real header block."""
    block = text.lstrip()[:MAX_TEXT].replace("\r\n", "\n").split("\n\n", 1)[0]
    parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(block)
    headers = _headers(parsed)
    if not any(name.lower() in _HEADER_NAMES_SEEN for name, _ in headers):
        return []
    return headers


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _strip_id(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"<[^<>\s]{1,500}>", value)
    return match.group(0) if match else value.split()[0]


def _norm_message_id(value: str | None) -> str:
    return (value or "").strip().strip("<>").strip().lower()


# --- DSN (RFC 3464) -----------------------------------------------------------------------------


def _dsn_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if isinstance(payload, list) and cte in _IDENTITY_CTE:
        return [block for block in payload if isinstance(block, Message)]
    text = _part_text(part).replace("\r\n", "\n")
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    return [parser.parsestr(block) for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def _dsn_value(value: str | None) -> str | None:
    """``"rfc822; a@b"`` -> ``"a@b"``; ``"smtp; 550 ..."`` -> ``"550 ..."`` (RFC 3464 2.1.2)."""
    if value is None:
        return None
    if ";" in value:
        value = value.split(";", 1)[1]
    value = value.strip()
    return value or None


def _host(value: str | None) -> str | None:
    """``"dns; mx.example.test. (192.0.2.1, ...)"`` -> ``"mx.example.test"``."""
    value = _dsn_value(value)
    if value is None:
        return None
    return value.split("(", 1)[0].strip().rstrip(".") or None


def _address(value: str | None) -> str | None:
    """``"rfc822; <a@b>"`` -> ``"a@b"``; X.400 ``"/RFC-822=a(a)b/..."`` -> ``"a@b"`` (RFC 2156)."""
    kind = (value or "").split(";", 1)[0].strip().lower() if ";" in (value or "") else ""
    value = _dsn_value(value)
    if value is None:
        return None
    if kind == "x400" or value.startswith("/"):
        embedded = re.search(r"/RFC-?822=([^/]{1,300})/", value, _I)
        if embedded is None:
            return None
        value = embedded.group(1).replace("(a)", "@").replace("(p)", "%").replace("(q)", '"')
    return clean_address(value.strip("<> \t")) or None


def _is_mailbox(value: str | None) -> bool:
    """A usable Internet address: local part, ``@``, and a domain with a dot in it."""
    return bool(value and re.fullmatch(r"[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s.]{1,63}", value))


def _parse_dsn(blocks: list[Message]) -> tuple[list[tuple[str, str]], list[BouncedRecipient]]:
    per_message: list[tuple[str, str]] = []
    recipients: list[BouncedRecipient] = []
    for block in blocks:
        fields = _headers(block)
        names = {name.lower() for name, _ in fields}
        if not names & {"final-recipient", "original-recipient", "action", "status"}:
            per_message.extend(fields)
            continue
        if len(recipients) >= MAX_RECIPIENTS:
            break
        recipients.append(_dsn_recipient(fields))
    return per_message, recipients


def _dsn_recipient(fields: list[tuple[str, str]]) -> BouncedRecipient:
    diagnostic = _dsn_value(_get(fields, "diagnostic-code"))
    if diagnostic is None:
        # X.400 gateways put the remote server's words in a field of their own.
        diagnostic = (_get(fields, "x400-supplementary-info") or "").strip('" ') or None
    status = find_status(_get(fields, "status") or "")
    in_text = find_status(diagnostic or "")
    if in_text and (status is None or (status.endswith(".0.0") and in_text[0] == status[0])):
        status = in_text  # "Status: 5.0.0" with "550 5.1.1 ..." in the text: the text is precise
    action = (_get(fields, "action") or "").strip().lower().split(" ", 1)[0]
    if action not in {a.value for a in Action}:
        action = _action_from_status(status)
    # The address the sender wrote (Original-Recipient, RFC 3464 2.3.1) before any alias,
    # forward or gateway (PMDF's "userx@sims-ms-daemon", X.400) rewrote it into the final one.
    final = _address(_get(fields, "final-recipient"))
    original = _address(_get(fields, "original-recipient"))
    recipient = original if _is_mailbox(original) else final or original
    return BouncedRecipient(
        recipient=recipient,
        action=Action(action),
        status=status,
        reason=classify(status, diagnostic),
        diagnostic=diagnostic,
        remote_mta=_host(_get(fields, "remote-mta")),
    )


def _action_from_status(status: str | None) -> str:
    return {"5": Action.FAILED, "4": Action.DELAYED, "2": Action.DELIVERED}.get(
        (status or "x")[0], Action.UNKNOWN
    )


def _rejected_recipient(fields: list[tuple[str, str]], hits: list[Hit]) -> BouncedRecipient:
    """A recipient that a Sieve or LDA rejection (an MDN, RFC 5429) names."""
    recipient = _address(_get(fields, "original-recipient")) or _address(
        _get(fields, "final-recipient")
    )
    hit = next((h for h in hits if (h.recipient or "").lower() == (recipient or "").lower()), None)
    if hit is None and len(hits) == 1:
        hit = hits[0]
    diagnostic = hit.diagnostic if hit else None
    status = find_status(diagnostic or "")
    return BouncedRecipient(
        recipient=recipient or (hit.recipient if hit else None),
        action=Action.FAILED,
        status=status,
        reason=classify(status, diagnostic),
        diagnostic=diagnostic,
        remote_mta=None,
    )


def _merge_text_hits(recipients: list[BouncedRecipient], hits: list[Hit]) -> list[BouncedRecipient]:
    """Fill a DSN's missing diagnostic and remote MTA from the text part, by address."""
    by_address = {hit.recipient.lower(): hit for hit in hits if hit.recipient}
    merged = []
    for rcpt in recipients:
        hit = by_address.get((rcpt.recipient or "").lower())
        if hit is None and len(recipients) == 1 and len(hits) == 1:
            hit = hits[0]
        if hit is None or (rcpt.diagnostic and rcpt.remote_mta):
            merged.append(rcpt)
            continue
        diagnostic = rcpt.diagnostic or hit.diagnostic
        status = rcpt.status or find_status(diagnostic or "")
        merged.append(
            BouncedRecipient(
                recipient=rcpt.recipient or hit.recipient,
                action=rcpt.action,
                status=status,
                reason=classify(status, diagnostic),
                diagnostic=diagnostic,
                remote_mta=rcpt.remote_mta or hit.remote_mta,
            )
        )
    return merged


# --- text bounces -------------------------------------------------------------------------------


def _detect_style(signature: str) -> Style:
    for style, pattern in _STYLE_PRINTS:
        if pattern.search(signature):
            return style
    return Style.UNKNOWN


def _looks_like_text_bounce(
    style: Style,
    headers: list[tuple[str, str]],
    subject: str | None,
    from_: str | None,
    text: str,
) -> bool:
    if _get(headers, "x-failed-recipients"):
        return True
    by_subject = bool(_BOUNCE_SUBJECT.search(subject or ""))
    by_from = bool(_BOUNCE_FROM.search(from_ or ""))
    if style is not Style.UNKNOWN and (by_subject or by_from):
        return True
    if by_subject and by_from:
        return True
    # MAILER-DAEMON writes nothing but reports; a bounce subject or sender is believed when
    # the text says what bounces say.
    if re.search(r"\bmailer-daemon@", from_ or "", _I):
        return True
    return (by_subject or by_from) and bool(_BOUNCE_BODY.search(text[:16384]))


def _is_auto_reply(headers: list[tuple[str, str]], subject: str | None) -> bool:
    auto = (_get(headers, "auto-submitted") or "").lower()
    if auto.startswith("auto-replied"):
        return True
    if _get(headers, "x-autoreply") or _get(headers, "x-autorespond"):
        return True
    if (_get(headers, "precedence") or "").lower() == "auto_reply":
        return True
    return bool(_AUTO_REPLY_SUBJECT.search(subject or ""))


def _refine(recipient: BouncedRecipient, explanation: str) -> BouncedRecipient:
    """A better reason when the recipient's own words gave none (``other``).

    Many notices put the reason in their own prose, not next to the address
    ("This mail message has exceeded the maximum incoming message size.");
    that prose, before the returned message, is read then. And a failure on a
    temporary 4.x.x status (4.4.x: no route, no answer) means the sender's
    server retried until it gave up: the delivery expired.
    """
    reason = recipient.reason
    if reason == Reason.OTHER:
        reason = classify(recipient.status or find_status(explanation), explanation)
    temporary = (recipient.status or "").startswith("4.")
    if recipient.action == Action.FAILED and temporary:
        network = (recipient.status or "").startswith("4.4.")
        if reason == Reason.OTHER or network:
            reason = Reason.EXPIRED
    return recipient if reason == recipient.reason else replace(recipient, reason=reason)


def _kind(recipients: list[BouncedRecipient], delay_hint: bool) -> Kind:
    actions = {r.action for r in recipients}
    if Action.FAILED in actions:
        return Kind.FAILURE
    if Action.DELAYED in actions:
        return Kind.DELAY
    if actions and actions <= {Action.DELIVERED, Action.RELAYED, Action.EXPANDED}:
        return Kind.NOT_A_BOUNCE
    return Kind.DELAY if delay_hint else Kind.FAILURE


def _from_hit(hit: Hit, delay_hint: bool) -> BouncedRecipient:
    status = find_status(hit.diagnostic or "")
    # A 4xx reply in a notice that is not a delay notice: the retries ran out, it failed.
    action = Action.DELAYED if delay_hint and (status or "4")[0] == "4" else Action.FAILED
    return BouncedRecipient(
        recipient=hit.recipient,
        action=action,
        status=status,
        reason=classify(status, hit.diagnostic),
        diagnostic=hit.diagnostic,
        remote_mta=hit.remote_mta,
    )
