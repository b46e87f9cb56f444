"""The cause catalogue and the rules that map facts to causes, both TOML data.

``data/causes/NN-area.toml`` holds one area of the catalogue: each cause says
what it *is* (id, FAQ case, severity, title and fix in Vietnamese and English,
and example facts that fire it), and right after it come the rules that say
*when* it applies: every ``when`` condition holds and no ``unless`` condition
does. Operators are a small closed set; anything cleverer becomes a fact in
``facts.py``. The files are read in name order, which is the catalogue's order.

Every file is checked on load, with messages that name the file and entry, so
a bad edit gets a clear error, never a silent skip. :func:`catalogue` loads
and checks it once per process.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from mailcheck.datafiles import DATA_DIR, read_data
from mailcheck.errors import MailcheckError, did_you_mean
from mailcheck.facts.registry import FACTS
from mailcheck.facts.spec import FactValue

__all__ = [
    "CATALOGUE_DIR",
    "Catalogue",
    "CatalogueError",
    "Cause",
    "Condition",
    "Finding",
    "Rule",
    "Severity",
    "catalogue",
    "catalogue_files",
    "evaluate",
    "load_causes",
    "load_rules",
]


class CatalogueError(MailcheckError):
    """The cause catalogue or the rules file is malformed."""


class Severity(enum.StrEnum):
    """How bad a cause is; each maps to a monitoring-plugin exit code."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        """0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."""
        return _EXIT[self]

    @property
    def rank(self) -> int:
        """Worst-state order used by monitoring plugins: CRITICAL > WARNING > UNKNOWN > OK."""
        return _RANK[self]


_EXIT = {Severity.OK: 0, Severity.WARNING: 1, Severity.CRITICAL: 2, Severity.UNKNOWN: 3}
_RANK = {Severity.OK: 0, Severity.UNKNOWN: 1, Severity.WARNING: 2, Severity.CRITICAL: 3}
_LANGS = ("vi", "en")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cause:
    """A documented reason why an invoice did not arrive, and its fix."""

    id: str
    faq: str | None
    """The support FAQ's case it belongs to (``1.1``, ``2.1``, ...), if any."""
    severity: Severity
    title: Mapping[str, str]
    fix: Mapping[str, str]
    example: Mapping[str, FactValue]
    """Facts that make this cause fire (tested)."""


_OPS = ("equals", "not_equals", "in", "not_in", "contains", "matches", "exists")


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """``fact`` compared with ``value`` by ``op``."""

    fact: str
    op: str
    value: Any

    def holds(self, facts: Mapping[str, FactValue]) -> bool:
        """Evaluate; a missing fact makes every operator false but ``exists = false``."""
        present = self.fact in facts
        if self.op == "exists":
            return present is bool(self.value)
        if not present:
            return False
        actual = facts[self.fact]
        if self.op == "equals":
            return bool(actual == self.value)
        if self.op == "not_equals":
            return bool(actual != self.value)
        if self.op == "in":
            return bool(actual in self.value)
        if self.op == "not_in":
            return bool(actual not in self.value)
        if self.op == "contains":
            return str(self.value).lower() in str(actual).lower()
        if self.op == "matches":
            return re.search(str(self.value), str(actual), re.IGNORECASE) is not None
        raise AssertionError(f"unknown operator {self.op}")  # the loader allows no other


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """When the conditions hold, the cause applies."""

    cause: str
    when: tuple[Condition, ...]
    unless: tuple[Condition, ...] = ()
    supersedes: tuple[str, ...] = ()
    """Causes this more specific one replaces when both fire."""
    needs: frozenset[str] = field(init=False, repr=False, compare=False)
    """Facts that must be present for ``when`` to hold (every condition on a missing fact is
    false but ``exists = false``): :func:`evaluate` skips the rule without them, which saves
    most of the work, since a diagnosis has a few dozen facts and the catalogue many rules."""

    def __post_init__(self) -> None:
        needs = frozenset(c.fact for c in self.when if not (c.op == "exists" and not c.value))
        object.__setattr__(self, "needs", needs)

    def fires(self, facts: Mapping[str, FactValue]) -> bool:
        """True when all of ``when`` hold and none of ``unless`` does."""
        return all(c.holds(facts) for c in self.when) and not any(
            c.holds(facts) for c in self.unless
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A cause that applies, with the facts that made it apply."""

    cause: Cause
    because: tuple[tuple[str, FactValue], ...]


#: The catalogue's folder under ``data/``: one TOML file per area, read in name order.
CATALOGUE_DIR = "causes"
#: What a catalogue file may hold at its top level.
_TOP_KEYS = {"schema", "cause", "rule"}
#: How errors name data handed in by a caller (tests) rather than read from a file.
_GIVEN = "(given data)"


def catalogue_files() -> list[str]:
    """The catalogue's files, ``causes/NN-area.toml``, in name order (the catalogue's order)."""
    folder = DATA_DIR / CATALOGUE_DIR
    return sorted(f"{CATALOGUE_DIR}/{path.name}" for path in folder.glob("*.toml"))


def _read(name: str) -> dict[str, Any]:
    try:
        return read_data(name)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise CatalogueError(f"{name}: not valid TOML: {exc}") from None


def _sources(data: Mapping[str, Any] | None) -> list[tuple[str, Mapping[str, Any]]]:
    """Each file of the catalogue with its name, or the caller's ``data`` alone."""
    if data is not None:
        return [(_GIVEN, data)]
    sources: list[tuple[str, Mapping[str, Any]]] = []
    for name in catalogue_files():
        raw = _read(name)
        unknown = set(raw) - _TOP_KEYS
        if unknown:
            # A typo such as [[rules]] would otherwise drop its entries without a word.
            raise CatalogueError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
        sources.append((name, raw))
    if not sources:
        raise CatalogueError(f"{CATALOGUE_DIR}/: no catalogue files (*.toml)")
    return sources


