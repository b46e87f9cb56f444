"""The connected IMAP session: open (resolve, connect, TLS, greeting, LOGIN), then commands.

Every command runs under the step timeout and becomes a step; a session that
failed once (timed out, lost, garbled) is dead and never reused. Cleanup
(cleanup.py) and IDLE (idle.py) work on a session from outside.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import aioimaplib

from mailcheck.evidence import ErrorInfo, Outcome, Step
from mailcheck.facts.imap import ImapStep
from mailcheck.probes.failure import failure_step
from mailcheck.probes.imap.client import Client, retrieve
from mailcheck.probes.imap.messages import parse_fetch
from mailcheck.probes.imap.oauth import login_with_token
from mailcheck.probes.imap.wire import (
    Mailbox,
    imap_reply,
    parse_list_responses,
    parse_search_responses,
    quote,
    reassemble,
    select_codes,
    valid_uid,
)
from mailcheck.probes.net import connect_tcp, elapsed_ms, error_info, resolve_host
from mailcheck.probes.recorder import REDACTED, Recorder
from mailcheck.probes.tls import make_context
from mailcheck.secret import Secret
from mailcheck.settings import ImapSettings, TlsMode

__all__ = ["ImapSession", "last_text", "open_session", "untagged"]


def last_text(response: Any) -> bytes:
    """The tagged line's text (the last of aioimaplib's lines)."""
    lines = getattr(response, "lines", None) or [b""]
    last = lines[-1]
    return bytes(last) if isinstance(last, bytes | bytearray) else b""


def _rejected(name: str, response: Any, start: float) -> Step:
    """A tagged NO or BAD as a step, with the server's words."""
    reply = imap_reply(str(response.result), last_text(response))
    return Step(name=name, outcome=Outcome.REJECTED, elapsed_ms=elapsed_ms(start), reply=reply)


def untagged(response: Any) -> bytes:
    """The untagged responses of a command, as the server sent them (tagged text left out)."""
    return reassemble(list(response.lines[:-1]))


class ImapSession:
    """One logged-in IMAP connection, recording every step into a recorder."""

    def __init__(self, client: Client, rec: Recorder, prefix: str, settings: ImapSettings) -> None:
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
        self.login_data: tuple[tuple[str, str], ...] = ()
        """What the login step records besides the capabilities (the OAuth2 mechanism)."""

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
            task.add_done_callback(retrieve)
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
        response = await self.command(ImapStep.LIST, self.client.list('""', '"*"'))
        if response is None:
            return None
        return parse_list_responses(untagged(response))

    async def select(self, mailbox: Mailbox | str, step: str = ImapStep.SELECT) -> int | None:
        """SELECT (read-write; EXAMINE is broken in aioimaplib); return UIDNEXT."""
        name = mailbox.name if isinstance(mailbox, Mailbox) else mailbox
        response = await self.command(step, self.client.select(quote(name)))
        if response is None:
            return None
        self.selected = name
        codes = select_codes(untagged(response))
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
        return parse_search_responses(untagged(response))

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

    async def logout(self) -> None:
        """LOGOUT, or just drop the connection if it is not healthy."""
        if self.usable:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.logout(), min(self.settings.timeout, 2.0))
        self.kill()


async def _starttls(client: Client, settings: ImapSettings, rec: Recorder, prefix: str) -> bool:
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
        rec.add(failure_step(f"{prefix}starttls", exc, start))
        return False
    rec.add(Step(name=f"{prefix}starttls", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
    return True


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


async def _connect(settings: ImapSettings, rec: Recorder, prefix: str) -> socket.socket | None:
    """Resolve and connect, as steps; the connected socket, or ``None``."""
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
    return sock


async def _start(
    sock: socket.socket, settings: ImapSettings, rec: Recorder, prefix: str
) -> ImapSession | None:
    """TLS (implicit), the greeting, STARTTLS: a session ready for LOGIN, or ``None``."""
    implicit = settings.tls is TlsMode.TLS
    lost = asyncio.Event()
    client = Client(
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
        rec.add(failure_step(f"{prefix}tls" if implicit else f"{prefix}connect", exc, start))
        session.kill()
        return None
    if implicit:
        rec.add(Step(name=f"{prefix}tls", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
        start = rec.begin(f"{prefix}greeting")
    if not await _greeting(session, start):  # it records the greeting step, either way
        return None
    if settings.tls is TlsMode.STARTTLS and not await _starttls(client, settings, rec, prefix):
        session.kill()
        return None
    return session


async def _login(
    session: ImapSession,
    secret: Secret,
    before_login: Callable[[], Awaitable[bool]] | None,
) -> bool:
    """LOGIN, only over TLS (unless plaintext is allowed) and only once; a failure kills."""
    client, rec, prefix, settings = session.client, session.rec, session.prefix, session.settings
    encrypted = client.protocol.transport.get_extra_info("sslcontext") is not None
    start = rec.begin(f"{prefix}login")
    if not encrypted and not settings.allow_plaintext:
        rec.add(Step(name=f"{prefix}login", outcome=Outcome.WITHHELD, elapsed_ms=0.0))
        return False
    if "LOGINDISABLED" in session.capabilities and not secret.is_token:
        rec.add(Step(name=f"{prefix}login", outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        return False
    if before_login is not None and not await before_login():
        rec.add(
            Step(
                name=f"{prefix}login",
                outcome=Outcome.WITHHELD,
                elapsed_ms=elapsed_ms(start),
                data=(("why", "the SMTP login with the same password failed"),),
            )
        )
        return False
    if secret.is_token:  # OAuth2 (issue 13): AUTHENTICATE OAUTHBEARER/XOAUTH2
        if not await login_with_token(session, secret, start):
            return False
    elif not await _login_password(session, secret, start):
        return False
    # The capability set aioimaplib built from the LOGIN reply can be corrupt: ask again.
    try:
        await asyncio.wait_for(client.protocol.capability(), settings.timeout)
    except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
        rec.add(failure_step(f"{prefix}login", exc, start))
        return False
    rec.add(
        Step(
            name=f"{prefix}login",
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            data=(("capabilities", " ".join(sorted(session.capabilities))), *session.login_data),
        )
    )
    return True


async def _login_password(session: ImapSession, secret: Secret, start: float) -> bool:
    client, rec, prefix, settings = session.client, session.rec, session.prefix, session.settings
    password = secret.reveal()
    rec.add_secret(settings.username, password)
    rec.note(f"{prefix}LOGIN {settings.username} {REDACTED}")
    try:
        response = await asyncio.wait_for(
            client.login(aioimaplib.quoted(settings.username), password), settings.timeout
        )
    except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
        rec.add(failure_step(f"{prefix}login", exc, start))
        return False
    if response.result != "OK":
        rec.add(_rejected(f"{prefix}login", response, start))
        return False
    return True


async def open_session(
    settings: ImapSettings,
    secret: Secret,
    rec: Recorder,
    prefix: str = "",
    before_login: Callable[[], Awaitable[bool]] | None = None,
) -> ImapSession | None:
    """Resolve, connect, TLS, greeting, LOGIN; ``None`` when a step failed (it is recorded)."""
    sock = await _connect(settings, rec, prefix)
    if sock is None:
        return None
    session = await _start(sock, settings, rec, prefix)
    if session is None:
        return None
    if not await _login(session, secret, before_login):
        session.kill()
        return None
    return session
