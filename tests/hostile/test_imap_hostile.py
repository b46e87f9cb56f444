"""IMAP servers that misbehave on purpose: every fault class ends with a recorded outcome.

Run through the MailboxWatch API (what ``roundtrip`` and ``diagnose`` use) against
tests/servers/scripted_imap.py on 127.0.0.1. The rule that matters most: a
message that is not mailcheck's own never gets a STORE \\Deleted.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from mailcheck.evidence import Outcome, ProbeResult, Step
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.roundtrip import MailboxWatch, Signals, token_matcher
from mailcheck.secret import Secret
from mailcheck.settings import ImapSettings, TlsMode
from tests.servers.scripted_imap import CLOSE, ScriptedImap, scripted_imap

TOKEN = "mc-20260101t000000z-0123456789ab"
MESSAGE_ID = f"<mailcheck.{TOKEN}@lab.test>"


def _message(token: str = TOKEN, message_id: str = MESSAGE_ID, body: bytes = b"hi") -> bytes:
    return (
        f"From: sender@lab.test\r\nMessage-ID: {message_id}\r\n"
        f"X-Mailcheck-Token: {token}\r\nSubject: test\r\n\r\n"
    ).encode() + body


def _settings(port: int, timeout: float = 2.0) -> ImapSettings:
    return ImapSettings(
        host="127.0.0.1",
        port=port,
        tls=TlsMode.NONE,
        username="sender@lab.test",
        ca_file=None,
        timeout=timeout,
        allow_plaintext=True,
    )


async def _run(server: ScriptedImap, deliver: bytes | None, timeout: float = 2.0) -> ProbeResult:
    """Prepare, 'send' (the message appears in INBOX), watch, clean up, log out."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    rec = Recorder("imap", "scripted")
    signals = Signals()
    watch = MailboxWatch(
        _settings(server.port, timeout),
        Secret("pw", "test"),
        rec,
        token_matcher(TOKEN, MESSAGE_ID),
        delete=True,
    )
    try:
        if await watch.prepare():
            if deliver is not None:
                server.add("INBOX", deliver)
            signals.mark_submitted()
            await watch.wait(signals, 0.6, loop.time() + 3)
            await watch.finish(signals)
    finally:
        await watch.close()
    await asyncio.sleep(0.05)
    gc.collect()
    await asyncio.sleep(0)
    assert errors == [], errors  # no "Task exception was never retrieved", no loop errors
    return rec.result()


def _step(result: ProbeResult, name: str) -> Step:
    step = result.step(name)
    assert step is not None, [s.name for s in result.steps]
    return step


def test_a_well_behaved_server_gets_its_message_deleted() -> None:
    with scripted_imap() as server:
        result = asyncio.run(_run(server, _message()))
    cleanup = _step(result, "cleanup")
    assert cleanup.outcome is Outcome.OK
    assert cleanup.get("result") == "deleted"
    assert server.folders["INBOX"] == []


def test_a_search_hit_that_is_not_ours_never_gets_a_store() -> None:
    server = ScriptedImap()
    user_uid = server.add("INBOX", b"From: boss@lab.test\r\nSubject: salaries\r\n\r\nprivate")
    server.overrides["SEARCH"] = lambda s, tag, args: (
        f"* SEARCH {user_uid}\r\n{tag} OK done\r\n".encode()
    )
    server.next_uid = 1  # UIDNEXT says the user's message is new
    with scripted_imap(server):
        result = asyncio.run(_run(server, None))
    assert server.commands("STORE") == []
    assert len(server.folders["INBOX"]) == 1
    assert _step(result, "placement").get("placement") == "not-arrived"


def test_a_look_alike_with_our_token_but_another_message_id_is_not_deleted() -> None:
    server = ScriptedImap()
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message(message_id="<user-copy@lab.test>")))
    assert server.commands("STORE") == []
    assert len(server.folders["INBOX"]) == 1
    cleanup = _step(result, "cleanup")
    assert cleanup.get("result") == "unknown"
    assert "not mailcheck's test message" in (cleanup.get("why") or "")


