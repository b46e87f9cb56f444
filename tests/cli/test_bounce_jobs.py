"""`mailcheck bounce --jobs N`: how many processes parse a large mbox; the reports never change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mailcheck.scenarios import bounce
from tests.helpers import ROOT, run_cli

BOUNCES = ROOT / "fixtures" / "bounces"


def _large_mbox(tmp_path: Path) -> Path:
    # More messages than are parsed before the workers start, from every fixture in turn.
    names = sorted(BOUNCES.glob("*.eml"))
    count = bounce.WORKER_FROM + 3 * len(names)
    out = tmp_path / "big.mbox"
    with out.open("wb") as handle:
        for index in range(count):
            handle.write(b"From MAILER-DAEMON Mon Jan  5 09:00:00 2026\n")
            handle.write(names[index % len(names)].read_bytes().replace(b"\r\n", b"\n") + b"\n")
    return out


def _without_times(report: Any) -> Any:
    if isinstance(report, dict):
        skip = {"elapsed_ms", "started_at"}
        return {k: _without_times(v) for k, v in report.items() if k not in skip}
    if isinstance(report, list):
        return [_without_times(v) for v in report]
    return report


def test_one_two_or_three_parsing_processes_print_the_same_reports(tmp_path: Path) -> None:
    mbox = _large_mbox(tmp_path)
    results = {}
    for jobs in ("1", "2", "3"):
        result = run_cli(["bounce", str(mbox), "--format", "json", "--jobs", jobs])
        assert result.exit_code == 2, result.stderr  # the mbox holds failures
        results[jobs] = _without_times(json.loads(result.stdout))
    default = run_cli(["bounce", str(mbox), "--format", "json"])
    assert (
        results["1"] == results["2"] == results["3"] == _without_times(json.loads(default.stdout))
    )
    assert len(results["1"]) > bounce.WORKER_FROM
    assert results["1"][-1]["target"]["target"] == f"{mbox} #{len(results['1'])}"


@pytest.mark.parametrize("jobs", ["0", "-1", "many"])
def test_a_job_count_that_is_not_a_positive_number_is_refused(jobs: str) -> None:
    result = run_cli(["bounce", str(BOUNCES / "postfix-user-unknown.eml"), "--jobs", jobs])
    assert result.exit_code != 0
    assert "--jobs" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_help_says_what_jobs_does() -> None:
    result = run_cli(["bounce", "--help"])
    assert "--jobs N" in result.stdout
    assert "1 parses in this one only" in " ".join(result.stdout.split())


def _dies() -> None:
    import os

    os._exit(1)  # the worker process ends before it parses anything


def _slow() -> None:
    import time

    time.sleep(1.5)  # a worker that starts late: this process parses in the meantime


@pytest.mark.parametrize("start", [_dies, _slow])
def test_a_worker_that_dies_or_lags_changes_no_report(
    start: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import multiprocessing
    from concurrent.futures import Executor, ProcessPoolExecutor

    from mailcheck.report.json import report_dict

    def workers(jobs: int | None = None) -> tuple[Executor | None, int]:
        context = multiprocessing.get_context("fork")
        return ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=start), 1

    names = sorted(BOUNCES.glob("*.eml"))
    raw = b"".join(
        b"From MAILER-DAEMON Mon Jan  5 09:00:00 2026\n"
        + names[index % len(names)].read_bytes().replace(b"\r\n", b"\n")
        + b"\n"
        for index in range(bounce.WORKER_FROM + 200)
    )
    here = asyncio.run(bounce.bounce_diagnoses(raw, "big.mbox"))
    monkeypatch.setattr(bounce, "_workers", workers)
    ahead = asyncio.run(bounce.bounce_diagnoses(raw, "big.mbox", parallel=True))
    assert [_without_times(report_dict(d)) for d in ahead] == [
        _without_times(report_dict(d)) for d in here
    ]
