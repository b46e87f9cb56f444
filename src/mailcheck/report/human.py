"""The report for people at a terminal, in Vietnamese or English.

A pure function of the diagnosis: colour is passed in (the CLI decides it from
the terminal), so the same text can be tested without one.
"""

from __future__ import annotations

import functools
import textwrap
from typing import Any

from mailcheck.diagnosis import Diagnosis, evidence_steps
from mailcheck.evidence import Outcome, ProbeResult, Step
from mailcheck.facts.bounce import BounceStep
from mailcheck.report.i18n import BOUNCE, COLOURS, HUMAN, STATUS_WORDS
from mailcheck.report.quote import quote_lines, quote_with
from mailcheck.terminal import printable, style

# STATUS_WORDS and quote_lines are re-exported: they lived here before report.i18n/report.quote.
__all__ = ["STATUS_WORDS", "quote_lines", "render_human"]


def _style(text: str, colour: str | None, *, bold: bool = False, enabled: bool) -> str:
    if not enabled:
        return text
    return style(text, colour, bold=bold)


def _step_summary(step: Step) -> str:
    extra = ""
    if step.get("tls_version"):
        extra = f" {step.get('tls_version')}"
    elif step.get("speaks"):
        extra = f" {step.get('speaks')}"
    elif step.get("dns") and step.get("dns") != "answer":
        extra = f" ({step.get('dns')})"
    if step.outcome is Outcome.SKIPPED:  # never asked: no time to show, only why
        why = step.get("skipped") or (step.error.message if step.error else "")
        return printable(f"{step.name} {step.outcome.value}" + (f" ({why})" if why else ""))
    return printable(f"{step.name} {step.outcome.value}{extra} ({step.elapsed_ms:.0f} ms)")


def _probe_lines(result: ProbeResult, labels: dict[str, Any], colour: bool) -> list[str]:
    parts = []
    for step in result.steps:
        text = _step_summary(step)
        if step.outcome is not Outcome.OK:
            text = _style(text, "red", enabled=colour)
        parts.append(text)
    target = printable(f"{result.probe} {result.target}")
    lines = [f"{labels['steps']} [{target}]: " + " · ".join(parts)]
    if result.crash:
        lines.append(f"{labels['crash']}:")
        # A traceback may quote server text; one cleaned line each, tabs kept.
        lines.extend(
            "    " + printable(line, layout=True) for line in result.crash.rstrip().splitlines()
        )
    return lines


def _headline(diagnosis: Diagnosis, labels: dict[str, Any]) -> str:
    """``mailcheck diagnose: a@x → b@y, via host:587 (starttls), user a@x, password from ...``"""
    t = diagnosis.target
    parts = []
    if t.get("sender") and t.get("recipient"):
        parts.append(f"{t['sender']} → {t['recipient']}")
    if t.get("target"):
        parts.append(str(t["target"]))
    if t.get("mailbox"):
        parts.append(str(t["mailbox"]))
    if t.get("smtp_host"):
        parts.append(f"{labels['via']} {t['smtp_host']}:{t.get('smtp_port')} ({t.get('smtp_tls')})")
    if t.get("imap_host") and not t.get("smtp_host"):
        parts.append(f"{labels['via']} {t['imap_host']}:{t.get('imap_port')} ({t.get('imap_tls')})")
    if t.get("dns_server"):
        parts.append(f"DNS {t['dns_server']}")
    for key in ("provider", "profile"):
        if t.get(key):
            parts.append(f"{key} {t[key]}")
            if key == "provider" and t.get("provider_mx"):
                # Picked from the sender domain's MX: say so, the user never named it.
                parts.append(labels["from_mx"].format(domain=t["provider_mx"]))
    if t.get("username"):
        parts.append(f"{labels['as']} {t['username']}")
    if t.get("password_source"):
        parts.append(f"{labels['password']} {t['password_source']}")
    # Addresses, host and user names, the bounce file's name: all given by others.
    return printable(f"mailcheck {diagnosis.command}: " + ", ".join(parts))


# ---------------------------------------------------------------- a bounce's block

#: Recipients shown per bounce: a report on hundreds stays one screen (JSON has them all).
_MAX_SHOWN = 20
_WORDS_SHOWN = 300  # characters of the server's words, on one line


@functools.cache
def _reason_title(reason: str, lang: str) -> str | None:
    """The title of the cause a failure for ``reason`` names (the catalogue's own rule)."""
    from mailcheck.rules import catalogue, evaluate

    shipped = catalogue()
    findings = evaluate(shipped.rules, shipped.causes, {"recipient.rejection": reason})
    return findings[0].cause.title[lang] if findings else None