def test_a_literal_that_contains_uid_7_is_not_read_as_a_uid() -> None:
    # The user's message 7 must never be taken for ours because our header literal says "UID 7".
    server = ScriptedImap()
    server.add("INBOX", b"From: boss@lab.test\r\n\r\nuser mail")  # UID 1
    body = _message() + b"\r\n"

    def fetch(s: ScriptedImap, tag: str, args: str) -> bytes:
        literal = (
            b"X-Mailcheck-Token: " + TOKEN.encode() + b"\r\nUID 1)\r\n* 1 FETCH (UID 1\r\n\r\n"
        )
        return (
            f"* 2 FETCH (BODY[HEADER] {{{len(literal)}}}\r\n".encode()
            + literal
            + f" UID {s.folders['INBOX'][-1].uid})\r\n{tag} OK done\r\n".encode()
        )

    with scripted_imap(server):
        server.overrides["FETCH"] = fetch
        result = asyncio.run(_run(server, body))
    assert _step(result, "placement").get("uid") == "2"
    assert all(" 1 " not in line + " " for line in server.commands("STORE"))


def test_store_refused_is_quoted_in_the_cleanup_step() -> None:
    server = ScriptedImap()
    server.overrides["STORE"] = lambda s, tag, args: (
        f"{tag} NO [NOPERM] Mailbox is read-only for you\r\n".encode()
    )
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    cleanup = _step(result, "cleanup")
    assert cleanup.outcome is Outcome.REJECTED
    assert cleanup.get("result") == "refused"
    assert cleanup.reply is not None
    assert "read-only for you" in cleanup.reply.text
    assert "UID STORE" in (cleanup.get("why") or "")
    assert len(server.folders["INBOX"]) == 1
    # The finding says the invoice was left, quoting what the server refused (issue 11, 9).
    from mailcheck.diagnosis import diagnose, evidence_steps

    diagnosis = diagnose("roundtrip", {}, [result], 0.0)
    finding = next(f for f in diagnosis.findings if f.cause.id == "cleanup-incomplete")
    quoted = [s.reply.text for s in evidence_steps(finding, diagnosis.probes) if s.reply]
    assert any("read-only for you" in text for text in quoted)


def test_expunge_refused_is_quoted_in_the_cleanup_step() -> None:
    server = ScriptedImap()
    server.overrides["EXPUNGE"] = lambda s, tag, args: f"{tag} BAD expunge disabled\r\n".encode()
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    cleanup = _step(result, "cleanup")
    assert cleanup.get("result") == "refused"
    assert cleanup.reply is not None
    assert "expunge disabled" in cleanup.reply.text


def test_store_ok_for_a_uid_that_does_not_exist_is_not_deleted() -> None:
    server = ScriptedImap()

    def vanish(s: ScriptedImap, tag: str, args: str) -> bytes:
        s.folders["INBOX"].clear()  # someone else removed it: STORE says OK, no FETCH
        return f"{tag} OK Store done\r\n".encode()

    server.overrides["STORE"] = vanish
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    cleanup = _step(result, "cleanup")
    assert cleanup.get("result") == "unknown"
    assert cleanup.outcome is not Outcome.OK
    assert server.commands("EXPUNGE") == []


def test_expunge_ok_that_kept_the_message_is_not_deleted() -> None:
    server = ScriptedImap()
    server.overrides["EXPUNGE"] = lambda s, tag, args: f"{tag} OK sure\r\n".encode()
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    cleanup = _step(result, "cleanup")
    assert cleanup.get("result") == "kept"
    assert cleanup.outcome is not Outcome.OK


