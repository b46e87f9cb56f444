"""Reading customer lists: CSV or one address a line, bounded, errors naming the line."""

from __future__ import annotations

import io
from typing import Any

import pytest

from mailcheck.errors import ConfigError
from mailcheck.preflight.lists import read_addresses


def test_addresses_from_a_csv_with_a_header() -> None:
    text = "Tên khách hàng,Email,MST\nCông ty A,ketoan@a.vn,0101\nCông ty B, hd@b.vn ,0202\n"
    assert list(read_addresses(io.StringIO(text))) == ["ketoan@a.vn", "hd@b.vn"]


def test_addresses_from_a_semicolon_csv_named_column() -> None:
    text = "name;mail_to;note\nA;a@a.vn;x\nB;b@b.vn;y\n"
    assert list(read_addresses(io.StringIO(text), column="mail_to")) == ["a@a.vn", "b@b.vn"]
    assert list(read_addresses(io.StringIO(text), column="2")) == ["a@a.vn", "b@b.vn"]
    with pytest.raises(ConfigError, match="no column 'email'"):
        list(read_addresses(io.StringIO(text), column="email"))


def test_addresses_one_per_line_without_header() -> None:
    text = "a@a.vn\nb@b.vn\n\nc@c.vn\n"
    assert list(read_addresses(io.StringIO(text))) == ["a@a.vn", "b@b.vn", "c@c.vn"]


def test_a_long_list_is_not_cut_between_the_sniffed_sample_and_the_rest() -> None:
    rows = [f"KH {i},kh{i}@d{i % 97:04d}.bulk.test" for i in range(5000)]
    text = "customer,email\n" + "\n".join(rows) + "\n"
    addresses = list(read_addresses(io.StringIO(text)))
    assert addresses == [row.split(",")[1] for row in rows]


def test_doubled_quotes_inside_a_quoted_cell_are_read_as_one() -> None:
    text = 'name,email\n"Công ty ""ABC""",a@a.vn\n"=HYPERLINK(""x"")",b@b.vn\n'
    assert list(read_addresses(io.StringIO(text))) == ["a@a.vn", "b@b.vn"]


class _EndlessLine(io.RawIOBase):
    """A 1 GiB line made on the fly; fails the test if more than 64 MiB of it is read."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        assert self.given < 64 << 20, "read 64 MiB of a single line"
        if self.given >= 1 << 30:
            return 0
        count = len(buffer)
        buffer[:count] = b"a" * count
        self.given += count
        return count


def test_a_gigabyte_line_is_not_read_into_memory() -> None:
    from mailcheck.preflight.lists import ListReader

    source = _EndlessLine()
    reader = ListReader(io.BufferedReader(source), "big.csv", "utf-8-sig", None)
    with pytest.raises(ConfigError, match=r"^big\.csv, line 1: longer than 1048576"):
        list(read_addresses(reader, name="big.csv"))
    assert source.given < 4 << 20


def test_a_cell_over_the_field_limit_names_the_file_and_line() -> None:
    text = 'name,email\nA,a@a.vn\nB,"' + "x" * 200_000 + '"\n'
    with pytest.raises(ConfigError, match=r"^list\.csv, line 3: a cell is longer than 131072"):
        list(read_addresses(io.StringIO(text), name="list.csv"))


def test_every_column_is_carried_and_a_cell_of_two_addresses_gives_two_entries() -> None:
    from mailcheck.preflight.lists import CustomerList, Entry

    text = (
        "Mã KH;Tên khách hàng;Email nhận hóa đơn;Ghi chú\r\n"
        'KH01;"Công ty ""An Phát""";ketoan@anphat.vn, giamdoc@anphat.vn;\r\n'
        "KH02;Cửa hàng Bình;binh@shop.vn;VIP\r\n"
        "KH03;Thiếu cột\r\n"
    )
    listing = CustomerList(io.StringIO(text))
    assert listing.header == ("Mã KH", "Tên khách hàng", "Email nhận hóa đơn", "Ghi chú")
    first = ("KH01", 'Công ty "An Phát"', "ketoan@anphat.vn, giamdoc@anphat.vn", "")
    assert list(listing) == [
        Entry("ketoan@anphat.vn", first),
        Entry("giamdoc@anphat.vn", first),
        Entry("binh@shop.vn", ("KH02", "Cửa hàng Bình", "binh@shop.vn", "VIP")),
    ]


def test_an_unquoted_list_in_the_last_column_is_read_whole() -> None:
    from mailcheck.preflight.lists import CustomerList

    # The same ; separates the columns and the addresses: the row is wider than the header.
    text = "MST;Email\n0101;a@mot.vn;b@hai.vn\n0202;c@ba.vn\n"
    entries = list(CustomerList(io.StringIO(text)))
    assert [e.address for e in entries] == ["a@mot.vn", "b@hai.vn", "c@ba.vn"]
    assert entries[0].columns == ("0101", "a@mot.vn;b@hai.vn")


def test_a_csv_without_header_carries_numbered_columns() -> None:
    from mailcheck.preflight.lists import CustomerList

    listing = CustomerList(io.StringIO("KH1,Công ty A,a@mot.vn\nKH2,Công ty B,b@hai.vn\n"))
    assert listing.header == ("column 1", "column 2", "column 3")
    assert [e.columns[0] for e in listing] == ["KH1", "KH2"]


def test_a_plain_list_carries_nothing_and_splits_its_lines() -> None:
    from mailcheck.preflight.lists import CustomerList, Entry

    listing = CustomerList(io.StringIO("a@mot.vn\nb@hai.vn; c@ba.vn\n"))
    assert listing.header == ()
    assert list(listing) == [Entry("a@mot.vn"), Entry("b@hai.vn"), Entry("c@ba.vn")]


def test_huge_carried_cells_are_capped() -> None:
    from mailcheck.preflight.cells import CARRIED_MAX
    from mailcheck.preflight.lists import CustomerList

    name = "Công ty " * 10_000
    (entry,) = CustomerList(io.StringIO(f"name,email\n{name},a@mot.vn\n"))
    assert len(entry.columns[0]) == CARRIED_MAX


def test_a_column_number_not_in_the_list_is_refused() -> None:
    with pytest.raises(ConfigError, match="count from 1"):
        list(read_addresses(io.StringIO("a,b\nx,y@z.vn\n"), column="0"))
    with pytest.raises(ConfigError, match="the first row has 2 columns"):
        list(read_addresses(io.StringIO("a,b\nx,y@z.vn\n"), column="3"))
