"""Explain bounces (``mailcheck bounce``): one diagnosis per message."""

from __future__ import annotations

import asyncio
import time

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.probes.recorder import Recorder

__all__ = ["bounce_diagnoses"]


async def bounce_diagnoses(raw: bytes, source: str) -> list[Diagnosis]:
    """One diagnosis per message in ``raw`` (one .eml, or every message of an mbox).

    ``source`` names the messages in the reports (``SOURCE #1``, ``SOURCE #2``, ...).
    """
    from mailcheck.bounce import read_messages
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.probes.run import run_probe

    out = []
    deadline = asyncio.get_running_loop().time() + 60
    for index, message in enumerate(read_messages(raw) or [raw], 1):
        started = time.perf_counter()

        async def probe(rec: Recorder, message: bytes = message) -> None:
            record_bounce(message, rec)

        result = await run_probe("bounce", f"{source} #{index}", probe, deadline)
        summary: dict[str, str | int | None] = {"target": f"{source} #{index}"}
        out.append(diagnose("bounce", summary, [result], started))
    return out