def test_uids_outside_1_to_2_pow_32_minus_1_are_ignored() -> None:
    server = ScriptedImap()
    server.overrides["SEARCH"] = lambda s, tag, args: (
        f"* SEARCH 0 4294967296 99999999999999 -3\r\n{tag} OK done\r\n".encode()
    )
    with scripted_imap(server):
        asyncio.run(_run(server, _message()))
    assert server.commands("FETCH") == []
    assert server.commands("STORE") == []


def test_a_greeting_that_never_comes_is_a_timeout() -> None:
    with scripted_imap(ScriptedImap(greeting=None)) as server:
        result = asyncio.run(_run(server, None, timeout=0.5))
    greeting = _step(result, "greeting")
    assert greeting.outcome is Outcome.TIMEOUT
    assert greeting.elapsed_ms < 2000


def test_a_garbage_greeting_is_an_error_with_the_servers_words() -> None:
    with scripted_imap(ScriptedImap(greeting=b"\x00\xff HELLO\rthere \x1b[31m")) as server:
        result = asyncio.run(_run(server, None))
    greeting = _step(result, "greeting")
    assert greeting.outcome is Outcome.ERROR
    assert greeting.reply is not None
    assert not any(c in greeting.reply.text for c in "\x00\r\n\x1b")


def test_a_bye_greeting_is_refused_at_once() -> None:
    with scripted_imap(ScriptedImap(greeting=b"* BYE too many connections")) as server:
        result = asyncio.run(_run(server, None, timeout=5))
    greeting = _step(result, "greeting")
    assert greeting.outcome is Outcome.REJECTED
    assert greeting.elapsed_ms < 2000
    assert greeting.reply is not None
    assert "too many connections" in greeting.reply.text


def test_login_reply_with_cr_lf_nul_is_recorded_clean() -> None:
    server = ScriptedImap()
    server.overrides["LOGIN"] = lambda s, tag, args: (
        f"{tag} NO [AUTHENTICATIONFAILED] bad\x00pass\rword\x1b]0;x\x07\r\n".encode()
    )
    with scripted_imap(server):
        result = asyncio.run(_run(server, None))
    login = _step(result, "login")
    assert login.outcome is Outcome.REJECTED
    assert login.reply is not None
    assert not any(c in login.reply.text for c in "\x00\r\n\x07\x1b")


def test_garbage_in_a_search_reply_is_skipped() -> None:
    server = ScriptedImap()
    server.overrides["SEARCH"] = lambda s, tag, args: (
        b'* SEARCH ( "unterminated\r\n* \xff\xfe FETCH ((((\r\n' + f"{tag} OK done\r\n".encode()
    )
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    assert server.commands("STORE") == []
    assert _step(result, "placement").get("placement") == "not-arrived"


def test_a_server_that_drops_mid_fetch_leaves_the_cleanup_unknown() -> None:
    server = ScriptedImap()
    server.overrides["FETCH"] = lambda s, tag, args: b"* 1 FETCH (UID 1 BODY[] {500}\r\nabc" + CLOSE
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    assert _step(result, "placement").get("placement") in ("lost", "not-arrived")
    cleanup = _step(result, "cleanup")
    assert cleanup.get("result") == "unknown"
    assert "may be left" in (cleanup.get("why") or "")


def test_a_command_that_is_never_answered_times_out_and_kills_the_session() -> None:
    server = ScriptedImap()
    server.overrides["SEARCH"] = lambda s, tag, args: b""
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message(), timeout=0.3))
    assert any(s.outcome is Outcome.TIMEOUT for s in result.steps)
    assert _step(result, "cleanup").get("result") == "unknown"


def test_a_list_of_5000_folders_in_one_reply_is_read() -> None:
    server = ScriptedImap()
    for n in range(5000):
        server.folders[f"Folder {n}"] = []
    with scripted_imap(server):
        result = asyncio.run(_run(server, _message()))
    assert _step(result, "list").outcome is Outcome.OK
    assert _step(result, "cleanup").get("result") == "deleted"
