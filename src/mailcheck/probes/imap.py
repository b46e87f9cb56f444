"""IMAP, through aioimaplib (the only module that imports it).

aioimaplib is thin and has traps (reference/libraries.md §3); this adapter
owns them in one place:

- it has no STARTTLS and reports a refused connect as a timeout, so mailcheck
  makes the TCP connection itself (probes/net.py) and hands over the socket,
  and does STARTTLS with ``loop.start_tls``;
- it does not quote arguments: every mailbox name and search string is quoted here;
- after a timeout its connection is wedged: a session that timed out is
  closed and marked dead, never reused;
- its capability set is corrupt after LOGIN when the server puts them in the
  tagged OK: it is refreshed with CAPABILITY;
- ``close()`` sends CLOSE, which expunges every \\Deleted message, the user's
  own too: it is never called. Sessions end with LOGOUT or by dropping the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import aioimaplib

from mailcheck.config import ImapSettings, TlsMode
from mailcheck.evidence import ErrorInfo, Outcome, Reply, Step
from mailcheck.probes.imapwire import (
    Mailbox,
    decode_mailbox_name,
    parse_fetch_responses,
    parse_list_responses,
    parse_search_responses,
    reassemble,
    responses,
    select_codes,
    valid_uid,
)
from mailcheck.probes.net import connect_tcp, elapsed_ms, error_info, resolve_host
from mailcheck.probes.recorder import REDACTED, Recorder
from mailcheck.probes.tls import classify_tls_error, find_ssl_error, make_context
from mailcheck.secret import Secret

__all__ = [
    "JUNK_NAMES",
    "ImapSession",
    "Mailbox",
    "Removal",
    "decode_mailbox_name",
    "find_junk",
    "header_values",
    "open_session",
    "parse_fetch",
    "parse_list_line",
]

#: Names of spam folders on servers without SPECIAL-USE, compared case-insensitively
#: on the whole decoded name and on its last part.
JUNK_NAMES = (
    "junk",
    "spam",
    "junk e-mail",
    "junk email",
    "bulk mail",
    "bulk",
    "[gmail]/spam",
    "[google mail]/spam",
    "[gmail]/thư rác",
    "[google mail]/thư rác",
    "thư rác",
    "thư mục thư rác",
    "courrier indésirable",
    "inbox.junk",
    "inbox.spam",
)


# ---------------------------------------------------------------- parsing helpers


def quote(text: str) -> str:
    """An IMAP quoted string (RFC 3501 §4.3)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_list_line(line: bytes, literal: bytes | None = None) -> Mailbox | None:
    """Parse one LIST response (``(\\HasNoChildren \\Junk) "/" Junk``), its name maybe a literal."""
    raw = line if line.startswith((b"LIST ", b"* LIST ")) else b"LIST " + line
    found = parse_list_responses(reassemble([raw, bytearray(literal), b""] if literal else [raw]))
    return found[0] if found else None


def find_junk(mailboxes: Sequence[Mailbox]) -> tuple[Mailbox | None, str]:
    """The spam folder and how it was found: ``special-use``, ``name`` or ``missing``."""
    selectable = [m for m in mailboxes if "\\noselect" not in m.attributes]
    for mailbox in selectable:
        if "\\junk" in mailbox.attributes:
            return mailbox, "special-use"
    for wanted in JUNK_NAMES:
        for mailbox in selectable:
            full = mailbox.display.lower()
            leaf = re.split(r"[./]", full)[-1]
            if wanted in (full, leaf):
                return mailbox, "name"
    return None, "missing"


def find_trash(mailboxes: Sequence[Mailbox]) -> Mailbox | None:
    """The trash folder: ``\\Trash`` special-use, else a folder called Trash."""
    for mailbox in mailboxes:
        if "\\trash" in mailbox.attributes:
            return mailbox
    for mailbox in mailboxes:
        if mailbox.display.lower() in ("trash", "deleted items", "inbox.trash", "[gmail]/trash"):
            return mailbox
    return None


_RESP_CODE = re.compile(r"^\[(?P<code>[^\]]*)\]\s*(?P<text>.*)$", re.S)
#: Control characters a server may put in its text (NUL, lone CR or LF, ESC ...).
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def imap_reply(result: str, text: bytes | str) -> Reply:
    """A tagged IMAP reply as evidence: status, RFC 5530 response code, text."""
    value = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
    value = _CONTROLS.sub(" ", value.strip()[:2000]).strip()
    match = _RESP_CODE.match(value)
    code = None
    if match is not None:
        code = match.group("code").split()[0] if match.group("code") else None
        value = match.group("text")
    return Reply(code=None, enhanced=code, text=value, status=result)


