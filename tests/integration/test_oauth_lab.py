"""OAuth2 sign-in on the real lab (issue 13): Dovecot's oauth2 passdb checks the
JWTs that the lab mints; Postfix submission offers XOAUTH2 and OAUTHBEARER."""

from __future__ import annotations

import base64
import imaplib
import json
import smtplib
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    LAB_USER,
    LabHandle,
    cause_ids,
    lab_profile,
    run_cli,
    run_json,
    write_config,
)
from tests.servers import fake_oauth as fo
from tests.servers.fake_oauth import FakeOAuth

LAB_HOST = "127.0.0.1"


def _xoauth2(user: str, token: str) -> str:
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def _smtp_auth(lab: LabHandle, mechanism: str, initial: str) -> tuple[int, bytes, bytes]:
    context = ssl.create_default_context(cafile=lab.ca_file)
    with smtplib.SMTP(lab.host, lab.ports["submission"]) as smtp:
        smtp.starttls(context=context)
        smtp.ehlo()
        assert {"OAUTHBEARER", "XOAUTH2"} <= set(smtp.esmtp_features["auth"].split())
        code, reply = smtp.docmd("AUTH", f"{mechanism} {initial}")
        challenge = b""
        if code == 334:
            challenge = base64.b64decode(reply)
            code, reply = smtp.docmd("")
        return code, reply, challenge


def test_lab_submission_accepts_minted_tokens(lab: LabHandle) -> None:
    token = lab.lab.mint_token(LAB_USER)
    assert _smtp_auth(lab, "XOAUTH2", _xoauth2(LAB_USER, token))[0] == 235
    bearer = f"n,a={LAB_USER},\x01auth=Bearer {token}\x01\x01"
    assert _smtp_auth(lab, "OAUTHBEARER", base64.b64encode(bearer.encode()).decode())[0] == 235


@pytest.mark.parametrize(
    "kwargs", [{"expires_in": -600}, {"scope": "calendar"}, {"audience": "someone-else"}]
)
def test_lab_refuses_expired_and_wrong_tokens(lab: LabHandle, kwargs: dict[str, object]) -> None:
    token = lab.lab.mint_token(LAB_USER, **kwargs)
    code, _, challenge = _smtp_auth(lab, "XOAUTH2", _xoauth2(LAB_USER, token))
    assert code == 535
    assert json.loads(challenge)["status"] == "401"


def test_lab_password_login_still_works(lab: LabHandle) -> None:
    context = ssl.create_default_context(cafile=lab.ca_file)
    with smtplib.SMTP(lab.host, lab.ports["submission"]) as smtp:
        smtp.starttls(context=context)
        assert smtp.login(LAB_USER, "secret1")[0] == 235


def test_lab_imap_authenticate_xoauth2(lab: LabHandle) -> None:
    context = ssl.create_default_context(cafile=lab.ca_file)
    token = lab.lab.mint_token(LAB_USER)
    imap = imaplib.IMAP4_SSL(lab.host, lab.ports["imaps"], ssl_context=context)
    try:
        assert "AUTH=XOAUTH2" in imap.capabilities
        raw = f"user={LAB_USER}\x01auth=Bearer {token}\x01\x01".encode()
        assert imap.authenticate("XOAUTH2", lambda _: raw)[0] == "OK"
    finally:
        imap.logout()


# ---------------------------------------------------------------- mailcheck with a token


def _forms(token: str) -> list[str]:
    """The token and the SASL strings that carry it, as a server or a log might show them."""
    xo = f"user={LAB_USER}\x01auth=Bearer {token}\x01\x01".encode()
    forms = [token, base64.b64encode(token.encode()).decode(), base64.b64encode(xo).decode()]
    for host_port in ("", f"host={LAB_HOST}\x01"):
        raw = f"n,a={LAB_USER},\x01{host_port}auth=Bearer {token}\x01\x01"
        forms.append(base64.b64encode(raw.encode()).decode())
    return forms


def _assert_no_token(token: str, *texts: str) -> None:
    for text in texts:
        for form in _forms(token):
            assert form not in text
        assert token[-40:] not in text  # not even the signature part


def _smtp_step(report: dict[str, Any], name: str = "auth") -> dict[str, Any]:
    result = next(p for p in report["probes"] if p["probe"] == "smtp")
    return next(s for s in result["steps"] if s["name"] == name)


