"""The round trip against the real lab: inbox, junk, lost, no IDLE, Junk without special-use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LabHandle, cause_ids, free_port, run_cli, run_json

TOKEN_HEADER = b"X-Mailcheck-Token"


def _args(lab: LabHandle, user: str, *, imap_port: str = "imaps", wait: str = "10") -> list[str]:
    return [
        "--sender",
        user,
        "--smtp-host",
        lab.host,
        "--smtp-port",
        str(lab.ports["submission"]),
        "--ca-file",
        lab.ca_file,
        "--imap-host",
        lab.host,
        "--imap-port",
        str(lab.ports[imap_port]),
        "--imap-tls",
        "tls",
        "--wait",
        wait,
        "--dns-server",
        lab.dns,
    ]


def _env(lab: LabHandle, user: str) -> dict[str, str]:
    return {"MAILCHECK_PASSWORD": lab.lab.info().users[user]}


def _step(report: dict[str, Any], probe: str, name: str) -> dict[str, Any]:
    result = next(p for p in report["probes"] if p["probe"] == probe)
    return next(s for s in result["steps"] if s["name"] == name)


def _python() -> str:
    return sys.executable


def _test_messages(lab: LabHandle, user: str, folder: str) -> list[bytes]:
    return [m for m in lab.lab.list_messages(user, folder) if TOKEN_HEADER in m]


def test_inbox_exits_0_and_leaves_nothing_behind(lab: LabHandle) -> None:
    user = "sender@lab.test"
    code, report = run_json(
        ["diagnose", *_args(lab, user), "--recipient", "rcpt@customer.test"], env=_env(lab, user)
    )
    assert cause_ids(report) == [
        "delivered-to-inbox",
        "recipient-domain-ok",
        "sender-authentication-ok",
    ]
    assert code == 0
    placement = _step(report, "imap", "placement")["data"]
    assert placement["placement"] == "inbox"
    assert float(placement["after_submit_ms"]) < 5000
    assert _step(report, "imap", "cleanup")["data"]["result"] == "deleted"
    assert report["timings"]["submit_ms"] > 0
    assert report["timings"]["seen_after_submit_ms"] < 5000
    assert report["timings"]["delivery_s"] >= 0
    assert report["facts"]["roundtrip.cleanup"] == "deleted"
    assert _test_messages(lab, user, "INBOX") == []


def test_junk_exits_1_with_the_filters_words(lab: LabHandle) -> None:
    user = "junked@lab.test"
    code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
    assert cause_ids(report) == ["spam-folder"]
    assert code == 1
    assert report["facts"]["roundtrip.spam_flagged"] is True
    assert report["facts"]["imap.junk_folder"] == "special-use"
    evidence = report["causes"][0]["evidence"]
    assert any("X-Spam-Status" in json.dumps(e) for e in evidence)
    assert _test_messages(lab, user, "Junk") == []


def test_not_delivered_exits_2_after_the_wait(lab: LabHandle) -> None:
    user = "lost@lab.test"
    start = time.monotonic()
    code, report = run_json(["roundtrip", *_args(lab, user, wait="2")], env=_env(lab, user))
    took = time.monotonic() - start
    assert cause_ids(report) == ["not-arrived"]
    assert code == 2
    assert 2 <= took < 10
    # The submission server's own words (with its queue id) are the evidence.
    evidence = report["causes"][0]["evidence"]
    assert any(e["name"] == "data" and e["reply"]["code"] == 250 for e in evidence)


def test_server_without_idle_falls_back_to_polling(lab: LabHandle) -> None:
    user = "noidle@lab.test"
    code, report = run_json(
        ["roundtrip", *_args(lab, user, imap_port="imaps_noidle")], env=_env(lab, user)
    )
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert code == 0
    login = _step(report, "imap", "login")["data"]["capabilities"].split()
    assert "IDLE" not in login


def test_junk_without_special_use_is_found_by_name(lab: LabHandle) -> None:
    user = "nospecial@lab.test"
    code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
    assert report["facts"]["imap.junk_folder"] == "name"
    assert report["facts"]["roundtrip.folder"] == "Spam"
    assert cause_ids(report) == ["spam-folder"]
    assert code == 1


def test_keep_leaves_the_test_message(lab: LabHandle) -> None:
    user = "sender@lab.test"
    code, report = run_json(["roundtrip", *_args(lab, user), "--keep"], env=_env(lab, user))
    assert code == 0
    token = report["target"]["token"]
    kept = [m for m in _test_messages(lab, user, "INBOX") if token.encode() in m]
    assert len(kept) == 1
    lab.lab.reset_mailboxes()


def test_wrong_imap_password_is_unknown_and_nothing_is_sent(lab: LabHandle) -> None:
    user = "sender@lab.test"
    env = {**_env(lab, user), "MAILCHECK_IMAP_PASSWORD": "wrong"}
    code, report = run_json(["roundtrip", *_args(lab, user)], env=env)
    assert cause_ids(report)[0] == "imap-login-rejected"
    assert code == 3
    assert _step(report, "smtp", "ready")["outcome"] == "withheld"
    assert _test_messages(lab, user, "INBOX") == []


def test_imap_connection_dropped_during_idle(lab: LabHandle) -> None:
    user = "lost@lab.test"
    doveadm = ["doveadm", "-c", f"{lab.lab.info().state}/etc/dovecot/dovecot.conf", "kick", user]
    proc = subprocess.Popen(  # the check, in the background
        [
            _python(),
            "-m",
            "mailcheck",
            "roundtrip",
            *_args(lab, user, wait="8"),
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "MAILCHECK_PASSWORD": _env(lab, user)["MAILCHECK_PASSWORD"]},
    )
    time.sleep(3)  # logged in, sent, now waiting in IDLE
    subprocess.run(doveadm, check=True, capture_output=True)
    out, err = proc.communicate(timeout=30)
    report = json.loads(out)
    assert "Traceback" not in err.decode()
    assert cause_ids(report)[0] == "imap-watch-lost"
    assert proc.returncode == 3


def test_probe_mailbox_is_watched_too(lab: LabHandle, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.personal]\n"
        'sender = "rcpt@customer.test"\n'
        f'imap_host = "{lab.host}"\n'
        f"imap_port = {lab.ports['imaps']}\n"
        'password_env = "PERSONAL_PW"\n',
        encoding="utf-8",
    )
    user = "sender@lab.test"
    env = {**_env(lab, user), "PERSONAL_PW": lab.lab.info().users["rcpt@customer.test"]}
    args = ["roundtrip", *_args(lab, user), "--config", str(config), "--probe-mailbox", "personal"]
    code, report = run_json(args, env=env)
    assert code == 0
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert _step(report, "imap:personal", "placement")["data"]["placement"] == "inbox"
    assert _test_messages(lab, "rcpt@customer.test", "INBOX") == []


def test_watch_reports_a_message_sent_by_another_program(lab: LabHandle) -> None:
    import smtplib
    import ssl

    user = "sender@lab.test"
    password = _env(lab, user)["MAILCHECK_PASSWORD"]
    proc = subprocess.Popen(
        [
            _python(),
            "-m",
            "mailcheck",
            "watch",
            "--mailbox",
            user,
            "--imap-host",
            lab.host,
            "--imap-port",
            str(lab.ports["imaps"]),
            "--ca-file",
            lab.ca_file,
            "--subject-contains",
            "HD-4711",
            "--wait",
            "15",
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "MAILCHECK_PASSWORD": password},
    )
    time.sleep(1.5)  # the user starts watching, then sends from the accounting software
    context = ssl.create_default_context(cafile=lab.ca_file)
    with smtplib.SMTP(lab.host, lab.ports["submission"], timeout=10) as smtp:
        smtp.starttls(context=context)
        smtp.login(user, password)
        smtp.sendmail(
            user,
            [user],
            b"From: Ke toan <sender@lab.test>\r\nTo: sender@lab.test\r\n"
            b"Subject: Hoa don HD-4711\r\n\r\nHoa don dinh kem.\r\n",
        )
    out, err = proc.communicate(timeout=40)
    report = json.loads(out)
    assert "Traceback" not in err.decode()
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert report["facts"]["send.via_vendor"] is True
    assert proc.returncode == 0
    # watch never deletes: the message is the software's, not mailcheck's
    assert any(b"HD-4711" in m for m in lab.lab.list_messages(user, "INBOX"))
    lab.lab.reset_mailboxes()


def test_human_report_of_a_junk_placement_in_vietnamese(lab: LabHandle) -> None:
    user = "junked@lab.test"
    result = run_cli(["roundtrip", *_args(lab, user), "--lang", "vi"], env=_env(lab, user))
    assert result.exit_code == 1
    assert "CẢNH BÁO" in result.stdout
    assert "spam-folder" in result.stdout


@pytest.mark.parametrize("runs", [6])
def test_users_own_messages_survive_many_diagnoses_byte_for_byte(lab: LabHandle, runs: int) -> None:
    """Design §4: touch nothing but mailcheck's own test message."""
    user = "sender@lab.test"
    lab.lab.reset_mailboxes()
    own = []
    for i in range(12):
        body = f"Hóa đơn {i} của khách\r\n".encode()
        raw = (
            f"From: customer{i}@customer.test\r\nTo: {user}\r\nSubject: Invoice {i}\r\n"
            f"Message-ID: <user-{i}@customer.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode() + body
        own.append(raw)
        folder = "Junk" if i % 4 == 3 else "INBOX"
        flags = "\\Deleted" if i % 3 == 0 else ""
        lab.lab.deliver(user, raw, folder=folder, flags=flags)
    before = {f: sorted(lab.lab.list_messages(user, f)) for f in ("INBOX", "Junk")}
    flags_before = {f: lab.lab.message_flags(user, f) for f in ("INBOX", "Junk")}
    assert sum(len(v) for v in before.values()) == 12
    for _ in range(runs):
        code, _ = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        assert code == 0
    code, _ = run_json(
        ["roundtrip", *_args(lab, "junked@lab.test")], env=_env(lab, "junked@lab.test")
    )
    assert code == 1
    after = {f: sorted(lab.lab.list_messages(user, f)) for f in ("INBOX", "Junk")}
    assert after == before
    assert {f: lab.lab.message_flags(user, f) for f in ("INBOX", "Junk")} == flags_before
    lab.lab.reset_mailboxes()


def test_mailbox_without_a_spam_folder_says_so_when_nothing_arrives(lab: LabHandle) -> None:
    user = "nojunk@lab.test"
    code, report = run_json(["roundtrip", *_args(lab, user, wait="2")], env=_env(lab, user))
    assert report["facts"]["imap.junk_folder"] == "missing"
    assert set(cause_ids(report)) == {"not-arrived", "junk-folder-not-found"}
    assert code == 2


def test_imap_with_starttls_and_a_realistically_large_invoice(lab: LabHandle) -> None:
    user = "sender@lab.test"
    args = _args(lab, user, imap_port="imap")
    args[args.index("--imap-tls") + 1] = "starttls"
    code, report = run_json(["roundtrip", *args, "--attachment-size", "300k"], env=_env(lab, user))
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert code == 0
    assert _step(report, "imap", "starttls")["outcome"] == "ok"
    data = next(s for s in report["probes"][0]["steps"] if s["name"] == "data")
    assert int(data["data"]["size"]) > 300_000


@pytest.mark.parametrize(
    ("recipient", "cause", "code"),
    [
        ("ketoan@nosuch-customer.test", "recipient-domain-not-found", 2),
        ("ketoan@nullmx.test", "recipient-accepts-no-mail", 2),
        ("ketoan@mxgone.test", "recipient-mx-unresolvable", 2),
    ],
)
def test_diagnose_names_a_broken_recipient_domain(
    lab: LabHandle, recipient: str, cause: str, code: int
) -> None:
    user = "sender@lab.test"
    exit_code, report = run_json(
        ["diagnose", *_args(lab, user), "--recipient", recipient], env=_env(lab, user)
    )
    assert cause_ids(report)[0] == cause
    assert "delivered-to-inbox" in cause_ids(report)  # the sending side itself is fine
    assert exit_code == code


@pytest.mark.parametrize(
    ("recipient", "cause", "bounced"),
    [
        # accepted by submission, then bounced by the customer's (the lab's remote) MX
        ("ketoan@blocked.test", "recipient-server-blocks", True),
        # refused at RCPT by the submission server: no bounce to wait for
        ("refuse@blocked.test", "recipient-server-blocks", False),
    ],
)
def test_send_to_recipient_finds_the_bounce_about_our_message(
    lab: LabHandle, recipient: str, cause: str, bounced: bool, tmp_path: Path
) -> None:
    user = "sender@lab.test"
    # An older, unrelated bounce already in the INBOX must not be taken for ours.
    old = (
        b"From: Mail Delivery System <MAILER-DAEMON@lab.test>\r\nTo: sender@lab.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n\r\nsome other message bounced\r\n"
    )
    lab.lab.deliver(user, old)
    markdown = tmp_path / "report.md"
    code, report = run_json(
        [
            "diagnose",
            *_args(lab, user, wait="5"),
            "--recipient",
            recipient,
            "--send-to-recipient",
            "--report",
            str(markdown),
        ],
        env=_env(lab, user),
    )
    # The evidence report for the customer's mail admin quotes the refusal, and no secret.
    text = markdown.read_text(encoding="utf-8")
    assert "(FAQ 2.3)" in text
    assert "5.7.1" in text
    assert _env(lab, user)["MAILCHECK_PASSWORD"] not in text
    assert cause_ids(report)[0] == cause
    assert code == 2
    assert report["facts"]["recipient.rejection"] == "policy"
    bounce_steps = [p for p in report["probes"] if p["probe"] == "bounce"]
    assert (
        bool(
            bounce_steps and any(s["name"] == "bounced-recipient" for s in bounce_steps[0]["steps"])
        )
        is bounced
    )
    lab.lab.reset_mailboxes()


@pytest.mark.parametrize(
    ("recipient", "cause", "code"),
    [
        ("unknown@blocked.test", "recipient-unknown", 2),
        ("full@blocked.test", "recipient-mailbox-full", 2),
        ("toobig@blocked.test", "message-too-large", 2),
        ("spam@blocked.test", "recipient-server-blocks", 2),
        ("slow@blocked.test", "delivery-delayed", 1),
    ],
)
def test_each_remote_refusal_is_classified(
    lab: LabHandle, recipient: str, cause: str, code: int
) -> None:
    user = "sender@lab.test"
    exit_code, report = run_json(
        ["diagnose", *_args(lab, user, wait="5"), "--recipient", recipient, "--send-to-recipient"],
        env=_env(lab, user),
    )
    assert cause_ids(report)[0] == cause
    assert exit_code == code
    lab.lab.purge_queue()
    lab.lab.reset_mailboxes()


@pytest.mark.parametrize(
    ("recipient", "mx_port", "cause", "code"),
    [
        ("rcpt@customer.test", "mx", "rcpt-probe-accepted", 0),
        ("nobody@customer.test", "mx", "recipient-unknown", 2),
        ("someone@blocked.test", "mx", "recipient-server-blocks", 2),
        # port 25 blocked on the way: could not check, never "blocked"
        ("rcpt@customer.test", "closed", "rcpt-probe-could-not-check", 3),
    ],
)
def test_probe_rcpt_asks_the_customers_server(
    lab: LabHandle, recipient: str, mx_port: str, cause: str, code: int
) -> None:
    user = "sender@lab.test"
    port = str(lab.ports["mx"]) if mx_port == "mx" else str(free_port())
    exit_code, report = run_json(
        [
            "diagnose",
            *_args(lab, user),
            "--recipient",
            recipient,
            "--probe-rcpt",
            "--mx-port",
            port,
        ],
        env=_env(lab, user),
    )
    assert cause in cause_ids(report)
    assert exit_code == code
    # It never gets to DATA: nothing reaches the customer.
    rcpt = next(p for p in report["probes"] if p["probe"] == "rcpt")
    assert not any(s["name"].endswith("data") for s in rcpt["steps"])


def _old_test_invoice(token: str, sender: str, message_id: str | None = None) -> bytes:
    mid = message_id or f"<mailcheck.{token}@lab.test>"
    return (
        f"From: Test <{sender}>\r\nTo: {sender}\r\nSubject: old test invoice\r\n"
        f"Message-ID: {mid}\r\nX-Mailcheck-Token: {token}\r\n\r\nleft behind\r\n"
    ).encode()


def test_next_run_removes_only_old_leftovers_of_its_own(lab: LabHandle) -> None:
    user = "sender@lab.test"
    lab.lab.reset_mailboxes()
    old = "mc-20200101t000000z-0123456789ab"
    lab.lab.deliver(user, _old_test_invoice(old, user))
    lab.lab.deliver(user, _old_test_invoice(old, user, "<user-reply@lab.test>"), folder="Junk")
    lab.lab.deliver(user, _old_test_invoice(old, "other@lab.test"))
    try:
        code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        leftovers = _step(report, "imap", "leftovers")["data"]
        assert leftovers["removed"] == "1"
        assert leftovers["where"] == "INBOX"
        inbox = _test_messages(lab, user, "INBOX")
        assert len(inbox) == 1
        assert b"other@lab.test" in inbox[0]
        assert len(_test_messages(lab, user, "Junk")) == 1
        # --keep never sweeps.
        lab.lab.deliver(user, _old_test_invoice(old, user))
        run_json(["roundtrip", *_args(lab, user), "--keep"], env=_env(lab, user))
        assert any(b"Test <sender@lab.test>" in m for m in _test_messages(lab, user, "INBOX"))
        assert code == 0
    finally:
        lab.lab.reset_mailboxes()


def test_cancelled_after_submission_removes_the_test_message(lab: LabHandle) -> None:
    import asyncio
    import contextlib

    from mailcheck.invoice import build_invoice
    from mailcheck.probes.recorder import Recorder
    from mailcheck.probes.roundtrip import Signals, token_matcher
    from mailcheck.scenarios.mailboxes import mailbox_probe
    from mailcheck.secret import Secret
    from mailcheck.settings import ImapSettings, MailboxSettings, TlsMode

    user = "sender@lab.test"
    lab.lab.reset_mailboxes()
    invoice = build_invoice(sender=user, recipient=user)
    mailbox = MailboxSettings(
        label="sender",
        address=user,
        imap=ImapSettings(
            host=lab.host,
            port=lab.ports["imaps"],
            tls=TlsMode.TLS,
            username=user,
            ca_file=lab.ca_file,
            timeout=5.0,
        ),
        secret_source=None,
    )

    async def scenario() -> Recorder:
        loop = asyncio.get_running_loop()
        rec = Recorder("imap", "lab")
        signals = Signals()
        prepared: asyncio.Future[bool] = loop.create_future()
        task = asyncio.ensure_future(
            mailbox_probe(
                mailbox,
                Secret(lab.lab.info().users[user], "test"),
                rec,
                token_matcher(invoice.token, invoice.message_id, user),
                signals,
                prepared,
                wait=10,
                deadline=loop.time() + 30,
                delete=True,
                same_password=False,
            )
        )
        assert await prepared
        await asyncio.to_thread(lab.lab.deliver, user, invoice.message.as_bytes())
        signals.mark_submitted()
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return rec

    rec = asyncio.run(scenario())
    cleanup = next(s for s in rec.steps if s.name == "cleanup")
    assert cleanup.get("result") == "deleted", cleanup
    assert _test_messages(lab, user, "INBOX") == []


def test_leftovers_are_looked_for_when_a_run_noted_one_and_daily_otherwise(
    lab: LabHandle,
) -> None:
    from mailcheck.pending import journal_for

    user = "sender@lab.test"
    lab.lab.reset_mailboxes()
    try:
        # The first run on this machine sweeps (no sweep yet today) and leaves no note.
        run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        journal = journal_for(user, lab.host, lab.ports["imaps"])
        assert journal.pending(0) == []
        # A later healthy run does not search the whole mailbox again.
        code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        assert code == 0
        steps = next(p for p in report["probes"] if p["probe"] == "imap")["steps"]
        assert "leftovers" not in [s["name"] for s in steps]
        # A run that died after sending (kill -9: no cleanup) left its invoice and its note.
        dead = "mc-20261204t000000z-00000000dead"
        lab.lab.deliver(user, _old_test_invoice(dead, user))
        journal.note(dead)
        os.utime(journal.folder / dead, (time.time() - 3600, time.time() - 3600))
        code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        assert code == 0
        assert _step(report, "imap", "leftovers")["data"]["removed"] == "1"
        assert _test_messages(lab, user, "INBOX") == []
        assert journal.pending(0) == []  # the note went with the invoice
    finally:
        lab.lab.reset_mailboxes()
