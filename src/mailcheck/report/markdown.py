"""A short evidence report in Markdown (``--report FILE.md``) to forward to a mail admin.

It says what was tested, when, what failed and the remote servers' own words;
no secrets, and no internal detail a customer's admin does not need.
"""

from __future__ import annotations

import re

from mailcheck.diagnosis import Diagnosis, evidence_steps
from mailcheck.report.i18n import MARKDOWN
from mailcheck.report.quote import quote_lines
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


def render_markdown(diagnosis: Diagnosis, *, lang: str) -> str:
    """The report as Markdown text."""
    title, checked, findings, evidence, todo = MARKDOWN[lang]
    out = [f"# {title} — mailcheck {diagnosis.command}", ""]
    out.append(f"*{diagnosis.started_at.isoformat(timespec='seconds')}*")
    out += ["", f"## {checked}", ""]
    for key, value in diagnosis.target.items():
        if value is not None and key != "password_source":
            out.append(f"- {key}: {_code(value)}")
    out += ["", f"## {findings}", ""]
    for finding in diagnosis.findings:
        cause = finding.cause
        faq = f" (FAQ {cause.faq})" if cause.faq else ""
        out.append(f"### {cause.severity.value.upper()}: {cause.title[lang]}{faq}")
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
        out.append(f"**{todo}:** {cause.fix[lang]}")
        out.append("")
    return "\n".join(out) + "\n"
