"""Hostile DNS answers against mailcheck's resolver: a scripted server on 127.0.0.1.

Each decoy carries a poisonous answer (203.0.113.66, or NXDOMAIN): a resolver
that takes one shows it. What must hold: a reply that does not answer the
question (wrong id, QR=0, another question or type, garbage) is ignored and the
real reply still counts; nothing a server sends makes mailcheck ask again
faster (the server counts the queries); a reply that cannot be used (cut off,
truncated with no TCP, a CNAME loop, records of another type) is a stated
outcome, never an answer or "no data" to conclude from.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from mailcheck.dnsresolver import DnsOutcome, Lookup, Resolver
from tests.servers.fake_dns import DECOYS, POISON, Behaviour, FakeDnsServer, Hostile

REAL = {"A": ["192.0.2.1"], "MX": ["10 mail.example.test."]}


@contextmanager
def _server(script: Mapping[str, Behaviour]) -> Iterator[FakeDnsServer]:
    server = FakeDnsServer(script)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _lookup(
    server: FakeDnsServer, name: str, rdtype: str, *, timeout: float = 0.5, lifetime: float = 1.5
) -> tuple[Lookup, float]:
    """One lookup through a fresh Resolver; its Lookup and how long it took (s)."""
    assert server._udp is not None
    address = ("127.0.0.1", int(server._udp.getsockname()[1]))

    async def run() -> Lookup:
        async with Resolver(address, timeout=timeout, lifetime=lifetime) as resolver:
            return await resolver.lookup(name, rdtype)

    start = time.monotonic()
    found = asyncio.run(run())
    return found, time.monotonic() - start


def _udp_queries(server: FakeDnsServer) -> int:
    return sum(1 for transport, _, _ in server.queries if transport == "udp")


@pytest.mark.parametrize("decoy", DECOYS)
@pytest.mark.parametrize("rdtype", ["A", "MX"])
def test_a_decoy_is_ignored_and_the_real_reply_counts(decoy: str, rdtype: str) -> None:
    with _server({"spoofed.test": Hostile((decoy,), then=REAL)}) as server:
        found, _ = _lookup(server, "spoofed.test", rdtype)
        assert found.outcome is DnsOutcome.ANSWER, found
        assert POISON not in found.records
        assert found.records == (("192.0.2.1",) if rdtype == "A" else ("10 mail.example.test.",))
        # Asked once: a decoy is not a reason to ask again.
        assert _udp_queries(server) == 1
        assert server.sent == [decoy, "reply"]


def test_every_decoy_at_once_before_the_real_reply() -> None:
    with _server({"spoofed.test": Hostile(DECOYS, then=REAL)}) as server:
        found, _ = _lookup(server, "spoofed.test", "A")
        assert found.records == ("192.0.2.1",)
        assert _udp_queries(server) == 1


@pytest.mark.parametrize("decoy", DECOYS)
def test_only_decoys_end_in_a_bounded_timeout_without_a_query_storm(decoy: str) -> None:
    with _server({"spoofed.test": Hostile((decoy, decoy))}) as server:
        found, took = _lookup(server, "spoofed.test", "A", timeout=0.3, lifetime=1.0)
        assert found.outcome is DnsOutcome.TIMEOUT
        assert took < 1.8
        # Retries back off (0.3 s, 0.3 s, ... within 1 s) and stop at a few.
        assert 1 <= _udp_queries(server) <= 4
        if decoy != "wrong-id":  # a wrong id cannot be tied to the question at all
            assert found.error is not None
            assert "did not answer the question" in found.error


def test_a_reply_cut_off_in_its_answer_is_an_error() -> None:
    with _server({"cut.test": {"MX": "SHORT"}}) as server:
        found, _ = _lookup(server, "cut.test", "MX")
        assert found.outcome is DnsOutcome.ERROR
        assert found.error
        assert _udp_queries(server) == 1


def test_truncated_with_no_tcp_answer_says_so() -> None:
    with _server({"tc.test": "TRUNCATE"}) as server:
        found, _ = _lookup(server, "tc.test", "MX")
        assert found.outcome is DnsOutcome.ERROR
        assert found.error is not None
        assert "truncated" in found.error
        assert [t for t, _, _ in server.queries] == ["udp", "tcp"]


@pytest.mark.parametrize("rdtype", ["A", "MX", "TXT"])
def test_a_cname_loop_is_an_error(rdtype: str) -> None:
    script: dict[str, Behaviour] = {
        "a.test": {"CNAME": ["b.test."]},
        "b.test": {"CNAME": ["a.test."]},
    }
    with _server(script) as server:
        found, _ = _lookup(server, "a.test", rdtype)
        assert found.outcome is DnsOutcome.ERROR
        assert found.error is not None
        assert "CNAME" in found.error


def test_a_cname_chain_is_followed() -> None:
    with _server({"www.test": {"CNAME": ["web.test."]}, "web.test": REAL}) as server:
        found, _ = _lookup(server, "www.test", "A")
        assert found.records == ("192.0.2.1",)


def test_records_of_another_type_are_not_no_data() -> None:
    # "No MX" would read as "the customer takes no mail": an A record in a reply to MX
    # is a broken server, a stated error.
    with _server({"odd.test": {"MX": "OTHER-TYPE"}}) as server:
        found, _ = _lookup(server, "odd.test", "MX")
        assert found.outcome is DnsOutcome.ERROR
        assert found.error is not None
        assert "does not answer the question" in found.error


def test_a_silent_server_keeps_to_the_run_deadline_then_skips() -> None:
    # The resolver's lifetime is the smaller of --timeout and what is left of --deadline.
    with _server({}) as server:
        server.default = "DROP"
        assert server._udp is not None
        address = ("127.0.0.1", int(server._udp.getsockname()[1]))

        async def run() -> tuple[Lookup, Lookup, float]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            async with Resolver(address, timeout=5, lifetime=10, deadline=start + 0.6) as r:
                first = await r.lookup("slow.test", "MX")
                took = loop.time() - start
                second = await r.lookup("later.test", "A")
            return first, second, took

        first, second, took = asyncio.run(run())
    assert first.outcome is DnsOutcome.TIMEOUT
    assert 0.5 < took < 1.2
    assert second.outcome is DnsOutcome.SKIPPED
    assert [name for _, name, _ in server.queries] == ["slow.test."]


def test_a_domain_on_a_silent_resolver_ends_within_the_timeout_once() -> None:
    """Recipient and sender checks of one domain wait for one silence, not one each."""
    import socket
    import time

    from tests.helpers import run_json

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        start = time.monotonic()
        _, reports = run_json(["dns", "example.test", "--dns-server", f"127.0.0.1:{port}",
                               "--timeout", "2"])  # fmt: skip
        took = time.monotonic() - start
    finally:
        silent.close()
    assert took < 3.5  # was 6 s: the DNS and sender probes one after the other, SPF then DMARC
    assert {p["probe"] for p in reports["probes"]} == {"dns", "auth", "mxtls"}


def test_lookups_never_asked_are_shown_as_skipped_not_as_ok() -> None:
    import socket

    from tests.helpers import run_cli

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        result = run_cli(
            ["dns", "x@example.test", "--dns-server", f"127.0.0.1:{port}", "--timeout", "1"]
        )
    finally:
        silent.close()
    assert result.exit_code == 3
    assert "recipient A/AAAA skipped (not asked" in result.stdout
    assert "skipped (0 ms)" not in result.stdout


def test_preflight_on_a_silent_resolver_blames_the_resolver_not_the_customer(
    tmp_path: Path,
) -> None:
    import socket

    from tests.helpers import run_cli

    source = tmp_path / "customers.csv"
    source.write_text("email\nketoan@customer.example\n", encoding="utf-8")
    out = tmp_path / "out.json"
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        run_cli(
            [
                "preflight",
                str(source),
                "--dns-server",
                f"127.0.0.1:{port}",
                "--timeout",
                "1",
                "--format",
                "json",
                "-o",
                str(out),
            ]
        )
    finally:
        silent.close()
    row = json.loads(out.read_text(encoding="utf-8"))[0]
    assert row["cause"] == "resolver-not-working", row
