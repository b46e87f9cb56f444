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

from mailcheck.evidence import Outcome, ProbeResult, ProbeStatus, Step
from mailcheck.facts import FACTS, FactValue, extract_facts, roundtrip_timings
from mailcheck.probes.recorder import Recorder
from mailcheck.progress import Progress
from mailcheck.rules import Finding, Severity, evaluate, load_causes, load_rules

__all__ = ["Diagnosis", "ProbeFn", "diagnose", "probe_of_fact", "run_probe"]

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
    timings: dict[str, float] = field(default_factory=dict)
    """The round trip's time split (see :func:`mailcheck.facts.roundtrip_timings`)."""
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


async def run_probe(
    probe: str, target: str, fn: ProbeFn, deadline: float, progress: Progress | None = None
) -> ProbeResult:
    """Run one probe; ``deadline`` is a ``loop.time()`` value."""
    rec = Recorder(probe, target)
    if progress is not None:
        rec.on_begin = lambda step: progress.update(probe, step)
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
        timings=roundtrip_timings(probes),
        not_checked=not_checked,
    )


def _wanted_steps(fact: str) -> list[tuple[str, str]]:
    """Which probe and steps a fact comes from, e.g. ``[("smtp", "auth")]``."""
    spec = FACTS.get(fact)
    if spec is not None and spec.evidence:
        probe, _, steps = spec.evidence.partition("/")
        return [(probe, step) for step in steps.split(",")]
    probe, _, rest = fact.partition(".")
    step = rest.split(".")[0]
    return [(probe, "*tls" if step == "tls_failure" else step)]


def probe_of_fact(fact: str) -> str:
    """The probe whose evidence a fact comes from, e.g. ``smtp`` for ``smtp.auth``."""
    return _wanted_steps(fact)[0][0]


def _matches(step: Step, wanted: str) -> bool:
    if wanted == "*tls":
        return step.get("tls_failure") is not None
    if wanted in ("*send", "*failed"):
        return step.outcome is not Outcome.OK and step.name in (
            ("mail", "rcpt", "data")
            if wanted == "*send"
            else ("resolve", "connect", "tls", "greeting", "starttls", "login")
        )
    return step.name in (wanted, f"{wanted}-tls")


def evidence_steps(finding: Finding, probes: tuple[ProbeResult, ...]) -> list[Step]:
    """The steps whose facts made ``finding`` apply, so reports can quote the server."""
    wanted: list[tuple[str, str]] = []
    for fact, _ in finding.because:
        for pair in _wanted_steps(fact):
            if pair not in wanted:
                wanted.append(pair)
    found: list[Step] = []
    for result in probes:
        for probe, step_name in wanted:
            if result.probe != probe or not step_name:
                continue
            for step in result.steps:
                if (
                    _matches(step, step_name)
                    and step not in found
                    and (step.reply or step.error or step.data)
                ):
                    found.append(step)
    return found
