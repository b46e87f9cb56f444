"""A live progress line on stderr (stage and elapsed time), only on a terminal.

Waiting for mail can take seconds to minutes; a person at a terminal should
see that mailcheck is alive and what it waits for. Scripts (stderr not a
terminal) get nothing, so logs stay clean.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator

from mailcheck.terminal import printable

__all__ = ["Progress", "progress_line"]


class Progress:
    """The current stage of each probe."""

    def __init__(self) -> None:
        self.stages: dict[str, str] = {}
        self.start = time.monotonic()

    def update(self, probe: str, step: str) -> None:
        """A probe began a step."""
        self.stages[probe] = step

    def line(self) -> str:
        """``mailcheck: smtp auth · imap watch  3.2 s``"""
        stages = " · ".join(f"{p} {s}" for p, s in self.stages.items())
        # A stage may name a folder or a host the server gave: never let it move the cursor.
        return printable(f"mailcheck: {stages}  {time.monotonic() - self.start:.1f} s")


@contextlib.asynccontextmanager
async def progress_line(progress: Progress | None) -> AsyncIterator[None]:
    """Redraw the line every 0.2 s while the block runs; erase it afterwards."""
    if progress is None or not sys.stderr.isatty():
        yield
        return

    async def draw() -> None:
        while True:
            sys.stderr.write("\r\033[K" + progress.line()[:120])
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