#: The lab port that offers each mechanism first: submission offers both (OAUTHBEARER is
#: preferred), implicit TLS offers XOAUTH2 only (templates/postfix/master.cf).
PORTS = {"OAUTHBEARER": ("submission", "starttls"), "XOAUTH2": ("submission_tls", "tls")}


@pytest.mark.parametrize("mechanism", ["OAUTHBEARER", "XOAUTH2"])
def test_smtp_signs_in_with_an_access_token(lab: LabHandle, mechanism: str) -> None:
    token = lab.lab.mint_token(LAB_USER)
    args = ["smtp", *lab.smtp_args(*PORTS[mechanism]), "--transcript"]
    result = run_cli(args, env={"MAILCHECK_ACCESS_TOKEN": token})
    assert result.exit_code == 0, result.stdout
    assert "signing in with an OAuth2 access token (env MAILCHECK_ACCESS_TOKEN)" in result.stdout
    code, report = run_json(args, env={"MAILCHECK_ACCESS_TOKEN": token})
    step = _smtp_step(report)
    assert code == 0
    assert "smtp-login-ok" in cause_ids(report)
    assert step["data"]["mechanism"] == mechanism
    assert step["data"]["credential"] == "oauth2-token"
    _assert_no_token(token, json.dumps(report), result.stdout, result.stderr)


def _token_script(tmp: Path, token: str) -> str:
    """A token helper: prints the token, as `oauth2l fetch` or a vault client would."""
    script = tmp / "token.sh"
    script.write_text(f"#!/bin/sh\necho '{token}'\n")
    script.chmod(0o700)
    return str(script)


def test_roundtrip_with_a_token_command(lab: LabHandle, tmp_path: Path) -> None:
    token = lab.lab.mint_token(LAB_USER)
    args = [
        "roundtrip",
        *lab.smtp_args(),
        *lab.imap_args(),
        "--sender",
        LAB_USER,
        "--wait",
        "10",
        "--token-command",
        _token_script(tmp_path, token),
    ]
    text = run_cli([*args, "--transcript"])
    assert text.exit_code == 0, text.stdout
    code, report = run_json(args)
    assert code == 0
    assert cause_ids(report) == ["delivered-to-inbox"]
    imap = next(p for p in report["probes"] if p["probe"] == "imap")
    login = next(s for s in imap["steps"] if s["name"] == "login")
    assert login["data"]["mechanism"] == "OAUTHBEARER"
    assert login["data"]["credential"] == "oauth2-token"
    assert token not in " ".join(args)  # the command line holds the helper, not the token
    _assert_no_token(token, json.dumps(report), text.stdout, text.stderr)


