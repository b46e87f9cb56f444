"""A send-only account (an SMTP relay, no IMAP) on the lab: ``diagnose --no-imap`` and a
profile with ``imap = false`` check the sending side and report what needs IMAP as not
checked; ``mailcheck send --to`` delivers the test invoice to the one address given."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.helpers import LabHandle, cause_ids, lab_profile, run_cli, run_json, write_config

SENDER = "sender@lab.test"
CUSTOMER = "rcpt@customer.test"
TOKEN_HEADER = b"X-Mailcheck-Token"


def _relay_profile(lab: LabHandle, tmp: Path, **extra: object) -> Path:
    """A relay-only profile: SMTP settings and a password, no IMAP settings, ``imap = false``."""
    profile = lab_profile(lab, tmp, SENDER, imap=False, recipient=CUSTOMER, **extra)
    for key in ("imap_host", "imap_port", "imap_tls"):
        del profile[key]
    return write_config(tmp, {"relay": profile})


def _ours(lab: LabHandle, user: str, folder: str = "INBOX") -> list[bytes]:
    return [m for m in lab.lab.list_messages(user, folder) if TOKEN_HEADER in m]


def _arrived(lab: LabHandle, user: str) -> list[bytes]:
    """Our test messages in the user's INBOX, once Postfix has delivered them (within 20 s)."""
    limit = time.monotonic() + 20
    while not (found := _ours(lab, user)) and time.monotonic() < limit:
        time.sleep(0.2)
    return found


def test_diagnose_of_a_relay_profile_checks_the_sending_side_and_names_imap_not_checked(
    lab: LabHandle, tmp_path: Path
) -> None:
    config = _relay_profile(lab, tmp_path)
    code, report = run_json(
        [
            "diagnose",
            *("--config", str(config), "--profile", "relay", "--dns-server", lab.dns),
            "--send-to-recipient",
        ]
    )
    ids = cause_ids(report)
    # Never OK on the mailbox's account, never CRITICAL for it either: UNKNOWN, says why.
    assert code == 3, ids
    assert ids[0] == "not-checked-imap", ids
    assert report["status"] == "unknown"
    assert report["facts"]["smtp.auth"] == "ok"
    assert report["facts"]["smtp.data"] == "ok"
    assert report["facts"]["recipient.verdict"] == "ok", ids
    probes = {p["probe"]: p for p in report["probes"]}
    assert probes["imap"]["status"] == "not-run"
    assert probes["imap"]["skip_reason"] == "no-imap"
    assert "auth" in probes  # the sender's SPF, DKIM, DMARC ran
    assert "bounce" not in probes  # a bounce watch needs IMAP
    # The customer got the labelled test; nothing went to the sender's own mailbox.
    assert len(_arrived(lab, CUSTOMER)) == 1
    assert _ours(lab, SENDER) == []
    lab.lab.reset_mailboxes()


def test_diagnose_no_imap_without_send_to_recipient_only_logs_in_and_sends_nothing(
    lab: LabHandle,
) -> None:
    password = lab.lab.info().users[SENDER]
    result = run_cli(
        [
            "diagnose",
            *lab.smtp_args(),
            "--sender",
            SENDER,
            "--recipient",
            CUSTOMER,
            "--no-imap",
            "--probe-rcpt",
            "--mx-port",
            str(lab.ports["mx"]),
            "--lang",
            "en",
        ],
        env={"MAILCHECK_PASSWORD": password},
    )
    assert result.exit_code == 3, result.output
    assert "needs IMAP" in result.output
    assert "Not checked: what needs IMAP" in result.output
    assert "CRITICAL" not in result.output
    assert password not in result.output
    assert _ours(lab, CUSTOMER) == []
    assert _ours(lab, SENDER) == []


def test_a_refused_relay_login_is_still_critical_with_imap_not_checked(
    lab: LabHandle, tmp_path: Path
) -> None:
    config = _relay_profile(lab, tmp_path, password="wrong-password")
    code, report = run_json(
        ["diagnose", "--config", str(config), "--profile", "relay", "--dns-server", lab.dns]
    )
    ids = cause_ids(report)
    assert code == 2, ids
    assert "not-checked-imap" in ids
    assert report["facts"]["smtp.auth"] == "rejected"


def _send(lab: LabHandle, to: str, *extra: str) -> tuple[int, dict[str, Any]]:
    return run_json(
        ["send", "--to", to, "--sender", SENDER, *lab.smtp_args(), *extra],
        env={"MAILCHECK_PASSWORD": lab.lab.info().users[SENDER]},
    )


def test_send_delivers_the_test_invoice_to_the_address_given_and_nobody_else(
    lab: LabHandle,
) -> None:
    code, report = _send(lab, CUSTOMER)
    assert code == 0, cause_ids(report)
    assert cause_ids(report) == ["test-invoice-accepted"]
    assert report["facts"]["smtp.data"] == "ok"
    queue = report["facts"]["smtp.queue_id"]
    smtp = next(p for p in report["probes"] if p["probe"] == "smtp")
    assert [s["data"]["recipient"] for s in smtp["steps"] if s["name"] == "rcpt"] == [CUSTOMER]
    data = next(s for s in smtp["steps"] if s["name"] == "data")
    assert f"queued as {queue}" in data["reply"]["text"]
    # It arrived (read back over IMAP), labelled as a test, and went nowhere else.
    arrived = _arrived(lab, CUSTOMER)
    assert len(arrived) == 1
    assert report["target"]["token"].encode() in arrived[0]
    assert _ours(lab, SENDER) == []
    lab.lab.reset_mailboxes()


def test_send_to_an_address_the_server_refuses_quotes_its_words_and_exits_2(
    lab: LabHandle,
) -> None:
    code, report = _send(lab, "nosuch@lab.test")
    assert code == 2, cause_ids(report)
    assert report["facts"]["smtp.rcpt"] == "rejected"
    assert "smtp.queue_id" not in report["facts"]
    assert "test-invoice-accepted" not in cause_ids(report)
    assert report["facts"]["smtp.send.code"] == 550


def test_send_human_report_in_vietnamese_names_the_acceptance(lab: LabHandle) -> None:
    result = run_cli(
        ["send", "--to", CUSTOMER, "--sender", SENDER, *lab.smtp_args(), "--lang", "vi"],
        env={"MAILCHECK_PASSWORD": lab.lab.info().users[SENDER]},
    )
    assert result.exit_code == 0, result.output
    assert "Máy chủ mail gửi đi đã nhận hóa đơn thử" in result.output
    assert "queued as" in result.output
    lab.lab.reset_mailboxes()
