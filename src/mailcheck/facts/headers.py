"""The header reader's declaration (``mailcheck headers``): steps, facts, and the one judgement
both it and ``watch`` make of a delivered message: is it authenticated for its From domain?

``mailcheck headers FILE`` reads a message the customer forwarded or pasted; its steps carry
what the receiving side wrote (hops, authentication, spam verdicts) and its facts are the
round trip's readings of the same headers, named ``message.*`` so that the rules for a
stranger's message never fire on the round trip's own test invoice.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from mailcheck.evidence import Outcome, ProbeId, ProbeResult
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

if TYPE_CHECKING:
    from mailcheck.headers import AuthResult, HeaderReport

__all__ = ["SPEC", "HeaderStep", "aligned", "sender_auth"]


class HeaderStep(enum.StrEnum):
    """What ``mailcheck headers`` records of one message."""

    READ = "read"
    """The input: bytes, header fields, From, whether it was cut."""
    HOPS = "hops"
    """The Received trace, oldest first, with the delay at each hop."""
    AUTHENTICATION = "authentication"
    """The receiver's SPF, DKIM (d=), DMARC and ARC results, and the verdict for From."""
    SPAM = "spam"
    """The receiving filters' spam verdicts."""


FACTS = (
    FactSpec(
        "message.read",
        str,
        "The input given to mailcheck headers: ok (a header block), no-headers (none found).",
        Quote(ProbeId.HEADERS, (HeaderStep.READ,)),
    ),
    FactSpec(
        "message.hops",
        int,
        "Received headers (hops) in the message.",
        Quote(ProbeId.HEADERS, (HeaderStep.HOPS,)),
    ),
    FactSpec(
        "message.spam_flagged",
        bool,
        "A receiving filter's header calls the message spam (true) or not spam (false).",
        Quote(ProbeId.HEADERS, (HeaderStep.SPAM,)),
    ),
    FactSpec(
        "message.spf",
        str,
        "SPF result in the receiver's Authentication-Results.",
        Quote(ProbeId.HEADERS, (HeaderStep.AUTHENTICATION,)),
    ),
    FactSpec(
        "message.dkim",
        str,
        "DKIM result in the receiver's Authentication-Results (the first signature's).",
        Quote(ProbeId.HEADERS, (HeaderStep.AUTHENTICATION,)),
    ),
    FactSpec(
        "message.dmarc",
        str,
        "DMARC result in the receiver's Authentication-Results.",
        Quote(ProbeId.HEADERS, (HeaderStep.AUTHENTICATION,)),
    ),
    FactSpec(
        "message.auth",
        str,
        "Authenticated for its From domain: pass (DMARC pass, or SPF/DKIM pass for an aligned "
        "domain), unaligned (a pass, but for another domain), fail, none (no pass, no fail).",
        Quote(ProbeId.HEADERS, (HeaderStep.AUTHENTICATION,)),
    ),
)

_FAILS = frozenset({"fail", "softfail", "permerror", "policy"})


def _domain(value: str | None) -> str | None:
    """``billing@company.vn`` or ``@company.vn`` or ``company.vn`` -> ``company.vn``."""
    if not value:
        return None
    name = value.rpartition("@")[2].strip().strip("<>").rstrip(".").lower()
    return name or None


def aligned(domain: str | None, from_domain: str | None) -> bool:
    """Relaxed alignment (RFC 7489 section 3.1): the same organisational domain."""
    from mailcheck.auth.psl import registrable_domain

    if not domain or not from_domain:
        return False
    if domain == from_domain:
        return True
    org = registrable_domain(from_domain)
    return org is not None and registrable_domain(domain) == org


def _prop(clause: AuthResult, *keys: str) -> str | None:
    found = dict(clause.properties)
    return next((found[key] for key in keys if found.get(key)), None)


def _authenticated_domain(clause: AuthResult) -> str | None:
    """The domain a passing SPF or DKIM clause vouches for."""
    if clause.method == "dkim":
        return _domain(_prop(clause, "header.d", "header.i"))
    return _domain(_prop(clause, "smtp.mailfrom", "smtp.helo"))


def sender_auth(report: HeaderReport) -> str | None:
    """Is the message authenticated for its From domain, by the receiver's own results?

    ``pass``: DMARC pass, or an SPF or DKIM pass for a domain aligned with From (a receiver
    without DMARC checking still shows the aligned pass). ``unaligned``: a pass, but for
    another domain (a vendor's own bounce domain, its own DKIM d=). ``fail``: a fail and no
    pass. ``none``: no pass and no fail (``none``, ``neutral``, ``temperror``). None: the
    receiver wrote no SPF, DKIM or DMARC result at all (nothing to judge).
    """
    spf, dkim, dmarc = report.clauses("spf"), report.clauses("dkim"), report.clauses("dmarc")
    if not (spf or dkim or dmarc):
        return None
    # Microsoft writes "bestguesspass" when the domain publishes no DMARC record but SPF or
    # DKIM would have aligned: authenticated for From all the same.
    if any(c.result in ("pass", "bestguesspass") for c in dmarc):
        return "pass"
    from_domain = report.from_domain or next(
        (_domain(_prop(c, "header.from")) for c in dmarc if _prop(c, "header.from")), None
    )
    passes = [c for c in (*spf, *dkim) if c.result == "pass"]
    if any(aligned(_authenticated_domain(c), from_domain) for c in passes) and not any(
        c.result in _FAILS for c in dmarc
    ):
        return "pass"
    if passes:
        return "unaligned"
    if any(c.result in _FAILS for c in (*spf, *dkim, *dmarc)):
        return "fail"
    return "none"


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for step in result.steps:
        if step.outcome is not Outcome.OK:
            if step.name == HeaderStep.READ:
                facts["message.read"] = "no-headers"
            continue
        if step.name == HeaderStep.READ:
            facts["message.read"] = "ok"
        elif step.name == HeaderStep.HOPS:
            count = step.get("count") or "0"
            facts["message.hops"] = int(count) if count.isdigit() else 0
        elif step.name == HeaderStep.AUTHENTICATION:
            for method in ("spf", "dkim", "dmarc"):
                value = step.get(method)
                if value:
                    facts[f"message.{method}"] = value.split(" ", 1)[0]
            verdict = step.get("verdict")
            if verdict:
                facts["message.auth"] = verdict
        elif step.name == HeaderStep.SPAM:
            flagged = step.get("flagged")
            if flagged in ("yes", "no"):
                facts["message.spam_flagged"] = flagged == "yes"
    return facts


SPEC = ProbeSpec(ProbeId.HEADERS, HeaderStep, FACTS, _extract)
