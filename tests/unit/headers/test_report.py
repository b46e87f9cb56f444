"""Reading a delivered message's header block into one report: each receiving style's
fixture under fixtures/headers/, hostile input, and parsing a block once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcheck.headers import (
    MAX_AUTH_RESULTS,
    MAX_RECEIVED,
    MAX_SPAM,
    MAX_VALUE_CHARS,
    read_headers,
)
from tests.unit.headers.support import ALL_FIXTURES, FIXTURES

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


# --- hostile input ------------------------------------------------------------------------


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
