"""The test invoice's documents: the text and HTML bodies, the XML and the PDF.

They all say the same thing, from one :class:`InvoiceContent`: a made-up
invoice of one line item (100,000 VND plus 10 % VAT) between the sender's and the
recipient's companies. The PDF is written by hand (PDF 1.4, one page, Helvetica)
and can be padded to make the message the size asked for (:func:`fit_pdf`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from mailcheck.values import Address

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

__all__ = [
    "NOTICE_EN",
    "NOTICE_VI",
    "InvoiceContent",
    "fit_pdf",
    "html_body",
    "invoice_pdf",
    "invoice_xml",
    "text_body",
]

# Shown at the top of both body parts when the message goes to a real customer.
NOTICE_VI = (
    "ĐÂY LÀ THƯ THỬ NGHIỆM do công cụ mailcheck gửi để kiểm tra việc gửi hóa đơn điện tử "
    "qua e-mail. Đây không phải là hóa đơn thật; Quý khách không cần làm gì."
)
NOTICE_EN = (
    "This is a TEST message sent by mailcheck to check that e-invoices sent by e-mail arrive. "
    "It is not a real invoice; no action is needed."
)

# One made-up line item: 100,000 VND plus 10 % VAT.
_NET, _VAT = 100_000, 10_000
_TOTAL_WORDS = "Một trăm mười nghìn đồng"


class InvoiceContent(NamedTuple):  # a NamedTuple is built faster than a dataclass at import
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


def text_body(f: InvoiceContent, label_as_test: bool) -> str:
    notice = f"{NOTICE_VI}\n{NOTICE_EN}\n\n" if label_as_test else ""
    return (
        f"{notice}Kính gửi Quý khách hàng {f.buyer},\n\n"
        f"{f.seller_display} trân trọng thông báo hóa đơn điện tử số {f.number} "
        f"(ký hiệu {f.serial}, ngày lập {f.when:%d/%m/%Y}) đã được phát hành.\n\n"
        f"Tổng tiền thanh toán: {_vnd(_NET + _VAT)} VND ({_TOTAL_WORDS}).\n\n"
        "Hóa đơn gồm bản thể hiện (tệp PDF) và dữ liệu hóa đơn (tệp XML) đính kèm thư này.\n\n"
        f"Trân trọng,\n{f.seller_display}\n\n"
        f"Dear customer, please find attached e-invoice No. {f.number} (PDF and XML).\n"
    )


def html_body(f: InvoiceContent, label_as_test: bool) -> str:
    from html import escape

    notice = (
        f"<p><strong>{escape(NOTICE_VI)}</strong><br>\n{escape(NOTICE_EN)}</p>\n"
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


def invoice_xml(f: InvoiceContent) -> bytes:
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


def invoice_pdf(f: InvoiceContent, filler: int) -> bytes:
    """Return the invoice as PDF; ``filler`` > 0 adds a content stream of that many bytes."""
    lines = [
        f"Ky hieu (Serial): {f.serial}    So (No.): {f.number}",
        f"Ngay {f.when:%d} thang {f.when:%m} nam {f.when:%Y} (Date: {f.when:%Y-%m-%d})",
        "",
        f"Don vi ban hang (Seller): {Address.parse(f.seller_address).written_domain}",
        f"Dia chi thu dien tu (E-mail): {f.seller_address}",
        f"Nguoi mua hang (Buyer): {Address.parse(f.buyer_address).written_domain}",
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


def fit_pdf(pdf_of: Callable[[int], bytes], want: int) -> bytes:
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
