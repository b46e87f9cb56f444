"""What the history tests share: a made-up check result and a real second process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailcheck.check.result import ProfileResult
from mailcheck.rules import Severity

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
SRC = str(Path(__file__).resolve().parents[3] / "src")


def result(
    profile: str = "main",
    minutes: int = 0,
    *,
    status: Severity = Severity.OK,
    delivery: float | None = 1.0,
    skipped: str | None = None,
    causes: tuple[str, ...] = ("smtp-login-ok",),
) -> ProfileResult:
    stages = {"auth": 0.1, "submit": 0.2, "total": 3.5}
    if delivery is not None:
        stages["delivery"] = delivery
    return ProfileResult(
        profile=profile,
        started_at=T0 + timedelta(minutes=minutes),
        elapsed_s=3.5,
        status=status,
        summary=f"{status.value} run",
        stages={} if skipped else stages,
        placement=None if skipped else "inbox",
        causes=() if skipped else causes,
        skipped=skipped,
    )


def python(code: str) -> subprocess.Popen[str]:
    """A real second process running ``code`` with mailcheck importable."""
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )
