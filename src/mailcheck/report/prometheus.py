"""``mailcheck check --format prometheus`` and node_exporter textfiles.

The Prometheus text exposition format (version 0.0.4), one family per metric:
``# HELP``, ``# TYPE``, then its samples, every sample labelled with the
``profile``. Names follow the Prometheus naming conventions: the ``mailcheck_``
prefix, base units (seconds), ``_seconds`` / ``_timestamp_seconds`` suffixes,
``_info`` for a metric whose labels are the information and whose value is 1.

Everything is a gauge: each run replaces the last one's values. No sample has
a timestamp, since node_exporter's textfile collector refuses them.

``write_textfiles`` writes one ``mailcheck_<profile>.prom`` per profile for the
textfile collector, atomically: the collector reads ``*.prom`` whenever it is
scraped, so it must never see a half-written file. The temporary file is in
the same directory (``os.replace`` is atomic only within one file system) and
does not end in ``.prom``, so the collector never picks it up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC
from pathlib import Path

from mailcheck.atomicfile import write_atomically
from mailcheck.check.result import PLACEMENT_CODES, STAGES, CheckRun, ProfileResult
from mailcheck.errors import ConfigError
from mailcheck.report.i18n import STATE_WORDS
from mailcheck.rules import Severity

__all__ = ["METRICS", "render_prometheus", "textfile_name", "write_textfiles"]

#: Name -> help text of every metric, in output order (all gauges).
METRICS: dict[str, str] = {
    "mailcheck_success": "1 when the profile's check is OK, else 0.",
    "mailcheck_status": "Monitoring-plugin exit code: "
    + ", ".join(f"{code} {word}" for code, word in STATE_WORDS["en"].items())
    + ".",
    "mailcheck_skipped": (
        "1 when the check was skipped because another run held the profile's lock."
    ),
    "mailcheck_placement": (
        "Where the test message landed: 1 for the current placement, 0 for the others; "
        "absent when there was no round trip."
    ),
    "mailcheck_stage_duration_seconds": (
        "Seconds each stage of the check took (auth, submit, delivery, detection, total); "
        "absent for a stage that did not happen."
    ),
    "mailcheck_cause_info": "A cause the check found, with its severity (value always 1).",
    "mailcheck_last_run_timestamp_seconds": "When the profile's check started (Unix time).",
    "mailcheck_check_duration_seconds": "Seconds the whole check of the profile took.",
}

_FILE_NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")

Sample = tuple[dict[str, str], float]


def _escape_label(value: str) -> str:
    # The exposition format's three escapes in label values.
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _value(value: float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


def _severities(result: ProfileResult) -> dict[str, Severity]:
    found = {f.cause.id: f.cause.severity for f in result.findings}
    if any(c not in found for c in result.causes):
        from mailcheck.rules import catalogue

        causes = catalogue().causes
        for cause in result.causes:
            if cause not in found and cause in causes:
                found[cause] = causes[cause].severity
    return found


def _samples(result: ProfileResult) -> dict[str, list[Sample]]:
    who = {"profile": result.profile}
    out: dict[str, list[Sample]] = {name: [] for name in METRICS}
    out["mailcheck_success"].append((who, 1 if result.status is Severity.OK else 0))
    out["mailcheck_status"].append((who, result.exit_code))
    out["mailcheck_skipped"].append((who, 1 if result.skipped is not None else 0))
    if result.placement is not None:
        # A state set: every known state, so a query for one state always finds a series.
        states = list(PLACEMENT_CODES)
        if result.placement not in states:
            states.append(result.placement)
        for state in states:
            out["mailcheck_placement"].append(
                ({**who, "placement": state}, 1 if state == result.placement else 0)
            )
    known = [s for s in STAGES if s in result.stages]
    for stage in known + sorted(set(result.stages) - set(known)):
        out["mailcheck_stage_duration_seconds"].append(
            ({**who, "stage": stage}, result.stages[stage])
        )
    severities = _severities(result)
    for cause in dict.fromkeys(result.causes):  # one series per cause, even if found twice
        severity = severities.get(cause, Severity.UNKNOWN)
        out["mailcheck_cause_info"].append(({**who, "cause": cause, "severity": severity.value}, 1))
    started = result.started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)  # the model's times are UTC
    out["mailcheck_last_run_timestamp_seconds"].append((who, started.timestamp()))
    out["mailcheck_check_duration_seconds"].append((who, result.elapsed_s))
    return out


def _render(results: Iterable[ProfileResult]) -> str:
    families: dict[str, list[Sample]] = {name: [] for name in METRICS}
    for result in results:
        for name, samples in _samples(result).items():
            families[name].extend(samples)
    lines = []
    # All samples of a family must follow its one HELP/TYPE pair, so group by metric.
    for name, samples in families.items():
        if not samples:
            continue
        lines.append(f"# HELP {name} {_escape_help(METRICS[name])}")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in samples:
            pairs = ",".join(f'{key}="{_escape_label(val)}"' for key, val in labels.items())
            lines.append(f"{name}{{{pairs}}} {_value(value)}")
    return "\n".join(lines) + "\n" if lines else ""


def render_prometheus(run: CheckRun) -> str:
    """Every profile's metrics in the text exposition format (empty for no profile)."""
    return _render(run.results)


def textfile_name(profile: str) -> str:
    """``mailcheck_<profile>.prom``, the profile name cut down to ``[a-zA-Z0-9_-]``."""
    return f"mailcheck_{_FILE_NAME_UNSAFE.sub('_', profile)}.prom"


def write_textfiles(run: CheckRun, directory: Path) -> list[Path]:
    """Write ``mailcheck_<profile>.prom`` per profile into ``directory``; the paths written.

    Raises :class:`ConfigError` when the directory is missing or not writable,
    or when two profile names would share one file name.
    """
    if not directory.is_dir():
        raise ConfigError(
            f"textfile directory {directory} does not exist or is not a directory "
            "(it should be node_exporter's --collector.textfile.directory)"
        )
    owners: dict[str, str] = {}
    for result in run.results:
        name = textfile_name(result.profile)
        if name in owners and owners[name] != result.profile:
            raise ConfigError(
                f"profiles {owners[name]!r} and {result.profile!r} would both write {name}; "
                "rename one of them"
            )
        owners[name] = result.profile
    written = []
    for result in run.results:
        path = directory / textfile_name(result.profile)
        write_atomically(path, _render([result]), what="Prometheus textfile")
        written.append(path)
    return written
