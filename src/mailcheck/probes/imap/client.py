"""aioimaplib's protocol and client, subclassed to be safe whatever a server sends.

aioimaplib is thin and has traps; this adapter and the session (session.py)
own them in one place:

- it has no STARTTLS and reports a refused connect as a timeout, so mailcheck
  makes the TCP connection itself (probes/net.py) and hands over the socket,
  and does STARTTLS with ``loop.start_tls``;
- it does not quote arguments: every mailbox name and search string is quoted
  (wire.quote);
- after a timeout its connection is wedged: a session that timed out is
  closed and marked dead, never reused;
- its capability set is corrupt after LOGIN when the server puts them in the
  tagged OK: it is refreshed with CAPABILITY;
- ``close()`` sends CLOSE, which expunges every \\Deleted message, the user's
  own too: it is never called. Sessions end with LOGOUT or by dropping the socket.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from typing import Any

import aioimaplib

from mailcheck.probes.imap.wire import reassemble, responses

__all__ = ["Client", "retrieve"]

#: A line longer than this without CRLF is not IMAP (a literal does not count).
_MAX_LINE = 1 << 20


def retrieve(task: asyncio.Future[Any]) -> None:
    """Done callback: read a task's outcome so asyncio never logs it as never retrieved."""
    if not task.cancelled():
        task.exception()


