"""Renderers, and the one table of output formats every ``--format`` comes from.

:class:`Format` names a format; :data:`RENDERERS` maps it to what it can render:
a list of diagnoses (``diagnose``, ``dns``, ``bounce``, ...), a ``mailcheck
check`` run, the history or the cause catalogue. ``--format`` offers, for a kind
of report, the formats with a renderer for it (:func:`formats`); Markdown and
JUnit are written to files (``--report``, ``--junit``) and never printed.

Every renderer returns the exact text to print, final newline included. The
renderer modules are imported when a report is rendered, not with this table:
``mailcheck --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from mailcheck.check.result import CheckRun
    from mailcheck.diagnosis import Diagnosis
    from mailcheck.history import HistoryRow, ProfileSummary
    from mailcheck.rules import Cause

__all__ = [
    "RENDERERS",
    "Format",
    "HistoryReport",
    "Kind",
    "Renderer",
    "Style",
    "formats",
    "render_causes",
    "render_check",
    "render_diagnoses",
    "render_history_report",
]


class Format(StrEnum):
    """An output format, as ``--format`` spells it."""

    HUMAN = "human"
    JSON = "json"
    MARKDOWN = "markdown"
    NAGIOS = "nagios"
    PROMETHEUS = "prometheus"
    JUNIT = "junit"


#: What a report is about: it picks the renderer's input.
Kind = Literal["diagnoses", "check", "history", "causes"]


class Style(NamedTuple):
    """How to render: language, colour (only the human report has any), protocol dialogue."""

    lang: str = "en"
    colour: bool = False
    transcript: bool = False
    #: ``quiet`` (``-q``), ``normal``, ``verbose`` (``-v``): how much the human report says.
    detail: str = "normal"


class HistoryReport(NamedTuple):
    """What ``mailcheck history`` shows: the stored runs of the selection."""

    path: Path
    exists: bool
    since: datetime | None
    summaries: Sequence[ProfileSummary] = ()
    runs: Sequence[HistoryRow] = ()


class Renderer(NamedTuple):
    """A format's renderers, one per kind of report it supports (None: not this kind)."""

    diagnoses: Callable[[Sequence[Diagnosis], Style], str] | None = None
    check: Callable[[CheckRun, Style], str] | None = None
    history: Callable[[HistoryReport, Style], str] | None = None
    causes: Callable[[Sequence[Cause], Style], str] | None = None
    #: Offered by ``--format`` (False: written to a file by its own option).
    printed: bool = True


# ---------------------------------------------------------------- diagnoses


def _diagnoses_human(diagnoses: Sequence[Diagnosis], style: Style) -> str:
    from mailcheck.report.human import render_human

    return "".join(
        render_human(
            d,
            lang=style.lang,
            colour=style.colour,
            transcript=style.transcript,
            detail=style.detail,
        )
        for d in diagnoses
    )


def _diagnoses_json(diagnoses: Sequence[Diagnosis], style: Style) -> str:
    from mailcheck.report.json import dump_json, render_json, report_dict

    if len(diagnoses) == 1:
        return render_json(diagnoses[0], transcript=style.transcript) + "\n"
    # Several diagnoses (dns of several domains, an mbox of bounces): one JSON array.
    return dump_json([report_dict(d, transcript=style.transcript) for d in diagnoses]) + "\n"


def _diagnoses_markdown(diagnoses: Sequence[Diagnosis], style: Style) -> str:
    from mailcheck.report.markdown import render_markdown

    return "".join(render_markdown(d, lang=style.lang) for d in diagnoses)


# ---------------------------------------------------------------- check runs


def _check_human(run: CheckRun, style: Style) -> str:
    from mailcheck.report.check import render_check_human

    return render_check_human(run, lang=style.lang, colour=style.colour)


def _check_json(run: CheckRun, style: Style) -> str:
    from mailcheck.report.check import render_check_json

    return render_check_json(run) + "\n"


def _check_nagios(run: CheckRun, style: Style) -> str:
    from mailcheck.report.nagios import render_nagios

    return render_nagios(run, lang=style.lang)


