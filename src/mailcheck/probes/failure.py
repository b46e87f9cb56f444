"""One map from an exception raised during a protocol step to the step's outcome.

SMTP and IMAP fail the same ways below their own protocol (a TLS alert, a
timeout, a dropped connection), so one function decides those outcomes for
both; a protocol that can also be *refused* (an SMTP 4xx/5xx reply inside an
exception) passes a ``refusal`` reader that turns its exception into a reply.
"""

from __future__ import annotations

from collections.abc import Callable

from mailcheck.evidence import Outcome, Reply, Step
from mailcheck.probes.net import elapsed_ms, error_info
from mailcheck.probes.tls import classify_tls_error, find_ssl_error

__all__ = ["Refusal", "failure_step"]

#: Reads a protocol's reply out of an exception: ``(outcome, reply)``, or ``None``
#: when the exception carries no reply.
Refusal = Callable[[BaseException], tuple[Outcome, Reply] | None]


def failure_step(
    name: str, exc: BaseException, start: float, refusal: Refusal | None = None
) -> Step:
    """The step ``name`` (begun at ``start``) as ``exc`` ended it."""
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
    # Before the timeout and connection checks: a refused connect is an exception
    # that is a ConnectionError too, and its reply is the better evidence.
    refused = refusal(exc) if refusal is not None else None
    if refused is not None:
        outcome, reply = refused
        return Step(name=name, outcome=outcome, elapsed_ms=ms, reply=reply, error=error_info(exc))
    # Library timeouts (aiosmtplib's, asyncio's) are TimeoutErrors too.
    if isinstance(exc, TimeoutError):
        return Step(name=name, outcome=Outcome.TIMEOUT, elapsed_ms=ms, error=error_info(exc))
    # aiosmtplib's SMTPServerDisconnected is a ConnectionError.
    if isinstance(exc, ConnectionError):
        return Step(name=name, outcome=Outcome.CLOSED, elapsed_ms=ms, error=error_info(exc))
    return Step(name=name, outcome=Outcome.ERROR, elapsed_ms=ms, error=error_info(exc))
