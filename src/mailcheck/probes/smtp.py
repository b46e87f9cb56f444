"""The SMTP credential probe: resolve, connect, TLS, greeting, EHLO, STARTTLS, one AUTH.

It sends no mail. Safety rules it keeps:

- the password goes only over TLS, unless the user passed ``--allow-plaintext``;
- exactly one AUTH attempt: one mechanism is chosen and tried once, never
  aiosmtplib's ``login()``, which falls back from PLAIN to LOGIN and so counts
  two failures against the account;
- certificates are verified against the system CAs or ``--ca-file``.

Every library exception is mapped to an outcome in
:func:`mailcheck.probes.smtpreply.smtp_failure`, the one place that knows
aiosmtplib's exception tree. The start of the session (TLS, greeting, a wrong
TLS mode found out) is in probes/smtpstart.py; sending the test invoice after
the login is in probes/submission.py.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import aiosmtplib

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.smtp import SmtpStep
from mailcheck.probes.net import connect_tcp, elapsed_ms, resolve_host
from mailcheck.probes.recorder import REDACTED, Recorder
from mailcheck.probes.smtpoauth import auth_oauth
from mailcheck.probes.smtpreply import make_reply, record_command, smtp_failure
from mailcheck.probes.smtpstart import start_session, tls_data
from mailcheck.probes.submission import Submission, submit
from mailcheck.probes.tls import make_context
from mailcheck.secret import Secret
from mailcheck.settings import SmtpSettings, TlsMode

__all__ = ["SmtpProbe", "Submission", "probe_smtp", "smtp_target"]

# Mechanisms mailcheck can do with a password, in order of preference. One is used.
_MECHANISMS = ("plain", "login", "cram-md5")


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpProbe:
    """What the SMTP probe needs."""

    settings: SmtpSettings
    secret: Secret | None
    dns_server: tuple[str, int] | None = None
    submission: Submission | None = None


def smtp_target(settings: SmtpSettings) -> str:
    """How the probe names its server in reports."""
    return f"{settings.host}:{settings.port} ({settings.tls.value})"


async def _ehlo(smtp: aiosmtplib.SMTP, rec: Recorder, name: str, ehlo_name: str) -> bool:
    start = rec.begin(name)
    rec.client(f"EHLO {ehlo_name}")
    try:
        response = await smtp.ehlo()
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        step = rec.add(smtp_failure(name, exc, start))
        if step.reply:
            rec.server(step.reply)
        return False
    reply = make_reply(response.code, response.message)
    rec.server(reply)
    rec.add(
        Step(
            name=name,
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            reply=reply,
            data=(
                ("extensions", " ".join(sorted(k.upper() for k in smtp.esmtp_extensions))),
                ("auth_methods", " ".join(m.upper() for m in smtp.server_auth_methods)),
                *_size_limit(smtp),
            ),
        )
    )
    return True


def _size_limit(smtp: aiosmtplib.SMTP) -> tuple[tuple[str, str], ...]:
    """EHLO's SIZE (RFC 1870): the largest message the server takes, when it says."""
    size = (smtp.esmtp_extensions.get("size") or "").strip()
    return (("size_limit", size),) if size.isdigit() else ()