def _check_prometheus(run: CheckRun, style: Style) -> str:
    from mailcheck.report.prometheus import render_prometheus

    return render_prometheus(run)


def _check_junit(run: CheckRun, style: Style) -> str:
    from mailcheck.report.junit import render_junit

    return render_junit(run)


# ---------------------------------------------------------------- history


def _history_human(report: HistoryReport, style: Style) -> str:
    from mailcheck.report.history import render_history

    return render_history(
        report.path, report.since, list(report.summaries), list(report.runs), style.lang
    )


def _history_json(report: HistoryReport, style: Style) -> str:
    from mailcheck.report.history import render_history_json

    text = render_history_json(
        report.path, report.exists, report.since, list(report.summaries), list(report.runs)
    )
    return text + "\n"


# ---------------------------------------------------------------- the cause catalogue


def _causes_human(causes: Sequence[Cause], style: Style) -> str:
    from mailcheck.report.causes import render_causes_human
    from mailcheck.rules import catalogue

    # The whole catalogue is an index by area; causes asked for by id come with their fix.
    whole = len(causes) == len(catalogue().causes)
    return render_causes_human(causes, style.lang, fixes=not whole)


def _causes_json(causes: Sequence[Cause], style: Style) -> str:
    from mailcheck.report.json import dump_json

    doc: list[dict[str, Any]] = [
        {
            "id": c.id,
            "faq": c.faq,
            "severity": c.severity.value,
            "title": dict(c.title),
            "fix": dict(c.fix),
        }
        for c in causes
    ]
    return dump_json({"schema": 1, "causes": doc}) + "\n"


#: Every output format and what it renders.
RENDERERS: dict[Format, Renderer] = {
    Format.HUMAN: Renderer(
        diagnoses=_diagnoses_human,
        check=_check_human,
        history=_history_human,
        causes=_causes_human,
    ),
    Format.JSON: Renderer(
        diagnoses=_diagnoses_json,
        check=_check_json,
        history=_history_json,
        causes=_causes_json,
    ),
    Format.MARKDOWN: Renderer(diagnoses=_diagnoses_markdown, printed=False),
    Format.NAGIOS: Renderer(check=_check_nagios),
    Format.PROMETHEUS: Renderer(check=_check_prometheus),
    Format.JUNIT: Renderer(check=_check_junit, printed=False),
}


def formats(kind: Kind) -> tuple[str, ...]:
    """The ``--format`` choices for this kind of report, the default (human) first."""
    return tuple(
        str(fmt)
        for fmt, renderer in RENDERERS.items()
        if renderer.printed and getattr(renderer, kind) is not None
    )


def _renderer(fmt: str, kind: Kind) -> Callable[[Any, Style], str]:
    found: Callable[[Any, Style], str] | None = getattr(RENDERERS[Format(fmt.lower())], kind)
    if found is None:
        raise ValueError(f"format {fmt!r} cannot render a {kind} report")
    return found


def render_diagnoses(
    diagnoses: Sequence[Diagnosis],
    fmt: str,
    *,
    lang: str = "en",
    colour: bool = False,
    transcript: bool = False,
    detail: str = "normal",
) -> str:
    """Diagnoses in this format (several: one after the other, or one JSON array)."""
    return _renderer(fmt, "diagnoses")(diagnoses, Style(lang, colour, transcript, detail))


def render_check(run: CheckRun, fmt: str, *, lang: str = "en", colour: bool = False) -> str:
    """A ``mailcheck check`` run in this format."""
    return _renderer(fmt, "check")(run, Style(lang, colour))


def render_history_report(report: HistoryReport, fmt: str, *, lang: str = "en") -> str:
    """The stored runs (``mailcheck history``) in this format."""
    return _renderer(fmt, "history")(report, Style(lang))


def render_causes(causes: Sequence[Cause], fmt: str, *, lang: str = "en") -> str:
    """The cause catalogue (``mailcheck causes``) in this format."""
    return _renderer(fmt, "causes")(causes, Style(lang))
