"""The start of an SMTP session: implicit TLS, the greeting, and a wrong TLS mode found out.

A port that waits for a TLS ClientHello never greets in clear, and a
STARTTLS port answers a ClientHello with its cleartext greeting: either way
the user chose the wrong TLS mode. A second, short connection (nothing is
sent on it) tells which, so the report can say so instead of "timeout".
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass
from typing import Any

import aiosmtplib

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.smtp import SmtpStep
from mailcheck.probes.net import elapsed_ms, error_info
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.smtpreply import make_reply, smtp_failure
from mailcheck.probes.tls import TlsFailure, find_ssl_error, make_context
from mailcheck.settings import SmtpSettings, TlsMode

__all__ = ["start_session", "tls_data"]

_SNIFF_TIMEOUT = 3.0
_SNIFF_AFTER_TIMEOUT = 1.0
# Servers greet within a few hundred milliseconds. A submission port still silent
# after this long is asked, on a second connection, whether it waits for a TLS
# ClientHello: the wrong TLS mode is then known in about this long, not --timeout.
_EARLY_SNIFF_AFTER = 1.2


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
        return [smtp_failure(SmtpStep.TLS, exc, start)]
    steps = []
    if implicit_tls:
        steps.append(Step(name=SmtpStep.TLS, outcome=Outcome.OK, elapsed_ms=elapsed_ms(start)))
    if isinstance(exc, aiosmtplib.SMTPConnectError) and isinstance(
        cause, aiosmtplib.SMTPServerDisconnected | ConnectionError
    ):
        steps.append(
            Step(
                name=SmtpStep.GREETING,
                outcome=Outcome.CLOSED,
                elapsed_ms=elapsed_ms(start),
                error=error_info(exc),
            )
        )
    else:
        steps.append(smtp_failure(SmtpStep.GREETING, exc, start))
    return steps


def tls_data(smtp: aiosmtplib.SMTP) -> tuple[tuple[str, str], ...]:
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
            name=SmtpStep.SNIFF,
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


def _record_implicit_tls_port(rec: Recorder, start: float, look: _EarlyLook) -> None:
    """The port stayed silent and a TLS handshake on a second connection worked."""
    waited = elapsed_ms(start)
    rec.note(f"no greeting after {waited:.0f} ms; the port answers a TLS handshake")
    rec.add(
        Step(
            name=SmtpStep.GREETING,
            outcome=Outcome.TIMEOUT,
            elapsed_ms=waited,
            data=(("stopped", "the port speaks TLS from the first byte"),),
        )
    )
    rec.add(look.step())


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
                name=SmtpStep.SNIFF,
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                data=(("speaks", "plaintext-smtp" if greeting else "unknown"),)
                + ((("greeting", greeting),) if greeting else ()),
            )
        )
    elif (
        settings.tls is not TlsMode.TLS
        and last.name == SmtpStep.GREETING
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
                name=SmtpStep.SNIFF,
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                data=(("speaks", "implicit-tls" if tls else "unknown"),),
            )
        )


async def start_session(
    smtp: aiosmtplib.SMTP, rec: Recorder, settings: SmtpSettings, peer: str
) -> bool:
    """TLS (implicit), then the greeting, as steps; ``False`` when the session cannot go on.

    A failed start is followed by a look at what the port really speaks.
    """
    implicit = settings.tls is TlsMode.TLS
    start = rec.begin(SmtpStep.TLS if implicit else SmtpStep.GREETING)
    look = _EarlyLook()
    early = not implicit and settings.timeout > _EARLY_SNIFF_AFTER
    try:
        greeting = await (_greet_or_sniff(smtp, settings, peer, look) if early else smtp.connect())
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        for step in _greeting_failure(exc, start, implicit):
            rec.add(step)
            if step.reply:
                rec.server(step.reply)
        if look.elapsed_ms is not None:
            rec.add(look.step())  # already looked: the port does not speak TLS
        else:
            await _sniff_after_failure(rec, settings, peer)
        return False
    if greeting is None:
        _record_implicit_tls_port(rec, start, look)
        return False
    if implicit:
        rec.note("TLS started")
        rec.add(
            Step(
                name=SmtpStep.TLS,
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                data=tls_data(smtp),
            )
        )
    reply = make_reply(greeting.code, greeting.message)
    rec.server(reply)
    rec.add(
        Step(
            name=SmtpStep.GREETING,
            outcome=Outcome.OK,
            elapsed_ms=0.0 if implicit else elapsed_ms(start),
            reply=reply,
        )
    )
    if look.elapsed_ms is not None:
        rec.add(look.step())  # a slow greeting: the second connection found no TLS
    return True
