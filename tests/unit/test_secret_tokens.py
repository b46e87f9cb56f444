"""OAuth2 access token sources (issue 13): like a password's, never both silently."""

from __future__ import annotations

import sys

import pytest

from mailcheck.errors import SecretError
from mailcheck.secret import ACCESS_TOKEN_ENV, PASSWORD_ENV, SecretSource, read_secret

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


def _printing(text: str, code: int = 0) -> str:
    return f"{sys.executable} -c \"import sys; print('{text}'); sys.exit({code})\""


def test_token_command_gives_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "not-used")  # an explicit flag wins over the environment
    secret = read_secret(SecretSource(token_command=_printing(TOKEN)), prompt_label="x")
    assert secret.is_token
    assert secret.reveal() == TOKEN
    assert secret.source == "token command"
    assert TOKEN not in repr(secret)


def test_token_env_and_profile_token_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setenv(ACCESS_TOKEN_ENV, TOKEN)
    secret = read_secret(SecretSource(token_env=ACCESS_TOKEN_ENV), prompt_label="x")
    assert (secret.is_token, secret.source) == (True, f"env {ACCESS_TOKEN_ENV}")
    monkeypatch.delenv(ACCESS_TOKEN_ENV)
    source = SecretSource(token_env=ACCESS_TOKEN_ENV, profile_token_command=_printing(TOKEN))
    assert read_secret(source, prompt_label="x").is_token


def test_a_password_never_counts_as_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "pw")
    monkeypatch.delenv(ACCESS_TOKEN_ENV, raising=False)
    assert not read_secret(SecretSource(token_env=ACCESS_TOKEN_ENV), prompt_label="x").is_token


def test_a_password_and_a_token_at_one_level_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SecretError, match="not --password-command and --token-command"):
        read_secret(
            SecretSource(command=_printing("pw"), token_command=_printing(TOKEN)),
            prompt_label="x",
        )
    monkeypatch.setenv(PASSWORD_ENV, "pw")
    monkeypatch.setenv(ACCESS_TOKEN_ENV, TOKEN)
    with pytest.raises(SecretError, match="both a password") as info:
        read_secret(SecretSource(token_env=ACCESS_TOKEN_ENV), prompt_label="x")
    assert TOKEN not in str(info.value)
    monkeypatch.delenv(PASSWORD_ENV)
    monkeypatch.delenv(ACCESS_TOKEN_ENV)
    with pytest.raises(SecretError, match="password_command and token_command"):
        read_secret(
            SecretSource(profile_command=_printing("pw"), profile_token_command=_printing(TOKEN)),
            prompt_label="x",
        )


def test_a_failing_token_command_says_token_command_without_its_output() -> None:
    with pytest.raises(SecretError, match=r"the token command .* exit code 3") as info:
        read_secret(SecretSource(token_command=_printing(TOKEN, 3)), prompt_label="x")
    assert TOKEN not in str(info.value)


def test_an_empty_token_is_an_error() -> None:
    with pytest.raises(SecretError, match="the access token from token command is empty"):
        read_secret(SecretSource(token_command=_printing("")), prompt_label="x")
