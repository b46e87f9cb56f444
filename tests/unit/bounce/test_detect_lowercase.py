"""The fingerprints and the delay words are matched on lower-cased ASCII text without
IGNORECASE (faster); the answers are those of a case-blind search, whatever the case."""

from __future__ import annotations

import pytest

from mailcheck.bounce import detect
from mailcheck.bounce.model import Style


def test_every_fingerprint_and_the_delay_words_are_written_in_lower_case() -> None:
    # Upper-case letters in a pattern would never match the lower-cased text.
    for _style, pattern in detect._STYLE_PRINTS:
        assert pattern.pattern == pattern.pattern.lower(), pattern.pattern
    assert detect.DELAY_TEXT.pattern == detect.DELAY_TEXT.pattern.lower()


@pytest.mark.parametrize(
    ("signature", "style"),
    [
        (
            "Subject: Undelivered Mail\nTHIS IS THE MAIL SYSTEM AT HOST mx.example.net.",
            Style.POSTFIX,
        ),
        ("This Message Was Created Automatically By Mail Delivery Software.", Style.EXIM),
        ("X-MS-Exchange-Message-Is-NDR: \nDiagnostic information", Style.EXCHANGE),
        ("Hi, This Is The Qmail-Send Program at mail.example.org.", Style.QMAIL),
        # Not ASCII: searched case-blind as before, where 'İ' is an 'i' (lower() makes it two
        # characters, which the lower-case patterns would miss).
        ("DİAGNOSEİNFORMATİONEN FÜR ADMİNİSTRATOREN", Style.EXCHANGE),
        ("Diagnoseinformationen FÜR Administratoren:", Style.EXCHANGE),
        ("Hello, nothing here but a letter.", Style.UNKNOWN),
    ],
)
def test_a_fingerprint_is_found_in_any_case(signature: str, style: Style) -> None:
    assert detect.detect_style(signature) is style
    case_blind = next(
        (s for s, pattern in detect._STYLE_PRINTS if pattern.search(signature)), Style.UNKNOWN
    )
    assert case_blind is style


@pytest.mark.parametrize(
    ("text", "delayed"),
    [
        ("Your message has NOT YET BEEN DELIVERED. It will be retried.", True),
        ("Delivery Is Delayed to these recipients", True),
        ("ZUSTELLUNG VERZÖGERT an folgende Empfänger", True),
        ("Thư của bạn BỊ TRÌ HOÃN", True),
        ("Delivery to the following recipients failed permanently.", False),
    ],
)
def test_the_delay_words_are_found_in_any_case(text: str, delayed: bool) -> None:
    assert detect.says_delayed(text) is delayed
    assert (detect.DELAY_TEXT.search(text) is not None) is delayed
