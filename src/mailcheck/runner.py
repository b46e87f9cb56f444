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
        """The worst finding's severity, never OK without positive evidence (verdict.py)."""
        from mailcheck.verdict import decide

        return decide(self.findings, self.facts)

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
        return self.severity.exit_code


async def run_probe(
    probe: str, target: str, fn: ProbeFn, deadline: float, progress: Progress | None = None
) -> ProbeResult:
    """Run one probe; ``deadline`` is a ``loop.time()`` value.

    A signal (see :mod:`mailcheck.interrupt`) cancels the probe; it then has
    :data:`~mailcheck.interrupt.GRACE_SECONDS` to clean up after itself, and
    the steps it took, its cleanup included, are kept.
    """
    from mailcheck import interrupt

    rec = Recorder(probe, target)
    if progress is not None:
        rec.on_begin = lambda step: progress.update(probe, step)
    stop = interrupt.current()
    if stop is not None and stop.is_set:
        return replace(rec.result(ProbeStatus.INTERRUPTED), skip_reason=stop.signal)
    task = asyncio.ensure_future(fn(rec))
    waiter = asyncio.ensure_future(stop.event.wait()) if stop is not None else None
    try:
        async with asyncio.timeout_at(deadline) as scope:
            await asyncio.wait(
                [t for t in (task, waiter) if t is not None], return_when=asyncio.FIRST_COMPLETED
            )
    except TimeoutError:
        if not scope.expired():
            raise
        await _cancel(task)
        return _ended(rec, task, ProbeStatus.DEADLINE)
    finally:
        if waiter is not None:
            waiter.cancel()
    if not task.done():  # the signal came first
        await _cancel(task)
        result = _ended(rec, task, ProbeStatus.INTERRUPTED)
        return replace(result, skip_reason=stop.signal if stop is not None else None)
    return _ended(rec, task, None)


async def _cancel(task: asyncio.Future[None]) -> None:
    """Cancel a probe and give it the grace to clean up (its ``finally`` blocks run)."""
    from mailcheck.interrupt import GRACE_SECONDS

    task.cancel()
    await asyncio.wait([task], timeout=GRACE_SECONDS)


def _ended(rec: Recorder, task: asyncio.Future[None], status: ProbeStatus | None) -> ProbeResult:
    """The probe's result from how its task ended; a crash is a bug of mailcheck."""
    if task.done() and not task.cancelled():
        exc = task.exception()
        if exc is not None and not isinstance(exc, asyncio.CancelledError):
            result = rec.result(ProbeStatus.CRASHED)
            text = "".join(traceback.format_exception(exc))
            return replace(result, crash=rec.scrub(text))
    return rec.result(status) if status is not None else rec.result()


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

    causes = load_causes()
    rules = load_rules(causes)
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
