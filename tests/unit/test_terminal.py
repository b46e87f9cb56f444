"""printable(): untrusted text loses every control and escape sequence before a terminal sees it."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcheck.terminal import printable

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _forbidden(text: str, *, layout: bool) -> list[str]:
    """The characters a terminal would act on that are still in ``text``."""
    allowed = {"\n", "\t"} if layout else set()
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) == "Cc" and ch not in allowed)
        or ch in BIDI
        or unicodedata.category(ch) == "Cs"
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # OSC window title, BEL- and ST-terminated: the title text goes too.
        ("535 \x1b]0;pwned\x07Bad password", "535 Bad password"),
        ("535 \x1b]2;pwned\x1b\\Bad password", "535 Bad password"),
        # OSC 8 hyperlink that would hide its target behind harmless text.
        ("\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", "click"),
        # CSI: colour, cursor up and erase line, private mode.
        ("\x1b[31mred\x1b[0m \x1b[1A\x1b[2Kgone \x1b[?25lhidden", "red gone hidden"),
        # 8-bit C1 CSI and OSC.
        ("a\x9b31mb \x9d0;t\x9cc", "ab c"),
        # DCS, APC, PM, SOS strings.
        ("a\x1bPq#0;1\x1b\\b\x1b_apc\x1b\\c\x1b^pm\x07d\x1bXsos\x1b\\e", "abcde"),
        # Other escapes: reset terminal, charset switch.
        ("\x1bcreset \x1b(Bcharset", "reset charset"),
        # Backspaces that would overwrite "OK" and a CR that would overwrite the line.
        ("CRITICAL\x08\x08\x08\x08\x08\x08\x08\x08OK", "CRITICALOK"),
        ("550 rejected\rOK everything fine", "550 rejected OK everything fine"),
        # Bidi override reordering a file name (Trojan Source).
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("a\u2066b\u2069c", "abc"),
        # NUL, BEL, DEL and a lone ESC at the end.
        ("a\x00b\x07c\x7fd\x1b", "abcd"),
        # Unterminated sequences: the introducer goes, the text stays visible.
        ("550 \x1b]0;no terminator", "550 0;no terminator"),
        ("550 \x1b[12", "550 12"),
        # A byte that was not UTF-8 (surrogate escape) becomes visible and encodable.
        ("caf\udce9", "caf\ufffd"),
        # Ordinary text, Vietnamese included, is unchanged.
        ("Hộp thư đầy (mailbox full)", "Hộp thư đầy (mailbox full)"),
    ],
)
def test_escape_sequences_and_controls_are_removed(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_layout_keeps_line_feeds_and_tabs_only_when_asked() -> None:
    text = "line 1\r\n\tline 2\nline 3\x1b[2J"
    assert printable(text, layout=True) == "line 1\n\tline 2\nline 3"
    assert printable(text) == "line 1  \tline 2 line 3".replace("\t", " ")


@given(st.text())
def test_no_string_keeps_anything_a_terminal_acts_on(text: str) -> None:
    assert _forbidden(printable(text), layout=False) == []
    assert _forbidden(printable(text, layout=True), layout=True) == []


@given(
    st.text(
        alphabet=st.sampled_from(
            ["\x1b", "[", "]", "0", ";", "m", "\x07", "\\", "P", "\x9b", "\x9d", "\x9c", "a", "\r"]
        )
    )
)
def test_escape_heavy_strings_leave_no_control_behind(text: str) -> None:
    cleaned = printable(text)
    assert _forbidden(cleaned, layout=False) == []
    assert printable(cleaned) == cleaned  # cleaning twice changes nothing


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_text_without_controls_is_unchanged(text: str) -> None:
    assert printable(text) == text
    assert printable(text, layout=True) == text


HOSTILE = "550 \x1b]0;pwned\x07no\x1b[2K such user\rOK \u202eevil\x08"


def _clean(text: str, *, layout: bool = True) -> bool:
    return _forbidden(text, layout=layout) == []


def test_the_progress_line_shows_no_escape_sequence() -> None:
    from mailcheck.progress import Progress

    progress = Progress()
    progress.update("imap", "watch " + HOSTILE)
    line = progress.line()
    assert _clean(line, layout=False)
    assert "no such user OK evil" in line


def test_the_check_report_shows_no_escape_sequence() -> None:
    from datetime import UTC, datetime

    from mailcheck.check.result import CheckRun, ProfileResult
    from mailcheck.report.check import render_check_human, render_check_json
    from mailcheck.rules import Severity

    result = ProfileResult(
        profile="main\x1b[31m",
        started_at=datetime(2025, 11, 27, tzinfo=UTC),
        elapsed_s=1.0,
        status=Severity.UNKNOWN,
        summary=HOSTILE,
        error=HOSTILE,
    )
    skipped = ProfileResult(
        profile="backup",
        started_at=datetime(2025, 11, 27, tzinfo=UTC),
        elapsed_s=0.0,
        status=Severity.UNKNOWN,
        summary="skipped",
        skipped=HOSTILE,
    )
    run = CheckRun(results=(result, skipped))
    for lang in ("en", "vi"):
        text = render_check_human(run, lang=lang, colour=False)
        assert _clean(text), text
        assert "no such user OK evil" in text
    # JSON keeps the server's words as they were.
    assert json.loads(render_check_json(run))["profiles"][0]["error"] == HOSTILE
