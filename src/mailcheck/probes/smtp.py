"""The SMTP credential probe: resolve, connect, TLS, greeting, EHLO, STARTTLS, one AUTH.

It sends no mail. Safety rules it keeps (design §4):

- the password goes only over TLS, unless the user passed ``--allow-plaintext``;
- exactly one AUTH attempt: one mechanism is chosen and tried once, never
  aiosmtplib's ``login()``, which falls back from PLAIN to LOGIN and so counts
  two failures against the account;
- certificates are verified against the system CAs or ``--ca-file``.

Every library exception is mapped to an outcome in :func:`_command_failure`,
the one place that knows aiosmtplib's exception tree.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiosmtplib

from mailcheck.config import SmtpSettings, TlsMode
from mailcheck.evidence import Outcome, Step
from mailcheck.probes.net import connect_tcp, elapsed_ms, error_info, resolve_host
from mailcheck.probes.recorder import REDACTED, Recorder
from mailcheck.probes.tls import TlsFailure, classify_tls_error, find_ssl_error, make_context
from mailcheck.replies import make_reply
from mailcheck.secret import Secret

__all__ = ["SmtpProbe", "Submission", "probe_smtp", "smtp_target"]

# Mechanisms mailcheck can do with a password, in order of preference. One is used.
_MECHANISMS = ("plain", "login", "cram-md5")
_SNIFF_TIMEOUT = 3.0
_SNIFF_AFTER_TIMEOUT = 1.0
# Servers greet within a few hundred milliseconds. A submission port still silent
# after this long is asked, on a second connection, whether it waits for a TLS
# ClientHello: the wrong TLS mode is then known in about this long, not --timeout.
_EARLY_SNIFF_AFTER = 1.2


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A message to send after a successful login (the round trip's test invoice)."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    """The message as it goes on the wire (CRLF line ends)."""
    ready: Callable[[], Awaitable[bool]]
    """Waited for before MAIL FROM: the mailbox watchers are in place (False: do not send)."""
    sent: Callable[[], None]
    """Called the moment the server accepted the message (250 after DATA)."""
    authenticated: Callable[[bool], None] = lambda ok: None
    """Told whether the login was accepted (an IMAP login with the same password waits
    for it, so a wrong password fails once per run, not twice)."""
    refused: Callable[[str], None] = lambda recipient: None
    """Told each recipient the server refused at RCPT TO (no bounce can come for it:
    a watcher waiting for one stops). Every one refused: nothing is sent at all."""


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


def _command_failure(name: str, exc: BaseException, start: float) -> Step:
    """Map an exception raised during an SMTP step to a step with an outcome."""
    ms = elapsed_ms(start)
    tls_error = find_ssl_error(exc)
    if tls_error is not None:
        failure, text = classify_tls_error(tls_error)
        return Step(
            name=name,
            outcome=Outcome.TLS_ERROR,
            elapsed_ms=ms,
            error=error_info(exc, detail=text),
            data=(("tls_failure", failure),),
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reply = make_reply(exc.code, exc.message)
        # Only a 4xx or 5xx reply is a refusal. A 250 where AUTH wants 235, a "999" or an
        # unparsable line (aiosmtplib's code -1) is a server not speaking SMTP: never read
        # as "wrong password" or "recipient refused".
        refusal = 400 <= exc.code <= 599
        outcome = Outcome.REJECTED if refusal else Outcome.PROTOCOL_ERROR
        return Step(name=name, outcome=outcome, elapsed_ms=ms, reply=reply, error=error_info(exc))
    if isinstance(exc, TimeoutError):  # aiosmtplib's timeouts are TimeoutErrors too
        return Step(name=name, outcome=Outcome.TIMEOUT, elapsed_ms=ms, error=error_info(exc))
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError):
        return Step(name=name, outcome=Outcome.CLOSED, elapsed_ms=ms, error=error_info(exc))
    return Step(name=name, outcome=Outcome.ERROR, elapsed_ms=ms, error=error_info(exc))


def _greeting_failure(exc: BaseException, start: float, implicit_tls: bool) -> list[Step]:
    """Split a failed ``connect()`` into the TLS step and the greeting step it covers.

    aiosmtplib's ``connect()`` does the TLS handshake (implicit TLS) and reads the
    greeting; its exception's ``__cause__`` says which part failed: a plain
    ``TimeoutError`` is the handshake, ``SMTPReadTimeoutError`` the greeting.
    """
    cause = exc.__cause__
    handshake_failed = find_ssl_error(exc) is not None or (
        isinstance(exc, aiosmtplib.SMTPConnectTimeoutError)
        and not isinstance(cause, aiosmtplib.SMTPReadTimeoutError)
    )
    if implicit_tls and handshake_failed:
        return [_command_failure("tls", exc, start)]
    steps = []
    if implicit_tls:
        steps.append(Step(name="tls", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
    if isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(
        cause, aiosmtplib.SMTPServerDisconnected | ConnectionError
    ):
        steps.append(
            Step(
                name="greeting",
                outcome=Outcome.CLOSED,
                elapsed_ms=elapsed_ms(start),
                error=error_info(exc),
            )
        )
    else:
        steps.append(_command_failure("greeting", exc, start))
    return steps


def _tls_data(smtp: aiosmtplib.SMTP) -> tuple[tuple[str, str], ...]:
    sslobj = smtp.get_transport_info("ssl_object")
    if not isinstance(sslobj, ssl.SSLObject):
        return ()
    data = [("tls_version", sslobj.version() or "")]
    cipher = sslobj.cipher()
    if cipher:
        data.append(("tls_cipher", cipher[0]))
    cert = sslobj.getpeercert()
    if cert:
        data.append(("cert_not_after", str(cert.get("notAfter", ""))))
    return tuple(data)


async def _sniff_tls(peer: str, port: int, host: str, timeout: float) -> bool:
    """Does the port speak TLS from the first byte? (A fresh connection; nothing is sent.)"""
    context = make_context(None)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(peer, port, ssl=context, server_hostname=host),
            timeout=timeout,
        )
    except ssl.SSLCertVerificationError:
        return True  # it sent a certificate: TLS it is
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


@dataclass(slots=True)
class _EarlyLook:
    """What the early look at a silent port found (``elapsed_ms`` set once it ran)."""

    elapsed_ms: float | None = None
    tls: bool = False

    def step(self) -> Step:
        speaks = "implicit-tls" if self.tls else "unknown"
        return Step(
            name="sniff",
            outcome=Outcome.OK,
            elapsed_ms=self.elapsed_ms or 0.0,
            data=(("speaks", speaks),),
        )


async def _greet_or_sniff(
    smtp: aiosmtplib.SMTP, settings: SmtpSettings, peer: str, look: _EarlyLook
) -> aiosmtplib.SMTPResponse | None:
    """Wait for the greeting; a port silent for a while is asked whether it speaks TLS.

    Returns the greeting, or ``None`` when the port turned out to speak TLS from
    the first byte (an implicit-TLS port: it waits for our ClientHello and never
    greets in clear). The greeting's own errors are raised as ``connect()`` raises them.
    """
    greeting = asyncio.ensure_future(smtp.connect())
    sniff: asyncio.Future[bool] | None = None
    try:
        done, _ = await asyncio.wait({greeting}, timeout=_EARLY_SNIFF_AFTER)
        if done:
            return greeting.result()
        # The sniff is bounded by what is left of the greeting's own timeout.
        budget = min(_SNIFF_TIMEOUT, max(settings.timeout - _EARLY_SNIFF_AFTER, 0.1))
        started = time.perf_counter()
        sniff = asyncio.ensure_future(_sniff_tls(peer, settings.port, settings.host, budget))
        either: set[asyncio.Future[Any]] = {greeting, sniff}
        finished, _ = await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if greeting in finished and greeting.exception() is None:
            return greeting.result()
        # The greeting failed (its timeout ends about when the look does) or the look is done:
        # either way the look's answer is wanted, and it is bounded by its own budget.
        look.elapsed_ms, look.tls = elapsed_ms(started), await sniff
        if greeting.done():
            return greeting.result()  # raises the greeting's own error
        if look.tls:
            return None
        return await greeting  # not TLS: keep waiting for the greeting, up to --timeout
    finally:
        for task in (greeting, sniff):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


async def _sniff_plain(peer: str, port: int, timeout: float) -> str | None:
    """Read the first line in clear on a fresh connection; return it if it is an SMTP greeting."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(peer, port), timeout)
    except (OSError, TimeoutError):
        return None
    try:
        line = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError, ValueError):
        return None
    finally:
        writer.close()
    text = line.decode("utf-8", "replace").strip()
    return text[:200] if text.startswith("220") else None


