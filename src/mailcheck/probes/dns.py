"""The DNS probe: the recipient's domain (and, with the auth checks, the sender's records).

Every DNS lookup becomes a step with its outcome and records, so a report can
show exactly what the DNS said; the verdicts become facts for the rules.
"""

from __future__ import annotations

from mailcheck.dnsresolver import DnsOutcome, Lookup, Resolver
from mailcheck.evidence import ErrorInfo, Outcome, Step
from mailcheck.probes.recorder import Recorder
from mailcheck.recipient import DomainCheck, check_domain

__all__ = ["lookup_step", "probe_recipient"]

_OUTCOMES = {
    DnsOutcome.ANSWER: Outcome.OK,
    DnsOutcome.NXDOMAIN: Outcome.NAME_ERROR,
    DnsOutcome.NODATA: Outcome.NO_ADDRESS,
    DnsOutcome.SERVFAIL: Outcome.ERROR,
    DnsOutcome.REFUSED: Outcome.REJECTED,
    DnsOutcome.TIMEOUT: Outcome.TIMEOUT,
    DnsOutcome.ERROR: Outcome.ERROR,
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


async def probe_recipient(domain: str, resolver: Resolver, rec: Recorder) -> DomainCheck:
    """Check one recipient domain, recording every lookup and the verdict."""
    rec.begin("recipient")
    check = await check_domain(domain, resolver)
    for lookup in check.lookups:
        rec.add(lookup_step(f"recipient {lookup.rdtype}", lookup))
    data = [("domain", check.domain), ("verdict", check.verdict.value)]
    if check.suggestion:
        data.append(("suggestion", check.suggestion))
    hosts = " ".join(f"{h.preference}:{h.host}" for h in check.hosts)
    if hosts:
        data.append(("mx", hosts))
    rec.add(Step(name="recipient", outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data)))
    return check
