"""SMTP AUTH with an OAuth2 access token: XOAUTH2 or OAUTHBEARER, one attempt.

The mechanism is chosen from what the server offers (probes/sasl.py). When the
server refuses the token it first sends a base64 JSON error as a 334 challenge
(RFC 7628 §3.2.2; Google's XOAUTH2 document): it is recorded, decoded into the
step's data (``oauth_status``, ``oauth_error``, ``oauth_scope``), and answered as
the mechanism wants, so that the server ends the exchange with its 5xx.
"""

from __future__ import annotations

import aiosmtplib

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.smtp import SmtpStep
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import REDACTED, Recorder
from mailcheck.probes.sasl import choose_mechanism, decode_error, error_answer, initial_response
from mailcheck.probes.smtpreply import make_reply, smtp_failure
from mailcheck.secret import Secret

__all__ = ["CREDENTIAL_TOKEN", "auth_oauth"]

#: The AUTH step's ``credential`` when an access token signed in (not a password).
CREDENTIAL_TOKEN = "oauth2-token"  # noqa: S105 - a label, not a token


async def auth_oauth(
    smtp: aiosmtplib.SMTP,
    rec: Recorder,
    secret: Secret,
    *,
    username: str,
    port: int,
    data: tuple[tuple[str, str], ...],
) -> bool:
    """One AUTH with the access token; ``data`` goes into the step (encrypted, ...)."""
    offered = " ".join(m.upper() for m in smtp.server_auth_methods)
    mechanism = choose_mechanism(offered)
    credential = ("credential", CREDENTIAL_TOKEN)
    if mechanism is None:
        rec.note("AUTH not tried: the server offers neither OAUTHBEARER nor XOAUTH2")
        rec.add(
            Step(
                name=SmtpStep.AUTH,
                outcome=Outcome.NOT_OFFERED,
                elapsed_ms=0.0,
                data=(("offered", offered), credential),
            )
        )
        return False
    if secret.deferred:  # a stored refresh grant: its access token is fetched now
        from mailcheck.probes.oauthgrant import fetch_token

        start = rec.begin(SmtpStep.AUTH)
        if not await fetch_token(secret, rec, SmtpStep.AUTH, [*data, credential], start):
            return False
    token = secret.reveal()
    rec.add_secret(username, token)
    rec.note(f"signing in with an OAuth2 access token ({secret.source}), not a password")
    host = smtp.hostname or ""
    initial = initial_response(mechanism, username, token, host, port)
    steps = [("mechanism", mechanism.value), *data, credential]
    start = rec.begin(SmtpStep.AUTH)
    rec.client(f"AUTH {mechanism.value} {REDACTED}")
    try:
        response = await smtp.execute_command(b"AUTH", mechanism.value.encode(), initial.encode())
        if response.code == 334:
            rec.server(make_reply(response.code, response.message))
            error = decode_error(response.message)
            if error is not None:
                steps.extend(error.data())
            answer = error_answer(mechanism)
            rec.client(answer)
            response = await smtp.execute_command(answer.encode())
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        failed = smtp_failure(SmtpStep.AUTH, exc, start)
        step = rec.add(_with_data(failed, steps))
        if step.reply:
            rec.server(step.reply)
        return False
    reply = make_reply(response.code, response.message)
    rec.server(reply)
    if response.code == 235:
        rec.add(
            Step(
                name=SmtpStep.AUTH,
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                reply=reply,
                data=tuple(steps),
            )
        )
        return True
    refused = aiosmtplib.SMTPAuthenticationError(response.code, response.message)
    rec.add(_with_data(smtp_failure(SmtpStep.AUTH, refused, start), steps))
    return False


def _with_data(failed: Step, data: list[tuple[str, str]]) -> Step:
    return Step(
        name=failed.name,
        outcome=failed.outcome,
        elapsed_ms=failed.elapsed_ms,
        reply=failed.reply,
        error=failed.error,
        data=tuple(data),
    )
