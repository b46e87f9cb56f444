"""The overall status of a run, decided in one place, failing closed.

A run is OK only from positive evidence: every part it set out to check
(the login, the send, where the test invoice landed, its cleanup, the
recipient's domain, the sender's records, ...) completed and said so. A part
that was withheld, cut short by the deadline or a signal, crashed, or simply
left no verdict is *unchecked*: it becomes an ``unchecked.<part>`` fact, a
rule turns that into a named UNKNOWN cause, and the status cannot be OK.

A part that did not happen *because* an earlier one failed (nothing is sent
after a refused login) is not named again: the earlier part's finding says
why. Neither is a part whose own evidence already produced a non-OK finding
(an IMAP login the server refused is ``imap-login-rejected``, not "unchecked").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from mailcheck.evidence import Outcome, ProbeId, ProbeResult, ProbeStatus
from mailcheck.facts.imap import ImapStep, placement
from mailcheck.facts.spec import FactValue
from mailcheck.rules import Finding, Severity

__all__ = [
    "COMMAND_PROBES",
    "NO_IMAP",
    "PARTS",
    "Part",
    "decide",
    "run_facts",
    "unchecked_parts",
]

#: The ``skip_reason`` of the ``imap`` probe of a send-only run (``--no-imap``, a relay):
#: every part that needs the mailbox becomes the one ``unchecked.imap``, never a failure.
NO_IMAP = "no-imap"

Facts = Mapping[str, FactValue]

_FOUND = ("inbox", "junk", "other")


@dataclass(frozen=True, slots=True)
class Part:
    """One thing a command exists to check, and what counts as having checked it."""

    name: str
    """``unchecked.<name>`` is the fact, ``not-checked-<name>`` the cause (``_`` -> ``-``)."""
    probe: ProbeId
    """The probe whose presence in a run makes this part required."""
    confirmed: Callable[[Facts, Sequence[ProbeResult]], bool]
    """Positive evidence that the part completed (with any verdict, good or bad)."""
    explained_by: tuple[str, ...]
    """Facts (or prefixes ending in ``.``) whose non-OK finding already explains a gap here."""
    passed: Callable[[Facts, Sequence[ProbeResult]], bool] | None = None
    """The good verdict that lets the next part happen (default: confirmed is enough)."""
    after: tuple[str, ...] = ()
    """The parts this one needs first: unless they passed, this one is not named
    (a refused login, not "nothing was sent", is the finding)."""
    unless_command: tuple[str, ...] = ()
    """Commands that do not ask for this part (``watch`` deletes nothing)."""
    commands: tuple[str, ...] = ()
    """Commands that ask for this part whatever their probes (``send`` sends, watching nothing)."""


def _fact_in(
    name: str, values: Iterable[FactValue]
) -> Callable[[Facts, Sequence[ProbeResult]], bool]:
    allowed = tuple(values)
    return lambda facts, _: facts.get(name) in allowed


def _probe_mailboxes(facts: Facts, results: Sequence[ProbeResult]) -> bool:
    for result in results:
        if result.kind is ProbeId.PROBE_MAILBOX and placement(result) not in _FOUND:
            return False
    return True


def _mailbox_open(facts: Facts, results: Sequence[ProbeResult]) -> bool:
    """The sender's mailbox was logged in to and its INBOX selected: it can be watched."""
    imap = next((r for r in results if r.kind is ProbeId.IMAP), None)
    if imap is None or facts.get("imap.login") != "ok":
        return False
    return any(_selected(s.name) and s.outcome is Outcome.OK for s in imap.steps)


def _selected(step: str) -> bool:
    return step.partition(" ")[0] == ImapStep.SELECT  # "select INBOX"


def _delivery_decided(facts: Facts, _: Sequence[ProbeResult]) -> bool:
    """Found in a known folder, or surely not there after the whole wait."""
    placement = facts.get("roundtrip.placement")
    if placement == "not-arrived":
        return True
    return placement in _FOUND and "roundtrip.folder" in facts


def _sender_records(facts: Facts, _: Sequence[ProbeResult]) -> bool:
    decided = ("present", "missing", "invalid")
    spf_ok = facts.get("sender.spf_record") in decided or facts.get("sender.spf") not in (
        None,
        "temperror",
    )
    return spf_ok and facts.get("sender.dmarc_record") in decided


