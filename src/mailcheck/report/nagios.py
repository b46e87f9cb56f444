"""``mailcheck check --format nagios``: plugin output for Nagios, Icinga, Naemon, Checkmk.

The shape is the Monitoring Plugins development guidelines' ("Plugin Output"):

    MAILCHECK CRITICAL - billing: <summary> | auth_time=0.21s;;;0 ...
    <long text: one line per profile, its causes, the server's words, failing probes>
    <last long-text line> | <perfdata of the second profile>
    <perfdata of the third profile>

Performance data is ``'label'=value[UOM];[warn];[crit];[min];[max]``. With one
profile the labels are plain (``delivery_time``); with several, each label is
prefixed by the profile name and an underscore (``billing_delivery_time``), so a
graphing tool keeps one series per profile and metric. Labels are quoted only
when they must be (a space or a quote; a quote is doubled), and ``=``, which the
guidelines forbid in labels, becomes ``_``.

The first profile's perfdata follows the ``|`` of the first line; the other
profiles' follow one ``|`` at the end of the long text, one profile per line.
Nagios 3+ joins both parts without adding a space, so the second part starts
with one. The state word is the run's exit code's: a consumer that only reads
the first line and the exit code sees the same verdict.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.check.result import PLACEMENT_CODES, CheckRun, ProfileResult, probe_outcomes
from mailcheck.diagnosis import Diagnosis, evidence_steps
from mailcheck.errors import ConfigError
from mailcheck.report.i18n import LANGS
from mailcheck.report.i18n import STATE_WORDS as _STATES
from mailcheck.report.quote import quote_lines
from mailcheck.rules import Finding, Severity

__all__ = ["STATE_WORDS", "render_nagios"]

#: The service states as the guidelines spell them, by exit code (from the catalogue).
STATE_WORDS = _STATES["en"]

_LANGS = LANGS

#: Stage key in ProfileResult.stages -> perfdata metric, in output order.
_TIME_METRICS = (
    ("auth", "auth_time"),
    ("submit", "submit_time"),
    ("delivery", "delivery_time"),
    ("detection", "detection_time"),
)

# Long text is for a person reading a notification; a few lines of the server's
# words per cause are enough, and NRPE (v2) cuts the whole output at 1 KiB anyway.
_QUOTES_PER_CAUSE = 2
_QUOTE_CHARS = 200


def _text(value: str) -> str:
    """One line of plugin text: no newline (a new line of output), no ``|`` (perfdata), and
    no control character or escape sequence (it is shown on terminals and web pages)."""
    from mailcheck.terminal import printable

    return " ".join(printable(value).replace("|", "/").split())


def _label(profile: str | None, metric: str) -> str:
    name = metric if profile is None else f"{profile}_{metric}"
    name = " ".join(name.replace("=", "_").split())
    if " " in name or "'" in name:
        return "'" + name.replace("'", "''") + "'"
    return name


def _number(value: float) -> str:
    # Fixed-point: the guidelines' value class is [-0-9.], so never 1e-05.
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _perfdata(result: ProfileResult, prefixed: bool) -> list[str]:
    """The profile's ``label=value...`` items; a stage that did not happen has none."""
    profile = result.profile if prefixed else None
    items = []
    for stage, metric in _TIME_METRICS:
        seconds = result.stages.get(stage)
        if seconds is None:
            continue
        thresholds = ";;"
        if stage == "delivery":
            thresholds = f";{result.warning or ''};{result.critical or ''}"
        items.append(f"{_label(profile, metric)}={_number(seconds)}s{thresholds};0")
    if result.placement is not None and result.placement in PLACEMENT_CODES:
        code = PLACEMENT_CODES[result.placement]
        items.append(f"{_label(profile, 'placement')}={code};;;0;{max(PLACEMENT_CODES.values())}")
    total = result.stages.get("total")
    if total is not None:
        items.append(f"{_label(profile, 'total_time')}={_number(total)}s;;;0")
    return items


def _message(result: ProfileResult) -> str:
    if result.error is not None:
        return f"configuration error: {result.error}"
    if result.skipped is not None:
        return f"skipped: {result.skipped}"
    return result.summary


def _headline(run: CheckRun) -> str:
    if not run.results:
        return "no profile was checked"
    if len(run.results) == 1:
        only = run.results[0]
        return f"{only.profile}: {_message(only)}"
    # Worst first: a notification often shows only the start of the first line.
    ordered = sorted(run.results, key=lambda r: -r.status.rank)
    return "; ".join(f"{r.profile} {STATE_WORDS[r.exit_code]}: {_message(r)}" for r in ordered)


def _findings(result: ProfileResult) -> list[tuple[Finding, Diagnosis]]:
    pairs = [(f, d) for d in result.diagnoses for f in d.findings]
    return sorted(pairs, key=lambda pair: -pair[0].cause.severity.rank)


def _profile_lines(result: ProfileResult, lang: str) -> Iterable[tuple[int, str]]:
    """(indent, text) per long-text line of one profile."""
    yield 0, f"{result.profile}: {STATE_WORDS[result.exit_code]} - {_message(result)}"
    seen: set[str] = set()
    for finding, diagnosis in _findings(result):
        cause = finding.cause
        if cause.id in seen:
            continue
        seen.add(cause.id)
        yield 1, f"{STATE_WORDS[cause.severity.exit_code]} {cause.id}: {cause.title[lang]}"
        if cause.severity is Severity.OK:
            continue
        steps = evidence_steps(finding, diagnosis.probes)
        quotes = [line for step in steps for line in quote_lines(step, lang)]
        for quote in quotes[:_QUOTES_PER_CAUSE]:
            yield 2, quote[:_QUOTE_CHARS]
    for diagnosis in result.diagnoses:
        for outcome in probe_outcomes(diagnosis):
            if outcome.status is Severity.OK:
                continue
            why = f": {outcome.error}" if outcome.error else ""
            yield (
                1,
                f"probe {outcome.name}: {STATE_WORDS[outcome.status.exit_code]}"
                f" ({outcome.elapsed_s:.2f} s){why}",
            )


def render_nagios(run: CheckRun, *, lang: str = "en") -> str:
    """The plugin output for ``run``, ending with a newline; the exit code is ``run.exit_code``."""
    if lang not in _LANGS:
        raise ConfigError(f"unknown language {lang!r} (known: {', '.join(_LANGS)})")
    prefixed = len(run.results) > 1
    perf = [_perfdata(r, prefixed) for r in run.results]
    first = f"MAILCHECK {STATE_WORDS[run.exit_code]} - {_text(_headline(run))}"
    if perf and perf[0]:
        first += " | " + " ".join(perf[0])
    lines = [first]
    for result in run.results:
        lines.extend("  " * indent + _text(text) for indent, text in _profile_lines(result, lang))
    rest = [" ".join(items) for items in perf[1:] if items]
    if rest:
        # One "|" ends the long text; everything after it, over any number of lines, is perfdata.
        lines[-1] += " | " + rest[0]
        lines.extend(rest[1:])
    return "\n".join(lines) + "\n"
