"""The same verdicts on the second server family: Exim 4 submission, Courier IMAP.

Through the real CLI, like test_smtp_lab.py and test_roundtrip_lab.py do on
Postfix/Dovecot: credentials, round trip, Junk placement, cleanup and the
data-safety snapshot. Courier has no SPECIAL-USE: its Junk folder is
"INBOX.Junk" (Maildir++ .Junk), found by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LAB_USER, LabHandle, cause_ids, load_lab_module, run_json

TOKEN_HEADER = b"X-Mailcheck-Token"
JUNK = "INBOX.Junk"


def _password(lab2: LabHandle, user: str) -> str:
    return str(lab2.lab.info().users[user])


def _env(lab2: LabHandle, user: str) -> dict[str, str]:
    return {"MAILCHECK_PASSWORD": _password(lab2, user)}


def _roundtrip_args(lab2: LabHandle, user: str, *extra: str) -> list[str]:
    return [
        "roundtrip",
        "--sender",
        user,
        *lab2.smtp_args()[:-4],  # host, port, TLS mode, CA file (no --username)
        *lab2.imap_args(),
        "--wait",
        "10",
        "--dns-server",
        lab2.dns,
        *extra,
    ]


def _test_messages(lab2: LabHandle, user: str, folder: str) -> list[bytes]:
    return [m for m in lab2.lab.list_messages(user, folder) if TOKEN_HEADER in m]


def _step(report: dict[str, Any], probe: str, name: str) -> dict[str, Any]:
    result = next(p for p in report["probes"] if p["probe"] == probe)
    return next(s for s in result["steps"] if s["name"] == name)


def test_the_family_is_exim_and_courier(lab2: LabHandle) -> None:
    assert lab2.lab.info().family == "exim-courier"
    assert load_lab_module().COURIER_JUNK == JUNK


def test_credentials_ok_on_starttls_submission(lab2: LabHandle) -> None:
    code, report = run_json(["smtp", *lab2.smtp_args()], env=_env(lab2, LAB_USER))
    assert cause_ids(report) == ["smtp-login-ok"]
    assert code == 0


def test_credentials_ok_on_implicit_tls_submission(lab2: LabHandle) -> None:
    args = lab2.smtp_args("submission_tls", "tls")
    code, report = run_json(["smtp", *args], env=_env(lab2, LAB_USER))
    assert cause_ids(report) == ["smtp-login-ok"]
    assert code == 0


@pytest.mark.parametrize(("port", "tls"), [("submission", "starttls"), ("submission_tls", "tls")])
def test_wrong_password_is_critical_password_changed(lab2: LabHandle, port: str, tls: str) -> None:
    code, report = run_json(
        ["smtp", *lab2.smtp_args(port, tls)], env={"MAILCHECK_PASSWORD": "not-the-password"}
    )
    assert cause_ids(report)[0] == "password-changed"
    assert code == 2


def test_after_a_password_change_the_old_one_fails_and_the_new_one_works(
    lab2: LabHandle,
) -> None:
    """lab.passwd() changes Exim's and Courier's passwords at once."""
    user = "postmaster@lab.test"
    old = _password(lab2, user)
    smtp = ["smtp", *lab2.smtp_args()]
    smtp[smtp.index("--username") + 1] = user
    lab2.lab.passwd(user, "changed-9")
    try:
        code, report = run_json(smtp, env={"MAILCHECK_PASSWORD": old})
        assert cause_ids(report)[0] == "password-changed"
        assert code == 2
        code, report = run_json(smtp, env={"MAILCHECK_PASSWORD": "changed-9"})
        assert code == 0
        # Courier's userdb changed too: IMAP takes the new password only.
        assert lab2.lab.message_flags(user, "INBOX") == []
    finally:
        lab2.lab.passwd(user, old)


def test_round_trip_to_inbox_exits_0_and_leaves_nothing(lab2: LabHandle) -> None:
    user = LAB_USER
    code, report = run_json(_roundtrip_args(lab2, user), env=_env(lab2, user))
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert code == 0
    assert _step(report, "imap", "placement")["data"]["placement"] == "inbox"
    assert report["facts"]["roundtrip.cleanup"] == "deleted"
    assert _test_messages(lab2, user, "INBOX") == []
    assert _test_messages(lab2, user, JUNK) == []


def test_round_trip_over_imap_starttls(lab2: LabHandle) -> None:
    user = LAB_USER
    args = _roundtrip_args(lab2, user)
    args[args.index("--imap-port") + 1] = str(lab2.ports["imap"])
    args[args.index("--imap-tls") + 1] = "starttls"
    code, report = run_json(args, env=_env(lab2, user))
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert code == 0
    assert _test_messages(lab2, user, "INBOX") == []


def test_junk_placement_exits_1_and_is_cleaned_up(lab2: LabHandle) -> None:
    user = "junked@lab.test"
    code, report = run_json(_roundtrip_args(lab2, user), env=_env(lab2, user))
    assert cause_ids(report)[0] == "spam-folder"
    assert report["facts"]["roundtrip.folder"] == JUNK
    assert report["facts"]["roundtrip.spam_flagged"] is True
    assert report["facts"]["roundtrip.cleanup"] == "deleted"
    assert code == 1
    assert _test_messages(lab2, user, JUNK) == []


def test_spam_subject_files_any_users_mail_into_junk(lab2: LabHandle) -> None:
    user = LAB_USER
    args = _roundtrip_args(lab2, user, "--subject", "[LAB-SPAM] Invoice {number}")
    code, report = run_json(args, env=_env(lab2, user))
    assert report["facts"]["roundtrip.folder"] == JUNK
    assert code == 1
    assert _test_messages(lab2, user, JUNK) == []


def test_lost_message_is_not_delivered(lab2: LabHandle) -> None:
    user = "lost@lab.test"
    args = _roundtrip_args(lab2, user)
    args[args.index("--wait") + 1] = "2"
    code, report = run_json(args, env=_env(lab2, user))
    assert "not-arrived" in cause_ids(report)
    assert code == 2


@pytest.mark.parametrize("runs", [4])
def test_users_own_messages_survive_many_runs_byte_for_byte(lab2: LabHandle, runs: int) -> None:
    """Design §4 on Courier: a \\Deleted, a \\Seen and a Junk message stay exactly as they were."""
    user = LAB_USER
    lab2.lab.reset_mailboxes()
    own = [
        ("INBOX", "\\Deleted", "flagged for deletion by the user"),
        ("INBOX", "\\Seen", "already read"),
        (JUNK, "", "the user's own spam"),
        ("INBOX", "\\Deleted \\Seen", "read and flagged"),
    ]
    for i, (folder, flags, what) in enumerate(own):
        raw = (
            f"From: customer{i}@customer.test\r\nTo: {user}\r\nSubject: Hóa đơn {i}: {what}\r\n"
            f"Message-ID: <family-{i}@customer.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            f"Hóa đơn {i} của khách\r\n"
        ).encode()
        lab2.lab.deliver(user, raw, folder=folder, flags=flags)

    def snapshot() -> dict[str, list[tuple[bytes, list[str]]]]:
        return {
            folder: sorted(
                (body, sorted(flags))
                for body, flags in zip(
                    lab2.lab.list_messages(user, folder),
                    lab2.lab.message_flags(user, folder),
                    strict=True,
                )
            )
            for folder in ("INBOX", JUNK)
        }

    before = snapshot()
    assert [len(v) for v in before.values()] == [3, 1]
    assert sorted(before["INBOX"][i][1] for i in range(3)) == [
        ["\\Deleted"],
        ["\\Deleted", "\\Seen"],
        ["\\Seen"],
    ]
    for run in range(runs):
        extra = ("--subject", "[LAB-SPAM] Invoice {number}") if run % 2 else ()
        code, _ = run_json(_roundtrip_args(lab2, user, *extra), env=_env(lab2, user))
        assert code == (1 if run % 2 else 0)
    assert snapshot() == before
    lab2.lab.reset_mailboxes()


def test_a_customer_refused_at_rcpt_is_told_at_once_not_after_the_wait(lab2: LabHandle) -> None:
    # Exim relays only for lab.test: the customer's address is refused at RCPT. That refusal
    # is the verdict; nobody waits --wait for a bounce that cannot come.
    import time

    args = _roundtrip_args(lab2, LAB_USER)
    args[args.index("--wait") + 1] = "30"
    args[0] = "diagnose"
    start = time.monotonic()
    code, report = run_json(
        [*args, "--recipient", "ketoan@customer.test", "--send-to-recipient"],
        env=_env(lab2, LAB_USER),
    )
    took = time.monotonic() - start
    assert took < 10, cause_ids(report)
    assert code == 2
    assert "not-checked-bounce" not in cause_ids(report)
    assert _test_messages(lab2, LAB_USER, "INBOX") == []


def test_watch_on_a_server_that_records_no_authentication_is_unknown_not_ok(
    lab2: LabHandle, tmp_path: Path
) -> None:
    """FAQ case 1 on Exim + Courier, which stamp no Authentication-Results: the message is
    found in the Inbox, but whether it is authenticated for its domain is not known, so the
    run is UNKNOWN with the cause that says so, never a plain OK."""
    import smtplib
    import ssl

    from tests.integration.test_watch_judged import _watch

    def send() -> None:
        context = ssl.create_default_context(cafile=lab2.ca_file)
        with smtplib.SMTP(lab2.host, lab2.ports["submission"], timeout=10) as smtp:
            smtp.starttls(context=context)
            smtp.login(LAB_USER, _password(lab2, LAB_USER))
            smtp.sendmail(
                LAB_USER,
                [LAB_USER],
                f"From: Hoa don <hoadon@vendor.test>\r\nTo: {LAB_USER}\r\n"
                "Subject: Hoa don HD-7301\r\n\r\nHoa don dinh kem.\r\n".encode(),
            )

    code, report, _, err = _watch(lab2, tmp_path, "HD-7301", send, user=LAB_USER)
    assert "Traceback" not in err
    assert report["facts"]["roundtrip.placement"] == "inbox"
    assert report["facts"]["roundtrip.sender_auth"] == "not-recorded"
    assert "vendor-auth-not-recorded" in cause_ids(report)
    assert code == 3
    lab2.lab.reset_mailboxes()
