"""A hostile SMTP server echoes the password back; mailcheck must show it in no form.

The scripted server (tests/servers/scripted_smtp.py) fills its 535 reply from what the
client sent: the AUTH line, the decoded SASL string, the password clear, quoted,
JSON-escaped, percent-encoded, in base64, split across reply lines, and in Latin-1 bytes.
``mailcheck smtp`` runs in human, JSON and transcript form; the password may appear in no
form anywhere in stdout or stderr, and the report says the server text was withheld.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from mailcheck.secret import WITHHELD_SERVER
from tests.helpers import run_cli
from tests.servers.scripted_smtp import Script, scripted_smtp

USER = "billing@company.test"
PASSWORDS = ["s3cret-Pass!", 'q"u\\ote-pässwörd', "Ж€😀-x/y+z=="]

_GREETING = """\
S: 220 mx.example ESMTP
C: EHLO \\S+
S: 250-mx.example
S: 250-ENHANCEDSTATUSCODES
S: 250 AUTH {mechanisms}
"""
_PLAIN = "C: AUTH PLAIN \\S+\n"
_LOGIN = "C: AUTH LOGIN \\S+\nS: 334 UGFzc3dvcmQ6\nC: \\S+\n"

ECHOES = {
    "auth-line": "E: 535 5.7.8 Rejected {line}",
    "sasl-decoded": "E: 535 5.7.8 Rejected {decoded}",
    "clear": "E: 535 5.7.8 Bad password {password} for you",
    "imap-quoted": "E: 535 5.7.8 LOGIN user {password_quoted}",
    "json": 'E: 535 5.7.8 {{"user": "x", "password": {password_json}}}',
    "percent": "E: 535 5.7.8 https://x.example/login?pw={password_percent}&u=1",
    "base64": "E: 535 5.7.8 token {password_b64}",
    "split": "E: 535-5.7.8 your password {password_head}\nE: 535 5.7.8 {password_tail} is wrong",
    "latin-1": "L: 535 5.7.8 Mot de passe {password} refus\u00e9",
}


def _script(mechanism: str, echo: str) -> Script:
    text = _GREETING.format(mechanisms=mechanism.upper())
    text += _PLAIN if mechanism == "plain" else _LOGIN
    return Script.parse(text + ECHOES[echo] + "\n")


def _forms(password: str) -> list[str]:
    """The password as it could show, written independently of mailcheck's redactor."""
    raw = password.encode()
    sasl = f"\0{USER}\0{password}".encode()
    forms = {
        password,
        json.dumps(password)[1:-1],
        json.dumps(password, ensure_ascii=False)[1:-1],
        password.replace("\\", "\\\\").replace('"', '\\"'),
        quote(password, safe=""),
        quote_plus(password),
        base64.b64encode(raw).decode(),
        base64.b64encode(sasl).decode(),
        password.encode("latin-1", "replace").decode("utf-8", "replace"),
        json.dumps(password.encode("latin-1", "replace").decode("utf-8", "surrogateescape"))[1:-1],
        password[: len(password) // 2] + " ",  # the split echo's first half ...
        " " + password[len(password) // 2 :],  # ... and its second
    }
    return sorted(f for f in forms if len(f.strip()) >= 2)


@pytest.mark.parametrize("mechanism", ["plain", "login"])
@pytest.mark.parametrize("echo", sorted(ECHOES))
@pytest.mark.parametrize("password", PASSWORDS)
def test_an_echoed_password_shows_in_no_form(mechanism: str, echo: str, password: str) -> None:
    script = _script(mechanism, echo)
    with scripted_smtp(script) as server:
        args = [
            "smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(server.port),
            "--smtp-tls", "none", "--allow-plaintext", "--username", USER,
            "--timeout", "3", "--deadline", "10",
        ]  # fmt: skip
        env = {"MAILCHECK_PASSWORD": password, "MAILCHECK_CONFIG": "/nonexistent-but-unused"}
        env.pop("MAILCHECK_CONFIG")
        results = [
            run_cli([*args, *extra], env=env)
            for extra in (
                ["--format", "json", "--transcript"],
                ["--format", "human", "--transcript"],
                ["--format", "human", "--lang", "vi"],
            )
        ]
    assert not server.errors, server.errors
    assert server.received[-2 if mechanism == "plain" else -3].startswith(
        f"AUTH {mechanism.upper()}"
    )
    for result in results:
        text = result.stdout + result.stderr
        assert result.exit_code == 2, text
        for form in _forms(password):
            assert form not in text, (echo, form)
        assert "Traceback" not in text
    transcript = results[0].stdout + results[1].stdout
    assert WITHHELD_SERVER in transcript  # it says the server's words were withheld
