"""``mailcheck check``'s own human and JSON reports (Nagios, Prometheus, JUnit live apart).

The human report is what cron mails to the admin: one line per profile, and
for a profile that is not OK its causes with their fixes and the server's words.
"""

from __future__ import annotations

from typing import Any

from mailcheck import __version__
from mailcheck.check.result import CheckRun, ProfileResult
from mailcheck.diagnosis import evidence_steps
from mailcheck.report.i18n import CHECK, COLOURS, FOUND_WORDS, STATUS_WORDS, error_text
from mailcheck.report.json import SCHEMA, dump_json, report_dict
from mailcheck.report.quote import quote_lines
from mailcheck.rules import Severity
from mailcheck.terminal import printable, style

__all__ = ["check_dict", "render_check_human", "render_check_json"]


def _headline(result: ProfileResult, lang: str) -> str:
    # The summary, error and skip reason quote servers and the system: cleaned.
    return printable(_headline_raw(result, lang))


def _headline_raw(result: ProfileResult, lang: str) -> str:
    text = CHECK[lang]
    # Why a profile did not run is one of mailcheck's own error texts: in the report's words.
    if result.skipped:
        return f"{text['skipped']}: {error_text(result.skipped, lang)}"
    if result.error:
        return f"{text['error']}: {error_text(result.error, lang)}"
    delivery = result.stages.get("delivery")
    parts = []
    if result.placement in ("inbox", "junk") and delivery is not None:
        parts.append(text[result.placement].format(delivery))
    if result.threshold:
        parts.append(result.threshold)
    bad = [f for f in result.findings if f.cause.severity is not Severity.OK]
    if bad:
        parts.append(text["problems"].format(len(bad)))
    elif not result.threshold and result.status is not Severity.OK:
        parts.append(result.summary)  # a probe that could not finish
    return "; ".join(parts) or result.summary


def render_check_human(run: CheckRun, *, lang: str, colour: bool) -> str:
    """One line per profile; causes, fixes and server words under the ones that are not OK."""
    text = CHECK[lang]
    names = {r.profile: printable(r.profile) for r in run.results}
    width = max(len(name) for name in names.values())
    lines = []
    for result in run.results:
        word = STATUS_WORDS[lang][result.status.value]
        badge = f"{word:<12}"
        if colour:
            badge = style(badge, COLOURS[result.status.value], bold=True)
        lines.append(f"{badge} {names[result.profile]:<{width}}  {_headline(result, lang)}")
        if result.stages and result.status is not Severity.OK:
            words = FOUND_WORDS[lang]["stages"]
            stages = ", ".join(f"{words.get(k, k)} {v:.2f} s" for k, v in result.stages.items())
            lines.append(f"{'':12}   {text['stages']}: {stages}")
        for finding in result.findings:
            if finding.cause.severity is Severity.OK:
                continue
            lines.append(f"{'':12}   - {finding.cause.title[lang]} [{finding.cause.id}]")
            fix = finding.cause.fix[lang].replace("\n\n", " ")
            lines.append(f"{'':12}     {text['fix']}: {fix}")
            for diagnosis in result.diagnoses:
                if finding in diagnosis.findings:
                    for step in evidence_steps(finding, diagnosis.probes)[:2]:
                        lines.extend(f"{'':12}     {line}" for line in quote_lines(step, lang))
    overall = STATUS_WORDS[lang][run.status.value]
    lines.append(f"mailcheck check: {overall} ({len(run.results)} {text['profiles']})")
    return "\n".join(lines) + "\n"


def _profile(result: ProfileResult) -> dict[str, Any]:
    return {
        "profile": result.profile,
        "status": result.status.value,
        "exit_code": result.exit_code,
        "summary": result.summary,
        "started_at": result.started_at.isoformat(timespec="seconds"),
        "elapsed_s": result.elapsed_s,
        "skipped": result.skipped,
        "error": result.error,
        "placement": result.placement,
        "stages": result.stages,
        "causes": list(result.causes),
        "threshold": result.threshold,
        "probes": [
            {
                "name": p.name,
                "status": p.status.value,
                "elapsed_s": p.elapsed_s,
                "causes": [f.cause.id for f in p.findings],
                "error": p.error,
            }
            for p in result.probes
        ],
        "diagnoses": [report_dict(d) for d in result.diagnoses],
    }


def check_dict(run: CheckRun) -> dict[str, Any]:
    """The check run as plain data (same ``schema`` number as the other JSON reports)."""
    return {
        "schema": SCHEMA,
        "mailcheck": __version__,
        "command": "check",
        "status": run.status.value,
        "exit_code": run.exit_code,
        "warning": run.warning,
        "critical": run.critical,
        "profiles": [_profile(r) for r in run.results],
    }


def render_check_json(run: CheckRun) -> str:
    """The check run as one JSON document."""
    return dump_json(check_dict(run))
