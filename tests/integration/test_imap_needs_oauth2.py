"""Microsoft's IMAP refuses every password: the cause is "OAuth2 is needed", not "the
password changed" (issue 13). A scripted IMAP server answers as Exchange Online does; a
scripted DNS server gives its name the loopback address, so nothing leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import time

import pytest

from mailcheck.diagnosis import diagnose
from mailcheck.probes.imap.session import open_session
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import Secret
from mailcheck.settings import ImapSettings, TlsMode
from tests.servers.fake_dns import fake_dns
from tests.servers.scripted_imap import ScriptedImap, scripted_imap

USER = "ketoan@company.vn"


def _refusing_server() -> ScriptedImap:
    server = ScriptedImap()

    def login(_server: ScriptedImap, tag: str, _args: str) -> bytes:
        return f"{tag} NO LOGIN failed.\r\n".encode()  # Exchange Online's words, verbatim

    server.overrides["LOGIN"] = login
    return server


def _causes(host: str) -> list[str]:
    server = _refusing_server()
    with scripted_imap(server), fake_dns({host: {"A": ["127.0.0.1"]}}) as dns_server:
        settings = ImapSettings(
            host=host, port=server.port, tls=TlsMode.NONE, username=USER, ca_file=None,
            timeout=2.0, allow_plaintext=True, dns_server=dns_server,
        )  # fmt: skip
        rec = Recorder("imap", f"{USER} at {host}")

        async def login() -> None:
            session = await open_session(settings, Secret("right-or-wrong", "test"), rec)
            assert session is None

        asyncio.run(login())
    result = rec.result()
    diagnosis = diagnose("watch", {"mailbox": USER}, [result], time.perf_counter())
    return [f.cause.id for f in diagnosis.findings]


@pytest.mark.parametrize("host", ["outlook.office365.com", "imap-mail.outlook.com"])
def test_a_password_refused_by_microsofts_imap_needs_oauth2(host: str) -> None:
    causes = _causes(host)
    assert "imap-needs-oauth2" in causes
    assert "imap-login-rejected" not in causes
    assert "password-changed" not in causes


def test_the_same_refusal_elsewhere_is_a_refused_login() -> None:
    causes = _causes("mail.company.vn")
    assert "imap-login-rejected" in causes
    assert "imap-needs-oauth2" not in causes
