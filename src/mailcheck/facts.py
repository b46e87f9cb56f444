"""Facts: a flat, documented view of the evidence, the rules' only input.

Every fact is declared once in :data:`FACTS` with its type and one sentence.
Anything that needs computing (which TLS step failed, which step failed
first) is computed here, in Python, so that the rules stay plain comparisons
that IT staff can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mailcheck.evidence import Outcome, ProbeResult, ProbeStatus, Step

__all__ = ["FACTS", "FactSpec", "FactValue", "Facts", "extract_facts", "roundtrip_timings"]

FactValue = str | int | bool
Facts = Mapping[str, FactValue]


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact: its name, value type and meaning."""

    name: str
    type: type
    doc: str
    evidence: str = ""
    """``probe/step`` whose reply a report quotes for this fact, when not ``area.step...``."""


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
    # --- Sending the test invoice (probes/smtp.py, after the login)
    FactSpec("smtp.mail", str, "MAIL FROM: ok, rejected, timeout, closed, ..."),
    FactSpec("smtp.rcpt", str, "RCPT TO (the worst over all recipients): ok, rejected, ..."),
    FactSpec("smtp.data", str, "DATA: ok, rejected, timeout, closed, ..."),
    FactSpec("smtp.send.code", int, "Reply code of the refused MAIL, RCPT or DATA.", "smtp/*send"),
    FactSpec("smtp.send.text", str, "Text of the refused MAIL, RCPT or DATA reply.", "smtp/*send"),
    FactSpec(
        "smtp.rcpt.relay_denied",
        bool,
        "The submission server refused a RCPT as relaying (it will not send there for this login).",
        "smtp/rcpt",
    ),
    # --- The sender's own mailbox (probes/imap.py, probes/roundtrip.py)
    FactSpec("imap.probe", str, "Whether the IMAP probe ran: completed, deadline, crashed."),
    FactSpec("imap.login", str, "IMAP LOGIN: ok, rejected, withheld, not-offered, timeout, ..."),
    FactSpec(
        "imap.failed_step",
        str,
        "The first IMAP connection step that failed: resolve, connect, tls, greeting, ...",
        "imap/*failed",
    ),
    FactSpec(
        "imap.junk_folder",
        str,
        "How the spam folder was found: special-use, name, missing.",
        "imap/junk-folder",
    ),
    # --- Round trip (issue 3): the test invoice in the sender's own mailbox
    FactSpec(
        "roundtrip.placement",
        str,
        "Where the test message landed: inbox, junk, other, not-arrived, not-sent, lost.",
        "imap/placement,headers",
    ),
    FactSpec(
        "roundtrip.folder",
        str,
        "The folder it was found in, as the server names it.",
        "imap/placement",
    ),
    FactSpec(
        "roundtrip.spam_flagged",
        bool,
        "The receiving side's spam filter called it spam.",
        "imap/headers",
    ),
    FactSpec(
        "roundtrip.spf", str, "SPF result in the receiver's Authentication-Results.", "imap/headers"
    ),
    FactSpec(
        "roundtrip.dkim",
        str,
        "DKIM result in the receiver's Authentication-Results.",
        "imap/headers",
    ),
    FactSpec(
        "roundtrip.dmarc",
        str,
        "DMARC result in the receiver's Authentication-Results.",
        "imap/headers",
    ),
    FactSpec(
        "roundtrip.cleanup",
        str,
        "The test message afterwards: deleted, moved, kept (no safe way), refused (the "
        "server said no), unknown, keep-asked (--keep).",
        "imap/cleanup",
    ),
    FactSpec(
        "roundtrip.leftovers_removed",
        int,
        "Test invoices of earlier runs this run found and removed.",
        "imap/leftovers",
    ),
    FactSpec(
        "probes.placement",
        str,
        "The worst placement over the --probe-mailbox mailboxes: junk, not-arrived, other, inbox.",
    ),
    FactSpec(
        "send.via_vendor",
        bool,
        "The company sends through its software vendor's mail service (FAQ case 1).",
        "imap/criteria",
    ),
    # --- The recipient's domain (probes/dns.py, recipient.py)
    FactSpec(
        "recipient.verdict",
        str,
        "The recipient domain: ok, implicit-mx, nxdomain, null-mx, no-mail, mx-unresolvable, "
        "unknown, invalid.",
        "dns/recipient",
    ),
    FactSpec(
        "recipient.suggestion", str, "A common mail domain it may be a typo of.", "dns/recipient"
    ),
    FactSpec(
        "recipient.resolver",
        str,
        "The DNS resolver, checked before a negative answer is believed (it must answer the "
        "root's NS or the top-level domain's SOA): working, not-working.",
        "dns/recipient",
    ),
    # --- The sender's authentication (probes/auth.py)
    FactSpec(
        "sender.spf",
        str,
        "SPF for the sending IP: pass, fail, softfail, neutral, none, permerror, temperror.",
        "auth/spf",
    ),
    FactSpec(
        "sender.dkim",
        str,
        "The message's DKIM signature: pass, fail, missing, unknown.",
        "auth/dkim",
    ),
    FactSpec(
        "sender.dkim_key",
        str,
        "A selector's published key (no message): ok, missing, bad, unknown.",
        "auth/dkim",
    ),
    FactSpec("sender.dkim_weak", bool, "The DKIM key is shorter than 2048 bits.", "auth/dkim"),
    FactSpec(
        "sender.spf_record",
        str,
        "The sender domain's SPF record: present, missing, invalid, unknown.",
        "auth/spf",
    ),
    FactSpec(
        "sender.dmarc_record",
        str,
        "The sender domain's DMARC record: present, missing, invalid, unknown.",
        "auth/dmarc",
    ),
    FactSpec(
        "sender.dmarc_policy",
        str,
        "The DMARC policy that applies: none, quarantine, reject.",
        "auth/dmarc",
    ),
    FactSpec("sender.dmarc", str, "DMARC for this mail: pass, fail, unknown.", "auth/dmarc"),
    FactSpec(
        "sender.blocklisted", bool, "The sending IP is on a configured DNS blocklist.", "auth/dnsbl"
    ),
    FactSpec(
        "sender.blocklist_inconclusive",
        bool,
        "A blocklist answered 'refused' or did not answer.",
        "auth/dnsbl",
    ),
    # --- Recipient side (issue 5): rejections and bounces (probes/bounce.py, bounce.py)
    FactSpec(
        "recipient.rejection",
        str,
        "Why the recipient's side refused the mail: recipient-unknown, mailbox-full, "
        "mailbox-disabled, policy, reputation, spam, auth-failure, too-large, rate-limited, "
        "domain-unknown, tls, relaying-denied, expired, content, other.",
        "bounce/bounced-recipient",
    ),
    FactSpec(
        "rcpt_probe.result",
        str,
        "--probe-rcpt: accepted, rejected, could-not-connect, could-not-check, no-mx.",
        "rcpt/rcpt-probe",
    ),
    FactSpec(
        "bounce.kind",
        str,
        "What came back: failure, delay, auto-reply, feedback, not-a-bounce, none.",
        "bounce/bounce",
    ),
)


