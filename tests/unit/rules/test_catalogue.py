"""The cause catalogue and the rules are data; these tests keep the data honest."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from mailcheck import datafiles, rules
from mailcheck.datafiles import read_data
from mailcheck.facts import FACTS, FactValue
from mailcheck.rules import (
    CatalogueError,
    Rule,
    Severity,
    catalogue,
    catalogue_files,
    evaluate,
    load_causes,
    load_rules,
)

CAUSES = load_causes()
# Loaded lazily, not at import: bad rules data must fail the test that names it, not stop
# this module from being collected (a load error at import hid every assertion below).
_RULES: list[Rule] = []


def _rules() -> list[Rule]:
    if not _RULES:
        _RULES.extend(load_rules(CAUSES))
    return _RULES


@pytest.mark.parametrize("cause_id", sorted(CAUSES))
def test_every_cause_fires_from_its_example(cause_id: str) -> None:
    cause = CAUSES[cause_id]
    found = [f.cause.id for f in evaluate(_rules(), CAUSES, cause.example)]
    assert cause_id in found


def test_every_rule_names_a_known_cause_and_known_facts() -> None:
    # The shipped data as written, not as the loader passed it: ``load_rules`` checks these
    # names too, so asserting only on its result would test the loader against itself.
    written = [(name, read_data(name)) for name in catalogue_files()]
    assert sum(len(raw.get("rule", [])) for _, raw in written) == len(_rules())
    for name, raw in written:
        for i, entry in enumerate(raw.get("rule", [])):
            where = f"{name}: rule #{i + 1}"
            assert entry.get("cause") in CAUSES, where
            conditions = [*entry.get("when", []), *entry.get("unless", [])]
            assert entry.get("when"), where
            for condition in conditions:
                assert condition.get("fact") in FACTS, (where, condition)
            for superseded in entry.get("supersedes", []):
                assert superseded in CAUSES, (where, superseded)
    for rule in _rules():
        assert rule.cause in CAUSES
        for condition in (*rule.when, *rule.unless):
            assert condition.fact in FACTS
        assert all(s in CAUSES for s in rule.supersedes)


def test_every_cause_has_a_rule() -> None:
    assert {r.cause for r in _rules()} == set(CAUSES)


def test_the_five_faq_situations_are_in_the_catalogue() -> None:
    faq = {c.faq: c.id for c in CAUSES.values() if c.faq}
    assert set(faq) == {"1.1", "1.2", "2.1", "2.2", "2.3"}
    assert faq["2.1"] == "password-changed"


def test_every_cause_speaks_vietnamese_and_english() -> None:
    vietnamese = re.compile(r"[ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ]", re.IGNORECASE)
    for cause in CAUSES.values():
        assert cause.title["en"] != cause.title["vi"]
        assert vietnamese.search(cause.title["vi"] + cause.fix["vi"]), cause.id
        assert cause.fix["en"].isascii(), cause.id


def test_healthy_facts_give_only_ok() -> None:
    healthy: dict[str, FactValue] = {
        "smtp.resolve": "ok",
        "smtp.connect": "ok",
        "smtp.greeting": "ok",
        "smtp.ehlo": "ok",
        "smtp.starttls": "ok",
        "smtp.auth": "ok",
        "smtp.auth.code": 235,
    }
    findings = evaluate(_rules(), CAUSES, healthy)
    assert [f.cause.id for f in findings] == ["smtp-login-ok"]
    assert findings[0].cause.severity is Severity.OK


def test_specific_provider_cause_replaces_the_generic_one() -> None:
    facts = dict(CAUSES["smtp-auth-disabled"].example)
    assert [f.cause.id for f in evaluate(_rules(), CAUSES, facts)] == ["smtp-auth-disabled"]


def test_findings_are_ordered_worst_first() -> None:
    facts = {"smtp.auth": "ok", "smtp.probe": "deadline", "roundtrip.placement": "junk"}
    severities = [f.cause.severity for f in evaluate(_rules(), CAUSES, facts)]
    assert severities == sorted(severities, key=lambda s: -s.rank)


def _cause(**over: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "x-y",
        "severity": "critical",
        "title": {"vi": "t", "en": "t"},
        "fix": {"vi": "f", "en": "f"},
        "example": {"smtp.auth": "ok"},
    }
    entry.update(over)
    return {"cause": [entry]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_cause(id="Bad_Id"), "kebab-case"),
        (_cause(severity="fatal"), "severity must be one of"),
        (_cause(title={"en": "only english"}), "languages vi, en"),
        (_cause(example={"smtp.auht": "ok"}), "did you mean smtp.auth"),
        (_cause(example={"smtp.auth.code": "535"}), "holds int values"),
        (_cause(extra=1), "unknown key"),
        ({"cause": [_cause()["cause"][0], _cause()["cause"][0]]}, "duplicate id"),
    ],
)
def test_bad_catalogue_entries_are_named(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        load_causes(data)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"cause": "no-such-cause", "when": [{"fact": "smtp.auth", "equals": "ok"}]},
            "unknown cause",
        ),
        (
            {"cause": "smtp-login-ok", "when": [{"fact": "smtp.nope", "equals": "ok"}]},
            "unknown fact",
        ),
        (
            {"cause": "smtp-login-ok", "when": [{"fact": "smtp.auth", "like": "ok"}]},
            "exactly one of",
        ),
        (
            {"cause": "smtp-login-ok", "when": [{"fact": "smtp.auth.code", "equals": True}]},
            "int values",
        ),
        (
            {"cause": "smtp-login-ok", "when": [{"fact": "smtp.auth", "matches": "("}]},
            "regular expression",
        ),
        ({"cause": "smtp-login-ok", "when": []}, "at least one"),
        (
            {
                "cause": "smtp-login-ok",
                "when": [{"fact": "smtp.auth", "equals": "ok"}],
                "supersedes": ["x"],
            },
            "unknown cause",
        ),
    ],
)
def test_bad_rules_are_named(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        load_rules(CAUSES, {"rule": [rule]})


# ---- one file per area: each cause and its rules together


def _misplaced(files: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """What breaks "each cause beside its rules": a cause defined twice, or a rule away from it."""
    home: dict[str, str] = {}
    problems = []
    for name, raw in files:
        for entry in raw.get("cause", []):
            if entry["id"] in home:
                problems.append(f"{name}: cause {entry['id']!r} also in {home[entry['id']]}")
            home.setdefault(entry["id"], name)
    for name, raw in files:
        for entry in raw.get("rule", []):
            if home.get(entry["cause"]) != name:
                where = home.get(entry["cause"])
                problems.append(f"{name}: rule for {entry['cause']!r}, a cause of {where}")
    return problems


def test_each_cause_and_its_rules_share_one_file() -> None:
    written = [(name, read_data(name)) for name in catalogue_files()]
    assert len(written) > 1
    assert _misplaced(written) == []


def test_a_rule_away_from_its_cause_or_a_cause_in_two_files_is_caught() -> None:
    # The check above must be able to fail, or it proves nothing about the shipped files.
    a = {"cause": [{"id": "x-y"}], "rule": [{"cause": "x-y"}, {"cause": "z"}]}
    b = {"cause": [{"id": "z"}, {"id": "x-y"}], "rule": [{"cause": "z"}]}
    assert _misplaced([("causes/01-a.toml", a), ("causes/02-b.toml", b)]) == [
        "causes/02-b.toml: cause 'x-y' also in causes/01-a.toml",
        "causes/01-a.toml: rule for 'z', a cause of causes/02-b.toml",
    ]


def _catalogue_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> None:
    """Ship ``files`` as the catalogue folder instead of the real one (no cache)."""
    (tmp_path / "causes").mkdir()
    for name, text in files.items():
        (tmp_path / "causes" / name).write_text(text, "utf-8")
    monkeypatch.setattr(datafiles, "DATA_DIR", tmp_path)
    monkeypatch.setattr(rules, "DATA_DIR", tmp_path)
    monkeypatch.setenv("MAILCHECK_NO_CACHE", "1")


_CAUSE = """
[[cause]]
id = "{id}"
severity = "critical"
title = {{ vi = "t", en = "t" }}
fix = {{ vi = "f", en = "f" }}
example = {{ "smtp.auth" = "ok" }}
"""
_RULE = """
[[rule]]
cause = "{cause}"
when = [{{ fact = "smtp.auth", equals = "ok" }}]
"""


def test_every_file_is_read_in_name_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _catalogue_in(
        tmp_path,
        monkeypatch,
        {
            "02-b.toml": _CAUSE.format(id="b") + _RULE.format(cause="b"),
            "01-a.toml": _CAUSE.format(id="a") + _RULE.format(cause="a") + _CAUSE.format(id="c"),
            "README.md": "not a catalogue file",
        },
    )
    assert catalogue_files() == ["causes/01-a.toml", "causes/02-b.toml"]
    causes = load_causes()
    assert list(causes) == ["a", "c", "b"]
    assert [r.cause for r in load_rules(causes)] == ["a", "b"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"01-a.toml": _CAUSE.format(id="x"), "02-b.toml": _CAUSE.format(id="x")},
            r"causes/02-b\.toml: cause #1 'x': duplicate id \(also in causes/01-a\.toml\)",
        ),
        (
            {"01-a.toml": _CAUSE.format(id="x"), "02-b.toml": _CAUSE.format(id="Bad_Id")},
            r"causes/02-b\.toml: cause #1 'Bad_Id': id must be kebab-case",
        ),
        (
            {"01-a.toml": _CAUSE.format(id="x") + _RULE.format(cause="y")},
            r"causes/01-a\.toml: rule #1 \(y\): unknown cause 'y'",
        ),
        ({"01-a.toml": "[[rules]]\ncause = 'x'\n"}, r"causes/01-a\.toml: unknown key\(s\) rules"),
        ({"01-a.toml": "[[cause]\n"}, r"causes/01-a\.toml: not valid TOML"),
    ],
)
def test_errors_name_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], message: str
) -> None:
    _catalogue_in(tmp_path, monkeypatch, files)
    with pytest.raises(CatalogueError, match=message):
        load_rules(load_causes())


def test_the_catalogue_is_loaded_once_and_read_only() -> None:
    first = catalogue()
    assert catalogue() is first
    assert list(first.causes) == list(CAUSES)
    assert list(first.rules) == _rules()
    cause = first.causes["password-changed"]
    assert cause == CAUSES["password-changed"]
    with pytest.raises(TypeError):
        first.causes["x"] = cause  # type: ignore[index]
    with pytest.raises(TypeError):
        cause.title["en"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        cause.example["smtp.auth"] = "ok"  # type: ignore[index]
