"""The report for people at a terminal, in Vietnamese or English.

A pure function of the diagnosis: colour and width are passed in (the CLI decides
them from the terminal), so the same text can be tested without one.

Quiet when healthy: the result comes first, on one line; OK findings take one line
each; the Steps (the noise of a healthy run) are shown only when the result is not
OK, or with ``detail="verbose"`` (``-v``). ``detail="quiet"`` (``-q``) prints the
result line alone.
"""

from __future__ import annotations

import functools
import shutil
import textwrap
from typing import Any

from mailcheck.diagnosis import Diagnosis, evidence_steps
from mailcheck.evidence import Outcome, ProbeResult, Step
from mailcheck.facts.bounce import BounceStep
from mailcheck.report.i18n import (
    BOUNCE,
    COLOURS,
    EVIDENCE_WORDS,
    FIRST_LINE,
    HEADLINE,
    HUMAN,
    LAYOUT,
    STATUS_WORDS,
    STEPS,
)
from mailcheck.report.quote import quote_lines, quote_with
from mailcheck.rules import Severity
from mailcheck.terminal import printable, style

# STATUS_WORDS and quote_lines are re-exported: they lived here before report.i18n/report.quote.
__all__ = ["DETAILS", "STATUS_WORDS", "format_ms", "quote_lines", "render_human"]

#: How much the report says: ``-q``, the default, ``-v``.
DETAILS = ("quiet", "normal", "verbose")

#: The widest the report is wrapped to, even on a wider terminal (long lines read badly).
_MAX_WIDTH = 100


def _style(text: str, colour: str | None, *, bold: bool = False, enabled: bool) -> str:
    if not enabled:
        return text
    return style(text, colour, bold=bold)


def format_ms(ms: float) -> str:
    """A duration in one unit scheme: milliseconds below a second, seconds from there."""
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s"


def _step_name(name: str, lang: str) -> str:
    """``junk:select INBOX`` in the report's language; the folder or record type kept."""
    names: dict[str, str] = STEPS[lang]["names"]
    prefix, colon, rest = name.rpartition(":")
    base, space, argument = rest.partition(" ")
    text = names.get(base, base) + space + argument
    if colon:
        text = f"{names.get(prefix, prefix)}:{text}"
    return text


def _step_summary(step: Step, lang: str) -> str:
    extra = ""
    if step.get("tls_version"):
        extra = f" {step.get('tls_version')}"
    elif step.get("speaks"):
        extra = f" {step.get('speaks')}"
    elif step.get("dns") and step.get("dns") != "answer":
        extra = f" ({step.get('dns')})"
    name = _step_name(step.name, lang)
    outcome = STEPS[lang]["outcomes"].get(step.outcome.value, step.outcome.value)
    if step.outcome is Outcome.SKIPPED:  # never asked: no time to show, only why
        why = step.get("skipped") or (step.error.message if step.error else "")
        return printable(f"{name} {outcome}" + (f" ({why})" if why else ""))
    return printable(f"{name} {outcome}{extra} ({format_ms(step.elapsed_ms)})")


def _probe_lines(
    result: ProbeResult, labels: dict[str, Any], colour: bool, lang: str, width: int
) -> list[str]:
    # Wrapped between steps, like the Fix text: a step is never split across two rows.
    target = printable(f"{result.probe} {result.target}")
    lines = [f"{labels['steps']} [{target}]:"]
    for step in result.steps:
        text = _step_summary(step, lang)
        if len(lines[-1]) + 3 + len(text) > width and lines[-1].strip():
            lines.append("   ")
        lines[-1] += (" · " if lines[-1].strip() and not lines[-1].endswith(":") else " ") + text
    if colour:
        # Colour after wrapping: escape codes take no columns on the screen.
        failed = [_step_summary(s, lang) for s in result.steps if s.outcome is not Outcome.OK]
        for text in failed:
            lines = [line.replace(text, style(text, "red")) for line in lines]
    if result.crash:
        lines.append(f"{labels['crash']}:")
        # A traceback may quote server text; one cleaned line each, tabs kept.
        lines.extend(
            "    " + printable(line, layout=True) for line in result.crash.rstrip().splitlines()
        )
    return lines


