"""A bounce the user received, as evidence: one step per bounced recipient.

The parsing lives in ``mailcheck.bounce``; this module only records what it
found, so the facts and rules can name the cause, and what a person needs to act
on it: whose problem it is, the command the server refused, its reply code, and
the names Sisimai's users know (``mailcheck.bounce.sisimai``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.bounce import BounceStep
from mailcheck.probes.recorder import Recorder

if TYPE_CHECKING:
    from mailcheck.bounce import Bounce, BouncedRecipient

__all__ = ["bounce_steps", "record_bounce"]


def record_bounce(
    raw: bytes, rec: Recorder, *, parsed: Bounce | None = None, steps: Iterable[Step] | None = None
) -> None:
    """Parse one message (unless ``parsed`` is its parse) and record it (never raises).

    ``steps``: what :func:`bounce_steps` made of it already (in a worker process).
    """
    from mailcheck.bounce import parse_bounce

    rec.begin(BounceStep.BOUNCE)
    if steps is None:
        steps = bounce_steps(raw, parse_bounce(raw) if parsed is None else parsed)
    for step in steps:
        rec.add(step)


def bounce_steps(raw: bytes, bounce: Bounce) -> Iterator[Step]:
    """The steps that record ``bounce``, the parse of ``raw``: the message, then one per
    recipient. Plain data, so a worker process can make them as well as parse."""
    data = [("kind", bounce.kind), ("style", bounce.mta_style)]
    for name, value in (
        ("reporting_mta", bounce.reporting_mta),
        ("original_message_id", bounce.original_message_id),
        ("subject", bounce.subject),
        ("from", bounce.from_),
    ):
        if value:
            data.append((name, value[:300]))
    if bounce.recipients:
        data.extend(_about_the_message(raw, bounce))
    yield Step(name=BounceStep.BOUNCE, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data))
    for recipient in bounce.recipients:
        item = [("action", recipient.action), ("reason", recipient.reason)]
        for name, value in (
            ("recipient", recipient.recipient),
            ("status", recipient.status),
            ("diagnostic", recipient.diagnostic),
            # How long the sending side retried before it gave up ("5 days"), when it says.
            ("gave_up_after", recipient.gave_up_after),
        ):
            if value:
                item.append((name, value[:1000]))
        item.extend(_about_the_recipient(bounce, recipient))
        outcome = Outcome.REJECTED if recipient.action == "failed" else Outcome.OK
        yield Step(
            name=BounceStep.BOUNCED_RECIPIENT, outcome=outcome, elapsed_ms=0.0, data=tuple(item)
        )


# The bounce step's extra data (docs/json.md, "bounces"): only for a report on recipients.
def _about_the_message(raw: bytes, bounce: Bounce) -> list[tuple[str, str]]:
    from mailcheck.bounce import sisimai

    headers = sisimai.bounce_headers(raw)
    out = []
    if headers.date:
        out.append(("date", headers.date[:300]))
        when = sisimai.timestamp(headers.date)
        if when is not None:
            out.append(("timestamp", str(when)))
    sender = sisimai.addresser(bounce, headers.to)
    if sender:
        out.append(("addresser", sender[:300]))
    for name, value in bounce.original_headers:
        if name.lower() == "subject" and value:
            out.append(("original_subject", value[:300]))
            break
    return out


def _about_the_recipient(bounce: Bounce, recipient: BouncedRecipient) -> list[tuple[str, str]]:
    from mailcheck.bounce import sisimai
    from mailcheck.bounce.party import party_of

    out = []
    remote = sisimai.remote_host(recipient, bounce.text)
    if remote:
        out.append(("remote_mta", remote[:300]))
    out.append(("party", party_of(recipient.reason, recipient.action, recipient.status)))
    command = sisimai.smtp_command(recipient, bounce.text)
    if command:
        out.append(("smtp_command", command))
    code = sisimai.reply_code(recipient.diagnostic, recipient.status)
    if code:
        out.append(("reply_code", code))
    name = sisimai.SISIMAI_REASON.get(recipient.reason, "undefined")
    out.append(("sisimai_reason", name))
    out.append(("softbounce", str(sisimai.softbounce(name))))
    return out
