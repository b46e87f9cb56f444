"""``mailcheck history``'s reports: the stored check runs as a table for people, or JSON.

The JSON shape is described in :mod:`mailcheck.commands.history`. Times in the
human table are local time, with the UTC offset in the heading.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mailcheck.history import DeliveryStats, HistoryRow, ProfileSummary
from mailcheck.report.i18n import HISTORY, HISTORY_PLACEMENT, HISTORY_TREND, STATUS_WORDS
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
    """The history report as plain data (``"schema": 1``, see :mod:`mailcheck.commands.history`)."""
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


def render_history(
    path: Path,
    since: datetime | None,
    summaries: list[ProfileSummary],
    runs: list[HistoryRow],
    lang: str,
) -> str:
    """The human report: one line per profile, then the recent runs."""
    from mailcheck.history import TREND_MIN_DELTA_S, TREND_MIN_RUNS, TREND_RATIO, TREND_WINDOW

    text, status, trend = HISTORY[lang], STATUS_WORDS[lang], HISTORY_TREND[lang]
    placement = HISTORY_PLACEMENT[lang]
    shown = [s.last.started_at for s in summaries] + [r.started_at for r in runs]
    local = [t.astimezone() for t in shown]
    # One offset for the whole table when it is the same for every row (no DST
    # change in between); otherwise each time carries its own.
    offsets = {t.utcoffset() for t in local}
    per_row = len(offsets) > 1

    def when(moment: datetime) -> str:
        here = moment.astimezone()
        stamp = here.strftime("%Y-%m-%d %H:%M:%S")
        return f"{stamp} {_offset_label(here.utcoffset())}" if per_row else stamp

    head = f"{text['history']}: {printable(str(path))}"
    if since is not None:
        head += f"  ({text['since']} {when(since)})"
    out = [head, ""]
    if not summaries:
        out.append(text["no_runs"])
        return "\n".join(out) + "\n"
    zone = text["local"] if per_row else f"{text['local']}, {_offset_label(offsets.pop())}"
    rows = [
        [
            s.profile,
            str(s.runs),
            str(s.failures),
            str(s.skipped),
            when(s.last.started_at),
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
    out.extend(_table(header, rows, right={1, 2, 3}))
    for s in summaries:
        detail = ", ".join(s.last.causes) or "-"
        if s.last.skipped:
            detail = f"{text['skipped_because']}: {s.last.skipped}"
        elif s.last.error:
            detail = f"{text['error']}: {s.last.error}"
        out.append(printable(f"  {s.profile}: {text['last_causes']}: {detail}"))
    rule = text["trend_rule"].format(
        window=TREND_WINDOW,
        percent=round((TREND_RATIO - 1) * 100),
        delta=TREND_MIN_DELTA_S,
        min_runs=TREND_MIN_RUNS,
    )
    out.append(rule)
    if runs:
        out += ["", f"{text['recent_runs']} ({zone}):"]
        run_rows = []
        for r in runs:
            what = ", ".join(r.causes) or "-"
            if r.skipped:
                what = f"{text['skipped_because']}: {r.skipped}"
            elif r.error:
                what = f"{text['error']}: {r.error}"
            run_rows.append(
                [
                    when(r.started_at),
                    r.profile,
                    status[r.status.value],
                    placement.get(r.placement or "", r.placement or "-"),
                    _seconds(r.stages.get("delivery")),
                    what,
                ]
            )
        run_header = [
            text["time"],
            text["profile"],
            text["status"],
            text["placement"],
            f"{text['delivery']} (s)",
            text["causes"],
        ]
        out.extend(_table(run_header, run_rows, right={4}))
    return "\n".join(out) + "\n"


def render_history_json(
    path: Path,
    exists: bool,
    since: datetime | None,
    summaries: list[ProfileSummary],
    runs: list[HistoryRow],
) -> str:
    """The history report as one JSON document."""
    return dump_json(history_dict(path, exists, since, summaries, runs))
