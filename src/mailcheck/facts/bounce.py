"""The bounce probe's declaration (bounces read from a file or the mailbox)."""

from __future__ import annotations

import enum

from mailcheck.evidence import Outcome, ProbeId, ProbeResult
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SPEC", "BounceStep"]


class BounceStep(enum.StrEnum):
    """One step for the message, one per recipient it reports on."""

    BOUNCE = "bounce"
    BOUNCED_RECIPIENT = "bounced-recipient"


FACTS = (
    FactSpec(
        "recipient.rejection",
        str,
        "Why the recipient's side refused the mail: recipient-unknown, mailbox-full, "
        "mailbox-disabled, policy, reputation, spam, auth-failure, too-large, rate-limited, "
        "domain-unknown, tls, relaying-denied, login-required, not-compliant, network, "
        "expired (only when no more specific error is told), content, other. (A refused "
        "RCPT or DATA, and the RCPT probe's refusal, say it too: same reasons.)",
        Quote(ProbeId.BOUNCE, (BounceStep.BOUNCED_RECIPIENT,)),
    ),
    FactSpec(
        "bounce.kind",
        str,
        "What came back: failure, delay, auto-reply, feedback, not-a-bounce, none.",
        Quote(ProbeId.BOUNCE, (BounceStep.BOUNCE,)),
    ),
)


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    bounce = result.step(BounceStep.BOUNCE)
    if bounce is not None and bounce.get("kind") and bounce.outcome is Outcome.OK:
        facts["bounce.kind"] = bounce.get("kind") or ""
    for step in result.steps:
        if step.name == BounceStep.BOUNCED_RECIPIENT and step.get("action") == "failed":
            facts["recipient.rejection"] = step.get("reason") or "other"
            break
    return facts


SPEC = ProbeSpec(ProbeId.BOUNCE, BounceStep, FACTS, _extract)
