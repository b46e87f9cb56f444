"""A live progress line on stderr (stage and elapsed time), only on a terminal.

Waiting for mail can take seconds to minutes; a person at a terminal should
see that mailcheck is alive, what it waits for and for how long at most
(``mailcheck: đang chờ thư (tối đa 300 s)  4.8 s``), in the report's language.
Scripts (stderr not a terminal) get nothing, so logs stay clean.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from mailcheck.terminal import printable

__all__ = ["Progress", "progress_line", "progress_view"]


class Progress:
    """The current stage of each probe."""

    def __init__(self) -> None:
        self.stages: dict[str, str] = {}
        self.start = time.monotonic()

    def update(self, probe: str, step: str) -> None:
        """A probe began a step."""
        self.stages[probe] = step

    def line(self, words: Mapping[str, Any] | None = None, wait: float | None = None) -> str:
        """``mailcheck: smtp auth · imap watch  3.2 s``; with ``words`` (a language's
        ``report.i18n.PROGRESS``) ``mailcheck: IMAP đang chờ thư (tối đa 300 s)  3.2 s``."""
        words = words or {}
        probes = words.get("probes", {})
        stages = " · ".join(
            f"{probes.get(p, p)} {_step(p, s, words, wait)}" for p, s in self.stages.items()
        )
        # A stage may name a folder or a host the server gave: never let it move the cursor.
        return printable(f"mailcheck: {stages}  {time.monotonic() - self.start:.1f} s")


def _step(probe: str, step: str, words: Mapping[str, Any], wait: float | None) -> str:
    """A step in the words of the line's language; the wait for mail with its limit."""
    if probe == "imap" and step == "watch" and wait is not None and "waiting" in words:
        return str(words["waiting"]).format(limit=wait)
    steps = words.get("steps", {})
    # ``junk:select``: the folder's prefix and the step, each in the line's language.
    prefix, colon, name = step.rpartition(":")
    prefix = steps.get(prefix, prefix)
    return f"{prefix}{colon}{steps.get(name, name)}"


def progress_view(
    words: Mapping[str, Any] | None = None, wait: float | None = None
) -> Callable[[Progress], AbstractAsyncContextManager[None]]:
    """The live line in ``words``' language, naming ``wait`` (seconds) as the limit of the
    wait for mail."""

    def view(progress: Progress) -> AbstractAsyncContextManager[None]:
        return progress_line(progress, words=words, wait=wait)

    return view


@contextlib.asynccontextmanager
async def progress_line(
    progress: Progress | None,
    *,
    words: Mapping[str, Any] | None = None,
    wait: float | None = None,
) -> AsyncIterator[None]:
    """Redraw the line every 0.2 s while the block runs; erase it afterwards."""
    if progress is None or not sys.stderr.isatty():
        yield
        return

    async def draw() -> None:
        while True:
            sys.stderr.write("\r\033[K" + progress.line(words, wait)[:120])
            sys.stderr.flush()
            await asyncio.sleep(0.2)

    task = asyncio.ensure_future(draw())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
