"""``--probe-rcpt``: ask the customer's own mail server whether it takes the address.

Connects to the recipient domain's MX on port 25 and goes as far as RCPT TO:
no DATA, nothing is delivered. Many networks block outgoing port 25; then the
answer is "could not check", never "blocked".
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

import aiosmtplib

from mailcheck.dnsresolver import Resolver
from mailcheck.evidence import Outcome, Reply, Step
from mailcheck.facts.rcpt import RcptStep
from mailcheck.probes.dns import lookup_step
from mailcheck.probes.net import connect_tcp, elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.smtpreply import make_reply, smtp_failure
from mailcheck.recipient import DomainVerdict, check_domain
from mailcheck.values import Address

__all__ = ["probe_rcpt"]


def _verdict(
    rec: Recorder,
    result: str,
    outcome: Outcome,
    host: str | None = None,
    reply: Reply | None = None,
) -> None:
    """The probe's answer as one step: ``result`` is what the facts read."""
    data = (("result", result),) + ((("host", host),) if host else ())
    rec.add(Step(name=RcptStep.RCPT_PROBE, outcome=outcome, elapsed_ms=0.0, reply=reply, data=data))


def _mail_from(
    smtp: aiosmtplib.SMTP, sender: str
) -> Callable[[], Awaitable[aiosmtplib.SMTPResponse]]:
    async def call() -> aiosmtplib.SMTPResponse:
        return await smtp.mail(sender)

    return call


async def probe_rcpt(
    recipient: str,
    sender: str,
    resolver: Resolver,
    rec: Recorder,
    *,
    port: int = 25,
    timeout: float = 10.0,
    ehlo_name: str = "mailcheck.localhost",
) -> None:
    """Record the customer's MX's answer to MAIL FROM / RCPT TO for ``recipient``."""
    domain = Address.domain_of(recipient)
    check = await check_domain(domain, resolver)
    hosts = [h.host for h in check.hosts if h.resolves]
    if check.verdict is DomainVerdict.IMPLICIT_MX:
        hosts = [domain]
    if not hosts:
        _verdict(rec, "no-mx", Outcome.NOT_OFFERED)
        return
    host = hosts[0]
    address = await resolver.lookup(host, "A")
    rec.add(lookup_step("rcpt-probe A", address))
    if not address.ok:
        _verdict(rec, "could-not-connect", Outcome.NAME_ERROR, host=host)
        return
    rec.begin("rcpt-probe connect")
    connected, sock = await connect_tcp(list(address.records), port, timeout=timeout)
    rec.add(replace(connected, name="rcpt-probe connect"))
    if sock is None:
        # Outgoing port 25 is often blocked (ISPs, firewalls): that says nothing of the customer.
        _verdict(rec, "could-not-connect", connected.outcome, host=host)
        return
    smtp = aiosmtplib.SMTP(
        hostname=host, sock=sock, start_tls=False, local_hostname=ehlo_name, timeout=timeout
    )
    try:
        await _ask(smtp, rec, host, sender, recipient)
    finally:
        smtp.close()


async def _ask(
    smtp: aiosmtplib.SMTP, rec: Recorder, host: str, sender: str, recipient: str
) -> None:
    """Greeting, EHLO, MAIL FROM, then RCPT TO, each a step; the answer as the verdict step."""
    for name, call in (
        ("greeting", smtp.connect),
        ("ehlo", smtp.ehlo),
        ("mail", _mail_from(smtp, sender)),
    ):
        start = rec.begin(f"rcpt-probe {name}")
        try:
            response = await call()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            step = smtp_failure(f"rcpt-probe {name}", exc, start)
            rec.add(step)
            _verdict(rec, "could-not-check", step.outcome, host=host)
            return
        rec.add(
            Step(
                name=f"rcpt-probe {name}",
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                reply=make_reply(response.code, response.message),
            )
        )
    start = rec.begin("rcpt-probe rcpt")
    try:
        response = await smtp.rcpt(recipient)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        step = rec.add(smtp_failure("rcpt-probe rcpt", exc, start))
        code = step.reply.code if step.reply is not None else None
        # Only a 5xx refusal says "no"; a 999 or a garbled reply says nothing.
        refused = step.outcome is Outcome.REJECTED and code is not None and code >= 500
        result = "rejected" if refused else "could-not-check"
        _verdict(rec, result, step.outcome, host=host, reply=step.reply)
        return
    reply = make_reply(response.code, response.message)
    rec.add(
        Step(
            name="rcpt-probe rcpt",
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            reply=reply,
        )
    )
    _verdict(rec, "accepted", Outcome.OK, host=host, reply=reply)
    # The answer is in; a server that does not say goodbye changes nothing.
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
        await smtp.quit(timeout=2.0)
