"""The indented JSON writer is faster than json.dumps and writes exactly what it writes."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest

from mailcheck.report.json import dump_json


class _Word(enum.StrEnum):
    FULL = "mailbox-full"


class _Count(enum.IntEnum):
    THREE = 3


SAME_AS_JSON_DUMPS: list[Any] = [
    {},
    [],
    (),
    "top-level string",
    7,
    None,
    {"empty": [], "nothing": {}, "tuple": (1, "a")},
    [1, -2, 2.5, -0.0, 1e-300, 10**30, True, False, None],
    {"quotes": 'a "b" \\ c', "control": "\x00\x1f\t\n\r", "wide": "Thư gốc \u2013 日本語 \u2028"},
    {"enum": _Word.FULL, "int enum": _Count.THREE, "nested": [[[{"deep": ["x"]}]]]},
    [float("nan"), float("inf"), -float("inf")],
]


@pytest.mark.parametrize("data", SAME_AS_JSON_DUMPS)
def test_indented_output_is_what_json_dumps_writes(data: Any) -> None:
    assert dump_json(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_a_lone_surrogate_from_a_hostile_reply_becomes_a_replacement_character() -> None:
    text = dump_json({"reply": "550 bad byte \udcff here"})
    assert "\ufffd" in text
    text.encode("utf-8")  # writable to any UTF-8 stream


@pytest.mark.parametrize("data", [{1: "one"}, {None: 0}, {2.5: "x"}])
def test_keys_that_are_not_strings_are_written_as_json_dumps_writes_them(data: Any) -> None:
    assert dump_json(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_a_value_json_cannot_write_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(TypeError):
        dump_json({"x": object()})
