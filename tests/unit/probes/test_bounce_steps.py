"""The steps a worker makes of a message are the steps the probe records of it here."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcheck.bounce import parse_bounce
from mailcheck.probes.bounce import record_bounce
from mailcheck.probes.recorder import Recorder
from mailcheck.scenarios.bounce import _parse_all
from tests.helpers import ROOT

FIXTURES = sorted((ROOT / "fixtures" / "bounces").glob("*.eml"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_steps_made_ahead_are_recorded_as_the_probe_records_them(path: Path) -> None:
    raw = path.read_bytes()
    [ahead] = _parse_all([raw])
    assert ahead is not None
    here, there = Recorder("bounce", "a.eml"), Recorder("bounce", "a.eml")
    record_bounce(raw, here, parsed=parse_bounce(raw))
    record_bounce(raw, there, steps=ahead)
    assert here.result().steps == there.result().steps
    assert there.result().steps[0].name == "bounce"
