"""A small SMTP server on 127.0.0.1 that replays a recorded dialogue.

For what real servers in the lab cannot be made to do: a big provider's own
reply texts (Gmail's app-password 534, Microsoft's 5.7.139), garbage, stalls,
connections dropped mid-reply. It runs its own event loop in a thread, so any
test (sync or async) can use it, and it records every line the client sent.

Script format (``fixtures/transcripts/smtp/*.txt``), one directive a line:

    S: 250-text          send this line (CRLF added)
    C: REGEX             read one client line; it must match (re.fullmatch)
    !tls                 upgrade to TLS (after a "220 ... Ready" reply)
    !sleep SECONDS       say nothing for a while
    !close               drop the connection
    !raw TEXT            send TEXT without CRLF (Python escapes allowed)
    E: TEMPLATE          send TEMPLATE (CRLF added) filled from the client's last line:
                         {line} the line, {arg} its last word, {decoded} that word
                         base64-decoded, {password} what follows the decoded word's
                         last NUL, and {password_json}, {password_quoted},
                         {password_percent}, {password_b64}, {password_head} and
                         {password_tail} (its halves; see ``echo_fields``)
    L: TEMPLATE          the same, sent in Latin-1 (a server of another charset)
    !data                read a message up to its lone "." line (after "354"); kept whole
    !repeat COUNT TEXT   send the line TEXT (CRLF added) COUNT times, as fast as the client reads
    # comment
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts" / "smtp"


@dataclass
class Script:
    """A parsed dialogue."""

    lines: list[tuple[str, str]]

    @classmethod
    def parse(cls, text: str) -> Script:
        lines: list[tuple[str, str]] = []
        for raw in text.splitlines():
            if not raw.strip() or raw.startswith("#"):
                continue
            if raw.startswith(("S: ", "C: ", "E: ", "L: ")):
                lines.append((raw[0], raw[3:]))
            elif raw.startswith("!"):
                verb, _, arg = raw[1:].partition(" ")
                lines.append((verb, arg))
            else:
                raise ValueError(f"bad script line: {raw!r}")
        return cls(lines)

    @classmethod
    def load(cls, name: str) -> Script:
        return cls.parse((TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8"))


def echo_fields(line: str) -> dict[str, str]:
    """What an ``E:`` line can echo of the client's last line (a hostile server's echo)."""
    import base64
    import binascii
    import json
    from urllib.parse import quote

    arg = line.rsplit(" ", 1)[-1]
    try:
        decoded = base64.b64decode(arg, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        decoded = arg
    password = decoded.rsplit("\0", 1)[-1]
    return {
        "line": line,
        "arg": arg,
        "decoded": decoded.replace("\0", "^@"),
        "password": password,
        "password_json": json.dumps(password),
        "password_quoted": '"' + password.replace("\\", "\\\\").replace('"', '\\"') + '"',
        "password_percent": quote(password, safe=""),
        "password_b64": base64.b64encode(password.encode()).decode(),
        "password_head": password[: len(password) // 2],
        "password_tail": password[len(password) // 2 :],
    }


@dataclass
class ScriptedSmtp:
    """The running server: its port and what clients said."""

    port: int
    received: list[str] = field(default_factory=list)
    connections: int = 0
    errors: list[str] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    """Messages read by ``!data``, dot-stuffing and the final "." line included."""


async def _serve_one(
    script: Script,
    state: ScriptedSmtp,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    tls: ssl.SSLContext | None,
) -> None:
    state.connections += 1
    try:
        for verb, arg in script.lines:
            if verb == "S":
                writer.write(arg.encode() + b"\r\n")
                await writer.drain()
            elif verb in ("E", "L"):
                text = arg.format(**echo_fields(state.received[-1] if state.received else ""))
                charset = "latin-1" if verb == "L" else "utf-8"
                writer.write(text.encode(charset, "replace") + b"\r\n")
                await writer.drain()
            elif verb == "C":
                raw = await reader.readline()
                if not raw:
                    return  # the client went away (an empty line is a line: SASL sends one)
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                state.received.append(line)
                if not re.fullmatch(arg, line):
                    state.errors.append(f"expected {arg!r}, got {line!r}")
                    writer.write(b"500 5.5.2 unexpected command in scripted dialogue\r\n")
                    await writer.drain()
                    return
            elif verb == "tls":
                assert tls is not None, "script wants TLS but the server has no certificate"
                await writer.start_tls(tls)
            elif verb == "sleep":
                await asyncio.sleep(float(arg))
            elif verb == "raw":
                writer.write(arg.encode().decode("unicode_escape").encode("latin-1"))
                await writer.drain()
            elif verb == "repeat":
                count, _, text = arg.partition(" ")
                repeated = text.encode() + b"\r\n"
                for _ in range(int(count)):
                    if writer.is_closing() or reader.at_eof():
                        break  # the client hung up: writing on would only log errors
                    writer.write(repeated)
                    await writer.drain()
            elif verb == "data":
                state.messages.append(await _read_message(reader))
            elif verb == "close":
                return  # dropped now: no QUIT is waited for
        # After the script: answer QUIT politely, then hang up.
        last = await asyncio.wait_for(reader.readline(), 2)
        if last:
            state.received.append(last.decode("utf-8", "replace").rstrip("\r\n"))
            writer.write(b"221 2.0.0 Bye\r\n")
            await writer.drain()
    except (ConnectionError, TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    """DATA's message, up to and including the line that is a lone "."."""
    lines = []
    while True:
        line = await reader.readline()
        lines.append(line)
        if not line or line in (b".\r\n", b".\n"):
            return b"".join(lines)


