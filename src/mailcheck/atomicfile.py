"""Write a file so that a reader sees the old content or the new, never half of it.

Monitoring reads mailcheck's files while cron writes them (node_exporter's
textfile collector, CI picking up a JUnit report): a temporary file in the same
directory, fsync, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from mailcheck.errors import ConfigError

__all__ = ["replacing", "write_atomically"]


def write_atomically(path: Path, text: str, *, what: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, mode 0644) so a reader sees old or new, never half.

    Raises :class:`ConfigError` naming ``what`` and ``path`` when it cannot; no
    temporary file is left behind either way.
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} {path}: {exc.strerror or exc}") from exc
    try:
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())  # the data is on disk before the name points at it
                os.fchmod(out.fileno(), 0o644)  # mkstemp makes 0600; the collector may not be us
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} {path}: {exc.strerror or exc}") from exc
    _sync_directory(path.parent)


@contextlib.contextmanager
def replacing(path: Path, *, what: str, newline: str = "\n") -> Iterator[TextIO]:
    """A text stream (UTF-8) whose content replaces ``path`` when the block ends without error.

    For output written as it is made (preflight streams its rows): the rows go
    to a temporary file beside the target, which is renamed over it at the end.
    An error or an interrupt on the way leaves the old file as it was and no
    temporary file behind. A symlink is followed (its target is replaced, the
    link stays); a target that is not a regular file (``/dev/stdout``, a FIFO)
    is written directly, as there is nothing to rename over. A replaced file
    keeps its permissions; a new one gets what ``open`` would give it.
    """
    target = Path(os.path.realpath(path))
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} {path}: {exc.strerror or exc}") from exc
    if info is not None and not stat.S_ISREG(info.st_mode):
        with _opened(target, what, newline) as direct:
            yield direct
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ConfigError(f"cannot write the {what} {path}: {exc.strerror or exc}") from exc
        raise
    _sync_directory(target.parent)


@contextlib.contextmanager
def _opened(target: Path, what: str, newline: str) -> Iterator[TextIO]:
    try:
        out = target.open("w", encoding="utf-8", newline=newline)
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} {target}: {exc.strerror or exc}") from exc
    with out:
        yield out


def _umask() -> int:
    # Read without changing it where Linux shows it; otherwise set and restore at once.
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_directory(directory: Path) -> None:
    # Makes the rename itself durable; some file systems cannot, which is no error here.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
