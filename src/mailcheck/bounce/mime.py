"""Walk a bounce's MIME tree: which parts are the report, the human text, the returned message.

Every walk is bounded (parts visited, nesting depth), because the input is hostile.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Final

from mailcheck.bounce.decode import (
    MAX_TEXT,
    header_list,
    header_value,
    headers_from_text,
    part_text,
)
from mailcheck.bounce.dsn import dsn_blocks

__all__ = [
    "MAX_PARTS",
    "Parts",
    "before_returned",
    "collect",
    "human_text",
    "quoted_headers",
    "returned_text",
]

MAX_PARTS: Final = 64  # MIME parts visited

_DSN_TYPES: Final = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_MESSAGE_TYPES: Final = frozenset({"message/rfc822", "message/global"})
_RETURNED_HEADER_TYPES: Final = frozenset({"text/rfc822-headers", "message/global-headers"})

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


@dataclass(slots=True)
class Parts:
    human: list[str]
    html: list[str]
    dsn: list[Message]
    returned: Message | None
    returned_headers: list[tuple[str, str]]
    feedback: bool
    rejected: list[list[tuple[str, str]]]
    """MDN fields of a Sieve/LDA rejection (RFC 5429: ``automatic-action/...; deleted``)."""


def _walk(msg: Message, depth: int = 0) -> Iterator[tuple[Message, str]]:
    """Yield ``msg`` and its parts with their content types, without entering a returned message.

    The type comes with the part because working it out scans the part's headers each time.
    """
    ctype = msg.get_content_type()
    yield msg, ctype
    if depth > 8 or not msg.is_multipart() or ctype in _RETURNED_MESSAGE_TYPES:
        return
    payload = msg.get_payload()
    if isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                yield from _walk(part, depth + 1)


def collect(msg: Message, depth: int = 0) -> Parts:
    parts = Parts(
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
    for index, (part, ctype) in enumerate(_walk(msg)):
        if index >= MAX_PARTS:
            break
        if ctype == "message/feedback-report":
            parts.feedback = True
            parts.dsn.extend(dsn_blocks(part))
        elif ctype in _DSN_TYPES:
            parts.dsn.extend(dsn_blocks(part))
        elif ctype == "message/disposition-notification":
            fields = [f for block in dsn_blocks(part) for f in header_list(block)]
            disposition = (header_value(fields, "disposition") or "").lower()
            if "automatic-action" in disposition and re.search(r";\s*deleted", disposition):
                parts.rejected.append(fields)
        elif ctype in _RETURNED_MESSAGE_TYPES and parts.returned is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                parts.returned = inner[0]
                parts.returned_headers = header_list(inner[0])
        elif ctype in _RETURNED_HEADER_TYPES and not parts.returned_headers:
            parts.returned_headers = headers_from_text(part_text(part))
        elif ctype == "text/plain" and not part.is_multipart():
            parts.human.append(part_text(part))
        elif ctype.startswith("multipart/") and not part.is_multipart():
            # A boundary that could not be read (another header glued onto the Content-Type
            # line): the parts are one text, which the text extractors can still read.
            parts.human.append(part_text(part))
        elif ctype == "text/html":
            parts.html.append(part_text(part))
    returned = parts.returned
    if (
        not parts.dsn
        and depth == 0
        and returned is not None
        and returned.get_content_type() == "multipart/report"
    ):
        # A report forwarded as an attachment (by a gateway or a helpdesk): read the report.
        inner = collect(returned, depth + 1)
        if inner.dsn:
            inner.human = parts.human + inner.human
            return inner
    return parts


def human_text(parts: Parts) -> str:
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


def returned_text(returned: Message) -> str:
    chunks = []
    for index, (part, ctype) in enumerate(_walk(returned)):
        if index >= MAX_PARTS:
            break
        if ctype.startswith("text/") and not part.is_multipart():
            chunks.append(part_text(part))
    return "\n".join(chunks)[:MAX_TEXT]


def before_returned(text: str) -> str:
    match = _RETURNED_MARKER.search(text)
    return text[: match.start()] if match else text


def quoted_headers(text: str) -> list[tuple[str, str]]:
    """Headers quoted in a text bounce after a "copy of the message" line."""
    match = _RETURNED_MARKER.search(text)
    if match is None:
        return []
    rest = text[match.end() :].lstrip("\r\n")
    return headers_from_text(rest)
