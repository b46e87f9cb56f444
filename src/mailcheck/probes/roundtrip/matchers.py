"""What counts as the message being looked for: mailcheck's own, or the accounting software's.

A matcher reads a header block (bytes, as fetched) and says yes or no; its
``search_keys`` narrow the server-side SEARCH first (US-ASCII only).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mailcheck.probes.imap.messages import header_values
from mailcheck.probes.imap.wire import quote

__all__ = [
    "TOKEN_FORM",
    "CriteriaMatcher",
    "Matcher",
    "TokenMatcher",
    "bounce_candidate",
    "criteria_matcher",
    "from_address",
    "token_matcher",
    "token_values",
]

#: A mailcheck token; its time (group 1) tells a leftover's age.
TOKEN_FORM = re.compile(r"mc-(\d{8}t\d{6}z)-[0-9a-f]{12}")

Matcher = Callable[[bytes], bool]


def token_values(header: bytes) -> list[str]:
    return header_values(header, "X-Mailcheck-Token")


def from_address(value: str) -> str:
    """The address in a From value (``Name <a@b>`` or ``a@b``), lower-cased."""
    match = re.search(r"<([^<>\s]+)>", value)
    return (match.group(1) if match else value).strip().lower()


class TokenMatcher:
    """mailcheck's own message: its token header equals ``token`` exactly.

    ``owned`` is the stricter test before anything is deleted: exactly one
    token header, and the Message-ID mailcheck gave it.
    """

    def __init__(self, token: str, message_id: str | None = None, sender: str | None = None):
        self.token = token
        self.message_id = message_id
        self.sender = sender
        self.search_keys = ("HEADER", "X-Mailcheck-Token", quote(token))

    def __call__(self, header: bytes) -> bool:
        return self.token in token_values(header)

    def owned(self, header: bytes) -> bool:
        """Both our token (once) and our Message-ID: this message is mailcheck's."""
        if token_values(header) != [self.token]:
            return False
        ids = header_values(header, "Message-ID")
        if len(ids) != 1:
            return False
        if self.message_id is not None:
            return ids[0].lower() == self.message_id.lower()
        return re.fullmatch(rf"<mailcheck\.{re.escape(self.token)}@[^<>@\s]+>", ids[0]) is not None


def token_matcher(
    token: str, message_id: str | None = None, sender: str | None = None
) -> TokenMatcher:
    """Match mailcheck's own message: its token header equals ``token`` exactly."""
    return TokenMatcher(token, message_id, sender)


def _fields(header: bytes) -> dict[str, str]:
    """Unfolded, decoded header fields (RFC 2047 words decoded), lower-cased names."""
    from email.header import decode_header, make_header

    out: dict[str, str] = {}
    text = header.decode("utf-8", "replace").replace("\r\n", "\n")
    for line in text.replace("\n ", " ").replace("\n\t", " ").split("\n"):
        name, sep, value = line.partition(":")
        if not sep:
            continue
        try:
            value = str(make_header(decode_header(value.strip())))
        except (ValueError, LookupError):
            value = value.strip()
        out[name.strip().lower()] = value
    return out


class CriteriaMatcher:
    """A message the accounting software sends: by sender, subject text, invoice number.

    Every given criterion must hold (case-insensitive substring matches). The
    US-ASCII criteria also narrow the server-side SEARCH; the others are only
    checked here (a SEARCH without CHARSET must stay US-ASCII).
    """

    def __init__(self, sender: str | None, subject: str | None, invoice_number: str | None):
        self.sender = sender
        self.subject = subject
        self.invoice_number = invoice_number
        keys: list[str] = []
        for key, value in (("FROM", sender), ("SUBJECT", subject), ("SUBJECT", invoice_number)):
            if value and value.isascii() and value.isprintable():
                keys += [key, quote(value)]
        self.search_keys = tuple(keys)

    def __call__(self, header: bytes) -> bool:
        fields = _fields(header)
        if self.sender and self.sender.lower() not in fields.get("from", "").lower():
            return False
        if self.subject and self.subject.lower() not in fields.get("subject", "").lower():
            return False
        return not self.invoice_number or self.invoice_number in fields.get("subject", "")


def criteria_matcher(
    sender: str | None, subject: str | None, invoice_number: str | None
) -> CriteriaMatcher:
    """Match a message the accounting software sends (see :class:`CriteriaMatcher`)."""
    return CriteriaMatcher(sender, subject, invoice_number)


def bounce_candidate(header: bytes) -> bool:
    """Could this be a bounce? (From a mailer daemon, or a delivery-report subject.)"""
    fields = _fields(header)
    sender = fields.get("from", "").lower()
    subject = fields.get("subject", "").lower()
    return any(word in sender for word in ("mailer-daemon", "postmaster", "mail delivery")) or any(
        word in subject
        for word in ("undeliver", "delivery status", "failure notice", "returned mail", "delayed")
    )
