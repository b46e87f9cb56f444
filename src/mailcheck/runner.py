"""Run probes under one overall deadline and turn what they saw into a diagnosis.

The runner owns the deadline (``asyncio.timeout``); the probes own their
per-step timeouts. A probe that the deadline cuts short keeps the steps it
took; a probe that crashes is reported as a bug of mailcheck, not of the server.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from mailcheck.evidence import ProbeResult, ProbeStatus, Step
from mailcheck.facts import FactValue, extract_facts
from mailcheck.probes.recorder import Recorder
from mailcheck.rules import Finding, Severity, evaluate, load_causes, load_rules

__all__ = ["Diagnosis", "ProbeFn", "diagnose", "run_probe"]

ProbeFn = Callable[[Recorder], Awaitable[None]]


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
    not_checked: tuple[str, ...] = field(default=())
    """Parts of the walk this run did not do (``roundtrip``, ``dns``, ``bounce``)."""

    @property
    def severity(self) -> Severity:
        """The worst finding's severity; UNKNOWN when nothing could be concluded."""
        if not self.findings:
            return Severity.UNKNOWN
        return max((f.cause.severity for f in self.findings), key=lambda s: s.rank)

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
        return self.severity.exit_code


async def run_probe(probe: str, target: str, fn: ProbeFn, deadline: float) -> ProbeResult:
    """Run one probe; ``deadline`` is a ``loop.time()`` value."""
    rec = Recorder(probe, target)
    try:
        async with asyncio.timeout_at(deadline) as scope:
            await fn(rec)
    except TimeoutError:
        if not scope.expired():
            raise
        return rec.result(ProbeStatus.DEADLINE)
    except Exception:  # noqa: BLE001 - a bug in mailcheck becomes a finding, not a traceback
        result = rec.result(ProbeStatus.CRASHED)
        return replace(result, crash=rec.scrub(traceback.format_exc()))
    return rec.result()


def diagnose(
    command: str,
    target: dict[str, str | int | None],
    probes: list[ProbeResult],
    started: float,
    started_at: datetime | None = None,
    not_checked: tuple[str, ...] = (),
) -> Diagnosis:
    """Facts from the probes, causes from the rules."""
    causes = load_causes()
    rules = load_rules(causes)
    facts = extract_facts(probes)
    findings = evaluate(rules, causes, facts)
    return Diagnosis(
        command=command,
        target=target,
        started_at=started_at or datetime.now(UTC),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        probes=tuple(probes),
        facts=facts,
        findings=tuple(findings),
        not_checked=not_checked,
    )


def evidence_steps(finding: Finding, probes: tuple[ProbeResult, ...]) -> list[Step]:
    """The steps whose facts made ``finding`` apply, so reports can quote the server."""
    wanted: list[tuple[str, str]] = []
    for fact, _ in finding.because:
        probe, _, rest = fact.partition(".")
        wanted_step = rest.split(".")[0]
        if wanted_step == "tls_failure":
            wanted.append((probe, "*tls-error"))
        elif (probe, wanted_step) not in wanted:
            wanted.append((probe, wanted_step))
    found: list[Step] = []
    for result in probes:
        for probe, step_name in wanted:
            if result.probe != probe:
                continue
            for step in result.steps:
                match = (
                    step.get("tls_failure") is not None
                    if step_name == "*tls-error"
                    else step.name in (step_name, f"{step_name}-tls")
                )
                if match and step not in found and (step.reply or step.error or step.data):
                    found.append(step)
    return found
