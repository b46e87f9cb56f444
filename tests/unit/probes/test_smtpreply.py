"""Reply parsing: the enhanced status code is split off once, here."""

from __future__ import annotations

from mailcheck.probes.smtpreply import MAX_TEXT, make_reply, split_enhanced


def test_enhanced_code_is_split_from_every_line_of_a_multiline_reply() -> None:
    text = "5.7.9 Application-specific password required.\n5.7.9  https://support.google.com/x"
    assert split_enhanced(text) == (
        "5.7.9",
        "Application-specific password required.\nhttps://support.google.com/x",
    )


def test_reply_without_enhanced_code_is_kept_whole() -> None:
    assert split_enhanced("Authentication failed") == (None, "Authentication failed")
    assert split_enhanced("2.0 not a code") == (None, "2.0 not a code")


def test_three_digit_detail_is_an_enhanced_code() -> None:
    reply = make_reply(535, "5.7.139 Authentication unsuccessful")
    assert (reply.code, reply.enhanced, reply.text) == (
        535,
        "5.7.139",
        "Authentication unsuccessful",
    )


def test_hostile_long_reply_is_cut() -> None:
    reply = make_reply(250, "x" * (MAX_TEXT * 3))
    assert len(reply.text) < MAX_TEXT + 10
    assert str(reply).startswith("250 xxx")
