"""dump_json(newline=...): a report indented one more level, as an element of an array."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailcheck.report.json import dump_json

REPORTS: list[Any] = [
    {"status": "critical", "causes": [{"id": "recipient-unknown", "because": {}}], "n": [1, 2.5]},
    {"reply": "550 5.1.1 no such user\u2028here", "empty": [], "none": None},
    {3: "a key json.dumps turns into a string", "nested": {"list": ["x", True]}},  # its fallback
]


@pytest.mark.parametrize("data", REPORTS)
def test_each_line_break_carries_the_extra_indentation_and_nothing_else_changes(data: Any) -> None:
    plain = json.dumps(data, ensure_ascii=False, indent=2)
    assert dump_json(data, newline="\n  ") == plain.replace("\n", "\n  ")


def test_an_element_of_an_array_reads_back_as_the_same_report() -> None:
    elements = ",\n".join("  " + dump_json(r, newline="\n  ") for r in REPORTS[:2])
    assert json.loads("[\n" + elements + "\n]\n") == REPORTS[:2]
    assert "[\n" + elements + "\n]" == json.dumps(REPORTS[:2], ensure_ascii=False, indent=2)
