"""Header values as the bounce parser reads them: blanks folded, names found in any case."""

from __future__ import annotations

import re

import pytest

from mailcheck.bounce.decode import decode_header, header_value


@pytest.mark.parametrize(
    "raw",
    [
        "550 5.1.1 <ann@example.net>:\r\n\tRecipient address rejected",
        "  leading and trailing  \t ",
        "vertical\x0btab and form\x0cfeed",
        "file\x1cgroup\x1drecord\x1eunit\x1fseparators",
        "",
        "one",
    ],
)
def test_every_run_of_blanks_becomes_one_space_and_the_ends_are_trimmed(raw: str) -> None:
    # What a regular expression's \s folds is what the value reads as.
    assert decode_header(raw) == re.sub(r"\s+", " ", raw).strip()


def test_an_encoded_word_is_still_decoded() -> None:
    assert decode_header("=?utf-8?b?VGjGsCBi4buLIHRy4bqjIGzhuqFp?=") == "Thư bị trả lại"


def test_a_header_is_found_whatever_the_case_of_its_name() -> None:
    headers = [("X-Other", "1"), ("SUBJECT", "Undelivered"), ("Subject", "second")]
    assert header_value(headers, "subject") == "Undelivered"
    assert header_value(headers, "x-other") == "1"
    assert header_value(headers, "from") is None
    # A name that only starts like the one asked for is another header.
    assert header_value([("Subjects", "no")], "subject") is None
