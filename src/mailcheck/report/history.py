"""``mailcheck history``'s reports: the stored check runs as a table for people, or JSON.

The JSON shape is described in :mod:`mailcheck.cli.commands.history`. Times in the
human table are local time, with the UTC offset in the heading.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mailcheck.history.stats import DeliveryStats, ProfileSummary
from mailcheck.history.store import HistoryRow
from mailcheck.report.i18n import (
    HISTORY,
    HISTORY_PLACEMENT,
    HISTORY_TREND,
    STATUS_WORDS,
    error_text,
)
from mailcheck.report.json import dump_json
from mailcheck.terminal import printable

__all__ = ["history_dict", "render_history", "render_history_json"]


# ---------------------------------------------------------------- JSON


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _run_dict(row: HistoryRow) -> dict[str, Any]:
    return {
        "profile": row.profile,
        "started_at": _iso(row.started_at),
        "elapsed_s": row.elapsed_s,
        "status": row.status.value,
        "exit_code": row.exit_code,
        "summary": row.summary,
        "placement": row.placement,
        "stages": dict(row.stages),
        "causes": list(row.causes),
        "skipped": row.skipped,
        "error": row.error,
        "version": row.version,
    }


def _stats_dict(stats: DeliveryStats) -> dict[str, Any]:
    return {"runs": stats.runs, "median": stats.median, "p95": stats.p95}


def history_dict(
    path: Path,
    exists: bool,
    since: datetime | None,
    summaries: list[ProfileSummary],
    runs: list[HistoryRow],
) -> dict[str, Any]:
    """The history report as plain data (``"schema": 1``; the command: cli/commands/history.py)."""
    return {
        "schema": 1,
        "history": str(path),
        "exists": exists,
        "since": _iso(since) if since is not None else None,
        "profiles": [
            {
                "profile": s.profile,
                "runs": s.runs,
                "statuses": dict(s.statuses),
                "failures": s.failures,
                "skipped": s.skipped,
                "last": _run_dict(s.last),
                "delivery_s": {"recent": _stats_dict(s.recent), "before": _stats_dict(s.before)},
                "trend": s.trend.value,
            }
            for s in summaries
        ],
        "runs": [_run_dict(r) for r in runs],
    }


# ---------------------------------------------------------------- human


def _width(text: str) -> int:
    """Terminal columns: combining marks take none, wide (CJK) characters two."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _table(header: list[str], raw_rows: list[list[str]], right: set[int]) -> list[str]:
    # Stored rows hold profile names, server words and error texts: cleaned before
    # they are measured, so the columns line up and no cell acts on the terminal.
    rows = [[printable(cell) for cell in row] for row in raw_rows]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines


