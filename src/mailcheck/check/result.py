"""What one ``mailcheck check`` run found, per profile: the data every check output reads.

``mailcheck check`` runs one or more profiles. Each profile gives a
:class:`ProfileResult`: its status, the cause ids that fired, where the test
message landed, and each stage's duration. The outputs (human, JSON, Nagios,
Prometheus, JUnit) and the history store all read this one shape, so they
cannot disagree about what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mailcheck.diagnosis import Diagnosis, probe_of_fact
from mailcheck.evidence import ProbeId, ProbeStatus
from mailcheck.facts.smtp import SmtpStep
from mailcheck.rules import Finding, Severity

__all__ = [
    "PLACEMENT_CODES",
    "STAGES",
    "CheckRun",
    "ProbeOutcome",
    "ProfileResult",
    "probe_outcomes",
    "stage_seconds",
    "worst",
]

#: The stages a check times, in order, with what each one measures.
STAGES: dict[str, str] = {
    "auth": "SMTP AUTH: from sending the credentials to the server's verdict",
    "submit": "MAIL FROM to the server's 250 after DATA",
    "delivery": "from the server's 250 to mailcheck seeing the message in the mailbox",
    "detection": "the part of delivery spent noticing the message (from its Received headers)",
    "total": "the whole profile's check, all probes",
}

#: Where the test message landed, as a number for performance data (lower is better).
PLACEMENT_CODES: dict[str, int] = {
    "inbox": 0,
    "other": 1,
    "junk": 2,
    "not-arrived": 3,
    "lost": 3,
    "not-sent": 4,
}


def worst(statuses: list[Severity]) -> Severity:
    """The worst status by the monitoring-plugin order (CRITICAL > WARNING > UNKNOWN > OK)."""
    return max(statuses, key=lambda s: s.rank) if statuses else Severity.UNKNOWN


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeOutcome:
    """One probe of a profile's check, as a CI test case: its name and verdict."""

    name: str
    """``credentials``, ``roundtrip``, ``sender-dns``, ``customer-dns:<domain>``, ..."""
    status: Severity
    elapsed_s: float
    findings: tuple[Finding, ...]
    """The findings that came from this probe's evidence."""
    error: str | None = None
    """Why the probe could not run or finish (deadline, crash, skipped); None when it did."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileResult:
    """One profile's check."""

    profile: str
    started_at: datetime
    """When the check of this profile started (UTC)."""
    elapsed_s: float
    status: Severity
    summary: str
    """One line in English, e.g. ``delivered to INBOX in 0.8 s``; for status lines."""
    diagnoses: tuple[Diagnosis, ...] = ()
    """The main diagnosis (credentials, round trip, sender DNS), then one per customer domain."""
    skipped: str | None = None
    """Why the check did not run (e.g. another run holds the profile's lock)."""
    error: str | None = None
    """The configuration error that stopped it (status UNKNOWN)."""
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage (keys of :data:`STAGES`); a stage that did not happen is absent."""
    placement: str | None = None
    """A key of :data:`PLACEMENT_CODES`, or None when there was no round trip."""
    causes: tuple[str, ...] = ()
    """Ids of the causes found, worst first (OK causes included, e.g. ``smtp-login-ok``)."""
    threshold: str | None = None
    """Set when the delivery time crossed ``--warning``/``--critical``: which, and by how much."""
    warning: str | None = None
    """The WARNING range on delivery seconds that applied (``--warning``, else the profile's)."""
    critical: str | None = None
    """The CRITICAL range on delivery seconds that applied (``--critical``, else the profile's)."""

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin exit code of this profile."""
        return self.status.exit_code

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding of every diagnosis, worst first."""
        found = [f for d in self.diagnoses for f in d.findings]
        return tuple(sorted(found, key=lambda f: -f.cause.severity.rank))

    @property
    def probes(self) -> tuple[ProbeOutcome, ...]:
        """Each probe as a test case (JUnit): see :func:`probe_outcomes`."""
        return tuple(p for d in self.diagnoses for p in probe_outcomes(d))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRun:
    """A whole ``mailcheck check`` run: one result per profile asked for."""

    results: tuple[ProfileResult, ...]
    warning: str | None = None
    """``--warning`` range on delivery seconds (plugin range syntax), as given."""
    critical: str | None = None
    """``--critical`` range on delivery seconds, as given."""

    @property
    def status(self) -> Severity:
        """The worst profile's status."""
        return worst([r.status for r in self.results])

    @property
    def exit_code(self) -> int:
        """Monitoring-plugin exit code of the whole run."""
        return self.status.exit_code


#: What the check outputs call each probe (the names a monitoring system keys on).
_PROBE_NAMES = {
    ProbeId.SMTP: "credentials",
    ProbeId.IMAP: "roundtrip",
    ProbeId.AUTH: "sender-dns",
    ProbeId.RCPT: "rcpt-probe",
}


def probe_outcomes(diagnosis: Diagnosis) -> list[ProbeOutcome]:
    """One outcome per probe of ``diagnosis``, with the findings its evidence made fire.

    A finding belongs to the probe its deciding fact comes from (``smtp.auth`` → smtp);
    a probe with no finding of its own is OK when it completed, UNKNOWN when not.
    """
    out = []
    for result in diagnosis.probes:
        # A rule's last condition is its decisive one (not-arrived: "smtp.data ok" enables,
        # "roundtrip.placement not-arrived" decides), so the finding is that probe's.
        own = tuple(
            f
            for f in diagnosis.findings
            if f.because and probe_of_fact(f.because[-1][0]) is result.kind
        )
        error = None
        if result.status is ProbeStatus.DEADLINE:
            error = "stopped by the deadline"
        elif result.status is ProbeStatus.CRASHED:
            error = "internal error in mailcheck (a bug)"
        elif result.status is not ProbeStatus.COMPLETED:
            error = result.skip_reason or result.status.value
        statuses = [f.cause.severity for f in own]
        if error is not None:
            statuses.append(Severity.UNKNOWN)
        name = _PROBE_NAMES.get(result.kind, result.probe)
        if result.kind is ProbeId.PROBE_MAILBOX:  # imap:<address> -> roundtrip:<address>
            name = "roundtrip:" + result.probe.removeprefix(ProbeId.PROBE_MAILBOX.value)
        if result.kind is ProbeId.DNS and diagnosis.command == "check-customer":
            name = f"customer-dns:{diagnosis.target.get('domain')}"
        elif result.kind is ProbeId.DNS:
            name = "recipient-dns"
        out.append(
            ProbeOutcome(
                name=name,
                status=worst(statuses) if statuses else Severity.OK,
                elapsed_s=round(result.elapsed_ms / 1000, 3),
                findings=own,
                error=error,
            )
        )
    return out


def stage_seconds(diagnosis: Diagnosis) -> dict[str, float]:
    """Seconds per stage of the main diagnosis (``total`` is left to the caller)."""
    stages: dict[str, float] = {}
    for result in diagnosis.probes:
        if result.kind is ProbeId.SMTP:
            auth = result.step(SmtpStep.AUTH)
            if auth is not None and auth.elapsed_ms:
                stages["auth"] = round(auth.elapsed_ms / 1000, 4)
    timings = diagnosis.timings
    if "submit_ms" in timings:
        stages["submit"] = round(timings["submit_ms"] / 1000, 4)
    if "seen_after_submit_ms" in timings:
        stages["delivery"] = round(timings["seen_after_submit_ms"] / 1000, 4)
    if "detection_ms" in timings:
        stages["detection"] = round(timings["detection_ms"] / 1000, 4)
    return stages
