"""The one registry of probes: each probe's id, steps and the facts it yields.

Adding a probe: its I/O under :mod:`mailcheck.probes`, its declaration (a
:class:`~mailcheck.facts.spec.ProbeSpec`) in a module of this package, one line in
:data:`PROBES`, and its causes in ``data/*.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from mailcheck.evidence import ProbeId, ProbeResult
from mailcheck.facts import auth, bounce, dns, imap, rcpt, run, smtp
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, catalogue

__all__ = ["FACTS", "PROBES", "extract_facts"]

PROBES: Mapping[ProbeId, ProbeSpec] = {
    spec.id: spec for spec in (smtp.SPEC, imap.SPEC, dns.SPEC, auth.SPEC, rcpt.SPEC, bounce.SPEC)
}

#: Every fact the rules may use, declared once (a fact two probes yield is declared by one).
FACTS: Mapping[str, FactSpec] = catalogue(
    *(fact for spec in PROBES.values() for fact in spec.facts), *run.FACTS
)

#: ``ErrorInfo.exception`` of a step mailcheck itself cut short (probes/recorder.py).
_CUT = ("DeadlineExceeded", "Interrupted")


def _without_cut_steps(result: ProbeResult) -> ProbeResult:
    """The probe's steps less the one the deadline or a signal cut short.

    Such a step says nothing about the server (a greeting cut off by --deadline
    is not a server that never greets); the run.* facts say the run ended early,
    and the verdict names the part left without a verdict.
    """
    if not any(s.error is not None and s.error.exception in _CUT for s in result.steps):
        return result
    kept = tuple(s for s in result.steps if s.error is None or s.error.exception not in _CUT)
    return replace(result, steps=kept)


def extract_facts(results: Iterable[ProbeResult]) -> dict[str, FactValue]:
    """Turn probe results into facts: each probe's own, then the cross-probe ones."""
    results = [_without_cut_steps(result) for result in results]
    facts: dict[str, FactValue] = {}
    for result in results:
        spec = PROBES.get(result.kind)
        if spec is not None:  # probe mailboxes count together, below
            facts.update(spec.extract(result))
    facts.update(imap.probe_mailbox_facts(results))
    return facts