def _recipient_tls(facts: Facts, results: Sequence[ProbeResult]) -> bool:
    """MTA-STS and TLS-RPT looked up to an answer, and the MX's TLS too when it was asked."""
    decided = facts.get("mta_sts.state") not in (None, "unknown") and facts.get(
        "tls_rpt.state"
    ) not in (None, "unknown")
    asked_mx = any(s.name == "mx-tls" for r in results if r.kind is ProbeId.MXTLS for s in r.steps)
    return decided and (not asked_mx or "mx_tls.result" in facts)


# Not smtp.probe: a deadline or a crash explains why the run ended, not what it left unchecked.
_SMTP_SESSION = (
    "smtp.resolve",
    "smtp.connect",
    "smtp.tls",
    "smtp.greeting",
    "smtp.ehlo",
    "smtp.starttls",
    "smtp.tls_failure",
    "smtp.sniff",
    "smtp.auth",
    "smtp.failed_step",
)

#: Every part, in the order a round trip meets them.
PARTS: tuple[Part, ...] = (
    Part(
        "login",
        ProbeId.SMTP,
        _fact_in("smtp.auth", ["ok", "rejected"]),
        _SMTP_SESSION,
        passed=_fact_in("smtp.auth", ["ok"]),
    ),
    Part(
        "mailbox",
        ProbeId.IMAP,
        _mailbox_open,
        ("imap.",),
        passed=_mailbox_open,
        # With the same password, IMAP does not log in after SMTP refused it (one failure
        # per run): the refused login is the finding.
        after=("login",),
    ),
    Part(
        "send",
        ProbeId.IMAP,  # only a run that watches a mailbox sends anything
        _fact_in("smtp.data", ["ok"]),
        ("smtp.mail", "smtp.rcpt", "smtp.data", "smtp.send.", "recipient.rejection"),
        after=("login", "mailbox"),
        unless_command=("watch",),
        commands=("send",),
    ),
    Part(
        "delivery",
        ProbeId.IMAP,
        _delivery_decided,
        ("roundtrip.placement", "imap.", "send.via_vendor"),
        passed=_fact_in("roundtrip.placement", _FOUND),
        after=("mailbox", "send"),
    ),
    Part(
        "cleanup",
        ProbeId.IMAP,
        _fact_in("roundtrip.cleanup", ["deleted", "moved", "keep-asked"]),
        ("roundtrip.cleanup",),
        after=("delivery",),
        unless_command=("watch",),
    ),
    Part(
        "headers",
        ProbeId.IMAP,
        lambda _, results: any(
            s.name == ImapStep.HEADERS and s.outcome is Outcome.OK
            for r in results
            if r.kind is ProbeId.IMAP
            for s in r.steps
        ),
        ("roundtrip.spam_flagged", "roundtrip.spf", "roundtrip.dkim", "roundtrip.dmarc"),
        after=("delivery",),
    ),
    Part(
        "probe_mailboxes",
        ProbeId.PROBE_MAILBOX,
        _probe_mailboxes,
        ("probes.placement",),
        after=("send",),
    ),
    Part(
        "recipient_domain",
        ProbeId.DNS,
        lambda facts, _: facts.get("recipient.verdict") not in (None, "unknown"),
        ("recipient.",),
    ),
    Part("sender_auth", ProbeId.AUTH, _sender_records, ("sender.",)),
    Part(
        "recipient_tls",
        ProbeId.MXTLS,
        _recipient_tls,
        ("mta_sts.", "mx_tls.", "tls_rpt."),
        # A resolver that fails every lookup is the finding (resolver-not-working,
        # recipient-dns-unknown), not each lookup it failed.
        after=("recipient_domain",),
    ),
    Part(
        "rcpt",
        ProbeId.RCPT,
        _fact_in("rcpt_probe.result", ["accepted", "rejected", "no-mx"]),
        ("rcpt_probe.result",),
    ),
    Part(
        "bounce",
        ProbeId.BOUNCE,
        lambda facts, _: "bounce.kind" in facts,
        ("bounce.", "recipient."),
        after=("send",),  # nothing sent (every RCPT refused, say): no bounce to wait for
    ),
)


