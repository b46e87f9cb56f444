"""The per-profile run lock.

Cron and CI both run checks, so runs overlap. :func:`profile_lock` makes sure
two runs never check the same profile at the same time (both would send a test
message and each would find the other's).

The lock is the ``filelock`` package's: ``flock`` on Linux and macOS, ``LockFileEx``
on Windows (where ``fcntl`` does not exist, and the accounting software runs). Both
belong to an open file, so the system drops the lock when its process dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from mailcheck.errors import ConfigError, MailcheckError
from mailcheck.history.state import format_time

__all__ = ["LockHeld", "lock_file_name", "profile_lock"]


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


def _read_holder(path: Path) -> tuple[int | None, str | None]:
    """The holder's pid and start time from the lock file's first line, when readable.

    On Windows the holder's lock keeps others from reading the file: "pid unknown".
    """
    try:
        with path.open("rb") as handle:
            first = handle.read(200).decode("utf-8", "replace").split("\n", 1)[0]
    except OSError:
        return None, None
    pid_text, _, started = first.partition(" ")
    pid = int(pid_text) if pid_text.isdigit() else None
    return pid, started.strip() or None


@contextlib.contextmanager
def profile_lock(lock_dir: Path, profile: str) -> Iterator[None]:
    """Hold ``profile``'s run lock for the ``with`` block, or raise :class:`LockHeld`.

    A crashed or killed run never leaves a stale lock: the system drops it with the
    process. The file itself stays (deleting it would let a third run lock a new file
    while the second still holds the old one). Problems with the directory raise
    :class:`ConfigError`.
    """
    from filelock import FileLock, Timeout

    if not profile:
        raise ConfigError("a profile name cannot be empty")
    path = lock_dir / lock_file_name(profile)
    held: list[int] = []

    def stamp(fd: int) -> None:
        # Write first, then cut: a reader sees a whole first line, old or new.
        line = f"{os.getpid()} {format_time(datetime.now(UTC))}\n".encode()
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, line)
        os.ftruncate(fd, len(line))
        held.append(fd)

    try:
        lock = FileLock(path, timeout=0, mode=0o600, on_acquired=stamp)
    except ValueError:
        # filelock's marker-file lock (a system with neither flock nor LockFileEx) has no
        # descriptor to write the holder to: the lock still holds, the holder is "unknown".
        lock = FileLock(path, timeout=0, mode=0o600)
    try:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise LockHeld(profile, *_read_holder(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        yield
    finally:
        try:
            if held:
                os.ftruncate(held[0], 0)
        finally:
            lock.release()
