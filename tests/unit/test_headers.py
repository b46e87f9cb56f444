"""Reading a delivered message's headers: authentication, spam verdicts, Received trace.

Each fixture under fixtures/headers/ is one receiving style; its test asserts the parsed
fields. The hostile-input tests at the end check that nothing raises and nothing blows up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.headers import (
    AUTHRES_MAX_HEADERS,
    MAX_AUTH_RESULTS,
    MAX_RECEIVED,
    MAX_SPAM,
    MAX_VALUE_CHARS,
    AuthResult,
    HeaderReport,
    ReceivedHop,
    SpamVerdict,
    read_headers,
)
from mailcheck.headers.authres import _read_ar_authres, _read_ar_tolerant

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "headers"
ALL_FIXTURES = sorted(FIXTURES.glob("*.eml"))


def load(name: str) -> HeaderReport:
    return read_headers((FIXTURES / name).read_bytes())


def verdict(report: HeaderReport, source: str) -> SpamVerdict:
    (found,) = [v for v in report.spam if v.source == source]
    return found


def hop(
    from_host: str | None,
    from_ip: str | None,
    by_host: str | None,
    with_protocol: str | None,
    timestamp: datetime | None,
) -> tuple[str | None, str | None, str | None, str | None, datetime | None]:
    return (from_host, from_ip, by_host, with_protocol, timestamp)


def hops(report: HeaderReport) -> list[tuple[object, ...]]:
    return [
        (h.from_host, h.from_ip, h.by_host, h.with_protocol, h.timestamp) for h in report.received
    ]


PST = timezone(timedelta(hours=-8))
ICT = timezone(timedelta(hours=7))


# --- every fixture ----------------------------------------------------------------------


def test_there_is_a_fixture_per_style() -> None:
    assert len(ALL_FIXTURES) >= 11


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_crlf_and_lf_line_ends_read_the_same(path: Path) -> None:
    lf = path.read_bytes()
    assert b"\r\n" not in lf
    assert read_headers(lf.replace(b"\n", b"\r\n")) == read_headers(lf)


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_body_is_not_read(path: Path) -> None:
    # Given a whole message whose body looks like headers
    message = path.read_bytes() + b"X-Spam-Flag: YES\nReceived: from evil ([192.0.2.66]) by x;\n"
    # Then only the header block counts
    assert read_headers(message) == read_headers(path.read_bytes())


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_our_reader_agrees_with_authres_on_every_header_authres_accepts(path: Path) -> None:
    report = read_headers(path.read_bytes())
    for header in report.auth_results:
        if header.parser != "authres":
            continue
        body = header.raw.split(";", 1)[1] if header.arc_instance is not None else header.raw
        strict = _read_ar_authres(body)
        assert strict is not None
        own_id, own = _read_ar_tolerant(body)
        assert own_id == strict[0]
        assert [(r.method, r.result, r.reason, r.properties) for r in own] == [
            (r.method, r.result, r.reason, r.properties) for r in strict[1]
        ]


_METHODS = [
    "spf=pass",
    "dkim=fail",
    "dmarc=none",
    "arc=pass",
    "auth=pass",
    "iprev=pass",
    "dkim/1=pass",
]
_PROPERTIES = [
    "smtp.mailfrom=a@b.vn",
    'smtp.mailfrom="a b"@c.vn',
    "header.d=b.vn",
    "header.i=@b.vn",
    'header.b="abc"',
    "policy.iprev=192.0.2.1",
    "reason=bad",
    'reason="x y"',
    "(comment)",
    "(nested (comment))",
    "action=none",
]
_CLAUSE = st.builds(
    lambda method, props: " ".join([method, *props]),
    st.sampled_from(_METHODS),
    st.lists(st.sampled_from(_PROPERTIES), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["mx.x", "mx.x 1", "mx.x (c)"]),
    st.lists(_CLAUSE, min_size=1, max_size=4),
)
def test_our_reader_agrees_with_authres_on_generated_well_formed_headers(
    authserv: str, clauses: list[str]
) -> None:
    # authres as an oracle: wherever it accepts a generated header, our reader agrees.
    value = f"{authserv}; " + "; ".join(clauses)
    strict = _read_ar_authres(value)
    if strict is None:
        return
    own_id, own = _read_ar_tolerant(value)
    assert own_id == strict[0]
    assert [(r.method, r.result, r.reason, r.properties) for r in own] == [
        (r.method, r.result, r.reason, r.properties) for r in strict[1]
    ]


# --- Gmail ------------------------------------------------------------------------------


def test_gmail_inbound_from_the_senders_own_server() -> None:
    report = load("gmail-inbound.eml")

    arc, ar = report.auth_results
    assert (ar.source, ar.authserv_id, ar.parser, ar.arc_instance) == (
        "Authentication-Results",
        "mx.google.com",
        "authres",
        None,
    )
    assert ar.results == (
        AuthResult(
            method="dkim",
            result="pass",
            reason=None,
            properties=(("header.i", "@company.vn"), ("header.s", "s1"), ("header.b", "abc")),
        ),
        AuthResult(
            method="spf",
            result="pass",
            reason=None,
            properties=(("smtp.mailfrom", "billing@company.vn"),),
            comment="google.com: domain of billing@company.vn designates 203.0.113.7 as "
            "permitted sender",
        ),
        AuthResult(
            method="dmarc",
            result="pass",
            reason=None,
            properties=(("header.from", "company.vn"),),
            comment="p=NONE sp=NONE dis=NONE",
        ),
    )
    assert ar.raw.startswith("mx.google.com;       dkim=pass header.i=@company.vn")
    assert "\n" not in ar.raw
    assert (arc.source, arc.authserv_id, arc.arc_instance, arc.parser) == (
        "ARC-Authentication-Results",
        "mx.google.com",
        1,
        "authres",
    )
    assert arc.raw.startswith("i=1; mx.google.com;")
    assert arc.results == ar.results

    assert (report.result("spf"), report.result("DKIM"), report.result("dmarc")) == (
        "pass",
        "pass",
        "pass",
    )
    assert report.spam == ()
    assert report.spam_flagged is None

    assert hops(report) == [
        hop(
            None,
            None,
            "2002:a05:7208:8c91:b0:9d:1f2e:3a4b",
            "SMTP",
            datetime(2026, 11, 27, 1, 2, 4, tzinfo=PST),
        ),
        hop(
            "mail.company.vn",
            "203.0.113.7",
            "mx.google.com",
            "ESMTPS",
            datetime(2026, 11, 27, 1, 2, 3, tzinfo=PST),
        ),
        hop(
            "[192.168.1.20]",
            "198.51.100.23",
            "mail.company.vn",
            "ESMTPSA",
            datetime(2026, 11, 27, 16, 2, 1, tzinfo=ICT),
        ),
    ]
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 3.0
    assert report.truncated is False


def test_gmail_from_google_workspace_sender() -> None:
    report = load("gmail-workspace.eml")

    assert [h.source for h in report.auth_results] == [
        "ARC-Authentication-Results",
        "Authentication-Results",
    ]
    ar = report.auth_results[1]
    assert [(r.method, r.result) for r in ar.results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
        ("dara", "pass"),
    ]
    assert ar.results[2].comment == "p=QUARANTINE sp=QUARANTINE dis=NONE"
    assert ar.results[3].properties == (("header.i", "@gmail.com"),)

    # X-Received is not a Received header.
    assert len(report.received) == 3
    sor = report.received[1]
    assert (sor.from_host, sor.from_ip, sor.by_host, sor.with_protocol) == (
        "mail-sor-f41.google.com",
        "198.51.100.41",
        "mx.google.com",
        "SMTPS",
    )
    submission = report.received[2]
    assert (submission.by_host, submission.with_protocol, submission.from_ip) == (
        "smtp.gmail.com",
        "ESMTPSA",
        "198.51.100.23",
    )
    # The user's client handed it to smtp.gmail.com; Gmail's MX saw Google's relay.
    assert report.sending_ip == "198.51.100.41"
    assert report.transit_seconds == 2.0
    assert report.spam_flagged is None


# --- Microsoft --------------------------------------------------------------------------


def test_microsoft_365_junk() -> None:
    report = load("microsoft365-junk.eml")

    (ar,) = report.auth_results
    # No authserv-id: authres rejects it, our reader keeps everything.
    assert (ar.authserv_id, ar.parser) == ("", "tolerant")
    assert ar.results == (
        AuthResult(
            method="spf",
            result="fail",
            reason=None,
            properties=(("smtp.mailfrom", "company.vn"),),
            comment="sender IP is 203.0.113.7",
        ),
        AuthResult(
            method="dkim",
            result="none",
            reason=None,
            properties=(("header.d", "none"),),
            comment="message not signed",
        ),
        AuthResult(
            method="dmarc",
            result="fail",
            reason=None,
            properties=(("action", "quarantine"), ("header.from", "company.vn")),
        ),
        AuthResult(method="compauth", result="fail", reason="001", properties=()),
    )
    assert (report.result("spf"), report.result("dkim"), report.result("dmarc")) == (
        "fail",
        "none",
        "fail",
    )

    scl = verdict(report, "X-MS-Exchange-Organization-SCL")
    assert (scl.flagged, scl.score, scl.threshold, scl.raw) == (True, 5.0, 5.0, "5")
    bcl = verdict(report, "X-Microsoft-Antispam")
    assert (bcl.flagged, bcl.score, bcl.threshold) == (None, 0.0, None)
    assert ("BCL", "0") in bcl.details
    forefront = verdict(report, "X-Forefront-Antispam-Report")
    assert (forefront.flagged, forefront.score, forefront.threshold) == (True, 5.0, 5.0)
    details = dict(forefront.details)
    assert (details["SFV"], details["CAT"], details["CIP"]) == ("SPM", "SPOOF", "203.0.113.7")
    delivery = verdict(report, "X-Microsoft-Antispam-Mailbox-Delivery")
    assert delivery.flagged is True
    assert dict(delivery.details)["dest"] == "J"
    assert dict(delivery.details)["RF"] == "JunkEmail"
    assert report.spam_flagged is True

    assert hops(report) == [
        hop(
            "SG2PR01MB5678.apcprd01.prod.outlook.com",
            "2001:db8:4:2::34",
            "TYZPR01MB9012.apcprd01.prod.outlook.com",
            "HTTPS",
            datetime(2026, 11, 27, 1, 2, 6, tzinfo=UTC),
        ),
        hop(
            "SG2PR01MB1234.apcprd01.prod.outlook.com",
            "2001:db8:4:1::12",
            "SG2PR01MB5678.apcprd01.prod.outlook.com",
            "Microsoft SMTP Server",
            datetime(2026, 11, 27, 1, 2, 5, tzinfo=UTC),
        ),
        hop(
            "SG1PEPF000082E5.apcprd02.prod.outlook.com",
            "2001:db8:4:3::56",
            "SG2PR01MB1234.apcprd01.prod.outlook.com",
            "Microsoft SMTP Server",
            datetime(2026, 11, 27, 1, 2, 4, tzinfo=UTC),
        ),
        hop(
            "mail.company.vn",
            "203.0.113.7",
            "SG1PEPF000082E5.mail.protection.outlook.com",
            "Microsoft SMTP Server",
            datetime(2026, 11, 27, 1, 2, 4, tzinfo=UTC),
        ),
        hop(
            "[192.168.1.20]",
            "198.51.100.23",
            "mail.company.vn",
            "ESMTPSA",
            datetime(2026, 11, 27, 8, 2, 2, tzinfo=ICT),
        ),
    ]
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 4.0


def test_outlook_com_inbox() -> None:
    report = load("outlookcom-inbox.eml")

    (ar,) = report.auth_results
    assert [(r.method, r.result, r.reason) for r in ar.results] == [
        ("spf", "pass", None),
        ("dkim", "pass", None),
        ("dmarc", "pass", None),
        ("compauth", "pass", "100"),
    ]
    assert ar.results[2].properties == (("action", "none"), ("header.from", "company.vn"))
    assert ar.results[1].comment == "signature was verified"

    assert [(v.source, v.flagged, v.score) for v in report.spam] == [
        ("X-MS-Exchange-Organization-SCL", False, 1.0),
        ("X-Microsoft-Antispam", None, 0.0),
        ("X-Forefront-Antispam-Report", False, 1.0),
        ("X-Microsoft-Antispam-Mailbox-Delivery", False, None),
    ]
    assert report.spam_flagged is False

    # Mailbox delivery from "(::1)": an IPv6 address in parentheses without brackets.
    assert report.received[0].from_ip == "::1"
    assert report.received[0].with_protocol == "HTTPS"
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 5.0


# --- Postfix, Dovecot, milters, amavis ---------------------------------------------------


def test_postfix_lab_submission_delivered_by_lmtp() -> None:
    report = load("postfix-lab-lmtp.eml")

    assert hops(report) == [
        hop(
            "mail.lab.test",
            None,
            "mail.lab.test",
            "LMTP",
            datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC),
        ),
        hop(
            "mail.lab.test",
            "127.0.0.1",
            "mail.lab.test",
            "ESMTPSA",
            datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC),
        ),
    ]
    # Never left the box: no hop an outside receiver saw.
    assert report.sending_ip is None
    assert report.transit_seconds == 0.0
    assert report.auth_results == ()
    assert report.result("spf") is None
    assert report.spam_flagged is None


def test_postfix_with_opendkim_opendmarc_policyd_spf_and_amavis() -> None:
    report = load("postfix-milters-amavis.eml")

    assert [(h.authserv_id, h.parser) for h in report.auth_results] == [
        ("mx.customer.vn", "authres"),
        ("mx.customer.vn", "authres"),
        ("mx.customer.vn", "authres"),
        ("mail.company.vn", "authres"),
    ]
    dmarc, dkim, spf, sender_side = report.auth_results
    assert dmarc.results == (
        AuthResult(
            method="dmarc",
            result="pass",
            reason=None,
            properties=(("header.from", "company.vn"),),
            comment="p=quarantine dis=none",
        ),
    )
    assert dkim.results[0].comment == "2048-bit key; unprotected"
    assert dkim.results[0].properties == (
        ("header.d", "company.vn"),
        ("header.i", "@company.vn"),
        ("header.a", "rsa-sha256"),
        ("header.s", "s1"),
        ("header.b", "Vb3k9QzX"),
    )
    assert (dkim.results[1].method, dkim.results[1].result) == ("dkim-atps", "neutral")
    assert spf.results[0].comment == "sender SPF authorized"
    assert [(r.method, r.result) for r in sender_side.results] == [
        ("dkim", "none"),
        ("spf", "none"),
    ]
    # Each milter wrote its own header; the sender's own (older, other host) is not the receiver's.
    assert (report.result("spf"), report.result("dkim"), report.result("dmarc")) == (
        "pass",
        "pass",
        "pass",
    )

    status = verdict(report, "X-Spam-Status")
    assert (status.flagged, status.score, status.threshold) == (False, -0.201, 6.31)
    assert status.tests == (
        "DKIM_SIGNED",
        "DKIM_VALID",
        "DKIM_VALID_AU",
        "SPF_HELO_NONE",
        "SPF_PASS",
        "URIBL_BLOCKED",
    )
    assert status.details == (
        ("score", "-0.201"),
        ("tagged_above", "-999"),
        ("required", "6.31"),
        ("autolearn", "ham"),
        ("autolearn_force", "no"),
    )
    assert verdict(report, "X-Spam-Flag").flagged is False
    assert verdict(report, "X-Spam-Score").score == -0.201
    assert verdict(report, "X-Spam-Level").score == 0.0
    assert report.spam_flagged is False

    assert [(h.from_ip, h.with_protocol) for h in report.received] == [
        ("127.0.0.1", "LMTP"),
        ("127.0.0.1", "ESMTP"),  # amavis re-injection on the receiving side
        ("203.0.113.7", "ESMTPS"),
        ("127.0.0.1", "ESMTP"),  # the sender's own content filter
        ("192.168.1.50", "ESMTP"),  # the accounting server on the sender's LAN, no AUTH
    ]
    # Postfix's TLS comment between the from and by clauses does not hide the by host.
    assert report.received[2].by_host == "mx.customer.vn"
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 5.0


# --- spam filters -------------------------------------------------------------------------


def test_spamassassin_spam_with_folded_tests_and_ipv6_literal() -> None:
    report = load("spamassassin-spam.eml")

    status = verdict(report, "X-Spam-Status")
    assert (status.flagged, status.score, status.threshold) == (True, 7.5, 5.0)
    assert status.tests == (
        "BAYES_99",
        "BAYES_999",
        "DKIM_SIGNED",
        "DKIM_VALID",
        "HTML_MESSAGE",
        "MIME_HTML_ONLY",
        "RDNS_NONE",
        "SPF_HELO_NONE",
        "SPF_PASS",
        "URIBL_BLOCKED",
    )
    assert ("version", "3.4.6") in status.details
    assert status.raw.startswith("Yes, score=7.5 required=5.0 tests=BAYES_99,BAYES_999,\tDKIM")
    assert verdict(report, "X-Spam-Flag").flagged is True
    assert verdict(report, "X-Spam-Level").score == 7.0
    assert verdict(report, "X-Spam-Score").score == 7.5
    assert report.spam_flagged is True

    inbound = report.received[1]
    assert (inbound.from_host, inbound.from_ip, inbound.by_host, inbound.with_protocol) == (
        "mail.company.vn",
        "2001:db8::1",
        "mx.customer.vn",
        "ESMTPS",
    )
    submission = report.received[2]
    assert (submission.from_host, submission.from_ip) == (
        "[IPv6:2001:db8:85a3::20]",
        "2001:db8:85a3::20",
    )
    assert report.sending_ip == "2001:db8::1"
    assert report.auth_results == ()
    assert report.result("dmarc") is None


def test_rspamd_below_reject_but_add_header() -> None:
    report = load("rspamd-spam.eml")

    result = verdict(report, "X-Spamd-Result")
    # False: below the reject threshold (15); X-Spam: Yes is the "add header" action.
    assert (result.flagged, result.score, result.threshold) == (False, 7.4, 15.0)
    assert result.tests == (
        "BAYES_SPAM",
        "MISSING_MID",
        "MIME_HTML_ONLY",
        "R_DKIM_ALLOW",
        "R_SPF_ALLOW",
        "DMARC_POLICY_ALLOW",
        "MIME_GOOD",
        "ASN",
        "FROM_EQ_ENVFROM",
        "RCVD_COUNT_TWO",
        "ARC_NA",
    )
    assert verdict(report, "X-Spam").flagged is True
    assert report.spam_flagged is True

    (ar,) = report.auth_results
    assert (ar.authserv_id, ar.parser) == ("mx.customer.vn", "authres")
    assert ar.results[1].comment == (
        "mx.customer.vn: domain of billing@company.vn designates 203.0.113.7 as permitted sender"
    )
    assert report.result("dmarc") == "pass"
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 3.0


def test_barracuda_spam_and_exim_received() -> None:
    report = load("barracuda-exim-spam.eml")

    status = verdict(report, "X-Barracuda-Spam-Status")
    assert (status.flagged, status.score, status.threshold) == (True, 7.2, 3.5)
    assert status.tests == ("BSF_SC0_MISMATCH_TO", "HTML_MESSAGE", "BSF_SC5_MJ1963")
    assert dict(status.details)["KILL_LEVEL"] == "9.0"
    assert verdict(report, "X-Barracuda-Spam-Score").score == 7.2
    assert verdict(report, "X-Barracuda-Spam-Flag").flagged is True
    assert report.spam_flagged is True

    gateway, inbound, exim = report.received
    assert (gateway.from_ip, gateway.by_host) == ("198.51.100.80", "exch01.customer.vn")
    # "-0000": UTC, with no information about the sender's zone (RFC 5322 section 3.3).
    assert inbound.timestamp == datetime(2026, 11, 27, 1, 2, 4, tzinfo=UTC)
    # Exim without reverse DNS: the IP is the from word; helo=[...] is the client's claim.
    assert (exim.from_host, exim.from_ip, exim.by_host, exim.with_protocol) == (
        "[198.51.100.23]",
        "198.51.100.23",
        "mail.company.vn",
        "ESMTPSA",
    )
    assert exim.timestamp == datetime(2026, 11, 27, 8, 2, 2, tzinfo=ICT)
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 4.0


# --- Authentication-Results edge cases ---------------------------------------------------


def test_comments_and_quoted_strings() -> None:
    report = load("ar-comments-quoted.eml")

    accepted, rejected = report.auth_results
    assert (accepted.authserv_id, accepted.parser) == ("mx.customer.vn", "authres")
    assert accepted.results == (
        AuthResult(
            method="dkim",
            result="pass",
            reason="signature ok; verified",
            properties=(
                ("header.d", "company.vn"),
                ("header.s", "s1"),
                ("header.b", "Vb3k/9Q+zX"),
            ),
            comment='2048-bit key; "s1" selector (rsa)',
        ),
        AuthResult(
            method="spf",
            result="softfail",
            reason=None,
            properties=(("smtp.mailfrom", '"billing team"@company.vn'),),
            comment="mx.customer.vn: 203.0.113.7 is neither permitted nor denied by domain "
            'of "billing team"@company.vn',
        ),
        AuthResult(
            method="auth",
            result="pass",
            reason=None,
            properties=(("smtp.auth", "sender@company.vn"),),
            comment="cram-md5",
        ),
        AuthResult(
            method="iprev",
            result="pass",
            reason=None,
            properties=(("policy.iprev", "203.0.113.7"),),
        ),
    )
    # authres 1.2.0 accepts a quoted pvalue only at the end of a clause; our reader takes it.
    assert rejected.parser == "tolerant"
    assert rejected.results == (
        AuthResult(
            method="dkim",
            result="fail",
            reason=None,
            properties=(
                ("header.d", "esp.example"),
                ("header.s", "mkt1"),
                ("header.b", "Zm9vYmFy"),
            ),
            comment="body hash did not verify",
        ),
    )
    assert report.result("dkim") == "pass"  # the first dkim clause of the receiver's headers
    assert report.result("spf") == "softfail"


def test_malformed_headers_are_read_tolerantly() -> None:
    report = load("ar-malformed.eml")

    missing_semicolon, unterminated, garbage, empty = report.auth_results
    assert {h.parser for h in report.auth_results} == {"tolerant"}
    # A ";" is missing before dkim and its comment never ends.
    assert missing_semicolon.authserv_id == "mx.broken.test"
    assert missing_semicolon.results == (
        AuthResult(
            method="spf", result="pass", reason=None, properties=(("smtp.mailfrom", "company.vn"),)
        ),
        AuthResult(
            method="dkim",
            result="pass",
            reason=None,
            properties=(),
            comment="good signature header.d=company.vn",
        ),
    )
    # An unterminated comment swallows the rest: dmarc=fail survives, the rest is comment.
    assert [(r.method, r.result) for r in unterminated.results] == [("dmarc", "fail")]
    assert (garbage.authserv_id, garbage.results, garbage.raw) == ("", (), ";;; = ==")
    assert (empty.authserv_id, empty.results, empty.raw) == ("", (), "")
    assert (report.result("spf"), report.result("dkim"), report.result("dmarc")) == (
        "pass",
        "pass",
        "fail",
    )
    assert report.received[0].timestamp == datetime(2026, 11, 27, 1, 2, 4, tzinfo=UTC)


def test_original_authentication_results_are_kept_but_not_the_receivers() -> None:
    report = read_headers(
        b"X-Original-Authentication-Results: mx.list.example; spf=pass smtp.mailfrom=a.vn\n"
        b"Authentication-Results-Original: mx.other.example; dkim=fail header.d=a.vn\n"
    )
    assert [(h.source, h.authserv_id) for h in report.auth_results] == [
        ("X-Original-Authentication-Results", "mx.list.example"),
        ("Authentication-Results-Original", "mx.other.example"),
    ]
    assert report.result("spf") is None
    assert report.result("dkim") is None


def test_authentication_results_none() -> None:
    report = read_headers(b"Authentication-Results: mx.customer.vn; none\n")
    (header,) = report.auth_results
    assert (header.authserv_id, header.results, header.parser) == ("mx.customer.vn", (), "authres")


def test_method_version_and_missing_result() -> None:
    report = read_headers(b"Authentication-Results: mx.x; dkim/1=pass header.d=a.vn; spf=\n")
    (header,) = report.auth_results
    assert [(r.method, r.result) for r in header.results] == [("dkim", "pass")]


# --- verdict details ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "flagged", "score"),
    [
        (b"X-MS-Exchange-Organization-SCL: -1", False, -1.0),  # filtering bypassed
        (b"X-MS-Exchange-Organization-SCL: 9", True, 9.0),
        (b"X-MS-Exchange-Organization-SCL: 4", False, 4.0),
        (b"X-MS-Exchange-Organization-SCL: junk", None, None),
        (b"X-Forefront-Antispam-Report: SFV:SKS;SCL:1;", True, 1.0),  # mail-flow rule says spam
        (b"X-Forefront-Antispam-Report: SFV:SKN;SCL:-1;", False, -1.0),
        (b"X-Forefront-Antispam-Report: SCL:6;", True, 6.0),  # no SFV: the SCL decides
        (b"X-Forefront-Antispam-Report: CIP:192.0.2.1;", None, None),
        (b"X-Spam: yes", True, None),
        (b"X-Spam: No", False, None),
        (b"X-Spam: maybe", None, None),
        (b"X-Gm-Spam: 1", True, None),
        (b"X-Gm-Phishy: 0", False, None),
        (b"X-Spam-Status: No, hits=1.2 required=5.0 tests=none", False, 1.2),
        (b"X-Spamd-Result: default: True [16.10 / 15.00]; GTUBE(16.00)[]", True, 16.1),
        (b"X-Spamd-Result: garbage", None, None),
        (b"X-Spam-Level: not stars", None, None),
    ],
)
def test_spam_header_variants(header: bytes, flagged: bool | None, score: float | None) -> None:
    (found,) = read_headers(header + b"\n").spam
    assert (found.flagged, found.score) == (flagged, score)


def test_mailbox_delivery_other_folder_says_nothing() -> None:
    (found,) = read_headers(b"X-Microsoft-Antispam-Mailbox-Delivery: ucf:0;dest:C;\n").spam
    assert found.flagged is None


def test_spam_flagged_is_none_when_no_header_says_spam_or_not() -> None:
    report = read_headers(b"X-Spam-Score: 3.1\nX-Spam-Level: ***\n")
    assert len(report.spam) == 2
    assert report.spam_flagged is None


def test_any_spam_verdict_wins() -> None:
    report = read_headers(b"X-Spam-Flag: NO\nX-MS-Exchange-Organization-SCL: 6\n")
    assert report.spam_flagged is True


# --- Received and derived values ---------------------------------------------------------


def test_sending_ip_falls_back_to_a_public_submission_hop() -> None:
    report = read_headers(
        b"Received: from mail.lab.test (localhost [127.0.0.1]) by mail.lab.test with LMTP;"
        b" Fri, 27 Nov 2026 01:02:04 +0000\n"
        b"Received: from [10.0.0.5] (laptop.example [198.51.100.23]) by mail.lab.test"
        b" with ESMTPSA; Fri, 27 Nov 2026 01:02:03 +0000\n"
    )
    assert report.sending_ip == "198.51.100.23"


def test_sending_ip_skips_a_lan_relay_without_auth() -> None:
    report = read_headers(
        b"Received: from mail.company.vn (mail.company.vn [203.0.113.7]) by mx.customer.vn"
        b" with ESMTPS; Fri, 27 Nov 2026 01:02:04 +0000\n"
        b"Received: from app (app [172.16.4.2]) by mail.company.vn with ESMTP;"
        b" Fri, 27 Nov 2026 01:02:03 +0000\n"
        b"Received: from pc (pc [::ffff:192.168.1.9]) by app with SMTP;"
        b" Fri, 27 Nov 2026 01:02:02 +0000\n"
    )
    assert report.sending_ip == "203.0.113.7"
    assert report.transit_seconds == 2.0


def test_qmail_and_bare_ip_forms() -> None:
    (qmail, no_ip, local) = read_headers(
        b"Received: from unknown (HELO 192.168.1.1) (203.0.113.9) by mx.example with SMTP;"
        b" 27 Nov 2026 01:02:03 -0000\n"
        b"Received: from mail.company.vn (unknown) by mx.example with ESMTP;"
        b" Fri, 27 Nov 2026 01:02:03 +0000\n"
        b"Received: (qmail 12345 invoked by uid 89); 27 Nov 2026 01:02:03 -0000\n"
    ).received
    assert (qmail.from_host, qmail.from_ip) == ("unknown", "203.0.113.9")
    assert qmail.timestamp == datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
    assert (no_ip.from_host, no_ip.from_ip) == ("mail.company.vn", None)
    assert (local.from_host, local.by_host, local.with_protocol) == (None, None, None)
    assert local.timestamp == datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)


def test_transit_is_never_negative_and_needs_two_timestamps() -> None:
    skewed = read_headers(
        b"Received: by b; Fri, 27 Nov 2026 01:00:00 +0000\n"
        b"Received: by a; Fri, 27 Nov 2026 01:05:00 +0000\n"
    )
    assert skewed.transit_seconds == 0.0
    one = read_headers(b"Received: by a; Fri, 27 Nov 2026 01:05:00 +0000\nReceived: by b\n")
    assert one.transit_seconds is None
    assert read_headers(b"").transit_seconds is None


def test_received_without_date_or_clauses() -> None:
    (bare,) = read_headers(b"Received: nonsense\n").received
    assert bare == ReceivedHop(
        from_host=None,
        from_ip=None,
        by_host=None,
        with_protocol=None,
        timestamp=None,
        raw="nonsense",
    )


# --- hostile input ------------------------------------------------------------------------


def test_garbage_date_is_none() -> None:
    (hop_,) = read_headers(
        b"Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP;"
        b" Fri, 99 Foo 2026\n"
    ).received
    assert hop_.timestamp is None
    assert (hop_.from_ip, hop_.by_host) == ("192.0.2.1", "b.example")


@pytest.mark.parametrize(
    "date",
    [
        b"Fri, 27 Nov 2026 25:61:00 +0000",
        b"Fri, 27 Nov 99999999 01:02:03 +0000",
        b"Fri, 27 Nov 2026 01:02:03 +9999",
        b"x" * 10_000,
        b"",
    ],
)
def test_impossible_dates_are_none(date: bytes) -> None:
    (hop_,) = read_headers(b"Received: by b.example; " + date + b"\n").received
    assert hop_.timestamp is None


@pytest.mark.parametrize(
    "name",
    [b"X-Unknown", b"Received", b"Authentication-Results", b"X-Spam-Status", b"X-Spamd-Result"],
)
def test_one_megabyte_header_line(name: bytes) -> None:
    huge = name + b": " + b"tests=A,(" * (1024 * 1024 // 9) + b"\n"
    report = read_headers(huge + b"X-Spam-Flag: YES\nReceived: by b; Fri, 27 Nov 2026 01:02:03 Z\n")

    assert report.spam[-1].source == "X-Spam-Flag"
    assert report.spam_flagged is True
    assert report.received[-1].by_host == "b"
    assert report.truncated is (name != b"X-Unknown")
    raws = [h.raw for h in report.auth_results] + [v.raw for v in report.spam]
    for raw in raws + [h.raw for h in report.received]:
        assert len(raw) <= MAX_VALUE_CHARS


def test_folded_header_past_the_limit_is_cut() -> None:
    folded = b"X-Spamd-Result: default: True [20.00 / 15.00]" + b";\n\tSYM(1.00)[]" * 5000
    (found,) = read_headers(folded + b"\n").spam
    assert found.flagged is True
    assert len(found.raw) <= MAX_VALUE_CHARS
    assert 0 < len(found.tests) < 5000
    assert read_headers(folded).truncated is True


def test_invalid_utf8_is_replaced() -> None:
    report = read_headers(
        b"Received: from h\xff\xfe.example (h [192.0.2.7]) by mx\xc3.example with ESMTP;"
        b" Fri, 27 Nov 2026 01:02:03 +0000\n"
        b"Authentication-Results: mx\xe9.example; spf=pass smtp.mailfrom=a@b\xed\xa0\x80.vn\n"
        b"X-Spam-Status: No, score=1.0 required=5.0 tests=\xe9T\xe9\n"
    )
    (received,) = report.received
    assert received.from_host == "h\ufffd\ufffd.example"
    assert received.from_ip == "192.0.2.7"
    assert received.by_host == "mx\ufffd.example"
    (header,) = report.auth_results
    assert header.results[0].result == "pass"
    assert "\ufffd" in header.raw
    # Every string can be written out as UTF-8 (no lone surrogates).
    for text in (received.raw, header.raw, report.spam[0].raw):
        text.encode("utf-8")
    assert report.spam[0].flagged is False


def test_lines_without_colon_are_skipped() -> None:
    report = read_headers(
        b"From billing@company.vn Fri Nov 27 01:02:03 2026\n"
        b"this line has no colon\n"
        b"\tand a continuation that belongs to nothing\n"
        b": empty name\n"
        b"X-Spam-Flag: YES\n"
        b"Received by mx.example; Fri, 27 Nov 2026 01:02:03 +0000\n"
        b"Received: by mx.example; Fri, 27 Nov 2026 01:02:03 +0000\n"
    )
    assert report.spam_flagged is True
    assert len(report.received) == 1


def test_ten_thousand_received_headers() -> None:
    line = (
        b"Received: from relay%d.example (relay%d.example [198.51.100.%d]) by relay%d.example"
        b" (Postfix) with ESMTPS id 4X%dabc for <a@b.example>;"
        b" Fri, 27 Nov 2026 %02d:%02d:%02d +0000 (UTC)\n"
    )
    block = b"".join(
        line % (i, i, i % 250 + 1, i + 1, i, 23 - i // 3600, 59 - i // 60 % 60, 59 - i % 60)
        for i in range(10_000)
    )
    report = read_headers(block)
    assert len(report.received) == 10_000
    assert report.truncated is False
    assert report.received[0].from_ip == "198.51.100.1"
    assert report.sending_ip == report.received[-1].from_ip
    assert report.transit_seconds == 9_999.0


def test_headers_past_the_count_limits_are_dropped_and_marked() -> None:
    # Given more headers of each kind than mailcheck reads
    block = (
        b"Received: by newest.example; Fri, 27 Nov 2026 01:02:03 +0000\n"
        + b"Received: by relay.example\n" * MAX_RECEIVED
        + b"Authentication-Results: mx.x; spf=pass\n" * (MAX_AUTH_RESULTS + 1)
        + b"X-Spam: no\n" * (MAX_SPAM + 1)
    )
    report = read_headers(block)
    # Then the newest ones are kept and the report says it is incomplete
    assert report.received[0].by_host == "newest.example"
    assert (len(report.received), len(report.auth_results), len(report.spam)) == (
        MAX_RECEIVED,
        MAX_AUTH_RESULTS,
        MAX_SPAM,
    )
    assert report.truncated is True


def test_deeply_nested_comment_does_not_recurse() -> None:
    value = b"mx.x; spf=pass " + b"(" * 50_000 + b" smtp.mailfrom=a.vn"
    (header,) = read_headers(b"Authentication-Results: " + value + b"\n").auth_results
    assert header.parser == "tolerant"
    assert [(r.method, r.result) for r in header.results] == [("spf", "pass")]


def test_many_authentication_results_headers() -> None:
    line = b"Authentication-Results: mx.x; spf=pass smtp.mailfrom=a.vn\n"
    report = read_headers(line * 500)
    assert len(report.auth_results) == 500
    # authres is slow (quadratic): only the newest AUTHRES_MAX_HEADERS go through it.
    parsers = [h.parser for h in report.auth_results]
    assert parsers == ["authres"] * AUTHRES_MAX_HEADERS + ["tolerant"] * (500 - AUTHRES_MAX_HEADERS)
    assert len({h.results for h in report.auth_results}) == 1
    assert report.result("spf") == "pass"


@pytest.mark.parametrize(
    "raw",
    [b"", b"\r\n", b"\n\nX-Spam-Flag: YES\n", b":", b"\x00\x01\x02", b"Received:", b"\xff" * 100],
)
def test_degenerate_input(raw: bytes) -> None:
    report = read_headers(raw)
    assert report.spam_flagged is None
    assert report.sending_ip is None


def test_bytearray_from_the_imap_client() -> None:
    raw = (FIXTURES / "gmail-inbound.eml").read_bytes()
    assert read_headers(bytearray(raw)) == read_headers(raw)


# --- parsed once --------------------------------------------------------------------------


def test_the_same_block_is_parsed_once() -> None:
    # Given the header step's text (decoded as the round trip records it) and the whole
    # message it came from, as the facts, the timings and the sending-IP lookup see them
    message = (FIXTURES / "postfix-milters-amavis.eml").read_bytes()
    header = message.split(b"\n\n", 1)[0] + b"\n\n"  # as IMAP's BODY[HEADER] ends
    step_text = header.decode("utf-8", "replace").encode("utf-8", "surrogateescape")
    # Then every reading is one and the same report
    first = read_headers(header)
    assert read_headers(bytearray(header)) is first
    assert read_headers(message) is first
    assert read_headers(step_text) is first
    # And a different block is a different report
    assert read_headers(b"X-Spam-Flag: YES\n" + header) is not first


def test_a_round_trip_header_block_is_parsed_once_for_facts_timings_and_report() -> None:
    from mailcheck.evidence import Outcome, ProbeResult, ProbeStatus, Step
    from mailcheck.facts import extract_facts, roundtrip_timings
    from mailcheck.headers.report import _read_block
    from mailcheck.report.human import quote_lines

    # (a block no other test has read: the cache must not have it yet)
    block = (FIXTURES / "gmail-inbound.eml").read_bytes().split(b"\n\n", 1)[0]
    raw = block + b"\nX-Spam-Flag: NO\n"
    step = Step(
        name="headers",
        outcome=Outcome.OK,
        elapsed_ms=1.0,
        data=(("header", raw.decode("utf-8", "replace")),),
    )
    imap = ProbeResult(probe="imap", status=ProbeStatus.COMPLETED, target="t", steps=(step,))
    before = _read_block.cache_info().misses
    # When the facts, the timings, the human report and the sending IP all read it
    facts = extract_facts([imap])
    timings = roundtrip_timings([imap])
    lines = quote_lines(step, "en")
    ip = read_headers(raw).sending_ip
    # Then the block was parsed once
    assert _read_block.cache_info().misses == before + 1
    assert facts["roundtrip.spf"] == "pass"
    assert "delivery_s" in timings
    assert any("Authentication-Results" in line for line in lines)
    assert ip == "203.0.113.7"
