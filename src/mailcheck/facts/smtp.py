"""The SMTP submission probe's declaration: its steps and the facts it yields."""

from __future__ import annotations

import enum

from mailcheck.evidence import Outcome, ProbeId, ProbeResult, ProbeStatus, Step
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SEND_STEPS", "SPEC", "SmtpStep"]


class SmtpStep(enum.StrEnum):
    """The steps of probes/smtp.py, in the order they happen."""

    RESOLVE = "resolve"
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    EHLO_TLS = "ehlo-tls"
    """EHLO again after STARTTLS; its facts are EHLO's."""
    SNIFF = "sniff"
    """A second look at a port whose TLS or greeting failed: what does it speak?"""
    AUTH = "auth"
    READY = "ready"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


#: The steps that send the test invoice, after the login.
SEND_STEPS = (SmtpStep.MAIL, SmtpStep.RCPT, SmtpStep.DATA)
_CONNECT_FACTS = (
    SmtpStep.RESOLVE,
    SmtpStep.CONNECT,
    SmtpStep.TLS,
    SmtpStep.GREETING,
    SmtpStep.EHLO,
    SmtpStep.STARTTLS,
    SmtpStep.AUTH,
)


def _quote(*steps: SmtpStep) -> Quote:
    return Quote(ProbeId.SMTP, steps)


FACTS = (
    FactSpec(
        "smtp.probe",
        str,
        "Whether the SMTP probe ran: completed, not-run, deadline, crashed.",
        _quote(),
    ),
    FactSpec(
        "smtp.resolve",
        str,
        "Looking up the SMTP host: ok, name-error, no-address, timeout, error.",
        _quote(SmtpStep.RESOLVE),
    ),
    FactSpec(
        "smtp.connect",
        str,
        "The TCP connect: ok, refused, timeout, unreachable, error.",
        _quote(SmtpStep.CONNECT),
    ),
    FactSpec(
        "smtp.tls",
        str,
        "Implicit TLS handshake (tls mode): ok, tls-error, timeout, closed.",
        _quote(SmtpStep.TLS),
    ),
    FactSpec(
        "smtp.greeting",
        str,
        "The 220 greeting: ok, rejected, timeout, closed, protocol-error.",
        _quote(SmtpStep.GREETING),
    ),
    FactSpec("smtp.greeting.code", int, "Reply code of the greeting.", _quote(SmtpStep.GREETING)),
    FactSpec(
        "smtp.ehlo",
        str,
        "EHLO (the last one sent): ok, rejected, timeout, closed, protocol-error.",
        _quote(SmtpStep.EHLO),
    ),
    FactSpec(
        "smtp.starttls",
        str,
        "STARTTLS: ok, not-offered, rejected, tls-error, timeout, closed.",
        _quote(SmtpStep.STARTTLS),
    ),
    FactSpec(
        "smtp.tls_failure",
        str,
        "Why a TLS handshake failed: cert-untrusted, cert-expired, cert-not-yet-valid, "
        "cert-hostname, not-tls, handshake.",
        Quote(ProbeId.SMTP, carrying="tls_failure"),
    ),
    FactSpec(
        "smtp.sniff",
        str,
        "What a second look at the port found: implicit-tls, plaintext-smtp, unknown.",
        _quote(SmtpStep.SNIFF),
    ),
    FactSpec(
        "smtp.auth",
        str,
        "The one AUTH attempt: ok, rejected, withheld, not-offered, timeout, closed, ...",
        _quote(SmtpStep.AUTH),
    ),
    FactSpec(
        "smtp.auth.code", int, "Reply code to AUTH, e.g. 235, 535, 534.", _quote(SmtpStep.AUTH)
    ),
    FactSpec(
        "smtp.auth.enhanced",
        str,
        "RFC 3463 enhanced status of the AUTH reply, e.g. 5.7.8.",
        _quote(SmtpStep.AUTH),
    ),
    FactSpec("smtp.auth.text", str, "Text of the AUTH reply, verbatim.", _quote(SmtpStep.AUTH)),
    FactSpec(
        "smtp.auth.offered",
        str,
        "AUTH mechanisms the server offered, e.g. 'PLAIN LOGIN'.",
        _quote(SmtpStep.AUTH),
    ),
    FactSpec("smtp.failed_step", str, "The first SMTP step that did not end ok, if any.", _quote()),
    # --- Sending the test invoice, after the login
    FactSpec(
        "smtp.mail", str, "MAIL FROM: ok, rejected, timeout, closed, ...", _quote(SmtpStep.MAIL)
    ),
    FactSpec(
        "smtp.rcpt",
        str,
        "RCPT TO (the worst over all recipients): ok, rejected, ...",
        _quote(SmtpStep.RCPT),
    ),
    FactSpec("smtp.data", str, "DATA: ok, rejected, timeout, closed, ...", _quote(SmtpStep.DATA)),
    FactSpec(
        "smtp.send.code",
        int,
        "Reply code of the refused MAIL, RCPT or DATA.",
        Quote(ProbeId.SMTP, SEND_STEPS, failed_only=True),
    ),
    FactSpec(
        "smtp.send.text",
        str,
        "Text of the refused MAIL, RCPT or DATA reply.",
        Quote(ProbeId.SMTP, SEND_STEPS, failed_only=True),
    ),
    FactSpec(
        "smtp.rcpt.relay_denied",
        bool,
        "The submission server refused a RCPT as relaying (it will not send there for this login).",
        Quote(ProbeId.SMTP, (SmtpStep.RCPT,)),
    ),
)


