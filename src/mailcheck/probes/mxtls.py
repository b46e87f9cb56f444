"""The recipient domain's TLS for incoming mail: its MX's STARTTLS and certificate,
its MTA-STS policy and its TLS-RPT record.

Found before a bounce: "their server needs TLS" (an MTA-STS policy in enforce mode
that the MX does not live up to) or "their certificate is broken". The MX part
connects to port 25 (``port``: the lab's in tests), says EHLO, starts TLS and quits:
no MAIL, no RCPT. Many networks block outgoing port 25; then that part is
"could not check", never a fault of the customer.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import aiosmtplib

from mailcheck.dnsresolver import Lookup, Resolver
from mailcheck.evidence import ErrorInfo, Outcome, Step
from mailcheck.facts.mxtls import MxTlsStep
from mailcheck.probes.dns import lookup_step
from mailcheck.probes.mtasts import (
    fetch_policy,
    mx_matches,
    parse_policy,
    parse_sts_record,
    parse_tlsrpt_record,
)
from mailcheck.probes.net import connect_tcp, elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.smtpreply import make_reply, smtp_failure
from mailcheck.recipient import DomainVerdict, check_domain

__all__ = ["RecipientTls", "probe_recipient_tls"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecipientTls:
    """What to check of the recipient domain's TLS, and where (ports and CA from settings)."""

    domain: str
    starttls: bool = False
    """Connect to the MX (port 25) for STARTTLS and its certificate."""
    mx_port: int = 25
    https_port: int = 443
    """Where the MTA-STS policy is fetched (443; the test server's port in tests)."""
    ca_file: str | None = None
    """Trusted CAs instead of the system's (a lab's): the MX's and the policy host's."""
    timeout: float = 10.0
    ehlo_name: str = "mailcheck.localhost"


def _verdict(rec: Recorder, name: str, outcome: Outcome, **data: str) -> None:
    kept = tuple((k, v) for k, v in data.items() if v)
    rec.add(Step(name=name, outcome=outcome, elapsed_ms=0.0, data=kept))


async def probe_recipient_tls(check: RecipientTls, resolver: Resolver, rec: Recorder) -> None:
    """Record MTA-STS, TLS-RPT and (asked for) the MX's STARTTLS, each with a verdict step."""
    domain = check.domain
    # At once: a resolver that does not answer costs one timeout, not three.
    found, sts, rpt = await asyncio.gather(
        check_domain(domain, resolver),
        resolver.lookup(f"_mta-sts.{domain}", "TXT"),
        resolver.lookup(f"_smtp._tls.{domain}", "TXT"),
    )
    hosts = [h.host for h in sorted(found.hosts, key=lambda h: h.preference) if h.resolves]
    if found.verdict is DomainVerdict.IMPLICIT_MX:
        hosts = [domain]
    rec.add(lookup_step("mta-sts TXT", sts))
    await _mta_sts(check, sts, hosts, resolver, rec)
    rec.add(lookup_step("tls-rpt TXT", rpt))
    _tls_rpt(rpt, rec)
    if check.starttls:
        await _starttls(check, hosts, resolver, rec)


async def _mta_sts(
    check: RecipientTls, record: Lookup, hosts: list[str], resolver: Resolver, rec: Recorder
) -> None:
    domain = check.domain
    if not record.outcome.conclusive:
        _verdict(rec, MxTlsStep.MTA_STS, Outcome.ERROR, state="unknown")
        return
    policy_id, why = parse_sts_record(record.records)
    if policy_id is None:
        state = "none" if why == "none" else "invalid"
        _verdict(
            rec, MxTlsStep.MTA_STS, Outcome.OK, state=state, why="" if state == "none" else why
        )
        return
    policy_host = f"mta-sts.{domain}"
    address = await resolver.lookup(policy_host, "A")
    rec.add(lookup_step("mta-sts A", address))
    if address.outcome.conclusive and not address.ok:
        address = await resolver.lookup(policy_host, "AAAA")  # an IPv6-only web server
        rec.add(lookup_step("mta-sts AAAA", address))
    if not address.ok:
        # The TXT promises a policy; a host that does not resolve serves none.
        conclusive = address.outcome.conclusive
        _verdict(
            rec,
            MxTlsStep.MTA_STS,
            Outcome.OK if conclusive else Outcome.ERROR,
            state="policy-unavailable" if conclusive else "unknown",
            id=policy_id,
            why=f"{policy_host} has no address",
        )
        return
    start = rec.begin("mta-sts:policy")
    fetched = await fetch_policy(
        domain,
        address.records[0],
        port=check.https_port,
        ca_file=check.ca_file,
        timeout=check.timeout,
    )
    data = [("url", f"https://{policy_host}/.well-known/mta-sts.txt")]
    data += [("status", str(fetched.status))] if fetched.status is not None else []
    data += [("tls_version", fetched.protocol)] if fetched.protocol else []
    data += [("cert", fetched.tls_failure)] if fetched.tls_failure else []
    data += [("line", line[:200]) for line in fetched.body.splitlines()[:20]]
    rec.add(
        Step(
            name="mta-sts:policy",
            outcome=Outcome.ERROR if fetched.error else Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            error=ErrorInfo(exception="HTTPS", message=fetched.error) if fetched.error else None,
            data=tuple(data),
        )
    )
    if fetched.error:
        # Senders treat an unfetchable policy as none: mail flows, but unprotected.
        _verdict(
            rec,
            MxTlsStep.MTA_STS,
            Outcome.OK,
            state="policy-unavailable",
            id=policy_id,
            why=fetched.error,
        )
        return
    policy, why = parse_policy(fetched.body)
    if policy is None:
        _verdict(rec, MxTlsStep.MTA_STS, Outcome.OK, state="invalid", id=policy_id, why=why)
        return
    unmatched = [h for h in hosts if not mx_matches(h, policy.mx)]
    match = "none" if len(unmatched) == len(hosts) else "some" if unmatched else "all"
    _verdict(
        rec,
        MxTlsStep.MTA_STS,
        Outcome.OK,
        state="ok",
        id=policy_id,
        mode=policy.mode,
        patterns=" ".join(policy.mx),
        max_age=str(policy.max_age),
        mx_match=match if hosts else "",
        unmatched=" ".join(unmatched),
    )


