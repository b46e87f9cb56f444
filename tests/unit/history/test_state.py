"""Where the history file and the run locks live."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcheck.history import default_history_path, default_lock_dir


def test_default_paths_follow_mailcheck_history_and_xdg_state_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_history_path() == tmp_path / "state" / "mailcheck" / "history.sqlite3"
    assert default_lock_dir() == tmp_path / "state" / "mailcheck" / "locks"
    monkeypatch.setenv("MAILCHECK_HISTORY", str(tmp_path / "h.db"))
    assert default_history_path() == tmp_path / "h.db"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_lock_dir() == tmp_path / "home" / ".local" / "state" / "mailcheck" / "locks"
