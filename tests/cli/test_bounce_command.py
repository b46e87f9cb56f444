"""`mailcheck bounce`: a received bounce becomes a cause, a fix and the remote server's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ROOT, cause_ids, run_cli, run_json

BOUNCES = ROOT / "fixtures" / "bounces"


@pytest.mark.parametrize(
    ("name", "cause", "code"),
    [
        ("postfix-user-unknown.eml", "recipient-unknown", 2),
        ("postfix-delayed.eml", "delivery-delayed", 1),
        ("rfc3464-headers-only.eml", "recipient-mailbox-full", 2),
        ("exim-spamhaus.eml", "recipient-server-blocks", 2),
        ("exim-text-too-large.eml", "message-too-large", 2),
        ("exchange-m365-dmarc.eml", "bounce-auth-failure", 2),
        ("exchange-de-recipient-not-found.eml", "recipient-unknown", 2),
        ("gmail-spam-blocked.eml", "recipient-server-blocks", 2),
        ("courier-relay-denied.eml", "relaying-denied", 2),
        ("vi-cp1258-mailbox-full.eml", "recipient-mailbox-full", 2),
        ("orange-fr-non-remis.eml", "recipient-mailbox-full", 2),
        ("mimecast-anti-spoofing.eml", "bounce-auth-failure", 2),
        ("mailgun-expired.eml", "delivery-expired", 2),
        ("interscan-transcript.eml", "recipient-unknown", 2),
        ("advisory-postponed.eml", "delivery-delayed", 1),
        ("out-of-office.eml", "auto-reply", 0),
        ("arf-abuse.eml", "spam-complaint", 1),
        ("plain-message.eml", "not-a-bounce", 3),
    ],
)
def test_each_bounce_style_names_its_cause(name: str, cause: str, code: int) -> None:
    exit_code, report = run_json(["bounce", str(BOUNCES / name)])
    assert cause_ids(report) == [cause]
    assert exit_code == code


def test_the_remote_servers_words_are_quoted() -> None:
    result = run_cli(["bounce", str(BOUNCES / "exim-spamhaus.eml"), "--lang", "vi"])
    assert "blocked using zen.spamhaus.org" in result.stdout
    assert "NGHIÊM TRỌNG" in result.stdout
    assert "(FAQ 2.3)" in result.stdout


def test_an_mbox_gives_one_report_per_message() -> None:
    import json

    result = run_cli(["bounce", str(BOUNCES / "two-bounces.mbox"), "--format", "json"])
    reports = json.loads(result.stdout)
    assert [cause_ids(r) for r in reports] == [["delivery-delayed"], ["message-too-large"]]
    assert result.exit_code == 2


def test_standard_input_and_bad_input(tmp_path: Path) -> None:
    raw = (BOUNCES / "postfix-user-unknown.eml").read_text(encoding="utf-8", errors="replace")
    assert run_cli(["bounce", "-"], input=raw).exit_code == 2
    missing = run_cli(["bounce", str(tmp_path / "nope.eml")])
    assert missing.exit_code == 3
    assert missing.stderr.startswith("mailcheck: error: cannot read")
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(bytes(range(256)) * 10)
    result = run_cli(["bounce", str(garbage)])
    assert result.exit_code == 3
    assert "Traceback" not in result.stdout + result.stderr
