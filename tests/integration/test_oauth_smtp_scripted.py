"""SMTP AUTH with an access token against replayed provider dialogues (tests/servers):
a server that offers only XOAUTH2, Google's documented error challenge, a server with
no OAuth2 mechanism at all."""

from __future__ import annotations

import json
import ssl

from tests.helpers import cause_ids, run_cli, run_json
from tests.servers.scripted_smtp import Script, ScriptedSmtp, scripted_smtp

TOKEN = "ya29.a0AfH6SMBx-mailcheck-scripted-token-0123456789abcdef"
ENV = {"MAILCHECK_ACCESS_TOKEN": TOKEN}

_HEAD = """\
S: 220 smtp.gmail.com ESMTP d2e1a72fcca58-7a1b2c3d4e5f.12 - gsmtp
C: EHLO \\S+
S: 250-smtp.gmail.com at your service, [203.0.113.7]
S: 250-STARTTLS
S: 250 SMTPUTF8
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
!tls
C: EHLO \\S+
S: 250-smtp.gmail.com at your service, [203.0.113.7]
"""
# Google's XOAUTH2 error challenge, verbatim from its documentation (base64 of
# {"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}),
# https://developers.google.com/gmail/imap/xoauth2-protocol#error_response
GOOGLE_ERROR = (
    "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9t"
    "YWlsLmdvb2dsZS5jb20vIn0K"
)
REFUSED = (
    _HEAD
    + """\
S: 250-AUTH LOGIN PLAIN XOAUTH2
S: 250 SMTPUTF8
C: AUTH XOAUTH2 \\S+
S: 334 """
    + GOOGLE_ERROR
    + """
C: ^$
S: 535-5.7.8 Username and Password not accepted. For more information, go to
S: 535 5.7.8  https://support.google.com/mail/?p=BadCredentials d2e1a72fcca58 - gsmtp
"""
)
NO_OAUTH = (
    _HEAD
    + """\
S: 250-AUTH PLAIN LOGIN
S: 250 SMTPUTF8
C: QUIT
S: 221 2.0.0 closing connection
"""
)


def _args(server: ScriptedSmtp, ca_file: str) -> list[str]:
    return ["smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(server.port),
            "--ca-file", ca_file, "--username", "someuser@gmail.com"]  # fmt: skip


def test_googles_error_challenge_is_answered_and_names_the_expired_token(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.parse(REFUSED), tls=context) as server:
        code, report = run_json(_args(server, ca_file), env=ENV)
    assert server.errors == [], (server.errors, server.received)
    assert code == 2
    assert cause_ids(report) == ["oauth-token-expired"]
    (evidence,) = report["causes"][0]["evidence"]
    assert evidence["data"]["mechanism"] == "XOAUTH2"
    assert evidence["data"]["oauth_status"] == "401"
    assert evidence["data"]["oauth_scope"] == "https://mail.google.com/"
    assert evidence["reply"]["enhanced"] == "5.7.8"
    assert TOKEN not in json.dumps(report)


def test_a_server_without_oauth2_gets_no_auth_and_says_why(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.parse(NO_OAUTH), tls=context) as server:
        result = run_cli([*_args(server, ca_file), "--transcript", "--lang", "en"], env=ENV)
    assert server.errors == []
    assert not [line for line in server.received if line.upper().startswith("AUTH")]
    assert "offers neither OAUTHBEARER nor XOAUTH2" in result.stdout
    assert result.exit_code != 0
    assert TOKEN not in result.stdout
