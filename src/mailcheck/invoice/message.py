"""Building the test invoice message: its headers, its token and its size.

The token goes where a search can find it again (the ``X-Mailcheck-Token``
header, the ``Message-ID`` local part and, when asked, the subject); every value
that goes into a header is refused if it holds control characters. The bodies
and attachments come from :mod:`mailcheck.invoice.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from mailcheck.errors import ConfigError
from mailcheck.invoice.documents import (
    InvoiceContent,
    fit_pdf,
    html_body,
    invoice_pdf,
    invoice_xml,
    text_body,
)
from mailcheck.values import Address

if TYPE_CHECKING:
    import email.message
    import email.policy
    from datetime import datetime

__all__ = [
    "DEFAULT_SUBJECT",
    "MAX_ATTACHMENT_SIZE",
    "TEST_SUBJECT_PREFIX",
    "TOKEN_HEADER",
    "TestInvoice",
    "build_invoice",
    "check_header_value",
    "new_token",
]

TOKEN_HEADER = "X-Mailcheck-Token"  # noqa: S105 - a header name, not a password
DEFAULT_SUBJECT = "Thông báo phát hành hóa đơn điện tử số {number}"
TEST_SUBJECT_PREFIX = "[TEST mailcheck] "
MAX_ATTACHMENT_SIZE = 50 * 1024 * 1024
_TOKEN_MAX = 40
_PLACEHOLDERS = ("number", "token")


@dataclass(frozen=True, slots=True, kw_only=True)
class TestInvoice:
    """A built test message and what is needed to find it again."""

    __test__ = False  # not a pytest test class, despite the name

    message: email.message.EmailMessage
    """The message, ready for ``aiosmtplib.SMTP.send_message``."""
    token: str
    """Unique ASCII token (``[a-z0-9-]``, at most 40 characters), also in ``X-Mailcheck-Token``."""
    message_id: str
    """``<mailcheck.{token}@{sender domain}>``, the domain punycoded."""
    subject: str
    """The subject as set (before RFC 2047 encoding)."""
    invoice_number: str
    """Seven digits derived from the token (the same for the same token)."""
    size: int
    """Bytes that go over the wire in DATA (SMTP policy, CRLF, before dot-stuffing)."""


def new_token(now: datetime | None = None) -> str:
    """Return a new unique token, e.g. ``mc-20261127t012345z-3f9a1c2b7d4e``.

    The time is UTC; the 12 hex digits are 48 random bits.
    """
    import secrets
    from datetime import UTC
    from datetime import datetime as _datetime

    when = (now or _datetime.now(UTC)).astimezone(UTC)
    return f"mc-{when:%Y%m%dt%H%M%Sz}-{secrets.token_hex(6)}"


def check_header_value(value: str, what: str) -> str:
    """Return ``value`` unchanged, or raise ConfigError if it has control characters.

    CR and LF would start a new header (header injection); NUL, the other C0
    controls, DEL, the C1 controls and the Unicode line/paragraph separators are
    refused too, because some software treats them as line breaks. Non-ASCII
    text (Vietnamese) is fine.
    """
    for ch in value:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029):
            raise ConfigError(
                f"{what}: the value contains control characters (CR, LF, NUL, ...) "
                f"at position {value.index(ch) + 1}; refused, they could inject mail headers"
            )
    return value


class _Draft(NamedTuple):
    """Everything the message holds but its PDF, which is sized to fit afterwards."""

    content: InvoiceContent
    sender_name: str
    sender: tuple[str, str]
    """Local part and ASCII domain."""
    recipient: tuple[str, str]
    subject: str
    message_id: str
    token: str
    label_as_test: bool
    xml: bytes
    policy: email.policy.Policy
    """How the size is counted: SMTPUTF8 only when an address needs it."""


def build_invoice(
    *,
    sender: str,
    recipient: str,
    token: str | None = None,
    subject: str | None = None,
    sender_name: str | None = None,
    attachment_size: int = 0,
    label_as_test: bool = False,
    now: datetime | None = None,
) -> TestInvoice:
    """Build the test invoice from ``sender`` to ``recipient``.

    ``subject`` is a template that may use ``{number}`` and ``{token}``.
    ``attachment_size`` is the total message size to aim for: the PDF is padded
    so that ``size`` comes within a few bytes of it; a size below the natural
    size (about 7 KB) gives the natural message. A naive ``now`` is taken as
    local time. Bad input raises ConfigError, naming the option.
    """
    import email.policy
    import functools
    from datetime import datetime as _datetime

    if not 0 <= attachment_size <= MAX_ATTACHMENT_SIZE:
        raise ConfigError(
            f"--attachment-size: {attachment_size} bytes is out of range "
            f"(0 to {MAX_ATTACHMENT_SIZE // (1024 * 1024)} MB)"
        )
    when = (
        now if now is not None and now.tzinfo is not None else (now or _datetime.now()).astimezone()
    )
    token = _check_token(new_token(when) if token is None else token)
    number = _invoice_number(token)
    from_local, from_name, from_domain = _split_address(sender, "--sender")
    to_local, to_name, to_domain = _split_address(recipient, "--recipient")
    if sender_name is not None:
        check_header_value(sender_name, "--sender-name")
    full_subject = _format_subject(DEFAULT_SUBJECT if subject is None else subject, number, token)
    if label_as_test:
        full_subject = TEST_SUBJECT_PREFIX + full_subject

    content = InvoiceContent(
        number=number,
        serial=f"C{when:%y}TMC",
        when=when,
        seller=f"Công ty {from_name}",
        seller_address=f"{from_local}@{from_domain}",
        buyer=f"Công ty {to_name}",
        buyer_address=f"{to_local}@{to_domain}",
        seller_display=sender_name or f"Công ty {from_name}",
    )
    draft = _Draft(
        content=content,
        sender_name=sender_name or "",
        sender=(from_local, from_domain),
        recipient=(to_local, to_domain),
        subject=full_subject,
        message_id=f"<mailcheck.{token}@{from_domain.lower()}>",
        token=token,
        label_as_test=label_as_test,
        xml=invoice_xml(content),
        # aiosmtplib sends SMTPUTF8 (raw UTF-8 headers) only when an address is non-ASCII.
        policy=email.policy.SMTP if (from_local + to_local).isascii() else email.policy.SMTPUTF8,
    )
    pdf_of = functools.partial(invoice_pdf, content)
    message, size = _assemble(draft, pdf_of(0))
    if attachment_size > size:
        natural_pdf = len(pdf_of(0))
        # Each 57 bytes of attachment become one 76-character base64 line plus CRLF.
        want = natural_pdf + (attachment_size - size) * 57 // 78
        message, size = _assemble(draft, fit_pdf(pdf_of, want))
    return TestInvoice(
        message=message,
        token=token,
        message_id=draft.message_id,
        subject=full_subject,
        invoice_number=number,
        size=size,
    )


def _assemble(draft: _Draft, pdf: bytes) -> tuple[email.message.EmailMessage, int]:
    """The message with ``pdf`` attached, and its size on the wire."""
    import email.policy
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime

    content, token, number = draft.content, draft.token, draft.content.number
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = Address(draft.sender_name, *draft.sender)
    msg["To"] = Address("", *draft.recipient)
    msg.set_raw("Subject", _encode_subject(draft.subject))
    msg["Date"] = format_datetime(content.when)
    msg["Message-ID"] = draft.message_id
    msg[TOKEN_HEADER] = token
    msg.set_content(text_body(content, draft.label_as_test), cte="quoted-printable")
    msg.add_alternative(
        html_body(content, draft.label_as_test), subtype="html", cte="quoted-printable"
    )
    msg.add_attachment(pdf, "application", "pdf", filename=f"HoaDon_{number}.pdf")
    msg.add_attachment(draft.xml, "application", "xml", filename=f"HoaDon_{number}.xml")
    # Fixed boundaries: the message is reproducible, and the generator need not
    # scan the whole body for a boundary that does not collide (RFC 2046 5.1.1).
    # "=_" cannot occur in base64 or quoted-printable text.
    msg.set_boundary(f"=_mailcheck_mixed_{token}")
    next(msg.iter_parts()).set_boundary(f"=_mailcheck_alt_{token}")
    for part in msg.walk():  # set_content() gives every part one; the top one is enough
        if part is not msg:
            del part["MIME-Version"]
    return msg, len(msg.as_bytes(policy=draft.policy))


def _check_token(token: str) -> str:
    import re

    if not re.fullmatch(rf"[a-z0-9-]{{1,{_TOKEN_MAX}}}", token):
        raise ConfigError(
            f"token: {token!r} is not a mailcheck token "
            f"(lower-case letters, digits and '-', at most {_TOKEN_MAX} characters)"
        )
    return token


def _invoice_number(token: str) -> str:
    import hashlib

    digest = hashlib.sha256(token.encode("ascii")).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 9_999_999 + 1:07d}"


def _split_address(address: str, what: str) -> tuple[str, str, str]:
    """Return (local part, domain lower-cased, ASCII domain as written).

    IDN domains are punycoded for the headers, so that only a non-ASCII local
    part makes the message need SMTPUTF8 (RFC 6531).
    """
    # First: a CR or LF gets the header-injection message, not the address-syntax one.
    check_header_value(address, what)
    parsed = Address.parse(address, what)
    return parsed.local, parsed.domain, parsed.ascii_domain


def _format_subject(template: str, number: str, token: str) -> str:
    import string

    check_header_value(template, "--subject")
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(template)]
    except ValueError as exc:
        raise ConfigError(
            f"--subject: {template!r} is not a valid template ({exc}); write {{{{ and }}}} "
            f"for literal braces"
        ) from None
    for field in fields:
        if field is not None and field not in _PLACEHOLDERS:
            known = ", ".join(f"{{{name}}}" for name in _PLACEHOLDERS)
            raise ConfigError(
                f"--subject: unknown placeholder {{{field}}} in {template!r}; known: {known}"
            )
    return template.format(number=number, token=token)


def _encode_subject(subject: str) -> str:
    """Return the Subject field body, as folded RFC 2047 encoded words unless short ASCII.

    Python's own folder drops the space where it folds between two encoded
    words, so a long Vietnamese subject reads "điệntử" at the customer (seen on
    3.11; a sibling bug, CPython gh-144156, makes Yahoo refuse the message). Here each
    encoded word carries whole characters, spaces included, and the folding
    white space between encoded words is not part of the text (RFC 2047 6.2).
    """
    if subject.isascii() and len(subject) <= 78 - len("Subject: ") and "=?" not in subject:
        return subject
    import base64

    words: list[bytes] = []
    chunk = b""
    for char in subject:
        data = char.encode()
        if len(chunk) + len(data) > 39:  # 52 base64 characters: 64-character words (max 75)
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)
