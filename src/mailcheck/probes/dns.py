"""The DNS probe: the recipient's domain (and, with the auth checks, the sender's records).

Every DNS lookup becomes a step with its outcome and records, so a report can
show exactly what the DNS said; the verdicts become facts for the rules.
"""

from __future__ import annotations

from mailcheck.dnsresolver import DnsOutcome, Lookup, Resolver
from mailcheck.evidence import ErrorInfo, Outcome, Step
from mailcheck.facts.dns import DnsStep
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.recipient import DomainCheck, DomainVerdict, check_domain

__all__ = ["lookup_step", "probe_recipient"]

_OUTCOMES = {
    DnsOutcome.ANSWER: Outcome.OK,
    DnsOutcome.NXDOMAIN: Outcome.NAME_ERROR,
    DnsOutcome.NODATA: Outcome.NO_ADDRESS,
    DnsOutcome.SERVFAIL: Outcome.ERROR,
    DnsOutcome.REFUSED: Outcome.REJECTED,
    DnsOutcome.TIMEOUT: Outcome.TIMEOUT,
    DnsOutcome.ERROR: Outcome.ERROR,
    DnsOutcome.SKIPPED: Outcome.SKIPPED,
}


def lookup_step(name: str, lookup: Lookup) -> Step:
    """A DNS lookup as evidence: ``dns <type> <name>`` with its DNS outcome and records."""
    data = [("query", f"{lookup.name} {lookup.rdtype}"), ("dns", lookup.outcome.value)]
    data.extend(("record", r[:500]) for r in lookup.records[:20])
    return Step(
        name=name,
        outcome=_OUTCOMES[lookup.outcome],
        elapsed_ms=lookup.elapsed_ms,
        error=ErrorInfo(exception="DNS", message=lookup.error) if lookup.error else None,
        data=tuple(data),
    )


async def probe_recipient(
    domain: str, resolver: Resolver, rec: Recorder, *, deadline: float | None = None
) -> DomainCheck:
    """Check one recipient domain, recording every lookup and the verdict.

    ``deadline`` (``loop.time()``) bounds every lookup (give the probe's deadline, a
    little before it, so the lookups end with an outcome of their own).
    """
    start = rec.begin(DnsStep.RECIPIENT)
    check = await check_domain(domain, resolver, deadline=deadline)
    for lookup in check.lookups:
        rec.add(lookup_step(f"recipient {lookup.rdtype}", lookup))
    if not check.mx.outcome.conclusive:
        # What the MX would have led to was never asked: say so, not "ok".
        rec.add(_skipped("recipient A/AAAA", "not asked: the MX lookup gave no answer"))
    if check.resolver is not None:
        for lookup in check.resolver.lookups:
            rec.add(lookup_step(f"resolver {lookup.rdtype}", lookup))
    data = [("domain", check.domain), ("verdict", check.verdict.value)]
    if check.resolver is not None:
        data.append(("resolver", "working" if check.resolver.working else "not-working"))
    if check.suggestion:
        data.append(("suggestion", check.suggestion))
    hosts = " ".join(f"{h.preference}:{h.host}" for h in check.hosts)
    if hosts:
        data.append(("mx", hosts))
    rec.add(
        Step(
            name=DnsStep.RECIPIENT,
            outcome=_verdict_outcome(check),
            elapsed_ms=elapsed_ms(start),
            data=tuple(data),
        )
    )
    return check


def _skipped(name: str, why: str) -> Step:
    return Step(name=name, outcome=Outcome.SKIPPED, elapsed_ms=0.0, data=(("skipped", why),))


def _verdict_outcome(check: DomainCheck) -> Outcome:
    """OK when the check reached a verdict (good or bad); else why it could not."""
    if check.verdict is not DomainVerdict.UNKNOWN:
        return Outcome.OK
    if check.resolver_broken:
        return Outcome.ERROR
    for lookup in check.lookups:
        if not lookup.outcome.conclusive:
            return _OUTCOMES[lookup.outcome]
    return Outcome.ERROR
