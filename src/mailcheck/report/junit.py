"""``mailcheck check --junit FILE``: a JUnit XML report for CI servers.

One ``<testsuite name="mailcheck.<profile>">`` per profile inside
``<testsuites>``, one ``<testcase>`` per probe of the profile's check (see
:func:`mailcheck.check.result.probe_outcomes`):

- OK: a passed test;
- WARNING or CRITICAL: ``<failure message="<cause titles>" type="<cause ids>">`` with each
  cause's title, fix (English: CI logs are read by whoever is on duty) and the server's words;
- UNKNOWN: ``<error>`` (mailcheck could not tell, e.g. the deadline cut the probe short);
- a skipped profile (another run held its lock): one ``<skipped>`` test;
- a configuration error: one ``<error>`` test.

When ``--warning``/``--critical`` ranges were given and the delivery was timed,
a ``delivery-time`` test fails when they alert, so the suite's counts agree with
the profile's status. The output validates against Jenkins' ``junit-10.xsd``
(``tests/schemas/``), which GitLab, GitHub and Azure report parsers also accept.
``timestamp`` is UTC without an offset, the way Ant's and Surefire's reports write it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from mailcheck.atomicfile import write_atomically
from mailcheck.check.ranges import parse_range
from mailcheck.check.result import CheckRun, ProbeOutcome, ProfileResult, probe_outcomes
from mailcheck.diagnosis import Diagnosis, evidence_steps
from mailcheck.errors import ConfigError
from mailcheck.report.quote import quote_lines
from mailcheck.rules import Finding, Severity

__all__ = ["render_junit", "write_junit"]

# XML 1.0 cannot carry most control characters or lone surrogates (bytes a server
# sent that were not UTF-8 are kept as surrogates): a CI parser would reject the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _timestamp(when: datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


class _Suite:
    """Test cases of one profile, with the counts the ``<testsuite>`` element carries."""

    def __init__(self, result: ProfileResult, hostname: str | None) -> None:
        self.classname = f"mailcheck.{result.profile}"
        self.element = ET.Element(
            "testsuite",
            name=_xml(self.classname),
            tests="0",
            failures="0",
            errors="0",
            skipped="0",
            time=_seconds(result.elapsed_s),
            timestamp=_timestamp(result.started_at),
        )
        if hostname:
            self.element.set("hostname", _xml(hostname))
        self.counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def case(self, name: str, seconds: float) -> ET.Element:
        self.counts["tests"] += 1
        return ET.SubElement(
            self.element,
            "testcase",
            classname=_xml(self.classname),
            name=_xml(name),
            time=_seconds(seconds),
        )

    def outcome(self, case: ET.Element, kind: str, message: str, type_: str, text: str) -> None:
        """Mark ``case`` as ``failure``, ``error`` or ``skipped``."""
        self.counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[kind]] += 1
        element = ET.SubElement(case, kind, message=_xml(message), type=_xml(type_))
        if text:
            element.text = _xml(text)

    def close(self) -> ET.Element:
        for key, value in self.counts.items():
            self.element.set(key, str(value))
        return self.element


def _cause_text(finding: Finding, diagnosis: Diagnosis) -> str:
    cause = finding.cause
    lines = [f"[{cause.severity.value}] {cause.id}: {cause.title['en']}", f"Fix: {cause.fix['en']}"]
    for step in evidence_steps(finding, diagnosis.probes):
        lines.extend(quote_lines(step, "en"))
    return "\n".join(lines)


def _probe_case(suite: _Suite, outcome: ProbeOutcome, diagnosis: Diagnosis) -> None:
    case = suite.case(outcome.name, outcome.elapsed_s)
    if outcome.status is Severity.OK:
        return
    if outcome.status is Severity.UNKNOWN:
        bad = [f for f in outcome.findings if f.cause.severity is Severity.UNKNOWN]
        kind = "error"
    else:
        bad = [
            f for f in outcome.findings if f.cause.severity in (Severity.WARNING, Severity.CRITICAL)
        ]
        kind = "failure"
    titles = [f.cause.title["en"] for f in bad]
    if outcome.error:  # why the probe ended early comes first: it explains the rest
        titles.insert(0, f"the probe did not finish: {outcome.error}")
    message = "; ".join(titles) or outcome.status.value
    type_ = " ".join(f.cause.id for f in bad) or "probe-not-finished"
    parts = [_cause_text(f, diagnosis) for f in bad]
    if outcome.error:
        parts.append(f"The probe did not finish: {outcome.error}")
    suite.outcome(case, kind, message, type_, "\n\n".join(parts))


def _threshold_case(suite: _Suite, result: ProfileResult) -> None:
    delivery = result.stages.get("delivery")
    warning, critical = result.warning, result.critical
    if delivery is None or (warning is None and critical is None):
        return
    case = suite.case("delivery-time", delivery)
    for text, flag in ((critical, "critical"), (warning, "warning")):
        if text is None:
            continue
        try:
            limit = parse_range(text)
        except ConfigError as exc:
            suite.outcome(case, "error", str(exc), "bad-threshold", "")
            return
        if limit.alerts(delivery):
            message = f"delivery took {delivery:.2f} s, outside the {flag} range {text}"
            suite.outcome(case, "failure", message, f"delivery-time-{flag}", message)
            return


def _suite(result: ProfileResult, hostname: str | None) -> ET.Element:
    suite = _Suite(result, hostname)
    if result.error is not None:
        case = suite.case("configuration", result.elapsed_s)
        suite.outcome(case, "error", result.error, "config-error", result.error)
    elif result.skipped is not None:
        case = suite.case("check", result.elapsed_s)
        suite.outcome(case, "skipped", result.skipped, "skipped", "")
    else:
        for diagnosis in result.diagnoses:
            for outcome in probe_outcomes(diagnosis):
                _probe_case(suite, outcome, diagnosis)
        _threshold_case(suite, result)
        if suite.counts["tests"] == 0:
            # Nothing was probed; still one test, so the profile's verdict is visible.
            case = suite.case("check", result.elapsed_s)
            if result.status is not Severity.OK:
                kind = "error" if result.status is Severity.UNKNOWN else "failure"
                suite.outcome(case, kind, result.summary, result.status.value, result.summary)
    return suite.close()


def render_junit(run: CheckRun, *, hostname: str | None = None) -> str:
    """The JUnit XML document (UTF-8, with its declaration) for ``run``."""
    root = ET.Element("testsuites", name="mailcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    elapsed = 0.0
    for result in run.results:
        suite = _suite(result, hostname)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        # Profiles run side by side: the run took as long as the slowest one.
        elapsed = max(elapsed, result.elapsed_s)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(elapsed))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(run: CheckRun, path: Path, *, hostname: str | None = None) -> None:
    """Write the report to ``path`` atomically; :class:`ConfigError` when it cannot."""
    write_atomically(path, render_junit(run, hostname=hostname), what="JUnit report")
