"""The recipient-domain probe's declaration (probes/dns.py, recipient.py)."""

from __future__ import annotations

import enum

from mailcheck.evidence import Outcome, ProbeId, ProbeResult
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SPEC", "DnsStep"]


class DnsStep(enum.StrEnum):
    """The recipient domain probe records one step: its verdict on the domain."""

    RECIPIENT = "recipient"


FACTS = (
    FactSpec(
        "recipient.verdict",
        str,
        "The recipient domain: ok, implicit-mx, nxdomain, null-mx, no-mail, mx-unresolvable, "
        "unknown, invalid.",
        Quote(ProbeId.DNS, (DnsStep.RECIPIENT,)),
    ),
    FactSpec(
        "recipient.suggestion",
        str,
        "A common mail domain it may be a typo of.",
        Quote(ProbeId.DNS, (DnsStep.RECIPIENT,)),
    ),
    FactSpec(
        "recipient.resolver",
        str,
        "The DNS resolver, checked before a negative answer is believed (it must answer the "
        "root's NS or the top-level domain's SOA): working, not-working.",
        Quote(ProbeId.DNS, (DnsStep.RECIPIENT,)),
    ),
)


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    recipient = result.step(DnsStep.RECIPIENT)
    if recipient is not None and recipient.get("verdict"):
        # A verdict step that did not end OK decided nothing.
        ok = recipient.outcome is Outcome.OK
        facts["recipient.verdict"] = (recipient.get("verdict") or "") if ok else "unknown"
        if recipient.get("suggestion"):
            facts["recipient.suggestion"] = recipient.get("suggestion") or ""
        if recipient.get("resolver"):
            facts["recipient.resolver"] = recipient.get("resolver") or ""
    return facts


SPEC = ProbeSpec(ProbeId.DNS, DnsStep, FACTS, _extract)
