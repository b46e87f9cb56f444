"""The local history of ``mailcheck check`` runs, and the per-profile run lock.

Every check appends one row per profile to an SQLite file, so ``mailcheck
history`` can answer "since when is it failing?" and "is delivery getting
slower?". The file is local state, not configuration:
``$XDG_STATE_HOME/mailcheck/history.sqlite3`` unless ``$MAILCHECK_HISTORY`` says
otherwise.

Cron and CI both run checks, so runs overlap. SQLite in WAL mode with a busy
timeout lets two processes append at once; :func:`profile_lock` makes sure two
runs never check the same profile at the same time (both would send a test
message and each would find the other's).

**Delivery trend.** Per profile, the runs that measured a delivery time are
taken newest first: the newest ``window`` (10) form the *recent* window, the
``window`` before them the *before* window. Each window needs at least
:data:`TREND_MIN_RUNS` (5) delivery times, else the trend is
``not-enough-data``. Otherwise the medians are compared: ``slower`` when the
recent median is more than :data:`TREND_RATIO` (1.25) times the earlier one *and*
at least :data:`TREND_MIN_DELTA_S` (1 s) longer; ``faster`` for the mirror
case; else ``steady``. The absolute floor keeps 0.4 s → 0.6 s (noise at
sub-second times) from reading as "slower".

Nothing secret is stored: the row holds the result's plain fields (status,
summary, placement, stage times, cause ids), never a transcript or a fact.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import hashlib
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from mailcheck import __version__
from mailcheck.checkresult import ProfileResult
from mailcheck.errors import ConfigError, MailcheckError
from mailcheck.rules import Severity

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

#: ``PRAGMA user_version`` of the schema this module writes; bump it with a migration.
SCHEMA_VERSION = 1
#: The stages stored as columns (``<stage>_s``): the keys of ``checkresult.STAGES``.
STAGE_COLUMNS = ("auth", "submit", "delivery", "detection", "total")
#: Delivery times per trend window.
TREND_WINDOW = 10
#: Fewest delivery times a window needs before a trend is claimed.
TREND_MIN_RUNS = 5
#: How much the median must change (as a factor) to count as faster or slower.
TREND_RATIO = 1.25
#: ... and by at least this many seconds, so sub-second jitter is not a trend.
TREND_MIN_DELTA_S = 1.0
# Seconds a writer waits for another writer's transaction: a check appends one
# short row, so anything near this long means a stuck process, not contention.
_BUSY_TIMEOUT_S = 30.0
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Fixed width, so text order is time order in SQL (index on started_at).
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

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


def _state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    if base and os.path.isabs(base):
        return Path(base)
    return Path.home() / ".local" / "state"


def default_history_path() -> Path:
    """``$MAILCHECK_HISTORY``, else ``$XDG_STATE_HOME/mailcheck/history.sqlite3``."""
    explicit = os.environ.get("MAILCHECK_HISTORY")
    if explicit:
        return Path(explicit).expanduser()
    return _state_home() / "mailcheck" / "history.sqlite3"


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
    from mailcheck.config import read_config

    try:
        _, data = read_config(config)
    except MailcheckError:
        data = None
    configured = (data or {}).get("history")
    return Path(str(configured)).expanduser() if configured else default_history_path()


def default_lock_dir() -> Path:
    """``$XDG_STATE_HOME/mailcheck/locks``: one lock file per profile."""
    return _state_home() / "mailcheck" / "locks"


def _format_time(when: datetime) -> str:
    # ProfileResult.started_at is documented as UTC; a naive value is taken as such.
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(_TIME_FORMAT)


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


class Trend(enum.StrEnum):
    """How delivery time moved between the two windows (see the module docstring)."""

    FASTER = "faster"
    SLOWER = "slower"
    STEADY = "steady"
    NOT_ENOUGH_DATA = "not-enough-data"


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


def _percentile_95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _stats(values: Sequence[float]) -> DeliveryStats:
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
            "started_at": _format_time(result.started_at),
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
        statuses = {s.value: 0 for s in Severity}
        skipped = 0
        for status, was_skipped, count in self._query(_COUNT_STATUSES, params):
            if was_skipped:
                skipped += int(count)  # type: ignore[call-overload]
            else:
                statuses[str(status)] = statuses.get(str(status), 0) + int(count)  # type: ignore[call-overload]
        times = self._query(_SELECT_DELIVERY, {**params, "limit": 2 * window})
        delivery = [float(t[0]) for t in times]  # type: ignore[arg-type]
        recent, before = _stats(delivery[:window]), _stats(delivery[window:])
        return ProfileSummary(
            profile=profile,
            runs=sum(statuses.values()) + skipped,
            statuses=statuses,
            failures=sum(n for s, n in statuses.items() if s != Severity.OK.value),
            skipped=skipped,
            last=_row(last[0]),
            recent=recent,
            before=before,
            trend=delivery_trend(recent, before),
        )


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
        "since": "" if since is None else _format_time(since),
    }


def _row(r: tuple[object, ...]) -> HistoryRow:
    # Column order of _SELECT_RUNS; the stage columns come last, as in STAGE_COLUMNS.
    stages = {
        name: float(value)  # type: ignore[arg-type]
        for name, value in zip(STAGE_COLUMNS, r[12:], strict=True)
        if value is not None
    }
    return HistoryRow(
        id=int(r[0]),  # type: ignore[call-overload]
        profile=str(r[1]),
        started_at=_parse_time(str(r[2])),
        elapsed_s=float(r[3]),  # type: ignore[arg-type]
        status=Severity(str(r[4])),
        exit_code=int(r[5]),  # type: ignore[call-overload]
        summary=str(r[6]),
        skipped=None if r[7] is None else str(r[7]),
        error=None if r[8] is None else str(r[8]),
        placement=None if r[9] is None else str(r[9]),
        stages=stages,
        causes=tuple(str(c) for c in json.loads(str(r[10]))),
        version=str(r[11]),
    )


# ---------------------------------------------------------------- the run lock


class LockHeld(MailcheckError):
    """Another run is checking this profile right now."""

    def __init__(self, profile: str, pid: int | None, started_at: str | None) -> None:
        self.profile = profile
        self.pid = pid
        self.started_at = started_at
        holder = f"pid {pid}" if pid is not None else "pid unknown"
        if started_at:
            holder += f", started {started_at}"
        super().__init__(
            f"another mailcheck run is already checking profile {profile!r} ({holder}); "
            "this run skipped it"
        )


# Kept as is in lock file names; everything else is percent-encoded (upper case
# too, so "Main" and "main" stay apart on case-insensitive file systems).
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
# Room under the usual 255-byte name limit for ".lock" and a hash suffix.
_MAX_NAME = 180


def lock_file_name(profile: str) -> str:
    """A file name for ``profile``'s lock: distinct names give distinct files.

    Percent-encoding (of UTF-8 bytes) is one-to-one. A name too long for the
    file system keeps a readable prefix plus ``~`` and a SHA-256 of the whole
    name; ``~`` is always encoded otherwise, so such names cannot collide with
    short ones.
    """
    encoded = "".join(
        ch if ch in _PLAIN else "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        for ch in profile
    )
    if len(encoded) > _MAX_NAME:
        digest = hashlib.sha256(profile.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        encoded = f"{encoded[: _MAX_NAME - 33]}~{digest}"
    return f"{encoded}.lock"


def _read_holder(fd: int) -> tuple[int | None, str | None]:
    try:
        first = os.pread(fd, 200, 0).decode("utf-8", "replace").split("\n", 1)[0]
    except OSError:
        return None, None
    pid_text, _, started = first.partition(" ")
    pid = int(pid_text) if pid_text.isdigit() else None
    return pid, started.strip() or None


@contextlib.contextmanager
def profile_lock(lock_dir: Path, profile: str) -> Iterator[None]:
    """Hold ``profile``'s run lock for the ``with`` block, or raise :class:`LockHeld`.

    ``flock`` locks belong to the open file, so the kernel drops the lock when
    the process dies: a crashed or killed run never leaves a stale lock. The
    file itself stays (deleting it would let a third run lock a new file while
    the second still holds the old one). Problems with the directory raise
    :class:`ConfigError`.
    """
    if not profile:
        raise ConfigError("a profile name cannot be empty")
    path = lock_dir / lock_file_name(profile)
    try:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(profile, *_read_holder(fd)) from None
        # Write first, then cut: a reader sees a whole first line, old or new.
        stamp = f"{os.getpid()} {_format_time(datetime.now(UTC))}\n".encode()
        os.pwrite(fd, stamp, 0)
        os.ftruncate(fd, len(stamp))
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        # Closing the descriptor releases the lock.
        os.close(fd)
