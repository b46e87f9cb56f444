"""A bounce the user received, as evidence: one step per bounced recipient.

The parsing lives in ``mailcheck.bounce``; this module only records what it
found, so the facts and rules can name the cause.
"""

from __future__ import annotations

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.bounce import BounceStep
from mailcheck.probes.recorder import Recorder

__all__ = ["record_bounce"]


def record_bounce(raw: bytes, rec: Recorder) -> None:
    """Parse one message and record it (never raises on hostile input)."""
    from mailcheck.bounce import parse_bounce

    rec.begin(BounceStep.BOUNCE)
    bounce = parse_bounce(raw)
    data = [("kind", bounce.kind), ("style", bounce.mta_style)]
    for name, value in (
        ("reporting_mta", bounce.reporting_mta),
        ("original_message_id", bounce.original_message_id),
        ("subject", bounce.subject),
        ("from", bounce.from_),
    ):
        if value:
            data.append((name, value[:300]))
    rec.add(Step(name=BounceStep.BOUNCE, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data)))
    for recipient in bounce.recipients:
        item = [("action", recipient.action), ("reason", recipient.reason)]
        for name, value in (
            ("recipient", recipient.recipient),
            ("status", recipient.status),
            ("diagnostic", recipient.diagnostic),
            ("remote_mta", recipient.remote_mta),
        ):
            if value:
                item.append((name, value[:1000]))
        outcome = Outcome.REJECTED if recipient.action == "failed" else Outcome.OK
        rec.add(
            Step(
                name=BounceStep.BOUNCED_RECIPIENT, outcome=outcome, elapsed_ms=0.0, data=tuple(item)
            )
        )
