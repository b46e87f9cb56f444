"""Contract tests, one per probe: a ProbeResult in, the facts the rules will see out.

Each probe's declaration (mailcheck.facts.<probe>) promises which facts it yields
and of what type; the generic contract checks that promise over every step and
every outcome, and each probe's own tests pin the readings a user depends on.
"""

from __future__ import annotations

import pytest

from mailcheck.evidence import ErrorInfo, Outcome, ProbeId, ProbeResult, ProbeStatus, Reply, Step
from mailcheck.facts import FACTS, PROBES, extract_facts
from mailcheck.facts.auth import AuthStep
from mailcheck.facts.bounce import BounceStep
from mailcheck.facts.dns import DnsStep
from mailcheck.facts.imap import ImapStep
from mailcheck.facts.mxtls import MxTlsStep
from mailcheck.facts.rcpt import RcptStep
from mailcheck.facts.smtp import SmtpStep

#: Step data a probe may record, with values of the right shape (the probes' vocabulary).
_DATA = (
    ("tls_failure", "cert-expired"),
    ("speaks", "implicit-tls"),
    ("offered", "PLAIN LOGIN"),
    ("found_by", "special-use"),
    ("placement", "junk"),
    ("folder", "Junk"),
    ("result", "deleted"),
    ("why", "--keep"),
    ("removed", "2"),
    ("mode", "signature"),
    ("verdict", "nxdomain"),
    ("suggestion", "gmail.com"),
    ("resolver", "working"),
    ("record_state", "present"),
    ("state", "pass"),
    ("key_bits", "1024"),
    ("policy", "reject"),
    ("passes", "yes"),
    ("listed", "yes"),
    ("kind", "failure"),
    ("action", "failed"),
    ("reason", "mailbox-full"),
    ("size_limit", "1000"),
    ("size", "2048"),
)
_REPLY = Reply(code=550, enhanced="5.1.1", text="5.1.1 <x@example.vn>: user unknown")


def _result(
    probe: ProbeId, *steps: Step, status: ProbeStatus = ProbeStatus.COMPLETED
) -> ProbeResult:
    return ProbeResult(probe=probe.named("a@example.vn"), status=status, target="t", steps=steps)


def _step(
    name: str, outcome: Outcome = Outcome.OK, reply: Reply | None = None, **data: str
) -> Step:
    return Step(name=name, outcome=outcome, elapsed_ms=1.0, reply=reply, data=tuple(data.items()))


@pytest.mark.parametrize("probe", list(PROBES), ids=str)
@pytest.mark.parametrize("outcome", list(Outcome), ids=str)
def test_every_fact_a_probe_yields_is_declared_with_its_type(
    probe: ProbeId, outcome: Outcome
) -> None:
    spec = PROBES[probe]
    for name in spec.steps:
        step = Step(name=name, outcome=outcome, elapsed_ms=1.0, reply=_REPLY, data=_DATA)
        facts = spec.extract(_result(probe, step))
        for fact, value in facts.items():
            assert fact in FACTS, f"{probe}/{name}: undeclared fact {fact}"
            assert type(value) is FACTS[fact].type, f"{probe}/{name}: {fact}={value!r}"


def test_every_probe_declares_its_own_facts_once() -> None:
    names = [fact.name for spec in PROBES.values() for fact in spec.facts]
    assert len(names) == len(set(names))
    for probe, spec in PROBES.items():
        assert spec.id is probe
        assert all(fact.name in FACTS for fact in spec.facts)


def test_a_step_the_deadline_cut_says_nothing_about_the_server() -> None:
    cut = Step(
        name=SmtpStep.GREETING,
        outcome=Outcome.TIMEOUT,
        elapsed_ms=1.0,
        error=ErrorInfo(exception="DeadlineExceeded", message="the overall deadline ended"),
    )
    facts = extract_facts([_result(ProbeId.SMTP, _step(SmtpStep.CONNECT), cut)])
    assert facts["smtp.connect"] == "ok"
    assert "smtp.greeting" not in facts
    assert "smtp.failed_step" not in facts


