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
from datetime import UTC, datetime, timedelta

import click

from mailcheck.cli.options import format_option, lang_option
from mailcheck.terminal import printable

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+)\s*([smhdw])")


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
@format_option("history")
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
    from mailcheck.report import HistoryReport, render_history_report
    from mailcheck.report.i18n import HISTORY

    language = (lang or default_lang()).lower()
    path = history_path(history_file, config)
    if not history_file:
        _warn_if_config_unreadable(config)
    since_at = parse_since(since, datetime.now(UTC)) if since is not None else None
    if not path.exists():
        click.echo(HISTORY[language]["none"].format(path=printable(str(path))), err=fmt == "json")
        if fmt == "json":
            click.echo(render_history_report(HistoryReport(path, False, since_at), fmt), nl=False)
        return 0
    with History(path) as history:
        summaries = history.profile_summaries(profiles=profiles, since=since_at)
        runs = history.runs(profiles=profiles, limit=limit, since=since_at)
    report = HistoryReport(path, True, since_at, summaries, runs)
    click.echo(render_history_report(report, fmt, lang=language), nl=False)
    return 0


def _warn_if_config_unreadable(config: str | None) -> None:
    """A broken config is no reason not to show the history, but the user is told which one."""
    from mailcheck.cli import say
    from mailcheck.errors import MailcheckError
    from mailcheck.profiles import read_config

    try:
        read_config(config)
    except MailcheckError as exc:
        say("warning", f"{exc}; showing the default history file")
