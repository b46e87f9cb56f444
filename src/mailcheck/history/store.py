"""The SQLite store of ``mailcheck check`` runs: its versioned schema, writes and reads.

Every check appends one row per profile, so ``mailcheck history`` can answer
"since when is it failing?" and "is delivery getting slower?". SQLite in WAL
mode with a busy timeout lets two processes (cron and CI) append at once.

Nothing secret is stored: the row holds the result's plain fields (status,
summary, placement, stage times, cause ids), never a transcript or a fact.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from mailcheck import __version__
from mailcheck.errors import ConfigError
from mailcheck.history.state import format_time, parse_time
from mailcheck.history.stats import TREND_WINDOW, ProfileSummary, StatusCount, summarise
from mailcheck.rules import Severity

if TYPE_CHECKING:  # only its type: the store does not need the check to be loaded
    from mailcheck.check.result import ProfileResult

__all__ = ["SCHEMA_VERSION", "STAGE_COLUMNS", "History", "HistoryRow"]

#: ``PRAGMA user_version`` of the schema this module writes; bump it with a migration.
SCHEMA_VERSION = 1
#: The stages stored as columns (``<stage>_s``): the keys of ``checkresult.STAGES``.
STAGE_COLUMNS = ("auth", "submit", "delivery", "detection", "total")
# Seconds a writer waits for another writer's transaction: a check appends one
# short row, so anything near this long means a stuck process, not contention.
_BUSY_TIMEOUT_S = 30.0
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = (
    f"""CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    profile     TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,  -- UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ (fixed width)
    elapsed_s   REAL    NOT NULL,
    status      TEXT    NOT NULL,  -- ok, warning, critical, unknown
    exit_code   INTEGER NOT NULL,  -- 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    summary     TEXT    NOT NULL,
    skipped     TEXT,              -- why the check did not run (e.g. lock held)
    error       TEXT,              -- the configuration error that stopped it
    placement   TEXT,              -- inbox, junk, other, not-arrived, lost, not-sent
    {", ".join(f"{s}_s REAL" for s in STAGE_COLUMNS)},
    causes      TEXT    NOT NULL,  -- JSON array of cause ids, worst first
    version     TEXT    NOT NULL   -- mailcheck version that wrote the row
)""",
    "CREATE INDEX runs_profile_started ON runs (profile, started_at)",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRow:
    """One stored run of one profile."""

    id: int
    profile: str
    started_at: datetime
    """UTC, timezone-aware."""
    elapsed_s: float
    status: Severity
    exit_code: int
    summary: str
    skipped: str | None
    error: str | None
    placement: str | None
    stages: dict[str, float]
    """Seconds per stage that happened (keys of :data:`STAGE_COLUMNS`)."""
    causes: tuple[str, ...]
    version: str
    """The mailcheck version that wrote the row."""


def _unusable(path: Path, what: str) -> ConfigError:
    return ConfigError(
        f"history file {path} {what}; move it away (mailcheck starts a new one) "
        "or choose another file with --history or MAILCHECK_HISTORY"
    )


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite gets a chance to write to it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except (FileNotFoundError, NotADirectoryError):
        return  # _create_file says what is wrong with the directories
    except IsADirectoryError:
        raise _unusable(path, "is a directory") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read history file {path}: {exc.strerror}; fix its permissions "
            "or choose another file with --history or MAILCHECK_HISTORY"
        ) from None
    # An empty file is an empty database to SQLite (and what O_EXCL creation leaves).
    if head and head != _SQLITE_MAGIC:
        raise _unusable(path, "is not an SQLite database")


def _create_file(path: Path) -> None:
    """Make the parent directories (0700) and the file itself (0600) if missing."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # already there, or another process just made it
        os.close(fd)
    except OSError as exc:
        raise ConfigError(
            f"cannot create history file {path}: {exc.strerror}; "
            "choose another file with --history or MAILCHECK_HISTORY"
        ) from None


