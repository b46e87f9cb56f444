"""Parse bounces: RFC 3464 DSNs first, then the text formats of common MTAs.

Input is hostile by nature (anyone can send us a "bounce"), so every size is capped, every
pattern is bounded, and :func:`parse_bounce` turns any failure into ``not-a-bounce``.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import replace
from typing import Final

from mailcheck.bounce import ses
from mailcheck.bounce.decode import (
    MAX_HEADERS,
    MAX_TEXT,
    header_list,
    header_value,
    norm_message_id,
    strip_id,
)
from mailcheck.bounce.detect import (
    detect_style,
    from_hit,
    is_auto_reply,
    kind_of,
    looks_like_text_bounce,
    refine,
    says_delayed,
)
from mailcheck.bounce.dsn import (
    MAX_RECIPIENTS,
    dsn_host,
    merge_text_hits,
    parse_dsn,
    rejected_recipient,
)
from mailcheck.bounce.mbox import split_mbox
from mailcheck.bounce.mime import (
    before_returned,
    collect,
    human_text,
    quoted_headers,
    returned_text,
)
from mailcheck.bounce.model import NOT_A_BOUNCE, Bounce, Kind, Style
from mailcheck.bounce.text import TEXT_EXTRACTORS, extract_generic, reporting_from_text

__all__ = ["parse_bounce", "read_messages", "refers_to"]

MAX_INPUT: Final = 4 * 1024 * 1024  # bytes of one message parsed; a bounce is rarely > 100 KiB
MAX_HEADER_BYTES: Final = 256 * 1024  # a header block larger than this is cut (parser cost)

_ID_HEADERS: Final = frozenset({"message-id", "resent-message-id"})

_NOT_A_BOUNCE: Final = NOT_A_BOUNCE


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
    next message (mboxo/mboxrd). ``>From `` quoting is undone once (mboxrd). To read a large
    mbox without holding it, see :func:`mailcheck.bounce.mbox.iter_messages`.
    """
    return split_mbox(raw)


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
    wanted = norm_message_id(message_id)
    if wanted:
        if norm_message_id(bounce.original_message_id) == wanted:
            return True
        for name, value in bounce.original_headers:
            if name.lower() in _ID_HEADERS and norm_message_id(value) == wanted:
                return True
        if f"<{wanted}>" in bounce.text.lower():
            return True
    return False


# --- the walk -----------------------------------------------------------------------------------


def _parse(raw: bytes) -> Bounce:
    # Amazon SES notifications are JSON, by mail or bare (issue 14): a byte test, then JSON.
    if ses.maybe_notification(raw):
        notification = ses.parse_notification(raw)
        if notification is not None:
            return notification
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    headers = header_list(msg)
    if not headers:
        return _NOT_A_BOUNCE
    subject = header_value(headers, "subject")
    from_ = header_value(headers, "from")
    parts = collect(msg)
    human = human_text(parts)
    before_copy = before_returned(human)

    returned_headers = parts.returned_headers or quoted_headers(human)
    original_message_id = header_value(returned_headers, "message-id")
    text = human
    if parts.returned is not None:
        text = f"{human}\n{returned_text(parts.returned)}"
    text = text[:MAX_TEXT]

    dsn_fields, dsn_recipients = parse_dsn(parts.dsn)
    signature = "\n".join(
        [from_ or "", subject or "", "\n".join(n for n, _ in headers), before_copy[:16384]]
        + [f"{name}: {value}" for name, value in dsn_fields]
    )
    style = detect_style(signature)
    # What every outcome shares; each branch below replaces only what it knows.
    base = replace(
        _NOT_A_BOUNCE,
        original_message_id=strip_id(original_message_id),
        original_headers=tuple(returned_headers[:MAX_HEADERS]),
        subject=subject,
        from_=from_,
        text=text,
    )
    if parts.feedback:
        reporting = dsn_host(header_value(dsn_fields, "reporting-mta"))
        return replace(base, kind=Kind.FEEDBACK, reporting_mta=reporting)

    text_hits = TEXT_EXTRACTORS.get(style, extract_generic)(before_copy, headers)
    if not text_hits and style is not Style.UNKNOWN:
        text_hits = extract_generic(before_copy, headers)
    delay_hint = says_delayed(subject or "") or says_delayed(before_copy)

    if parts.dsn:
        recipients = merge_text_hits(dsn_recipients, text_hits)
        if not recipients:  # a report part without per-recipient fields: read the text
            recipients = [from_hit(hit, delay_hint) for hit in text_hits if hit.recipient]
        if style is Style.UNKNOWN:
            style = Style.RFC3464
    elif parts.rejected:
        recipients = [rejected_recipient(fields, text_hits) for fields in parts.rejected]
    elif looks_like_text_bounce(style, headers, subject, from_, before_copy):
        recipients = [from_hit(hit, delay_hint) for hit in text_hits]
    elif is_auto_reply(headers, subject):
        # An auto-reply returns nothing; the message it answers is its In-Reply-To.
        in_reply_to = strip_id(header_value(headers, "in-reply-to"))
        return replace(base, kind=Kind.AUTO_REPLY, original_message_id=in_reply_to)
    else:
        return base

    reporting_mta = dsn_host(header_value(dsn_fields, "reporting-mta"))
    reporting_mta = reporting_mta or reporting_from_text(before_copy)
    recipients = [refine(r, before_copy) for r in recipients]
    return replace(
        base,
        kind=kind_of(recipients, delay_hint),
        mta_style=style,
        reporting_mta=reporting_mta,
        recipients=tuple(recipients[:MAX_RECIPIENTS]),
    )