# --- SMTP


def test_smtp_refused_login_gives_code_status_words_and_the_failed_step() -> None:
    auth = Reply(code=535, enhanced="5.7.8", text="Authentication credentials invalid")
    facts = PROBES[ProbeId.SMTP].extract(
        _result(
            ProbeId.SMTP,
            _step(SmtpStep.CONNECT),
            _step(SmtpStep.EHLO_TLS),
            _step(SmtpStep.AUTH, Outcome.REJECTED, auth, offered="PLAIN LOGIN"),
        )
    )
    assert facts["smtp.auth"] == "rejected"
    assert (facts["smtp.auth.code"], facts["smtp.auth.enhanced"]) == (535, "5.7.8")
    assert facts["smtp.auth.offered"] == "PLAIN LOGIN"
    assert facts["smtp.ehlo"] == "ok"  # EHLO after STARTTLS counts as EHLO
    assert facts["smtp.failed_step"] == "auth"


def test_smtp_refused_rcpt_is_read_like_a_bounce_and_the_worst_rcpt_wins() -> None:
    facts = PROBES[ProbeId.SMTP].extract(
        _result(
            ProbeId.SMTP,
            _step(SmtpStep.MAIL),
            _step(SmtpStep.RCPT, Outcome.REJECTED, _REPLY),
            _step(SmtpStep.RCPT),
        )
    )
    assert facts["smtp.rcpt"] == "rejected"
    assert facts["smtp.send.code"] == 550
    assert facts["recipient.rejection"] == "recipient-unknown"


@pytest.mark.parametrize(
    ("step", "reply", "refusal"),
    [
        (
            SmtpStep.RCPT,
            Reply(code=550, enhanced="5.4.5", text="Daily user sending limit exceeded."),
            "sending-limit",
        ),
        (
            SmtpStep.MAIL,
            Reply(code=550, enhanced="5.1.8", text="Access denied, bad outbound sender"),
            "account-blocked",
        ),
        (
            SmtpStep.RCPT,
            Reply(code=553, enhanced=None, text="Sender is not allowed to relay emails"),
            "sender-not-allowed",
        ),
        (
            SmtpStep.DATA,
            Reply(code=552, enhanced="5.3.4", text="Message size exceeds fixed limit"),
            "too-large",
        ),
        (
            SmtpStep.MAIL,
            Reply(code=530, enhanced="5.7.0", text="Authentication required"),
            "authentication-required",
        ),
    ],
)
def test_smtp_a_sender_side_refusal_is_never_read_as_the_recipients(
    step: SmtpStep, reply: Reply, refusal: str
) -> None:
    steps = [_step(SmtpStep.MAIL)] if step is not SmtpStep.MAIL else []
    facts = PROBES[ProbeId.SMTP].extract(
        _result(ProbeId.SMTP, *steps, _step(step, Outcome.REJECTED, reply))
    )
    assert facts["smtp.send.refusal"] == refusal
    assert "recipient.rejection" not in facts  # Gmail's daily limit is not a full mailbox
    assert "smtp.rcpt.relay_denied" not in facts


def test_smtp_a_4xx_is_temporary_with_the_delay_the_server_asks_for() -> None:
    reply = Reply(
        code=451, enhanced="4.7.1", text="Greylisting in action, please try again in 5 minutes"
    )
    facts = PROBES[ProbeId.SMTP].extract(
        _result(ProbeId.SMTP, _step(SmtpStep.MAIL), _step(SmtpStep.RCPT, Outcome.REJECTED, reply))
    )
    assert (facts["smtp.temporary"], facts["smtp.retry_after"]) == ("greylisted", 300)
    assert "recipient.rejection" not in facts
    assert "smtp.send.refusal" not in facts


