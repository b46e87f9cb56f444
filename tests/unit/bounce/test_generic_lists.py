"""The list under an intro line ("The following addresses ...") is found in any case, and
lines without an address cost nothing: the fast paths give the answers of the slow ones."""

from __future__ import annotations

import pytest

from mailcheck.bounce import generic
from mailcheck.bounce.hits import Hit

_HEADERS = [("From", "Mail Gateway <mailer-daemon@gw.example.org>"), ("To", "me@shop.example")]


def test_the_intro_pattern_is_written_in_lower_case() -> None:
    # It is also searched without IGNORECASE on lower-cased ASCII lines: an upper-case
    # letter in it would never match there.
    assert generic._LIST_INTRO.pattern == generic._LIST_INTRO.pattern.lower()


@pytest.mark.parametrize(
    "intro",
    [
        "The following addresses had delivery problems:",
        "THE FOLLOWING ADDRESSES HAD DELIVERY PROBLEMS:",
        "tHe FoLlOwInG aDdReSsEs had delivery problems:",
        # Not ASCII: the case-blind pattern, where 'EMPFÄNGER' is 'empfänger'.
        "Die Nachricht konnte den FOLGENDEN EMPFÄNGER nicht erreichen:",
    ],
)
def test_the_list_under_an_intro_line_is_read_in_any_case(intro: str) -> None:
    text = f"Hello,\n\n{intro}\n\n    lan.nguyen@river.example\n    Mailbox quota exceeded\n\nBye\n"
    hits = generic.extract_generic(text, _HEADERS)
    assert [h.recipient for h in hits] == ["lan.nguyen@river.example"]
    assert generic._intro(intro) is not None
    assert generic._LIST_INTRO.search(intro) is not None


def test_the_intro_match_keeps_the_lines_offsets() -> None:
    # The address right after the intro is cut from the original line at the match's end.
    line = "COULD NOT DELIVER YOUR MESSAGE TO Binh.Tran@Delta.example: user unknown"
    match = generic._intro(line)
    assert match is not None
    assert line[match.end() :] == " Binh.Tran@Delta.example: user unknown"
    hits = generic.extract_generic(line + "\n", _HEADERS)
    assert hits[0] == Hit("Binh.Tran@Delta.example", "user unknown", None)


def test_a_line_without_an_at_sign_gives_no_address() -> None:
    assert generic._addresses_in("no address on this line, only words", set()) == []
    assert generic._addresses_in("write to ha.le@lake.example today", set()) == [
        "ha.le@lake.example"
    ]


def test_the_fallback_skips_the_sender_and_lines_without_addresses() -> None:
    text = "Delivery failed.\n\nRecipient: thu.pham@hill.example\nSender: me@shop.example\n"
    own = generic._own_addresses(_HEADERS)
    assert generic._fallback_addresses(text, own) == ["thu.pham@hill.example"]