def test_check_with_a_token_command_and_history(lab: LabHandle, tmp_path: Path) -> None:
    token = lab.lab.mint_token(LAB_USER)
    profile = lab_profile(lab, tmp_path, LAB_USER)
    del profile["password_file"]
    profile["token_command"] = _token_script(tmp_path, token)
    history = tmp_path / "history.sqlite3"
    config = write_config(tmp_path, {"billing": profile}, history=str(history))
    result = run_cli(["check", "--config", str(config), "--dns-server", lab.dns, "--all"])
    assert result.exit_code == 0, result.stdout + result.stderr
    shown = run_cli(["history", "--config", str(config), "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    assert [r["status"] for r in json.loads(shown.stdout)["runs"]] == ["ok"]
    _assert_no_token(
        token, result.stdout, result.stderr, shown.stdout, history.read_bytes().decode("latin-1")
    )


@pytest.mark.parametrize("port", ["submission", "submission_tls"])
def test_an_expired_token_is_named_with_the_servers_error(lab: LabHandle, port: str) -> None:
    token = lab.lab.mint_token(LAB_USER, expires_in=-600)
    tls = "starttls" if port == "submission" else "tls"
    args = ["smtp", *lab.smtp_args(port, tls)]
    code, report = run_json(args, env={"MAILCHECK_ACCESS_TOKEN": token})
    assert code == 2
    assert cause_ids(report)[0] == "oauth-token-expired"
    assert "password-changed" not in cause_ids(report)
    step = _smtp_step(report)
    assert step["outcome"] == "rejected"
    assert step["data"]["oauth_error"] == "invalid_token"
    text = run_cli([*args, "--transcript", "--lang", "en"], env={"MAILCHECK_ACCESS_TOKEN": token})
    assert text.exit_code == 2
    assert "expired or was revoked" in text.stdout
    _assert_no_token(token, json.dumps(report), text.stdout, text.stderr)


def test_a_password_and_a_token_together_are_refused(lab: LabHandle) -> None:
    token = lab.lab.mint_token(LAB_USER)
    env = {"MAILCHECK_ACCESS_TOKEN": token, "MAILCHECK_PASSWORD": "secret1"}
    result = run_cli(["smtp", *lab.smtp_args()], env=env)
    assert result.exit_code == 3
    assert "both a password (env MAILCHECK_PASSWORD) and an access token" in result.stderr
    _assert_no_token(token, result.stdout, result.stderr)


def test_an_expired_token_refused_by_imap_names_the_same_cause(lab: LabHandle) -> None:
    token = lab.lab.mint_token(LAB_USER, expires_in=-600)
    args = ["watch", "--mailbox", LAB_USER, *lab.imap_args(), "--ca-file", lab.ca_file]
    args += ["--subject-contains", "HD-4711", "--wait", "1"]
    code, report = run_json(args, env={"MAILCHECK_ACCESS_TOKEN": token})
    assert code == 2
    assert cause_ids(report)[0] == "oauth-token-expired"
    imap = next(p for p in report["probes"] if p["probe"] == "imap")
    login = next(s for s in imap["steps"] if s["name"] == "login")
    assert login["outcome"] == "rejected"
    assert login["data"]["oauth_error"] == "invalid_token"
    _assert_no_token(token, json.dumps(report))


# ---------------------------------------------------------------- the stored refresh grant


GRANT_PROFILE = "billing"


@pytest.fixture
def oauth_env(lab: LabHandle, tmp_path: Path) -> Iterator[tuple[FakeOAuth, Path, dict[str, str]]]:
    """A token endpoint that mints lab tokens, the grant `mailcheck login` would have stored
    for the profile, and a config whose profile signs in with it (no password anywhere)."""
    from mailcheck.oauth import store

    config_home = tmp_path / "xdg"
    grant = store.StoredGrant(
        provider="gmail",
        client_id="lab-client.apps.googleusercontent.com",
        client_secret="lab-client-secret",
        refresh_token=fo.REFRESH_TOKEN,
    )
    store.save(config_home / "mailcheck" / "oauth" / f"{GRANT_PROFILE}.json", grant)
    profile = lab_profile(lab, tmp_path, LAB_USER)
    del profile["password_file"]
    profile["oauth_provider"] = "gmail"
    config = write_config(tmp_path, {GRANT_PROFILE: profile})
    with fo.fake_oauth() as fake:
        fake.mint = lambda: lab.lab.mint_token(LAB_USER)
        env = {"XDG_CONFIG_HOME": str(config_home), "MAILCHECK_OAUTH_URL": fake.url}
        yield fake, config, env


def _no_grant_secret(fake: FakeOAuth, *texts: str) -> None:
    minted = [r for r in fake.requests if r.get("grant_type") == "refresh_token"]
    assert minted, "the token endpoint was never asked"
    for text in texts:
        assert fo.REFRESH_TOKEN not in text
        assert "lab-client-secret" not in text


def test_smtp_and_check_sign_in_with_the_stored_grant(
    oauth_env: tuple[FakeOAuth, Path, dict[str, str]], lab: LabHandle
) -> None:
    fake, config, env = oauth_env
    tokens: list[str] = []

    def mint() -> str:
        tokens.append(lab.lab.mint_token(LAB_USER))
        return tokens[-1]

    fake.mint = mint
    args = ["smtp", "--config", str(config), "--profile", GRANT_PROFILE]
    text = run_cli([*args, "--transcript", "--lang", "en"], env=env)
    assert text.exit_code == 0, text.stdout + text.stderr
    assert "access token fetched with the OAuth2 refresh grant (gmail" in text.stdout
    code, report = run_json(args, env=env)
    assert code == 0
    assert "smtp-login-ok" in cause_ids(report)
    assert _smtp_step(report)["data"]["credential"] == "oauth2-token"
    check = ["check", "--config", str(config), "--dns-server", lab.dns, "--all"]
    # In `check`, a profile's own sign-in wins over a MAILCHECK_PASSWORD set for others.
    checked = run_cli(check, env={**env, "MAILCHECK_PASSWORD": "not-this-one"})
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    outputs = (text.stdout, text.stderr, json.dumps(report), checked.stdout, checked.stderr)
    _no_grant_secret(fake, *outputs)
    assert len(tokens) == 3  # one fetch per run: SMTP and IMAP share it
    for token in tokens:
        _assert_no_token(token, *outputs)


def test_a_revoked_grant_is_the_password_changed_cause_in_oauth_form(
    oauth_env: tuple[FakeOAuth, Path, dict[str, str]], lab: LabHandle
) -> None:
    fake, config, env = oauth_env
    fake.refresh = fo.GOOGLE_INVALID_GRANT
    args = ["smtp", "--config", str(config), "--profile", GRANT_PROFILE]
    code, report = run_json(args, env=env)
    assert code == 2
    assert cause_ids(report)[0] == "oauth-grant-revoked"
    assert "password-changed" not in cause_ids(report)
    step = _smtp_step(report)
    assert step["data"]["oauth_error"] == "invalid_grant"
    assert step["data"]["sent"] == "no"
    text = run_cli([*args, "--lang", "en"], env=env)
    assert text.exit_code == 2
    assert "The OAuth2 sign-in was revoked" in text.stdout
    assert "mailcheck login" in text.stdout
    check = ["check", "--config", str(config), "--dns-server", lab.dns, "--all"]
    checked = run_cli(check, env=env)
    assert checked.exit_code == 2, checked.stdout
    _no_grant_secret(fake, json.dumps(report), text.stdout, text.stderr, checked.stdout)


def test_an_unreachable_token_endpoint_is_unknown_with_its_words(
    oauth_env: tuple[FakeOAuth, Path, dict[str, str]],
) -> None:
    _, config, env = oauth_env
    env = {**env, "MAILCHECK_OAUTH_URL": "http://127.0.0.1:9"}  # discard: nothing listens
    args = ["smtp", "--config", str(config), "--profile", GRANT_PROFILE, "--lang", "en"]
    text = run_cli(args, env=env)
    assert text.exit_code == 3, text.stdout + text.stderr
    assert "cannot reach the gmail token endpoint http://127.0.0.1:9/token" in text.stdout


def test_a_profile_without_a_stored_grant_says_to_log_in(lab: LabHandle, tmp_path: Path) -> None:
    profile = lab_profile(lab, tmp_path, LAB_USER)
    del profile["password_file"]
    profile["oauth_provider"] = "gmail"
    config = write_config(tmp_path, {GRANT_PROFILE: profile})
    env = {"XDG_CONFIG_HOME": str(tmp_path / "empty")}
    result = run_cli(["smtp", "--config", str(config), "--profile", GRANT_PROFILE], env=env)
    assert result.exit_code == 3
    assert f"oauth/{GRANT_PROFILE}.json" in result.stderr
    assert "(run: mailcheck login)" in result.stderr


def test_a_revoked_grant_at_the_imap_login_names_the_same_cause(
    oauth_env: tuple[FakeOAuth, Path, dict[str, str]],
) -> None:
    fake, config, env = oauth_env
    fake.refresh = fo.MS_PASSWORD_CHANGED  # Microsoft's words, from the Google-shaped endpoint
    args = ["watch", "--config", str(config), "--profile", GRANT_PROFILE, "--mailbox", LAB_USER]
    args += ["--subject-contains", "HD-4711", "--wait", "1"]
    code, report = run_json(args, env=env)
    assert code == 2
    assert cause_ids(report)[0] == "oauth-grant-revoked"
    imap = next(p for p in report["probes"] if p["probe"] == "imap")
    login = next(s for s in imap["steps"] if s["name"] == "login")
    assert login["outcome"] == "rejected"
    assert login["data"]["oauth_error"] == "invalid_grant AADSTS50173"
    assert login["data"]["credential"] == "oauth2-token"
    _no_grant_secret(fake, json.dumps(report))
