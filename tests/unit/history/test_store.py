"""The check history (SQLite): writes, typed reads and summaries, on real files and processes."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import mailcheck
from mailcheck.check.result import STAGES, ProfileResult
from mailcheck.diagnosis import diagnose
from mailcheck.errors import ConfigError
from mailcheck.evidence import Outcome, ProbeResult, ProbeStatus, Reply, Step
from mailcheck.history import SCHEMA_VERSION, STAGE_COLUMNS, DeliveryStats, History, Trend
from mailcheck.rules import Severity
from tests.unit.history.helpers import T0, python, result


def test_a_result_reads_back_as_it_was_recorded(tmp_path: Path) -> None:
    path = tmp_path / "state" / "mailcheck" / "history.sqlite3"
    original = ProfileResult(
        profile="hóa đơn/kế toán",
        started_at=datetime(2025, 3, 1, 15, 0, 1, 250000, tzinfo=timezone(timedelta(hours=7))),
        elapsed_s=12.5,
        status=Severity.WARNING,
        summary="delivered to Junk in 4.2 s",
        stages={"auth": 0.3, "submit": 0.5, "delivery": 4.2, "detection": 1.1, "total": 12.5},
        placement="junk",
        causes=("landed-in-junk", "smtp-login-ok"),
    )
    with History(path) as history:
        history.record(original)
        [row] = history.runs()
    assert row.profile == original.profile
    assert row.started_at == original.started_at
    assert row.started_at.tzinfo is UTC
    assert row.elapsed_s == 12.5
    assert row.status is Severity.WARNING
    assert row.exit_code == 1
    assert row.summary == original.summary
    assert row.stages == original.stages
    assert row.placement == "junk"
    assert row.causes == original.causes
    assert (row.skipped, row.error) == (None, None)
    assert row.version == mailcheck.__version__


def test_causes_of_a_real_diagnosis_are_stored(tmp_path: Path) -> None:
    steps = (
        Step(name="connect", outcome=Outcome.OK, elapsed_ms=3),
        Step(
            name="greeting",
            outcome=Outcome.OK,
            elapsed_ms=1,
            reply=Reply(code=220, enhanced=None, text="mx ESMTP"),
        ),
        Step(
            name="auth",
            outcome=Outcome.REJECTED,
            elapsed_ms=40,
            reply=Reply(code=535, enhanced="5.7.8", text="Error: authentication failed"),
        ),
    )
    probe = ProbeResult(
        probe="smtp", status=ProbeStatus.COMPLETED, target="mx.test:587", steps=steps
    )
    diagnosis = diagnose("smtp", {"host": "mx.test"}, [probe], time.perf_counter(), T0)
    checked = ProfileResult(
        profile="main",
        started_at=diagnosis.started_at,
        elapsed_s=0.05,
        status=diagnosis.severity,
        summary="login refused",
        diagnoses=(diagnosis,),
        stages={"auth": 0.04, "total": 0.05},
        causes=tuple(f.cause.id for f in diagnosis.findings),
    )
    with History(tmp_path / "h.sqlite3") as history:
        history.record(checked)
        [row] = history.runs()
    assert row.causes == ("password-changed",)
    assert row.status is Severity.CRITICAL
    assert row.exit_code == 2
    assert row.stages == {"auth": 0.04, "total": 0.05}
    # Only the plain fields are kept: no transcript, no server text, no facts.
    with sqlite3.connect(tmp_path / "h.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    assert "authentication failed" not in dump


def test_the_file_and_its_directory_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "history.sqlite3"
    with History(path) as history:
        history.record(result())
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_schema_is_versioned_indexed_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    History(path).close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        index = db.execute("PRAGMA index_info(runs_profile_started)").fetchall()
        assert [r[2] for r in index] == ["profile", "started_at"]
        columns = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
    finally:
        db.close()
    assert {f"{s}_s" for s in STAGE_COLUMNS} <= columns
    # A new stage in checkresult needs a column (and a schema migration) here.
    assert tuple(STAGES) == STAGE_COLUMNS
    # Reopening an existing history leaves it as it is.
    History(path).close()


def test_runs_are_newest_first_and_filtered(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        for minute in (5, 1, 3):
            history.record(result("main", minute))
        history.record(result("backup", 2))
        history.record(result("other", 4))
        assert [r.started_at.minute for r in history.runs()] == [5, 4, 3, 2, 1]
        assert [r.started_at.minute for r in history.runs(limit=2)] == [5, 4]
        assert history.runs(limit=0) == []
        chosen = history.runs(profiles=["main", "backup"])
        assert [(r.profile, r.started_at.minute) for r in chosen] == [
            ("main", 5),
            ("main", 3),
            ("backup", 2),
            ("main", 1),
        ]
        recent = history.runs(since=T0 + timedelta(minutes=3))
        assert [r.started_at.minute for r in recent] == [5, 4, 3]
        assert history.profiles() == ["backup", "main", "other"]


def test_summary_counts_failures_and_skipped_runs_apart(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.record(result(minutes=0))
        history.record(result(minutes=1, status=Severity.CRITICAL, causes=("password-changed",)))
        history.record(result(minutes=2, status=Severity.WARNING, causes=("landed-in-junk",)))
        history.record(result(minutes=3, status=Severity.UNKNOWN, skipped="lock held"))
        history.record(result(minutes=4, status=Severity.CRITICAL, causes=("password-changed",)))
        history.record(result("quiet", 0))
        [main] = history.profile_summaries(profiles=["main"])
        assert [s.profile for s in history.profile_summaries()] == ["main", "quiet"]
        assert history.profile_summaries(profiles=["nobody"]) == []
    assert main.runs == 5
    assert main.statuses == {"ok": 1, "warning": 1, "critical": 2, "unknown": 0}
    assert main.failures == 3
    assert main.skipped == 1
    assert main.last.started_at == T0 + timedelta(minutes=4)
    assert main.last.status is Severity.CRITICAL
    assert main.last.causes == ("password-changed",)
    assert main.recent == DeliveryStats(runs=4, median=1.0, p95=1.0)
    assert main.trend is Trend.NOT_ENOUGH_DATA


def test_summary_since_covers_only_the_period(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.record(result(minutes=0, status=Severity.CRITICAL))
        history.record(result(minutes=10))
        [main] = history.profile_summaries(since=T0 + timedelta(minutes=5))
    assert (main.runs, main.failures) == (1, 0)


def test_delivery_windows_median_and_p95(tmp_path: Path) -> None:
    # Oldest first: ten runs at 2 s with one 9 s outlier, then ten at 5..14 s.
    before = [2.0] * 9 + [9.0]
    recent = [5.0 + i for i in range(10)]
    with History(tmp_path / "h.sqlite3") as history:
        for minute, seconds in enumerate([1.0] * 5 + before + recent):
            history.record(result(minutes=minute, delivery=seconds))
        history.record(result(minutes=99, delivery=None, status=Severity.CRITICAL))
        [main] = history.profile_summaries()
    assert main.recent == DeliveryStats(runs=10, median=9.5, p95=14.0)
    assert main.before == DeliveryStats(runs=10, median=2.0, p95=9.0)
    assert main.trend is Trend.SLOWER


# ---------------------------------------------------------------- unusable files


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    content = b"invoice list\nnot a database\n" * 100
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="not an SQLite database") as info:
        History(path)
    assert str(path) in str(info.value)
    assert "MAILCHECK_HISTORY" in str(info.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]


def test_a_damaged_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    content = b"SQLite format 3\x00" + b"\xff" * 4000
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="damaged or not a database") as info:
        History(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == content


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "accounts.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (number TEXT)")
        db.execute("INSERT INTO invoices VALUES ('HD-1')")
    db.close()
    before = path.read_bytes()
    with pytest.raises(ConfigError, match=r"another program's database \(tables: invoices\)"):
        History(path)
    assert path.read_bytes() == before


def test_a_history_from_a_newer_mailcheck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    History(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(ConfigError, match="newer mailcheck"):
        History(path)


def test_a_directory_or_an_unreachable_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        History(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot create history file"):
        History(tmp_path / "file" / "history.sqlite3")


def test_an_unreadable_file_is_a_config_error() -> None:
    # Root reads any file: as root, a forked child drops to nobody (uid 65534) to be the
    # reader. The fork keeps this interpreter, which nobody could not exec from /root.
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="mailcheck-history-"))
    try:
        base.chmod(0o755)
        path = base / "h.sqlite3"
        History(path).close()
        path.chmod(0)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report what History said, through the pipe
            code = 1
            try:
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                History(path)
                message = "opened"
            except ConfigError as exc:
                message, code = str(exc), 3
            except BaseException as exc:  # noqa: BLE001 - anything else is the failure to show
                message = repr(exc)
            os.write(write_end, message.encode())
            os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            message = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 3, message
        assert "cannot read history file" in message
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- concurrency

APPEND = """
from datetime import UTC, datetime
from pathlib import Path
from mailcheck.check.result import ProfileResult
from mailcheck.history import History
from mailcheck.rules import Severity
with History(Path({path!r})) as history:
    for i in range(50):
        history.record(ProfileResult(profile={profile!r}, started_at=datetime.now(UTC),
            elapsed_s=1.0, status=Severity.OK, summary=str(i), stages={{"delivery": 0.5}}))
print("done", flush=True)
"""


def test_two_processes_appending_at_once_both_succeed(tmp_path: Path) -> None:
    # Both start on a file that does not exist yet: creation races too.
    path = tmp_path / "state" / "history.sqlite3"
    procs = [python(APPEND.format(path=str(path), profile=name)) for name in ("a", "b")]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with History(path) as history:
        rows = history.runs(limit=1000)
        summaries = history.profile_summaries()
    assert len(rows) == 100
    assert [(s.profile, s.runs) for s in summaries] == [("a", 50), ("b", 50)]