# --- The run itself (verdict.py): what could not be checked, and why the run ended early.
_UNCHECKED = {
    "login": ("the SMTP login", "smtp/auth,login,greeting,connect"),
    "mailbox": (
        "opening the mailbox to watch for the test invoice",
        "imap/login,list,select INBOX",
    ),
    "send": ("sending the test invoice", "smtp/mail,rcpt,data"),
    "delivery": ("where the test invoice landed", "imap/placement,login,select INBOX,list"),
    "headers": ("the receiving side's verdict in the message's headers", "imap/fetch-headers"),
    "cleanup": ("removing the test invoice", "imap/cleanup,placement"),
    "probe_mailboxes": ("delivery to the --probe-mailbox mailboxes", ""),
    "recipient_domain": ("the recipient's domain", "dns/recipient"),
    "sender_auth": ("the sender's SPF and DMARC records", "auth/spf,dmarc"),
    "rcpt": ("the customer's server (RCPT check)", "rcpt/rcpt-probe"),
    "bounce": ("bounces about the test sent to the customer", "bounce/bounce"),
}
RUN_FACTS: Mapping[str, FactSpec] = _catalogue(
    *(
        FactSpec(f"unchecked.{part}", bool, f"Could not check {what}.", evidence)
        for part, (what, evidence) in _UNCHECKED.items()
    ),
    FactSpec("run.deadline", str, "Probes the overall deadline ended, e.g. 'imap, auth'."),
    FactSpec("run.crashed", str, "Probes that ended with a bug of mailcheck."),
    FactSpec(
        "run.interrupted",
        str,
        "Probes a signal (SIGINT, SIGTERM, SIGHUP) stopped.",
        "imap/cleanup",  # what became of the test message is the evidence that matters then
    ),
    FactSpec("run.signal", str, "The signal that stopped the run, e.g. SIGTERM."),
)
FACTS = {**FACTS, **RUN_FACTS}


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
        if step.name == "greeting" and step.reply is not None and step.reply.code is not None:
            facts["smtp.greeting.code"] = step.reply.code
        if step.name == "auth":
            if step.reply is not None and step.reply.code is not None:
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