def _fact_name(step: str) -> str:
    # Plain str, never an enum member: facts are compared and serialised as plain values.
    return str(SmtpStep.EHLO if step == SmtpStep.EHLO_TLS else step)


def _first_failure(result: ProbeResult) -> str | None:
    for step in result.steps:
        if step.name != SmtpStep.SNIFF and step.outcome is not Outcome.OK:
            return step.name
    return None


def _login_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {"smtp.probe": result.status.value}
    if result.status is ProbeStatus.NOT_RUN:
        return facts
    for step in result.steps:
        name = _fact_name(step.name)
        if name in _CONNECT_FACTS:
            facts[f"smtp.{name}"] = step.outcome.value
        failure = step.get("tls_failure")
        if failure:
            facts["smtp.tls_failure"] = failure
        if step.name == SmtpStep.SNIFF:
            facts["smtp.sniff"] = step.get("speaks") or "unknown"
        reply = step.reply
        if step.name == SmtpStep.GREETING and reply is not None and reply.code is not None:
            facts["smtp.greeting.code"] = reply.code
        if step.name == SmtpStep.AUTH:
            if reply is not None and reply.code is not None:
                facts["smtp.auth.code"] = reply.code
                facts["smtp.auth.text"] = reply.text
                if reply.enhanced:
                    facts["smtp.auth.enhanced"] = reply.enhanced
            offered = step.get("offered")
            if offered is not None:
                facts["smtp.auth.offered"] = offered
    failed = _first_failure(result)
    if failed is not None:
        facts["smtp.failed_step"] = _fact_name(failed)
    return facts


def _is_relay_refusal(step: Step) -> bool:
    """A refused RCPT whose words say relaying (Postfix, Exim, Sendmail, qmail, Microsoft)."""
    if step.outcome is not Outcome.REJECTED or step.reply is None:
        return False
    from mailcheck.bounce.reasons import Reason, classify

    return classify(step.reply.enhanced, step.reply.text) is Reason.RELAYING_DENIED


def _send_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for step in result.steps:
        if step.name not in SEND_STEPS:
            continue
        key = f"smtp.{step.name}"
        if facts.get(key) in (None, Outcome.OK.value):  # keep the worst RCPT
            facts[key] = step.outcome.value
        if step.name == SmtpStep.RCPT and _is_relay_refusal(step):
            facts["smtp.rcpt.relay_denied"] = True
        if step.outcome is not Outcome.OK and "smtp.send.text" not in facts and step.reply:
            if step.reply.code is not None:
                facts["smtp.send.code"] = step.reply.code
            facts["smtp.send.text"] = step.reply.text
            refused = step.outcome is Outcome.REJECTED
            if step.name in (SmtpStep.RCPT, SmtpStep.DATA) and refused:
                # A refusal at RCPT or DATA says why, like a bounce does: same reasons.
                from mailcheck.bounce.reasons import classify

                reason = classify(step.reply.enhanced, step.reply.text)
                facts["recipient.rejection"] = reason.value
    return facts


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    return {**_login_facts(result), **_send_facts(result)}


SPEC = ProbeSpec(ProbeId.SMTP, SmtpStep, FACTS, _extract)
