"""The test invoice: a message shaped like what Vietnamese accounting software sends.

mailcheck mails it to the sender's own mailbox and then finds it by IMAP and
deletes exactly it, so it carries a unique token in three places a search can
use: the ``X-Mailcheck-Token`` header, the ``Message-ID`` local part, and
(only when the subject template asks for it) the subject.

The shape follows real e-invoice mail: multipart/mixed holding a Vietnamese
text/html alternative, the invoice as PDF (the human-readable copy) and as XML
(the legal copy, after the General Department of Taxation's format). Nothing in
it looks like bulk mail: no List-Unsubscribe, no links, no remote images.

Every part is quoted-printable or base64, so the bytes are the same whether or
not the server offers 8BITMIME (aiosmtplib then generates with ``cte_type``
``8bit`` or ``7bit``) and ``size`` is what goes over the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from mailcheck.errors import ConfigError

if TYPE_CHECKING:
    import email.message
    from collections.abc import Callable
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

# Shown at the top of both body parts when the message goes to a real customer.
_NOTICE_VI = (
    "ĐÂY LÀ THƯ THỬ NGHIỆM do công cụ mailcheck gửi để kiểm tra việc gửi hóa đơn điện tử "
    "qua e-mail. Đây không phải là hóa đơn thật; Quý khách không cần làm gì."
)
_NOTICE_EN = (
    "This is a TEST message sent by mailcheck to check that e-invoices sent by e-mail arrive. "
    "It is not a real invoice; no action is needed."
)

# One made-up line item: 100,000 VND plus 10 % VAT.
_NET, _VAT = 100_000, 10_000
_TOTAL_WORDS = "Một trăm mười nghìn đồng"


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
    from datetime import datetime as _datetime
    from email.utils import format_datetime

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

    facts = _Facts(
        number=number,
        serial=f"C{when:%y}TMC",
        when=when,
        seller=f"Công ty {from_name}",
        seller_address=f"{from_local}@{from_domain}",
        buyer=f"Công ty {to_name}",
        buyer_address=f"{to_local}@{to_domain}",
        seller_display=sender_name or f"Công ty {from_name}",
    )
    message_id = f"<mailcheck.{token}@{from_domain.lower()}>"
    xml = _invoice_xml(facts)
    # aiosmtplib sends with SMTPUTF8 (and raw UTF-8 headers) only when an address is non-ASCII.
    policy = email.policy.SMTP if (from_local + to_local).isascii() else email.policy.SMTPUTF8

    def build(pdf: bytes) -> tuple[email.message.EmailMessage, int]:
        from email.headerregistry import Address
        from email.message import EmailMessage

        msg = EmailMessage(policy=email.policy.SMTP)
        msg["From"] = Address(sender_name or "", from_local, from_domain)
        msg["To"] = Address("", to_local, to_domain)
        msg.set_raw("Subject", _encode_subject(full_subject))
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = message_id
        msg[TOKEN_HEADER] = token
        msg.set_content(_text_body(facts, label_as_test), cte="quoted-printable")
        msg.add_alternative(
            _html_body(facts, label_as_test), subtype="html", cte="quoted-printable"
        )
        msg.add_attachment(pdf, "application", "pdf", filename=f"HoaDon_{number}.pdf")
        msg.add_attachment(xml, "application", "xml", filename=f"HoaDon_{number}.xml")
        # Fixed boundaries: the message is reproducible, and the generator need not
        # scan the whole body for a boundary that does not collide (RFC 2046 5.1.1).
        # "=_" cannot occur in base64 or quoted-printable text.
        msg.set_boundary(f"=_mailcheck_mixed_{token}")
        next(msg.iter_parts()).set_boundary(f"=_mailcheck_alt_{token}")
        for part in msg.walk():  # set_content() gives every part one; the top one is enough
            if part is not msg:
                del part["MIME-Version"]
        return msg, len(msg.as_bytes(policy=policy))

    def pdf_of(filler: int) -> bytes:
        return _invoice_pdf(facts, filler)

    message, size = build(pdf_of(0))
    if attachment_size > size:
        natural_pdf = len(pdf_of(0))
        # Each 57 bytes of attachment become one 76-character base64 line plus CRLF.
        want = natural_pdf + (attachment_size - size) * 57 // 78
        message, size = build(_fit_pdf(pdf_of, want))
    return TestInvoice(
        message=message,
        token=token,
        message_id=message_id,
        subject=full_subject,
        invoice_number=number,
        size=size,
    )


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
    """Return (local part, domain as written, ASCII domain).

    IDN domains are punycoded for the headers, so that only a non-ASCII local
    part makes the message need SMTPUTF8 (RFC 6531).
    """
    from mailcheck.config import check_address

    check_header_value(address, what)
    local, _, domain = check_address(address, what).rpartition("@")
    ascii_domain = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    return local, domain.lower(), ascii_domain


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


class _Facts(NamedTuple):  # a NamedTuple is built faster than a dataclass at import
    """What the body, the PDF and the XML say."""

    number: str
    serial: str
    when: datetime
    seller: str
    seller_address: str
    buyer: str
    buyer_address: str
    seller_display: str


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _text_body(f: _Facts, label_as_test: bool) -> str:
    notice = f"{_NOTICE_VI}\n{_NOTICE_EN}\n\n" if label_as_test else ""
    return (
        f"{notice}Kính gửi Quý khách hàng {f.buyer},\n\n"
        f"{f.seller_display} trân trọng thông báo hóa đơn điện tử số {f.number} "
        f"(ký hiệu {f.serial}, ngày lập {f.when:%d/%m/%Y}) đã được phát hành.\n\n"
        f"Tổng tiền thanh toán: {_vnd(_NET + _VAT)} VND ({_TOTAL_WORDS}).\n\n"
        "Hóa đơn gồm bản thể hiện (tệp PDF) và dữ liệu hóa đơn (tệp XML) đính kèm thư này.\n\n"
        f"Trân trọng,\n{f.seller_display}\n\n"
        f"Dear customer, please find attached e-invoice No. {f.number} (PDF and XML).\n"
    )


def _html_body(f: _Facts, label_as_test: bool) -> str:
    from html import escape

    notice = (
        f"<p><strong>{escape(_NOTICE_VI)}</strong><br>\n{escape(_NOTICE_EN)}</p>\n"
        if label_as_test
        else ""
    )
    seller = escape(f.seller_display)
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head><meta charset="utf-8">'
        f"<title>Hóa đơn điện tử số {f.number}</title></head>\n<body>\n{notice}"
        f"<p>Kính gửi Quý khách hàng {escape(f.buyer)},</p>\n"
        f"<p>{seller} trân trọng thông báo hóa đơn điện tử đã được phát hành:</p>\n"
        "<table>\n"
        f"<tr><td>Ký hiệu:</td><td>{f.serial}</td></tr>\n"
        f"<tr><td>Số hóa đơn:</td><td>{f.number}</td></tr>\n"
        f"<tr><td>Ngày lập:</td><td>{f.when:%d/%m/%Y}</td></tr>\n"
        f"<tr><td>Tổng tiền thanh toán:</td><td>{_vnd(_NET + _VAT)} VND</td></tr>\n"
        "</table>\n"
        "<p>Hóa đơn gồm bản thể hiện (tệp PDF) và dữ liệu hóa đơn (tệp XML) đính kèm thư này.</p>\n"
        f"<p>Trân trọng,<br>\n{seller}</p>\n"
        f"<p>Dear customer, please find attached e-invoice No. {f.number} (PDF and XML).</p>\n"
        "</body>\n</html>\n"
    )


def _invoice_xml(f: _Facts) -> bytes:
    # html.escape covers XML text (& < > and quotes); xml.sax.saxutils would pull in
    # urllib.request, about 20 ms of start-up for one function.
    from html import escape

    def party(tag: str, name: str, address: str) -> str:
        return (
            f"<{tag}><Ten>{escape(name)}</Ten><MST>{_tax_code(name)}</MST>"
            f"<DChi>Việt Nam</DChi><DCTDTu>{escape(address)}</DCTDTu></{tag}>"
        )

    rate = "10%"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<HDon><DLHDon Id="data"><TTChung><PBan>2.0.1</PBan>'
        "<THDon>Hóa đơn giá trị gia tăng</THDon><KHMSHDon>1</KHMSHDon>"
        f"<KHHDon>{f.serial[1:]}</KHHDon><SHDon>{f.number}</SHDon>"
        f"<NLap>{f.when:%Y-%m-%d}</NLap><DVTTe>VND</DVTTe><TGia>1</TGia>"
        "<HTTToan>TM/CK</HTTToan></TTChung>\n"
        f"<NDHDon>{party('NBan', f.seller, f.seller_address)}\n"
        f"{party('NMua', f.buyer, f.buyer_address)}\n"
        "<DSHHDVu><HHDVu><TChat>1</TChat><STT>1</STT>"
        "<THHDVu>Dịch vụ kiểm tra gửi hóa đơn qua e-mail (mailcheck)</THHDVu>"
        f"<DVTinh>Lần</DVTinh><SLuong>1</SLuong><DGia>{_NET}</DGia><TSuat>{rate}</TSuat>"
        f"<ThTien>{_NET}</ThTien></HHDVu></DSHHDVu>\n"
        f"<TToan><THTTLTSuat><LTSuat><TSuat>{rate}</TSuat><ThTien>{_NET}</ThTien>"
        f"<TThue>{_VAT}</TThue></LTSuat></THTTLTSuat><TgTCThue>{_NET}</TgTCThue>"
        f"<TgTThue>{_VAT}</TgTThue><TgTTTBSo>{_NET + _VAT}</TgTTTBSo>"
        f"<TgTTTBChu>{_TOTAL_WORDS}</TgTTTBChu></TToan></NDHDon></DLHDon>\n"
        "<DSCKS/></HDon>\n"
    ).encode()


def _tax_code(name: str) -> str:
    """A made-up, stable 10-digit tax code (MST) for a company name."""
    import hashlib

    digest = hashlib.sha256(name.encode()).digest()
    return f"0{int.from_bytes(digest[:8], 'big') % 10**9:09d}"


# --- PDF 1.4 (ISO 32000-1 without the newer features): one page, Helvetica, ASCII only.

_PDF_FILLER = b"% mailcheck: filler that makes this test invoice the size asked for\n"


def _pdf_string(text: str) -> bytes:
    raw = text.encode("ascii", "replace")  # the standard 14 fonts have no Vietnamese glyphs
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _invoice_pdf(f: _Facts, filler: int) -> bytes:
    """Return the invoice as PDF; ``filler`` > 0 adds a content stream of that many bytes."""
    lines = [
        f"Ky hieu (Serial): {f.serial}    So (No.): {f.number}",
        f"Ngay {f.when:%d} thang {f.when:%m} nam {f.when:%Y} (Date: {f.when:%Y-%m-%d})",
        "",
        f"Don vi ban hang (Seller): {f.seller_address.rpartition('@')[2]}",
        f"Dia chi thu dien tu (E-mail): {f.seller_address}",
        f"Nguoi mua hang (Buyer): {f.buyer_address.rpartition('@')[2]}",
        f"Dia chi thu dien tu (E-mail): {f.buyer_address}",
        "",
        f"1. Dich vu kiem tra gui hoa don qua e-mail   1 x {_vnd(_NET)} = {_vnd(_NET)} VND",
        f"Cong tien hang (Net): {_vnd(_NET)} VND",
        f"Thue GTGT 10% (VAT): {_vnd(_VAT)} VND",
        f"Tong cong thanh toan (Total): {_vnd(_NET + _VAT)} VND",
        "",
        "Tai lieu thu nghiem cua mailcheck, khong co gia tri phap ly.",
        "Test document made by mailcheck; it has no legal value.",
    ]
    content = b"BT\n/F2 16 Tf\n50 780 Td\n(HOA DON GIA TRI GIA TANG) Tj\n/F1 10 Tf\n14 TL\n"
    content += b"(VAT INVOICE) '\nT*\n" + b"".join(_pdf_string(x) + b" '\n" for x in lines)
    content += b"ET\n"
    created = f.when.strftime("D:%Y%m%d%H%M%S") + _pdf_tz(f.when)
    contents = b"[4 0 R 8 0 R]" if filler else b"4 0 R"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents " + contents + b" >>",
        _pdf_stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(f"Hoa don {f.number}") + b" /Producer (mailcheck)"
        b" /CreationDate " + _pdf_string(created) + b" >>",
    ]
    if filler:
        repeat, rest = divmod(filler, len(_PDF_FILLER))
        objects.append(_pdf_stream(_PDF_FILLER * repeat + _PDF_FILLER[:rest]))
    # The second line's bytes above 127 mark the file as binary (ISO 32000-1 7.5.2).
    out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    offset = len(out[0])
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)]
    for number, body in enumerate(objects, start=1):
        chunk = b"%d 0 obj\n%b\nendobj\n" % (number, body)
        xref.append(b"%010d 00000 n \n" % offset)  # each entry exactly 20 bytes (7.5.4)
        out.append(chunk)
        offset += len(chunk)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        offset,
    )
    return b"".join([*out, *xref, trailer])


def _pdf_stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%b\nendstream" % (len(data), data)


def _pdf_tz(when: datetime) -> str:
    offset = when.utcoffset()
    if not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+", minutes) if minutes >= 0 else ("-", -minutes)
    return f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _fit_pdf(pdf_of: Callable[[int], bytes], want: int) -> bytes:
    """Return ``pdf_of(filler)`` with the filler chosen so the PDF is ``want`` bytes long."""
    base = len(pdf_of(0))
    overhead = len(pdf_of(1)) - base - 1  # the padding object, its xref entry, /Contents
    filler = max(1, want - base - overhead)
    pdf = pdf_of(filler)
    for _ in range(3):  # digit counts of /Length and startxref move it by a few bytes
        if len(pdf) == want or filler + want - len(pdf) < 1:
            break
        filler += want - len(pdf)
        pdf = pdf_of(filler)
    return pdf