class _Protocol(aioimaplib.IMAP4ClientProtocol):  # type: ignore[misc]
    """aioimaplib's protocol, made safe for any reply a server may send.

    - its reply reader recursed once per line (RecursionError at about a
      thousand lines): this one loops, and finds lines by index, not by copying;
    - a FETCH reply's completeness was found by rescanning every line so far
      (quadratic): a line after a literal is all that can continue a response;
    - every untagged response goes, whole and with its ``* `` only removed, to
      the command in flight, so the parser in imapwire sees what the server sent;
    - bad input (garbage, an unexpected tag, an endless line) ends the connection
      instead of raising out of ``data_received``; a lost connection fails the
      commands in flight at once instead of leaving them to time out;
    - a greeting that is not OK, or a CAPABILITY that fails, ends the connection
      instead of leaving a task whose exception nobody retrieves.
    """

    # The base class sets these without annotations.
    incomplete_line: bytes
    current_command: Any
    pending_sync_command: Any
    pending_async_commands: dict[str, Any]

    def __init__(self, loop: asyncio.AbstractEventLoop, lost: Callable[[Any], None]) -> None:
        super().__init__(loop, lost)
        self.failure: str | None = None
        """Why mailcheck gave the connection up (garbage, a bad greeting), if it did."""
        self.greeting: bytes | None = None
        self._welcome: asyncio.Task[None] | None = None

    # -- reading

    def data_received(self, d: bytes) -> None:
        data = self.incomplete_line + d if self.incomplete_line else d
        self.incomplete_line = b""
        try:
            self._handle_responses(data, self._handle_line, self.current_command)
            self.current_command = None
        except aioimaplib.IncompleteRead as incomplete:
            self.current_command = incomplete.cmd
            self.incomplete_line = incomplete.data
            if len(self.incomplete_line) > _MAX_LINE:
                self.give_up("the server sent a line of more than 1 MiB")
        except Exception as exc:  # noqa: BLE001 - hostile input ends the connection, not the run
            self.give_up(f"unreadable server response ({type(exc).__name__}: {exc})"[:300])

    def _handle_responses(
        self, data: bytes, line_handler: Callable[..., Any], current_cmd: Any = None
    ) -> None:
        pos, size = 0, len(data)
        while True:
            if pos >= size:
                if self.pending_sync_command is not None:
                    self.pending_sync_command.flush()
                if current_cmd is not None and current_cmd.wait_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
                return
            if current_cmd is not None and current_cmd.wait_literal_data():
                rest = current_cmd.append_literal_data(data[pos:])
                pos = size - len(rest)
                if current_cmd.wait_literal_data():
                    raise aioimaplib.IncompleteRead(current_cmd)
            end = data.find(b"\r\n", pos)
            if end < 0:
                raise aioimaplib.IncompleteRead(current_cmd, data[pos:])
            line = data[pos:end]
            pos = end + 2
            if not line and current_cmd is not None:
                # What followed a literal was nothing (a LIST name as literal): keep the
                # line, so the response can be put back together as it was sent.
                current_cmd.append_to_resp(line)
            cmd = line_handler(line, current_cmd)
            literal = aioimaplib.literal_data_re.match(line)
            if literal:
                if cmd is None:
                    cmd = aioimaplib.Command("NIL", "unused", loop=self.loop)
                cmd.begin_literal_data(int(literal.group("size")))
                current_cmd = cmd
            elif cmd is not None and cmd.wait_data():
                current_cmd = cmd
            else:
                current_cmd = None

    def _handle_line(self, line: bytes, current_cmd: Any) -> Any:
        if self.state == aioimaplib.CONNECTED:
            # Only the first line is the greeting; anything before the welcome is done waits.
            if line and self._welcome is None:
                self.greeting = line
                self._welcome = asyncio.ensure_future(self.welcome(line))
                self._welcome.add_done_callback(retrieve)
            return None
        return super()._handle_line(line, current_cmd)

    def _untagged_response(self, line: bytes) -> Any:
        if line.startswith(b"* "):
            line = line[2:]
        command = self.pending_sync_command
        if command is None and self.pending_async_commands:
            # mailcheck runs one command at a time per connection: it is the one in flight.
            command = list(self.pending_async_commands.values())[-1]
        if command is not None:
            command.append_to_resp(line)
        return command

    # -- commands whose library version is unsafe

    async def welcome(self, command: bytes) -> None:
        try:
            await super().welcome(command)
        except Exception as exc:  # noqa: BLE001 - a bad greeting is the server's fault: recorded
            self.give_up(f"greeting refused or unreadable ({type(exc).__name__})")

    async def fetch(
        self, message_set: str, message_parts: str, by_uid: bool = False, timeout: Any = None
    ) -> Any:
        # A plain Command: completeness needs no rescan of every line (see the class doc).
        return await self.execute(
            aioimaplib.Command(
                "FETCH",
                self.new_tag(),
                message_set,
                message_parts,
                prefix="UID" if by_uid else "",
                loop=self.loop,
                timeout=timeout,
            )
        )

    async def capability(self) -> None:
        response = await self.execute(
            aioimaplib.Command("CAPABILITY", self.new_tag(), loop=self.loop)
        )
        if response.result != "OK":
            raise aioimaplib.Error("CAPABILITY refused")
        words: list[str] = []
        for tokens in responses(reassemble(list(response.lines[:-1]))):
            if tokens and isinstance(tokens[0], str) and tokens[0].upper() == "CAPABILITY":
                words.extend(t for t in tokens[1:] if isinstance(t, str))
        self.capabilities = set(words)
        versions = [w.upper() for w in words if w.upper() in aioimaplib.AllowedVersions]
        if not versions:
            raise aioimaplib.Error("server not IMAP4 compliant")
        self.imap_version = versions[-1]

    # -- ending

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail_pending("the server closed the connection")
        super().connection_lost(exc)

    def fail_pending(self, why: str) -> None:
        """End every command in flight with an error (aioimaplib would let them wait out)."""
        commands = [self.pending_sync_command, *self.pending_async_commands.values()]
        self.pending_sync_command = None
        self.pending_async_commands = {}
        for command in commands:
            if command is not None and not command._event.is_set():
                command._exception = aioimaplib.Abort(why)
                command._timer.cancel()
                command._event.set()

    def give_up(self, why: str) -> None:
        """Drop the connection for good, saying why."""
        if self.failure is None:
            self.failure = why
        self.fail_pending(why)
        if self.transport is not None:
            self.transport.abort()


class Client(aioimaplib.IMAP4):  # type: ignore[misc]
    """aioimaplib's client over a socket mailcheck connected itself."""

    def __init__(
        self,
        sock: socket.socket,
        host: str,
        context: ssl.SSLContext | None,
        timeout: float,
        lost: asyncio.Event,
    ) -> None:
        self._sock = sock
        self._lost = lost
        super().__init__(host=host, port=0, timeout=timeout, ssl_context=context)

    def create_client(
        self,
        host: str,
        port: int,
        loop: asyncio.AbstractEventLoop | None,
        conn_lost_cb: Any = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        local_loop = loop or asyncio.get_running_loop()
        self.protocol = _Protocol(local_loop, lambda exc: self._lost.set())
        self._client_task = local_loop.create_task(
            local_loop.create_connection(
                lambda: self.protocol,
                sock=self._sock,
                ssl=ssl_context,
                server_hostname=host if ssl_context is not None else None,
                ssl_handshake_timeout=self.timeout if ssl_context is not None else None,
            )
        )
        self._client_task.add_done_callback(retrieve)
