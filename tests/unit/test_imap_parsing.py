"""IMAP response parsing and folder choice: pure functions, no sockets."""

from __future__ import annotations

import pytest

from mailcheck.probes.imap import (
    decode_mailbox_name,
    find_junk,
    imap_reply,
    parse_fetch,
    parse_list_line,
)
from mailcheck.probes.roundtrip import criteria_matcher, token_matcher


def test_list_line_with_special_use() -> None:
    box = parse_list_line(b'(\\HasNoChildren \\Junk) "/" Junk')
    assert box is not None
    assert box.name == "Junk"
    assert "\\junk" in box.attributes


def test_list_line_quoted_and_literal_names() -> None:
    quoted = parse_list_line(b'(\\HasNoChildren) "/" "Junk E-mail"')
    assert quoted is not None
    assert quoted.name == "Junk E-mail"
    literal = parse_list_line(b'(\\HasNoChildren) "/" {9}', b"Thu\\ muc ")
    assert literal is not None
    assert literal.name == "Thu\\ muc "
    assert parse_list_line(b"garbage") is None


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("[Gmail]/Th&AbA- r&AOE-c", "[Gmail]/Thư rác"),
        ("Courrier ind&AOk-sirable", "Courrier indésirable"),
        ("A &- B", "A & B"),
        ("INBOX", "INBOX"),
    ],
)
def test_modified_utf7_names(encoded: str, decoded: str) -> None:
    assert decode_mailbox_name(encoded) == decoded


def _boxes(*lines: bytes) -> list:  # type: ignore[type-arg]
    return [b for b in (parse_list_line(line) for line in lines) if b is not None]


def test_junk_special_use_wins_over_names() -> None:
    boxes = _boxes(b'() "/" Spam', b'(\\Junk) "/" "Bulk Mail"', b'() "/" INBOX')
    junk, how = find_junk(boxes)
    assert junk is not None
    assert junk.name == "Bulk Mail"
    assert how == "special-use"


@pytest.mark.parametrize(
    "line",
    [
        b'() "/" "Junk E-mail"',
        b'() "/" "[Gmail]/Th&AbA- r&AOE-c"',
        b'() "." INBOX.Spam',
        b'() "/" "Th&AbA- r&AOE-c"',
    ],
)
def test_junk_found_by_known_names(line: bytes) -> None:
    junk, how = find_junk(_boxes(b'() "/" INBOX', line))
    assert junk is not None
    assert how == "name"


def test_no_junk_at_all_and_noselect_is_skipped() -> None:
    junk, how = find_junk(_boxes(b'() "/" INBOX', b'(\\Noselect) "/" Spam', b'() "/" Sent'))
    assert (junk, how) == (None, "missing")


def test_imap_reply_keeps_the_response_code() -> None:
    reply = imap_reply("NO", b"[AUTHENTICATIONFAILED] Authentication failed.")
    assert (reply.status, reply.enhanced, reply.text) == (
        "NO",
        "AUTHENTICATIONFAILED",
        "Authentication failed.",
    )
    assert str(reply) == "NO [AUTHENTICATIONFAILED] Authentication failed."


def test_fetch_literals_are_paired_with_their_uids() -> None:
    lines = [
        b"1 FETCH (UID 5 BODY[HEADER.FIELDS (X-MAILCHECK-TOKEN)] {29}",
        bytearray(b"X-Mailcheck-Token: mc-abc\r\n\r\n"),
        b")",
        b"2 FETCH (UID 9 BODY[HEADER.FIELDS (X-MAILCHECK-TOKEN)] {2}",
        bytearray(b"\r\n"),
        b")",
        b"Fetch completed.",
    ]
    assert parse_fetch(lines) == [(5, b"X-Mailcheck-Token: mc-abc\r\n\r\n"), (9, b"\r\n")]


def test_token_must_match_exactly_not_as_a_substring() -> None:
    match = token_matcher("mc-abc")
    assert match(b"Subject: x\r\nX-Mailcheck-Token: mc-abc\r\n")
    assert match(b"x-mailcheck-token:   mc-abc  \r\n")
    assert not match(b"X-Mailcheck-Token: mc-abcdef\r\n")
    assert not match(b"Subject: mc-abc\r\n")


def test_watch_criteria_decode_encoded_subjects() -> None:
    header = (
        b"From: =?utf-8?b?S+G6vyB0b8Ohbg==?= <billing@company.vn>\r\n"
        b"Subject: =?utf-8?q?H=C3=B3a_=C4=91=C6=A1n_s=E1=BB=91_0000123?=\r\n"
    )
    assert criteria_matcher("billing@company.vn", None, None)(header)
    assert criteria_matcher(None, "hóa đơn", None)(header)
    assert criteria_matcher(None, None, "0000123")(header)
    assert not criteria_matcher(None, None, "0000124")(header)
    assert not criteria_matcher("other@company.vn", "hóa đơn", None)(header)
