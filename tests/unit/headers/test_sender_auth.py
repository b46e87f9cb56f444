"""Is a delivered message authenticated for its From domain? (facts.headers.sender_auth)

The one judgement `watch` (FAQ case 1) and `mailcheck headers` make of the receiver's
Authentication-Results. Each header block is written for its test.
"""

from __future__ import annotations

import pytest

from mailcheck.facts.headers import aligned, sender_auth
from mailcheck.headers import read_headers


def _block(*lines: str, sender: str = "Ke toan <hoadon@congty.vn>") -> bytes:
    return ("\r\n".join([*lines, f"From: {sender}", "Subject: HD0001"]) + "\r\n\r\n").encode()


@pytest.mark.parametrize(
    ("results", "verdict"),
    [
        # DMARC pass settles it.
        ("dkim=pass header.d=congty.vn; spf=pass smtp.mailfrom=congty.vn; dmarc=pass", "pass"),
        # Microsoft 365: no DMARC record, but an aligned pass ("bestguesspass").
        ("spf=pass; dkim=none; dmarc=bestguesspass action=none header.from=congty.vn", "pass"),
        # No DMARC checking at the receiver, but an aligned SPF pass (the vendor's servers are
        # in the company's SPF record).
        ("spf=pass smtp.mailfrom=billing@congty.vn; dkim=none", "pass"),
        # An aligned DKIM pass from a subdomain (relaxed alignment).
        ("dkim=pass header.d=mail.congty.vn; spf=none", "pass"),
        # The vendor signs and bounces with its own domain: passes, but not for From.
        (
            "dkim=pass header.d=hoadon-saas.example;"
            " spf=pass smtp.mailfrom=bounce@hoadon-saas.example",
            "unaligned",
        ),
        ("dkim=pass header.d=hoadon-saas.example; dmarc=fail header.from=congty.vn", "unaligned"),
        # The review's case: nothing signed, no SPF, no DMARC.
        ("dkim=none; spf=none smtp.mailfrom=hoadon@vendor.test; dmarc=none", "none"),
        ("spf=neutral smtp.mailfrom=congty.vn; dkim=temperror", "none"),
        ("spf=softfail smtp.mailfrom=congty.vn; dkim=none", "fail"),
        ("spf=fail smtp.mailfrom=congty.vn; dkim=fail header.d=congty.vn; dmarc=fail", "fail"),
    ],
)
def test_the_receivers_results_give_one_verdict_for_from(results: str, verdict: str) -> None:
    report = read_headers(_block(f"Authentication-Results: mx.nhan.example; {results}"))
    assert sender_auth(report) == verdict


def test_no_receivers_result_is_nothing_to_judge() -> None:
    assert (
        sender_auth(read_headers(_block("Received: from a by b; Fri, 4 Dec 2026 08:00:00 +0700")))
        is None
    )


def test_only_the_newest_receivers_header_counts() -> None:
    # The vendor's own outgoing filter said pass for itself; the receiver (top) says none.
    report = read_headers(
        _block(
            "Authentication-Results: mx.nhan.example; dkim=none; spf=none smtp.mailfrom=congty.vn",
            "Authentication-Results: out.hoadon-saas.example; spf=pass smtp.mailfrom=congty.vn",
        )
    )
    assert sender_auth(report) == "none"


def test_an_arc_copy_is_not_the_receivers_own_result() -> None:
    report = read_headers(
        _block("ARC-Authentication-Results: i=1; mx.chuyentiep.example; dmarc=pass")
    )
    assert sender_auth(report) is None


def test_dmarc_header_from_stands_in_for_a_missing_from() -> None:
    block = (
        b"Authentication-Results: mx.nhan.example; spf=pass smtp.mailfrom=congty.vn;"
        b" dmarc=none header.from=congty.vn\r\n\r\n"
    )
    assert sender_auth(read_headers(block)) == "pass"


def test_the_from_address_is_read_from_an_encoded_display_name() -> None:
    report = read_headers(_block(sender="=?UTF-8?Q?K=E1=BA=BF_to=C3=A1n?= <HoaDon@CongTy.VN>"))
    assert report.from_address == "hoadon@congty.vn"
    assert report.from_domain == "congty.vn"


@pytest.mark.parametrize(
    ("domain", "from_domain", "expected"),
    [
        ("congty.vn", "congty.vn", True),
        ("mail.congty.vn", "congty.vn", True),
        ("congty.com.vn", "hoadon.congty.com.vn", True),
        ("khac.com.vn", "congty.com.vn", False),  # com.vn is a public suffix
        ("congty.vn.evil.example", "congty.vn", False),
        (None, "congty.vn", False),
    ],
)
def test_relaxed_alignment_is_by_organisational_domain(
    domain: str | None, from_domain: str, expected: bool
) -> None:
    assert aligned(domain, from_domain) is expected
