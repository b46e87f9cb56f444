"""100,000 addresses in 4 shards + merge give byte for byte the report of one run (issue 15)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli
from tests.servers.delayed_dns import delayed_dns

COUNT = 100_000


def test_100000_addresses_in_four_shards_merged_are_one_run(tmp_path: Path) -> None:
    source = tmp_path / "khach-hang.csv"
    with source.open("w", encoding="utf-8") as out:
        out.write("customer,email\n")
        for i in range(COUNT):
            if i % 97 == 0:
                address = f"kh{i}@nx-{i % 300}.test"  # NXDOMAIN in the synthetic zone
            elif i % 211 == 0:
                address = f"kh{i}@@sai"
            else:
                address = f"kh{i}@cong-ty-{(i * 31) % 6000}.test"
            out.write(f"KH {i},{address}\n")
    with delayed_dns(0.0) as dns:
        server = ["--dns-server", f"127.0.0.1:{dns.port}"]
        one = tmp_path / "one.csv"
        whole = run_cli(["preflight", str(source), *server, "-o", str(one)])
        shards = []
        for index in range(4):
            shard = tmp_path / f"shard-{index}.csv"
            run_cli(["preflight", str(source), *server, "--shard", f"{index}/4", "-o", str(shard)])
            shards.append(str(shard))
    merged = tmp_path / "merged.csv"
    result = run_cli(["preflight-merge", *shards, "-o", str(merged)])
    assert whole.exit_code == 2, whole.stderr
    assert (result.exit_code, result.stderr) == (whole.exit_code, whole.stderr)
    assert merged.read_bytes() == one.read_bytes()
    assert one.read_bytes().count(b"\n") == COUNT + 1
