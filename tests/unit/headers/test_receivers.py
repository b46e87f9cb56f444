"""Each receiving style's fixture under fixtures/headers/ (Gmail, Microsoft, Postfix with
milters): the whole report, authentication, spam verdicts and Received trace.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mailcheck.headers import AuthResult
from tests.unit.headers.oracle import oracle_agrees, oracle_rejects
from tests.unit.headers.support import ICT, PST, hop, hops, load, verdict

# --- Gmail ------------------------------------------------------------------------------


def test_gmail_inbound_from_the_senders_own_server() -> None:
    report = load("gmail-inbound.eml")

    arc, ar = report.auth_results
    assert (ar.source, ar.authserv_id, ar.arc_instance) == (
        "Authentication-Results",
        "mx.google.com",
        None,
    )
    assert oracle_agrees(ar)
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
    assert (arc.source, arc.authserv_id, arc.arc_instance) == (
        "ARC-Authentication-Results",
        "mx.google.com",
        1,
    )
    assert oracle_agrees(arc)
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
    assert ar.authserv_id == ""
    assert oracle_rejects(ar)
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


def test_microsoft_365_received_trace() -> None:
    report = load("microsoft365-junk.eml")

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

    assert [h.authserv_id for h in report.auth_results] == [
        "mx.customer.vn",
        "mx.customer.vn",
        "mx.customer.vn",
        "mail.company.vn",
    ]
    assert all(oracle_agrees(h) for h in report.auth_results)
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