def _texts(raw: Any, where: str, key: str) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) != set(_LANGS):
        raise CatalogueError(f"{where}: '{key}' needs exactly the languages {', '.join(_LANGS)}")
    for lang, text in raw.items():
        if not isinstance(text, str) or not text.strip():
            raise CatalogueError(f"{where}: '{key}.{lang}' is empty")
    # Lines are wrapped in the file for reading; a blank line separates paragraphs.
    return {
        lang: "\n\n".join(" ".join(p.split()) for p in raw[lang].strip().split("\n\n"))
        for lang in _LANGS
    }


def _check_fact(name: Any, where: str) -> str:
    if not isinstance(name, str) or name not in FACTS:
        extra = did_you_mean(str(name), list(FACTS))
        raise CatalogueError(f"{where}: unknown fact {name!r}{extra}")
    return name


def _check_value(fact: str, value: Any, where: str) -> None:
    expected = FACTS[fact].type
    # bool is an int in Python; keep the two apart so `equals = true` on a code is caught.
    if type(value) is not expected:
        raise CatalogueError(
            f"{where}: fact {fact!r} holds {expected.__name__} values, not {value!r}"
        )


def _cause(entry: Mapping[str, Any], where: str) -> Cause:
    unknown = set(entry) - {"id", "faq", "severity", "title", "fix", "example"}
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    cid = entry.get("id")
    if not isinstance(cid, str) or not _ID.match(cid):
        raise CatalogueError(f"{where}: id must be kebab-case")
    raw_severity: Any = entry.get("severity")
    try:
        severity = Severity(raw_severity)
    except ValueError:
        raise CatalogueError(
            f"{where}: severity must be one of {', '.join(s.value for s in Severity)}"
        ) from None
    example = entry.get("example")
    if not isinstance(example, dict) or not example:
        raise CatalogueError(f"{where}: needs an 'example' table of facts that fire it")
    for fact, value in example.items():
        _check_value(_check_fact(fact, where), value, where)
    faq = entry.get("faq")
    return Cause(
        id=cid,
        faq=str(faq) if faq is not None else None,
        severity=severity,
        title=_texts(entry.get("title"), where, "title"),
        fix=_texts(entry.get("fix"), where, "fix"),
        example=example,
    )


def load_causes(data: Mapping[str, Any] | None = None) -> dict[str, Cause]:
    """Load and check the cause catalogue (every file of ``data/causes/``, or ``data``)."""
    causes: dict[str, Cause] = {}
    origin: dict[str, str] = {}  # cause id -> the file that defines it, for the duplicate error
    for name, raw in _sources(data):
        for i, entry in enumerate(raw.get("cause", [])):
            where = f"{name}: cause #{i + 1} {entry.get('id', '?')!r}"
            cause = _cause(entry, where)
            if cause.id in causes:
                raise CatalogueError(f"{where}: duplicate id (also in {origin[cause.id]})")
            causes[cause.id] = cause
            origin[cause.id] = name
    return causes


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CatalogueError(f"{where}: conditions must be a list of {{ fact = ..., op = ... }}")
    conditions = []
    for item in raw:
        if not isinstance(item, dict):
            raise CatalogueError(f"{where}: each condition is a table")
        fact = _check_fact(item.get("fact"), where)
        ops = [k for k in item if k != "fact"]
        if len(ops) != 1 or ops[0] not in _OPS:
            raise CatalogueError(
                f"{where}: condition on {fact!r} needs exactly one of {', '.join(_OPS)}"
            )
        op = ops[0]
        value = item[op]
        if op in ("equals", "not_equals"):
            _check_value(fact, value, where)
        elif op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise CatalogueError(f"{where}: '{op}' needs a non-empty list")
            for v in value:
                _check_value(fact, v, where)
        elif op == "exists":
            if not isinstance(value, bool):
                raise CatalogueError(f"{where}: 'exists' is true or false")
        elif op == "matches":
            try:
                re.compile(str(value))
            except re.error as exc:
                raise CatalogueError(f"{where}: bad regular expression: {exc}") from None
        conditions.append(Condition(fact=fact, op=op, value=value))
    return tuple(conditions)