@contextmanager
def scripted_smtp(
    script: Script | Sequence[Script], tls: ssl.SSLContext | None = None
) -> Iterator[ScriptedSmtp]:
    """Serve ``script`` on 127.0.0.1 (a free port) while the block runs.

    A sequence of scripts is one per connection, in order (the last one serves every
    connection after it): a 451 first, then a 250, for a client that tries again.
    """
    scripts = [script] if isinstance(script, Script) else list(script)
    served = [0]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}
    #: Every accepted connection's socket transport, recorded the moment it is accepted: a
    #: dialogue cancelled before its first step never sees its writer, and a TLS transport's
    #: close waits for a peer's close_notify that an aborted client never sends.
    accepted: set[asyncio.BaseTransport] = set()
    dialogues: set[asyncio.Task[None]] = set()

    async def start() -> None:
        state_box: list[ScriptedSmtp] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # Stopping cancels dialogues still running (a client that went away mid-sleep);
            # swallowed here so asyncio does not log the cancelled handler as an error.
            task = asyncio.current_task()
            if task is not None:
                dialogues.add(task)
            with contextlib.suppress(asyncio.CancelledError):
                chosen = scripts[min(served[0], len(scripts) - 1)]
                served[0] += 1
                await _serve_one(chosen, state_box[0], reader, writer, tls)

        class Tracked(asyncio.StreamReaderProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted.add(transport)
                super().connection_made(transport)

        def factory() -> asyncio.StreamReaderProtocol:
            return Tracked(asyncio.StreamReader(), handle)

        server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        state_box.append(ScriptedSmtp(port=port))
        holder["server"] = server
        holder["state"] = state_box[0]
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(5)
    state = holder["state"]
    assert isinstance(state, ScriptedSmtp)
    try:
        yield state
    finally:
        server = holder["server"]
        assert isinstance(server, asyncio.Server)

        async def stop() -> None:
            server.close()
            # Connections accepted just now still get their transport (asyncio sets it up in a
            # task of its own): cancelling that task would leak the accepted socket.
            for _ in range(3):
                await asyncio.sleep(0)
            tasks = list(dialogues)
            for task in tasks:
                task.cancel()
            # Let the cancelled dialogues end, then drop every connection still open: a
            # transport left to the garbage collector warns "unclosed" in some later test.
            await asyncio.gather(*tasks, return_exceptions=True)
            for transport in accepted:
                if isinstance(transport, asyncio.Transport):
                    transport.abort()
            await asyncio.sleep(0)  # abort closes the socket on the loop's next turn
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