def test_smtp_the_message_is_compared_with_the_ehlo_size() -> None:
    facts = PROBES[ProbeId.SMTP].extract(
        _result(
            ProbeId.SMTP,
            _step(SmtpStep.EHLO, size_limit="1000"),
            _step(
                SmtpStep.DATA,
                Outcome.REJECTED,
                Reply(code=554, enhanced="5.6.0", text="failed"),
                size="2048",
            ),
        )
    )
    assert (facts["smtp.size_limit"], facts["smtp.send.size"]) == (1000, 2048)
    assert facts["smtp.send.over_size_limit"] is True


def test_smtp_not_run_yields_only_that_it_did_not_run() -> None:
    result = _result(ProbeId.SMTP, _step(SmtpStep.CONNECT), status=ProbeStatus.NOT_RUN)
    assert PROBES[ProbeId.SMTP].extract(result) == {"smtp.probe": "not-run"}


# --- IMAP


def test_imap_a_found_message_whose_step_failed_is_lost_not_found() -> None:
    facts = PROBES[ProbeId.IMAP].extract(
        _result(ProbeId.IMAP, _step(ImapStep.PLACEMENT, Outcome.ERROR, placement="inbox"))
    )
    assert facts["roundtrip.placement"] == "lost"


@pytest.mark.parametrize(
    ("outcome", "data", "expected"),
    [
        (Outcome.OK, {"result": "deleted"}, "deleted"),
        (Outcome.WITHHELD, {"result": "kept", "why": "--keep"}, "keep-asked"),
        (Outcome.WITHHELD, {"result": "kept"}, "kept"),
        (Outcome.REJECTED, {"result": "refused"}, "refused"),
        (Outcome.TIMEOUT, {"result": "deleted"}, "unknown"),
    ],
)
def test_imap_cleanup_counts_only_what_it_did(
    outcome: Outcome, data: dict[str, str], expected: str
) -> None:
    step = Step(
        name=f"junk:{ImapStep.CLEANUP}", outcome=outcome, elapsed_ms=1.0, data=tuple(data.items())
    )
    facts = PROBES[ProbeId.IMAP].extract(_result(ProbeId.IMAP, step))
    assert facts["roundtrip.cleanup"] == expected


def test_imap_first_failed_connection_step_is_named() -> None:
    facts = PROBES[ProbeId.IMAP].extract(
        _result(
            ProbeId.IMAP,
            _step(ImapStep.CONNECT),
            _step(ImapStep.LOGIN, Outcome.REJECTED),
            _step(f"{ImapStep.SELECT} INBOX", Outcome.SKIPPED),
        )
    )
    assert facts["imap.failed_step"] == "login"
    assert facts["imap.login"] == "rejected"


def test_probe_mailboxes_report_the_worst_placement() -> None:
    boxes = [
        ProbeResult(
            probe=ProbeId.PROBE_MAILBOX.named(who),
            status=ProbeStatus.COMPLETED,
            target=who,
            steps=(_step(ImapStep.PLACEMENT, placement=where),),
        )
        for who, where in (("a@x.vn", "inbox"), ("b@y.vn", "junk"), ("c@z.vn", "other"))
    ]
    assert extract_facts(boxes) == {"probes.placement": "junk"}


# --- DNS, sender records, RCPT, bounce


def test_dns_verdict_from_an_unfinished_step_is_unknown() -> None:
    step = _step(DnsStep.RECIPIENT, Outcome.TIMEOUT, verdict="nxdomain")
    assert PROBES[ProbeId.DNS].extract(_result(ProbeId.DNS, step)) == {
        "recipient.verdict": "unknown"
    }


def test_auth_unfinished_check_gives_no_verdict_but_a_listing_does() -> None:
    facts = PROBES[ProbeId.AUTH].extract(
        _result(
            ProbeId.AUTH,
            _step(AuthStep.SPF, Outcome.TIMEOUT, result="fail"),
            _step(AuthStep.DMARC, record_state="present", policy="reject", passes="no"),
            _step(AuthStep.DKIM, state="ok", key_bits="1024"),
            _step(AuthStep.DNSBL, listed="yes"),
        )
    )
    assert "sender.spf" not in facts
    assert facts["sender.dmarc"] == "fail"
    assert facts["sender.dmarc_policy"] == "reject"
    assert facts["sender.dkim_key"] == "ok"
    assert facts["sender.dkim_weak"] is True
    assert facts["sender.blocklisted"] is True