class History:
    """The history file, open for appending and reading; use it as a context manager.

    Raises :class:`ConfigError` (naming the path and what to do) when the file
    is not an SQLite database, is another program's database, was written by a
    newer mailcheck, or cannot be read or written. It never rewrites such a file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        _check_header(path)
        _create_file(path)
        try:
            # isolation_level=None: we issue BEGIN ourselves, only where needed.
            self._db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    def _error(self, exc: sqlite3.Error) -> ConfigError:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            return _unusable(self.path, f"is damaged or not a database ({text})")
        if "locked" in text or "busy" in text:
            return ConfigError(
                f"history file {self.path} stayed locked for {_BUSY_TIMEOUT_S:.0f} s "
                f"({text}); is another program holding it open?"
            )
        return ConfigError(
            f"cannot use history file {self.path} ({text}); check its permissions "
            "or choose another file with --history or MAILCHECK_HISTORY"
        )

    def _open(self) -> None:
        try:
            # Refuse a foreign or newer file before anything writes to it
            # (switching to WAL rewrites the header).
            self._inspect()
            self._use_wal()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._migrate()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _use_wal(self) -> None:
        """Switch to WAL: readers never block the writer, and writers queue.

        Changing the journal mode needs the file to itself, and SQLite answers
        "locked" at once instead of waiting (no busy handler), e.g. when two
        first runs open a new file together; so retry until the busy timeout.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.02)

    def _inspect(self) -> int:
        """The file's schema version; ConfigError when it is not ours to write."""
        # One statement, so one snapshot: another process may be creating the schema.
        rows = self._db.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), name FROM sqlite_master"
            " UNION ALL SELECT user_version, NULL FROM pragma_user_version"
        ).fetchall()
        version = int(rows[0][0])
        tables = {str(name) for _, name in rows if name is not None}
        if version > SCHEMA_VERSION:
            raise _unusable(
                self.path,
                f"was written by a newer mailcheck (schema {version}, this one reads "
                f"{SCHEMA_VERSION}); upgrade mailcheck",
            )
        if version == 0 and tables:
            names = ", ".join(sorted(tables))
            raise _unusable(self.path, f"is another program's database (tables: {names})")
        if version > 0 and "runs" not in tables:
            raise _unusable(self.path, "claims to be a mailcheck history but has no runs table")
        return version

    def _migrate(self) -> None:
        """Bring the schema to :data:`SCHEMA_VERSION` (inside the caller's transaction)."""
        # Again inside the write transaction: another process may have just created it.
        version = self._inspect()
        if version == 0:
            # One statement at a time: executescript() would COMMIT our transaction.
            for statement in _SCHEMA:
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # Later versions: `if version < 2: ALTER TABLE ...; PRAGMA user_version = 2`.

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _query(self, sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
        try:
            return list(self._db.execute(sql, params).fetchall())
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def record(self, result: ProfileResult) -> None:
        """Append one profile's result; stages outside :data:`STAGE_COLUMNS` are not kept."""
        values: dict[str, object] = {
            "profile": result.profile,
            "started_at": format_time(result.started_at),
            "elapsed_s": float(result.elapsed_s),
            "status": result.status.value,
            "exit_code": result.exit_code,
            "summary": result.summary,
            "skipped": result.skipped,
            "error": result.error,
            "placement": result.placement,
            "causes": json.dumps(list(result.causes)),
            "version": __version__,
        }
        values.update({f"{s}_s": result.stages.get(s) for s in STAGE_COLUMNS})
        # One INSERT in autocommit mode is its own transaction.
        self._query(_INSERT, values)

    def runs(
        self,
        *,
        profiles: Sequence[str] = (),
        limit: int = 20,
        since: datetime | None = None,
    ) -> list[HistoryRow]:
        """The newest ``limit`` runs, newest first, of ``profiles`` (all when empty)."""
        params = _filters(profiles, since)
        params["limit"] = max(0, limit)
        return [_row(r) for r in self._query(_SELECT_RUNS, params)]

    def profiles(self, *, since: datetime | None = None) -> list[str]:
        """Profiles with at least one run (since ``since``), sorted."""
        return [str(r[0]) for r in self._query(_SELECT_PROFILES, _filters((), since))]

    def profile_summaries(
        self,
        *,
        profiles: Sequence[str] = (),
        since: datetime | None = None,
        window: int = TREND_WINDOW,
    ) -> list[ProfileSummary]:
        """One summary per profile with runs (since ``since``), sorted by name.

        Everything, the delivery windows included, covers only runs since
        ``since`` (all runs when None).
        """
        names = sorted(set(profiles)) if profiles else self.profiles(since=since)
        out = []
        for name in names:
            summary = self._summary(name, since, window)
            if summary is not None:
                out.append(summary)
        return out

    def _summary(self, profile: str, since: datetime | None, window: int) -> ProfileSummary | None:
        params = _filters((profile,), since)
        last = self._query(_SELECT_RUNS, {**params, "limit": 1})
        if not last:
            return None
        counts = [
            StatusCount(status=str(status), skipped=bool(was_skipped), runs=_integer(count))
            for status, was_skipped, count in self._query(_COUNT_STATUSES, params)
        ]
        times = self._query(_SELECT_DELIVERY, {**params, "limit": 2 * window})
        delivery = [_real(seconds) for (seconds,) in times]
        return summarise(profile, _row(last[0]), counts, delivery, window)


# The SQL is static text: filters are bound parameters (profiles as a JSON
# array), so no value ever becomes part of a statement.
_INSERT = (
    "INSERT INTO runs (profile, started_at, elapsed_s, status, exit_code, summary, skipped,"
    " error, placement, auth_s, submit_s, delivery_s, detection_s, total_s, causes, version)"
    " VALUES (:profile, :started_at, :elapsed_s, :status, :exit_code, :summary, :skipped,"
    " :error, :placement, :auth_s, :submit_s, :delivery_s, :detection_s, :total_s, :causes,"
    " :version)"
)
_SELECT_RUNS = (
    "SELECT id, profile, started_at, elapsed_s, status, exit_code, summary, skipped, error,"
    " placement, causes, version, auth_s, submit_s, delivery_s, detection_s, total_s"
    " FROM runs"
    " WHERE (:all_profiles OR profile IN (SELECT value FROM json_each(:profiles)))"
    " AND started_at >= :since"
    " ORDER BY started_at DESC, id DESC LIMIT :limit"
)
_SELECT_PROFILES = (
    "SELECT DISTINCT profile FROM runs"
    " WHERE (:all_profiles OR profile IN (SELECT value FROM json_each(:profiles)))"
    " AND started_at >= :since"
    " ORDER BY profile"
)
_COUNT_STATUSES = (
    "SELECT status, skipped IS NOT NULL, count(*) FROM runs"
    " WHERE (:all_profiles OR profile IN (SELECT value FROM json_each(:profiles)))"
    " AND started_at >= :since"
    " GROUP BY status, skipped IS NOT NULL"
)
_SELECT_DELIVERY = (
    "SELECT delivery_s FROM runs"
    " WHERE (:all_profiles OR profile IN (SELECT value FROM json_each(:profiles)))"
    " AND started_at >= :since AND delivery_s IS NOT NULL"
    " ORDER BY started_at DESC, id DESC LIMIT :limit"
)


def _filters(profiles: Sequence[str], since: datetime | None) -> dict[str, object]:
    return {
        "all_profiles": not profiles,
        "profiles": json.dumps(list(profiles)),
        # Every stored time sorts after "" (fixed-width ISO text).
        "since": "" if since is None else format_time(since),
    }


def _integer(value: object) -> int:
    """An INTEGER column's value (``int()`` on anything SQLite can return)."""
    if isinstance(value, int | float | str | bytes):
        return int(value)
    raise TypeError(f"expected an integer column, got {value!r}")


def _real(value: object) -> float:
    """A REAL column's value (``float()`` on anything SQLite can return)."""
    if isinstance(value, int | float | str | bytes):
        return float(value)
    raise TypeError(f"expected a real column, got {value!r}")


def _text(value: object) -> str | None:
    """A nullable TEXT column's value."""
    return None if value is None else str(value)


def _row(r: Sequence[object]) -> HistoryRow:
    """A typed row from one row of :data:`_SELECT_RUNS` (its column order)."""
    (
        row_id,
        profile,
        started_at,
        elapsed_s,
        status,
        exit_code,
        summary,
        skipped,
        error,
        placement,
        causes,
        version,
        *stage_values,  # last, in the order of STAGE_COLUMNS
    ) = r
    stages = {
        name: _real(value)
        for name, value in zip(STAGE_COLUMNS, stage_values, strict=True)
        if value is not None
    }
    return HistoryRow(
        id=_integer(row_id),
        profile=str(profile),
        started_at=parse_time(str(started_at)),
        elapsed_s=_real(elapsed_s),
        status=Severity(str(status)),
        exit_code=_integer(exit_code),
        summary=str(summary),
        skipped=_text(skipped),
        error=_text(error),
        placement=_text(placement),
        stages=stages,
        causes=tuple(str(c) for c in json.loads(str(causes))),
        version=str(version),
    )
