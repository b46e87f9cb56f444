"""Facts: a flat, documented view of the evidence, the rules' only input.

Every fact is declared once in :data:`FACTS` with its type and one sentence.
Anything that needs computing (which TLS step failed, which step failed
first) is computed here, in Python, so that the rules stay plain comparisons
that IT staff can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mailcheck.evidence import Outcome, ProbeResult, ProbeStatus

__all__ = ["FACTS", "FactSpec", "FactValue", "Facts", "extract_facts"]

FactValue = str | int | bool
Facts = Mapping[str, FactValue]


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact: its name, value type and meaning."""

    name: str
    type: type
    doc: str


def _catalogue(*specs: FactSpec) -> dict[str, FactSpec]:
    return {spec.name: spec for spec in specs}


FACTS: Mapping[str, FactSpec] = _catalogue(
    # --- SMTP submission (probes/smtp.py)
    FactSpec(
        "smtp.probe", str, "Whether the SMTP probe ran: completed, not-run, deadline, crashed."
    ),
    FactSpec(
        "smtp.resolve", str, "Looking up the SMTP host: ok, name-error, no-address, timeout, error."
    ),
    FactSpec("smtp.connect", str, "The TCP connect: ok, refused, timeout, unreachable, error."),
    FactSpec("smtp.tls", str, "Implicit TLS handshake (tls mode): ok, tls-error, timeout, closed."),
    FactSpec(
        "smtp.greeting", str, "The 220 greeting: ok, rejected, timeout, closed, protocol-error."
    ),
    FactSpec("smtp.greeting.code", int, "Reply code of the greeting."),
    FactSpec(
        "smtp.ehlo", str, "EHLO (the last one sent): ok, rejected, timeout, closed, protocol-error."
    ),
    FactSpec(
        "smtp.starttls", str, "STARTTLS: ok, not-offered, rejected, tls-error, timeout, closed."
    ),
    FactSpec(
        "smtp.tls_failure",
        str,
        "Why a TLS handshake failed: cert-untrusted, cert-expired, cert-not-yet-valid, "
        "cert-hostname, not-tls, handshake.",
    ),
    FactSpec(
        "smtp.sniff",
        str,
        "What a second look at the port found: implicit-tls, plaintext-smtp, unknown.",
    ),
    FactSpec(
        "smtp.auth",
        str,
        "The one AUTH attempt: ok, rejected, withheld, not-offered, timeout, closed, ...",
    ),
    FactSpec("smtp.auth.code", int, "Reply code to AUTH, e.g. 235, 535, 534."),
    FactSpec("smtp.auth.enhanced", str, "RFC 3463 enhanced status of the AUTH reply, e.g. 5.7.8."),
    FactSpec("smtp.auth.text", str, "Text of the AUTH reply, verbatim."),
    FactSpec("smtp.auth.offered", str, "AUTH mechanisms the server offered, e.g. 'PLAIN LOGIN'."),
    FactSpec("smtp.failed_step", str, "The first SMTP step that did not end ok, if any."),
    # --- Round trip (issue 3): the test invoice in the sender's own mailbox
    FactSpec(
        "roundtrip.placement",
        str,
        "Where the test message landed: inbox, junk, other, not-arrived.",
    ),
    FactSpec(
        "send.via_vendor",
        bool,
        "The company sends through its software vendor's mail service (FAQ case 1).",
    ),
    # --- Recipient side (issue 5): rejections and bounces
    FactSpec(
        "recipient.rejection", str, "Why the recipient's server refused the message (bounce class)."
    ),
)


def _first_failure(result: ProbeResult) -> str | None:
    for step in result.steps:
        if step.name == "sniff":
            continue
        if step.outcome is not Outcome.OK:
            return step.name
    return None


def _smtp_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {"smtp.probe": result.status.value}
    if result.status is ProbeStatus.NOT_RUN:
        return facts
    for step in result.steps:
        name = {"ehlo-tls": "ehlo"}.get(step.name, step.name)
        if name in ("resolve", "connect", "tls", "greeting", "ehlo", "starttls", "auth"):
            facts[f"smtp.{name}"] = step.outcome.value
        failure = step.get("tls_failure")
        if failure:
            facts["smtp.tls_failure"] = failure
        if step.name == "sniff":
            facts["smtp.sniff"] = step.get("speaks") or "unknown"
        if step.name == "greeting" and step.reply is not None:
            facts["smtp.greeting.code"] = step.reply.code
        if step.name == "auth":
            if step.reply is not None:
                facts["smtp.auth.code"] = step.reply.code
                facts["smtp.auth.text"] = step.reply.text
                if step.reply.enhanced:
                    facts["smtp.auth.enhanced"] = step.reply.enhanced
            offered = step.get("offered")
            if offered is not None:
                facts["smtp.auth.offered"] = offered
    failed = _first_failure(result)
    if failed is not None:
        facts["smtp.failed_step"] = {"ehlo-tls": "ehlo"}.get(failed, failed)
    return facts


def extract_facts(results: Iterable[ProbeResult]) -> dict[str, FactValue]:
    """Turn probe results into facts."""
    facts: dict[str, FactValue] = {}
    for result in results:
        if result.probe == "smtp":
            facts.update(_smtp_facts(result))
    return facts