def _last_text(response: Any) -> bytes:
    lines = getattr(response, "lines", None) or [b""]
    last = lines[-1]
    return bytes(last) if isinstance(last, bytes | bytearray) else b""


def _rejected(name: str, response: Any, start: float) -> Step:
    """A tagged NO or BAD as a step, with the server's words."""
    reply = imap_reply(str(response.result), _last_text(response))
    return Step(name=name, outcome=Outcome.REJECTED, elapsed_ms=elapsed_ms(start), reply=reply)


def _untagged(response: Any) -> bytes:
    """The untagged responses of a command, as the server sent them (tagged text left out)."""
    return reassemble(list(response.lines[:-1]))


def parse_fetch(lines: Sequence[Any]) -> list[tuple[int, bytes]]:
    """``(uid, section data)`` pairs of a UID FETCH (aioimaplib's lines, tagged text last)."""
    out: list[tuple[int, bytes]] = []
    for item in parse_fetch_responses(reassemble(list(lines))):
        body = item.body()
        if item.uid is not None and body is not None:
            out.append((item.uid, body))
    return out


def header_values(header: bytes, name: str) -> list[str]:
    """Every value of header field ``name`` (unfolded, stripped), in order."""
    wanted = name.lower().encode("ascii")
    values: list[str] = []
    current: bytearray | None = None
    for line in header.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and current is not None:
            current += b" " + line.strip()
            continue
        if current is not None:
            values.append(current.decode("utf-8", "replace").strip())
            current = None
        field, sep, value = line.partition(b":")
        if sep and field.strip().lower() == wanted:
            current = bytearray(value.strip())
    if current is not None:
        values.append(current.decode("utf-8", "replace").strip())
    return values


# ---------------------------------------------------------------- the client

#: A line longer than this without CRLF is not IMAP (a literal does not count).
_MAX_LINE = 1 << 20


def _retrieve(task: asyncio.Future[Any]) -> None:
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
                self._welcome.add_done_callback(_retrieve)
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


class _Client(aioimaplib.IMAP4):  # type: ignore[misc]
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
        self._client_task.add_done_callback(_retrieve)


@dataclass(frozen=True, slots=True)
class Removal:
    """What became of one message mailcheck tried to remove."""

    result: str
    """``deleted``, ``moved``, ``refused`` (the server said NO/BAD), ``kept`` (no safe
    way, or the server said OK but kept it), ``not-ours`` (the header did not confirm:
    untouched), or ``unknown`` (the connection failed, or the UID is gone)."""
    outcome: Outcome
    why: str = ""
    reply: Reply | None = None
    to: str = ""


