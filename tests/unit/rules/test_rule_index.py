"""evaluate() skips a rule whose facts are absent: safe only if such a rule can never fire.

Checked on every cause's example, on each example with one fact taken away at a time, and on
the facts of every bounce fixture: the skip never changes the findings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from mailcheck.facts.registry import extract_facts
from mailcheck.facts.spec import FactValue
from mailcheck.rules import Condition, Finding, Rule, catalogue, evaluate
from mailcheck.scenarios.bounce import bounce_diagnoses
from tests.helpers import ROOT

CATALOGUE = catalogue()


def _every_rule_checked(facts: Mapping[str, FactValue]) -> list[Finding]:
    """evaluate() without the skip: the rules rebuilt so that none needs any fact."""
    unskippable: list[Rule] = []
    for rule in CATALOGUE.rules:
        copy = Rule(
            cause=rule.cause, when=rule.when, unless=rule.unless, supersedes=rule.supersedes
        )
        object.__setattr__(copy, "needs", frozenset())
        unskippable.append(copy)
    return evaluate(unskippable, CATALOGUE.causes, facts)


def _ids(findings: list[Finding]) -> list[str]:
    return [f.cause.id for f in findings]


def _examples() -> list[dict[str, FactValue]]:
    cases = []
    for cause in CATALOGUE.causes.values():
        example = dict(cause.example)
        cases.append(example)
        for fact in example:  # a fact missing makes rules that need it fall silent
            cases.append({k: v for k, v in example.items() if k != fact})
    return cases


@pytest.mark.parametrize("facts", _examples())
def test_the_skip_keeps_the_findings_of_every_example(facts: dict[str, FactValue]) -> None:
    found = evaluate(CATALOGUE.rules, CATALOGUE.causes, facts)
    assert found == _every_rule_checked(facts)
    assert [(f.cause.id, f.because) for f in found] == [
        (f.cause.id, f.because) for f in _every_rule_checked(facts)
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "fixtures/bounces").glob("*.eml")))
def test_the_skip_keeps_the_findings_of_every_bounce_fixture(name: str) -> None:
    raw = (ROOT / "fixtures" / "bounces" / name).read_bytes()
    (diagnosis,) = asyncio.run(bounce_diagnoses(raw, name))
    facts = extract_facts(list(diagnosis.probes))
    assert _ids(evaluate(CATALOGUE.rules, CATALOGUE.causes, facts)) == _ids(
        _every_rule_checked(facts)
    )
    assert _ids(list(diagnosis.findings)) == _ids(_every_rule_checked(diagnosis.facts))


def test_a_rule_needs_the_facts_of_its_conditions_but_not_an_absence() -> None:
    rule = Rule(
        cause="x",
        when=(
            Condition(fact="a.b", op="equals", value="y"),
            Condition(fact="c.d", op="exists", value=False),
            Condition(fact="e.f", op="exists", value=True),
        ),
        unless=(Condition(fact="g.h", op="exists", value=True),),
    )
    assert rule.needs == frozenset({"a.b", "e.f"})
