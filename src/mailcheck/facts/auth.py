"""The sender-records probe's declaration (probes/auth.py): SPF, DKIM, DMARC, blocklists."""

from __future__ import annotations

import enum
from collections.abc import Callable

from mailcheck.evidence import Outcome, ProbeId, ProbeResult, Step
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SPEC", "AuthStep"]


class AuthStep(enum.StrEnum):
    """One step per check of the sender's domain."""

    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    DNSBL = "dnsbl"


FACTS = (
    FactSpec(
        "sender.spf",
        str,
        "SPF for the sending IP: pass, fail, softfail, neutral, none, permerror, temperror.",
        Quote(ProbeId.AUTH, (AuthStep.SPF,)),
    ),
    FactSpec(
        "sender.dkim",
        str,
        "The message's DKIM signature: pass, fail, missing, unknown.",
        Quote(ProbeId.AUTH, (AuthStep.DKIM,)),
    ),
    FactSpec(
        "sender.dkim_key",
        str,
        "A selector's published key (no message): ok, missing, bad, unknown.",
        Quote(ProbeId.AUTH, (AuthStep.DKIM,)),
    ),
    FactSpec(
        "sender.dkim_weak",
        bool,
        "The DKIM key is shorter than 2048 bits.",
        Quote(ProbeId.AUTH, (AuthStep.DKIM,)),
    ),
    FactSpec(
        "sender.spf_record",
        str,
        "The sender domain's SPF record: present, missing, invalid, unknown.",
        Quote(ProbeId.AUTH, (AuthStep.SPF,)),
    ),
    FactSpec(
        "sender.dmarc_record",
        str,
        "The sender domain's DMARC record: present, missing, invalid, unknown.",
        Quote(ProbeId.AUTH, (AuthStep.DMARC,)),
    ),
    FactSpec(
        "sender.dmarc_policy",
        str,
        "The DMARC policy that applies: none, quarantine, reject.",
        Quote(ProbeId.AUTH, (AuthStep.DMARC,)),
    ),
    FactSpec(
        "sender.dmarc",
        str,
        "DMARC for this mail: pass, fail, unknown.",
        Quote(ProbeId.AUTH, (AuthStep.DMARC,)),
    ),
    FactSpec(
        "sender.blocklisted",
        bool,
        "The sending IP is on a configured DNS blocklist.",
        Quote(ProbeId.AUTH, (AuthStep.DNSBL,)),
    ),
    FactSpec(
        "sender.blocklist_inconclusive",
        bool,
        "A blocklist answered 'refused' or did not answer.",
        Quote(ProbeId.AUTH, (AuthStep.DNSBL,)),
    ),
)


def _spf(step: Step, facts: dict[str, FactValue]) -> None:
    if step.get("result"):
        facts["sender.spf"] = step.get("result") or ""
    if step.get("record_state"):
        facts["sender.spf_record"] = step.get("record_state") or ""


def _dkim(step: Step, facts: dict[str, FactValue]) -> None:
    if not step.get("state"):
        return
    key = "sender.dkim" if step.get("mode") == "signature" else "sender.dkim_key"
    facts[key] = step.get("state") or ""
    bits = step.get("key_bits")
    if bits and bits.isdigit() and int(bits) != 256:  # 256: Ed25519, strong
        facts["sender.dkim_weak"] = int(bits) < 2048


def _dmarc(step: Step, facts: dict[str, FactValue]) -> None:
    facts["sender.dmarc_record"] = step.get("record_state") or "unknown"
    if step.get("policy"):
        facts["sender.dmarc_policy"] = step.get("policy") or ""
    passes = step.get("passes")
    if passes:
        facts["sender.dmarc"] = {"yes": "pass", "no": "fail"}.get(passes, "unknown")


def _dnsbl(step: Step, facts: dict[str, FactValue]) -> None:
    if step.get("listed") == "yes":
        facts["sender.blocklisted"] = True
    elif step.get("listed") == "unknown":
        facts["sender.blocklist_inconclusive"] = True


_READERS: dict[str, Callable[[Step, dict[str, FactValue]], None]] = {
    AuthStep.SPF: _spf,
    AuthStep.DKIM: _dkim,
    AuthStep.DMARC: _dmarc,
    AuthStep.DNSBL: _dnsbl,
}


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for step in result.steps:
        read = _READERS.get(step.name)
        if read is not None and step.outcome is Outcome.OK:  # an unfinished check: no verdict
            read(step, facts)
    if any(s.name == AuthStep.DNSBL for s in result.steps):
        facts.setdefault("sender.blocklisted", False)
    return facts


SPEC = ProbeSpec(ProbeId.AUTH, AuthStep, FACTS, _extract)
