"""One catalogue of words: every key in vi and en, and no renderer with status words of its own."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import mailcheck.report
from mailcheck.report.i18n import CATALOGUE, LANGS, STATE_WORDS, STATUS_WORDS

REPORT_DIR = Path(mailcheck.report.__file__).parent
HISTORY_COMMAND = REPORT_DIR.parent / "cli" / "commands" / "history.py"


def _shape(value: Any) -> Any:
    """The keys of a table, all the way down (the words themselves left out)."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return len(value)
    return type(value).__name__


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_key_has_vi_and_en(name: str) -> None:
    table = CATALOGUE[name]
    assert sorted(table) == sorted(LANGS), name
    assert _shape(table["vi"]) == _shape(table["en"]), name
    for lang in LANGS:
        words = table[lang].values() if isinstance(table[lang], dict) else table[lang]
        assert all(words), (name, lang)


def _status_words() -> set[str]:
    words = {w for lang in LANGS for w in STATUS_WORDS[lang].values()}
    words |= {w for lang in LANGS for w in STATE_WORDS[lang].values()}
    return words - {"OK"}  # "OK" is also a step outcome and an SMTP word; the rest are not


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _renderers() -> list[Path]:
    files = [p for p in sorted(REPORT_DIR.glob("*.py")) if p.name != "i18n.py"]
    return [*files, HISTORY_COMMAND]


@pytest.mark.parametrize("path", _renderers(), ids=lambda p: p.name)
def test_renderers_spell_no_status_word_outside_the_catalogue(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    words = _status_words()
    found = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and any(word in node.value for word in words)
    ]
    assert found == []


def test_the_catalogue_check_would_notice_a_stray_word() -> None:
    tree = ast.parse('"""Docstring: CRITICAL is fine here."""\nX = f"{a} CẢNH BÁO"\n')
    skip = _docstrings(tree)
    strays = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
        if any(w in n.value for w in _status_words())
    ]
    assert strays == [" CẢNH BÁO"]


def test_the_history_renderer_lives_in_report() -> None:
    source = HISTORY_COMMAND.read_text(encoding="utf-8")
    assert "def render_history" not in source
    assert "_TEXT" not in source
