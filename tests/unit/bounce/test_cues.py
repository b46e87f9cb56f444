"""Cues: a substring test that rules a pattern's search out, never in. Every answer with cues
must be the search's answer without them."""

from __future__ import annotations

import re

import pytest

from mailcheck.bounce import reasons
from mailcheck.bounce.cues import (
    _alternatives,
    _branch_cues,
    _longest_run,
    _required_groups,
    may_match,
    required_cues,
)
from mailcheck.bounce.model import Style

# Notices written for these tests: one or two per kind of wording, and prose that says nothing.
TEXTS = [
    "550 5.1.1 <an.le@river.example>: Recipient address rejected: User unknown in virtual table",
    "The e-mail account that you tried to reach does not exist. Please check the spelling.",
    "452 4.2.2 The mailbox is FULL, over quota, try again later",
    "Delivery has failed: message expired after sitting in queue for 5 days",
    "Your message could not be delivered for 3 days and has stopped trying.",
    "The sending server gave up after 48 hours of retries",
    "554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org",
    "host mx.lake.example said: 550 SPF check failed for 198.51.100.7 (in reply to RCPT TO)",
    "421 4.7.0 Try again later, closing connection. Too many connections from your IP",
    "Connection timed out while talking to mx2.hill.example",
    "Host or domain name not found. Name service error for name=hill.example type=A",
    "552 5.3.4 Message size exceeds fixed maximum message size",
    "530 5.7.0 Must issue a STARTTLS command first",
    "550 5.7.1 Relaying denied. Proper authentication required.",
    "Message rejected: URL in message body is listed on a blocklist",
    "The account has been disabled due to inactivity",
    "Delivery failed after 12 attempts, retry timeout exceeded",
    "Chúng tôi không gửi được thư: hộp thư đầy",
    "Hello, this is just a letter about lunch on Friday.",
    "",
]


@pytest.mark.parametrize(
    ("source", "branches"),
    [
        ("a|b", ["a", "b"]),
        ("a(?:b|c)|d", ["a(?:b|c)", "d"]),
        (r"a[|]b|c\|d", [r"a[|]b", r"c\|d"]),
        (r"[^|\]]x|y", [r"[^|\]]x", "y"]),
    ],
)
def test_branches_are_cut_at_the_top_level_only(source: str, branches: list[str]) -> None:
    assert _alternatives(source) == branches


@pytest.mark.parametrize(
    ("branch", "run"),
    [
        ("retry timeout exceeded", "retry timeout exceeded"),
        ("e-?mail", "mail"),  # the "-" may be absent: not part of a run
        ("(?:has )?stopped trying", "stopped trying"),
        (r"not (?:been )?delivered within \d", "delivered within "),
        (r"failed \d{1,4} tries", "failed "),
        (r"queue\.expired", "queue.expired"),
        (r"[^\s]{1,255} is not found", " is not found"),
        (r"ab{2,}c", "a"),
        # Lookarounds and word boundaries take no character: the run goes on through them.
        (r"x(?<!\wx)yz", "xyz"),
        (r"p(?<!\wp)tr\b", "ptr"),
        (r"no\b such", "no such"),
        (r"ab(?!c[)])de", "abde"),
        # ... unless repeated (not worth reading): the run is cut there.
        (r"ab(?=c)?d", "ab"),
        (r"\d+", ""),
    ],
)
def test_a_run_is_what_every_match_of_the_branch_contains(branch: str, run: str) -> None:
    assert _longest_run(branch) == run


@pytest.mark.parametrize(
    ("branch", "groups", "cues"),
    [
        # A group every match goes through gives its branches' runs when they are longer.
        ("(?:must|please|need to) go ?in", ["must|please|need to"], ("must", "please", "need to")),
        ("a(?:bcd|efg)", ["bcd|efg"], ("bcd", "efg")),
        # An optional group, a lookaround and a quantified group may match nothing.
        ("(?:quota|limit)? x", [], (" x",)),
        ("(?<!temporarily )suspended", [], ("suspended",)),
        ("(?:quota|limit){0,2}x", [], ("x",)),
        # A branch of the group without a run: the group gives nothing.
        (r"ab(?:cd|\d)", [r"cd|\d"], ("ab",)),
    ],
)
def test_a_required_groups_branches_give_the_cues(
    branch: str, groups: list[str], cues: tuple[str, ...]
) -> None:
    assert _required_groups(branch) == groups
    assert _branch_cues(branch) == cues


