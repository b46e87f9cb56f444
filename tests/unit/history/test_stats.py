"""The delivery statistics and the trend rule, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailcheck.history import DeliveryStats, HistoryRow, Trend, delivery_trend
from mailcheck.history.stats import StatusCount, delivery_stats, summarise
from mailcheck.rules import Severity


def stats(median: float, runs: int = 10) -> DeliveryStats:
    return DeliveryStats(runs=runs, median=median, p95=median)


@pytest.mark.parametrize(
    ("recent", "before", "trend"),
    [
        (stats(10.0), stats(4.0), Trend.SLOWER),
        (stats(4.0), stats(10.0), Trend.FASTER),
        (stats(5.0), stats(4.5), Trend.STEADY),  # 11 %: within noise
        (stats(0.6), stats(0.3), Trend.STEADY),  # doubled, but only 0.3 s
        (stats(2.6), stats(1.5), Trend.SLOWER),  # 73 % and 1.1 s
        (stats(10.0, runs=4), stats(1.0), Trend.NOT_ENOUGH_DATA),
        (stats(10.0), stats(1.0, runs=0), Trend.NOT_ENOUGH_DATA),
    ],
)
def test_trend_rule(recent: DeliveryStats, before: DeliveryStats, trend: Trend) -> None:
    assert delivery_trend(recent, before) is trend


def test_a_summary_is_computed_from_rows_without_the_file() -> None:
    last = HistoryRow(
        id=7,
        profile="main",
        started_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        elapsed_s=3.5,
        status=Severity.CRITICAL,
        exit_code=2,
        summary="login refused",
        skipped=None,
        error=None,
        placement=None,
        stages={"auth": 0.1},
        causes=("password-changed",),
        version="0",
    )
    counts = [
        StatusCount(status="ok", skipped=False, runs=3),
        StatusCount(status="critical", skipped=False, runs=2),
        StatusCount(status="unknown", skipped=True, runs=4),
    ]
    delivery = [12.0] * 5 + [2.0] * 5  # newest first: five recent, five before
    summary = summarise("main", last, counts, delivery, window=5)
    assert summary.runs == 9
    assert summary.statuses == {"ok": 3, "warning": 0, "critical": 2, "unknown": 0}
    assert (summary.failures, summary.skipped) == (2, 4)
    assert summary.last is last
    assert summary.recent == DeliveryStats(runs=5, median=12.0, p95=12.0)
    assert summary.before == DeliveryStats(runs=5, median=2.0, p95=2.0)
    assert summary.trend is Trend.SLOWER
    assert delivery_stats([]) == DeliveryStats(runs=0, median=None, p95=None)
