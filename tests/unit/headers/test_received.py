"""The Received trace: hops, the sending IP, transit time, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailcheck.headers import ReceivedHop, read_headers

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
