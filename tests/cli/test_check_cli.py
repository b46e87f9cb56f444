"""``mailcheck check``'s usage errors: each a clear message and exit 3, before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli, run_on_terminal


def _config(tmp_path: Path) -> Path:
    # Port 9 on loopback: nothing listens, so a run that got this far would fail loudly.
    path = tmp_path / "config.toml"
    path.write_text(
        "[profiles.billing]\n"
        'sender = "billing@example.com"\n'
        'smtp_host = "127.0.0.1"\nsmtp_port = 9\n'
        'password_env = "BILLING_PASSWORD"\n',
        encoding="utf-8",
    )
    return path


def test_a_profile_or_all_is_required(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    for args in ([], ["--all", "--profile", "billing"]):
        result = run_cli(["check", "--config", config, *args])
        assert result.exit_code == 3
        assert "give --profile NAME (repeatable) or --all" in result.stderr


def test_a_bad_threshold_range_stops_before_any_probe(tmp_path: Path) -> None:
    result = run_cli(
        ["check", "--config", str(_config(tmp_path)), "--profile", "billing",
         "--critical", "20:10", "--format", "json"]
    )  # fmt: skip
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert "20:10" in report["profiles"][0]["error"]
    assert report["profiles"][0]["probes"] == []


def test_textfile_directory_must_exist(tmp_path: Path) -> None:
    result = run_cli(
        ["check", "--config", str(_config(tmp_path)), "--profile", "billing",
         "--textfile", str(tmp_path / "missing"), "--format", "nagios"]
    )  # fmt: skip
    assert result.exit_code == 3
    assert result.stdout.startswith("MAILCHECK UNKNOWN - ")
    assert "is not a directory" in result.stdout


def test_on_a_terminal_check_never_prompts_for_a_password(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(  # no password source at all: other commands would prompt here
        '[profiles.billing]\nsender = "billing@example.com"\nsmtp_host = "127.0.0.1"\n',
        encoding="utf-8",
    )
    # An admin trying the cron line on a terminal: other commands would prompt here.
    code, text, _ = run_on_terminal(
        ["check", "--config", str(config), "--profile", "billing", "--no-color", "--no-history"],
        timeout=15,
    )
    assert code == 3, text
    assert "no password" in text
    assert "Password for" not in text


def test_every_run_is_in_the_history_even_a_broken_one(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite3"
    config = str(_config(tmp_path))
    run_cli(["check", "--config", config, "--profile", "billing", "--history", str(history)])
    run_cli(["check", "--config", config, "--profile", "nobody", "--history", str(history)])
    shown = json.loads(run_cli(["history", "--history", str(history), "--format", "json"]).stdout)
    assert sorted(r["profile"] for r in shown["runs"]) == ["billing", "nobody"]
    assert all(r["status"] == "unknown" for r in shown["runs"])


def test_no_history_writes_nothing(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite3"
    run_cli(["check", "--config", str(_config(tmp_path)), "--profile", "billing",
             "--history", str(history), "--no-history"])  # fmt: skip
    assert not history.exists()


def test_a_broken_config_is_recorded_where_history_looks(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[profiles.billing\n", encoding="utf-8")  # not TOML
    result = run_cli(["check", "--config", str(config), "--profile", "billing"])
    assert result.exit_code == 3
    shown = run_cli(["history", "--config", str(config), "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    (run,) = json.loads(shown.stdout)["runs"]
    assert run["profile"] == "billing"
    assert "not valid TOML" in run["error"]


def test_a_profiles_own_password_source_wins_over_mailcheck_password(tmp_path: Path) -> None:
    config = _config(tmp_path)  # password_env = "BILLING_PASSWORD", left unset
    result = run_cli(
        ["check", "--config", str(config), "--profile", "billing", "--format", "json"],
        env={"MAILCHECK_PASSWORD": "the-other-mailboxes-password"},
    )
    assert result.exit_code == 3
    error = json.loads(result.stdout)["profiles"][0]["error"]
    assert "BILLING_PASSWORD is not set" in error


def test_all_without_a_config_is_unknown_and_records_no_phantom_profile(tmp_path: Path) -> None:
    """The review's case: `check --all` with no config said UNKNOWN for a profile "config"
    that does not exist and wrote it into the history, where `history` then showed it."""
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    result = run_cli(["check", "--all", "--lang", "en"], env=env)
    assert result.exit_code == 3
    assert "there is no config file" in result.stderr
    assert "UNKNOWN" in result.stdout  # monitoring still gets its UNKNOWN
    assert not (tmp_path / "state" / "mailcheck" / "history.sqlite3").exists()
