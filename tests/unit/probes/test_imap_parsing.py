"""IMAP response parsing and folder choice: pure functions, no sockets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcheck.probes.imap import (
    decode_mailbox_name,
    find_junk,
    imap_reply,
    parse_fetch,
    parse_list_line,
)
from mailcheck.probes.imap.wire import (
    MAX_UID,
    parse_fetch_responses,
    parse_list_responses,
    parse_search_responses,
    reassemble,
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


# ---------------------------------------------------------------- imapwire property tests


_NASTY = st.sampled_from([b"UID 7", b")", b"(", b"\r\n", b'"', b"\\", b"* 9 FETCH (UID 9 ", b"{5}"])
_LITERALS = st.lists(st.one_of(_NASTY, st.binary(max_size=20)), max_size=8).map(b"".join)


@given(
    uid=st.integers(1, MAX_UID),
    seq=st.integers(1, MAX_UID),
    body=_LITERALS,
    uid_first=st.booleans(),
    flags=st.booleans(),
)
def test_fetch_any_item_order_and_any_literal(
    uid: int, seq: int, body: bytes, uid_first: bool, flags: bool
) -> None:
    items = [f"UID {uid}".encode(), b"BODY[HEADER] {%d}" % len(body)]
    if not uid_first:
        items.reverse()
    if flags:
        items.append(b"FLAGS (\\Seen)")
    # Written as aioimaplib keeps it: the line up to the literal, the literal, the rest.
    text = b"%d FETCH (" % seq + b" ".join(items) + b")"
    head, sep, tail = text.partition(b"{%d}" % len(body))
    lines: list[bytes | bytearray] = [head + sep, bytearray(body), tail, b"Fetch completed"]
    found = parse_fetch_responses(reassemble(lines))
    assert [(f.seq, f.uid, f.body()) for f in found] == [(seq, uid, body)]


@given(garbage=st.binary(max_size=60), body=_LITERALS)
def test_a_malformed_response_is_never_given_to_the_next_message(
    garbage: bytes, body: bytes
) -> None:
    good: list[bytes | bytearray] = [
        b"2 FETCH (UID 8 BODY[HEADER] {%d}" % len(body),
        bytearray(body),
        b")",
    ]
    bad = garbage.replace(b"\r\n", b" ").replace(b"{", b"")
    found = parse_fetch_responses(reassemble([b"1 FETCH (UID 7 " + bad, *good]))
    assert all(f.uid in (7, 8) for f in found)
    assert [f.body() for f in found if f.uid == 8] == [body]


_NAMES = st.text(
    alphabet=st.characters(
        categories=("L", "M", "N", "P", "S", "Zs"), blacklist_characters="\0\r\n"
    ),
    min_size=1,
    max_size=20,
)


@given(name=_NAMES, as_literal=st.booleans())
def test_list_names_with_quotes_backslashes_and_non_ascii(name: str, as_literal: bool) -> None:
    raw = name.encode()
    if as_literal:
        lines: list[bytes | bytearray] = [b'LIST (\\HasNoChildren) "/" {%d}' % len(raw)]
        lines += [bytearray(raw), b""]
    else:
        quoted = b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
        lines = [b'LIST (\\HasNoChildren) "/" ' + quoted]
    found = parse_list_responses(reassemble([*lines, b'LIST () "/" INBOX']))
    assert [m.name for m in found] == [name, "INBOX"]


@given(numbers=st.lists(st.integers(-5, 2 * MAX_UID), max_size=20))
def test_search_keeps_only_valid_uids(numbers: list[int]) -> None:
    text = b"SEARCH " + b" ".join(str(n).encode() for n in numbers)
    assert parse_search_responses(reassemble([text])) == {n for n in numbers if 1 <= n <= MAX_UID}
