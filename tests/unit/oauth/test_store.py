"""The refresh token at rest: 0600, under the config folder, refused when others can read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mailcheck.errors import ConfigError, SecretError
from mailcheck.oauth import store

GRANT = store.StoredGrant(provider="gmail", client_id="id-1", refresh_token="1//r-SECRET")


def test_the_file_lives_under_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert store.grant_path("shop") == tmp_path / "mailcheck" / "oauth" / "shop.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store.grant_path() == tmp_path / "home" / ".config" / "mailcheck/oauth/default.json"


def test_a_profile_name_cannot_leave_the_folder() -> None:
    with pytest.raises(ConfigError, match="profile name"):
        store.grant_path("../../etc/passwd")


def test_saved_0600_in_a_0700_folder_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "oauth" / "default.json"
    store.save(path, GRANT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.load(path) == GRANT
    assert "SECRET" not in repr(store.load(path))


def test_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    store.save(path, GRANT)
    path.chmod(0o640)
    with pytest.raises(SecretError, match=r"can be read by others \(mode 0640\): run chmod 600"):
        store.load(path)


def test_missing_file_says_run_login(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"run: mailcheck login"):
        store.load(tmp_path / "none.json")


@pytest.mark.parametrize(
    "text",
    ["not json 1//r-SECRET", '{"provider": "gmail"}', '["1//r-SECRET"]', '{"provider": 1}'],
)
def test_a_malformed_file_is_one_line_and_quotes_nothing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(SecretError) as caught:
        store.load(path)
    assert str(caught.value) == f"the OAuth2 token file {path} is not mailcheck's JSON"
