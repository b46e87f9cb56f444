"""Spam-filter verdicts: SpamAssassin, rspamd, Barracuda, Microsoft, Gmail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailcheck.headers import MAX_VALUE_CHARS, read_headers
from tests.unit.headers.oracle import oracle_agrees
from tests.unit.headers.support import ICT, load, verdict

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
    assert ar.authserv_id == "mx.customer.vn"
    assert oracle_agrees(ar)
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


def test_folded_header_past_the_limit_is_cut() -> None:
    folded = b"X-Spamd-Result: default: True [20.00 / 15.00]" + b";\n\tSYM(1.00)[]" * 5000
    (found,) = read_headers(folded + b"\n").spam
    assert found.flagged is True
    assert len(found.raw) <= MAX_VALUE_CHARS
    assert 0 < len(found.tests) < 5000
    assert read_headers(folded).truncated is True
