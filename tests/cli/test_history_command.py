"""`mailcheck history`: stored check runs, per profile and newest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailcheck.check.result import ProfileResult
from mailcheck.history import History
from mailcheck.rules import Severity
from tests.helpers import run_cli, run_json

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keep the default history inside the test's directory."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def run(
    profile: str,
    hours_ago: float,
    status: Severity = Severity.OK,
    delivery: float | None = 2.0,
    causes: tuple[str, ...] = ("smtp-login-ok",),
    skipped: str | None = None,
    placement: str | None = "inbox",
) -> ProfileResult:
    return ProfileResult(
        profile=profile,
        started_at=NOW - timedelta(hours=hours_ago),
        elapsed_s=5.0,
        status=status,
        summary=f"{status.value}",
        stages={} if delivery is None else {"delivery": delivery, "total": 5.0},
        placement=placement,
        causes=causes,
        skipped=skipped,
    )


@pytest.fixture
def history_file(tmp_path: Path) -> Path:
    """Two profiles: 'main' got slower over 24 hourly runs, 'backup' fails lately."""
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        for i in range(24):
            # Oldest first: 14 runs at 2 s, then 10 at 9 s; the newest 45 min ago.
            history.record(run("main", hours_ago=23.75 - i, delivery=2.0 if i < 14 else 9.0))
        history.record(run("backup", 30, Severity.OK))
        history.record(
            run("backup", 3, Severity.CRITICAL, None, ("password-changed",), placement="not-sent")
        )
        history.record(
            run(
                "backup",
                0.5,
                Severity.UNKNOWN,
                None,
                (),
                skipped="another mailcheck run is already checking profile 'backup'",
                placement=None,
            )
        )
    return path


def test_human_report_summarises_each_profile_then_lists_runs(history_file: Path) -> None:
    result = run_cli(["history", "--history", str(history_file), "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert f"History: {history_file}" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("Profile"))
    assert "Runs" in header
    assert "Failures" in header
    assert "(local time, UTC" in header
    main = next(line for line in lines if line.startswith("main "))
    assert main.split()[1:4] == ["24", "0", "0"]
    assert "9.0/9.0 s, 10" in main
    assert "2.0/2.0 s, 10" in main
    assert main.endswith("slower")
    backup = next(line for line in lines if line.startswith("backup "))
    assert backup.split()[1:4] == ["3", "1", "1"]
    assert "UNKNOWN" in backup
    assert "not enough data" in backup
    assert "  backup: last causes: skipped: another mailcheck run" in out
    assert "Recent runs, newest first (local time, UTC" in out
    runs = lines[lines.index(next(x for x in lines if x.startswith("Time "))) + 1 :]
    assert len(runs) == 20
    assert "backup" in runs[0]
    assert "skipped: another mailcheck run" in runs[0]
    assert "main" in runs[1]
    assert "inbox" in runs[1]
    assert "9.0" in runs[1]
    critical = next(line for line in runs if "CRITICAL" in line)
    assert "not-sent" in critical
    assert "password-changed" in critical
    # Aligned: every run row starts its Profile column where the heading does.
    column = lines[lines.index(next(x for x in lines if x.startswith("Time ")))].index("Profile")
    assert all(r[column - 2 : column] == "  " and r[column] != " " for r in runs)


def test_vietnamese_headings(history_file: Path) -> None:
    result = run_cli(["history", "--history", str(history_file), "--lang", "vi"])
    assert result.exit_code == 0
    assert "Lịch sử:" in result.stdout
    assert "Hồ sơ" in result.stdout
    assert "Xu hướng" in result.stdout
    assert "chậm hơn" in result.stdout
    assert "giờ địa phương" in result.stdout
    assert "NGHIÊM TRỌNG" in result.stdout
    assert "hộp thư đến" in result.stdout


def test_language_follows_the_locale(history_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    assert "Xu hướng" in run_cli(["history", "--history", str(history_file)]).stdout


def test_json_shape(history_file: Path) -> None:
    code, report = run_json(["history", "--history", str(history_file), "--limit", "3"])
    assert code == 0
    assert report["schema"] == 1
    assert report["history"] == str(history_file)
    assert report["exists"] is True
    assert report["since"] is None
    assert [p["profile"] for p in report["profiles"]] == ["backup", "main"]
    backup, main = report["profiles"]
    assert backup["statuses"] == {"ok": 1, "warning": 0, "critical": 1, "unknown": 0}
    assert (backup["runs"], backup["failures"], backup["skipped"]) == (3, 1, 1)
    assert backup["last"]["skipped"].startswith("another mailcheck run")
    assert backup["trend"] == "not-enough-data"
    assert main["delivery_s"] == {
        "recent": {"runs": 10, "median": 9.0, "p95": 9.0},
        "before": {"runs": 10, "median": 2.0, "p95": 2.0},
    }
    assert main["trend"] == "slower"
    assert len(report["runs"]) == 3
    newest = report["runs"][1]
    assert set(newest) == {
        "profile",
        "started_at",
        "elapsed_s",
        "status",
        "exit_code",
        "summary",
        "placement",
        "stages",
        "causes",
        "skipped",
        "error",
        "version",
    }
    assert newest["profile"] == "main"
    assert newest["started_at"].endswith("Z")
    assert datetime.fromisoformat(newest["started_at"]) == NOW - timedelta(hours=0.75)
    assert newest["stages"] == {"delivery": 9.0, "total": 5.0}
    assert newest["causes"] == ["smtp-login-ok"]
    assert (newest["status"], newest["exit_code"]) == ("ok", 0)


def test_profile_filter(history_file: Path) -> None:
    _, report = run_json(["history", "--history", str(history_file), "--profile", "backup"])
    assert [p["profile"] for p in report["profiles"]] == ["backup"]
    assert {r["profile"] for r in report["runs"]} == {"backup"}
    assert len(report["runs"]) == 3
    _, both = run_json(
        ["history", "--history", str(history_file), "--profile", "backup", "--profile", "main"]
    )
    assert [p["profile"] for p in both["profiles"]] == ["backup", "main"]
    nobody = run_cli(["history", "--history", str(history_file), "--profile", "nobody"])
    assert nobody.exit_code == 0
    assert "No runs stored for this selection." in nobody.stdout


def test_limit(history_file: Path) -> None:
    _, report = run_json(["history", "--history", str(history_file), "--limit", "5"])
    assert len(report["runs"]) == 5
    _, none = run_json(["history", "--history", str(history_file), "--limit", "0"])
    assert none["runs"] == []
    assert len(none["profiles"]) == 2


def test_since(history_file: Path) -> None:
    _, report = run_json(["history", "--history", str(history_file), "--since", "6h"])
    assert report["since"] is not None
    backup, main = report["profiles"]
    # backup: the critical run 3 h ago and the skipped one; not the OK one 30 h ago.
    assert (backup["runs"], backup["failures"], backup["skipped"]) == (2, 1, 1)
    assert main["runs"] == 6
    assert main["trend"] == "not-enough-data"
    assert len(report["runs"]) == 8
    _, week = run_json(["history", "--history", str(history_file), "--since", "1w"])
    assert len(week["runs"]) == 20
    assert week["profiles"][0]["runs"] == 3


def test_missing_history_is_not_an_error(state_home: Path) -> None:
    expected = state_home / "mailcheck" / "history.sqlite3"
    result = run_cli(["history"])
    assert result.exit_code == 0
    assert result.stdout == f"no history yet at {expected} (mailcheck check writes it)\n"
    assert not expected.exists()
    code, report = run_json(["history"])
    assert code == 0
    assert report == {
        "schema": 1,
        "history": str(expected),
        "exists": False,
        "since": None,
        "profiles": [],
        "runs": [],
    }


def test_mailcheck_history_variable_names_the_file(history_file: Path) -> None:
    _, report = run_json(["history"], env={"MAILCHECK_HISTORY": str(history_file)})
    assert report["exists"] is True
    assert len(report["profiles"]) == 2


@pytest.mark.parametrize("since", ["yesterday", "24", "h", "0h", "-5d", "3x", "1d 2q"])
def test_bad_since_is_exit_3_with_one_line(history_file: Path, since: str) -> None:
    result = run_cli(["history", "--history", str(history_file), "--since", since])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("mailcheck: error: --since")
    assert "24h" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_bad_options_are_exit_3(history_file: Path) -> None:
    assert run_cli(["history", "--limit", "-1"]).exit_code == 3
    assert run_cli(["history", "--limit", "many"]).exit_code == 3
    assert run_cli(["history", "--format", "xml"]).exit_code == 3


def test_a_file_that_is_not_a_history_is_exit_3_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("name,email\nAn,an@example.vn\n", encoding="utf-8")
    result = run_cli(["history", "--history", str(path)])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"mailcheck: error: history file {path} is not an SQLite")
    assert len(result.stderr.splitlines()) == 1
    assert path.read_text(encoding="utf-8") == "name,email\nAn,an@example.vn\n"


def test_listed_in_help() -> None:
    result = run_cli(["--help"])
    assert "history" in result.stdout
    assert "Past check runs per profile" in result.stdout
    json.loads(run_cli(["history", "--format", "json"]).stdout)  # still JSON when empty


def test_stored_server_words_reach_the_terminal_without_their_escape_sequences(
    tmp_path: Path,
) -> None:
    # A history row keeps what a server said in an error; shown later, it must not
    # retitle the terminal or rewind the line over the table.
    hostile = "535 \x1b]0;pwned\x07bad\x1b[2K password\rALL OK \u202eevil\x08"
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        result = run("main\x1b[31m", 1, Severity.CRITICAL, None, ("password-changed",))
        history.record(
            ProfileResult(
                profile=result.profile,
                started_at=result.started_at,
                elapsed_s=1.0,
                status=Severity.CRITICAL,
                summary=hostile,
                stages={},
                placement=None,
                causes=(),
                error=hostile,
            )
        )
    shown = run_cli(["history", "--history", str(path), "--lang", "en"])
    assert shown.exit_code == 0, shown.stderr
    for control in ("\x1b", "\x07", "\r", "\x08", "\u202e"):
        assert control not in shown.stdout
    assert "535 bad password ALL OK evil" in shown.stdout
    # JSON keeps the words as they were stored.
    _, report = run_json(["history", "--history", str(path)])
    assert report["runs"][0]["error"] == hostile


def test_a_broken_config_is_said_and_the_default_history_shown(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('history = ["a"]\n', encoding="utf-8")
    result = run_cli(["history", "--config", str(config)])
    assert result.exit_code == 0
    assert "mailcheck: warning: config file" in result.stderr
    assert "history must be a string" in result.stderr
    assert "showing the default history file" in result.stderr