async def _starttls(smtp: aiosmtplib.SMTP, rec: Recorder, probe: SmtpProbe) -> bool:
    settings = probe.settings
    start = rec.begin(SmtpStep.STARTTLS)
    if not smtp.supports_extension("starttls"):
        rec.add(Step(name=SmtpStep.STARTTLS, outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        return False
    rec.client("STARTTLS")
    try:
        response = await smtp.starttls(
            tls_context=make_context(settings.ca_file), server_hostname=settings.host
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        step = rec.add(smtp_failure(SmtpStep.STARTTLS, exc, start))
        if step.reply:
            rec.server(step.reply)
        return False
    reply = make_reply(response.code, response.message)
    rec.server(reply)
    rec.note("TLS started")
    rec.add(
        Step(
            name=SmtpStep.STARTTLS,
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            reply=reply,
            data=tls_data(smtp),
        )
    )
    return await _ehlo(smtp, rec, SmtpStep.EHLO_TLS, settings.ehlo_name)


async def _auth(smtp: aiosmtplib.SMTP, rec: Recorder, probe: SmtpProbe) -> bool:
    settings = probe.settings
    encrypted = smtp.get_transport_info("sslcontext") is not None
    offered = smtp.server_auth_methods
    if not encrypted and not settings.allow_plaintext:
        # Never a password over a connection that is not TLS: anyone on the path could read it.
        rec.note("AUTH withheld: the connection is not encrypted (see --allow-plaintext)")
        rec.add(
            Step(
                name=SmtpStep.AUTH,
                outcome=Outcome.WITHHELD,
                elapsed_ms=0.0,
                data=(("offered", " ".join(m.upper() for m in offered)),),
            )
        )
        return False
    if not smtp.supports_extension("auth"):
        rec.add(Step(name=SmtpStep.AUTH, outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        return False
    if probe.secret is not None and probe.secret.is_token:  # OAuth2 (issue 13)
        encrypted_data = (("encrypted", "yes" if encrypted else "no"),)
        return await auth_oauth(
            smtp, rec, probe.secret, username=settings.username, port=settings.port,
            data=encrypted_data,
        )  # fmt: skip
    mechanism = next((m for m in _MECHANISMS if m in offered), None)
    if mechanism is None or probe.secret is None:
        rec.add(
            Step(
                name=SmtpStep.AUTH,
                outcome=Outcome.NOT_OFFERED,
                elapsed_ms=0.0,
                data=(("offered", " ".join(m.upper() for m in offered)),),
            )
        )
        return False
    password = probe.secret.reveal()
    rec.add_secret(settings.username, password)
    data = (("mechanism", mechanism.upper()), ("encrypted", "yes" if encrypted else "no"))
    if mechanism == "plain":
        call = smtp.auth_plain(settings.username, password)
    elif mechanism == "login":
        call = smtp.auth_login(settings.username, password)
    else:
        call = smtp.auth_crammd5(settings.username, password)
    return await record_command(
        rec, SmtpStep.AUTH, f"AUTH {mechanism.upper()} {REDACTED}", call, *data
    )


async def _connect(probe: SmtpProbe, rec: Recorder) -> tuple[socket.socket, str] | None:
    """Resolve and connect, as steps: the socket and the peer's address, or ``None``."""
    settings = probe.settings
    rec.begin(SmtpStep.RESOLVE)
    resolved = rec.add(
        await resolve_host(
            settings.host, settings.port, timeout=settings.timeout, dns_server=probe.dns_server
        )
    )
    if resolved.outcome is not Outcome.OK:
        return None
    addresses = (resolved.get("addresses") or "").split()
    rec.begin(SmtpStep.CONNECT)
    connected, sock = await connect_tcp(addresses, settings.port, timeout=settings.timeout)
    rec.add(connected)
    if sock is None:
        return None
    return sock, (connected.get("peer") or "").rpartition(":")[0]


async def probe_smtp(probe: SmtpProbe, rec: Recorder) -> None:
    """Run the credential check, recording into ``rec``. Server behaviour never raises."""
    settings = probe.settings
    connected = await _connect(probe, rec)
    if connected is None:
        return
    sock, peer = connected
    smtp = aiosmtplib.SMTP(
        hostname=settings.host,
        sock=sock,
        use_tls=settings.tls is TlsMode.TLS,
        start_tls=False,
        tls_context=make_context(settings.ca_file),
        local_hostname=settings.ehlo_name,
        timeout=settings.timeout,
    )
    said_goodbye = False
    opened: list[asyncio.BaseTransport | None] = []  # each transport the session used
    try:
        started = await start_session(smtp, rec, settings, peer)
        opened.append(smtp.transport)
        if not started:
            return
        if not await _ehlo(smtp, rec, SmtpStep.EHLO, settings.ehlo_name):
            return
        if settings.tls is TlsMode.STARTTLS:
            started = await _starttls(smtp, rec, probe)
            opened.append(smtp.transport)  # STARTTLS puts a TLS transport over the first
            starttls_step = rec.steps[-1] if rec.steps else None
            if not started and not (
                starttls_step is not None
                and starttls_step.name == SmtpStep.STARTTLS
                and starttls_step.outcome is Outcome.NOT_OFFERED
            ):
                return  # TLS failed: nothing more is safe to do on this connection
        authenticated = await _auth(smtp, rec, probe)
        if probe.submission is not None:
            probe.submission.authenticated(authenticated)
            if authenticated:
                await submit(smtp, rec, probe.submission)
        said_goodbye = await _quit(smtp, rec)
    finally:
        await _hang_up(smtp, opened, polite=said_goodbye)


async def _quit(smtp: aiosmtplib.SMTP, rec: Recorder) -> bool:
    """QUIT, and whether the server answered it (the connection then ends cleanly)."""
    if not smtp.is_connected:
        return False
    rec.client("QUIT")
    try:
        response = await smtp.quit(timeout=2.0)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        return False  # the verdict is in; a server that does not say goodbye changes nothing
    rec.server(make_reply(response.code, response.message))
    return True


#: How long a polite close may take: the server's close_notify after our QUIT.
_GOODBYE_SECONDS = 0.3


def _still_open(transport: asyncio.BaseTransport | None) -> bool:
    sock = transport.get_extra_info("socket") if transport is not None else None
    return sock is not None and sock.fileno() != -1


async def _hang_up(
    smtp: aiosmtplib.SMTP, opened: list[asyncio.BaseTransport | None], *, polite: bool
) -> None:
    """Close the connection, and make sure its socket is closed before the probe ends.

    A TLS close waits for the server's close_notify, which a stalled server never
    sends and a polite one sends a moment later: a run's event loop may end first,
    leaving the socket open. After a QUIT the server answered, the close gets a
    moment; then (and at once after a failed or timed-out step) whatever is still
    open is aborted. aiosmtplib forgets the transport when a command times out,
    hence the list kept by the caller.
    """
    smtp.close()
    if polite:
        loop = asyncio.get_running_loop()
        until = loop.time() + _GOODBYE_SECONDS
        # aiosmtplib gives no public "connection lost" to await: poll the sockets briefly.
        while loop.time() < until and any(_still_open(t) for t in opened):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
    for transport in opened:
        if isinstance(transport, asyncio.Transport) and _still_open(transport):
            transport.abort()
