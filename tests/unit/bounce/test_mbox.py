"""Reading an mbox one message at a time (mboxo/mboxrd), from memory or from a stream."""

from __future__ import annotations

import io

from mailcheck.bounce import read_messages
from mailcheck.bounce.mbox import iter_messages

FIRST = b"From: MAILER-DAEMON@relay.test\nSubject: Undelivered Mail\n\nline one\n"
SECOND = b"From: postmaster@mx.test\nSubject: failure notice\n\n>From the billing desk\n"
SECOND_READ = SECOND.replace(b">From the", b"From the")  # mboxrd quoting undone once


def _mbox(*messages: bytes, newline: bytes = b"\n") -> bytes:
    out = b""
    for message in messages:
        out += b"From MAILER-DAEMON Mon Jan  5 09:00:00 2026" + newline + message + newline
    return out


def test_each_message_comes_back_without_its_from_line_and_separator() -> None:
    assert read_messages(_mbox(FIRST, SECOND)) == [FIRST, SECOND_READ]


def test_a_from_line_not_after_a_blank_line_is_text() -> None:
    body = b"Subject: x\n\nwe wrote\nFrom here on it is body text\n"
    assert read_messages(_mbox(body)) == [body]


def test_crlf_mbox_is_split_the_same_way() -> None:
    crlf = [m.replace(b"\n", b"\r\n") for m in (FIRST, SECOND)]
    messages = read_messages(_mbox(*crlf, newline=b"\r\n"))
    assert messages[0] == crlf[0]
    assert messages[1].endswith(b"\r\nFrom the billing desk\r\n")


def test_a_single_message_is_not_split() -> None:
    raw = b"Subject: hello\n\nFrom the start this is one message\n\nFrom here too\n"
    assert read_messages(raw) == [raw]
    assert list(iter_messages(io.BytesIO(raw))) == [raw]
    assert list(iter_messages(io.BytesIO(b""))) == [b""]


def test_streaming_gives_the_same_messages_as_reading_whole() -> None:
    # A line longer than a read chunk, a CRLF across a chunk edge, a quoted From line.
    long_line = b"X-Long: " + b"a" * 200_000 + b"\r\n"
    odd = b"Subject: long\r\n" + long_line + b"\r\n>>From deep\r\n" + b"b" * 65_530 + b"\r\n"
    raw = _mbox(FIRST, odd, SECOND) * 3
    assert list(iter_messages(io.BytesIO(raw))) == read_messages(raw)
    assert len(read_messages(raw)) == 9


def test_messages_are_read_one_at_a_time() -> None:
    big = b"Subject: big\n\n" + b"line of a large returned message\n" * 100_000
    stream = io.BytesIO(_mbox(FIRST, big, SECOND))
    messages = iter_messages(stream)
    assert next(messages) == FIRST
    assert stream.tell() < len(stream.getvalue()) // 10  # the large one is not read yet
    assert next(messages) == big
    assert next(messages) == SECOND_READ


def test_a_message_over_the_cap_is_cut_and_the_next_one_is_whole() -> None:
    big = b"Subject: big\n\n" + b"0123456789\n" * 1000
    stream = io.BytesIO(_mbox(FIRST, big, SECOND))
    assert list(iter_messages(stream, cap=100)) == [FIRST, big[:100], SECOND_READ]
    single = io.BytesIO(big)
    assert list(iter_messages(single, cap=100)) == [big[:100]]
    assert single.tell() == len(big)  # read past, not kept
