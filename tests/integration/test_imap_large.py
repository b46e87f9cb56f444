"""Large mailboxes on the lab's real Dovecot: 10,000 messages in INBOX, 10,000 folders.

aioimaplib's reader recursed once per line (RecursionError at about a thousand
lines); mailcheck's reader loops. The round trip must still find and delete
only its own message, and leave every other message where it was.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.helpers import LabHandle, run_json
from tests.integration.test_roundtrip_lab import TOKEN_HEADER, _args, _env, _step

COUNT = 10_000


def _doveadm(lab: LabHandle, *argv: str) -> None:
    conf = f"{lab.lab.info().state}/etc/dovecot/dovecot.conf"
    subprocess.run(["doveadm", "-c", conf, *argv], check=True, capture_output=True, timeout=120)


def _make_folders(lab: LabHandle, user: str, count: int) -> None:
    """``count`` empty Maildir++ folders written straight to disk, then a resync."""
    local, _, domain = user.partition("@")
    maildir = Path(lab.lab.info().state) / "maildir" / domain / local / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        for sub in ("cur", "new", "tmp"):
            (maildir / f".Big{n:05d}" / sub).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "mail:mail", str(maildir.parents[1])], check=True)
    _doveadm(lab, "force-resync", "-u", user, "*")


def _count(lab: LabHandle, user: str, folder: str) -> int:
    return len(lab.lab.message_flags(user, folder))


def test_roundtrip_in_an_inbox_of_10000_messages(lab: LabHandle) -> None:
    user = "bulk@lab.test"
    lab.lab.fill_inbox(user, COUNT)
    _doveadm(lab, "force-resync", "-u", user, "INBOX")
    before = _count(lab, user, "INBOX")
    assert before >= COUNT
    try:
        code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        assert _step(report, "imap", "placement")["data"]["placement"] == "inbox"
        assert _step(report, "imap", "cleanup")["data"]["result"] == "deleted"
        assert code == 0, report["causes"]
        assert _count(lab, user, "INBOX") == before
    finally:
        lab.lab.reset_mailboxes()


def test_roundtrip_with_10000_folders(lab: LabHandle) -> None:
    user = "postmaster@lab.test"
    _make_folders(lab, user, COUNT)
    try:
        code, report = run_json(["roundtrip", *_args(lab, user)], env=_env(lab, user))
        assert _step(report, "imap", "list")["outcome"] == "ok"
        assert _step(report, "imap", "placement")["data"]["placement"] == "inbox"
        assert _step(report, "imap", "cleanup")["data"]["result"] == "deleted"
        assert code == 0, report["causes"]
        assert not [m for m in lab.lab.list_messages(user, "INBOX") if TOKEN_HEADER in m]
    finally:
        lab.lab.reset_mailboxes()
