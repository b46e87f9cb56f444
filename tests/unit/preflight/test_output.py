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


def test_the_lists_columns_come_first_neutralised_then_mailchecks() -> None:
    from mailcheck.preflight.output import COLUMNS, Row, RowWriter

    out = io.StringIO()
    writer = RowWriter(out, "csv", header=("Mã KH", "=Tên", "Email"))
    cells = ("KH1", '=HYPERLINK("http://x")', "a@b.vn; c@d.vn")
    writer.write(Row("c@d.vn", "ok", "recipient-domain-ok", "", "", columns=cells))
    writer.write(Row("x@y.vn", "ok", "recipient-domain-ok", "", "", columns=("KH2",)))
    writer.close()
    header, first, short = csv.reader(io.StringIO(out.getvalue()))
    assert header == ["Mã KH", "'=Tên", "Email", *COLUMNS]
    assert first[:4] == ["KH1", '\'=HYPERLINK("http://x")', "a@b.vn; c@d.vn", "c@d.vn"]
    # A row shorter than the header is padded: every row has every column.
    assert short[:4] == ["KH2", "", "", "x@y.vn"]


def test_json_carries_the_lists_columns_by_name_none_lost_to_a_repeated_name() -> None:
    import json

    from mailcheck.preflight.output import Row, RowWriter

    out = io.StringIO()
    writer = RowWriter(out, "json", header=("Email", "", "Email", "address"))
    writer.write(Row("a@b.vn", "ok", "recipient-domain-ok", "", "", columns=("1", "2", "3", "4")))
    writer.close()
    (record,) = json.loads(out.getvalue())
    assert record["input"] == {"Email": "1", "column 2": "2", "Email (3)": "3", "address": "4"}
    assert record["address"] == "a@b.vn"  # the list's own "address" column shadows nothing


def test_a_plain_list_has_only_mailchecks_columns() -> None:
    import json

    from mailcheck.preflight.output import COLUMNS, Row, RowWriter

    for fmt in ("csv", "json"):
        out = io.StringIO()
        writer = RowWriter(out, fmt)
        writer.write(Row("a@b.vn", "ok", "recipient-domain-ok", "", ""))
        writer.close()
        if fmt == "csv":
            assert out.getvalue().splitlines()[0] == ",".join(COLUMNS)
        else:
            assert list(json.loads(out.getvalue())[0]) == list(COLUMNS)