async def _ehlo(smtp: aiosmtplib.SMTP, rec: Recorder, name: str, ehlo_name: str) -> bool:
    start = rec.begin(name)
    rec.client(f"EHLO {ehlo_name}")
    try:
        response = await smtp.ehlo()
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        step = rec.add(_command_failure(name, exc, start))
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
            ),
        )
    )
    return True


async def _starttls(smtp: aiosmtplib.SMTP, rec: Recorder, probe: SmtpProbe) -> bool:
    settings = probe.settings
    start = rec.begin("starttls")
    if not smtp.supports_extension("starttls"):
        rec.add(Step(name="starttls", outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        return False
    rec.client("STARTTLS")
    try:
        response = await smtp.starttls(
            tls_context=make_context(settings.ca_file), server_hostname=settings.host
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        step = rec.add(_command_failure("starttls", exc, start))
        if step.reply:
            rec.server(step.reply)
        return False
    reply = make_reply(response.code, response.message)
    rec.server(reply)
    rec.note("TLS started")
    rec.add(
        Step(
            name="starttls",
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            reply=reply,
            data=_tls_data(smtp),
        )
    )
    return await _ehlo(smtp, rec, "ehlo-tls", settings.ehlo_name)


async def _auth(smtp: aiosmtplib.SMTP, rec: Recorder, probe: SmtpProbe) -> bool:
    settings = probe.settings
    encrypted = smtp.get_transport_info("sslcontext") is not None
    offered = smtp.server_auth_methods
    if not encrypted and not settings.allow_plaintext:
        # Design §4: never a password over a connection that is not TLS.
        rec.note("AUTH withheld: the connection is not encrypted (see --allow-plaintext)")
        rec.add(
            Step(
                name="auth",
                outcome=Outcome.WITHHELD,
                elapsed_ms=0.0,
                data=(("offered", " ".join(m.upper() for m in offered)),),
            )
        )
        return False
    if not smtp.supports_extension("auth"):
        rec.add(Step(name="auth", outcome=Outcome.NOT_OFFERED, elapsed_ms=0.0))
        return False
    mechanism = next((m for m in _MECHANISMS if m in offered), None)
    if mechanism is None or probe.secret is None:
        rec.add(
            Step(
                name="auth",
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
    return await _command(rec, "auth", f"AUTH {mechanism.upper()} {REDACTED}", call, *data)


async def _command(
    rec: Recorder,
    name: str,
    line: str,
    call: Awaitable[aiosmtplib.SMTPResponse],
    *data: tuple[str, str],
) -> bool:
    """One SMTP command as a step, with the server's reply kept."""
    start = rec.begin(name)
    rec.client(line)
    try:
        response = await call
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        failed = _command_failure(name, exc, start)
        step = rec.add(
            Step(
                name=name,
                outcome=failed.outcome,
                elapsed_ms=failed.elapsed_ms,
                reply=failed.reply,
                error=failed.error,
                data=data,
            )
        )
        if step.reply:
            rec.server(step.reply)
        return False
    reply = make_reply(response.code, response.message)
    rec.server(reply)
    rec.add(
        Step(name=name, outcome=Outcome.OK, elapsed_ms=elapsed_ms(start), reply=reply, data=data)
    )
    return True


async def _submit(smtp: aiosmtplib.SMTP, rec: Recorder, submission: Submission) -> None:
    """MAIL FROM, RCPT TO (each), DATA: each reply kept, so a refusal names its step."""
    start = rec.begin("ready")
    if not await submission.ready():
        rec.add(Step(name="ready", outcome=Outcome.WITHHELD, elapsed_ms=elapsed_ms(start)))
        rec.note("message not sent: the mailbox could not be watched")
        return
    options = []
    if smtp.supports_extension("size"):
        options.append(f"SIZE={len(submission.data)}")
    if smtp.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    line = f"MAIL FROM:<{submission.sender}>" + "".join(f" {o}" for o in options)
    if not await _command(rec, "mail", line, smtp.mail(submission.sender, options=options)):
        return
    accepted = 0
    for recipient in submission.recipients:
        call = smtp.rcpt(recipient)
        if await _command(rec, "rcpt", f"RCPT TO:<{recipient}>", call, ("recipient", recipient)):
            accepted += 1
        elif rec.steps[-1].outcome is Outcome.REJECTED:
            submission.refused(recipient)
        else:
            return  # the session is lost (closed, timed out): nothing more is said on it
    if not accepted:
        return
    size = str(len(submission.data))
    call = smtp.data(submission.data)
    if await _command(rec, "data", f"DATA ({size} bytes)", call, ("size", size)):
        submission.sent()


async def probe_smtp(probe: SmtpProbe, rec: Recorder) -> None:
    """Run the credential check, recording into ``rec``. Server behaviour never raises."""
    settings = probe.settings
    timeout = settings.timeout
    rec.begin("resolve")
    resolved = rec.add(
        await resolve_host(
            settings.host, settings.port, timeout=timeout, dns_server=probe.dns_server
        )
    )
    if resolved.outcome is not Outcome.OK:
        return
    addresses = (resolved.get("addresses") or "").split()
    rec.begin("connect")
    connected, sock = await connect_tcp(addresses, settings.port, timeout=timeout)
    rec.add(connected)
    if sock is None:
        return
    peer = (connected.get("peer") or "").rpartition(":")[0]
    implicit = settings.tls is TlsMode.TLS
    smtp = aiosmtplib.SMTP(
        hostname=settings.host,
        sock=sock,
        use_tls=implicit,
        start_tls=False,
        tls_context=make_context(settings.ca_file),
        local_hostname=settings.ehlo_name,
        timeout=timeout,
    )
    try:
        start = rec.begin("tls" if implicit else "greeting")
        look = _EarlyLook()
        early = not implicit and settings.timeout > _EARLY_SNIFF_AFTER
        try:
            greeting = await (
                _greet_or_sniff(smtp, settings, peer, look) if early else smtp.connect()
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            for step in _greeting_failure(exc, start, implicit):
                rec.add(step)
                if step.reply:
                    rec.server(step.reply)
            if look.elapsed_ms is not None:
                rec.add(look.step())  # already looked: the port does not speak TLS
            else:
                await _sniff_after_failure(rec, settings, peer)
            return
        if greeting is None:
            _record_implicit_tls_port(rec, start, look)
            return
        if implicit:
            rec.note("TLS started")
            rec.add(
                Step(
                    name="tls",
                    outcome=Outcome.OK,
                    elapsed_ms=elapsed_ms(start),
                    data=_tls_data(smtp),
                )
            )
        reply = make_reply(greeting.code, greeting.message)
        rec.server(reply)
        rec.add(
            Step(
                name="greeting",
                outcome=Outcome.OK,
                elapsed_ms=0.0 if implicit else elapsed_ms(start),
                reply=reply,
            )
        )
        if look.elapsed_ms is not None:
            rec.add(look.step())  # a slow greeting: the second connection found no TLS
        if not await _ehlo(smtp, rec, "ehlo", settings.ehlo_name):
            return
        if settings.tls is TlsMode.STARTTLS:
            started = await _starttls(smtp, rec, probe)
            starttls_step = rec.steps[-1] if rec.steps else None
            if not started and not (
                starttls_step is not None
                and starttls_step.name == "starttls"
                and starttls_step.outcome is Outcome.NOT_OFFERED
            ):
                return  # TLS failed: nothing more is safe to do on this connection
        authenticated = await _auth(smtp, rec, probe)
        if probe.submission is not None:
            probe.submission.authenticated(authenticated)
            if authenticated:
                await _submit(smtp, rec, probe.submission)
        await _quit(smtp, rec)
    finally:
        smtp.close()


def _record_implicit_tls_port(rec: Recorder, start: float, look: _EarlyLook) -> None:
    """The port stayed silent and a TLS handshake on a second connection worked."""
    waited = elapsed_ms(start)
    rec.note(f"no greeting after {waited:.0f} ms; the port answers a TLS handshake")
    rec.add(
        Step(
            name="greeting",
            outcome=Outcome.TIMEOUT,
            elapsed_ms=waited,
            data=(("stopped", "the port speaks TLS from the first byte"),),
        )
    )
    rec.add(look.step())


async def _quit(smtp: aiosmtplib.SMTP, rec: Recorder) -> None:
    if not smtp.is_connected:
        return
    rec.client("QUIT")
    try:
        response = await smtp.quit(timeout=2.0)
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        return  # the verdict is in; a server that does not say goodbye changes nothing
    rec.server(make_reply(response.code, response.message))


async def _sniff_after_failure(rec: Recorder, settings: SmtpSettings, peer: str) -> None:
    """After a failed start, find out whether the TLS mode is the wrong one.

    Implicit TLS on a STARTTLS port fails with "wrong version number" (the
    server's cleartext greeting is not a TLS record); STARTTLS or plain on an
    implicit-TLS port waits for a greeting that never comes (the server waits
    for our ClientHello). A second, short connection tells which it is.
    """
    last = rec.steps[-1]
    # After a wait that already took --timeout, the second look is short: a STARTTLS
    # server greets at once (and would have broken our handshake, not let it time out).
    cap = _SNIFF_AFTER_TIMEOUT if last.outcome is Outcome.TIMEOUT else _SNIFF_TIMEOUT
    timeout = min(settings.timeout, cap)
    if settings.tls is TlsMode.TLS and last.get("tls_failure") in (
        TlsFailure.NOT_TLS,
        TlsFailure.HANDSHAKE,
        None,
    ):
        start = time.perf_counter()
        greeting = await _sniff_plain(peer, settings.port, timeout)
        rec.add(
            Step(
                name="sniff",
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                data=(("speaks", "plaintext-smtp" if greeting else "unknown"),)
                + ((("greeting", greeting),) if greeting else ()),
            )
        )
    elif (
        settings.tls is not TlsMode.TLS
        and last.name == "greeting"
        and last.outcome
        in (
            Outcome.TIMEOUT,
            Outcome.PROTOCOL_ERROR,
        )
    ):
        start = time.perf_counter()
        tls = await _sniff_tls(peer, settings.port, settings.host, timeout)
        rec.add(
            Step(
                name="sniff",
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                data=(("speaks", "implicit-tls" if tls else "unknown"),),
            )
        )