_SEND_STEPS = ("mail", "rcpt", "data")
_CONNECT_STEPS = ("resolve", "connect", "tls", "greeting", "starttls", "login")
_PLACEMENT_RANK = {"inbox": 0, "other": 1, "junk": 2, "not-arrived": 3}


def _is_relay_refusal(step: Step) -> bool:
    """A refused RCPT whose words say relaying (Postfix, Exim, Sendmail, qmail, Microsoft)."""
    if step.outcome is not Outcome.REJECTED or step.reply is None:
        return False
    from mailcheck.bounce.reasons import Reason, classify

    return classify(step.reply.enhanced, step.reply.text) is Reason.RELAYING_DENIED


def _send_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for step in result.steps:
        if step.name not in _SEND_STEPS:
            continue
        key = f"smtp.{step.name}"
        if facts.get(key) in (None, Outcome.OK.value):  # keep the worst RCPT
            facts[key] = step.outcome.value
        if step.name == "rcpt" and _is_relay_refusal(step):
            facts["smtp.rcpt.relay_denied"] = True
        if step.outcome is not Outcome.OK and "smtp.send.text" not in facts and step.reply:
            if step.reply.code is not None:
                facts["smtp.send.code"] = step.reply.code
            facts["smtp.send.text"] = step.reply.text
            if step.name in ("rcpt", "data") and step.outcome is Outcome.REJECTED:
                # A refusal at RCPT or DATA says why, like a bounce does: same reasons.
                from mailcheck.bounce.reasons import classify

                reason = classify(step.reply.enhanced, step.reply.text)
                facts["recipient.rejection"] = reason.value
    return facts


def _placement(result: ProbeResult) -> str | None:
    step = result.step("placement")
    return step.get("placement") if step is not None else None


