"""IMAP AUTHENTICATE with a token against a server without SASL-IR (tests/servers):
the initial response goes after the server's "+", the error challenge is answered."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from mailcheck.evidence import Outcome, Step
from mailcheck.probes.imap.session import open_session
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import Secret
from mailcheck.settings import ImapSettings, TlsMode
from tests.servers.scripted_imap import ScriptedImap, scripted_imap

USER = "sender@lab.test"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZW5kZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1sYWI"
CAPS = "IMAP4rev1 UIDPLUS IDLE AUTH=PLAIN AUTH=XOAUTH2"
# Google's XOAUTH2 error (https://developers.google.com/gmail/imap/xoauth2-protocol).
ERROR = base64.b64encode(
    b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'
).decode()


def _server(refuse: bool) -> tuple[ScriptedImap, dict[str, str]]:
    seen: dict[str, str] = {}
    server = ScriptedImap(greeting=f"* OK [CAPABILITY {CAPS}] scripted ready".encode())
    server.capabilities = CAPS

    def authenticate(_server: ScriptedImap, tag: str, args: str) -> bytes:
        seen["tag"], seen["args"] = tag, args
        return b"+ \r\n"

    def response(_server: ScriptedImap, line: str, _args: str) -> bytes:
        # The client's lines after "+" have no tag: the server reads each as one word.
        if "initial" not in seen:
            seen["initial"] = line
            if refuse:
                return f"+ {ERROR}\r\n".encode()
            return f"{seen['tag']} OK [CAPABILITY {CAPS}] Logged in\r\n".encode()
        seen["answer"] = line
        return f"{seen['tag']} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n".encode()

    server.overrides["AUTHENTICATE"] = authenticate
    server.overrides[""] = response
    return server, seen


async def _login(port: int) -> tuple[bool, Recorder]:
    settings = ImapSettings(
        host="127.0.0.1", port=port, tls=TlsMode.NONE, username=USER, ca_file=None,
        timeout=2.0, allow_plaintext=True,
    )  # fmt: skip
    rec = Recorder("imap", "scripted")
    session = await open_session(settings, Secret(TOKEN, "test", kind="token"), rec)
    if session is not None:
        await session.logout()
    return session is not None, rec


def _login_step(rec: Recorder) -> Step:
    return next(s for s in rec.steps if s.name == "login")


def _text(rec: Recorder) -> str:
    result: Any = rec.result()
    return repr(result)


def test_xoauth2_without_sasl_ir_sends_the_response_after_the_plus() -> None:
    server, seen = _server(refuse=False)
    with scripted_imap(server):
        ok, rec = asyncio.run(_login(server.port))
    assert ok
    assert seen["args"] == "XOAUTH2"  # nothing after the mechanism: no SASL-IR
    assert (
        base64.b64decode(seen["initial"]) == f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01".encode()
    )
    step = _login_step(rec)
    assert step.outcome is Outcome.OK
    assert (step.get("mechanism"), step.get("credential")) == ("XOAUTH2", "oauth2-token")
    assert TOKEN not in _text(rec)
    assert seen["initial"] not in _text(rec)


def test_a_refused_token_gets_its_error_answered_and_recorded() -> None:
    server, seen = _server(refuse=True)
    with scripted_imap(server):
        ok, rec = asyncio.run(_login(server.port))
    assert not ok
    assert seen["answer"] == ""  # XOAUTH2: an empty line answers the error challenge
    step = _login_step(rec)
    assert step.outcome is Outcome.REJECTED
    assert step.get("oauth_status") == "401"
    assert step.get("oauth_error") == "invalid_token"
    assert step.get("oauth_scope") == "https://mail.google.com/"
    assert step.reply is not None
    assert "Invalid credentials" in step.reply.text
    assert TOKEN not in _text(rec)