def _offset_label(offset: timedelta | None) -> str:
    seconds = int((offset or timedelta()).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _stats_cell(stats: DeliveryStats) -> str:
    if stats.runs == 0:
        return "-"
    return f"{_seconds(stats.median)}/{_seconds(stats.p95)} s, {stats.runs}"


@dataclass(frozen=True, slots=True)
class _Clock:
    """How the report writes times: local time, with one UTC offset in the headings when every
    shown time has the same (no DST change in between), else an offset after each time."""

    per_row: bool
    offset: timedelta | None

    @classmethod
    def of(cls, shown: list[datetime]) -> _Clock:
        offsets = {t.astimezone().utcoffset() for t in shown}
        single = next(iter(offsets)) if len(offsets) == 1 else None
        return cls(per_row=len(offsets) > 1, offset=single)

    def when(self, moment: datetime) -> str:
        here = moment.astimezone()
        stamp = here.strftime("%Y-%m-%d %H:%M:%S")
        return f"{stamp} {_offset_label(here.utcoffset())}" if self.per_row else stamp

    def zone(self, local: str) -> str:
        return local if self.per_row else f"{local}, {_offset_label(self.offset)}"


def _detail(lang: str, causes: Sequence[str], skipped: str | None, error: str | None) -> str:
    """A run's causes (not the OK ones: they are not why a run failed), or why it was
    skipped, or the error that stopped it, in the report's language."""
    text = HISTORY[lang]
    if skipped:
        return f"{text['skipped_because']}: {error_text(skipped, lang)}"
    if error:
        return f"{text['error']}: {error_text(error, lang)}"
    return ", ".join(c for c in causes if not _is_ok(c)) or "-"


def _is_ok(cause: str) -> bool:
    """An OK cause (``delivered-to-inbox``); one the catalogue no longer has is shown."""
    from mailcheck.rules import Severity, catalogue

    known = catalogue().causes.get(cause)
    return known is not None and known.severity is Severity.OK


def render_history(
    path: Path,
    since: datetime | None,
    summaries: list[ProfileSummary],
    runs: list[HistoryRow],
    lang: str,
) -> str:
    """The human report: one line per profile, then the recent runs."""
    text = HISTORY[lang]
    clock = _Clock.of([s.last.started_at for s in summaries] + [r.started_at for r in runs])
    head = f"{text['history']}: {printable(str(path))}"
    if since is not None:
        head += f"  ({text['since']} {clock.when(since)})"
    out = [head, ""]
    if not summaries:
        out.append(text["no_runs"])
        return "\n".join(out) + "\n"
    zone = clock.zone(text["local"])
    out.extend(_summary_lines(summaries, lang, clock, zone))
    if runs:
        out += ["", f"{text['recent_runs']} ({zone}):"]
        out.extend(_run_lines(runs, lang, clock))
    return "\n".join(out) + "\n"


def _summary_lines(
    summaries: list[ProfileSummary], lang: str, clock: _Clock, zone: str
) -> list[str]:
    """The per-profile table, each profile's last causes, and the rule behind the trend."""
    from mailcheck.history.stats import TREND_MIN_DELTA_S, TREND_MIN_RUNS, TREND_RATIO, TREND_WINDOW

    text, status, trend = HISTORY[lang], STATUS_WORDS[lang], HISTORY_TREND[lang]
    rows = [
        [
            s.profile,
            str(s.runs),
            str(s.failures),
            str(s.skipped),
            clock.when(s.last.started_at),
            status[s.last.status.value],
            _stats_cell(s.recent),
            _stats_cell(s.before),
            trend[s.trend.value],
        ]
        for s in summaries
    ]
    header = [
        text["profile"],
        text["runs"],
        text["failures"],
        text["skipped"],
        f"{text['last_run']} ({zone})",
        text["last_status"],
        text["recent"],
        text["before"],
        text["trend"],
    ]
    out = _table(header, rows, right={1, 2, 3})
    for s in summaries:
        detail = _detail(lang, s.last.causes, s.last.skipped, s.last.error)
        out.append(printable(f"  {s.profile}: {text['last_causes']}: {detail}"))
    rule = text["trend_rule"].format(
        window=TREND_WINDOW,
        percent=round((TREND_RATIO - 1) * 100),
        delta=TREND_MIN_DELTA_S,
        min_runs=TREND_MIN_RUNS,
    )
    out.append(rule)
    return out


def _run_lines(runs: list[HistoryRow], lang: str, clock: _Clock) -> list[str]:
    """The recent runs, one line each, in the order given."""
    text, status, placement = HISTORY[lang], STATUS_WORDS[lang], HISTORY_PLACEMENT[lang]
    run_rows = [
        [
            clock.when(r.started_at),
            r.profile,
            status[r.status.value],
            placement.get(r.placement or "", r.placement or "-"),
            _seconds(r.stages.get("delivery")),
            _detail(lang, r.causes, r.skipped, r.error),
        ]
        for r in runs
    ]
    run_header = [
        text["time"],
        text["profile"],
        text["status"],
        text["placement"],
        f"{text['delivery']} (s)",
        text["causes"],
    ]
    return _table(run_header, run_rows, right={4})


def render_history_json(
    path: Path,
    exists: bool,
    since: datetime | None,
    summaries: list[ProfileSummary],
    runs: list[HistoryRow],
) -> str:
    """The history report as one JSON document."""
    return dump_json(history_dict(path, exists, since, summaries, runs))