class ImapSession:
    """One logged-in IMAP connection, recording every step into a recorder."""

    def __init__(self, client: _Client, rec: Recorder, prefix: str, settings: ImapSettings) -> None:
        self.client = client
        self.rec = rec
        self.prefix = prefix
        self.settings = settings
        self.lost = client._lost
        self.dead = False
        self.busy = False
        """A command (or IDLE) is in flight: a cancelled one leaves the session unusable."""
        self.selected: str | None = None
        self.uidvalidity: int | None = None

    @property
    def capabilities(self) -> set[str]:
        """Upper-cased capability tokens (refreshed after login)."""
        return {str(c).upper() for c in self.client.protocol.capabilities}

    @property
    def usable(self) -> bool:
        """Alive, and no command left half-done by a cancellation."""
        return not self.dead and not self.busy and not self.lost.is_set()

    def _step(self, name: str, outcome: Outcome, start: float, **kw: Any) -> Step:
        return self.rec.add(
            Step(name=f"{self.prefix}{name}", outcome=outcome, elapsed_ms=elapsed_ms(start), **kw)
        )

    def _why_lost(self, exc: BaseException) -> ErrorInfo:
        failure = self.client.protocol.failure
        return error_info(exc, detail=failure) if failure else error_info(exc)

    async def command(
        self, name: str, call: Any, *, record: bool = True, refusals: bool = False
    ) -> Any:
        """Run one aioimaplib call under the step timeout; a failure kills the session.

        A NO or BAD is recorded and gives ``None``, unless ``refusals``: then the
        caller gets the response and records it (the cleanup quotes it).
        """
        start = self.rec.begin(f"{self.prefix}{name}") if record else time.perf_counter()
        if not self.usable:
            call.close()
            self._step(name, Outcome.CLOSED, start)
            return None
        self.busy = True
        try:
            response = await asyncio.wait_for(call, self.settings.timeout)
        except (TimeoutError, aioimaplib.CommandTimeout) as exc:
            self.kill()
            self._step(name, Outcome.TIMEOUT, start, error=error_info(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
            self.kill()
            outcome = Outcome.CLOSED if self.lost.is_set() else Outcome.ERROR
            self._step(name, outcome, start, error=self._why_lost(exc))
            return None
        self.busy = False
        if response.result != "OK":
            if refusals and response.result in ("NO", "BAD"):
                return response
            self.rec.add(_rejected(f"{self.prefix}{name}", response, start))
            return None
        if record:
            self._step(name, Outcome.OK, start)
        return response

    def kill(self) -> None:
        """Drop the connection without a word (a wedged aioimaplib client cannot LOGOUT)."""
        self.dead = True
        protocol = self.client.protocol
        protocol.fail_pending("mailcheck gave the connection up")
        for task in [*self.client.tasks, *protocol.tasks]:
            task.add_done_callback(_retrieve)
            task.cancel()
        if self.client._idle_waiter is not None:
            self.client._idle_waiter.cancel()
        transport = protocol.transport
        if transport is not None:
            # abort(), not close(): a TLS close waits for the peer's close_notify, and
            # the event loop may end first, leaving the socket open.
            transport.abort()
        elif not self.client._client_task.done():
            self.client._client_task.cancel()
            self.client._sock.close()

    async def list_mailboxes(self) -> list[Mailbox] | None:
        """Every folder, with its special-use attributes."""
        response = await self.command("list", self.client.list('""', '"*"'))
        if response is None:
            return None
        return parse_list_responses(_untagged(response))

    async def select(self, mailbox: Mailbox | str, step: str = "select") -> int | None:
        """SELECT (read-write; EXAMINE is broken in aioimaplib); return UIDNEXT."""
        name = mailbox.name if isinstance(mailbox, Mailbox) else mailbox
        response = await self.command(step, self.client.select(quote(name)))
        if response is None:
            return None
        self.selected = name
        codes = select_codes(_untagged(response))
        self.uidvalidity = valid_uid(codes.get("UIDVALIDITY"))
        # RFC 3501 makes UIDNEXT optional; STATUS cannot be used on the selected mailbox.
        return valid_uid(codes.get("UIDNEXT")) or 1

    async def search(self, *criteria: str, step: str = "search") -> set[int] | None:
        """UID SEARCH (US-ASCII criteria, quoted by the caller): the UIDs in 1..2^32-1."""
        response = await self.command(
            step, self.client.uid_search(*criteria, charset=None), record=False
        )
        if response is None:
            return None
        return parse_search_responses(_untagged(response))

    async def fetch_sections(
        self, uids: Sequence[int], section: str, step: str = "fetch"
    ) -> dict[int, bytes] | None:
        """``section`` of exactly these UIDs (other UIDs in the reply are ignored)."""
        if not uids:
            return {}
        wanted = set(uids)
        response = await self.command(
            step,
            self.client.uid(
                "fetch", ",".join(str(u) for u in sorted(wanted)), f"(UID BODY.PEEK[{section}])"
            ),
            record=False,
        )
        if response is None:
            return None
        return {uid: data for uid, data in parse_fetch(response.lines[:-1]) if uid in wanted}

    async def fetch_one(self, uid: int, section: str, step: str) -> bytes | None:
        """``section`` of one message."""
        found = await self.fetch_sections([uid], section, step)
        return None if found is None else found.get(uid)

    async def noop(self) -> bool:
        """NOOP: lets the server report new mail in the selected mailbox."""
        return await self.command("noop", self.client.noop(), record=False) is not None

    async def wait_for_push(self, seconds: float, wake: asyncio.Event | None) -> str:
        """IDLE until the server reports new mail, ``wake`` is set, or ``seconds`` pass.

        Returns ``push``, ``wake``, ``timeout`` or ``lost``. The session is left
        out of IDLE (DONE sent and answered) unless it was lost.
        """
        client = self.client
        self.busy = True
        try:
            idle_task = await asyncio.wait_for(
                client.idle_start(timeout=max(seconds, 0.01) + 60), self.settings.timeout
            )
        except Exception:  # noqa: BLE001 - the I/O edge: IDLE refused, lost or garbled
            self.kill()
            return "lost"
        idle_task.add_done_callback(_retrieve)
        waiters: dict[asyncio.Future[Any], str] = {
            asyncio.ensure_future(self._next_push()): "push",
            asyncio.ensure_future(self.lost.wait()): "lost",
        }
        if wake is not None:
            waiters[asyncio.ensure_future(wake.wait())] = "wake"
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=max(seconds, 0), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in waiters:
                task.cancel()
        reason = "timeout"
        for task in done:
            reason = waiters[task]
            if reason == "push":
                break
        if reason == "lost" or self.lost.is_set():
            self.kill()
            return "lost"
        try:
            client.idle_done()
            await asyncio.wait_for(idle_task, self.settings.timeout)
        except Exception:  # noqa: BLE001 - the I/O edge, as above
            self.kill()
            return "lost"
        while not client.protocol.idle_queue.empty():
            client.protocol.idle_queue.get_nowait()
        self.busy = False
        return reason

    async def _next_push(self) -> None:
        """Wait for a push that means new mail (keepalives like ``OK Still here`` are not)."""
        while True:
            lines = await self.client.protocol.idle_queue.get()
            if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                continue
            if any(bytes(line).rstrip().endswith((b"EXISTS", b"RECENT")) for line in lines):
                return

    async def still_there(self, uid: int) -> bool | None:
        """Whether the selected folder still holds ``uid`` (a UID SEARCH; ``None``: unknown)."""
        found = await self.search("UID", str(uid), step="verify")
        return None if found is None else uid in found

    async def remove(
        self,
        uid: int,
        uidvalidity: int | None,
        trash: Mailbox | None,
        confirm: Callable[[bytes], bool],
    ) -> Removal:
        """Remove one message of mailcheck's own, by UID; never a plain EXPUNGE or CLOSE.

        The UID's header is fetched again first and must pass ``confirm`` (our
        token and our Message-ID); every answer is checked, and a UID the
        server does not have was not "deleted".
        """
        if valid_uid(str(uid)) is None:
            return Removal("not-ours", Outcome.WITHHELD, why=f"UID {uid} is not a valid UID")
        if uidvalidity is not None and self.uidvalidity != uidvalidity:
            return Removal("kept", Outcome.WITHHELD, why="UIDVALIDITY changed")
        header = await self.fetch_sections([uid], "HEADER", step="confirm")
        if header is None:
            return self._unknown("the connection failed before the message was confirmed")
        if uid not in header:
            return Removal(
                "unknown", Outcome.ERROR, why=f"the server has no message with UID {uid}"
            )
        if not confirm(header[uid]):
            return Removal(
                "not-ours",
                Outcome.WITHHELD,
                why=f"the message at UID {uid} is not mailcheck's test message: left untouched",
            )
        caps = self.capabilities
        if "UIDPLUS" in caps:
            return await self._store_and_expunge(uid)
        if "MOVE" in caps and trash is not None:
            return await self._move(uid, trash)
        return Removal("kept", Outcome.WITHHELD, why="the server offers neither UIDPLUS nor MOVE")

    def _unknown(self, why: str) -> Removal:
        return Removal("unknown", Outcome.CLOSED if self.dead else Outcome.ERROR, why=why)

    async def _store_and_expunge(self, uid: int) -> Removal:
        # Not .SILENT: the untagged FETCH with \Deleted shows the flag was really set.
        stored = await self.command(
            "store",
            self.client.uid("store", str(uid), "+FLAGS", r"(\Deleted)"),
            record=False,
            refusals=True,
        )
        if stored is None:
            return self._unknown("the connection failed during UID STORE")
        if stored.result != "OK":
            return _refused("UID STORE", stored)
        flagged = any(
            f.uid == uid and "\\deleted" in (f.flags() or ())
            for f in parse_fetch_responses(_untagged(stored))
        )
        if not flagged:
            # No FETCH came back: does the message exist, and carry \Deleted now?
            check = await self.search("UID", str(uid), "DELETED", step="verify")
            if check is None:
                return self._unknown("the connection failed after UID STORE")
            if uid not in check:
                return Removal(
                    "unknown",
                    Outcome.ERROR,
                    why=f"UID STORE answered OK, but UID {uid} is not there",
                )
        # UID EXPUNGE (RFC 4315) removes only this UID, even if the user flagged
        # other messages \Deleted.
        expunged = await self.command(
            "expunge", self.client.uid("expunge", str(uid)), record=False, refusals=True
        )
        if expunged is None:
            return self._unknown("the connection failed during UID EXPUNGE")
        if expunged.result != "OK":
            return _refused("UID EXPUNGE", expunged)
        there = await self.still_there(uid)
        if there is None:
            return self._unknown("the connection failed after UID EXPUNGE")
        if there:
            return Removal(
                "kept",
                Outcome.ERROR,
                why="UID EXPUNGE answered OK, but the message is still there",
                reply=imap_reply(expunged.result, _last_text(expunged)),
            )
        return Removal("deleted", Outcome.OK)

    async def _move(self, uid: int, trash: Mailbox) -> Removal:
        moved = await self.command(
            "move",
            self.client.uid("move", str(uid), quote(trash.name)),
            record=False,
            refusals=True,
        )
        if moved is None:
            return self._unknown("the connection failed during UID MOVE")
        if moved.result != "OK":
            return _refused("UID MOVE", moved)
        there = await self.still_there(uid)
        if there is None:
            return self._unknown("the connection failed after UID MOVE")
        if there:
            return Removal(
                "kept",
                Outcome.ERROR,
                why="UID MOVE answered OK, but the message is still there",
                reply=imap_reply(moved.result, _last_text(moved)),
            )
        return Removal("moved", Outcome.OK, to=trash.display)

    async def logout(self) -> None:
        """LOGOUT, or just drop the connection if it is not healthy."""
        if self.usable:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.logout(), min(self.settings.timeout, 2.0))
        self.kill()


def _refused(what: str, response: Any) -> Removal:
    reply = imap_reply(str(response.result), _last_text(response))
    return Removal(
        "refused",
        Outcome.REJECTED,
        why=f"the server refused {what}: {response.result} {reply.text}".strip()[:500],
        reply=reply,
    )


async def _starttls(client: _Client, settings: ImapSettings, rec: Recorder, prefix: str) -> bool:
    start = rec.begin(f"{prefix}starttls")
    if "STARTTLS" not in {str(c).upper() for c in client.protocol.capabilities}:
        rec.add(Step(name=f"{prefix}starttls", outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        return False
    protocol = client.protocol
    try:
        response = await asyncio.wait_for(
            protocol.execute(
                aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
            ),
            settings.timeout,
        )
        if response.result != "OK":
            rec.add(_rejected(f"{prefix}starttls", response, start))
            return False
        loop = asyncio.get_running_loop()
        protocol.transport = await asyncio.wait_for(
            loop.start_tls(
                protocol.transport,
                protocol,
                make_context(settings.ca_file),
                server_hostname=settings.host,
            ),
            settings.timeout,
        )
        await asyncio.wait_for(protocol.capability(), settings.timeout)
    except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
        rec.add(_failure(f"{prefix}starttls", exc, start))
        return False
    rec.add(Step(name=f"{prefix}starttls", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
    return True


def _failure(name: str, exc: BaseException, start: float) -> Step:
    tls_error = find_ssl_error(exc)
    if tls_error is not None:
        failure, text = classify_tls_error(tls_error)
        return Step(
            name=name,
            outcome=Outcome.TLS_ERROR,
            elapsed_ms=elapsed_ms(start),
            error=error_info(exc, detail=text),
            data=(("tls_failure", failure),),
        )
    if isinstance(exc, TimeoutError):
        return Step(
            name=name, outcome=Outcome.TIMEOUT, elapsed_ms=elapsed_ms(start), error=error_info(exc)
        )
    if isinstance(exc, ConnectionError):
        return Step(
            name=name, outcome=Outcome.CLOSED, elapsed_ms=elapsed_ms(start), error=error_info(exc)
        )
    return Step(
        name=name, outcome=Outcome.ERROR, elapsed_ms=elapsed_ms(start), error=error_info(exc)
    )


async def _greeting(session: ImapSession, start: float) -> bool:
    """Wait for the greeting (and the CAPABILITY after it), or for the connection to end.

    Bounded by the step timeout; the runner's deadline bounds it too, since it
    cancels the whole probe. A greeting that is not OK, garbage, or a dropped
    connection ends the wait at once, with the server's words when it had any.
    """
    protocol = session.client.protocol
    prefix = session.prefix
    ready = asyncio.ensure_future(protocol.wait("AUTH|NONAUTH"))
    lost = asyncio.ensure_future(session.lost.wait())
    try:
        await asyncio.wait(
            {ready, lost}, timeout=session.settings.timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        ready.cancel()
        lost.cancel()
    if protocol.state in (aioimaplib.AUTH, aioimaplib.NONAUTH) and not session.lost.is_set():
        session.rec.add(
            Step(name=f"{prefix}greeting", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start))
        )
        return True
    greeting = protocol.greeting
    reply = imap_reply("", greeting[:2000]) if greeting else None
    if protocol.failure is not None:
        outcome = Outcome.REJECTED if greeting and b"BYE" in greeting[:8].upper() else Outcome.ERROR
        error = ErrorInfo(exception="ImapProtocolError", message=protocol.failure)
    elif session.lost.is_set():
        outcome = Outcome.CLOSED
        error = ErrorInfo(exception="ConnectionClosed", message="the server closed the connection")
    else:
        outcome = Outcome.TIMEOUT
        error = ErrorInfo(exception="TimeoutError", message="no greeting within the timeout")
    session.rec.add(
        Step(
            name=f"{prefix}greeting",
            outcome=outcome,
            elapsed_ms=elapsed_ms(start),
            reply=reply,
            error=error,
        )
    )
    session.kill()
    return False


async def open_session(
    settings: ImapSettings,
    secret: Secret,
    rec: Recorder,
    prefix: str = "",
    before_login: Callable[[], Awaitable[bool]] | None = None,
) -> ImapSession | None:
    """Resolve, connect, TLS, greeting, LOGIN; ``None`` when a step failed (it is recorded)."""
    rec.begin(f"{prefix}resolve")
    resolved = await resolve_host(
        settings.host, settings.port, timeout=settings.timeout, dns_server=settings.dns_server
    )
    rec.add(replace(resolved, name=f"{prefix}resolve"))
    if resolved.outcome is not Outcome.OK:
        return None
    rec.begin(f"{prefix}connect")
    connected, sock = await connect_tcp(
        (resolved.get("addresses") or "").split(), settings.port, timeout=settings.timeout
    )
    rec.add(replace(connected, name=f"{prefix}connect"))
    if sock is None:
        return None
    implicit = settings.tls is TlsMode.TLS
    lost = asyncio.Event()
    client = _Client(
        sock,
        settings.host,
        make_context(settings.ca_file) if implicit else None,
        settings.timeout,
        lost,
    )
    session = ImapSession(client, rec, prefix, settings)
    start = rec.begin(f"{prefix}tls" if implicit else f"{prefix}greeting")
    try:
        await asyncio.wait_for(client._client_task, settings.timeout)
    except (TimeoutError, OSError) as exc:
        rec.add(_failure(f"{prefix}tls" if implicit else f"{prefix}connect", exc, start))
        session.kill()
        return None
    if implicit:
        rec.add(Step(name=f"{prefix}tls", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
        start = rec.begin(f"{prefix}greeting")
    if not await _greeting(session, start):
        return None
    rec.add(Step(name=f"{prefix}greeting", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
    if settings.tls is TlsMode.STARTTLS and not await _starttls(client, settings, rec, prefix):
        session.kill()
        return None
    encrypted = client.protocol.transport.get_extra_info("sslcontext") is not None
    start = rec.begin(f"{prefix}login")
    if not encrypted and not settings.allow_plaintext:
        rec.add(Step(name=f"{prefix}login", outcome=Outcome.WITHHELD, elapsed_ms=0.0))
        session.kill()
        return None
    if "LOGINDISABLED" in session.capabilities:
        rec.add(Step(name=f"{prefix}login", outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        session.kill()
        return None
    if before_login is not None and not await before_login():
        rec.add(
            Step(
                name=f"{prefix}login",
                outcome=Outcome.WITHHELD,
                elapsed_ms=elapsed_ms(start),
                data=(("why", "the SMTP login with the same password failed"),),
            )
        )
        session.kill()
        return None
    password = secret.reveal()
    rec.add_secret(settings.username, password)
    rec.note(f"{prefix}LOGIN {settings.username} {REDACTED}")
    try:
        response = await asyncio.wait_for(
            client.login(aioimaplib.quoted(settings.username), password), settings.timeout
        )
    except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
        rec.add(_failure(f"{prefix}login", exc, start))
        session.kill()
        return None
    if response.result != "OK":
        rec.add(_rejected(f"{prefix}login", response, start))
        session.kill()
        return None
    # The capability set aioimaplib built from the LOGIN reply can be corrupt: ask again.
    try:
        await asyncio.wait_for(client.protocol.capability(), settings.timeout)
    except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
        rec.add(_failure(f"{prefix}login", exc, start))
        session.kill()
        return None
    rec.add(
        Step(
            name=f"{prefix}login",
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            data=(("capabilities", " ".join(sorted(session.capabilities))),),
        )
    )
    return session
