"""The local history of ``mailcheck check`` runs, and the per-profile run lock.

Every check appends one row per profile to an SQLite file, so ``mailcheck
history`` can answer "since when is it failing?" and "is delivery getting
slower?". The file is local state, not configuration:
``$XDG_STATE_HOME/mailcheck/history.sqlite3`` unless ``$MAILCHECK_HISTORY`` says
otherwise.

- :mod:`~mailcheck.history.store`: the SQLite file, its versioned schema, writes
  and typed reads (:class:`History`, :class:`HistoryRow`);
- :mod:`~mailcheck.history.stats`: pure functions over the rows read (delivery
  median and p95, the trend rule, :class:`ProfileSummary`);
- :mod:`~mailcheck.history.lock`: the per-profile run lock (:func:`profile_lock`);
- :mod:`~mailcheck.history.state`: where the file and the locks live.

Cron and CI both run checks, so runs overlap. SQLite in WAL mode with a busy
timeout lets two processes append at once; :func:`profile_lock` makes sure two
runs never check the same profile at the same time (both would send a test
message and each would find the other's).
"""

from mailcheck.history.lock import LockHeld, lock_file_name, profile_lock
from mailcheck.history.state import default_history_path, default_lock_dir
from mailcheck.history.state import history_path as history_path
from mailcheck.history.stats import (
    TREND_MIN_DELTA_S,
    TREND_MIN_RUNS,
    TREND_RATIO,
    TREND_WINDOW,
    DeliveryStats,
    ProfileSummary,
    Trend,
    delivery_trend,
)
from mailcheck.history.store import SCHEMA_VERSION, STAGE_COLUMNS, History, HistoryRow

__all__ = [
    "SCHEMA_VERSION",
    "STAGE_COLUMNS",
    "TREND_MIN_DELTA_S",
    "TREND_MIN_RUNS",
    "TREND_RATIO",
    "TREND_WINDOW",
    "DeliveryStats",
    "History",
    "HistoryRow",
    "LockHeld",
    "ProfileSummary",
    "Trend",
    "default_history_path",
    "default_lock_dir",
    "delivery_trend",
    "lock_file_name",
    "profile_lock",
]
