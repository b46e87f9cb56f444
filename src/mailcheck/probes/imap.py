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
from mailcheck.evidence import Outcome, Reply, Step
from mailcheck.probes.net import connect_tcp, elapsed_ms, error_info, resolve_host
from mailcheck.probes.recorder import REDACTED, Recorder
from mailcheck.probes.tls import classify_tls_error, find_ssl_error, make_context
from mailcheck.secret import Secret

__all__ = [
    "JUNK_NAMES",
    "ImapSession",
    "Mailbox",
    "decode_mailbox_name",
    "find_junk",
    "open_session",
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


@dataclass(frozen=True, slots=True)
class Mailbox:
    """A folder as LIST describes it."""

    name: str
    """As the server spells it (modified UTF-7): what commands must use."""
    display: str
    """Decoded, for people and for name matching."""
    attributes: frozenset[str]
    """Lower-cased, e.g. ``\\junk``, ``\\noselect``."""


# ---------------------------------------------------------------- parsing helpers


def quote(text: str) -> str:
    """An IMAP quoted string (RFC 3501 §4.3)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def decode_mailbox_name(name: str) -> str:
    """Decode modified UTF-7 (RFC 3501 §5.1.3): ``Th&AbA- r&AOE-c`` is ``Thư rác``."""
    import base64

    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        end = name.find("-", i)
        if end < 0:
            out.append(name[i:])
            break
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            data = chunk.replace(",", "/")
            data += "=" * (-len(data) % 4)
            try:
                out.append(base64.b64decode(data).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                out.append(name[i : end + 1])
        i = end + 1
    return "".join(out)


_LIST_LINE = re.compile(
    rb'^\((?P<attrs>[^)]*)\)\s+(?P<delim>NIL|"(?:[^"\\]|\\.)*")\s+(?P<name>.*)$'
)


def parse_list_line(line: bytes, literal: bytes | None = None) -> Mailbox | None:
    """Parse one LIST response line (``(\\HasNoChildren \\Junk) "/" Junk``)."""
    match = _LIST_LINE.match(line.strip())
    if match is None:
        return None
    raw = match.group("name").strip()
    if literal is not None and re.fullmatch(rb"\{\d+\}", raw):
        name = literal.decode("utf-8", "replace")
    elif raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2:
        name = re.sub(r"\\(.)", r"\1", raw[1:-1].decode("utf-8", "replace"))
    else:
        name = raw.decode("utf-8", "replace")
    attrs = frozenset(a.lower() for a in match.group("attrs").decode("ascii", "replace").split())
    return Mailbox(name=name, display=decode_mailbox_name(name), attributes=attrs)


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


def imap_reply(result: str, text: bytes | str) -> Reply:
    """A tagged IMAP reply as evidence: status, RFC 5530 response code, text."""
    value = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
    value = value.strip()[:2000]
    match = _RESP_CODE.match(value)
    code = None
    if match is not None:
        code = match.group("code").split()[0] if match.group("code") else None
        value = match.group("text")
    return Reply(code=None, enhanced=code, text=value, status=result)


def _rejected(name: str, response: Any, start: float) -> Step:
    """A tagged NO or BAD as a step, with the server's words."""
    reply = imap_reply(response.result, response.lines[-1] if response.lines else b"")
    return Step(name=name, outcome=Outcome.REJECTED, elapsed_ms=elapsed_ms(start), reply=reply)


_UID = re.compile(rb"UID (\d+)")


def parse_fetch(lines: Sequence[Any]) -> list[tuple[int, bytes]]:
    """``(uid, literal)`` pairs from a UID FETCH of one body section."""
    out: list[tuple[int, bytes]] = []
    pending: int | None = None
    for item in lines:
        if isinstance(item, bytearray):
            if pending is not None:
                out.append((pending, bytes(item)))
                pending = None
            continue
        match = _UID.search(item)
        if match is not None and item.rstrip().endswith(b"}"):
            pending = int(match.group(1))
    return out


# ---------------------------------------------------------------- the client


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
        self.protocol = aioimaplib.IMAP4ClientProtocol(local_loop, lambda exc: self._lost.set())
        self._client_task = local_loop.create_task(
            local_loop.create_connection(
                lambda: self.protocol,
                sock=self._sock,
                ssl=ssl_context,
                server_hostname=host if ssl_context is not None else None,
                ssl_handshake_timeout=self.timeout if ssl_context is not None else None,
            )
        )


class ImapSession:
    """One logged-in IMAP connection, recording every step into a recorder."""

    def __init__(self, client: _Client, rec: Recorder, prefix: str, settings: ImapSettings) -> None:
        self.client = client
        self.rec = rec
        self.prefix = prefix
        self.settings = settings
        self.lost = client._lost
        self.dead = False
        self.selected: str | None = None
        self.uidvalidity: int | None = None

    @property
    def capabilities(self) -> set[str]:
        """Upper-cased capability tokens (refreshed after login)."""
        return {str(c).upper() for c in self.client.protocol.capabilities}

    def _step(self, name: str, outcome: Outcome, start: float, **kw: Any) -> Step:
        return self.rec.add(
            Step(name=f"{self.prefix}{name}", outcome=outcome, elapsed_ms=elapsed_ms(start), **kw)
        )

    async def command(self, name: str, call: Any, *, record: bool = True) -> Any:
        """Run one aioimaplib call under the step timeout; a failure kills the session."""
        start = self.rec.begin(f"{self.prefix}{name}") if record else time.perf_counter()
        try:
            response = await asyncio.wait_for(call, self.settings.timeout)
        except (TimeoutError, aioimaplib.CommandTimeout) as exc:
            self.kill()
            self._step(name, Outcome.TIMEOUT, start, error=error_info(exc))
            return None
        except (aioimaplib.Abort, aioimaplib.Error, OSError) as exc:
            self.kill()
            outcome = Outcome.CLOSED if self.lost.is_set() else Outcome.ERROR
            self._step(name, outcome, start, error=error_info(exc))
            return None
        if response.result != "OK":
            self.rec.add(_rejected(f"{self.prefix}{name}", response, start))
            return None
        if record:
            self._step(name, Outcome.OK, start)
        return response

    def kill(self) -> None:
        """Drop the connection without a word (a wedged aioimaplib client cannot LOGOUT)."""
        self.dead = True
        transport = self.client.protocol.transport
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
        boxes: list[Mailbox] = []
        lines = list(response.lines[:-1])
        for i, line in enumerate(lines):
            if isinstance(line, bytearray):
                continue
            literal = (
                lines[i + 1] if i + 1 < len(lines) and isinstance(lines[i + 1], bytearray) else None
            )
            box = parse_list_line(bytes(line), bytes(literal) if literal is not None else None)
            if box is not None:
                boxes.append(box)
        return boxes

    async def select(self, mailbox: Mailbox | str, step: str = "select") -> int | None:
        """SELECT (read-write; EXAMINE is broken in aioimaplib); return UIDNEXT."""
        name = mailbox.name if isinstance(mailbox, Mailbox) else mailbox
        response = await self.command(step, self.client.select(quote(name)))
        if response is None:
            return None
        self.selected = name
        uidnext = None
        for line in response.lines:
            text = bytes(line)
            if m := re.search(rb"UIDNEXT (\d+)", text):
                uidnext = int(m.group(1))
            if m := re.search(rb"UIDVALIDITY (\d+)", text):
                self.uidvalidity = int(m.group(1))
        if uidnext is None:
            # RFC 3501 makes UIDNEXT optional; STATUS cannot be used on the selected mailbox.
            uidnext = 1
        return uidnext

    async def fetch_new(self, since_uid: int, section: str) -> list[tuple[int, bytes]] | None:
        """``section`` of every message with UID >= ``since_uid`` (only new mail: cheap)."""
        response = await self.command(
            "fetch",
            self.client.uid("fetch", f"{since_uid}:*", f"(UID BODY.PEEK[{section}])"),
            record=False,
        )
        if response is None:
            return None
        # `n:*` returns the last message even when n is above the highest UID (RFC 3501).
        return [(uid, data) for uid, data in parse_fetch(response.lines) if uid >= since_uid]

    async def fetch_one(self, uid: int, section: str, step: str) -> bytes | None:
        """``section`` of one message."""
        response = await self.command(
            step, self.client.uid("fetch", str(uid), f"(UID BODY.PEEK[{section}])")
        )
        if response is None:
            return None
        found = [data for u, data in parse_fetch(response.lines) if u == uid]
        return found[0] if found else None

    async def noop(self) -> bool:
        """NOOP: lets the server report new mail in the selected mailbox."""
        return await self.command("noop", self.client.noop(), record=False) is not None

    async def search_header(self, header: str, value: str) -> list[int] | None:
        """UID SEARCH HEADER (a substring match: confirm exactly on the fetched header)."""
        response = await self.command(
            "search",
            self.client.uid_search("HEADER", header, quote(value), charset=None),
            record=False,
        )
        if response is None:
            return None
        text = bytes(response.lines[0]) if response.lines else b""
        return [int(x) for x in text.split() if x.isdigit()]

    async def wait_for_push(self, seconds: float, wake: asyncio.Event | None) -> str:
        """IDLE until the server reports new mail, ``wake`` is set, or ``seconds`` pass.

        Returns ``push``, ``wake``, ``timeout`` or ``lost``. The session is left
        out of IDLE (DONE sent and answered) unless it was lost.
        """
        client = self.client
        try:
            idle_task = await asyncio.wait_for(
                client.idle_start(timeout=max(seconds, 0.01) + 60), self.settings.timeout
            )
        except (TimeoutError, aioimaplib.Abort, aioimaplib.Error, OSError):
            self.kill()
            return "lost"
        waiters: dict[asyncio.Future[Any], str] = {
            asyncio.ensure_future(self._next_push()): "push",
            asyncio.ensure_future(self.lost.wait()): "lost",
        }
        if wake is not None:
            waiters[asyncio.ensure_future(wake.wait())] = "wake"
        done, pending = await asyncio.wait(
            waiters, timeout=max(seconds, 0), return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
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
        except (TimeoutError, aioimaplib.Abort, aioimaplib.Error, OSError):
            self.kill()
            return "lost"
        while not client.protocol.idle_queue.empty():
            client.protocol.idle_queue.get_nowait()
        return reason

    async def _next_push(self) -> None:
        """Wait for a push that means new mail (keepalives like ``OK Still here`` are not)."""
        while True:
            lines = await self.client.protocol.idle_queue.get()
            if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                continue
            if any(bytes(line).rstrip().endswith((b"EXISTS", b"RECENT")) for line in lines):
                return

    async def delete_message(self, uid: int, uidvalidity: int | None, trash: Mailbox | None) -> str:
        """Remove one message of mailcheck's own, by UID; never a plain EXPUNGE or CLOSE.

        Returns ``deleted`` (UIDPLUS), ``moved`` (MOVE to Trash), or ``kept``
        with the reason recorded (no safe way, or UIDVALIDITY changed).
        """
        start = self.rec.begin(f"{self.prefix}cleanup")
        if uidvalidity is not None and self.uidvalidity != uidvalidity:
            self._step(
                "cleanup",
                Outcome.WITHHELD,
                start,
                data=(("result", "kept"), ("why", "UIDVALIDITY changed")),
            )
            return "kept"
        caps = self.capabilities
        if "UIDPLUS" in caps:
            stored = await self.command(
                "store",
                self.client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Deleted)"),
                record=False,
            )
            if stored is not None:
                # UID EXPUNGE (RFC 4315) removes only this UID, even if the user flagged
                # other messages \Deleted.
                expunged = await self.command(
                    "expunge", self.client.uid("expunge", str(uid)), record=False
                )
                if expunged is not None:
                    self._step(
                        "cleanup",
                        Outcome.OK,
                        start,
                        data=(("result", "deleted"), ("uid", str(uid))),
                    )
                    return "deleted"
        elif "MOVE" in caps and trash is not None:
            moved = await self.command(
                "move", self.client.uid("move", str(uid), quote(trash.name)), record=False
            )
            if moved is not None:
                self._step(
                    "cleanup",
                    Outcome.OK,
                    start,
                    data=(("result", "moved"), ("uid", str(uid)), ("to", trash.display)),
                )
                return "moved"
        self._step(
            "cleanup",
            Outcome.WITHHELD,
            start,
            data=(("result", "kept"), ("why", "the server offers neither UIDPLUS nor MOVE")),
        )
        return "kept"

    async def logout(self) -> None:
        """LOGOUT, or just drop the connection if it is not healthy."""
        if not self.dead and not self.lost.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.logout(), min(self.settings.timeout, 2.0))
        self.kill()


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
    except (TimeoutError, aioimaplib.Abort, aioimaplib.Error, OSError) as exc:
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
    try:
        await asyncio.wait_for(client.protocol.wait("AUTH|NONAUTH"), settings.timeout)
    except (TimeoutError, OSError) as exc:
        outcome = Outcome.CLOSED if lost.is_set() else Outcome.TIMEOUT
        rec.add(
            Step(
                name=f"{prefix}greeting",
                outcome=outcome,
                elapsed_ms=elapsed_ms(start),
                error=error_info(exc),
            )
        )
        session.kill()
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
    except (TimeoutError, aioimaplib.Abort, aioimaplib.Error, OSError) as exc:
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
    except (TimeoutError, aioimaplib.Abort, aioimaplib.Error, OSError) as exc:
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