def _source(source: str, words: dict[str, str]) -> str:
    """``env MAILCHECK_PASSWORD`` in the report's language (the variable or file name kept)."""
    first, _, rest = source.partition(" ")
    if first in ("password", "token") and rest == "command":
        return words[first]
    if first in words:
        return f"{words[first]} {rest}".rstrip()
    return source


def _headline(diagnosis: Diagnosis, labels: dict[str, Any], lang: str) -> str:
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
    if t.get("smtp_found_by") and t.get("sender"):
        # Nobody named the server: say how it was found, so a wrong guess can be corrected.
        domain = str(t["sender"]).rpartition("@")[2]
        parts.append(labels[f"found_{t['smtp_found_by']}"].format(domain=domain))
    if t.get("provider"):
        parts.append(f"{HEADLINE[lang]['provider']} {t['provider']}")
        if t.get("provider_mx"):
            # Picked from the sender domain's MX: say so, the user never named it.
            parts.append(labels["from_mx"].format(domain=t["provider_mx"]))
    if t.get("profile"):
        # Whose server and secret a run used: never silently another mailbox's.
        key = "from_profile" if t.get("profile_keys") else "profile"
        parts.append(labels[key].format(name=t["profile"], keys=t.get("profile_keys")))
    if t.get("username") and t.get("username") != t.get("sender"):
        # The sender address is the default login name: said only when it is another.
        parts.append(f"{labels['as']} {t['username']}")
    if t.get("password_source"):
        source = _source(str(t["password_source"]), HEADLINE[lang])
        parts.append(f"{labels['password']} {source}")
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


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _points_to_evidence(fix: str, lang: str) -> bool:
    """Whether a fix text speaks of evidence the report quotes ("the reply above")."""
    text = " ".join(fix.lower().split())
    return any(words in text for words in EVIDENCE_WORDS[lang])


def _result_line(diagnosis: Diagnosis, lang: str) -> str:
    """The answer in one line: ``OK: sending works; ... after 39 ms`` or the worst cause."""
    status = STATUS_WORDS[lang][diagnosis.severity.value]
    seen = diagnosis.timings.get("seen_after_submit_ms")
    if (
        diagnosis.severity is Severity.OK
        and diagnosis.facts.get("roundtrip.placement") == "inbox"
        and seen is not None
    ):
        return f"{status}: " + LAYOUT[lang]["inbox"].format(time=format_ms(seen))
    if diagnosis.findings:
        worst = max(diagnosis.findings, key=lambda f: f.cause.severity.rank)
        if worst.cause.severity is Severity.OK:
            return f"{status}: {worst.cause.title[lang]}"
        # The id of what went wrong: what `mailcheck causes` and the docs are searched by.
        return f"{status}: {worst.cause.title[lang]} ({worst.cause.id})"
    return f"{status}: {HUMAN[lang]['none']}"


def _terminal_width() -> int:
    # COLUMNS first (as shells export it, and as tests set it), then the terminal itself.
    return shutil.get_terminal_size((_MAX_WIDTH, 24)).columns


