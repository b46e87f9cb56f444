"""`mailcheck bounce`: what a person reads to act, and the JSON a Sisimai user can switch to.

Per bounced recipient the human report says who bounced, the reason, the server that refused
and its own words, and whose problem it is; ``--format json`` has the same in a ``bounces`` list
with Sisimai's field names beside mailcheck's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, run_cli

BOUNCES = ROOT / "fixtures" / "bounces"


def _human(name: str, *extra: str) -> str:
    result = run_cli(["bounce", str(BOUNCES / name), *extra])
    assert result.stdout, result.stderr
    return result.stdout


def _records(path: Path) -> list[dict[str, Any]]:
    result = run_cli(["bounce", str(path), "--format", "json"])
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    records: list[dict[str, Any]] = report.get("bounces", [])
    return records


def test_a_postfix_bounce_says_who_why_which_server_its_words_and_whose_problem() -> None:
    out = _human("postfix-user-unknown.eml", "--lang", "en")
    assert "Bounce (failure) written by mail.example.test (postfix), 1 recipient(s):" in out
    assert (
        "  ketoan@customer.test: failed 5.1.1 · "
        "The recipient's server says the address does not exist\n"
    ) in out
    assert "    Whose problem: the recipient's (the address, their mailbox or their server)" in out
    assert (
        "    mx1.customer.test said (after RCPT): 550 5.1.1 <ketoan@customer.test>: "
        "Recipient address rejected: User unknown in virtual mailbox table\n"
    ) in out
    # The cause and its fix follow, without quoting the same words a second time.
    assert out.count("Recipient address rejected") == 1
    assert "Fix: Check the part before the @" in out


def test_the_vietnamese_report_has_the_vietnamese_words() -> None:
    out = _human("postfix-user-unknown.eml", "--lang", "vi")
    assert "Thư báo lỗi (gửi thất bại) do mail.example.test (postfix) gửi, 1 người nhận:" in out
    assert (
        "  ketoan@customer.test: thất bại 5.1.1 · Máy chủ người nhận báo địa chỉ không tồn tại"
        in out
    )
    assert "Lỗi thuộc về: bên nhận (địa chỉ, hộp thư hoặc máy chủ của người nhận)" in out
    assert "mx1.customer.test trả lời (sau lệnh RCPT): 550 5.1.1" in out
    assert "Whose problem" not in out


def test_a_blocklisted_sender_is_the_senders_problem() -> None:
    out = _human("exim-spamhaus.eml", "--lang", "en")
    assert "Whose problem: yours, the sender's (change something on the sending side" in out
    assert "said (after RCPT): " in out
    assert "blocked using zen.spamhaus.org" in out


def test_a_delay_notice_is_temporary() -> None:
    out = _human("postfix-delayed.eml", "--lang", "en")
    assert "Bounce (delay notice) written by mail.example.test (postfix)" in out
    assert "thuky@slow.customer.test: delayed 4.4.1" in out
    assert (
        "Whose problem: temporary (the sending server is still retrying; nothing to do yet)" in out
    )
    assert "Connection timed out" in out
    (record,) = _records(BOUNCES / "postfix-delayed.eml")
    assert record["party"] == "temporary"
    assert record["action"] == "delayed"


def test_each_recipient_of_a_multi_recipient_bounce_has_its_own_reason() -> None:
    out = _human("qmail-two-recipients.eml", "--lang", "en")
    assert "2 recipient(s):" in out
    assert "kho@customer.test: failed 5.2.2 · The recipient's mailbox is full" in out
    assert (
        "khongco@customer.test: failed · The recipient's server says the address does not exist"
        in out
    )
    records = _records(BOUNCES / "qmail-two-recipients.eml")
    assert [(r["recipient"], r["sisimai_reason"], r["replycode"]) for r in records] == [
        ("kho@customer.test", "mailboxfull", "552"),
        ("khongco@customer.test", "userunknown", "550"),
    ]
    assert [r["smtpcommand"] for r in records] == ["RCPT", "RCPT"]  # "does not like recipient"


def test_json_has_sisimais_names_beside_mailchecks() -> None:
    (record,) = _records(BOUNCES / "postfix-user-unknown.eml")
    assert record == {
        "kind": "failure",
        "style": "postfix",
        "reporting_mta": "mail.example.test",
        "recipient": "ketoan@customer.test",
        "action": "failed",
        "status": "5.1.1",
        "reason": "recipient-unknown",
        "party": "recipient",
        "diagnostic": "550 5.1.1 <ketoan@customer.test>: Recipient address rejected: "
        "User unknown in virtual mailbox table",
        "remote_mta": "mx1.customer.test",
        "gave_up_after": None,
        "sisimai_reason": "userunknown",
        "deliverystatus": "5.1.1",
        "diagnosticcode": "550 5.1.1 <ketoan@customer.test>: Recipient address rejected: "
        "User unknown in virtual mailbox table",
        "rhost": "mx1.customer.test",
        "lhost": "mail.example.test",
        "smtpcommand": "RCPT",
        "replycode": "550",
        "softbounce": 0,
        "hardbounce": True,
        "timestamp": 1764209527,  # Thu, 27 Nov 2025 09:12:07 +0700
        "addresser": "hoadon@example.test",
        "subject": "Hóa đơn điện tử số 0000123",
        "messageid": "mc-5d1e07b3a9@mailcheck.invalid",
    }


def test_json_of_a_content_refusal_after_data() -> None:
    (record,) = _records(BOUNCES / "exim-text-too-large.eml")
    assert record["reason"] == "too-large"
    assert record["sisimai_reason"] == "mesgtoobig"
    assert record["smtpcommand"] == "DATA"  # "after end of data"
    assert record["replycode"] == "552"
    assert record["party"] == "sender"
    assert record["softbounce"] == 1


def test_an_mbox_gives_each_report_its_own_bounces() -> None:
    result = run_cli(["bounce", str(BOUNCES / "two-bounces.mbox"), "--format", "json"])
    reports = json.loads(result.stdout)
    assert [[r["party"] for r in report["bounces"]] for report in reports] == [
        ["temporary"],
        ["sender"],
    ]


def test_what_is_not_a_bounce_has_no_bounce_block_and_no_records() -> None:
    out = _human("out-of-office.eml", "--lang", "en")
    assert "Whose problem" not in out
    assert _records(BOUNCES / "out-of-office.eml") == []


def _dsn(diagnostic: str, recipients: int = 1) -> bytes:
    fields = "".join(
        f"Final-Recipient: rfc822; ke.toan{n}@khach.test\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Remote-MTA: dns; mx.khach.test\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        for n in range(recipients)
    )
    return (
        "From: MAILER-DAEMON@relay.gui.test\r\n"
        "To: hoa.don@gui.test\r\n"
        "Date: Tue, 2 Dec 2025 10:15:00 +0700\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.gui.test\r\n\r\n"
        f"{fields}--B--\r\n"
    ).encode()


def test_hostile_server_words_stay_inert(tmp_path: Path) -> None:
    words = (
        "550 5.1.1 no such user \x1b[2J\x1b]0;owned\x07 \u202etxt.exe\u202c "
        + "padding " * 80
        + "END-OF-WORDS"
    )
    path = tmp_path / "hostile.eml"
    path.write_bytes(_dsn(words))
    result = run_cli(["bounce", str(path), "--lang", "en"])
    assert result.exit_code == 2
    out = result.stdout
    assert "mx.khach.test said: 550 5.1.1 no such user" in out
    for control in ("\x1b", "\x07", "\u202e", "\r"):
        assert control not in out
    assert "END-OF-WORDS" not in out  # capped on one line; the JSON keeps it all
    (line,) = [line for line in out.splitlines() if "said:" in line]
    assert len(line) < 400
    (record,) = _records(path)
    assert record["diagnosticcode"].endswith("END-OF-WORDS")
    assert record["replycode"] == "550"
    assert record["timestamp"] == 1764645300
    assert record["addresser"] == "hoa.don@gui.test"  # no returned copy: the bounce's To


def test_a_bounce_for_many_recipients_stays_one_screen(tmp_path: Path) -> None:
    path = tmp_path / "many.eml"
    path.write_bytes(_dsn("550 5.1.1 no such user", recipients=25))
    out = run_cli(["bounce", str(path), "--lang", "en"]).stdout
    assert "25 recipient(s):" in out
    assert out.count("Whose problem:") == 20
    assert "  ... and 5 more recipient(s) (--format json lists them all)" in out
    assert len(_records(path)) == 25


def test_an_expired_delivery_says_how_long_the_sending_server_retried() -> None:
    out = _human("sendmail-expired-deferred.eml", "--lang", "en")
    assert "thukho@down.customer.test: failed" in out
    assert "    The sending server retried for 5 days, then gave up\n" in out
    vi = _human("sendmail-expired-deferred.eml", "--lang", "vi")
    assert "    Máy chủ gửi đã thử lại trong 5 ngày rồi dừng\n" in vi
    (record,) = _records(BOUNCES / "sendmail-expired-deferred.eml")
    assert (record["reason"], record["gave_up_after"]) == ("network", "5 days")


def test_one_day_and_hours_read_as_people_write_them() -> None:
    out = _human("m365-expired-connection-refused.eml", "--lang", "en")
    assert "retried for 1 day, then gave up" in out
    (record,) = _records(BOUNCES / "mailgun-expired.eml")
    assert record["gave_up_after"] == "8 hours"
    assert "thử lại trong 8 giờ rồi dừng" in _human("mailgun-expired.eml", "--lang", "vi")


def test_a_refusal_that_was_not_retried_says_nothing_of_giving_up() -> None:
    out = _human("postfix-user-unknown.eml", "--lang", "en")
    assert "gave up" not in out
    (record,) = _records(BOUNCES / "postfix-user-unknown.eml")
    assert record["gave_up_after"] is None
