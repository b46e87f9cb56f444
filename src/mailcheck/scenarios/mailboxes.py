"""The round trip's mailbox probes: watch for the test invoice, or for a bounce about it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from mailcheck.evidence import Outcome, Step
from mailcheck.probes.recorder import Recorder
from mailcheck.scenarios.common import CLEANUP_MARGIN
from mailcheck.secret import Secret
from mailcheck.settings import MailboxSettings

if TYPE_CHECKING:
    from mailcheck.probes.roundtrip import Signals

__all__ = ["bounce_probe", "mailbox_probe"]


async def mailbox_probe(
    mailbox: MailboxSettings,
    secret: Secret,
    rec: Recorder,
    matcher: Callable[[bytes], bool],
    signals: Signals,
    prepared: asyncio.Future[bool],
    *,
    wait: float,
    deadline: float,
    delete: bool,
    same_password: bool,
    captured: dict[str, bytes] | None = None,
) -> None:
    """One mailbox: get ready, report ready, wait for the message, read it, clean up.

    Cancelled (a signal, the deadline) after the message was sent, it still
    removes the test message within the grace and says what was left where.
    Afterwards it removes test invoices earlier runs left (never with --keep).
    """
    from mailcheck.pending import journal_for
    from mailcheck.probes.roundtrip import LEFTOVER_AGE, MailboxWatch

    # With the SMTP password, LOGIN waits for the SMTP verdict: a wrong password
    # then fails once per run, not once per protocol (account lockouts count failures).
    gate = signals.login_accepted if same_password else None
    watch = MailboxWatch(mailbox.imap, secret, rec, matcher, delete=delete, before_login=gate)
    token = getattr(matcher, "token", None)
    imap = mailbox.imap
    # --keep leaves the invoice on purpose: nothing to note, nothing to sweep.
    journal = journal_for(imap.username, imap.host, imap.port) if delete and token else None
    age = LEFTOVER_AGE.total_seconds()
    try:
        ok = await watch.prepare()
        if ok and journal is not None and token:
            journal.note(token)  # before the send: a run that dies still leaves the note
        prepared.set_result(ok)
        if not ok:
            return
        found = await watch.wait(signals, wait, deadline - CLEANUP_MARGIN)
        if found is not None:
            await watch.read_headers()
            if captured is not None:
                message = await watch.read_message()
                if message is not None:
                    captured["message"] = message
        await watch.finish(signals)
        if (
            journal is not None
            and token
            and journal.sweep_due(age)
            and asyncio.get_running_loop().time() < deadline - 1.0
        ):
            due = [t for t in journal.pending(age) if t != token]
            sender = getattr(matcher, "sender", None) or mailbox.address
            await watch.sweep_leftovers(sender, token)
            if _last_step_ok(rec, "leftovers"):
                journal.swept(due)
    except asyncio.CancelledError:
        await watch.interrupted(signals)
        raise
    finally:
        if not prepared.done():
            prepared.set_result(False)
        if journal is not None and token and (_removed(rec) or not signals.submitted.is_set()):
            journal.forget(token)
        await watch.close()


def _last_step_ok(rec: Recorder, name: str) -> bool:
    step = next((s for s in reversed(rec.steps) if s.name == name), None)
    return step is not None and step.outcome is Outcome.OK


def _removed(rec: Recorder) -> bool:
    """The run's own cleanup is confirmed: the test invoice is gone (deleted or moved)."""
    for step in reversed(rec.steps):
        if step.name.rpartition(":")[2] == "cleanup":
            return step.outcome is Outcome.OK and step.get("result") in ("deleted", "moved")
    return False


async def bounce_probe(
    mailbox: MailboxSettings,
    secret: Secret,
    rec: Recorder,
    signals: Signals,
    prepared: asyncio.Future[bool],
    ids: tuple[str, str],
    *,
    wait: float,
    deadline: float,
    refused: asyncio.Event,
) -> None:
    """Watch the sender's mailbox for a bounce that refers to the test message.

    The watch ends early when the customer's server refused the test at RCPT
    (``refused``): that refusal is the verdict, and no bounce can follow it.
    """
    from mailcheck.bounce import parse_bounce, refers_to
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.probes.roundtrip import MailboxWatch, bounce_candidate

    def ours(raw: bytes) -> bool:
        # Only a bounce about this very message: never an older, unrelated one.
        bounce = parse_bounce(raw)
        return bounce.kind in ("failure", "delay") and refers_to(bounce, *ids)

    watch = MailboxWatch(
        mailbox.imap,
        secret,
        rec,
        bounce_candidate,
        delete=False,
        before_login=signals.login_accepted if mailbox.secret_source is None else None,
        confirm=ours,
    )
    try:
        ok = await watch.prepare()
        prepared.set_result(ok)
        if not ok:
            return
        waiting = asyncio.ensure_future(watch.wait(signals, wait, deadline - CLEANUP_MARGIN))
        stop = asyncio.ensure_future(refused.wait())
        await asyncio.wait([waiting, stop], return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not waiting.done():  # refused at RCPT: the facts take the refusal's reason
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            return
        if waiting.result() is None:
            if signals.submitted.is_set():
                rec.add(
                    Step(
                        name="bounce", outcome=Outcome.OK, elapsed_ms=0.0, data=(("kind", "none"),)
                    )
                )
            return
        message = await watch.read_message()
        if message is not None:
            record_bounce(message, rec)
    finally:
        if not prepared.done():
            prepared.set_result(False)
        await watch.close()
