"""Explain bounces (``mailcheck bounce``): one diagnosis per message.

A large mbox is parsed ahead in worker processes (one on two cores) while this one turns the
parsed bounces into diagnoses and prints them: the parse is about two thirds of the work, so
the two overlap. A worker gets the same bytes and runs the same
:func:`~mailcheck.bounce.parse_bounce`, so the reports are the same either way; where no
worker can be started, or it dies, the parse runs here.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.evidence import ProbeStatus
from mailcheck.probes.recorder import Recorder

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from mailcheck.bounce import Bounce

__all__ = ["bounce_diagnoses", "stream_bounce_diagnoses"]

#: Seconds one message may take. Per message, not per mbox: a large mbox, or one read slowly
#: from standard input, must not run its later messages out of time.
MESSAGE_DEADLINE = 60.0
#: From this many messages on, workers parse ahead (fewer are not worth a fork).
WORKER_FROM = 64
#: Messages (or bytes) sent to the worker at a time, and batches in flight: memory stays
#: bounded whatever the size of the mbox.
_BATCH_MESSAGES = 32
_BATCH_BYTES = 1024 * 1024
_AHEAD_PER_WORKER = 3
#: Workers at most: past this the main process (diagnosis, printing) is the bottleneck.
_MAX_WORKERS = 4


async def bounce_diagnoses(raw: bytes, source: str, *, parallel: bool = False) -> list[Diagnosis]:
    """One diagnosis per message in ``raw`` (one .eml, or every message of an mbox).

    ``source`` names the messages in the reports (``SOURCE #1``, ``SOURCE #2``, ...).
    """
    stream = io.BytesIO(raw)
    return [d async for d in stream_bounce_diagnoses(stream, source, parallel=parallel)]


async def stream_bounce_diagnoses(
    stream: BinaryIO, source: str, *, parallel: bool = False
) -> AsyncIterator[Diagnosis]:
    """Like :func:`bounce_diagnoses`, read from ``stream`` and yielded as each message is read.

    With ``parallel``, a large mbox is parsed ahead by forked workers: for the command line,
    not for a library call, whose caller's process may hold threads a fork would copy badly.
    Only a few messages are held at a time (at most the parser's cap of each), so memory does
    not grow with the number of messages. After a signal, the next message's report says the
    run was interrupted and is the last.
    """
    from mailcheck.bounce.mbox import iter_messages
    from mailcheck.bounce.parser import MAX_INPUT
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.probes.run import run_probe

    loop = asyncio.get_running_loop()
    index = 0
    parsed = _parsed(iter_messages(stream, cap=MAX_INPUT), parallel=parallel)
    async with contextlib.aclosing(parsed):  # the worker ends here, even after a signal
        async for message, bounce in parsed:
            index += 1
            started = time.perf_counter()

            async def probe(
                rec: Recorder, message: bytes = message, bounce: Bounce = bounce
            ) -> None:
                record_bounce(message, rec, parsed=bounce)

            target = f"{source} #{index}"
            result = await run_probe("bounce", target, probe, loop.time() + MESSAGE_DEADLINE)
            summary: dict[str, str | int | None] = {"target": target}
            yield diagnose("bounce", summary, [result], started)
            if result.status is ProbeStatus.INTERRUPTED:
                return  # that report says so; the messages after it are not read


def _parse_all(messages: list[bytes]) -> list[Bounce]:
    """The worker's job (module level, so that it can be sent to the worker)."""
    from mailcheck.bounce import parse_bounce

    return [parse_bounce(message) for message in messages]


async def _parsed(
    messages: Iterator[bytes], *, parallel: bool
) -> AsyncGenerator[tuple[bytes, Bounce], None]:
    """Each message with its parse, in order: parsed ahead by workers for a large mbox."""
    # The first ones are parsed here, one by one: a short input is answered at once, and a
    # slow standard input is reported as it comes.
    for message in itertools.islice(messages, WORKER_FROM):
        yield message, _parse_all([message])[0]
    following = next(messages, None)
    if following is None:
        return
    messages = itertools.chain([following], messages)
    pool, workers = _workers() if parallel else (None, 0)
    if pool is None:
        for message in messages:
            yield message, _parse_all([message])[0]
        return
    loop = asyncio.get_running_loop()
    pending: deque[tuple[list[bytes], asyncio.Future[list[Bounce]] | None]] = deque()
    future: asyncio.Future[list[Bounce]] | None
    try:
        for batch in _batches(messages):
            future = loop.run_in_executor(pool, _parse_all, batch) if pool is not None else None
            pending.append((batch, future))
            while len(pending) >= workers * _AHEAD_PER_WORKER or (
                pending and pending[0][1] is None
            ):
                oldest, future = pending.popleft()
                bounces, pool = await _results(oldest, future, pool)
                for item in zip(oldest, bounces, strict=True):
                    yield item
        while pending:
            oldest, future = pending.popleft()
            bounces, pool = await _results(oldest, future, pool)
            for item in zip(oldest, bounces, strict=True):
                yield item
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


async def _results(
    batch: list[bytes], future: asyncio.Future[list[Bounce]] | None, pool: Executor | None
) -> tuple[list[Bounce], Executor | None]:
    """The worker's parse of ``batch``; if the worker is gone, parse here and stop using it."""
    if future is not None:
        try:
            return await future, pool
        except Exception:  # noqa: BLE001 - a dead worker (BrokenProcessPool, a pickling error)
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            pool = None
    return _parse_all(batch), pool


def _batches(messages: Iterable[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    size = 0
    for message in messages:
        batch.append(message)
        size += len(message)
        if len(batch) >= _BATCH_MESSAGES or size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _workers() -> tuple[Executor | None, int]:
    """Worker processes, forked (cheap, nothing to import again), one core left for this one.

    ``(None, 0)`` on one core or where processes cannot be forked.
    """
    import multiprocessing
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor

    workers = min((os.cpu_count() or 1) - 1, _MAX_WORKERS)
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None, 0
    if sys.platform == "darwin":  # fork is unsafe with macOS system libraries (bpo-33725)
        return None, 0
    # A forked child flushes the stdio buffers it inherited when it ends: empty them first.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_calm
        )
    except (OSError, ValueError, NotImplementedError):  # no semaphores (some sandboxes), ...
        return None, 0
    return pool, workers


def _calm() -> None:
    """In the worker: Ctrl-C and a closed terminal are for the main process to handle."""
    import signal

    for name in ("SIGINT", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
