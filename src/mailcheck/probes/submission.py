"""Sending the test invoice on a logged-in SMTP session (the round trip's second half).

Kept apart from the credential check (probes/smtp.py): the check sends no
mail; this part runs only when the login was accepted and a message is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.smtp import SmtpStep
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.smtpreply import record_command

__all__ = ["Submission", "submit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A message to send after a successful login (the round trip's test invoice)."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    """The message as it goes on the wire (CRLF line ends)."""
    ready: Callable[[], Awaitable[bool]]
    """Waited for before MAIL FROM: the mailbox watchers are in place (False: do not send)."""
    sent: Callable[[], None]
    """Called the moment the server accepted the message (250 after DATA)."""
    authenticated: Callable[[bool], None] = lambda ok: None
    """Told whether the login was accepted (an IMAP login with the same password waits
    for it, so a wrong password fails once per run, not twice)."""
    refused: Callable[[str], None] = lambda recipient: None
    """Told each recipient the server refused at RCPT TO (no bounce can come for it:
    a watcher waiting for one stops). Every one refused: nothing is sent at all."""


async def submit(smtp: aiosmtplib.SMTP, rec: Recorder, submission: Submission) -> None:
    """MAIL FROM, RCPT TO (each), DATA: each reply kept, so a refusal names its step."""
    start = rec.begin(SmtpStep.READY)
    if not await submission.ready():
        rec.add(Step(name=SmtpStep.READY, outcome=Outcome.WITHHELD, elapsed_ms=elapsed_ms(start)))
        rec.note("message not sent: the mailbox could not be watched")
        return
    options = []
    if smtp.supports_extension("size"):
        options.append(f"SIZE={len(submission.data)}")
    if smtp.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    line = f"MAIL FROM:<{submission.sender}>" + "".join(f" {o}" for o in options)
    if not await record_command(
        rec, SmtpStep.MAIL, line, smtp.mail(submission.sender, options=options)
    ):
        return
    accepted = 0
    for recipient in submission.recipients:
        call = smtp.rcpt(recipient)
        if await record_command(
            rec, SmtpStep.RCPT, f"RCPT TO:<{recipient}>", call, ("recipient", recipient)
        ):
            accepted += 1
        elif rec.steps[-1].outcome is Outcome.REJECTED:
            submission.refused(recipient)
        else:
            return  # the session is lost (closed, timed out): nothing more is said on it
    if not accepted:
        return
    size = str(len(submission.data))
    call = smtp.data(submission.data)
    if await record_command(rec, SmtpStep.DATA, f"DATA ({size} bytes)", call, ("size", size)):
        submission.sent()
