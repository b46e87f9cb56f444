"""The generated docs are current, and the README and docs/ link only to what exists.

``make docs`` (:mod:`mailcheck.docgen`) writes docs/configuration.md's key tables and
docs/causes.md from the code; these tests regenerate them in memory and compare.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mailcheck import docgen
from mailcheck.profiles import PROFILE_KEYS, TOP_KEYS
from mailcheck.rules import load_causes

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
# [text](target) in Markdown, outside code; the target up to a space, ")" or "#".
LINK = re.compile(r"\]\(([^)\s#]*)(#[^)\s]*)?\)")


@pytest.mark.parametrize("name", sorted(docgen.GENERATED))
def test_generated_doc_is_what_make_docs_writes(name: str) -> None:
    path = DOCS / name
    current = path.read_text(encoding="utf-8")
    assert docgen.GENERATED[name](current) == current, f"docs/{name} is stale: run make docs"


def test_stale_sees_a_hand_edit_of_a_generated_file(tmp_path: Path) -> None:
    # The control for the test above: an edited row is stale, and make docs puts it back.
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in docgen.GENERATED:
        shutil.copy(DOCS / name, docs / name)
    assert docgen.stale(docs) == []
    config = docs / "configuration.md"
    original = config.read_text(encoding="utf-8")
    config.write_text(original.replace("| `smtp_port` |", "| `smtp_prot` |"), encoding="utf-8")
    causes = docs / "causes.md"
    causes.write_text(causes.read_text(encoding="utf-8") + "\nA note by hand.\n", "utf-8")
    assert docgen.stale(docs) == ["configuration.md", "causes.md"]
    assert docgen.main(["--check", str(docs)]) == 1
    assert docgen.main([str(docs)]) == 0
    assert docgen.stale(docs) == []
    assert config.read_text(encoding="utf-8") == original


def test_every_config_key_is_in_the_configuration_page() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for key in PROFILE_KEYS | TOP_KEYS:
        assert re.search(rf"(?m)^\| `{key}` \| ", text), key


def test_a_profile_key_without_a_meaning_stops_the_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meanings = dict(docgen.PROFILE_MEANINGS)
    del meanings["attachment_size"]
    monkeypatch.setattr(docgen, "PROFILE_MEANINGS", meanings)
    current = (DOCS / "configuration.md").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="attachment_size"):
        docgen.configuration_page(current)


def test_every_cause_is_in_the_causes_page_in_both_languages() -> None:
    text = (DOCS / "causes.md").read_text(encoding="utf-8")
    for cause in load_causes().values():
        assert f"### `{cause.id}`\n" in text, cause.id
        for lang in ("en", "vi"):
            assert cause.title[lang] in text, (cause.id, lang)
            assert cause.fix[lang] in text, (cause.id, lang)


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_point_to_files_and_headings_that_exist(page: Path) -> None:
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    for target, anchor in LINK.findall(text):
        if target.startswith(("http://", "https://")):
            continue
        linked = (page.parent / target).resolve() if target else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"(?m)^#+ (.+)$", linked.read_text(encoding="utf-8"))
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor[1:] in slugs, f"{page.name}: {target}{anchor}"


def _command_rows(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    start = text.index("## Commands\n")
    return re.findall(r"(?m)^\| `mailcheck .*$", text[start : text.index("\n## ", start + 1)])


def test_the_readme_lists_the_commands_the_commands_page_does() -> None:
    rows = _command_rows(README)
    assert len(rows) >= 10, rows
    assert rows == _command_rows(DOCS / "commands.md")


def test_the_readme_stays_short() -> None:
    # About 150 lines (issue 12): the detail lives in docs/.
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 180
