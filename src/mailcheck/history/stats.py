"""What a profile's stored runs say: counts, delivery median and p95, and the trend.

Pure functions over rows the store has read; nothing here touches the file.

**Delivery trend.** Per profile, the runs that measured a delivery time are
taken newest first: the newest ``window`` (10) form the *recent* window, the
``window`` before them the *before* window. Each window needs at least
:data:`TREND_MIN_RUNS` (5) delivery times, else the trend is
``not-enough-data``. Otherwise the medians are compared: ``slower`` when the
recent median is more than :data:`TREND_RATIO` (1.25) times the earlier one *and*
at least :data:`TREND_MIN_DELTA_S` (1 s) longer; ``faster`` for the mirror
case; else ``steady``. The absolute floor keeps 0.4 s → 0.6 s (noise at
sub-second times) from reading as "slower".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailcheck.rules import Severity

if TYPE_CHECKING:
    from mailcheck.history.store import HistoryRow

__all__ = [
    "TREND_MIN_DELTA_S",
    "TREND_MIN_RUNS",
    "TREND_RATIO",
    "TREND_WINDOW",
    "DeliveryStats",
    "ProfileSummary",
    "StatusCount",
    "Trend",
    "delivery_stats",
    "delivery_trend",
    "summarise",
]

#: Delivery times per trend window.
TREND_WINDOW = 10
#: Fewest delivery times a window needs before a trend is claimed.
TREND_MIN_RUNS = 5
#: How much the median must change (as a factor) to count as faster or slower.
TREND_RATIO = 1.25
#: ... and by at least this many seconds, so sub-second jitter is not a trend.
TREND_MIN_DELTA_S = 1.0


class Trend(enum.StrEnum):
    """How delivery time moved between the two windows (see the module docstring)."""

    FASTER = "faster"
    SLOWER = "slower"
    STEADY = "steady"
    NOT_ENOUGH_DATA = "not-enough-data"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryStats:
    """Delivery seconds over one window of runs."""

    runs: int
    """How many delivery times the window holds (0 to ``window``)."""
    median: float | None
    p95: float | None
    """Nearest-rank 95th percentile; with few runs it is simply the slowest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileSummary:
    """What a profile's history says, for ``mailcheck history``."""

    profile: str
    runs: int
    """All stored runs in the period, skipped ones included."""
    statuses: dict[str, int]
    """Runs per status value (``ok``, ``warning``, ...), skipped runs not included."""
    failures: int
    """Runs that ran and were not OK."""
    skipped: int
    """Runs that did not run (another run held the lock, ...)."""
    last: HistoryRow
    recent: DeliveryStats
    before: DeliveryStats
    trend: Trend


@dataclass(frozen=True, slots=True)
class StatusCount:
    """How many of a profile's runs ended with one status (skipped ones apart)."""

    status: str
    skipped: bool
    runs: int


def _percentile_95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def delivery_stats(values: Sequence[float]) -> DeliveryStats:
    """Median and p95 of one window's delivery seconds (``None`` for an empty window)."""
    import statistics  # only `mailcheck history` summarises; `check` only appends

    if not values:
        return DeliveryStats(runs=0, median=None, p95=None)
    return DeliveryStats(
        runs=len(values),
        median=round(statistics.median(values), 4),
        p95=round(_percentile_95(values), 4),
    )


def delivery_trend(recent: DeliveryStats, before: DeliveryStats) -> Trend:
    """The trend word for two windows (rule in the module docstring)."""
    if recent.runs < TREND_MIN_RUNS or before.runs < TREND_MIN_RUNS:
        return Trend.NOT_ENOUGH_DATA
    now, earlier = recent.median or 0.0, before.median or 0.0  # not None: runs > 0
    if now > earlier * TREND_RATIO and now - earlier >= TREND_MIN_DELTA_S:
        return Trend.SLOWER
    if earlier > now * TREND_RATIO and earlier - now >= TREND_MIN_DELTA_S:
        return Trend.FASTER
    return Trend.STEADY


def summarise(
    profile: str,
    last: HistoryRow,
    counts: Iterable[StatusCount],
    delivery: Sequence[float],
    window: int = TREND_WINDOW,
) -> ProfileSummary:
    """``profile``'s summary from its newest run, its status counts and its delivery times.

    ``delivery`` is newest first, at most ``2 * window`` long: the first
    ``window`` are the recent window, the rest the one before.
    """
    statuses = {s.value: 0 for s in Severity}
    skipped = 0
    for count in counts:
        if count.skipped:
            skipped += count.runs
        else:
            statuses[count.status] = statuses.get(count.status, 0) + count.runs
    recent, before = delivery_stats(delivery[:window]), delivery_stats(delivery[window:])
    return ProfileSummary(
        profile=profile,
        runs=sum(statuses.values()) + skipped,
        statuses=statuses,
        failures=sum(n for s, n in statuses.items() if s != Severity.OK.value),
        skipped=skipped,
        last=last,
        recent=recent,
        before=before,
        trend=delivery_trend(recent, before),
    )
