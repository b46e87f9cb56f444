"""Preflight behind a slow resolver: bound by its latency, not by a cap (issue 15).

The resolver is a synthetic zone on loopback whose every reply comes after a
delay (tests/servers/delayed_dns.py); Knot cannot be told to be slow.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections import Counter

from mailcheck.dnsresolver import DnsOutcome, Resolver
from mailcheck.preflight import run_preflight
from tests.servers.delayed_dns import delayed_dns
from tests.servers.fake_dns import FakeDnsServer, fake_dns


def preflight(
    port: int, addresses: list[str], *, cap: int = 1000, timeout: float = 5.0
) -> tuple[Counter[str], Resolver, float]:
    async def main() -> tuple[Counter[str], Resolver, float]:
        resolver = Resolver(
            ("127.0.0.1", port), timeout=timeout / 2, lifetime=timeout, concurrency=cap
        )
        start = time.perf_counter()
        async with resolver:
            counts = await run_preflight(addresses, resolver, io.StringIO(), "csv")
        return counts, resolver, time.perf_counter() - start

    return asyncio.run(main())


def test_two_thousand_domains_300_ms_away_keep_hundreds_in_flight() -> None:
    # The fixed 200 in flight of before took about 4 s here (ten round trips of 300 ms,
    # one batch after another); the window keeps the whole list in flight at once.
    addresses = [f"ketoan{i}@khach-{i}.test" for i in range(2000)]
    with delayed_dns(0.3) as server:
        port = server.port
        counts, resolver, elapsed = preflight(port, addresses)
    assert counts == Counter({"recipient-domain-ok": 2000})
    assert resolver.window.peak > 500  # the fixed bound of before: 200
    assert elapsed < 3.0, elapsed


def test_a_lookup_times_out_from_its_own_send_not_from_the_queue() -> None:
    # One query in flight at a time, each answered after 0.3 s, a lifetime of 0.5 s: the
    # fourth waits 0.9 s in the queue and must still get its answer.
    script = {f"k{i}.test": {"MX": [f"10 mx{i}.k.test."]} for i in range(4)}

    async def main(port: int) -> list[DnsOutcome]:
        async with Resolver(("127.0.0.1", port), timeout=0.5, lifetime=0.5, concurrency=1) as r:
            found = await asyncio.gather(*(r.lookup(f"k{i}.test", "MX") for i in range(4)))
        return [x.outcome for x in found]

    with fake_dns(script, delay=0.3) as (_, port):
        start = time.perf_counter()
        outcomes = asyncio.run(main(port))
        elapsed = time.perf_counter() - start
    assert outcomes == [DnsOutcome.ANSWER] * 4
    assert elapsed >= 1.2  # one at a time, each held 0.3 s: the delay is real


def test_answers_slower_than_the_resend_time_all_arrive() -> None:
    # Replies after 1.5 s (more than the first re-send's 1 s) with --timeout 3: every
    # domain gets its answer, in about one round trip, not one per queue position.
    addresses = [f"ketoan{i}@cham-{i}.test" for i in range(1000)]
    with delayed_dns(1.5) as server:
        port = server.port
        counts, _, elapsed = preflight(port, addresses, timeout=3.0)
    assert counts == Counter({"recipient-domain-ok": 1000})
    assert elapsed < 4.5, elapsed


def test_a_resolver_that_fails_makes_the_window_back_off() -> None:
    server = FakeDnsServer({}, default="SERVFAIL")
    _, port = server.start()
    try:
        counts, resolver, _ = preflight(port, [f"a@hong-{i}.test" for i in range(300)], cap=256)
    finally:
        server.stop()
    assert sum(counts.values()) == 300
    assert set(counts) <= {"recipient-dns-unknown", "resolver-not-working"}
    assert resolver.window.cuts >= 1
    assert resolver.window.size < 256


def test_a_domain_shared_by_many_customers_is_asked_once() -> None:
    server = FakeDnsServer({f"chung-{i}.test": {"MX": ["10 mx.chung.test."]} for i in range(3)}
                           | {"mx.chung.test": {"A": ["192.0.2.7"]}})  # fmt: skip
    _, port = server.start()
    try:
        addresses = [f"kh{i}@Chung-{i % 3}.test" for i in range(900)]
        counts, _, _ = preflight(port, addresses)
    finally:
        server.stop()
    assert counts == Counter({"recipient-domain-ok": 900})
    asked = Counter(name for _, name, rdtype in server.queries if rdtype == "MX")
    assert asked == Counter({f"chung-{i}.test.": 1 for i in range(3)})