def _rule(entry: Mapping[str, Any], causes: Mapping[str, Cause], where: str) -> Rule:
    unknown = set(entry) - {"cause", "when", "unless", "supersedes"}
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for cid in [entry.get("cause"), *entry.get("supersedes", [])]:
        if cid not in causes:
            extra = did_you_mean(str(cid), list(causes))
            raise CatalogueError(f"{where}: unknown cause {cid!r}{extra}")
    when = _conditions(entry.get("when"), where)
    if not when:
        raise CatalogueError(f"{where}: needs at least one 'when' condition")
    return Rule(
        cause=entry["cause"],
        when=when,
        unless=_conditions(entry.get("unless"), where),
        supersedes=tuple(entry.get("supersedes", ())),
    )


def load_rules(causes: Mapping[str, Cause], data: Mapping[str, Any] | None = None) -> list[Rule]:
    """Load the rules (every file of ``data/causes/``, or ``data``) and check their names."""
    rules = []
    for name, raw in _sources(data):
        for i, entry in enumerate(raw.get("rule", [])):
            rules.append(_rule(entry, causes, f"{name}: rule #{i + 1} ({entry.get('cause', '?')})"))
    return rules


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The checked causes (in catalogue order) and rules, read-only: one copy per process."""

    causes: Mapping[str, Cause]
    rules: tuple[Rule, ...]


def _frozen(cause: Cause) -> Cause:
    # The catalogue is shared by every diagnosis of the process: one caller's edit of a
    # title or an example would reach them all, so the shared copy cannot be edited.
    return replace(
        cause,
        title=MappingProxyType(dict(cause.title)),
        fix=MappingProxyType(dict(cause.fix)),
        example=MappingProxyType(dict(cause.example)),
    )


@functools.cache
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded and checked once per process (it does not change)."""
    causes = load_causes()
    rules = load_rules(causes)
    return Catalogue(
        causes=MappingProxyType({cid: _frozen(c) for cid, c in causes.items()}),
        rules=tuple(rules),
    )


class _Index:
    """Which rules a present fact may wake, by position in the catalogue."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = rules
        self.always: list[int] = []
        self.by_fact: dict[str, list[int]] = {}
        for position, rule in enumerate(rules):
            if rule.needs:  # filed under one fact it needs: without that one it cannot fire
                self.by_fact.setdefault(min(rule.needs), []).append(position)
            else:
                self.always.append(position)


_INDEXES: dict[int, _Index] = {}


def _candidates(rules: Sequence[Rule], present: Iterable[str]) -> list[Rule]:
    """The rules that may fire with these facts present, in the catalogue's order."""
    index = _INDEXES.get(id(rules))
    if index is None or index.rules is not rules:  # another list (tests) at a reused id
        if len(_INDEXES) > 8:
            _INDEXES.clear()
        index = _INDEXES[id(rules)] = _Index(rules)
    positions = list(index.always)
    for fact in present:
        positions.extend(index.by_fact.get(fact, ()))
    positions.sort()
    return [rules[p] for p in positions]


def evaluate(
    rules: Sequence[Rule], causes: Mapping[str, Cause], facts: Mapping[str, FactValue]
) -> list[Finding]:
    """Return the causes that apply, worst first; superseded ones are dropped."""
    fired: dict[str, Finding] = {}
    superseded: set[str] = set()
    present = facts.keys()
    for rule in _candidates(rules, present):
        if rule.cause in fired or not rule.needs <= present or not rule.fires(facts):
            continue
        because = tuple((c.fact, facts[c.fact]) for c in rule.when if c.fact in facts)
        fired[rule.cause] = Finding(cause=causes[rule.cause], because=because)
        superseded.update(rule.supersedes)
    findings = [f for cid, f in fired.items() if cid not in superseded]
    findings.sort(key=lambda f: (-f.cause.severity.rank, f.cause.id))
    return findings
