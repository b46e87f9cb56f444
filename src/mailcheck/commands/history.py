"""``mailcheck history``: what the stored ``mailcheck check`` runs say, per profile.

JSON shape (``"schema": 1``)::

    {"schema": 1, "history": PATH, "exists": bool, "since": ISO-UTC | null,
     "profiles": [{"profile", "runs", "statuses": {"ok": n, "warning": n, "critical": n,
                   "unknown": n}, "failures", "skipped",
                   "last": RUN,
                   "delivery_s": {"recent": {"runs", "median", "p95"},
                                  "before": {"runs", "median", "p95"}},
                   "trend": "faster" | "slower" | "steady" | "not-enough-data"}],
     "runs": [RUN, ...]}   # newest first, at most --limit

    RUN = {"profile", "started_at" (ISO UTC, ends in Z), "elapsed_s", "status",
           "exit_code", "summary", "placement", "stages": {stage: seconds},
           "causes": [id, ...], "skipped", "error", "version"}

Times in the human table are local time, with the UTC offset in the heading.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from mailcheck.history import DeliveryStats, HistoryRow, ProfileSummary
from mailcheck.options import format_option, lang_option
from mailcheck.report.human import STATUS_WORDS
from mailcheck.report.json import dump_json
from mailcheck.terminal import printable

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "history": "History",
        "none": "no history yet at {path} (mailcheck check writes it)",
        "no_runs": "No runs stored for this selection.",
        "since": "since",
        "profile": "Profile",
        "runs": "Runs",
        "failures": "Failures",
        "skipped": "Skipped",
        "last_run": "Last run",
        "last_status": "Last status",
        "recent": "Delivery recent (median/p95, n)",
        "before": "Before",
        "trend": "Trend",
        "last_causes": "last causes",
        "recent_runs": "Recent runs, newest first",
        "time": "Time",
        "status": "Status",
        "placement": "Placement",
        "delivery": "Delivery",
        "causes": "Causes",
        "skipped_because": "skipped",
        "error": "error",
        "local": "local time",
        "trend_rule": (
            "Trend: median of the last {window} delivery times against the {window} before;"
            " 'slower'/'faster' needs {percent} % and {delta:g} s of change,"
            " and {min_runs} times in each."
        ),
    },
    "vi": {
        "history": "Lịch sử",
        "none": "chưa có lịch sử tại {path} (mailcheck check sẽ ghi vào đây)",
        "no_runs": "Không có lần chạy nào được lưu cho lựa chọn này.",
        "since": "từ",
        "profile": "Hồ sơ",
        "runs": "Số lần",
        "failures": "Lỗi",
        "skipped": "Bỏ qua",
        "last_run": "Lần cuối",
        "last_status": "Trạng thái cuối",
        "recent": "Giao gần đây (trung vị/p95, n)",
        "before": "Trước đó",
        "trend": "Xu hướng",
        "last_causes": "nguyên nhân lần cuối",
        "recent_runs": "Các lần chạy gần đây, mới nhất trước",
        "time": "Thời gian",
        "status": "Trạng thái",
        "placement": "Vị trí thư",
        "delivery": "Giao",
        "causes": "Nguyên nhân",
        "skipped_because": "bỏ qua",
        "error": "lỗi",
        "local": "giờ địa phương",
        "trend_rule": (
            "Xu hướng: trung vị {window} lần giao gần nhất so với {window} lần trước đó;"
            " 'chậm hơn'/'nhanh hơn' cần thay đổi {percent} % và {delta:g} giây,"
            " mỗi bên ít nhất {min_runs} lần."
        ),
    },
}
_TREND = {
    "en": {
        "faster": "faster",
        "slower": "slower",
        "steady": "steady",
        "not-enough-data": "not enough data",
    },
    "vi": {
        "faster": "nhanh hơn",
        "slower": "chậm hơn",
        "steady": "ổn định",
        "not-enough-data": "chưa đủ dữ liệu",
    },
}
_PLACEMENT = {
    "vi": {
        "inbox": "hộp thư đến",
        "junk": "thư rác",
        "other": "thư mục khác",
        "not-arrived": "chưa đến",
        "lost": "thất lạc",
        "not-sent": "chưa gửi",
    },
}


def parse_since(text: str, now: datetime) -> datetime:
    """``24h``, ``7d``, ``90m``, ``2w``, ``1d12h`` → the UTC time that long before ``now``."""
    from mailcheck.errors import ConfigError

    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not compact or _DURATION.sub("", compact).strip():
        raise ConfigError(
            f"--since {text!r} is not a duration; use a number and a unit "
            "(s, m, h, d or w), e.g. 24h, 7d or 1d12h"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in parts)
    if seconds <= 0:
        raise ConfigError(f"--since {text!r} is zero; give a duration such as 24h or 7d")
    try:
        return now - timedelta(seconds=seconds)
    except OverflowError:
        raise ConfigError(f"--since {text!r} reaches before year 1; give a shorter one") from None


@click.command("history")
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME",
    help="Only this profile (repeatable) [all profiles].",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many recent runs to list.",
)
@click.option("--since", metavar="DURATION", help="Only runs in this period, e.g. 24h, 7d.")
@format_option("human", "json")
@click.option(
    "--history",
    "history_file",
    metavar="FILE",
    help="History file [$MAILCHECK_HISTORY, else the config's history, else "
    "~/.local/state/mailcheck/history.sqlite3].",
)
@click.option(
    "--config",
    envvar="MAILCHECK_CONFIG",
    metavar="PATH",
    help="Config file whose 'history' key names the file [~/.config/mailcheck/config.toml].",
)
@lang_option
def command(
    profiles: tuple[str, ...],
    limit: int,
    since: str | None,
    fmt: str,
    history_file: str | None,
    config: str | None,
    lang: str | None,
) -> int:
    """Show past `mailcheck check` runs: failures, causes, delivery time and its trend.

    Per profile: runs, failures, the last status and causes, and delivery time
    (median and 95th percentile) of the last 10 runs against the 10 before,
    with a trend. Then the most recent runs. Exit 0; 3 for bad options or an
    unusable history file.
    """
    from mailcheck.config import default_lang
    from mailcheck.history import History, history_path

    language = (lang or default_lang()).lower()
    path = history_path(history_file, config)
    if not history_file:
        _warn_if_config_unreadable(config)
    since_at = parse_since(since, datetime.now(UTC)) if since is not None else None
    if not path.exists():
        click.echo(_TEXT[language]["none"].format(path=printable(str(path))), err=fmt == "json")
        if fmt == "json":
            click.echo(_dumps(_report(path, False, since_at, [], [])))
        return 0
    with History(path) as history:
        summaries = history.profile_summaries(profiles=profiles, since=since_at)
        runs = history.runs(profiles=profiles, limit=limit, since=since_at)
    if fmt == "json":
        click.echo(_dumps(_report(path, True, since_at, summaries, runs)))
    else:
        click.echo(render_history(path, since_at, summaries, runs, language), nl=False)
    return 0


# ---------------------------------------------------------------- JSON


def _dumps(doc: dict[str, Any]) -> str:
    return dump_json(doc)


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


def _report(
    path: Path,
    exists: bool,
    since: datetime | None,
    summaries: list[ProfileSummary],
    runs: list[HistoryRow],
) -> dict[str, Any]:
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

    text, status, trend = _TEXT[lang], STATUS_WORDS[lang], _TREND[lang]
    placement = _PLACEMENT.get(lang, {})
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


def _warn_if_config_unreadable(config: str | None) -> None:
    """A broken config is no reason not to show the history, but the user is told which one."""
    from mailcheck.cli import say
    from mailcheck.config import read_config
    from mailcheck.errors import MailcheckError

    try:
        read_config(config)
    except MailcheckError as exc:
        say("warning", f"{exc}; showing the default history file")
