"""Explain bounces (``mailcheck bounce``): one diagnosis per message.

A large mbox is parsed ahead in worker processes (one on two cores), which also turn each
parse into the probe's steps, while this one turns the steps into diagnoses and prints them,
and parses a batch itself whenever it would otherwise wait: the parse is most of the work, so
the two overlap and both cores stay busy. A worker gets the same bytes and runs the same
:func:`~mailcheck.bounce.parse_bounce` and :func:`~mailcheck.probes.bounce.bounce_steps`, so
the reports are the same either way; where no worker can be started, or it dies, the parse
runs here.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, BinaryIO

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.evidence import ProbeStatus
from mailcheck.probes.recorder import Recorder

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from mailcheck.evidence import Step

    #: A message's recorded steps (:func:`~mailcheck.probes.bounce.bounce_steps`), made where
    #: it was parsed; None when that failed, for the probe to do again and report.
    Recorded = tuple[Step, ...] | None

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
#: Batches this process may parse itself while it waits for a worker's.
_AHEAD_HERE = 4
#: Workers at most by default: past this the main process (diagnosis, printing) is the
#: bottleneck.
_MAX_WORKERS = 4


async def bounce_diagnoses(
    raw: bytes, source: str, *, parallel: bool = False, jobs: int | None = None
) -> list[Diagnosis]:
    """One diagnosis per message in ``raw`` (one .eml, or every message of an mbox).

    ``source`` names the messages in the reports (``SOURCE #1``, ``SOURCE #2``, ...).
    """
    stream = io.BytesIO(raw)
    found = stream_bounce_diagnoses(stream, source, parallel=parallel, jobs=jobs)
    return [d async for d in found]


async def stream_bounce_diagnoses(
    stream: BinaryIO, source: str, *, parallel: bool = False, jobs: int | None = None
) -> AsyncIterator[Diagnosis]:
    """Like :func:`bounce_diagnoses`, read from ``stream`` and yielded as each message is read.

    With ``parallel``, a large mbox is parsed ahead by forked workers: for the command line,
    not for a library call, whose caller's process may hold threads a fork would copy badly.
    ``jobs`` is how many processes parse, this one included (1: no worker); by default one
    per core, at most :data:`_MAX_WORKERS` workers.
    Only a few messages are held at a time (at most the parser's cap of each), so memory does
    not grow with the number of messages. After a signal, the next message's report says the
    run was interrupted and is the last.
    """
    from mailcheck.bounce.mbox import iter_messages
    from mailcheck.bounce.parser import MAX_INPUT
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.probes.run import run_now

    loop = asyncio.get_running_loop()
    index = 0
    parsed = _parsed(iter_messages(stream, cap=MAX_INPUT), parallel=parallel, jobs=jobs)
    async with contextlib.aclosing(parsed):  # the worker ends here, even after a signal
        async for message, steps in parsed:
            index += 1
            started = time.perf_counter()
            # Two turns of the event loop, as the probe's task took: a signal is seen only in
            # them (one turn reads it, the next runs its handler; the parse here and the probe
            # never wait), so the report after it says the run was interrupted, as before.
            await asyncio.sleep(0)
            await asyncio.sleep(0)

            def probe(rec: Recorder, message: bytes = message, steps: Recorded = steps) -> None:
                record_bounce(message, rec, steps=steps)

            target = f"{source} #{index}"
            # Recording a parse never waits: run here, not as a task (see run_now).
            result = run_now("bounce", target, probe, loop.time() + MESSAGE_DEADLINE)
            summary: dict[str, str | int | None] = {"target": target}
            yield diagnose("bounce", summary, [result], started)
            if result.status is ProbeStatus.INTERRUPTED:
                return  # that report says so; the messages after it are not read


def _parse_all(messages: list[bytes]) -> list[Recorded]:
    """Each message parsed and recorded: the worker's job (module level, so that it can be
    sent to the worker). Recording is a fifth of the work left to this process per message
    otherwise; the steps are smaller to send back than the parse."""
    from mailcheck.bounce import parse_bounce
    from mailcheck.probes.bounce import bounce_steps

    out: list[Recorded] = []
    for message in messages:
        try:
            out.append(tuple(bounce_steps(message, parse_bounce(message))))
        except Exception:  # noqa: BLE001 - the probe does it again, where a crash is reported
            out.append(None)
    return out


async def _parsed(
    messages: Iterator[bytes], *, parallel: bool, jobs: int | None = None
) -> AsyncGenerator[tuple[bytes, Recorded], None]:
    """Each message with its recorded parse, in order: parsed ahead by workers for a large
    mbox."""
    # The first ones are parsed here, one by one: a short input is answered at once, and a
    # slow standard input is reported as it comes.
    for message in itertools.islice(messages, WORKER_FROM):
        yield message, _parse_all([message])[0]
    following = next(messages, None)
    if following is None:
        return
    messages = itertools.chain([following], messages)
    pool, workers = _workers(jobs) if parallel and jobs != 1 else (None, 0)
    if pool is None:
        for message in messages:
            yield message, _parse_all([message])[0]
        return
    # Batches in input order, each with its worker's job or, for a batch parsed here, its
    # parses. This process parses a batch itself whenever the oldest is not back yet, instead
    # of waiting: on two cores it is the second parser as well as the writer, and the share
    # each takes follows from how fast each goes (no tuning per machine).
    pending: deque[tuple[list[bytes], Future[list[Recorded]] | list[Recorded]]] = deque()
    in_flight = workers * _AHEAD_PER_WORKER
    batches = _batches(messages)
    more = True
    try:
        while True:
            while more and pool is not None and _jobs(pending) < in_flight:
                batch = next(batches, None)
                if batch is None:
                    more = False
                else:
                    pending.append((batch, _submit(pool, batch)))
            if not pending:
                if more and pool is None:  # the worker died: the rest is parsed here
                    batch = next(batches, None)
                    if batch is None:
                        break
                    pending.append((batch, _parse_all(batch)))
                    continue
                break
            oldest, job = pending[0]
            if (
                more
                and isinstance(job, Future)
                and not job.done()
                and len(pending) < in_flight + _AHEAD_HERE
            ):
                batch = next(batches, None)
                if batch is None:
                    more = False
                else:
                    pending.append((batch, _parse_all(batch)))
                continue
            pending.popleft()
            bounces, pool = await _results(oldest, job, pool)
            for item in zip(oldest, bounces, strict=True):
                yield item
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: Executor, batch: list[bytes]) -> Future[list[Recorded]]:
    """The worker's job for ``batch``; a pool that is already broken gives a failed one,
    which :func:`_results` answers by parsing here."""
    try:
        return pool.submit(_parse_all, batch)
    except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, shut down, ...
        failed: Future[list[Recorded]] = Future()
        failed.set_exception(exc)
        return failed


def _jobs(pending: Iterable[tuple[list[bytes], Future[list[Recorded]] | list[Recorded]]]) -> int:
    """How many of the pending batches are with the workers."""
    return sum(1 for _batch, job in pending if isinstance(job, Future))


async def _results(
    batch: list[bytes], job: Future[list[Recorded]] | list[Recorded], pool: Executor | None
) -> tuple[list[Recorded], Executor | None]:
    """The parses of ``batch``; if its worker is gone, parse here and stop using the workers."""
    if not isinstance(job, Future):
        return job, pool
    try:
        return await asyncio.wrap_future(job), pool
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


def _workers(jobs: int | None = None) -> tuple[Executor | None, int]:
    """Worker processes, forked (cheap, nothing to import again): ``jobs`` less one, or by
    default one core left for this one.

    ``(None, 0)`` on one core or where processes cannot be forked.
    """
    import multiprocessing
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor

    workers = min((os.cpu_count() or 1) - 1, _MAX_WORKERS) if jobs is None else jobs - 1
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
