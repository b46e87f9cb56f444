"""`mailcheck headers FILE|-`: a message the customer forwards or pastes becomes its route, who
authenticated what, the receiving filter's verdict and the documented cause.

Each recorded header block under fixtures/headers/ was written for the tests in the format the
provider publishes or shows in its "show original" view; the source of each format is named
beside its row. None is a real customer's message.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailcheck.cli import cli
from tests.helpers import ROOT, LabHandle, cause_ids, run_cli, run_json

HEADERS = ROOT / "fixtures" / "headers"


def _run_bytes(args: list[str], data: bytes) -> Result:
    """The CLI with these bytes on standard input (a paste, or a file piped in)."""
    return CliRunner().invoke(cli, args, input=data, catch_exceptions=False)


@pytest.mark.parametrize(
    ("name", "causes", "code"),
    [
        # Gmail: Authentication-Results by mx.google.com, ARC (RFC 8617), X-Received; the
        # layout of Gmail's "Show original" (support.google.com/mail/answer/29436).
        ("gmail-inbound.eml", ["message-authenticated"], 0),
        # Microsoft 365: X-Forefront-Antispam-Report (SFV:SPM, SCL:5), X-MS-Exchange-
        # Organization-SCL, X-Microsoft-Antispam (BCL), Authentication-Results without an
        # authserv-id, compauth: learn.microsoft.com, "Anti-spam message headers in Microsoft
        # 365". Junked, SPF fail, no DKIM, DMARC fail: every one named.
        (
            "microsoft365-junk.eml",
            ["dkim-missing", "message-dmarc-fail", "message-filed-as-spam", "spf-fail"],
            1,
        ),
        # Outlook.com: the same Microsoft headers, SFV:NSPM, dest:I (same page).
        ("outlookcom-inbox.eml", ["message-authenticated"], 0),
        # Yahoo Mail: Authentication-Results by atlas-production...mail.yahoo.com with
        # "dmarc=fail(p=NONE)", X-YMailISG, X-Originating-IP (Yahoo's "View raw message"; Yahoo
        # Sender Hub best practices, senders.yahooinc.com). A vendor that signs with its own
        # domain: SPF and DKIM pass, but not for From.
        ("yahoo-vendor-unaligned.eml", ["message-not-aligned"], 1),
        # Zoho Mail: Authentication-Results and ARC by mx.zohomail.com with header.from=<...>,
        # X-ZohoMail-DKIM (Zoho Mail help, "Email headers" / "View original").
        ("zoho-inbox.eml", ["message-authenticated"], 0),
        # Fastmail: Authentication-Results by mx2.messagingengine.com with x-me-sender and
        # x-aligned-from, X-Spam-score / X-Spam-hits (Fastmail help, "Spam headers"). Nothing
        # authenticates the vendor's domain.
        ("fastmail-unauthenticated.eml", ["message-unauthenticated"], 1),
        # rspamd's milter_headers module (X-Spamd-Result, X-Spam: Yes, X-Rspamd-*):
        # rspamd.com/doc/modules/milter_headers.html. Authenticated, but called spam.
        ("rspamd-spam.eml", ["message-filed-as-spam"], 1),
        # SpamAssassin's X-Spam-Flag / X-Spam-Status / X-Spam-Level (Mail::SpamAssassin::Conf,
        # "add_header"): spam, and no receiver's authentication at all.
        ("spamassassin-spam.eml", ["message-filed-as-spam"], 1),
        # Barracuda's X-Barracuda-Spam-* headers (Barracuda Email Security Gateway docs).
        ("barracuda-exim-spam.eml", ["message-filed-as-spam"], 1),
        # A Postfix box with OpenDKIM, OpenDMARC, policyd-spf and amavis (each its own
        # Authentication-Results, RFC 8601), X-Spam-Flag: NO.
        ("postfix-milters-amavis.eml", ["message-authenticated"], 0),
        # The sender's own copy (the lab's LMTP delivery, no receiver's verdict): nothing to judge.
        ("postfix-lab-lmtp.eml", ["message-no-verdict"], 3),
    ],
)
def test_each_providers_headers_name_their_cause(name: str, causes: list[str], code: int) -> None:
    exit_code, report = run_json(["headers", str(HEADERS / name)])
    assert cause_ids(report) == causes
    assert exit_code == code


def test_the_human_report_shows_the_route_the_results_and_the_verdict() -> None:
    result = run_cli(["headers", str(HEADERS / "microsoft365-junk.eml"), "--lang", "en"])
    out = result.stdout
    assert result.exit_code == 1
    # the route, hop by hop, oldest first, with the delay at each hop
    assert "5 hops, 4.0 s in transit, sending IP 203.0.113.7" in out
    assert out.index("hop 1: from [192.168.1.20]") < out.index("hop 2: from mail.company.vn")
    assert (
        "mail.protection.outlook.com with Microsoft SMTP Server 2026-11-27 01:02:04 UTC +2 s"
        in (out)
    )
    # who authenticated what, and the verdict for From
    assert "SPF: fail (smtp.mailfrom=company.vn)" in out
    assert "Verdict for the From domain: failed" in out
    # the filter's verdict, Microsoft's SCL beside the Forefront report
    assert "X-MS-Exchange-Organization-SCL: spam; SCL 5" in out
    assert "X-Microsoft-Antispam: BCL 0" in out
    assert "X-Forefront-Antispam-Report: spam; SCL 5; SFV:SPM CAT:SPOOF" in out
    assert "message-filed-as-spam" in out


def test_the_result_comes_first_and_quiet_prints_only_it() -> None:
    source = str(HEADERS / "rspamd-spam.eml")
    lines = run_cli(["headers", source, "--lang", "en"]).stdout.splitlines()
    assert lines[0].startswith("WARNING: The receiving mail server's spam filter called")
    assert lines[1].startswith("Route (Received, oldest first): 3 hops")
    quiet = run_cli(["headers", source, "--lang", "en", "-q"])
    assert quiet.stdout.splitlines() == [lines[0]]
    assert quiet.exit_code == 1


def test_the_human_report_in_vietnamese() -> None:
    result = run_cli(["headers", str(HEADERS / "yahoo-vendor-unaligned.eml"), "--lang", "vi"])
    assert result.exit_code == 1
    assert "Đường đi (Received, cũ nhất trước): 2 chặng" in result.stdout
    assert "có kết quả đạt, nhưng cho tên miền khác" in result.stdout
    assert "message-not-aligned" in result.stdout


def test_the_json_report_carries_every_hop_and_result() -> None:
    _, report = run_json(["headers", str(HEADERS / "gmail-inbound.eml")])
    steps = {s["name"]: s.get("data", {}) for s in report["probes"][0]["steps"]}
    assert steps["hops"]["count"] == "3"
    assert steps["hops"]["sending_ip"] == "203.0.113.7"
    assert steps["authentication"]["dkim"] == "pass (header.i=@company.vn)"
    assert steps["authentication"]["verdict"] == "pass"
    assert report["facts"]["message.auth"] == "pass"


@pytest.mark.parametrize("name", ["microsoft365-junk.eml", "gmail-inbound.eml"])
def test_the_json_report_follows_the_published_schema(name: str) -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs

    schema = json.loads((ROOT / "docs" / "schema" / "diagnosis.schema.json").read_text())
    _, report = run_json(["headers", str(HEADERS / name)])
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(report)]
    assert errors == []


def test_the_markdown_report_quotes_the_receivers_header(tmp_path: Path) -> None:
    report = tmp_path / "headers.md"
    source = HEADERS / "fastmail-unauthenticated.eml"
    result = run_cli(["headers", str(source), "--report", str(report), "--lang", "en"])
    assert result.exit_code == 1
    text = report.read_text(encoding="utf-8")
    assert "Authentication-Results: mx2.messagingengine.com;" in text
    assert "Nothing authenticates the message" in text


def test_a_pasted_header_block_from_standard_input() -> None:
    block = (HEADERS / "zoho-inbox.eml").read_text(encoding="utf-8").split("\n\n")[0]
    result = run_cli(["headers", "-", "--format", "json"], input=block)
    assert result.exit_code == 0
    assert cause_ids(json.loads(result.stdout)) == ["message-authenticated"]


# --- bad and hostile input: a clear answer and exit 3, never a traceback


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\xff\xfe binary \x01\x02" * 100, b"just some words, no header here\n"],
    ids=["empty", "binary", "prose"],
)
def test_input_without_headers_is_unknown_and_says_what_to_give(data: bytes) -> None:
    result = _run_bytes(["headers", "-", "--lang", "en"], data)
    assert result.exit_code == 3
    assert "headers-not-found" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_missing_file_is_a_clear_error() -> None:
    result = run_cli(["headers", str(HEADERS / "no-such-file.eml")])
    assert result.exit_code == 3
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_huge_header_block_is_capped_and_read() -> None:
    hop = b"Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP; "
    hop += b"Fri, 27 Nov 2026 01:02:03 +0000\r\n"
    ar = b"Authentication-Results: mx.example; spf=pass smtp.mailfrom=a@company.vn\r\n"
    data = ar + hop * 200_000 + b"From: a@company.vn\r\n\r\nbody"
    result = _run_bytes(["headers", "-", "--format", "json"], data)
    report = json.loads(result.stdout)
    steps = {s["name"]: s.get("data", {}) for s in report["probes"][0]["steps"]}
    assert steps["read"]["truncated"] == "yes"
    assert int(steps["hops"]["hops not shown"]) > 0
    assert len(result.stdout) < 200_000  # the report does not grow with the input


# --- messages the lab delivered: its rspamd's Authentication-Results, its spam filter


def _delivered(lab: LabHandle, user: str, folder: str, subject: str) -> bytes:
    """Send as ``user`` to itself through the lab's submission port; the delivered copy."""
    context = ssl.create_default_context(cafile=lab.ca_file)
    with smtplib.SMTP(lab.host, lab.ports["submission"], timeout=10) as smtp:
        smtp.starttls(context=context)
        smtp.login(user, lab.lab.info().users[user])
        smtp.sendmail(
            user, [user], f"From: {user}\r\nTo: {user}\r\nSubject: {subject}\r\n\r\nx\r\n".encode()
        )
    for _ in range(100):
        found = [m for m in lab.lab.list_messages(user, folder) if subject.encode() in m]
        if found:
            return bytes(found[0])
        time.sleep(0.1)
    raise AssertionError(f"{subject} did not reach {user}'s {folder}")


def test_a_message_from_the_labs_inbox_is_authenticated(lab: LabHandle, tmp_path: Path) -> None:
    message = tmp_path / "inbox.eml"
    message.write_bytes(_delivered(lab, "sender@lab.test", "INBOX", "HD-6101"))
    exit_code, report = run_json(["headers", str(message)])
    assert cause_ids(report) == ["message-authenticated"]
    assert report["facts"]["message.dkim"] == "pass"
    assert exit_code == 0
    lab.lab.reset_mailboxes()


def test_a_message_from_the_labs_junk_folder_is_spam(lab: LabHandle, tmp_path: Path) -> None:
    message = tmp_path / "junk.eml"
    message.write_bytes(_delivered(lab, "junked@lab.test", "Junk", "HD-6102"))
    exit_code, report = run_json(["headers", str(message)])
    assert "message-filed-as-spam" in cause_ids(report)
    assert report["facts"]["message.spam_flagged"] is True
    assert exit_code == 1
    lab.lab.reset_mailboxes()
