"""The library API without a mail lab: bounces, settings from keyword arguments, passwords."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import mailcheck
from mailcheck.report.json import render_json
from tests.helpers import ROOT, cause_ids, free_port, run_json

BOUNCES = ROOT / "fixtures" / "bounces"


def _ids(diagnosis: mailcheck.Diagnosis) -> list[str]:
    """The cause ids as the JSON report lists them (worst first)."""
    return cause_ids(json.loads(render_json(diagnosis)))


@pytest.mark.parametrize(
    ("name", "cause", "code"),
    [
        ("postfix-user-unknown.eml", "recipient-unknown", 2),
        ("postfix-delayed.eml", "delivery-delayed", 1),
        ("exim-spamhaus.eml", "recipient-server-blocks", 2),
        ("out-of-office.eml", "auto-reply", 0),
        ("plain-message.eml", "not-a-bounce", 3),
    ],
)
def test_a_bounce_file_is_explained_as_the_command_explains_it(
    name: str, cause: str, code: int
) -> None:
    path = BOUNCES / name
    [diagnosis] = mailcheck.explain_bounce_sync(path)
    assert _ids(diagnosis) == [cause]
    assert diagnosis.exit_code == code
    assert diagnosis.command == "bounce"
    assert diagnosis.target == {"target": f"{path} #1"}
    cli_code, report = run_json(["bounce", str(path)])
    assert (cli_code, cause_ids(report)) == (code, _ids(diagnosis))


def test_raw_bytes_and_an_mbox_give_one_diagnosis_per_message() -> None:
    raw = (BOUNCES / "two-bounces.mbox").read_bytes()
    diagnoses = asyncio.run(mailcheck.explain_bounce(raw, source="inbox.mbox"))
    assert [_ids(d) for d in diagnoses] == [["delivery-delayed"], ["message-too-large"]]
    assert [d.target["target"] for d in diagnoses] == ["inbox.mbox #1", "inbox.mbox #2"]
    [single] = mailcheck.explain_bounce_sync((BOUNCES / "postfix-user-unknown.eml").read_bytes())
    assert single.target == {"target": "message #1"}
    assert single.severity is mailcheck.Severity.CRITICAL
    with pytest.raises(TypeError, match="bytes or a path"):
        mailcheck.explain_bounce_sync(str(BOUNCES / "postfix-user-unknown.eml"))  # type: ignore[arg-type]


def _refused(**fields: object) -> mailcheck.Account:
    """An account whose SMTP port is closed: the check ends at once, without a lab."""
    base: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": free_port(),
        "username": "ketoan",
        "password": "pw-never-shown-1",
        "timeout": 2,
    }
    return mailcheck.Account(**(base | fields))  # type: ignore[arg-type]


def test_keyword_arguments_become_the_commands_settings(tmp_path: Path) -> None:
    diagnosis = mailcheck.check_credentials_sync(_refused(smtp_tls=mailcheck.TlsMode.TLS))
    assert _ids(diagnosis) == ["smtp-connection-refused"]
    assert diagnosis.exit_code == 2
    target = diagnosis.target
    assert (target["smtp_host"], target["smtp_tls"], target["username"]) == (
        "127.0.0.1",
        "tls",
        "ketoan",
    )
    assert target["password_source"] == "given by the caller"
    assert "pw-never-shown-1" not in render_json(diagnosis, transcript=True)


def test_no_config_file_is_read_unless_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "office"\n[profiles.office]\nsender = "ketoan@office.test"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MAILCHECK_CONFIG", str(config))
    plain = mailcheck.check_credentials_sync(_refused())
    assert (plain.target["profile"], plain.target["sender"]) == (None, None)
    named = mailcheck.check_credentials_sync(_refused(profile="office"))
    assert (named.target["profile"], named.target["sender"]) == ("office", "ketoan@office.test")
    given = mailcheck.check_credentials_sync(_refused(config=config, profile="office"))
    assert given.target["profile"] == "office"


def test_the_password_comes_as_a_secret_or_from_the_usual_sources(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    vault = mailcheck.Secret("pw-from-vault", "vault")
    assert mailcheck.check_credentials_sync(_refused(password=vault)).target["password_source"] == (
        "vault"
    )
    file = tmp_path / "pw"
    file.write_text("pw-from-file\n", encoding="utf-8")
    from_file = mailcheck.check_credentials_sync(_refused(password=None, password_file=file))
    assert from_file.target["password_source"] == f"file {file}"
    monkeypatch.setenv("MAILCHECK_PASSWORD", "pw-from-env")
    from_env = mailcheck.check_credentials_sync(_refused(password=None))
    assert from_env.target["password_source"] == "env MAILCHECK_PASSWORD"


def test_no_password_is_an_error_never_a_prompt() -> None:
    with pytest.raises(mailcheck.SecretError, match="no password"):
        mailcheck.check_credentials_sync(_refused(password=None))
    with pytest.raises(mailcheck.SecretError, match="is empty"):
        mailcheck.check_credentials_sync(_refused(password=""))


def test_the_account_never_shows_its_password() -> None:
    account = mailcheck.Account(sender="ketoan@example.vn", password="hunter2-xyz")
    assert "hunter2-xyz" not in repr(account)
    assert "password" not in account.values()


def test_bad_values_are_config_errors_as_on_the_command_line() -> None:
    with pytest.raises(mailcheck.ConfigError, match="--smtp-port"):
        mailcheck.check_credentials_sync(_refused(smtp_port=70000))
    with pytest.raises(mailcheck.ConfigError, match="--sender"):
        mailcheck.roundtrip_sync(_refused())
    with pytest.raises(mailcheck.ConfigError, match="--dns-server"):
        mailcheck.check_dns_sync("example.vn", dns_server="not-an-ip")


def test_a_profile_that_cannot_run_is_an_unknown_result(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[profiles.shop]\nsender = "ketoan@shop.test"\n', encoding="utf-8")
    result = mailcheck.check_profile_sync("office", config=config)
    assert result.status is mailcheck.Severity.UNKNOWN
    assert result.error is not None
    assert "no profile 'office'" in result.error