#: The probes each command always runs: one missing from a run is a part unchecked, not
#: a part not asked for. (``check`` and the optional probes go by what the run holds.)
COMMAND_PROBES: Mapping[str, tuple[ProbeId, ...]] = {
    "smtp": (ProbeId.SMTP,),
    "send": (ProbeId.SMTP,),
    "roundtrip": (ProbeId.SMTP, ProbeId.IMAP),
    "diagnose": (ProbeId.SMTP, ProbeId.IMAP, ProbeId.DNS, ProbeId.AUTH, ProbeId.MXTLS),
    "watch": (ProbeId.IMAP,),
    "bounce": (ProbeId.BOUNCE,),
    "dns": (ProbeId.DNS,),
    "check-customer": (ProbeId.DNS,),
}


def _has_probe(results: Sequence[ProbeResult], probe: ProbeId) -> bool:
    return any(r.kind is probe for r in results)


def _ran(results: Sequence[ProbeResult], probe: ProbeId) -> bool:
    return all(r.status is not ProbeStatus.NOT_RUN for r in results if r.kind is probe)


def _without_imap(results: Sequence[ProbeResult]) -> bool:
    """A send-only run: its ``imap`` probe was withheld because there is no mailbox."""
    return any(
        r.kind is ProbeId.IMAP and r.status is ProbeStatus.NOT_RUN and r.skip_reason == NO_IMAP
        for r in results
    )


def _sent_anyway(part: Part, facts: Facts) -> bool:
    """A send-only run still sends when a message went to the customer (MAIL FROM tried)."""
    return part.name == "send" and "smtp.mail" in facts


def _explains(finding: Finding, prefixes: tuple[str, ...]) -> bool:
    if finding.cause.severity is Severity.OK:
        return False
    return any(
        fact == p or (p.endswith(".") and fact.startswith(p))
        for fact, _ in finding.because
        for p in prefixes
    )


def unchecked_parts(
    command: str, results: Sequence[ProbeResult], facts: Facts, findings: Sequence[Finding]
) -> list[str]:
    """The parts this run set out to check and has no verdict on, nor a finding that says why."""
    missing: list[str] = []
    blocked: set[str] = set()
    send_only = _without_imap(results)
    for part in PARTS:
        if send_only and part.probe is ProbeId.IMAP and not _sent_anyway(part, facts):
            if "imap" not in missing:
                missing.append("imap")
            continue
        required = part.probe in COMMAND_PROBES.get(command, ()) or command in part.commands
        if command in part.unless_command or not (required or _has_probe(results, part.probe)):
            continue
        if blocked.intersection(part.after):
            blocked.add(part.name)  # the earlier part's finding says why this one did not happen
            continue
        # Steps are evidence even from a probe the deadline or a crash ended (the
        # step in flight is recorded as timed out); the run.* causes say it ended early.
        # A probe marked not-run proves nothing, whatever it holds.
        owner = ProbeId.SMTP if part.name in ("login", "send") else part.probe
        if _ran(results, owner) and part.confirmed(facts, results):
            if part.passed is not None and not part.passed(facts, results):
                blocked.add(part.name)
            continue
        blocked.add(part.name)
        if any(_explains(f, part.explained_by) for f in findings):
            continue
        missing.append(part.name)
    return missing


def run_facts(results: Sequence[ProbeResult]) -> dict[str, FactValue]:
    """Facts about the run itself: probes the deadline, a crash or a signal ended."""
    facts: dict[str, FactValue] = {}
    for status, key in (
        (ProbeStatus.DEADLINE, "run.deadline"),
        (ProbeStatus.CRASHED, "run.crashed"),
        (ProbeStatus.INTERRUPTED, "run.interrupted"),
    ):
        names = [r.probe for r in results if r.status is status]
        if names:
            facts[key] = ", ".join(dict.fromkeys(names))
    signal = next(
        (r.skip_reason for r in results if r.status is ProbeStatus.INTERRUPTED and r.skip_reason),
        None,
    )
    if signal:
        facts["run.signal"] = signal
    return facts


def decide(findings: Sequence[Finding], facts: Facts) -> Severity:
    """The run's status: the worst finding, but never OK without positive evidence.

    UNKNOWN when nothing was concluded, when any part is unchecked, and when a
    signal stopped the run (whatever was seen before it: the run did not finish).
    """
    if "run.interrupted" in facts:
        return Severity.UNKNOWN
    if not findings:
        return Severity.UNKNOWN
    worst = max((f.cause.severity for f in findings), key=lambda s: s.rank)
    if worst is Severity.OK and any(k.startswith(("unchecked.", "run.")) for k in facts):
        return Severity.UNKNOWN
    return worst
