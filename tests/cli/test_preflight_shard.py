"""`mailcheck preflight --shard I/N` and `mailcheck preflight-merge`, from the command line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.servers.delayed_dns import DelayedDnsServer, delayed_dns


@pytest.fixture(scope="module")
def dns() -> Iterator[DelayedDnsServer]:
    with delayed_dns(0.0) as server:
        yield server


def customer_list(path: Path, count: int) -> Path:
    """A list as a spreadsheet saves it: codes, names, upper-case domains, typos, duplicates,
    cells with two addresses, a name a spreadsheet would run as a formula."""
    lines = ["Mã KH;Khách hàng;Email\n"]
    for i in range(count):
        if i % 50 == 7:
            address = f"sai-{i}@@khong-hop-le"
        elif i % 20 == 3:
            address = f"kh{i}@nx-{i % 40}.test"  # NXDOMAIN in the synthetic zone
        elif i % 10 == 5:
            address = f"KH{i}@Cong-Ty-{i % 30}.TEST"
        elif i % 25 == 11:  # two addresses, of two domains (two shards, mostly)
            address = f'"kh{i}@cong-ty-{i % 400}.test, Kế toán <kt{i}@cong-ty-{i % 170}.test>"'
        else:
            address = f"kh{i}@cong-ty-{(i * 7) % 400}.test"
        name = f'"=HYPERLINK(""x"";""{i}"")"' if i % 60 == 13 else f"Công ty {i}"
        lines.append(f"KH{i:05d};{name};{address}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def run(dns: DelayedDnsServer, *args: str) -> tuple[int, str]:
    result = run_cli(["preflight", "--dns-server", f"127.0.0.1:{dns.port}", *args])
    return result.exit_code, result.stderr


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_four_shards_merged_are_the_one_run_report(
    dns: DelayedDnsServer, tmp_path: Path, fmt: str
) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 3000)
    one = tmp_path / f"one.{fmt}"
    code, said = run(dns, str(source), "--format", fmt, "-o", str(one))
    shards = []
    for index in range(4):
        shard = tmp_path / f"shard-{index}.{fmt}"
        shard_code, _ = run(
            dns, str(source), "--format", fmt, "--shard", f"{index}/4", "-o", str(shard)
        )
        assert shard_code in (0, 2, 3)
        shards.append(str(shard))
    merged = tmp_path / f"merged.{fmt}"
    result = run_cli(["preflight-merge", *reversed(shards), "-o", str(merged)])
    assert merged.read_bytes() == one.read_bytes()
    assert (result.exit_code, result.stderr) == (code, said)
    assert code == 2  # the NXDOMAIN customers
    # The list's columns are carried (neutralised) and its two-address cells split.
    assert "3120 addresses" in said
    text = one.read_text(encoding="utf-8")
    if fmt == "csv":
        assert text.startswith("Mã KH,Khách hàng,Email,address,verdict,")
        assert '\nKH00013,"\'=HYPERLINK(""x"";""13"")",kh13@' in text
    assert "kt11@cong-ty-11.test" in text


def test_each_domain_is_looked_up_by_one_shard_only(dns: DelayedDnsServer, tmp_path: Path) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 1000)
    domains: list[set[str]] = []
    for index in range(3):
        out = tmp_path / f"s{index}.csv"
        run(dns, str(source), "--shard", f"{index}/3", "-o", str(out))
        with out.open(encoding="utf-8", newline="") as rows:
            addresses = [row["address"] for row in csv.DictReader(rows)]
        domains.append({a.rpartition("@")[2].lower() for a in addresses})
        assert len(domains[-1]) > 50
    assert not domains[0] & domains[1]
    assert not domains[1] & domains[2]
    assert not domains[0] & domains[2]


def test_a_shard_output_is_a_plain_csv_with_its_row_numbers(
    dns: DelayedDnsServer, tmp_path: Path
) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 200)
    out = tmp_path / "s1.csv"
    run(dns, str(source), "--shard", "1/2", "-o", str(out))
    header, *rows = out.read_text(encoding="utf-8").splitlines()
    assert header.startswith('"row (shard 1/2, list sha256:')
    assert header.endswith(",address,verdict,cause,suggestion,detail")
    numbers = [int(r.split(",")[0]) for r in rows]
    assert numbers == sorted(numbers)
    assert 0 < len(numbers) < 200


def test_shard_counts_from_zero_and_says_so(tmp_path: Path) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 5)
    result = run_cli(["preflight", str(source), "--shard", "4/4", "--dns-server", "127.0.0.1:9"])
    assert result.exit_code == 3
    assert "I counts from 0" in result.stderr
    assert "JOB_COMPLETION_INDEX" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sharded_list_from_a_pipe_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        ["preflight", "-", "--shard", "0/2", "--dns-server", "127.0.0.1:9"],
        input="email\nketoan@cong-ty.test\n",
    )
    assert result.exit_code == 3
    assert "not a pipe" in result.stderr


def test_merge_refuses_a_missing_shard_and_writes_nothing(
    dns: DelayedDnsServer, tmp_path: Path
) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 100)
    shards = []
    for index in range(3):
        out = tmp_path / f"s{index}.csv"
        run(dns, str(source), "--shard", f"{index}/3", "-o", str(out))
        shards.append(str(out))
    merged = tmp_path / "merged.csv"
    result = run_cli(["preflight-merge", shards[0], shards[2], "-o", str(merged)])
    assert result.exit_code == 3
    assert "shard(s) 1 of 3 missing" in result.stderr
    assert not merged.exists()


def test_merge_will_not_write_over_a_shard(dns: DelayedDnsServer, tmp_path: Path) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 20)
    out = tmp_path / "s0.csv"
    run(dns, str(source), "--shard", "0/1", "-o", str(out))
    before = out.read_bytes()
    result = run_cli(["preflight-merge", str(out), "-o", str(out)])
    assert result.exit_code == 3
    assert out.read_bytes() == before


def test_max_in_flight_is_checked_and_the_old_name_still_works(
    dns: DelayedDnsServer, tmp_path: Path
) -> None:
    source = customer_list(tmp_path / "khach-hang.csv", 30)
    code, said = run(dns, str(source), "--max-in-flight", "0")
    assert code == 3
    assert "--max-in-flight: must be at least 1" in said
    code, said = run(dns, str(source), "--concurrency", "4", "-o", str(tmp_path / "o.csv"))
    assert "31 addresses" in said  # one of the 30 customers has two


def test_an_internationalised_domain_and_its_ascii_form_share_a_shard(
    dns: DelayedDnsServer, tmp_path: Path
) -> None:
    # The cheap key of an ASCII domain and the checked key of a Unicode one must agree:
    # otherwise the same domain would be looked up by two shards.
    source = tmp_path / "khach-hang.csv"
    rows = [f"kh{i}@công-ty-{i}.test\nkh{i}b@{_ascii(f'công-ty-{i}.test')}\n" for i in range(40)]
    source.write_text("email\n" + "".join(rows), encoding="utf-8")
    owner: dict[str, set[int]] = {}
    for index in range(4):
        out = tmp_path / f"s{index}.csv"
        run(dns, str(source), "--shard", f"{index}/4", "-o", str(out))
        for line in out.read_text(encoding="utf-8").splitlines()[1:]:
            domain = _ascii(line.split(",")[1].rpartition("@")[2])
            owner.setdefault(domain, set()).add(index)
    assert len(owner) == 40
    assert all(len(shards) == 1 for shards in owner.values()), owner


def _ascii(domain: str) -> str:
    return domain.encode("idna").decode("ascii")


def test_a_shard_with_none_of_the_domains_is_fine_and_merges(
    dns: DelayedDnsServer, tmp_path: Path
) -> None:
    # Two domains in eight shards: most shards hold nothing, and say so without failing.
    source = tmp_path / "khach-hang.csv"
    source.write_text("email\na@mot.test\nb@hai.test\nc@mot.test\n", encoding="utf-8")
    codes, shards = [], []
    for index in range(8):
        out = tmp_path / f"s{index}.csv"
        code, said = run(dns, str(source), "--shard", f"{index}/8", "-o", str(out))
        codes.append((code, "no addresses of this shard" in said))
        shards.append(str(out))
    assert (0, True) in codes
    one = tmp_path / "one.csv"
    run(dns, str(source), "-o", str(one))
    merged = tmp_path / "merged.csv"
    assert run_cli(["preflight-merge", *shards, "-o", str(merged)]).exit_code == 0
    assert merged.read_bytes() == one.read_bytes()