def _bounce_lines(result: ProbeResult, lang: str) -> list[str]:
    """Who bounced, why, whose problem it is, and the server's words: one block per bounce."""
    words = BOUNCE[lang]
    message = result.step(BounceStep.BOUNCE)
    recipients = [s for s in result.steps if s.name == BounceStep.BOUNCED_RECIPIENT]
    if message is None or not recipients:
        return []
    kind = message.get("kind") or ""
    style = message.get("style")
    fields = {
        "kind": words["kinds"].get(kind, kind),
        "host": message.get("reporting_mta"),
        # Which software wrote it, when recognised ("postfix", "exim", ...).
        "style": f" ({style})" if style and style != "unknown" else "",
        "also": f", {style}" if style and style != "unknown" else "",
        "count": len(recipients),
    }
    head = words["head"] if fields["host"] else words["head_no_host"]
    out = [head.format(**fields)]
    for step in recipients[:_MAX_SHOWN]:
        out.extend(_recipient_lines(step, lang))
    if len(recipients) > _MAX_SHOWN:
        out.append("  " + words["more"].format(count=len(recipients) - _MAX_SHOWN))
    # Addresses, host names and the server's words all come from the bounce: made inert.
    return [printable(line) for line in out]


def _recipient_lines(step: Step, lang: str) -> list[str]:
    words = BOUNCE[lang]
    reason = step.get("reason") or "other"
    title = _reason_title(reason, lang) or reason
    action = step.get("action") or ""
    action = words["actions"].get(action, action)
    status = " ".join(v for v in (action, step.get("status")) if v)
    lines = [f"  {step.get('recipient') or '?'}: {status} · {title}"]
    party = step.get("party") or "unknown"
    lines.append(f"    {words['whose']}: {words['party'].get(party, party)}")
    host, command = step.get("remote_mta"), step.get("smtp_command")
    said = step.get("diagnostic")
    if said:
        if host:
            label = words["said_after" if command else "said"].format(host=host, command=command)
        else:
            label = words["server_said_after" if command else "server_said"].format(command=command)
        said = " ".join(said.split())
        if len(said) > _WORDS_SHOWN:
            said = said[: _WORDS_SHOWN - 1] + "…"
        lines.append(f"    {label}: {said}")
    elif host:
        lines.append("    " + words["refused_by"].format(host=host))
    gave_up = step.get("gave_up_after")
    if gave_up:
        lines.append("    " + words["gave_up"].format(duration=_duration(gave_up, lang)))
    return lines


def _duration(value: str, lang: str) -> str:
    """``"5 days"`` (how mailcheck.bounce writes it) in the report's language."""
    number, _, unit = value.partition(" ")
    names = BOUNCE[lang]["units"].get(unit.rstrip("s"))
    if not number.isdigit() or names is None:
        return value
    return f"{number} {names[0] if number == '1' else names[1]}"


def render_human(
    diagnosis: Diagnosis, *, lang: str, colour: bool = False, transcript: bool = False
) -> str:
    """The report as text, ending with a newline."""
    labels = HUMAN[lang]
    status_names = STATUS_WORDS[lang]
    out: list[str] = []
    out.append(_headline(diagnosis, labels))
    out.append("")
    bounce_blocks = False
    for result in diagnosis.probes:
        if result.probe == "bounce":
            block = _bounce_lines(result, lang)
            if block:
                out.extend([*block, ""])
                bounce_blocks = True
    for finding in diagnosis.findings:
        cause = finding.cause
        head = f"{status_names[cause.severity.value]:<8} {cause.id}"
        if cause.faq:
            head += f"  ({labels['faq']} {cause.faq})"
        out.append(_style(head, COLOURS[cause.severity.value], bold=True, enabled=colour))
        out.append("  " + cause.title[lang])
        for step in evidence_steps(finding, diagnosis.probes):
            if bounce_blocks and step.name == BounceStep.BOUNCED_RECIPIENT:
                continue  # the bounce's block above quotes it already
            out.extend("  " + line for line in quote_with(step, labels))
        fix = textwrap.fill(
            " ".join(cause.fix[lang].split()),
            width=96,
            initial_indent=f"  {labels['fix']}: ",
            subsequent_indent="    ",
        )
        out.append(fix)
        out.append("")
    if not diagnosis.findings:
        out.append(labels["none"])
        out.append("")
    if diagnosis.timings:
        names = labels["timings_names"]
        parts = [
            f"{names[k]} {v:g}{'s' if k.endswith('_s') else ' ms'}"
            for k, v in diagnosis.timings.items()
        ]
        out.append(f"{labels['timings']}: " + " · ".join(parts))
    if diagnosis.not_checked:
        later = ", ".join(labels["later"][name] for name in diagnosis.not_checked)
        out.append(f"{labels['not_checked']}: {later}.")
    for result in diagnosis.probes:
        out.extend(_probe_lines(result, labels, colour))
        if transcript and result.transcript:
            out.append(f"{labels['transcript']}:")
            out.extend(f"  {line.direction}: {printable(line.text)}" for line in result.transcript)
    severity = diagnosis.severity
    out.append(
        _style(
            f"{labels['result']}: {status_names[severity.value]} ({labels['exit']} "
            f"{diagnosis.exit_code}, {diagnosis.elapsed_ms:.0f} ms)",
            COLOURS[severity.value],
            bold=True,
            enabled=colour,
        )
    )
    return "\n".join(out) + "\n"
