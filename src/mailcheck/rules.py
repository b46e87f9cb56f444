"""The cause catalogue and the rules that map facts to causes, both TOML data.

``data/causes.toml`` says what each cause *is* (id, FAQ case, severity, title
and fix in Vietnamese and English, and example facts that fire it).
``data/rules.toml`` says *when* it applies: every ``when`` condition holds and
no ``unless`` condition does. Operators are a small closed set; anything
cleverer becomes a fact in ``facts.py``.

Both files are checked on load, with messages that name the file and entry,
so a site that adds its own rules gets a clear error, never a silent skip.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailcheck.datafiles import read_data
from mailcheck.errors import MailcheckError, did_you_mean
from mailcheck.facts import FACTS, FactValue

__all__ = [
    "CatalogueError",
    "Cause",
    "Condition",
    "Finding",
    "Rule",
    "Severity",
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


def _read(name: str) -> dict[str, Any]:
    try:
        return read_data(name)
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise CatalogueError(f"{name}: not valid TOML: {exc}") from None


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


def load_causes(data: Mapping[str, Any] | None = None) -> dict[str, Cause]:
    """Load and check the cause catalogue."""
    raw = _read("causes.toml") if data is None else data
    causes: dict[str, Cause] = {}
    for i, entry in enumerate(raw.get("cause", [])):
        where = f"causes.toml: cause #{i + 1} {entry.get('id', '?')!r}"
        unknown = set(entry) - {"id", "faq", "severity", "title", "fix", "example"}
        if unknown:
            raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        cid = entry.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            raise CatalogueError(f"{where}: id must be kebab-case")
        if cid in causes:
            raise CatalogueError(f"{where}: duplicate id")
        try:
            severity = Severity(entry.get("severity"))
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
        causes[cid] = Cause(
            id=cid,
            faq=str(faq) if faq is not None else None,
            severity=severity,
            title=_texts(entry.get("title"), where, "title"),
            fix=_texts(entry.get("fix"), where, "fix"),
            example=example,
        )
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


def load_rules(causes: Mapping[str, Cause], data: Mapping[str, Any] | None = None) -> list[Rule]:
    """Load the rules and check they name known causes and facts."""
    raw = _read("rules.toml") if data is None else data
    rules = []
    for i, entry in enumerate(raw.get("rule", [])):
        where = f"rules.toml: rule #{i + 1} ({entry.get('cause', '?')})"
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
        rules.append(
            Rule(
                cause=entry["cause"],
                when=when,
                unless=_conditions(entry.get("unless"), where),
                supersedes=tuple(entry.get("supersedes", ())),
            )
        )
    return rules


def evaluate(
    rules: Sequence[Rule], causes: Mapping[str, Cause], facts: Mapping[str, FactValue]
) -> list[Finding]:
    """Return the causes that apply, worst first; superseded ones are dropped."""
    fired: dict[str, Finding] = {}
    superseded: set[str] = set()
    for rule in rules:
        if rule.cause in fired or not rule.fires(facts):
            continue
        because = tuple((c.fact, facts[c.fact]) for c in rule.when if c.fact in facts)
        fired[rule.cause] = Finding(cause=causes[rule.cause], because=because)
        superseded.update(rule.supersedes)
    findings = [f for cid, f in fired.items() if cid not in superseded]
    findings.sort(key=lambda f: (-f.cause.severity.rank, f.cause.id))
    return findings
