"""The stored refresh grant as a token source: checked when the settings are read, fetched
once at sign-in, never shown."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mailcheck.errors import ConfigError, SecretError
from mailcheck.oauth import store
from mailcheck.oauth.errors import GrantError
from mailcheck.secret import SecretSource, read_secret
from tests.servers import fake_oauth as fo


def _grant(tmp_path: Path, provider: str = "gmail") -> Path:
    path = tmp_path / "oauth" / "billing.json"
    store.save(
        path,
        store.StoredGrant(
            provider=provider,
            client_id="client-1",
            client_secret="g-SECRET" if provider == "gmail" else None,
            refresh_token=fo.REFRESH_TOKEN,
        ),
    )
    return path


def _source(path: Path, provider: str = "gmail", profile_file: str | None = None) -> SecretSource:
    return SecretSource(
        env_var=None,
        prompt=False,
        oauth_provider=provider,
        oauth_grant_file=str(path),
        profile_file=profile_file,
    )


def test_the_token_is_fetched_once_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = read_secret(_source(_grant(tmp_path)), prompt_label="")
    assert secret.is_token
    assert secret.deferred
    assert "SECRET" not in repr(secret)
    assert secret.source == f"OAuth2 refresh grant (gmail, {tmp_path / 'oauth' / 'billing.json'})"
    with fo.fake_oauth() as fake:
        monkeypatch.setenv("MAILCHECK_OAUTH_URL", fake.url)
        asyncio.run(secret.ready())
        asyncio.run(secret.ready())  # SMTP, then IMAP: one request
    assert secret.reveal() == fo.ACCESS_TOKEN
    assert len(fake.requests) == 1
    assert fake.requests[0]["refresh_token"] == fo.REFRESH_TOKEN


def test_a_refusal_is_kept_and_not_asked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = read_secret(_source(_grant(tmp_path)), prompt_label="")
    with fo.fake_oauth() as fake:
        fake.refresh = fo.GOOGLE_INVALID_GRANT
        monkeypatch.setenv("MAILCHECK_OAUTH_URL", fake.url)
        for _ in range(2):
            with pytest.raises(GrantError) as caught:
                asyncio.run(secret.ready())
            assert caught.value.reason == "invalid_grant"
    assert len(fake.requests) == 1


def test_a_missing_grant_file_says_to_log_in(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"\(run: mailcheck login\)"):
        read_secret(_source(tmp_path / "none.json"), prompt_label="")


def test_a_grant_for_another_provider_is_refused(tmp_path: Path) -> None:
    path = _grant(tmp_path, "office365")
    with pytest.raises(SecretError, match="is for office365, not gmail"):
        read_secret(_source(path), prompt_label="")


def test_an_unknown_provider_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="choose gmail or office365"):
        read_secret(_source(_grant(tmp_path), "yahoo"), prompt_label="")


def test_a_password_and_the_grant_in_one_profile_are_refused(tmp_path: Path) -> None:
    source = _source(_grant(tmp_path), profile_file=str(tmp_path / "pw"))
    with pytest.raises(SecretError, match="both password_file and oauth_provider"):
        read_secret(source, prompt_label="")
