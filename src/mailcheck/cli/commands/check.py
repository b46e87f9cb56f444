"""``mailcheck check``: non-interactive health check of configured profiles (cron, CI, Nagios)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mailcheck.cli import say
from mailcheck.cli.options import color_option, dns_server_option, format_option, lang_option

if TYPE_CHECKING:
    from mailcheck.check.result import CheckRun, ProfileResult


@click.command("check")
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME",
    help="Profile of the config file to check (repeatable).",
)
@click.option("--all", "all_profiles", is_flag=True, help="Check every profile of the config file.")
@click.option(
    "--config",
    envvar="MAILCHECK_CONFIG",
    metavar="PATH",
    help="Config file [default: ~/.config/mailcheck/config.toml].",
)
@click.option(
    "--deadline",
    envvar="MAILCHECK_DEADLINE",
    metavar="SECONDS",
    help="Overall time limit of the whole run [60].",
)
@dns_server_option("Resolve names with this DNS server [the profile's, else the system's].")
@format_option("check", help="Report for people, machines, monitoring plugins or Prometheus.")
@click.option(
    "--warning",
    metavar="RANGE",
    help="WARNING when the delivery time (seconds) is outside this plugin range, e.g. 10.",
)
@click.option(
    "--critical",
    metavar="RANGE",
    help="CRITICAL when the delivery time (seconds) is outside this plugin range, e.g. 30.",
)
@click.option(
    "--textfile",
    metavar="DIR",
    help="Also write Prometheus metrics to DIR/mailcheck_<profile>.prom (node_exporter).",
)
@click.option("--junit", metavar="FILE", help="Also write a JUnit XML report (one test per probe).")
@click.option(
    "--history",
    "history_file",
    envvar="MAILCHECK_HISTORY",
    metavar="FILE",
    help="SQLite history file [config's history, else ~/.local/state/mailcheck/].",
)
@click.option("--no-history", is_flag=True, help="Do not record this run in the history.")
@lang_option
@color_option("Colour the report [on a terminal].")
def command(
    profiles: tuple[str, ...],
    all_profiles: bool,
    fmt: str,
    warning: str | None,
    critical: str | None,
    textfile: str | None,
    junit: str | None,
    history_file: str | None,
    no_history: bool,
    lang: str | None,
    color: bool | None,
    **options: Any,
) -> int:
    """Health check of configured profiles, for cron, CI and monitoring.

    Runs what each profile enables (credentials, round trip, the sender's DNS,
    key customer domains) without ever prompting, under one --deadline, and
    records the result in a local history. Two runs of one profile never
    overlap: the second is skipped with UNKNOWN. Exit 0 OK, 1 WARNING (spam
    folder, slow delivery), 2 CRITICAL (mail cannot go out or does not arrive),
    3 UNKNOWN (bad config, could not tell, skipped).
    """
    from mailcheck.check.result import CheckRun
    from mailcheck.config import default_lang
    from mailcheck.errors import MailcheckError

    if all_profiles == bool(profiles):
        raise click.UsageError("give --profile NAME (repeatable) or --all, one of the two")
    language = (lang or default_lang()).lower()
    no_profiles = False
    try:
        results = _run(profiles, all_profiles, (warning, critical), textfile, options)
    except MailcheckError as exc:
        # Even a broken config must reach the monitoring system as an UNKNOWN result.
        from mailcheck.check.plan import error_result

        say("error", str(exc))
        results = [error_result(name, str(exc)) for name in (profiles or ("config",))]
        # --all with no readable config: "config" names the failure, not a profile, so it
        # is reported but never recorded as a profile's run in the history.
        no_profiles = not profiles
    run = CheckRun(results=tuple(results), warning=warning, critical=critical)
    if not no_history and not no_profiles:
        _record(run, history_file, options.get("config"))
    written = _write_files(run, textfile, junit)
    from mailcheck.cli.commands.output import show
    from mailcheck.report import render_check

    show(render_check, run, fmt=fmt, color=color, lang=language)
    # Monitoring that reads the files must not see a stale OK: an unwritten file is UNKNOWN.
    return run.exit_code if written or run.exit_code != 0 else 3


def _run(
    profiles: tuple[str, ...],
    all_profiles: bool,
    thresholds: tuple[str | None, str | None],
    textfile: str | None,
    options: dict[str, Any],
) -> list[ProfileResult]:
    from mailcheck.check.plan import error_result, plan_profile, run_plans
    from mailcheck.check.ranges import parse_range
    from mailcheck.config import DEFAULT_DEADLINE
    from mailcheck.errors import ConfigError, MailcheckError
    from mailcheck.history import LockHeld, default_lock_dir, profile_lock
    from mailcheck.profiles import profile_names
    from mailcheck.values import parse_seconds

    names = profile_names(options.get("config")) if all_profiles else list(dict.fromkeys(profiles))
    for text in thresholds:
        if text is not None:
            parse_range(text)  # a bad range is a usage error before anything is sent
    if textfile is not None and not Path(textfile).is_dir():
        raise ConfigError(f"--textfile: {textfile} is not a directory")
    deadline = parse_seconds(options.get("deadline") or DEFAULT_DEADLINE, "--deadline")

    results: dict[str, ProfileResult] = {}
    plans = []
    with contextlib.ExitStack() as locks:
        for name in names:
            try:
                # The lock first: a second run must not even read the password.
                locks.enter_context(profile_lock(default_lock_dir(), name))
            except LockHeld as exc:
                results[name] = _skipped(name, str(exc))
                continue
            try:
                plans.append(plan_profile(name, options, thresholds))
            except MailcheckError as exc:
                results[name] = error_result(name, str(exc))
        for result in run_plans(plans, deadline):
            results[result.profile] = result
    return [results[name] for name in names]


def _skipped(name: str, reason: str) -> ProfileResult:
    from dataclasses import replace

    from mailcheck.check.plan import error_result

    return replace(error_result(name, reason), error=None, skipped=reason)


def _record(run: CheckRun, history_file: str | None, config: str | None) -> None:
    from mailcheck.errors import MailcheckError
    from mailcheck.history import History, history_path

    try:
        with History(history_path(history_file, config)) as history:
            for result in run.results:
                history.record(result)
    except MailcheckError as exc:
        # The check's own verdict still stands; losing the history line is reported, not fatal.
        say("warning", f"history not recorded: {exc}")


def _write_files(run: CheckRun, textfile: str | None, junit: str | None) -> bool:
    """Write the metrics and JUnit files; False (and a message) when one cannot be written."""
    from mailcheck.errors import MailcheckError

    try:
        _write(run, textfile, junit)
    except MailcheckError as exc:
        say("error", str(exc))
        return False
    return True


def _write(run: CheckRun, textfile: str | None, junit: str | None) -> None:
    if textfile is not None:
        from mailcheck.report.prometheus import write_textfiles

        write_textfiles(run, Path(textfile))
    if junit is not None:
        from mailcheck.report.junit import write_junit

        write_junit(run, Path(junit))