def render_human(
    diagnosis: Diagnosis,
    *,
    lang: str,
    colour: bool = False,
    transcript: bool = False,
    detail: str = "normal",
    width: int | None = None,
) -> str:
    """The report as text, ending with a newline.

    ``width``: the terminal's columns (default: ``COLUMNS`` or the terminal's size), capped
    at 100. ``detail``: ``quiet``, ``normal`` or ``verbose`` (:data:`DETAILS`).
    """
    labels = HUMAN[lang]
    status_names = STATUS_WORDS[lang]
    width = max(40, min(width or _terminal_width(), _MAX_WIDTH))
    severity = diagnosis.severity
    verbose = detail == "verbose"
    result_line = _style(
        printable(_result_line(diagnosis, lang)), COLOURS[severity.value], bold=True, enabled=colour
    )
    if detail == "quiet":
        return result_line + "\n"
    # Steps and timings are the evidence of a failure, and noise in a healthy run.
    show_steps = verbose or transcript or severity is not Severity.OK
    out: list[str] = [result_line]
    # One line (the terminal folds it): what was checked reads, and is searched, as one.
    out.append(_headline(diagnosis, labels | FIRST_LINE[lang], lang))
    out.append("")
    bounce_blocks = False
    for result in diagnosis.probes:
        if result.probe == "bounce":
            block = _bounce_lines(result, lang)
            if block:
                out.extend([*block, ""])
                bounce_blocks = True
    advice: list[str] = []
    for index, finding in enumerate(diagnosis.findings):
        cause = finding.cause
        name = f"{status_names[cause.severity.value]:<8} {cause.id}"
        if cause.faq:
            name += f"  ({labels['faq']} {cause.faq})"
        ok = cause.severity is Severity.OK
        if ok and not verbose:
            # One line: what was fine. Its advice is what to do next, shown only under
            # the finding the result line names, when the whole run is OK.
            word = f"{status_names[cause.severity.value]:<8} "
            text = f"{cause.title[lang]} ({cause.id})"
            if len(word) + len(text) > width:  # the id only where it fits: -v shows it
                text = cause.title[lang]
            line = _wrap(text, width, word, " " * len(word))
            head = _style(word.rstrip(), COLOURS[cause.severity.value], bold=True, enabled=colour)
            line[0] = head + line[0][len(word.rstrip()) :]
            out.extend(line)
            if index == 0 and severity is Severity.OK:
                # Below the OK lines: what to do next is about the whole run; with the
                # evidence it points to (a queue id in the server's reply), if it does.
                advice = []
                if _points_to_evidence(cause.fix[lang], lang):
                    advice = [
                        "  " + quoted
                        for step in evidence_steps(finding, diagnosis.probes)
                        for quoted in quote_with(step, labels)
                    ]
                advice += _wrap(cause.fix[lang], width, f"  {LAYOUT[lang]['next']}: ", "    ")
            continue
        out.append(_style(name, COLOURS[cause.severity.value], bold=True, enabled=colour))
        out.append("  " + cause.title[lang])
        for step in evidence_steps(finding, diagnosis.probes):
            if bounce_blocks and step.name == BounceStep.BOUNCED_RECIPIENT:
                continue  # the bounce's block above quotes it already
            out.extend("  " + line for line in quote_with(step, labels))
        label = LAYOUT[lang]["next"] if ok else labels["fix"]
        out.extend(_wrap(cause.fix[lang], width, f"  {label}: ", "    "))
        out.append("")
    out.extend(advice)
    if out[-1] != "" and show_steps:
        out.append("")  # a healthy report stays short: its OK lines lead straight on
    if not diagnosis.findings:
        out.append(labels["none"])
        out.append("")
    if diagnosis.timings and show_steps:
        names = labels["timings_names"]
        parts = [
            f"{names[k]} {format_ms(v * 1000 if k.endswith('_s') else v)}"
            for k, v in diagnosis.timings.items()
        ]
        out.extend(_wrap(f"{labels['timings']}: " + " · ".join(parts), width, "", "   "))
    if diagnosis.not_checked:
        later = ", ".join(labels["later"][name] for name in diagnosis.not_checked)
        out.extend(_wrap(f"{labels['not_checked']}: {later}.", width, "", "   "))
    if not show_steps:
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"
    for result in diagnosis.probes:
        out.extend(_probe_lines(result, labels, colour, lang, width))
        if transcript and result.transcript:
            out.append(f"{labels['transcript']}:")
            out.extend(f"  {line.direction}: {printable(line.text)}" for line in result.transcript)
    out.append(
        _style(
            f"{labels['result']}: {status_names[severity.value]} ({labels['exit']} "
            f"{diagnosis.exit_code}, {format_ms(diagnosis.elapsed_ms)})",
            COLOURS[severity.value],
            bold=True,
            enabled=colour,
        )
    )
    return "\n".join(out) + "\n"
