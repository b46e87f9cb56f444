"""``--retry-temporary``: after a temporary SMTP refusal, wait the server's delay and try once more.

A 421 greeting, a 450/451 greylisting reply or a 4.7.x rate limit is "not now", not "no".
With the option, the SMTP probe waits the delay the reply states (60 s when it names
none), never past the run's deadline, and runs once more on the same recorder: the
first attempt's steps give way to one ``retry`` step that keeps the first refusal (and
the wait), so the facts and the verdict are the second attempt's, and the report says
it retried. The transcript keeps both dialogues.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.refusals import TEMPORARY_STEPS, retry_after, temporary_kind
from mailcheck.facts.smtp import SmtpStep
from mailcheck.probes.recorder import Recorder

__all__ = ["DEFAULT_RETRY_DELAY", "RETRY_MARGIN", "retrying"]

#: Seconds waited when the temporary refusal names no delay.
DEFAULT_RETRY_DELAY = 60.0

#: Seconds of the deadline kept for the second attempt itself.
RETRY_MARGIN = 5.0

Attempt = Callable[[Recorder], Awaitable[None]]


def _temporary_refusal(steps: list[Step]) -> Step | None:
    """The first step a 4xx reply ended (a temporary refusal), if any."""
    for step in steps:
        reply = step.reply
        if step.outcome is Outcome.OK or reply is None:
            continue
        if step.base.removesuffix("-tls") in TEMPORARY_STEPS and temporary_kind(reply):
            return step
    return None


async def retrying(attempt: Attempt, rec: Recorder, *, enabled: bool, deadline: float) -> None:
    """Run ``attempt``; with ``enabled``, once more after a temporary refusal and its delay."""
    await attempt(rec)
    refused = _temporary_refusal(rec.steps) if enabled else None
    if refused is None or refused.reply is None:
        return
    asked = retry_after(refused.reply.text)
    delay = float(asked) if asked is not None else DEFAULT_RETRY_DELAY
    left = deadline - asyncio.get_running_loop().time() - RETRY_MARGIN
    if left <= 0:
        rec.note("--retry-temporary: no time left before --deadline to try again")
        return
    wait = min(delay, left)
    data = [("first_step", str(refused.name)), ("waited_s", f"{wait:g}")]
    if asked is not None:
        data.append(("asked_s", str(asked)))
    kind = temporary_kind(refused.reply)
    if kind:
        data.append(("kind", kind))
    # The second attempt is the evidence; the first refusal stays in this one step.
    rec.steps.clear()
    rec.add(
        Step(
            name=SmtpStep.RETRY,
            outcome=Outcome.OK,
            elapsed_ms=round(wait * 1000, 1),
            reply=refused.reply,
            data=tuple(data),
        )
    )
    rec.note(f"--retry-temporary: waiting {wait:g} s, then trying once more")
    await asyncio.sleep(wait)
    await attempt(rec)