def test_no_cues_when_a_branch_has_no_run_or_the_flags_change_letters() -> None:
    assert required_cues(re.compile(r"quota|\d{3}")) is None
    assert required_cues(re.compile("quota", re.IGNORECASE)) is None
    assert required_cues(re.compile("quota|over limit")) == ("quota", "over limit")
    assert may_match(None, "anything")
    assert not may_match(("quota",), "nothing here")


@pytest.mark.parametrize("text", TEXTS)
def test_every_match_of_a_row_holds_one_of_its_cues(text: str) -> None:
    prepared = reasons._for_patterns(text)
    for (pattern, _reason), cues in zip(reasons.TEXT_PATTERNS, reasons._TEXT_CUES, strict=True):
        for match in pattern.finditer(prepared):
            assert may_match(cues, match.group(0)), (pattern.pattern, match.group(0))


@pytest.mark.parametrize("text", TEXTS)
def test_the_reason_is_the_searchs_without_cues(text: str) -> None:
    prepared = reasons._for_patterns(text)
    searched = next((r for p, r in reasons.TEXT_PATTERNS if p.search(prepared)), None)
    if searched is reasons.Reason.NETWORK and reasons._LOCAL_PROGRAM.search(prepared):
        searched = reasons.Reason.OTHER
    assert reasons.classify_text(text) == searched
    expired = reasons._EXPIRY.search(" ".join(text.lower().split())) is not None
    assert reasons.says_expired(text) is expired


def test_the_first_classified_line_is_the_one_classify_text_finds_first() -> None:
    lines = [
        "Hello,",
        "",
        "we could not pass your letter on.",
        "Mailbox is full: thu.pham@hill.example",
        "Connection timed out while talking to mx2.hill.example",
    ]
    assert reasons.first_classified(lines) == 3
    assert reasons.first_classified(lines[:3]) is None
    assert reasons.first_classified([]) is None
    for start in range(len(lines)):
        expected = next(
            (i for i, line in enumerate(lines[start:]) if reasons.classify_text(line)), None
        )
        assert reasons.first_classified(lines[start:]) == expected


SIGNATURES = [
    "Subject: Undelivered Mail\nThis is the mail system at host mx.lake.example.",
    "This message was created automatically by mail delivery software.\nX-Exim-Id: 1",
    "X-MS-Exchange-Message-Is-NDR: \nDelivery has failed to these recipients or groups:",
    "Hi. This is the qmail-send program at mail.hill.example.",
    "From: Mail Delivery Subsystem\n   ----- Transcript of session follows -----",
    "** Address not found **\nGoogle tried to deliver your message, but it was rejected",
    "Delivery Failure: the recipient was not found in the Domino Directory",
    "Error message below:\n550 no such user",
    "Your mail sent on: Mon, 1 Jan 2026\ncould not be delivered to: <a@b.example>",
    "-----server message\n「m-filter」 rejected it",
    "Your message to the list was delayed; delivery attempts will continue for 5 days",
    "Hello, nothing here but a letter.",
]


@pytest.mark.parametrize("signature", SIGNATURES)
def test_the_style_and_the_delay_words_are_the_plain_searchs(signature: str) -> None:
    from mailcheck.bounce import detect, generic

    lowered = signature.lower()
    plain = next((s for s, p in detect._STYLE_PRINTS_LOWER if p.search(lowered)), None)
    assert detect.detect_style(signature) is (plain or Style.UNKNOWN)
    for (_style, pattern), cues in zip(detect._STYLE_PRINTS_LOWER, detect._STYLE_CUES, strict=True):
        for match in pattern.finditer(lowered):
            assert may_match(cues, match.group(0)), pattern.pattern
    assert detect.says_delayed(signature) is (detect._DELAY_TEXT_LOWER.search(lowered) is not None)
    for line in signature.split("\n"):
        plain_intro = generic._LIST_INTRO_LOWER.search(line.lower())
        found = generic._intro(line)
        assert (found and found.span()) == (plain_intro and plain_intro.span())
