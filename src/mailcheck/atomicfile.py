"""Write a file so that a reader sees the old content or the new, never half of it.

Monitoring reads mailcheck's files while cron writes them (node_exporter's
textfile collector, CI picking up a JUnit report): a temporary file in the same
directory, fsync, then ``os.replace``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from mailcheck.errors import ConfigError

__all__ = ["write_atomically"]


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


def _sync_directory(directory: Path) -> None:
    # Makes the rename itself durable; some file systems cannot, which is no error here.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
