"""Writing preflight's rows: no CSV cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st


@given(st.text())
def test_no_written_cell_can_start_a_formula(cell: str) -> None:
    from mailcheck.preflight.output import FORMULA_START, neutralise

    safe = neutralise(cell)
    assert not safe.startswith(FORMULA_START)
    # Only cells that would start a formula change, and only by the leading quote.
    assert safe == cell or safe == "'" + cell


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised_in_the_written_csv(cell: str) -> None:
    from mailcheck.preflight.output import Row, RowWriter

    out = io.StringIO()
    writer = RowWriter(out, "csv")
    writer.write(Row(cell, "invalid", "recipient-address-invalid", cell, cell))
    writer.close()
    row = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert row == ["'" + cell, "invalid", "recipient-address-invalid", "'" + cell, "'" + cell]