def test_auth_a_clean_blocklist_check_says_not_listed() -> None:
    facts = PROBES[ProbeId.AUTH].extract(_result(ProbeId.AUTH, _step(AuthStep.DNSBL, listed="no")))
    assert facts == {"sender.blocklisted": False}


def test_rcpt_acceptance_that_did_not_end_ok_is_no_acceptance() -> None:
    step = _step(RcptStep.RCPT_PROBE, Outcome.TIMEOUT, result="accepted")
    facts = PROBES[ProbeId.RCPT].extract(_result(ProbeId.RCPT, step))
    assert facts == {"rcpt_probe.result": "could-not-check"}


def test_rcpt_refusal_gives_the_reason() -> None:
    step = _step(RcptStep.RCPT_PROBE, Outcome.REJECTED, _REPLY, result="rejected")
    facts = PROBES[ProbeId.RCPT].extract(_result(ProbeId.RCPT, step))
    assert facts["recipient.rejection"] == "recipient-unknown"


def test_bounce_failed_recipient_gives_its_reason_and_the_kind() -> None:
    facts = PROBES[ProbeId.BOUNCE].extract(
        _result(
            ProbeId.BOUNCE,
            _step(BounceStep.BOUNCE, kind="failure"),
            _step(BounceStep.BOUNCED_RECIPIENT, action="delayed", reason="expired"),
            _step(BounceStep.BOUNCED_RECIPIENT, action="failed", reason="mailbox-full"),
        )
    )
    assert facts == {"bounce.kind": "failure", "recipient.rejection": "mailbox-full"}


# --- The recipient's TLS (MX STARTTLS, MTA-STS, TLS-RPT)


def test_mxtls_policy_mode_and_mx_match_only_from_a_policy_that_was_read() -> None:
    facts = PROBES[ProbeId.MXTLS].extract(
        _result(
            ProbeId.MXTLS,
            _step(MxTlsStep.MTA_STS, state="ok", mode="enforce", mx_match="none"),
            _step(MxTlsStep.TLS_RPT, state="present", rua="mailto:tls@example.vn"),
            _step(MxTlsStep.MX_TLS, result="cert-hostname", host="mx.example.vn"),
        )
    )
    assert facts == {
        "mta_sts.state": "ok",
        "mta_sts.mode": "enforce",
        "mta_sts.mx_match": "none",
        "tls_rpt.state": "present",
        "mx_tls.result": "cert-hostname",
    }


def test_mxtls_a_verdict_that_did_not_end_ok_decided_nothing() -> None:
    facts = PROBES[ProbeId.MXTLS].extract(
        _result(
            ProbeId.MXTLS,
            _step(MxTlsStep.MTA_STS, Outcome.ERROR, state="unknown"),
            _step(MxTlsStep.MX_TLS, Outcome.TIMEOUT, result="ok"),
            _step(MxTlsStep.TLS_RPT, Outcome.TIMEOUT, state="present"),
        )
    )
    # A blocked port 25 or a silent DNS is "could not check", never a verdict on the customer.
    assert facts == {
        "mta_sts.state": "unknown",
        "mx_tls.result": "could-not-check",
        "tls_rpt.state": "unknown",
    }


def test_every_probe_fact_names_its_own_probe_as_evidence() -> None:
    # A finding belongs to the probe its deciding fact quotes (check outputs, JUnit cases).
    for probe, spec in PROBES.items():
        for fact in spec.facts:
            assert fact.evidence is not None, fact.name
            assert fact.evidence.probe is probe, fact.name
            for step in fact.evidence.steps:
                assert step.partition(" ")[0] in set(spec.steps), (fact.name, step)
