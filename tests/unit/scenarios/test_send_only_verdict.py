"""A send-only run's verdict: what needs IMAP is one part not checked, never a failure."""

from __future__ import annotations

from mailcheck.diagnosis import diagnose
from mailcheck.evidence import ProbeResult, ProbeStatus
from mailcheck.rules import Severity
from mailcheck.verdict import NO_IMAP, unchecked_parts

SMTP = ProbeResult(probe="smtp", status=ProbeStatus.COMPLETED, target="smtp.example.vn:587")
NO_MAILBOX = ProbeResult(
    probe="imap", status=ProbeStatus.NOT_RUN, target="(no IMAP account)", skip_reason=NO_IMAP
)


def test_the_mailbox_parts_collapse_into_one_imap_part() -> None:
    facts = {"smtp.auth": "ok"}
    assert unchecked_parts("roundtrip", [SMTP, NO_MAILBOX], facts, []) == ["imap"]


def test_a_message_sent_to_the_customer_is_still_checked_as_sent() -> None:
    sent = {"smtp.auth": "ok", "smtp.mail": "ok", "smtp.rcpt": "ok", "smtp.data": "ok"}
    assert unchecked_parts("roundtrip", [SMTP, NO_MAILBOX], sent, []) == ["imap"]
    lost = {"smtp.auth": "ok", "smtp.mail": "ok", "smtp.rcpt": "ok", "smtp.data": "closed"}
    assert unchecked_parts("roundtrip", [SMTP, NO_MAILBOX], lost, []) == ["imap", "send"]


def test_an_imap_probe_withheld_for_another_reason_is_not_send_only() -> None:
    other = ProbeResult(probe="imap", status=ProbeStatus.NOT_RUN, target="x", skip_reason="x")
    parts = unchecked_parts("roundtrip", [SMTP, other], {"smtp.auth": "ok"}, [])
    assert "imap" not in parts
    assert "mailbox" in parts


def test_a_good_login_without_imap_is_unknown_not_ok_nor_critical() -> None:
    from mailcheck.evidence import Outcome, Step

    login = ProbeResult(
        probe="smtp",
        status=ProbeStatus.COMPLETED,
        target="smtp.example.vn:587",
        steps=(Step(name="auth", outcome=Outcome.OK, elapsed_ms=1.0),),
    )
    result = diagnose("roundtrip", {}, [login, NO_MAILBOX], 0.0)
    assert result.severity is Severity.UNKNOWN
    assert result.facts["unchecked.imap"] is True
    assert [f.cause.id for f in result.findings if f.cause.severity is not Severity.OK] == [
        "not-checked-imap"
    ]
