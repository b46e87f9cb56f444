"""One cell of a customer list: the addresses it holds (invoice software keeps several)."""

from __future__ import annotations

import pytest

from mailcheck.preflight.cells import CARRIED_MAX, cap, split_addresses


@pytest.mark.parametrize(
    ("cell", "addresses"),
    [
        ("ketoan@congty.vn", ["ketoan@congty.vn"]),
        ("  ketoan@congty.vn  ", ["ketoan@congty.vn"]),
        # The separators invoice software, Outlook and a typed Alt+Enter leave in a cell.
        ("ketoan@congty.vn; giamdoc@congty.vn", ["ketoan@congty.vn", "giamdoc@congty.vn"]),
        ("ketoan@congty.vn,giamdoc@khac.vn", ["ketoan@congty.vn", "giamdoc@khac.vn"]),
        ("ketoan@congty.vn\r\ngiamdoc@khac.vn", ["ketoan@congty.vn", "giamdoc@khac.vn"]),
        ("ketoan@congty.vn  giamdoc@khac.vn", ["ketoan@congty.vn", "giamdoc@khac.vn"]),
        # Empty pieces are no addresses.
        ("ketoan@congty.vn;; ;", ["ketoan@congty.vn"]),
        ("", []),
        (" ; ", []),
        # A display name is not checked; a comma inside its quotes separates nothing.
        ("Phòng Kế toán <ketoan@congty.vn>", ["ketoan@congty.vn"]),
        (
            '"Trần, Thị B" <b@congty.vn>, Nguyễn Văn A <a@khac.vn>',
            ["b@congty.vn", "a@khac.vn"],
        ),
        # A space typed by mistake inside an address is reported, not split into two.
        ("ke toan@congty.vn", ["ke toan@congty.vn"]),
        ("ke toan@congty.vn; b@khac.vn", ["ke toan@congty.vn", "b@khac.vn"]),
        # A piece without @ is still an address to report as invalid.
        ("ketoan; b@khac.vn", ["ketoan", "b@khac.vn"]),
        # A quote or < never closed encloses nothing.
        ('"Công ty A a@congty.vn; b@khac.vn', ['"Công ty A a@congty.vn', "b@khac.vn"]),
        ("a<b@congty.vn; c@khac.vn", ["a<b@congty.vn", "c@khac.vn"]),
        # Empty angle brackets are not an address: the piece is reported as it is.
        ("Kế toán <>", ["Kế toán <>"]),
    ],
)
def test_split_addresses(cell: str, addresses: list[str]) -> None:
    assert split_addresses(cell) == addresses


def test_a_carried_cell_is_capped_and_says_it_was_cut() -> None:
    short = "Công ty TNHH Thương mại và Dịch vụ ABC"
    assert cap(short) == short
    assert cap("x" * CARRIED_MAX) == "x" * CARRIED_MAX
    long = cap("Công ty " * 20_000)
    assert len(long) == CARRIED_MAX
    assert long.endswith("\u2026")
