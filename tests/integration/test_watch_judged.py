"""`watch` judges the vendor's message (FAQ case 1, issue 16), against the real lab.

The accounting software's vendor sends the invoice; the user watches their own mailbox. What
arrives is judged by the receiving side's own Authentication-Results (the lab's rspamd stamps
them at its inbound MX): a message no one authenticates for its From domain is a WARNING with
the vendor-side cause, one that passes DMARC is OK. The timing says it counts from the start
of the watch, and when nothing came the everyday reason (not sent, or the filter did not
match) comes first, with the filter quoted.
"""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import LabHandle, cause_ids

USER = "sender@lab.test"


def _watch(
    lab: LabHandle, tmp: Path, subject: str, send: Callable[[], None] | None, *, user: str = USER
) -> tuple[int, dict[str, Any], str, str]:
    """Run watch for ``subject`` while ``send`` sends; the exit code, JSON, Markdown, stderr."""
    report = tmp / "watch.md"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mailcheck",
            "watch",
            "--mailbox",
            user,
            *lab.imap_args(),
            "--ca-file",
            lab.ca_file,
            "--subject-contains",
            subject,
            "--wait",
            "15" if send is not None else "2",
            "--format",
            "json",
            "--lang",
            "en",
            "--report",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "MAILCHECK_PASSWORD": lab.lab.info().users[user]},
    )
    if send is not None:
        # watching has begun (a busy machine takes a while to start python and log in)
        time.sleep(3.0)
        send()
    out, err = proc.communicate(timeout=60)
    return proc.returncode, json.loads(out), report.read_text(encoding="utf-8"), err.decode()


def _from_outside(lab: LabHandle, sender: str, to: str, subject: str) -> Callable[[], None]:
    """The vendor's service delivering straight to the lab's inbound MX, unsigned."""

    def send() -> None:
        with smtplib.SMTP(lab.host, lab.ports["mx"], timeout=10) as smtp:
            smtp.sendmail(
                sender,
                [to],
                f"From: Hoa don <{sender}>\r\nTo: {to}\r\nSubject: Hoa don {subject}\r\n\r\n"
                "Hoa don dinh kem.\r\n".encode(),
            )

    return send


def test_an_unauthenticated_vendor_message_is_a_warning_with_the_vendor_side_cause(
    lab: LabHandle, tmp_path: Path
) -> None:
    # As the review did: no DKIM, from a domain with no SPF and no DMARC.
    send = _from_outside(lab, "hoadon@vendor.test", USER, "HD-5101")
    code, report, markdown, err = _watch(lab, tmp_path, "HD-5101", send)
    assert "Traceback" not in err
    assert cause_ids(report) == ["vendor-mail-not-authenticated"]
    assert report["facts"]["roundtrip.placement"] == "inbox"
    assert report["facts"]["roundtrip.sender_auth"] == "none"
    assert code == 1
    # the receiver's header is quoted beside the cause, for the vendor
    assert "Authentication-Results: mx.lab.test;" in markdown
    assert "dkim=none" in markdown
    # the timing says what it measures
    assert "after watch started" in markdown
    assert "after the server accepted it" not in markdown
    assert "its Received headers: first accepted at" in markdown
    assert "seen_after_submit_ms" not in report["timings"]
    lab.lab.reset_mailboxes()


def test_a_message_that_passes_dmarc_for_its_domain_is_ok(lab: LabHandle, tmp_path: Path) -> None:
    # The vendor's servers are in the company's SPF (lab.test: ip4:127.0.0.1 -all), so the lab's
    # rspamd says spf=pass and dmarc=pass for From: lab.test.
    send = _from_outside(lab, "hoadon@lab.test", USER, "HD-5102")
    code, report, _, err = _watch(lab, tmp_path, "HD-5102", send)
    assert "Traceback" not in err
    assert cause_ids(report) == ["delivered-to-inbox"]
    assert report["facts"]["roundtrip.sender_auth"] == "pass"
    assert code == 0
    lab.lab.reset_mailboxes()


def test_an_unauthenticated_message_in_the_spam_folder_names_both(
    lab: LabHandle, tmp_path: Path
) -> None:
    user = "junked@lab.test"
    send = _from_outside(lab, "hoadon@vendor.test", user, "HD-5103")
    code, report, _, _ = _watch(lab, tmp_path, "HD-5103", send, user=user)
    assert cause_ids(report) == ["vendor-mail-not-authenticated", "vendor-spam-folder"]
    assert code == 1
    lab.lab.reset_mailboxes()


def test_nothing_came_names_the_everyday_reason_first_with_the_filter(
    lab: LabHandle, tmp_path: Path
) -> None:
    code, report, markdown, _ = _watch(lab, tmp_path, "HD-5199", None)
    assert cause_ids(report)[:2] == [
        "invoice-not-sent-or-not-matched",
        "vendor-service-not-delivering",
    ]
    assert code == 2
    assert "Waited for: subject contains 'HD-5199'" in markdown
    # watch has no send time nor token of its own to hand to the vendor
    assert "message token" not in markdown
