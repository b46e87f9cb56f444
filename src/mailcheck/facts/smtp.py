"""The SMTP submission probe's declaration: its steps and the facts it yields."""

from __future__ import annotations

import enum
import re

from mailcheck.evidence import Outcome, ProbeId, ProbeResult, ProbeStatus, Reply, Step
from mailcheck.facts.refusals import TEMPORARY_STEPS, retry_after, sender_refusal, temporary_kind
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SEND_STEPS", "SPEC", "SmtpStep", "queue_id"]


class SmtpStep(enum.StrEnum):
    """The steps of probes/smtp.py, in the order they happen."""

    RETRY = "retry"
    """--retry-temporary: the first attempt's temporary refusal, and the wait before this one."""
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
    FactSpec(
        "smtp.auth.credential",
        str,
        "What signed in: password, or oauth2-token (an OAuth2 access token).",
        _quote(SmtpStep.AUTH),
    ),
    FactSpec(
        "smtp.auth.oauth_error",
        str,
        "The OAuth2 error the server sent before refusing a token, e.g. invalid_token.",
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
        "smtp.queue_id",
        str,
        "The queue id the server named in its 250 after DATA (Postfix, Exim, Exchange).",
        _quote(SmtpStep.DATA),
    ),
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
        "smtp.send.enhanced",
        str,
        "RFC 3463 enhanced status of the refused MAIL, RCPT or DATA reply, e.g. 5.4.5.",
        Quote(ProbeId.SMTP, SEND_STEPS, failed_only=True),
    ),
    FactSpec(
        "smtp.send.refusal",
        str,
        "Why the server refused the sender (not the recipient): basic-auth-retired, "
        "authentication-required, starttls-required, sender-not-allowed, sending-limit, "
        "account-blocked, too-large.",
        Quote(ProbeId.SMTP, SEND_STEPS, failed_only=True),
    ),
    FactSpec(
        "smtp.send.size",
        int,
        "Size in bytes of the test message sent with DATA.",
        _quote(SmtpStep.DATA),
    ),
    FactSpec(
        "smtp.size_limit",
        int,
        "The largest message the server takes, from its EHLO SIZE (0: no limit stated).",
        _quote(SmtpStep.EHLO),
    ),
    FactSpec(
        "smtp.send.over_size_limit",
        bool,
        "The test message was larger than the SIZE the server advertised in EHLO.",
        _quote(SmtpStep.EHLO, SmtpStep.DATA),
    ),
    FactSpec(
        "smtp.retried",
        str,
        "--retry-temporary tried again after this temporary refusal of the first attempt: "
        "unavailable, greylisted, rate-limited, other (the other smtp facts are the second's).",
        _quote(SmtpStep.RETRY),
    ),
    FactSpec(
        "smtp.retry.waited",
        int,
        "Seconds waited before the second attempt.",
        _quote(SmtpStep.RETRY),
    ),
    FactSpec(
        "smtp.temporary",
        str,
        "A 4xx reply at the greeting, EHLO, STARTTLS, MAIL, RCPT or DATA: unavailable (421), "
        "greylisted, rate-limited, other.",
        Quote(ProbeId.SMTP, TEMPORARY_STEPS, failed_only=True),
    ),
    FactSpec(
        "smtp.retry_after",
        int,
        "Seconds the server asked to wait before trying again, when its 4xx reply says.",
        Quote(ProbeId.SMTP, TEMPORARY_STEPS, failed_only=True),
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
        size_limit = step.get("size_limit")
        if size_limit is not None and size_limit.isdigit():
            facts["smtp.size_limit"] = int(size_limit)
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
            facts["smtp.auth.credential"] = step.get("credential") or "password"
            oauth_error = step.get("oauth_error")
            if oauth_error is not None:
                facts["smtp.auth.oauth_error"] = oauth_error
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


def _temporary_facts(result: ProbeResult) -> dict[str, FactValue]:
    """The first 4xx reply before or while sending: not a "no", a "not now"."""
    for step in result.steps:
        reply = step.reply
        if (
            step.outcome is Outcome.OK
            or reply is None
            or step.base.removesuffix("-tls") not in (TEMPORARY_STEPS)
        ):
            continue
        kind = temporary_kind(reply)
        if kind is None:
            continue
        facts: dict[str, FactValue] = {"smtp.temporary": kind}
        delay = retry_after(reply.text)
        if delay is not None:
            facts["smtp.retry_after"] = delay
        return facts
    return {}


def _refusal_facts(step: Step, reply: Reply) -> dict[str, FactValue]:
    """Why the first refused MAIL, RCPT or DATA was refused: the sender's side first."""
    facts: dict[str, FactValue] = {"smtp.send.text": reply.text}
    if reply.code is not None:
        facts["smtp.send.code"] = reply.code
    if reply.enhanced:
        facts["smtp.send.enhanced"] = reply.enhanced
    if step.outcome is not Outcome.REJECTED or temporary_kind(reply) is not None:
        return facts  # a 4xx is "not now" (smtp.temporary), about nobody's mailbox
    refusal = sender_refusal(reply)
    if refusal is not None:
        facts["smtp.send.refusal"] = refusal
    elif step.name in (SmtpStep.RCPT, SmtpStep.DATA):
        # A refusal at RCPT or DATA says why, like a bounce does: same reasons.
        from mailcheck.bounce.reasons import classify

        facts["recipient.rejection"] = classify(reply.enhanced, reply.text).value
    return facts


#: Where a 250 after DATA names the message's queue id. Postfix: "250 2.0.0 Ok: queued as
#: 6D16826F000D" (http://www.howtoforge.com/forums/showpost.php?p=275699&postcount=32);
#: Exim: "250 OK id=10HmaX-0005vi-00" (https://git.exim.org/exim.git/blob/a3ab48f23ee4a83f
#: 796440ef67d7ac7b43aad4b5:/test/stdout/0485); Exchange: "250 2.6.0 <id@host>
#: [InternalId=23138874] Queued mail for delivery"
#: (https://newbetuts.com/867407-postfix-what-does-queued-mail-for-delivery-mean).
_QUEUE_ID = re.compile(
    r"queued as\s+([\w.@-]+)|\bid=([\w-]+)|<([^<>\s]+)>.*\bqueued\b", re.IGNORECASE
)


def queue_id(text: str) -> str | None:
    """The queue id a 250 after DATA names, or None (Gmail's "OK 1701... - gsmtp" names none)."""
    match = _QUEUE_ID.search(text)
    if match is None:
        return None
    return next(group for group in match.groups() if group)


def _send_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for step in result.steps:
        if step.name not in SEND_STEPS:
            continue
        key = f"smtp.{step.name}"
        if facts.get(key) in (None, Outcome.OK.value):  # keep the worst RCPT
            facts[key] = step.outcome.value
        size = step.get("size")
        if step.name == SmtpStep.DATA and size is not None and size.isdigit():
            facts["smtp.send.size"] = int(size)
        if step.name == SmtpStep.DATA and step.outcome is Outcome.OK and step.reply:
            queue = queue_id(step.reply.text)
            if queue:
                facts["smtp.queue_id"] = queue
        if step.outcome is not Outcome.OK and "smtp.send.text" not in facts and step.reply:
            facts.update(_refusal_facts(step, step.reply))
        # Not Zoho's "Sender is not allowed to relay": that one is about the sender.
        sender_side = "smtp.send.refusal" in facts
        if step.name == SmtpStep.RCPT and not sender_side and _is_relay_refusal(step):
            facts["smtp.rcpt.relay_denied"] = True
    return facts


def _retry_facts(result: ProbeResult) -> dict[str, FactValue]:
    retry = result.step(SmtpStep.RETRY)
    if retry is None:
        return {}
    waited = retry.get("waited_s") or "0"
    return {
        "smtp.retried": retry.get("kind") or "other",
        "smtp.retry.waited": round(float(waited)),
    }


def _size_facts(facts: dict[str, FactValue]) -> dict[str, FactValue]:
    size, limit = facts.get("smtp.send.size"), facts.get("smtp.size_limit")
    if isinstance(size, int) and isinstance(limit, int) and limit > 0:
        return {"smtp.send.over_size_limit": size > limit}
    return {}


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    if result.status is ProbeStatus.NOT_RUN:
        return _login_facts(result)
    facts = {**_login_facts(result), **_send_facts(result), **_temporary_facts(result)}
    facts.update(_retry_facts(result))
    return {**facts, **_size_facts(facts)}


SPEC = ProbeSpec(ProbeId.SMTP, SmtpStep, FACTS, _extract)
