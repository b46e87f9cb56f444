"""Wait for the accounting software's own message (``mailcheck watch``); where did it land?"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import NamedTuple

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.errors import ConfigError
from mailcheck.evidence import Outcome, ProbeResult, Step
from mailcheck.facts.imap import ImapStep
from mailcheck.probes.recorder import Recorder
from mailcheck.scenarios.common import (
    CLEANUP_MARGIN,
    ProgressView,
    mailbox_secret,
    run_deadline,
    showing,
)
from mailcheck.secret import Secret
from mailcheck.settings import Settings

__all__ = ["WatchCriteria", "watch_diagnosis"]


class WatchCriteria(NamedTuple):
    """What the awaited message looks like; ``None``: not a criterion."""

    sender: str | None
    """Part of the sender's address or name."""
    subject: str | None
    """Part of the subject."""
    number: str | None
    """The invoice number in the subject."""


async def watch_diagnosis(
    settings: Settings,
    secret: Secret,
    criteria: tuple[str | None, str | None, str | None],
    *,
    view: ProgressView | None = None,
) -> Diagnosis:
    """FAQ case 1: wait for the accounting software's own message; where did it land?

    ``criteria`` is a :class:`WatchCriteria` (or the same three values as a tuple).
    """
    from mailcheck.probes.roundtrip import MailboxWatch, Signals, criteria_matcher
    from mailcheck.probes.run import run_probe

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = run_deadline(settings)
    mailbox = settings.mailbox
    if mailbox is None:
        raise ConfigError(
            "missing --mailbox (the address the accounting software sends the test to)"
        )
    imap_secret = mailbox_secret(mailbox, secret)
    signals = Signals()
    wanted = WatchCriteria(*criteria)

    async def watch(rec: Recorder) -> None:
        given = (("from", wanted.sender), ("subject", wanted.subject), ("number", wanted.number))
        data = (("mode", "watch"), *((k, v) for k, v in given if v))
        rec.add(Step(name="criteria", outcome=Outcome.OK, elapsed_ms=0.0, data=data))
        # Never deletes: the message is the accounting software's, not mailcheck's.
        mbox = MailboxWatch(mailbox.imap, imap_secret, rec, criteria_matcher(*wanted), delete=False)
        try:
            if not await mbox.prepare():
                return
            signals.mark_submitted()  # the user sends now: watch closely from here
            found = await mbox.wait(signals, settings.roundtrip.wait, deadline - CLEANUP_MARGIN)
            if found is not None:
                await mbox.read_headers()
        finally:
            await mbox.close()

    target = (
        f"{mailbox.address} at {mailbox.imap.host}:{mailbox.imap.port} ({mailbox.imap.tls.value})"
    )
    progress, shown = showing(view)
    async with shown:
        result = await run_probe("imap", target, watch, deadline, progress)
    result = _timed(result)
    summary: dict[str, str | int | None] = {
        "mailbox": mailbox.address,
        "imap_host": mailbox.imap.host,
        "imap_port": mailbox.imap.port,
        "imap_tls": mailbox.imap.tls.value,
        "username": mailbox.imap.username,
        "password_source": imap_secret.source,
        "from": wanted.sender,
        "subject": wanted.subject,
        "invoice_number": wanted.number,
    }
    return diagnose("watch", summary, [result], started, started_at)


def _timed(result: ProbeResult) -> ProbeResult:
    """Say what watch's timing measures: mailcheck sent nothing, so the clock the mailbox
    watch keeps (``after_submit_ms``) started when watching began, not at an acceptance.

    The placement step's ``after_submit_ms`` becomes ``after_start_ms``; when the message's
    own Received headers carry times, the first acceptance (oldest hop, local time with its
    offset) and the time from there to the mailbox (``transit_s``) are added beside it.
    """
    placement = result.step(ImapStep.PLACEMENT)
    if placement is None or not placement.get("after_submit_ms"):
        return result
    data = [("after_start_ms" if k == "after_submit_ms" else k, v) for k, v in placement.data]
    headers = result.step(ImapStep.HEADERS)
    header = headers.get("header") if headers is not None else None
    if header:
        from mailcheck.headers import read_headers

        report = read_headers(header.encode("utf-8", "surrogateescape"))
        stamps = [hop.timestamp for hop in report.received if hop.timestamp is not None]
        if stamps:
            first = min(stamps).astimezone()  # the reader's own clock, as history prints
            data.append(("accepted_at", first.strftime("%Y-%m-%d %H:%M:%S %z")))
            if report.transit_seconds is not None:
                data.append(("transit_s", f"{report.transit_seconds:.0f}"))
    timed = replace(placement, data=tuple(data))
    steps = tuple(timed if step is placement else step for step in result.steps)
    return replace(result, steps=steps)
