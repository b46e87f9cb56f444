"""The test invoice: structure, headers, attachments, size, header injection."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtplib.email import flatten_message

from mailcheck import invoice
from mailcheck.errors import ConfigError

NOW = datetime(2026, 11, 27, 8, 23, 45, tzinfo=timezone(timedelta(hours=7)))
TOKEN = "mc-20261127t012345z-3f9a1c2b7d4e"
SENDER = "billing@company.vn"
CUSTOMER = "ketoan@khachhang.com.vn"


def build(**kwargs: object) -> invoice.TestInvoice:
    args: dict[str, object] = {"sender": SENDER, "recipient": SENDER, "token": TOKEN, "now": NOW}
    args.update(kwargs)
    return invoice.build_invoice(**args)  # type: ignore[arg-type]


def parse(inv: invoice.TestInvoice) -> EmailMessage:
    """What the mailbox gets: the SMTP bytes parsed back."""
    raw = inv.message.as_bytes(policy=policy.SMTP)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def attachment(message: EmailMessage, content_type: str) -> tuple[str, bytes]:
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            data = part.get_content()
            assert isinstance(data, bytes)
            return part.get_filename() or "", data
    raise AssertionError(f"no {content_type} attachment")


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    text = part.get_content()
    assert isinstance(text, str)
    return text


def check_pdf(pdf: bytes) -> None:
    """Check the cross-reference table by hand: every offset points at its 'N 0 obj'."""
    assert pdf.startswith(b"%PDF-1.4\n")
    assert pdf.endswith(b"%%EOF\n")
    startxref = re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf)
    assert startxref is not None
    xref_at = int(startxref.group(1))
    assert pdf[xref_at : xref_at + 5] == b"xref\n"
    header = re.match(rb"xref\n0 (\d+)\n", pdf[xref_at:])
    assert header is not None
    count = int(header.group(1))
    table = pdf[xref_at + header.end() : xref_at + header.end() + 20 * count]
    entries = [table[i : i + 20] for i in range(0, len(table), 20)]
    assert entries[0] == b"0000000000 65535 f \n"
    for number, entry in enumerate(entries[1:], start=1):
        assert re.fullmatch(rb"\d{10} 00000 n \n", entry), entry
        offset = int(entry[:10])
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number)
    trailer = pdf[xref_at + header.end() + 20 * count :]
    assert trailer.startswith(b"trailer\n<< /Size %d /Root 1 0 R" % count)
    # Each stream's /Length is the exact number of bytes between 'stream' and 'endstream'.
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", pdf):
        end = match.end() + int(match.group(1))
        assert pdf[end : end + 10] == b"\nendstream"
    assert b"/BaseFont /Helvetica" in pdf
    assert b"(HOA DON GIA TRI GIA TANG) Tj" in pdf


def check_pdf_with_tools(pdf: bytes, tmp_path: Path, expected_text: str) -> None:
    """Also ask qpdf / pdftotext, when they happen to be installed."""
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    if shutil.which("qpdf"):
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No syntax or stream encoding errors" in done.stdout
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "Syntax Error" not in done.stderr
        assert expected_text in done.stdout


# --- structure and headers


def test_the_message_is_mixed_with_a_text_html_alternative_a_pdf_and_an_xml() -> None:
    inv = build(sender_name="Công ty TNHH ABC")
    message = parse(inv)

    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
        "application/xml",
    ]
    for part in message.walk():
        assert part.get_content_maintype() == "multipart" or part["Content-Transfer-Encoding"] in (
            "quoted-printable",
            "base64",
        )
    assert attachment(message, "application/pdf")[0] == f"HoaDon_{inv.invoice_number}.pdf"
    assert attachment(message, "application/xml")[0] == f"HoaDon_{inv.invoice_number}.xml"
    assert "Kính gửi" in body(message, "plain")
    assert "Dear customer" in body(message, "plain")
    assert "Kính gửi" in body(message, "html")


def test_the_headers_are_those_of_a_real_invoice_mail_and_nothing_of_bulk_mail() -> None:
    message = parse(build(sender_name="Công ty TNHH ABC"))

    for name in (
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "X-Mailcheck-Token",
    ):
        assert len(message.get_all(name, [])) == 1, name
    for name in ("Bcc", "List-Unsubscribe", "Precedence", "List-Id"):
        assert name not in message
    assert message["Date"].datetime == NOW
    html = body(message, "html").lower()
    assert "<img" not in html
    assert "http" not in html
    assert sum("MIME-Version" in part for part in message.walk()) == 1


def test_the_token_is_in_the_header_and_the_message_id() -> None:
    inv = build()
    message = parse(inv)

    assert inv.token == TOKEN
    assert message[invoice.TOKEN_HEADER] == TOKEN
    assert inv.message_id == f"<mailcheck.{TOKEN}@company.vn>"
    assert message["Message-ID"] == inv.message_id
    assert TOKEN not in inv.subject


def test_from_and_to_parse_back_with_the_display_name() -> None:
    message = parse(build(recipient=CUSTOMER, sender_name="Công ty TNHH ABC"))

    (sender,) = message["From"].addresses
    assert sender.addr_spec == SENDER
    assert sender.display_name == "Công ty TNHH ABC"
    (recipient,) = message["To"].addresses
    assert recipient.addr_spec == CUSTOMER


def test_the_vietnamese_subject_is_encoded_and_survives_the_round_trip() -> None:
    inv = build()
    raw = inv.message.as_bytes(policy=policy.SMTP)

    assert raw.isascii()
    assert inv.subject == f"Thông báo phát hành hóa đơn điện tử số {inv.invoice_number}"
    assert parse(inv)["Subject"] == inv.subject
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]


LONG_SUBJECT = (
    "Hóa đơn điện tử số {number} của Công ty TNHH Thương mại và Dịch vụ Đại Việt Phát Triển"
)
LONG_NAME = "Công ty TNHH Thương mại và Dịch vụ Đại Việt Phát Triển Toàn Cầu"


def test_a_long_vietnamese_subject_and_name_keep_every_space_when_folded() -> None:
    # Python's own folder drops the space at a fold between encoded words ("điệntử").
    inv = build(subject=LONG_SUBJECT, sender_name=LONG_NAME, label_as_test=True)
    message = parse(inv)
    head = inv.message.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n")[0]

    assert message["Subject"] == inv.subject
    assert message["Subject"].endswith("Đại Việt Phát Triển")
    assert message["From"].addresses[0].display_name == LONG_NAME
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert b"?==?" not in head


def test_a_short_ascii_subject_is_left_readable() -> None:
    inv = build(subject="Invoice {number}")

    assert f"\r\nSubject: Invoice {inv.invoice_number}\r\n".encode() in inv.message.as_bytes()


def test_an_idn_sender_domain_is_punycoded_in_from_and_message_id() -> None:
    inv = build(sender="billing@công-ty.vn", recipient="billing@công-ty.vn")
    message = parse(inv)

    assert inv.message_id == f"<mailcheck.{TOKEN}@xn--cng-ty-ixa.vn>"
    assert message["From"].addresses[0].domain == "xn--cng-ty-ixa.vn"
    assert inv.message.as_bytes(policy=policy.SMTP).isascii()


def test_the_same_inputs_give_the_same_bytes() -> None:
    first, second = build(), build()

    assert first.message.as_bytes() == second.message.as_bytes()
    assert first.invoice_number == second.invoice_number
    assert re.fullmatch(r"\d{7}", first.invoice_number)
    assert build(token="mc-other").invoice_number != first.invoice_number


def test_size_is_what_aiosmtplib_sends_with_or_without_8bitmime() -> None:
    inv = build(sender_name="Công ty TNHH ABC")

    assert inv.size == len(inv.message.as_bytes(policy=policy.SMTP))
    assert inv.size == len(flatten_message(inv.message, cte_type="8bit"))
    assert inv.size == len(flatten_message(inv.message, cte_type="7bit"))
    print(f"natural size: {inv.size} bytes")


def test_a_non_ascii_local_part_counts_the_smtputf8_bytes() -> None:
    inv = build(recipient="kếtoán@company.vn")

    assert inv.size == len(flatten_message(inv.message, utf8=True))


# --- header injection and templates


@pytest.mark.parametrize(
    "bad", ["a\r\nBcc: x@evil.test", "a\nb", "a\rb", "a\x00b", "a\tb", "a\x7f"]
)
def test_control_characters_in_the_subject_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"--subject: .*control characters"):
        build(subject=bad)


@pytest.mark.parametrize("bad", ["ABC\r\nBcc: x@evil.test", "ABC\u2028", "ABC\x85"])
def test_control_characters_in_the_sender_name_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"--sender-name: .*control characters"):
        build(sender_name=bad)


def test_control_characters_in_an_address_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"--recipient: .*control characters"):
        build(recipient="a@b.vn\r\nBcc: x@evil.test")


@pytest.mark.parametrize("bad", ["<a@x.vn>", "a b@x.vn", "a@..vn", "no-at-sign"])
def test_a_malformed_address_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="--sender: "):
        build(sender=bad)


def test_check_header_value_keeps_vietnamese_as_it_is() -> None:
    value = "Công ty TNHH Thương mại Đại Việt"
    assert invoice.check_header_value(value, "x") is value


def test_a_subject_template_may_use_number_and_token() -> None:
    inv = build(subject="Hóa đơn {number} [{token}] {{literal}}")

    assert inv.subject == f"Hóa đơn {inv.invoice_number} [{TOKEN}] {{literal}}"
    assert parse(inv)["Subject"] == inv.subject


@pytest.mark.parametrize(
    ("template", "placeholder"),
    [("Hóa đơn {so}", "{so}"), ("{}", "{}"), ("{number.__class__}", "{number.__class__}")],
)
def test_an_unknown_placeholder_is_a_config_error(template: str, placeholder: str) -> None:
    with pytest.raises(ConfigError, match=r"--subject: unknown placeholder") as info:
        build(subject=template)
    assert placeholder in str(info.value)
    assert "{number}" in str(info.value)


def test_a_malformed_template_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"--subject: .*not a valid template"):
        build(subject="Hóa đơn {number")


def test_a_bad_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="token: "):
        build(token="MC Token")
    with pytest.raises(ConfigError, match="token: "):
        build(token="mc-" + "a" * 40)


def test_label_as_test_prefixes_the_subject_and_says_so_in_both_parts() -> None:
    plain = parse(build())
    labelled = parse(build(label_as_test=True, recipient=CUSTOMER))

    assert labelled["Subject"] == "[TEST mailcheck] " + plain["Subject"]
    for subtype in ("plain", "html"):
        assert "no action is needed" in body(labelled, subtype)
        assert "không cần làm gì" in body(labelled, subtype)
        assert "không cần làm gì" not in body(plain, subtype)


# --- the attachments


def test_the_pdf_is_valid_pdf_1_4(tmp_path: Path) -> None:
    inv = build()
    _, pdf = attachment(parse(inv), "application/pdf")

    check_pdf(pdf)
    assert pdf.isascii() is False  # the binary marker on line 2
    assert inv.invoice_number.encode() in pdf
    check_pdf_with_tools(pdf, tmp_path, inv.invoice_number)


def test_the_xml_is_a_well_formed_vietnamese_e_invoice() -> None:
    inv = build(recipient=CUSTOMER)
    _, data = attachment(parse(inv), "application/xml")

    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)  # noqa: S314 - our own XML, generated above
    assert root.tag == "HDon"
    general = root.find("DLHDon/TTChung")
    assert general is not None
    assert general.findtext("SHDon") == inv.invoice_number
    assert general.findtext("NLap") == "2026-11-27"
    assert general.findtext("DVTTe") == "VND"
    for field in ("PBan", "THDon", "KHMSHDon", "KHHDon"):
        assert general.findtext(field), field
    content = root.find("DLHDon/NDHDon")
    assert content is not None
    assert "company.vn" in (content.findtext("NBan/Ten") or "")
    assert "khachhang.com.vn" in (content.findtext("NMua/Ten") or "")
    assert content.find("DSHHDVu/HHDVu") is not None
    assert content.findtext("TToan/TgTTTBSo") == "110000"


# --- size


@pytest.mark.parametrize("asked", [1_000_000, 10_000_000])
def test_attachment_size_is_met_within_tolerance(asked: int, tmp_path: Path) -> None:
    start = time.perf_counter()
    inv = build(attachment_size=asked)
    elapsed = time.perf_counter() - start
    print(f"attachment_size={asked}: size={inv.size} built in {elapsed:.3f} s")

    assert abs(inv.size - asked) <= max(asked * 0.02, 4096)
    assert inv.size == len(inv.message.as_bytes(policy=policy.SMTP))
    _, pdf = attachment(parse(inv), "application/pdf")
    check_pdf(pdf)
    if asked == 1_000_000:
        check_pdf_with_tools(pdf, tmp_path, inv.invoice_number)


def test_a_size_below_the_natural_size_gives_the_natural_message() -> None:
    assert build(attachment_size=100).size == build().size


@pytest.mark.parametrize("asked", [-1, invoice.MAX_ATTACHMENT_SIZE + 1])
def test_an_attachment_size_out_of_range_is_refused(asked: int) -> None:
    with pytest.raises(ConfigError, match="--attachment-size"):
        build(attachment_size=asked)


# --- tokens


def test_new_tokens_are_unique_and_well_formed() -> None:
    tokens = {invoice.new_token() for _ in range(1000)}

    assert len(tokens) == 1000
    for token in tokens:
        assert re.fullmatch(r"mc-\d{8}t\d{6}z-[0-9a-f]{12}", token)
        assert len(token) <= 40


def test_a_new_token_carries_the_utc_time() -> None:
    assert invoice.new_token(NOW).startswith("mc-20261127t012345z-")
    assert invoice.new_token(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)).startswith(
        "mc-20260102t030405z-"
    )


def test_without_a_token_the_invoice_gets_a_new_one() -> None:
    inv = invoice.build_invoice(sender=SENDER, recipient=SENDER)

    assert re.fullmatch(r"mc-\d{8}t\d{6}z-[0-9a-f]{12}", inv.token)
    assert inv.message[invoice.TOKEN_HEADER] == inv.token