def _imap_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {"imap.probe": result.status.value}
    for step in result.steps:
        if step.name in _CONNECT_STEPS and step.outcome is not Outcome.OK:
            facts.setdefault("imap.failed_step", step.name)
        if step.name == "login":
            facts["imap.login"] = step.outcome.value
        elif step.name == "junk-folder":
            facts["imap.junk_folder"] = step.get("found_by") or "missing"
        elif step.name == "placement":
            placement = step.get("placement") or "not-arrived"
            if placement in ("inbox", "junk", "other") and step.outcome is not Outcome.OK:
                placement = "lost"  # a "found" that did not end OK is no finding
            facts["roundtrip.placement"] = placement
            folder = step.get("folder")
            if folder:
                facts["roundtrip.folder"] = folder
        elif step.name.rpartition(":")[2] == "cleanup" and step.get("result"):
            # "junk:cleanup" when the message was found (and removed) in the spam folder.
            # Only a cleanup that ended OK removed something; one withheld kept it on purpose.
            cleanup = "unknown"
            if step.outcome is Outcome.OK:
                cleanup = step.get("result") or "unknown"
            elif step.outcome is Outcome.WITHHELD and step.get("why") == "--keep":
                cleanup = "keep-asked"
            elif step.outcome is Outcome.WITHHELD and step.get("result") == "kept":
                cleanup = "kept"  # no safe way to remove it (no UIDPLUS, no MOVE, ...)
            elif step.outcome is Outcome.REJECTED and step.get("result") == "refused":
                cleanup = "refused"  # the server said no to STORE, EXPUNGE or MOVE
            facts["roundtrip.cleanup"] = cleanup
        elif step.name == "leftovers" and step.outcome is Outcome.OK:
            removed = step.get("removed") or "0"
            facts["roundtrip.leftovers_removed"] = int(removed) if removed.isdigit() else 0
        elif step.name == "headers" and step.get("header"):
            facts.update(_header_facts(step.get("header") or ""))
        elif step.name == "criteria" and step.get("mode") == "watch":
            facts["send.via_vendor"] = True
    return facts


def _dns_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    recipient = result.step("recipient")
    if recipient is not None and recipient.get("verdict"):
        # A verdict step that did not end OK decided nothing.
        ok = recipient.outcome is Outcome.OK
        facts["recipient.verdict"] = (recipient.get("verdict") or "") if ok else "unknown"
        if recipient.get("suggestion"):
            facts["recipient.suggestion"] = recipient.get("suggestion") or ""
        if recipient.get("resolver"):
            facts["recipient.resolver"] = recipient.get("resolver") or ""
    return facts


def _auth_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    for step in result.steps:
        if step.outcome is not Outcome.OK:
            continue  # a check that did not finish gives no verdict
        if step.name == "spf":
            if step.get("result"):
                facts["sender.spf"] = step.get("result") or ""
            if step.get("record_state"):
                facts["sender.spf_record"] = step.get("record_state") or ""
        elif step.name == "dkim" and step.get("state"):
            key = "sender.dkim" if step.get("mode") == "signature" else "sender.dkim_key"
            facts[key] = step.get("state") or ""
            bits = step.get("key_bits")
            if bits and bits.isdigit() and int(bits) != 256:  # 256: Ed25519, strong
                facts["sender.dkim_weak"] = int(bits) < 2048
        elif step.name == "dmarc":
            facts["sender.dmarc_record"] = step.get("record_state") or "unknown"
            if step.get("policy"):
                facts["sender.dmarc_policy"] = step.get("policy") or ""
            passes = step.get("passes")
            if passes:
                facts["sender.dmarc"] = {"yes": "pass", "no": "fail"}.get(passes, "unknown")
        elif step.name == "dnsbl":
            if step.get("listed") == "yes":
                facts["sender.blocklisted"] = True
            elif step.get("listed") == "unknown":
                facts["sender.blocklist_inconclusive"] = True
    if any(s.name == "dnsbl" for s in result.steps):
        facts.setdefault("sender.blocklisted", False)
    return facts


def _rcpt_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    step = result.step("rcpt-probe")
    if step is not None and step.get("result"):
        answer = step.get("result") or ""
        if answer == "accepted" and step.outcome is not Outcome.OK:
            answer = "could-not-check"  # an acceptance that did not end OK is none
        facts["rcpt_probe.result"] = answer
        if step.get("result") == "rejected" and step.reply is not None:
            from mailcheck.bounce.reasons import classify

            facts["recipient.rejection"] = classify(step.reply.enhanced, step.reply.text).value
    return facts