def _tls_rpt(record: Lookup, rec: Recorder) -> None:
    if not record.outcome.conclusive:
        _verdict(rec, MxTlsStep.TLS_RPT, Outcome.ERROR, state="unknown")
        return
    rua, why = parse_tlsrpt_record(record.records)
    if rua:
        _verdict(rec, MxTlsStep.TLS_RPT, Outcome.OK, state="present", rua=" ".join(rua))
    elif why == "none":
        _verdict(rec, MxTlsStep.TLS_RPT, Outcome.OK, state="none")
    else:
        _verdict(rec, MxTlsStep.TLS_RPT, Outcome.OK, state="invalid", why=why)


async def _starttls(
    check: RecipientTls, hosts: list[str], resolver: Resolver, rec: Recorder
) -> None:
    """The most preferred MX: connect, greeting, EHLO, STARTTLS with a verifying context."""
    if not hosts:
        _verdict(rec, MxTlsStep.MX_TLS, Outcome.NOT_OFFERED, result="no-mx")
        return
    host = hosts[0]
    address = await resolver.lookup(host, "A")
    if not address.ok:
        address = await resolver.lookup(host, "AAAA")
    rec.add(lookup_step("mx-tls:resolve", address))
    if not address.ok:
        _verdict(rec, MxTlsStep.MX_TLS, Outcome.NAME_ERROR, result="could-not-connect", host=host)
        return
    rec.begin("mx-tls:connect")
    connected, sock = await connect_tcp(list(address.records), check.mx_port, timeout=check.timeout)
    rec.add(replace(connected, name="mx-tls:connect"))
    if sock is None:
        # Outgoing port 25 is often blocked (ISPs, firewalls): that says nothing of the customer.
        _verdict(rec, MxTlsStep.MX_TLS, connected.outcome, result="could-not-connect", host=host)
        return
    smtp = aiosmtplib.SMTP(
        hostname=host,
        sock=sock,
        start_tls=False,
        local_hostname=check.ehlo_name,
        timeout=check.timeout,
    )
    try:
        await _dialogue(smtp, check, host, rec)
    finally:
        smtp.close()


async def _dialogue(smtp: aiosmtplib.SMTP, check: RecipientTls, host: str, rec: Recorder) -> None:
    from mailcheck.probes.tls import classify_tls_error, find_ssl_error, make_context

    for name, call in (("greeting", smtp.connect), ("ehlo", smtp.ehlo)):
        start = rec.begin(f"mx-tls:{name}")
        try:
            response = await call()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            step = rec.add(smtp_failure(f"mx-tls:{name}", exc, start))
            _verdict(rec, MxTlsStep.MX_TLS, step.outcome, result="could-not-check", host=host)
            return
        reply = make_reply(response.code, response.message)
        rec.add(
            Step(
                name=f"mx-tls:{name}", outcome=Outcome.OK, elapsed_ms=elapsed_ms(start), reply=reply
            )
        )
    if not smtp.supports_extension("starttls"):
        _verdict(rec, MxTlsStep.MX_TLS, Outcome.OK, result="no-starttls", host=host)
        await _quit(smtp)
        return
    start = rec.begin("mx-tls:starttls")
    try:
        response = await smtp.starttls(tls_context=make_context(check.ca_file))
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ssl.SSLError) as exc:
        failed = find_ssl_error(exc)
        step = smtp_failure("mx-tls:starttls", exc, start)
        if failed is None:
            rec.add(step)
            _verdict(rec, MxTlsStep.MX_TLS, step.outcome, result="could-not-check", host=host)
            return
        failure, text = classify_tls_error(failed)
        rec.add(replace(step, outcome=Outcome.TLS_ERROR, data=(("cert", failure), ("why", text))))
        # A certificate opportunistic senders do not check: informational, unless MTA-STS.
        _verdict(rec, MxTlsStep.MX_TLS, Outcome.OK, result=failure, host=host, why=text)
        return
    ssl_object = smtp.transport.get_extra_info("ssl_object") if smtp.transport else None
    data = _tls_details(ssl_object)
    rec.add(
        Step(
            name="mx-tls:starttls",
            outcome=Outcome.OK,
            elapsed_ms=elapsed_ms(start),
            reply=make_reply(response.code, response.message),
            data=tuple(data.items()),
        )
    )
    _verdict(rec, MxTlsStep.MX_TLS, Outcome.OK, result="ok", host=host, **data)
    await _quit(smtp)


def _tls_details(ssl_object: ssl.SSLObject | None) -> dict[str, str]:
    """Protocol, cipher and the certificate's last day (and the days left until it)."""
    if ssl_object is None:
        return {}
    cipher = ssl_object.cipher()
    details = {"tls_version": ssl_object.version() or "", "cipher": cipher[0] if cipher else ""}
    cert = ssl_object.getpeercert()
    not_after = cert.get("notAfter") if cert else None
    if isinstance(not_after, str):
        ends = datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
        details["not_after"] = ends.date().isoformat()
        details["days_left"] = str((ends - datetime.now(UTC)).days)
    return details


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    # The answer is in; a server that does not say goodbye changes nothing.
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
        await smtp.quit(timeout=2.0)
