"""A short evidence report in Markdown (``--report FILE.md``) to forward to a mail admin.

It says what was tested, when (local time with its offset, as ``history`` prints it), with
which mailcheck, what failed and the remote servers' own words, and what an admin greps the
logs for: the test invoice's Message-ID and the sending IP. Headings and field names are in
the report's language. No secrets, and no internal detail a customer's admin does not need.
"""

from __future__ import annotations

import re

from mailcheck import __version__
from mailcheck.diagnosis import Diagnosis, evidence_steps
from mailcheck.evidence import ProbeId
from mailcheck.facts.auth import AuthStep
from mailcheck.report.i18n import MARKDOWN, REPORT_MD
from mailcheck.report.quote import quote_lines
from mailcheck.rules import Severity
from mailcheck.terminal import printable

__all__ = ["render_markdown"]


def _ticks(text: str, least: int) -> str:
    """Backticks enough that none inside ``text`` can close the code span or fence."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(least, longest + 1)


def _code(value: object) -> str:
    # Addresses and host names come from others: no controls (the report is read
    # with cat too), and a backtick in them cannot end the span early.
    text = printable(str(value))
    ticks = _ticks(text, 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _local_time(diagnosis: Diagnosis) -> str:
    """``2026-12-04 15:13:28+07:00``: the reader's clock, its offset said."""
    return diagnosis.started_at.astimezone().isoformat(sep=" ", timespec="seconds")


#: SPF results that are only recorded for a real sending IP (never for the stand-in address
#: the sender check uses without one).
_IP_RESULTS = frozenset({"pass", "fail", "softfail", "neutral"})


def _sending_ip(diagnosis: Diagnosis) -> str | None:
    """The IP the test left from, as the sender's DNS check used it."""
    for result in diagnosis.probes:
        if result.kind is not ProbeId.AUTH:
            continue
        for step in result.steps:
            if step.name == AuthStep.SPF and step.get("result") in _IP_RESULTS:
                return step.get("ip")
            if step.name == AuthStep.DNSBL and step.get("ip"):
                return step.get("ip")
    return None


def render_markdown(diagnosis: Diagnosis, *, lang: str) -> str:
    """The report as Markdown text."""
    title, checked, findings, evidence, todo = MARKDOWN[lang]
    words = REPORT_MD[lang]
    out = [f"# {title} — mailcheck {diagnosis.command}", ""]
    out.append(f"- {words['when']}: {_local_time(diagnosis)}")
    out.append(f"- {words['version']}: {__version__}")
    out += ["", f"## {checked}", ""]
    target = diagnosis.target
    for key, value in target.items():
        if value is None or key in ("password_source", "message_id"):
            continue
        out.append(f"- {words['fields'].get(key, key)}: {_code(value)}")
    if target.get("message_id"):
        note = f" ({words['token_note']})" if target.get("token") else ""
        out.append(f"- {words['message_id']}: {_code(target['message_id'])}{note}")
    ip = _sending_ip(diagnosis)
    if ip:
        out.append(f"- {words['sending_ip']}: {_code(ip)}")
    out += ["", f"## {findings}", ""]
    # Advice of an OK finding ("send again, ask them to look in spam") would contradict the
    # fix of a failure: it is given only when the whole run is OK.
    healthy = diagnosis.severity is Severity.OK
    for finding in diagnosis.findings:
        cause = finding.cause
        faq = f" (FAQ {cause.faq})" if cause.faq else ""
        severity = words["severity"][cause.severity.value]
        out.append(f"### {severity}: {cause.title[lang]}{faq}")
        out.append("")
        lines = [
            q for step in evidence_steps(finding, diagnosis.probes) for q in quote_lines(step, lang)
        ]
        if lines:
            out.append(f"**{evidence}:**")
            out.append("")
            fence = _ticks("\n".join(lines), 3)
            out.append(fence)
            out.extend(lines)
            out.append(fence)
            out.append("")
        if cause.severity is not Severity.OK or healthy:
            out.append(f"**{todo}:** {cause.fix[lang]}")
            out.append("")
    return "\n".join(out) + "\n"
