"""mailcheck's Public Suffix List reader gives the same answers as the list's own tests,
and as publicsuffixlist's class, for names under every rule of the list."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from publicsuffixlist import PublicSuffixList

from mailcheck.auth.psl import registrable_domain

PACKAGE = files("publicsuffixlist")


def _a_label(name: str) -> str:
    return name if name.isascii() else name.encode("idna").decode("ascii")


def _official_cases() -> list[tuple[str, str | None]]:
    """checkPublicSuffix('name', 'expected') lines of the list's own test file."""
    text = PACKAGE.joinpath("test_psl.txt").read_text("utf-8")
    found = re.findall(r"^checkPublicSuffix\('([^']*)', (null|'[^']*')\);", text, re.MULTILINE)
    return [(name, None if expected == "null" else expected.strip("'")) for name, expected in found]


CASES = _official_cases()


def test_the_official_test_file_was_read() -> None:
    assert len(CASES) > 70


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_official_public_suffix_cases(name: str, expected: str | None) -> None:
    # mailcheck asks with A-labels (the DNS form), so the Unicode cases are asked that way.
    want = _a_label(expected) if expected else None
    assert registrable_domain(_a_label(name)) == want


def test_same_answers_as_publicsuffixlist_under_every_rule() -> None:
    reference = PublicSuffixList(accept_unknown=True)
    text = PACKAGE.joinpath("public_suffix_list.dat").read_text("utf-8")
    rules = {
        line.strip().lstrip("!").removeprefix("*.")
        for line in text.splitlines()
        if line.strip() and not line.startswith("//")
    }
    names = [_a_label(f"{prefix}{rule}") for rule in rules for prefix in ("", "x.", "a.x.")]
    assert len(names) > 20000
    differ = [n for n in names if registrable_domain(n) != reference.privatesuffix(n)]
    assert differ == []
