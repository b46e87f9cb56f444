"""Where mailcheck's files are (platformdirs, the XDG folders on Linux exactly as before),
and the user's language when --lang is not given (gettext's rules, Windows' display language).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcheck.history.state import default_history_path, default_lock_dir
from mailcheck.oauth.store import grant_path
from mailcheck.paths import cache_dir, config_dir, state_dir
from mailcheck.profiles import read_config
from mailcheck.userlang import user_lang

XDG = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "MAILCHECK_HISTORY")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (*XDG, "MAILCHECK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_linux_folders_are_the_xdg_defaults_under_home(home: Path) -> None:
    assert config_dir() == home / ".config" / "mailcheck"
    assert state_dir() == home / ".local" / "state" / "mailcheck"
    assert cache_dir() == home / ".cache" / "mailcheck"
    assert default_lock_dir() == home / ".local" / "state" / "mailcheck" / "locks"
    assert grant_path("billing") == home / ".config" / "mailcheck" / "oauth" / "billing.json"


def test_xdg_variables_are_followed_and_relative_ones_ignored(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "cfg"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "st"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "ca"))
    assert (config_dir(), state_dir(), cache_dir()) == (
        home / "cfg" / "mailcheck",
        home / "st" / "mailcheck",
        home / "ca" / "mailcheck",
    )
    # The XDG spec: a relative value is invalid and must be ignored.
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    assert state_dir() == home / ".local" / "state" / "mailcheck"


def test_an_existing_users_config_and_history_are_still_found(home: Path) -> None:
    # Where mailcheck 0.1.0 wrote them, before platformdirs.
    old_config = home / ".config" / "mailcheck" / "config.toml"
    old_config.parent.mkdir(parents=True)
    old_config.write_text('default_profile = "billing"\n[profiles.billing]\n', encoding="utf-8")
    old_history = home / ".local" / "state" / "mailcheck" / "history.sqlite3"
    old_history.parent.mkdir(parents=True)
    old_history.write_bytes(b"")
    path, data = read_config(None)
    assert path == old_config
    assert data is not None
    assert data["default_profile"] == "billing"
    assert default_history_path() == old_history


def _never_windows() -> str | None:
    raise AssertionError("the Windows display language is read only when no locale is set")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "vi_VN.UTF-8"}, "vi"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "vi_VN.UTF-8"}, "vi"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "vi_VN.UTF-8"}, "en"),
        # LANGUAGE is a priority list and beats LANG...
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "vi:en"}, "vi"),
        ({"LANG": "vi_VN.UTF-8", "LANGUAGE": "en_GB:vi"}, "en"),
        # ...its first entry we have words for wins...
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:de:vi"}, "vi"),
        ({"LANG": "vi_VN.UTF-8", "LANGUAGE": "fr:de"}, "vi"),
        # ...but it is ignored when the locale is C: LC_ALL=C means plain output.
        ({"LC_ALL": "C", "LANGUAGE": "vi"}, "en"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "vi"}, "en"),
        ({"LANG": "POSIX", "LANGUAGE": "vi"}, "en"),
        # A word merely starting with the letters is no language code.
        ({"LANG": "video"}, "en"),
    ],
)
def test_the_language_follows_gettexts_rules(environ: dict[str, str], expected: str) -> None:
    assert user_lang(environ, windows=_never_windows) == expected


def test_with_no_locale_the_windows_display_language_decides() -> None:
    assert user_lang({}, windows=lambda: "vi") == "vi"
    assert user_lang({"LANGUAGE": "en"}, windows=lambda: "vi") == "vi"
    # Not Windows (nothing to ask): the C locale's English.
    assert user_lang({}, windows=lambda: None) == "en"


def test_on_macos_an_earlier_xdg_folder_is_kept(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    # platformdirs picks its macOS class at import: here its answer is what it says there.
    library = home / "Library" / "Application Support" / "mailcheck"
    monkeypatch.setattr(platformdirs, "user_state_dir", lambda *_, **__: str(library))
    monkeypatch.setattr("mailcheck.paths.sys.platform", "darwin")
    assert state_dir() == library
    (home / ".local" / "state" / "mailcheck").mkdir(parents=True)
    assert state_dir() == home / ".local" / "state" / "mailcheck"
