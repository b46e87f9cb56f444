"""From the probes' evidence to a diagnosis: facts, then the causes the rules find.

This is the pipeline's one function from evidence to a :class:`Diagnosis`
(:func:`diagnose`), and the way back from a finding to the steps that show it
(:func:`evidence_steps`), which the reports quote. Running the probes is
:mod:`mailcheck.probes.run`'s job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from mailcheck.evidence import ProbeId, ProbeResult, Step
from mailcheck.facts.registry import FACTS, extract_facts
from mailcheck.facts.spec import FactValue, Quote
from mailcheck.facts.timings import roundtrip_timings
from mailcheck.rules import Finding, Severity, catalogue, evaluate

__all__ = ["Diagnosis", "diagnose", "evidence_steps", "probe_of_fact"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnosis:
    """Findings with the evidence behind them."""

    command: str
    target: dict[str, str | int | None]
    """What was checked (host, port, user, sender, ...); never a secret."""
    started_at: datetime
    elapsed_ms: float
    probes: tuple[ProbeResult, ...]
    facts: dict[str, FactValue]
    findings: tuple[Finding, ...]
    timings: dict[str, float] = field(default_factory=dict)
    """The round trip's time split (see :func:`mailcheck.facts.roundtrip_timings`)."""
    not_checked: tuple[str, ...] = field(default=())
    """Parts of the walk this run did not do (``roundtrip``, ``dns``, ``bounce``)."""

    @property
    def severity(self) -> Severity:
        """The worst finding's severity, never OK without positive evidence (verdict.py)."""
        from mailcheck.verdict import decide

        return decide(self.findings, self.facts)

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
        return self.severity.exit_code


def diagnose(
    command: str,
    target: dict[str, str | int | None],
    probes: list[ProbeResult],
    started: float,
    started_at: datetime | None = None,
    not_checked: tuple[str, ...] = (),
) -> Diagnosis:
    """Facts from the probes, causes from the rules."""
    from mailcheck.verdict import run_facts, unchecked_parts

    shipped = catalogue()  # loaded and checked once per process
    causes, rules = shipped.causes, shipped.rules
    facts = extract_facts(probes)
    facts.update(run_facts(probes))
    findings = evaluate(rules, causes, facts)
    # Fail closed: what the run set out to check and has no verdict on becomes a named
    # UNKNOWN cause (second pass: whether a gap is already explained needs the findings).
    unchecked = unchecked_parts(command, probes, facts, findings)
    if unchecked:
        facts.update({f"unchecked.{part}": True for part in unchecked})
        findings = evaluate(rules, causes, facts)
    return Diagnosis(
        command=command,
        target=target,
        started_at=started_at or datetime.now(UTC),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        probes=tuple(probes),
        facts=facts,
        findings=tuple(findings),
        timings=roundtrip_timings(probes),
        not_checked=not_checked,
    )


def _quote(fact: str) -> Quote | None:
    spec = FACTS.get(fact)
    return spec.evidence if spec is not None else None


def probe_of_fact(fact: str) -> ProbeId | None:
    """The probe whose evidence a fact comes from (``smtp`` for ``smtp.auth``); None for
    facts about the run itself."""
    quote = _quote(fact)
    return quote.probe if quote is not None else None


def _one_step_each(quote: Quote) -> list[Quote]:
    # One quote per step name, so a report lists the steps in the order the facts name them.
    if len(quote.steps) < 2:
        return [quote]
    return [replace(quote, steps=(name,)) for name in quote.steps]


def evidence_steps(finding: Finding, probes: tuple[ProbeResult, ...]) -> list[Step]:
    """The steps whose facts made ``finding`` apply, so reports can quote the server."""
    wanted: list[Quote] = []
    for fact, _ in finding.because:
        quote = _quote(fact)
        for one in _one_step_each(quote) if quote is not None else ():
            if one not in wanted:
                wanted.append(one)
    found: list[Step] = []
    for result in probes:
        for quote in wanted:
            if result.kind is not quote.probe:
                continue
            for step in result.steps:
                if (
                    quote.matches(step)
                    and step not in found
                    and (step.reply or step.error or step.data)
                ):
                    found.append(step)
    return found
