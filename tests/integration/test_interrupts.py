"""Signals during a run: the probes stop, clean up within the grace, the report says so, exit 3.

Each run is a real ``mailcheck`` process against the lab, signalled the way
systemd (SIGTERM), a closed terminal (SIGHUP) or Ctrl-C (SIGINT) would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import LabHandle, lab_profile, run_cli, write_config

TOKEN_HEADER = b"X-Mailcheck-Token"
#: The runner's cleanup grace (interrupt.GRACE_SECONDS) plus process shutdown, with room
#: for a loaded 2-core CI machine.
GRACE_BOUND = 5.0 + 5.0


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mailcheck", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
    )


def _signal_after(
    proc: subprocess.Popen[bytes], sig: signal.Signals, delay: float
) -> tuple[bytes, bytes, float]:
    """Send ``sig`` after ``delay`` seconds; return stdout, stderr, seconds from signal to exit."""
    time.sleep(delay)
    if proc.poll() is not None:
        out, err = proc.communicate()
        raise AssertionError(f"the run ended before it could be interrupted: {out!r} {err!r}")
    proc.send_signal(sig)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=30)
    return out, err, time.monotonic() - sent


def _roundtrip(lab: LabHandle, user: str, fmt: str = "json") -> list[str]:
    return [
        "roundtrip",
        "--sender",
        user,
        *lab.smtp_args(),
        "--username",
        user,
        *lab.imap_args(),
        "--wait",
        "60",
        "--format",
        fmt,
    ]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_during_the_wait_ends_the_round_trip_with_unknown(
    lab: LabHandle, sig: signal.Signals
) -> None:
    # lost@lab.test: the lab accepts the message and drops it, so the watch waits.
    user = "lost@lab.test"
    proc = _start(_roundtrip(lab, user), {"MAILCHECK_PASSWORD": lab.lab.info().users[user]})
    out, err, took = _signal_after(proc, sig, 2.5)
    assert proc.returncode == 3, err.decode()
    assert took < GRACE_BOUND
    assert b"Traceback" not in err
    report = json.loads(out)
    assert report["status"] == "unknown"
    causes = [c["id"] for c in report["causes"]]
    assert "interrupted" in causes
    assert report["facts"]["run.signal"] == sig.name
    # The report says which probes the signal stopped.
    assert "imap" in str(report["facts"]["run.interrupted"])


def test_a_signal_before_the_loop_is_one_line_and_exit_3(lab: LabHandle, tmp_path: Path) -> None:
    # The password command is still running when SIGTERM comes: nothing was sent yet.
    proc = _start(
        ["smtp", *lab.smtp_args(), "--password-command", "sleep 20"],
        {"MAILCHECK_USERNAME": "sender@lab.test"},
    )
    out, err, took = _signal_after(proc, signal.SIGTERM, 1.0)
    assert out == b""  # no report: the run had not started
    assert proc.returncode == 3
    assert took < 3
    assert b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1] == "mailcheck: error: interrupted by SIGTERM"


def test_check_under_sigterm_prints_its_line_and_records_the_run(
    lab: LabHandle, tmp_path: Path
) -> None:
    history = tmp_path / "history.sqlite3"
    profile = lab_profile(lab, tmp_path, "lost@lab.test", wait=60)
    config = write_config(tmp_path, {"lost": profile})
    argv = ["check", "--config", str(config), "--profile", "lost", "--dns-server", lab.dns]
    proc = _start([*argv, "--format", "nagios", "--history", str(history)], {})
    out, err, took = _signal_after(proc, signal.SIGTERM, 2.5)
    assert b"Traceback" not in err
    assert proc.returncode == 3
    assert took < GRACE_BOUND
    assert out.decode().startswith("MAILCHECK UNKNOWN - "), out.decode()
    shown = run_cli(["history", "--history", str(history), "--format", "json"])
    runs = json.loads(shown.stdout)["runs"]
    assert [r["status"] for r in runs] == ["unknown"]
    assert "interrupted" in json.dumps(runs[0])


def test_the_human_report_of_an_interrupted_run_says_what_became_of_the_invoice(
    lab: LabHandle,
) -> None:
    user = "lost@lab.test"
    proc = _start(
        _roundtrip(lab, user, fmt="human"), {"MAILCHECK_PASSWORD": lab.lab.info().users[user]}
    )
    out, err, _ = _signal_after(proc, signal.SIGTERM, 2.5)
    text = out.decode()
    assert proc.returncode == 3, err.decode()
    assert "interrupted" in text
    # Under the finding, beside it: where the test invoice is (or may still arrive).
    finding = text.split("interrupted", 1)[1].split("Fix:", 1)[0]
    assert "Test invoice" in finding
    assert "INBOX" in finding


def test_a_signal_on_the_second_server_family_ends_in_unknown_and_leaves_nothing(
    lab2: LabHandle,
) -> None:
    # Exim accepts lost@'s mail and drops it: Courier's watch waits until the signal.
    user = "lost@lab.test"
    proc = _start(_roundtrip(lab2, user), {"MAILCHECK_PASSWORD": lab2.lab.info().users[user]})
    out, err, took = _signal_after(proc, signal.SIGTERM, 2.5)
    assert proc.returncode == 3, err.decode()
    assert took < GRACE_BOUND
    assert b"Traceback" not in err
    report = json.loads(out)
    assert "interrupted" in [c["id"] for c in report["causes"]]
    for folder in ("INBOX", "INBOX.Junk"):
        assert not [m for m in lab2.lab.list_messages(user, folder) if TOKEN_HEADER in m]
