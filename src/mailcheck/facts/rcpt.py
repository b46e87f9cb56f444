"""The ``--probe-rcpt`` probe's declaration (probes/rcpt.py): ask the customer's MX."""

from __future__ import annotations

import enum

from mailcheck.evidence import Outcome, ProbeId, ProbeResult
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SPEC", "RcptStep"]


class RcptStep(enum.StrEnum):
    """The RCPT probe's verdict step; its dialogue steps are ``rcpt-probe <step>``."""

    RCPT_PROBE = "rcpt-probe"


FACTS = (
    FactSpec(
        "rcpt_probe.result",
        str,
        "--probe-rcpt: accepted, rejected, could-not-connect, could-not-check, no-mx.",
        Quote(ProbeId.RCPT, (RcptStep.RCPT_PROBE,)),
    ),
)


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    step = result.step(RcptStep.RCPT_PROBE)
    if step is not None and step.get("result"):
        answer = step.get("result") or ""
        if answer == "accepted" and step.outcome is not Outcome.OK:
            answer = "could-not-check"  # an acceptance that did not end OK is none
        facts["rcpt_probe.result"] = answer
        if step.get("result") == "rejected" and step.reply is not None:
            from mailcheck.bounce.reasons import classify

            facts["recipient.rejection"] = classify(step.reply.enhanced, step.reply.text).value
    return facts


SPEC = ProbeSpec(ProbeId.RCPT, RcptStep, FACTS, _extract)
