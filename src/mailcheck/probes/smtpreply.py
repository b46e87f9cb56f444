"""SMTP replies as evidence: their parts (RFC 5321 section 4.2, RFC 3463), and commands as steps.

Shared by the submission probe (probes/smtp.py) and the recipient probe
(probes/rcpt.py): the reply parsing, the map from aiosmtplib's exception tree
to outcomes (:func:`smtp_failure`) and the recording of one command.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable

import aiosmtplib

from mailcheck.evidence import Outcome, Reply, Step
from mailcheck.probes.failure import failure_step
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import Recorder

__all__ = [
    "MAX_TEXT",
    "clean_text",
    "make_reply",
    "record_command",
    "smtp_failure",
    "split_enhanced",
]

# class.subject.detail: class is 2, 4 or 5; subject and detail up to 3 digits (RFC 3463 sec. 2).
_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)")

# Replies longer than this are cut: a hostile server must not fill our memory or the report.
MAX_TEXT = 4000


def split_enhanced(text: str) -> tuple[str | None, str]:
    """Split ``"5.7.8 Error: ..."`` into ``("5.7.8", "Error: ...")``.

    Multi-line replies repeat the enhanced code on every line (Gmail does); it is
    removed from each line so the text reads as the server meant it.
    """
    lines = text.split("\n")
    first = _ENHANCED.match(lines[0])
    if first is None:
        return None, text
    code = first.group(1)
    stripped = []
    for line in lines:
        if line.startswith(code):
            line = line[len(code) :].lstrip()
        stripped.append(line)
    return code, "\n".join(stripped)


def clean_text(text: str) -> str:
    """Server text made safe to keep: bytes that were not UTF-8 become U+FFFD.

    aiosmtplib decodes replies with ``surrogateescape``; a lone surrogate left in
    a string cannot be written as UTF-8 (JSON, the terminal, a file) and would
    end the run with an encoding error instead of a report.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def make_reply(code: int, message: str) -> Reply:
    """Build a :class:`Reply` from aiosmtplib's ``(code, message)``."""
    enhanced, text = split_enhanced(clean_text(message).strip())
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + " [...]"
    return Reply(code=code, enhanced=enhanced, text=text)


def _refusal(exc: BaseException) -> tuple[Outcome, Reply] | None:
    if not isinstance(exc, aiosmtplib.SMTPResponseException):
        return None
    # Only a 4xx or 5xx reply is a refusal. A 250 where AUTH wants 235, a "999" or an
    # unparsable line (aiosmtplib's code -1) is a server not speaking SMTP: never read
    # as "wrong password" or "recipient refused".
    refusal = 400 <= exc.code <= 599
    return (Outcome.REJECTED if refusal else Outcome.PROTOCOL_ERROR), make_reply(
        exc.code, exc.message
    )


def smtp_failure(name: str, exc: BaseException, start: float) -> Step:
    """Map an exception raised during an SMTP step to a step with an outcome."""
    return failure_step(name, exc, start, _refusal)


async def record_command(
    rec: Recorder,
    name: str,
    line: str,
    call: Awaitable[aiosmtplib.SMTPResponse],
    *data: tuple[str, str],
) -> bool:
    """One SMTP command as a step, with the server's reply kept."""
    start = rec.begin(name)
    rec.client(line)
    try:
        response = await call
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        failed = smtp_failure(name, exc, start)
        step = rec.add(
            Step(
                name=name,
                outcome=failed.outcome,
                elapsed_ms=failed.elapsed_ms,
                reply=failed.reply,
                error=failed.error,
                data=data,
            )
        )
        if step.reply:
            rec.server(step.reply)
        return False
    reply = make_reply(response.code, response.message)
    rec.server(reply)
    rec.add(
        Step(name=name, outcome=Outcome.OK, elapsed_ms=elapsed_ms(start), reply=reply, data=data)
    )
    return True
