"""Bounce parsing: each fixture gives its expected verdict; hostile input never raises."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck.bounce import Bounce, classify, parse_bounce, read_messages, refers_to
from mailcheck.bounce.parser import MAX_HEADER_BYTES, MAX_INPUT
from mailcheck.bounce.parser import _parse as parse_unguarded

BOUNCES = Path(__file__).resolve().parents[3] / "fixtures" / "bounces"

# file -> (kind, mta_style, reasons in order, recipients in order)
EXPECTED: dict[str, tuple[str, str, tuple[str, ...], tuple[str | None, ...]]] = {
    # No Status field (issue 11): the reason comes from Diagnostic-Code, else from the prose.
    "dsn-no-status-diagnostic-code.eml": (
        "failure",
        "rfc3464",
        ("mailbox-full",),
        ("ketoan@customer.test",),
    ),
    "dsn-no-status-prose-only.eml": (
        "failure",
        "exchange",
        ("recipient-unknown",),
        ("thukho@customer.test",),
    ),
    "dsn-no-status-relay-diagnostic.eml": (
        "failure",
        "postfix",
        ("relaying-denied",),
        ("banhang@customer.test",),
    ),
    "postfix-user-unknown.eml": (
        "failure",
        "postfix",
        ("recipient-unknown",),
        ("ketoan@customer.test",),
    ),
    "postfix-delayed.eml": ("delay", "postfix", ("network",), ("thuky@slow.customer.test",)),
    "rfc3464-headers-only.eml": (
        "failure",
        "rfc3464",
        ("mailbox-full",),
        ("giamdoc@customer.test",),
    ),
    "exim-spamhaus.eml": ("failure", "exim", ("reputation",), ("orders@customer.test",)),
    "exim-text-too-large.eml": ("failure", "exim", ("too-large",), ("luutru@customer.test",)),
    "sendmail-user-unknown.eml": (
        "failure",
        "sendmail",
        ("recipient-unknown",),
        ("nhansu@customer.test",),
    ),
    "qmail-two-recipients.eml": (
        "failure",
        "qmail",
        ("mailbox-full", "recipient-unknown"),
        ("kho@customer.test", "khongco@customer.test"),
    ),
    "yahoo-no-account.eml": (
        "failure",
        "yahoo",
        ("recipient-unknown",),
        ("khachhang.khongtontai@yahoo.com",),
    ),
    "exchange-m365-dmarc.eml": (
        "failure",
        "exchange",
        ("auth-failure",),
        ("ketoan@customer.test",),
    ),
    "exchange-de-recipient-not-found.eml": (
        "failure",
        "exchange",
        ("recipient-unknown",),
        ("rechnung@kunde.customer.test",),
    ),
    "exchange-legacy-text.eml": (
        "failure",
        "exchange",
        ("recipient-unknown",),
        ("ketoan.cu@customer.test",),
    ),
    "gmail-spam-blocked.eml": ("failure", "gmail", ("spam",), ("muahang@customer.test",)),
    "courier-relay-denied.eml": (
        "failure",
        "courier",
        ("relaying-denied",),
        ("xuatkho@customer.test",),
    ),
    "domino-not-listed.eml": (
        "failure",
        "domino",
        ("recipient-unknown",),
        ("tuan.nguyen@customer.test",),
    ),
    "vi-utf8-recipient-unknown.eml": (
        "failure",
        "unknown",
        ("recipient-unknown",),
        ("taichinh@khachhang-vn.test",),
    ),
    "vi-cp1258-mailbox-full.eml": (
        "failure",
        "unknown",
        ("mailbox-full",),
        ("ketoantruong@khachhang-vn.test",),
    ),
    # Providers and gateways (self-written, after the shape of each one's reports).
    "amazon-ses-suppressed.eml": (
        "failure",
        "rfc3464",
        ("recipient-unknown",),
        ("thanhtoan@customer.test",),
    ),
    "sendgrid-inline-fields.eml": (
        "failure",
        "unknown",
        ("reputation",),
        ("ketoan@customer.test",),
    ),
    "mailgun-expired.eml": ("failure", "rfc3464", ("expired",), ("muahang@slow.customer.test",)),
    # Expired, with the last error told: that error's reason (issue 14).
    "m365-expired-connection-refused.eml": (
        "failure",
        "exchange",
        ("network",),
        ("nhanhang@slow.customer.test",),
    ),
    "sendmail-expired-deferred.eml": (
        "failure",
        "sendmail",
        ("network",),
        ("thukho@down.customer.test",),
    ),
    # Zoho writes Exim's opening sentence; it is read as Exim-like.
    "zoho-invalid-address.eml": (
        "failure",
        "exim",
        ("recipient-unknown",),
        ("nhanhang@customer.test",),
    ),
    "mimecast-anti-spoofing.eml": (
        "failure",
        "unknown",
        ("auth-failure",),
        ("daily@customer.test",),
    ),
    "proofpoint-spam-content.eml": ("failure", "unknown", ("spam",), ("giamdoc@customer.test",)),
    "icloud-local-policy.eml": ("failure", "postfix", ("policy",), ("chutiem@customer.test",)),
    "mdaemon-quota-transcript.eml": (
        "failure",
        "unknown",
        ("mailbox-full",),
        ("kho@customer.test",),
    ),
    "orange-fr-non-remis.eml": (
        "failure",
        "unknown",
        ("mailbox-full",),
        ("comptabilite@client-fr.test",),
    ),
    # Old free-text forms, read by general rules.
    "dsn-without-recipient-fields.eml": (
        "failure",
        "rfc3464",
        ("expired", "expired"),
        ("nhapkhau@customer.test", "xuatkhau@customer.test"),
    ),
    "interscan-transcript.eml": (
        "failure",
        "unknown",
        ("recipient-unknown",),
        ("nguoinhan@customer.test",),
    ),
    "pmdf-x400-original-recipient.eml": (
        "failure",
        "rfc3464",
        ("mailbox-full", "recipient-unknown"),
        ("daily.hn@customer.test", "kho.hcm@customer.test"),
    ),
    "dovecot-sieve-reject.eml": ("failure", "unknown", ("mailbox-full",), ("lehan@customer.test",)),
    "forwarded-dsn.eml": (
        "failure",
        "rfc3464",
        ("recipient-unknown",),
        ("truongphong@customer.test",),
    ),
    "aol-bare-screenname.eml": ("failure", "unknown", ("policy",), ("khachsi88@aol.example.com",)),
    "yahoo-quoted-to.eml": ("failure", "unknown", ("other",), ("khachle@yahoo.example.com",)),
    "exchange55-x400-smtp.eml": (
        "failure",
        "unknown",
        ("recipient-unknown",),
        ("thuquy@customer.test",),
    ),
    "advisory-postponed.eml": (
        "delay",
        "unknown",
        ("mailbox-full",),
        ("phongkinhdoanh@customer.test",),
    ),
    # Formats added for issue 14 (details in test_formats_issue14.py).
    "ses-json-mail-user-unknown.eml": (
        "failure",
        "ses",
        ("recipient-unknown", "mailbox-full"),
        ("ketoan.cu@customer.test", "khohang@customer.test"),
    ),
    "ses-sns-mailbox-full.eml": ("failure", "ses", ("mailbox-full",), ("thuquy@customer.test",)),
    "ses-json-complaint.eml": ("feedback", "ses", (), ()),
    "james-notify-no-such-user.eml": (
        "failure",
        "james",
        ("recipient-unknown", "recipient-unknown"),
        ("thukho@partner.test", "phokho@partner.test"),
    ),
    "james-bouncer-unknown-host.eml": (
        "failure",
        "james",
        ("domain-unknown",),
        ("daily@no-such-domain.partner.test",),
    ),
    "exim-generated-from.eml": (
        "failure",
        "exim",
        ("mailbox-disabled",),
        ("ketoan@customer.test",),
    ),
    "sendmail-v5-several-recipients.eml": (
        "failure",
        "sendmail",
        ("recipient-unknown", "mailbox-full", "recipient-unknown"),
        ("banhang@oldcustomer.test", "muahang@oldcustomer.test", "giamdoc@oldcustomer.test"),
    ),
    "kddi-au-mailbox-full.eml": (
        "failure",
        "kddi",
        ("mailbox-full",),
        ("tanaka.keiri@au-customer.test",),
    ),
    "kddi-ezweb-account-disabled.eml": (
        "failure",
        "kddi",
        ("recipient-unknown",),
        ("suzuki-k@ezweb.ne.jp",),
    ),
    "mfilter-unknown-user.eml": (
        "failure",
        "mfilter",
        ("recipient-unknown",),
        ("yamada.soumu@mfilter-customer.test",),
    ),
    "dsn-no-status-basic-code.eml": (
        "failure",
        "rfc3464",
        ("recipient-unknown",),
        ("kinhdoanh@customer.test",),
    ),
    "out-of-office.eml": ("auto-reply", "unknown", (), ()),
    "arf-abuse.eml": ("feedback", "unknown", (), ()),
    "plain-message.eml": ("not-a-bounce", "unknown", (), ()),
}


def _parse(name: str) -> Bounce:
    return parse_bounce((BOUNCES / name).read_bytes())


def test_every_fixture_has_an_expectation() -> None:
    on_disk = {p.name for p in BOUNCES.glob("*.eml")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_gives_expected_verdict(name: str) -> None:
    kind, style, reasons, recipients = EXPECTED[name]
    bounce = _parse(name)
    assert bounce.kind == kind
    assert bounce.mta_style == style
    assert tuple(r.reason for r in bounce.recipients) == reasons
    assert tuple(r.recipient for r in bounce.recipients) == recipients


def test_dsn_fields_are_kept_verbatim() -> None:
    bounce = _parse("postfix-user-unknown.eml")
    (rcpt,) = bounce.recipients
    assert (rcpt.action, rcpt.status, rcpt.remote_mta) == ("failed", "5.1.1", "mx1.customer.test")
    assert rcpt.diagnostic == (
        "550 5.1.1 <ketoan@customer.test>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    assert bounce.reporting_mta == "mail.example.test"
    assert bounce.original_message_id == "<mc-5d1e07b3a9@mailcheck.invalid>"
    assert ("X-Mailcheck-Token", "mc-5d1e07b3a9") in bounce.original_headers


def test_delay_notice_is_not_a_failure() -> None:
    bounce = _parse("postfix-delayed.eml")
    (rcpt,) = bounce.recipients
    assert (bounce.kind, rcpt.action, rcpt.status) == ("delay", "delayed", "4.4.1")


def test_generic_status_gives_way_to_the_precise_code_in_the_text() -> None:
    # Exim and Courier write "Status: 5.0.0"; the reply itself says 5.7.1.
    (rcpt,) = _parse("exim-spamhaus.eml").recipients
    assert rcpt.status == "5.7.1"
    assert rcpt.reason == "reputation"


def test_headers_only_bounce_returns_the_token() -> None:
    bounce = _parse("rfc3464-headers-only.eml")
    assert ("X-Mailcheck-Token", "mc-91c4e2f0aa") in bounce.original_headers
    assert bounce.original_message_id == "<mc-91c4e2f0aa@mailcheck.invalid>"


def test_text_bounce_quotes_headers_of_the_returned_message() -> None:
    bounce = _parse("sendmail-user-unknown.eml")
    assert bounce.original_message_id == "<inv-0000779@example.test>"
    assert ("X-Mailcheck-Token", "mc-0aa0bb11cc") in bounce.original_headers
    assert bounce.recipients[0].remote_mta == "mail.customer.test"


def test_vietnamese_subjects_and_bodies_are_decoded() -> None:
    utf8 = _parse("vi-utf8-recipient-unknown.eml")
    assert utf8.subject == "Thư không gửi được: Hóa đơn 0000791"
    assert utf8.recipients[0].diagnostic is not None
    assert "không tồn tại" in utf8.recipients[0].diagnostic
    cp1258 = _parse("vi-cp1258-mailbox-full.eml")
    assert cp1258.subject == "Thư bị trả lại: Hóa đơn 0000792"
    assert cp1258.recipients[0].diagnostic is not None
    assert "Hộp thư của người nhận đã đầy" in cp1258.recipients[0].diagnostic


def test_german_exchange_ndr_is_read() -> None:
    bounce = _parse("exchange-de-recipient-not-found.eml")
    assert bounce.reporting_mta == "EXCH01.kunde.customer.test"
    assert bounce.recipients[0].status == "5.1.10"
    assert "Diagnoseinformationen für Administratoren" in bounce.text


def test_auto_reply_points_at_the_message_it_answers() -> None:
    bounce = _parse("out-of-office.eml")
    assert bounce.kind == "auto-reply"
    assert refers_to(bounce, None, "<inv-0000787@example.test>")


@pytest.mark.parametrize(
    ("name", "token", "message_id"),
    [
        ("postfix-user-unknown.eml", "mc-5d1e07b3a9", None),
        ("postfix-user-unknown.eml", None, "<MC-5d1e07b3a9@mailcheck.invalid>"),
        ("rfc3464-headers-only.eml", "mc-91c4e2f0aa", None),
        ("sendmail-user-unknown.eml", "mc-0aa0bb11cc", None),
        ("exchange-de-recipient-not-found.eml", "mc-de0000790", None),
        ("qmail-two-recipients.eml", None, "inv-0000780@example.test"),
    ],
)
def test_refers_to_finds_our_message(name: str, token: str | None, message_id: str | None) -> None:
    assert refers_to(_parse(name), token, message_id)


@pytest.mark.parametrize(
    "name", ["exim-spamhaus.eml", "gmail-spam-blocked.eml", "domino-not-listed.eml"]
)
def test_refers_to_is_false_for_an_unrelated_bounce(name: str) -> None:
    assert not refers_to(_parse(name), "mc-5d1e07b3a9", "<mc-5d1e07b3a9@mailcheck.invalid>")
    assert not refers_to(_parse(name), None, None)
    assert not refers_to(_parse(name), "", "")


def test_token_in_the_returned_body_is_found() -> None:
    bounce = _parse("postfix-user-unknown.eml")
    assert "mailcheck test message mc-5d1e07b3a9" in bounce.text


def test_mbox_is_split_into_its_bounces() -> None:
    messages = read_messages((BOUNCES / "two-bounces.mbox").read_bytes())
    assert len(messages) == 2
    verdicts = [(b.kind, b.mta_style) for b in map(parse_bounce, messages)]
    assert verdicts == [("delay", "postfix"), ("failure", "exim")]
    assert b"\nFrom the accounts team" in messages[1]  # mboxrd quoting undone


def test_single_message_is_not_split() -> None:
    raw = (BOUNCES / "plain-message.eml").read_bytes()
    assert read_messages(raw) == [raw]


@pytest.mark.parametrize(
    ("status", "text", "reason"),
    [
        ("5.1.1", "mailbox full", "recipient-unknown"),  # a specific code decides alone
        ("5.7.1", "Relay access denied", "relaying-denied"),
        ("5.7.1", "blocked using bl.spamcop.net", "reputation"),
        ("5.7.1", "Message rejected due to local policy", "policy"),
        ("5.7.1", None, "policy"),
        ("4.7.1", "Greylisted, please try again later", "rate-limited"),
        (
            "4.2.1",
            "The user you are trying to contact is receiving mail too quickly",
            "rate-limited",
        ),
        ("5.2.1", "The email account that you tried to reach is disabled", "mailbox-disabled"),
        ("5.7.26", "unauthenticated email from example.test is not accepted", "auth-failure"),
        ("5.7.23", None, "auth-failure"),
        ("4.7.5", "TLS handshake failed", "tls"),
        ("5.7.10", None, "tls"),
        ("5.4.4", None, "domain-unknown"),
        ("5.4.4", "Unable to route: no MX for customer.test", "domain-unknown"),
        ("5.4.4", "<ketoan@customer.test>... does not relay", "relaying-denied"),  # issue 11
        (None, "relay not permitted", "relaying-denied"),  # Exim
        ("5.7.54", "SMTP; Unable to relay recipient in non-accepted domain", "relaying-denied"),
        (
            None,
            "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
            "relaying-denied",
        ),
        (None, "Relaying to <a@customer.test> denied", "relaying-denied"),
        ("5.1.1", "does not relay", "recipient-unknown"),  # only 4.4 gives way to relay words
        ("5.1.2", None, "domain-unknown"),
        ("4.4.7", None, "expired"),
        ("5.3.4", None, "too-large"),
        ("5.2.3", None, "too-large"),
        ("5.7.606", "Access denied, banned sending IP [198.51.100.7]", "reputation"),
        (
            None,
            "Host or domain name not found. Name service error for name=x.test",
            "domain-unknown",
        ),
        (None, "552 Message contains a virus (Eicar-Test-Signature)", "content"),
        (None, "554 5.7.1 Your message looks like spam", "spam"),
        (None, "550 Mailbox unavailable, không tồn tại", "recipient-unknown"),
        (None, "Postfach voll", "mailbox-full"),
        (None, "something unexpected", "other"),
        (None, None, "other"),
        ("9.9.9", "", "other"),
    ],
)
def test_classify(status: str | None, text: str | None, reason: str) -> None:
    assert classify(status, text) == reason


# --- hostile input ------------------------------------------------------------------------------

_FIXTURE_BYTES = [p.read_bytes() for p in sorted(BOUNCES.iterdir())]
_BUDGET_S = 1.0


def _bounded(raw: bytes) -> bytes:
    """The bytes ``parse_bounce`` hands to ``_parse``: the same caps, applied the same way."""
    raw = raw[:MAX_INPUT]
    if (
        raw.find(b"\n\n", 0, MAX_HEADER_BYTES) < 0
        and raw.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES) < 0
    ):
        raw = raw[:MAX_HEADER_BYTES]
    return raw


def _parse_in_time(raw: bytes) -> Bounce:
    """Parse within the budget, without the safety net, so that a crash fails the test.

    ``parse_bounce`` turns any exception into "not a bounce" (its contract is to never
    raise), which would hide a crash from a test that only called it. So the inner
    ``_parse`` (imported as ``parse_unguarded``) runs on the same bounded bytes, where an
    exception propagates, and ``parse_bounce`` must give the very same verdict (so the net
    was not used, and the bounds are the same).
    """
    bounded = _bounded(raw)
    started = time.perf_counter()
    bounce = parse_unguarded(bounded)
    assert time.perf_counter() - started < _BUDGET_S
    assert isinstance(bounce, Bounce)
    assert parse_bounce(raw) == bounce
    return bounce


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(raw: bytes) -> None:
    _parse_in_time(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_FIXTURE_BYTES),
    st.integers(min_value=0, max_value=20000),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=20),
)
def test_mutated_fixtures_never_raise(raw: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(raw[: cut or None])
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    _parse_in_time(bytes(data))
    read_messages(bytes(data))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 10000,
        b"Subject: x\n\n" + b" " * 200_000 + b"\n",
        b"From: MAILER-DAEMON@x\nSubject: Undelivered\n\n" + b"<" * 100_000,
        b"Content-Type: multipart/report; boundary=a\n\n" + b"--a\n" * 5000,
        b"Content-Type: multipart/mixed; boundary=a\n\n--a\n" * 300,
        b"From: MAILER-DAEMON@x\nSubject: failure notice\n\n" + b"a@b " * 50_000,
        b"From: MAILER-DAEMON@x\nSubject: failure notice\n\n" + (b"-" * 19 + b"\n") * 20_000,
    ],
)
def test_pathological_input_is_handled_quickly(raw: bytes) -> None:
    _parse_in_time(raw)


def test_a_charset_name_with_a_nul_byte_is_read_as_no_charset() -> None:
    # Found by the mutation fuzz test once it could see crashes: bytes.decode raises
    # ValueError (not LookupError) for a charset name with a NUL in it.
    raw = (BOUNCES / "exim-spamhaus.eml").read_bytes()
    broken = raw.replace(b"charset=us-ascii", b"charset=\x00s-ascii", 1)
    assert broken != raw
    bounce = parse_unguarded(broken)
    assert bounce.kind == "failure"
    assert parse_bounce(broken).kind == "failure"
