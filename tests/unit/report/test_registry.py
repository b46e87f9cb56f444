"""The output-format registry: every ``--format`` comes from one table, byte for byte.

Each format renders the same diagnosis (or check run) through the registry and
through its renderer module; the two texts are the same, final newline included.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from mailcheck.check.result import CheckRun
from mailcheck.diagnosis import Diagnosis
from mailcheck.report import (
    RENDERERS,
    Format,
    HistoryReport,
    formats,
    render_causes,
    render_check,
    render_diagnoses,
    render_history_report,
)
from mailcheck.report.check import render_check_human, render_check_json
from mailcheck.report.human import render_human
from mailcheck.report.i18n import CAUSES_LIST
from mailcheck.report.json import dump_json, render_json, report_dict
from mailcheck.report.junit import render_junit
from mailcheck.report.markdown import render_markdown
from mailcheck.report.nagios import render_nagios
from mailcheck.report.prometheus import render_prometheus
from mailcheck.rules import load_causes
from tests.unit.report.test_check_outputs import bad_credentials, healthy, junk


def _diagnosis() -> Diagnosis:
    return junk().diagnoses[0]


def _run() -> CheckRun:
    return CheckRun(results=(junk(), bad_credentials("payroll"), healthy("shop")))


def test_the_table_holds_every_format_with_a_renderer() -> None:
    assert [str(f) for f in Format] == [
        "human",
        "json",
        "markdown",
        "nagios",
        "prometheus",
        "junit",
    ]
    assert set(RENDERERS) == set(Format)


def test_format_choices_come_from_the_registry() -> None:
    assert formats("diagnoses") == ("human", "json")
    assert formats("check") == ("human", "json", "nagios", "prometheus")
    assert formats("history") == ("human", "json")
    assert formats("causes") == ("human", "json")


def test_format_option_offers_the_registry_choices() -> None:
    from mailcheck.cli.commands.check import command

    option = next(p for p in command.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == formats("check")
    assert option.default == "human"


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("colour", [False, True])
def test_human_diagnosis_through_the_registry(lang: str, colour: bool) -> None:
    d = _diagnosis()
    expected = render_human(d, lang=lang, colour=colour, transcript=True)
    got = render_diagnoses([d], Format.HUMAN, lang=lang, colour=colour, transcript=True)
    assert got == expected
    assert render_diagnoses([d, d], "human", lang=lang, colour=colour, transcript=True) == (
        expected * 2
    )


def test_json_diagnosis_through_the_registry() -> None:
    d = _diagnosis()
    assert render_diagnoses([d], Format.JSON) == render_json(d) + "\n"
    assert render_diagnoses([d], "JSON", transcript=True) == render_json(d, transcript=True) + "\n"
    # Several diagnoses: one JSON array, each report as it would be alone.
    both = render_diagnoses([d, d], Format.JSON)
    assert both == dump_json([report_dict(d), report_dict(d)]) + "\n"
    assert json.loads(both)[1]["causes"][0]["id"] == d.findings[0].cause.id


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_markdown_diagnosis_through_the_registry(lang: str) -> None:
    d = _diagnosis()
    assert render_diagnoses([d], Format.MARKDOWN, lang=lang) == render_markdown(d, lang=lang)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_human_check_through_the_registry(lang: str) -> None:
    run = _run()
    for colour in (False, True):
        expected = render_check_human(run, lang=lang, colour=colour)
        assert render_check(run, Format.HUMAN, lang=lang, colour=colour) == expected


def test_json_check_through_the_registry() -> None:
    run = _run()
    assert render_check(run, Format.JSON) == render_check_json(run) + "\n"


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_nagios_check_through_the_registry(lang: str) -> None:
    run = _run()
    assert render_check(run, Format.NAGIOS, lang=lang) == render_nagios(run, lang=lang)


def test_prometheus_check_through_the_registry() -> None:
    run = _run()
    assert render_check(run, Format.PROMETHEUS) == render_prometheus(run)


def test_junit_check_through_the_registry() -> None:
    run = _run()
    assert render_check(run, Format.JUNIT) == render_junit(run)


def test_a_format_refuses_a_report_it_has_no_renderer_for() -> None:
    with pytest.raises(ValueError, match="cannot render a diagnoses report"):
        render_diagnoses([_diagnosis()], Format.NAGIOS)
    with pytest.raises(ValueError, match="cannot render a check report"):
        render_check(_run(), Format.MARKDOWN)


def test_causes_through_the_registry() -> None:
    causes = list(load_causes().values())
    doc = json.loads(render_causes(causes, Format.JSON))
    assert doc["schema"] == 1
    assert [c["id"] for c in doc["causes"]] == [c.id for c in causes]
    human = render_causes(causes, Format.HUMAN, lang="vi").splitlines()
    # An index by area: a heading, then each cause's line and its title.
    assert human[0] == CAUSES_LIST["vi"]["areas"]["faq"]
    assert human[1].split()[:2] == [causes[0].id, "CẢNH"]
    assert human[2] == f"      {causes[0].title['vi']}"
    assert all(f"      {c.title['vi']}" in human for c in causes)


def test_missing_history_through_the_registry(tmp_path: Path) -> None:
    since = datetime(2026, 12, 1, tzinfo=UTC)
    text = render_history_report(HistoryReport(tmp_path / "h.sqlite3", False, since), "json")
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "schema": 1,
        "history": str(tmp_path / "h.sqlite3"),
        "exists": False,
        "since": "2026-12-01T00:00:00Z",
        "profiles": [],
        "runs": [],
    }
    human = render_history_report(HistoryReport(tmp_path / "h", True, None), "human", lang="en")
    assert human.endswith("No runs stored for this selection.\n")
