"""Waiting in IMAP IDLE (RFC 2177) for the server to report new mail."""

from __future__ import annotations

import asyncio
from typing import Any

import aioimaplib

from mailcheck.probes.imap.client import retrieve
from mailcheck.probes.imap.session import ImapSession

__all__ = ["wait_for_push"]


async def wait_for_push(session: ImapSession, seconds: float, wake: asyncio.Event | None) -> str:
    """IDLE until the server reports new mail, ``wake`` is set, or ``seconds`` pass.

    Returns ``push``, ``wake``, ``timeout`` or ``lost``. The session is left
    out of IDLE (DONE sent and answered) unless it was lost.
    """
    client = session.client
    session.busy = True
    try:
        idle_task = await asyncio.wait_for(
            client.idle_start(timeout=max(seconds, 0.01) + 60), session.settings.timeout
        )
    except Exception:  # noqa: BLE001 - the I/O edge: IDLE refused, lost or garbled
        session.kill()
        return "lost"
    idle_task.add_done_callback(retrieve)
    waiters: dict[asyncio.Future[Any], str] = {
        asyncio.ensure_future(_next_push(session)): "push",
        asyncio.ensure_future(session.lost.wait()): "lost",
    }
    if wake is not None:
        waiters[asyncio.ensure_future(wake.wait())] = "wake"
    try:
        done, _ = await asyncio.wait(
            waiters, timeout=max(seconds, 0), return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in waiters:
            task.cancel()
    reason = "timeout"
    for task in done:
        reason = waiters[task]
        if reason == "push":
            break
    if reason == "lost" or session.lost.is_set():
        session.kill()
        return "lost"
    try:
        client.idle_done()
        await asyncio.wait_for(idle_task, session.settings.timeout)
    except Exception:  # noqa: BLE001 - the I/O edge, as above
        session.kill()
        return "lost"
    while not client.protocol.idle_queue.empty():
        client.protocol.idle_queue.get_nowait()
    session.busy = False
    return reason


async def _next_push(session: ImapSession) -> None:
    """Wait for a push that means new mail (keepalives like ``OK Still here`` are not)."""
    while True:
        lines = await session.client.protocol.idle_queue.get()
        if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
            continue
        if any(bytes(line).rstrip().endswith((b"EXISTS", b"RECENT")) for line in lines):
            return
