"""Explain bounces (``mailcheck bounce``): one diagnosis per message."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import BinaryIO

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.probes.recorder import Recorder

__all__ = ["bounce_diagnoses", "stream_bounce_diagnoses"]

#: Seconds one message may take. Per message, not per mbox: a large mbox, or one read slowly
#: from standard input, must not run its later messages out of time.
MESSAGE_DEADLINE = 60.0


async def bounce_diagnoses(raw: bytes, source: str) -> list[Diagnosis]:
    """One diagnosis per message in ``raw`` (one .eml, or every message of an mbox).

    ``source`` names the messages in the reports (``SOURCE #1``, ``SOURCE #2``, ...).
    """
    return [d async for d in stream_bounce_diagnoses(io.BytesIO(raw), source)]


async def stream_bounce_diagnoses(stream: BinaryIO, source: str) -> AsyncIterator[Diagnosis]:
    """Like :func:`bounce_diagnoses`, read from ``stream`` and yielded as each message is read.

    Only one message is held at a time (at most the parser's cap of it), so memory does not
    grow with the number of messages.
    """
    from mailcheck.bounce.mbox import iter_messages
    from mailcheck.bounce.parser import MAX_INPUT
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.probes.run import run_probe

    loop = asyncio.get_running_loop()
    for index, message in enumerate(iter_messages(stream, cap=MAX_INPUT), 1):
        started = time.perf_counter()

        async def probe(rec: Recorder, message: bytes = message) -> None:
            record_bounce(message, rec)

        target = f"{source} #{index}"
        result = await run_probe("bounce", target, probe, loop.time() + MESSAGE_DEADLINE)
        summary: dict[str, str | int | None] = {"target": target}
        yield diagnose("bounce", summary, [result], started)
