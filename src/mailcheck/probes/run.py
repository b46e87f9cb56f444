"""Run one probe under the run's overall deadline.

The runner owns the deadline (``asyncio.timeout``); the probes own their
per-step timeouts. A probe that the deadline cuts short keeps the steps it
took; a probe that crashes is reported as a bug of mailcheck, not of the server.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from mailcheck.evidence import ProbeResult, ProbeStatus
from mailcheck.probes.recorder import Recorder

if TYPE_CHECKING:
    from mailcheck.progress import Progress

__all__ = ["ProbeFn", "run_now", "run_probe"]

ProbeFn = Callable[[Recorder], Awaitable[None]]


async def run_probe(
    probe: str, target: str, fn: ProbeFn, deadline: float, progress: Progress | None = None
) -> ProbeResult:
    """Run one probe; ``deadline`` is a ``loop.time()`` value.

    A signal (see :mod:`mailcheck.interrupt`) cancels the probe; it then has
    :data:`~mailcheck.interrupt.GRACE_SECONDS` to clean up after itself, and
    the steps it took, its cleanup included, are kept.
    """
    from mailcheck import interrupt

    rec = Recorder(probe, target)
    if progress is not None:
        rec.on_begin = lambda step: progress.update(probe, step)
    stop = interrupt.current()
    if stop is not None and stop.is_set:
        return replace(rec.result(ProbeStatus.INTERRUPTED), skip_reason=stop.signal)
    task = asyncio.ensure_future(fn(rec))
    waiter = asyncio.ensure_future(stop.event.wait()) if stop is not None else None
    try:
        async with asyncio.timeout_at(deadline) as scope:
            await asyncio.wait(
                [t for t in (task, waiter) if t is not None], return_when=asyncio.FIRST_COMPLETED
            )
    except TimeoutError:
        if not scope.expired():
            raise
        await _cancel(task)
        return _ended(rec, task, ProbeStatus.DEADLINE)
    finally:
        if waiter is not None:
            waiter.cancel()
    if not task.done():  # the signal came first
        await _cancel(task)
        result = _ended(rec, task, ProbeStatus.INTERRUPTED)
        return replace(result, skip_reason=stop.signal if stop is not None else None)
    return _ended(rec, task, None)


def run_now(
    probe: str, target: str, fn: Callable[[Recorder], None], deadline: float
) -> ProbeResult:
    """Run a probe that never waits (no I/O: a message already parsed) to its end, here.

    The same result as :func:`run_probe` gives it, without a task, a waiter and a timeout
    per call (a third of ``mailcheck bounce``'s own time per message). Nothing can cut a
    probe that never waits short, so it is judged on how it ended: a signal seen before it
    starts (the caller lets the event loop take its turn between probes) makes it
    INTERRUPTED, and one that ran past ``deadline`` (a ``loop.time()`` value) is DEADLINE,
    as the timeout would have made it once it returned.
    """
    from mailcheck import interrupt

    rec = Recorder(probe, target)
    stop = interrupt.current()
    if stop is not None and stop.is_set:
        return replace(rec.result(ProbeStatus.INTERRUPTED), skip_reason=stop.signal)
    try:
        fn(rec)
    except Exception as exc:  # noqa: BLE001 - a crash is reported as a bug of mailcheck
        # The traceback from the probe on, as a task's would be (not from this frame).
        tb = exc.__traceback__
        return _crashed(rec, exc.with_traceback(tb.tb_next if tb is not None else None))
    if asyncio.get_running_loop().time() >= deadline:
        return rec.result(ProbeStatus.DEADLINE)
    return rec.result()


async def _cancel(task: asyncio.Future[None]) -> None:
    """Cancel a probe and give it the grace to clean up (its ``finally`` blocks run)."""
    from mailcheck.interrupt import GRACE_SECONDS

    task.cancel()
    await asyncio.wait([task], timeout=GRACE_SECONDS)


def _ended(rec: Recorder, task: asyncio.Future[None], status: ProbeStatus | None) -> ProbeResult:
    """The probe's result from how its task ended; a crash is a bug of mailcheck."""
    if task.done() and not task.cancelled():
        exc = task.exception()
        if exc is not None and not isinstance(exc, asyncio.CancelledError):
            return _crashed(rec, exc)
    return rec.result(status) if status is not None else rec.result()


def _crashed(rec: Recorder, exc: BaseException) -> ProbeResult:
    result = rec.result(ProbeStatus.CRASHED)
    text = "".join(traceback.format_exception(exc))
    return replace(result, crash=rec.scrub(text))
