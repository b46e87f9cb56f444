"""Where the history and the run locks live, and how their times are written.

Both are local state, not configuration: under ``$XDG_STATE_HOME/mailcheck``
(``~/.local/state/mailcheck`` by default).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from mailcheck.errors import MailcheckError
from mailcheck.statedir import state_dir

__all__ = [
    "default_history_path",
    "default_lock_dir",
    "format_time",
    "history_path",
    "parse_time",
]

# Fixed width, so text order is time order in SQL (index on started_at).
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def default_history_path() -> Path:
    """``$MAILCHECK_HISTORY``, else ``$XDG_STATE_HOME/mailcheck/history.sqlite3``."""
    explicit = os.environ.get("MAILCHECK_HISTORY")
    if explicit:
        return Path(explicit).expanduser()
    return state_dir() / "history.sqlite3"


def history_path(given: str | None, config: str | None) -> Path:
    """The history file: ``--history``, ``$MAILCHECK_HISTORY``, the config's ``history``, default.

    ``check`` writes and ``history`` reads through this one function, so they
    agree. A config file that cannot be read does not stop either: a broken
    config's run is recorded too (in the default file), and that is where
    ``history`` then looks.
    """
    if given:
        return Path(given).expanduser()
    if os.environ.get("MAILCHECK_HISTORY"):
        return default_history_path()
    from mailcheck.profiles import read_config

    try:
        _, data = read_config(config)
    except MailcheckError:
        data = None
    configured = (data or {}).get("history")
    return Path(str(configured)).expanduser() if configured else default_history_path()


def default_lock_dir() -> Path:
    """``$XDG_STATE_HOME/mailcheck/locks``: one lock file per profile."""
    return state_dir() / "locks"


def format_time(when: datetime) -> str:
    """``when`` as fixed-width UTC text (``YYYY-MM-DDTHH:MM:SS.ffffffZ``)."""
    # ProfileResult.started_at is documented as UTC; a naive value is taken as such.
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """The timezone-aware UTC time :func:`format_time` wrote."""
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