def _bounce_facts(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    bounce = result.step("bounce")
    if bounce is not None and bounce.get("kind") and bounce.outcome is Outcome.OK:
        facts["bounce.kind"] = bounce.get("kind") or ""
    for step in result.steps:
        if step.name == "bounced-recipient" and step.get("action") == "failed":
            facts["recipient.rejection"] = step.get("reason") or "other"
            break
    return facts


def _header_facts(header: str) -> dict[str, FactValue]:
    from mailcheck.headers import read_headers

    report = read_headers(header.encode("utf-8", "surrogateescape"))
    facts: dict[str, FactValue] = {}
    if report.spam_flagged is not None:
        facts["roundtrip.spam_flagged"] = report.spam_flagged
    for method in ("spf", "dkim", "dmarc"):
        value = report.result(method)
        if value is not None:
            facts[f"roundtrip.{method}"] = value
    return facts


#: ``ErrorInfo.exception`` of a step mailcheck itself cut short (probes/recorder.py).
_CUT = ("DeadlineExceeded", "Interrupted")


def _without_cut_steps(result: ProbeResult) -> ProbeResult:
    """The probe's steps less the one the deadline or a signal cut short.

    Such a step says nothing about the server (a greeting cut off by --deadline
    is not a server that never greets); the run.* facts say the run ended early,
    and the verdict names the part left without a verdict.
    """
    if not any(s.error is not None and s.error.exception in _CUT for s in result.steps):
        return result
    from dataclasses import replace

    kept = tuple(s for s in result.steps if s.error is None or s.error.exception not in _CUT)
    return replace(result, steps=kept)


def extract_facts(results: Iterable[ProbeResult]) -> dict[str, FactValue]:
    """Turn probe results into facts."""
    facts: dict[str, FactValue] = {}
    others: list[str] = []
    for result in results:
        result = _without_cut_steps(result)
        if result.probe == "smtp":
            facts.update(_smtp_facts(result))
            facts.update(_send_facts(result))
        elif result.probe == "imap":
            facts.update(_imap_facts(result))
        elif result.probe == "dns":
            facts.update(_dns_facts(result))
        elif result.probe == "auth":
            facts.update(_auth_facts(result))
        elif result.probe == "bounce":
            facts.update(_bounce_facts(result))
        elif result.probe == "rcpt":
            facts.update(_rcpt_facts(result))
        elif result.probe.startswith("imap:"):
            placement = _placement(result)
            if placement in _PLACEMENT_RANK:
                others.append(placement)
    if others:
        facts["probes.placement"] = max(others, key=lambda p: _PLACEMENT_RANK[p])
    return facts


def roundtrip_timings(results: Iterable[ProbeResult]) -> dict[str, float]:
    """The round trip's time, split: submit, delivery (Received headers), seen after submit.

    ``submit_ms``: MAIL FROM to the 250 after DATA. ``delivery_s``: oldest to newest
    Received header (whole seconds: that is their resolution). ``seen_after_submit_ms``:
    from the 250 to the moment mailcheck saw the message. ``detection_ms``: that,
    less the delivery time, when the headers give one.
    """
    timings: dict[str, float] = {}
    for result in results:
        if result.probe == "smtp":
            sent = [s.elapsed_ms for s in result.steps if s.name in _SEND_STEPS]
            if sent and result.step("data") is not None:
                timings["submit_ms"] = round(sum(sent), 1)
        elif result.probe == "imap":
            placement = result.step("placement")
            seen = placement.get("after_submit_ms") if placement is not None else None
            if seen:
                timings["seen_after_submit_ms"] = float(seen)
            headers = result.step("headers")
            if headers is not None and headers.get("header"):
                from mailcheck.headers import read_headers

                header = (headers.get("header") or "").encode("utf-8", "surrogateescape")
                transit = read_headers(header).transit_seconds
                if transit is not None:
                    timings["delivery_s"] = transit
    if "seen_after_submit_ms" in timings and "delivery_s" in timings:
        detection = timings["seen_after_submit_ms"] - timings["delivery_s"] * 1000
        timings["detection_ms"] = round(max(detection, 0.0), 1)
    return timings
