"""`mailcheck preflight` keeps the customer list's shape: its columns, one row per address.

The list is what an accountant keeps: a customer code, a name, and the cell invoice software
fills with the addresses that receive the invoice, sometimes two of them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.servers.delayed_dns import DelayedDnsServer, delayed_dns

#: Excel's "CSV UTF-8" on a Vietnamese Windows: a BOM, semicolons, CRLF. In the synthetic
#: zone every domain has MX except those whose first label starts with "nx" (NXDOMAIN).
LIST = (
    "\ufeffMã KH;Tên khách hàng;Địa chỉ email\r\n"
    'KH001;Công ty TNHH An Phát;"ketoan@anphat.test; Giám đốc <giamdoc@nxkhongco.test>"\r\n'
    "KH002;=1+2;ke toan@binhminh.test\r\n"
    "KH003;Cửa hàng Cúc;cuc@cuahang.test\r\n"
)


@pytest.fixture(scope="module")
def dns() -> Iterator[DelayedDnsServer]:
    with delayed_dns(0.0) as server:
        yield server


def preflight(dns: DelayedDnsServer, path: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(["preflight", "--dns-server", f"127.0.0.1:{dns.port}", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def customers(tmp_path: Path) -> Path:
    path = tmp_path / "khach-hang.csv"
    path.write_bytes(LIST.encode("utf-8"))
    return path


def test_columns_kept_two_addresses_two_rows_detail_in_vietnamese(
    dns: DelayedDnsServer, customers: Path
) -> None:
    code, out, said = preflight(dns, customers, "--lang", "vi")
    header, *rows = csv.reader(io.StringIO(out))
    # The list's columns under its own names, then mailcheck's (machine keys).
    assert header == [
        "Mã KH",
        "Tên khách hàng",
        "Địa chỉ email",
        *("address", "verdict", "cause", "suggestion", "detail"),
    ]
    two = "ketoan@anphat.test; Giám đốc <giamdoc@nxkhongco.test>"
    assert [row[:5] for row in rows] == [
        ["KH001", "Công ty TNHH An Phát", two, "ketoan@anphat.test", "ok"],
        ["KH001", "Công ty TNHH An Phát", two, "giamdoc@nxkhongco.test", "nxdomain"],
        # A cell a spreadsheet would run as a formula is text, the list's own cells too.
        ["KH002", "'=1+2", "ke toan@binhminh.test", "ke toan@binhminh.test", "invalid"],
        ["KH003", "Cửa hàng Cúc", "cuc@cuahang.test", "cuc@cuahang.test", "ok"],
    ]
    assert rows[1][-1] == "tên miền không tồn tại"
    assert rows[2][-1] == "Địa chỉ email có ký tự không hợp lệ trước ký tự @: SPACE."
    assert code == 2
    assert said.startswith("mailcheck preflight: 4 địa chỉ: 2 recipient-domain-ok, ")


def test_the_same_list_in_english(dns: DelayedDnsServer, customers: Path) -> None:
    _, out, said = preflight(dns, customers, "--lang", "en")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["detail"] for r in rows[1:3]] == [
        "the domain does not exist",
        "The email address contains invalid characters before the @-sign: SPACE.",
    ]
    assert said.startswith("mailcheck preflight: 4 addresses: ")


def test_json_carries_the_list_columns_by_their_names(
    dns: DelayedDnsServer, customers: Path
) -> None:
    _, out, _ = preflight(dns, customers, "--format", "json", "--lang", "vi")
    records = json.loads(out)
    assert [r["address"] for r in records] == [
        "ketoan@anphat.test",
        "giamdoc@nxkhongco.test",
        "ke toan@binhminh.test",
        "cuc@cuahang.test",
    ]
    assert records[1]["input"] == {
        "Mã KH": "KH001",
        "Tên khách hàng": "Công ty TNHH An Phát",
        "Địa chỉ email": "ketoan@anphat.test; Giám đốc <giamdoc@nxkhongco.test>",
    }
    assert records[1]["detail"] == "tên miền không tồn tại"


def test_a_plain_list_stays_as_it_was_and_one_address_is_one_address(
    dns: DelayedDnsServer, tmp_path: Path
) -> None:
    plain = tmp_path / "dia-chi.txt"
    plain.write_text("ketoan@anphat.test\n", encoding="utf-8")
    code, out, said = preflight(dns, plain, "--lang", "en")
    assert out.splitlines() == [
        "address,verdict,cause,suggestion,detail",
        "ketoan@anphat.test,ok,recipient-domain-ok,,",
    ]
    assert said == "mailcheck preflight: 1 address: 1 recipient-domain-ok\n"
    assert code == 0


def test_long_carried_cells_shorten_the_read_ahead() -> None:
    """Memory stays bounded by the carried cells' size, not by rows x the widest row: with
    cells of 100,000 characters, far fewer rows are read ahead of the first one written."""
    import asyncio

    from mailcheck.dnsresolver import Resolver
    from mailcheck.preflight import Entry, run_preflight
    from mailcheck.preflight.run import READ_AHEAD, READ_AHEAD_CHARS

    note = "x" * 100_000
    pulled = 0

    def entries() -> Iterator[Entry]:
        nonlocal pulled
        for i in range(2000):
            pulled += 1
            yield Entry(f"kh{i}@cong-ty.test", (f"KH{i}", note))

    class FirstRow(io.StringIO):
        seen: int | None = None

        def write(self, text: str) -> int:
            if self.seen is None and "kh0@" in text:
                self.seen = pulled
            return super().write(text)

    async def main(port: int) -> FirstRow:
        out = FirstRow()
        async with Resolver(("127.0.0.1", port), timeout=2, lifetime=4) as resolver:
            await run_preflight(entries(), resolver, out, "csv", header=("Mã KH", "Ghi chú"))
        return out

    with delayed_dns(0.3) as server:
        out = asyncio.run(main(server.port))
    assert out.seen is not None
    # About READ_AHEAD_CHARS / 100,000 rows; without the bound, all 2,000 (< READ_AHEAD).
    assert out.seen <= READ_AHEAD_CHARS // 100_000 + 2
    assert out.seen < 200
    assert READ_AHEAD > 2000
    assert out.getvalue().count("\n") == 2001


def test_a_windows_1258_list_keeps_its_columns_too(dns: DelayedDnsServer, tmp_path: Path) -> None:
    # Excel's plain "CSV" on a Vietnamese Windows: no BOM, Windows-1258.
    path = tmp_path / "khach-hang.csv"
    text = "Khách hàng;Email\r\nCông ty Đông Á;a@donga.test, b@nxdonga.test\r\n"
    path.write_bytes(text.encode("cp1258"))
    code, out, said = preflight(dns, path, "--lang", "vi")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["Khách hàng", "Email", "address"]
    assert [row[:4] for row in rows[1:]] == [
        ["Công ty Đông Á", "a@donga.test, b@nxdonga.test", "a@donga.test", "ok"],
        ["Công ty Đông Á", "a@donga.test, b@nxdonga.test", "b@nxdonga.test", "nxdomain"],
    ]
    assert "Windows-1258" in said
    assert code == 2
