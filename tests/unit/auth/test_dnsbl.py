"""DNS blocklists, and the scripted DNS server against the project's Resolver."""

from __future__ import annotations

import pytest

from mailcheck.auth.dnsbl import DEFAULT_DNSBLS, check_dnsbls, dnsbl_name
from mailcheck.dnsresolver import DnsOutcome, Resolver
from tests.servers.fake_dns import Answer, Behaviour, FakeDnsServer, StaticResolver, fake_dns

ZONE = "bl.test"
IP = "192.0.2.5"
NAME = "5.2.0.192.bl.test"


# ------------------------------------------------------------------ query names


@pytest.mark.parametrize(
    ("ip", "name"),
    [
        ("192.0.2.5", "5.2.0.192.bl.test"),
        (" 192.0.2.5 ", "5.2.0.192.bl.test"),
        ("::ffff:192.0.2.5", "5.2.0.192.bl.test"),
        (
            "2001:db8::1",
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test",
        ),
    ],
)
def test_query_name(ip: str, name: str) -> None:
    assert dnsbl_name(ip, "bl.test.") == name


def test_defaults_are_the_well_known_lists() -> None:
    assert DEFAULT_DNSBLS == ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")


# ------------------------------------------------------------------ verdicts


async def test_listed_with_reason() -> None:
    resolver = StaticResolver(
        {NAME: {"A": ["127.0.0.2", "127.0.0.4"], "TXT": ["Listed: see https://bl.test/5"]}}
    )
    [result] = await check_dnsbls(IP, [ZONE], resolver)
    assert (result.zone, result.ip, result.listed) == (ZONE, IP, True)
    assert result.codes == ("127.0.0.2", "127.0.0.4")
    assert result.reason == "Listed: see https://bl.test/5"
    assert result.inconclusive is None
    assert resolver.asked == [(f"{NAME}.", "A"), (f"{NAME}.", "TXT")]
    assert [q.outcome for q in result.queries] == [DnsOutcome.ANSWER, DnsOutcome.ANSWER]


async def test_listed_without_txt() -> None:
    [result] = await check_dnsbls(IP, [ZONE], StaticResolver({NAME: {"A": ["127.0.0.10"]}}))
    assert (result.listed, result.reason) == (True, None)


async def test_not_listed() -> None:
    resolver = StaticResolver({})
    [result] = await check_dnsbls(IP, [ZONE], resolver)
    assert (result.listed, result.codes, result.inconclusive) == (False, (), None)
    assert resolver.asked == [(f"{NAME}.", "A")]  # no TXT when not listed


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("127.255.255.254", "public or open resolvers"),
        ("127.255.255.255", "rate-limited"),
        ("127.255.255.252", "typing error"),
        ("127.255.255.253", "127.255.255.253"),
        ("127.0.0.1", "refused the query"),
        ("198.51.100.80", "outside 127.0.0.0/8"),
    ],
)
async def test_error_codes_are_inconclusive_never_listed(code: str, words: str) -> None:
    resolver = StaticResolver({NAME: {"A": [code]}})
    [result] = await check_dnsbls(IP, [ZONE], resolver)
    assert result.listed is None
    assert result.codes == (code,)
    assert result.inconclusive is not None
    assert words in result.inconclusive
    assert resolver.asked == [(f"{NAME}.", "A")]


async def test_error_code_among_listing_codes_wins() -> None:
    resolver = StaticResolver({NAME: {"A": ["127.0.0.2", "127.255.255.254"]}})
    [result] = await check_dnsbls(IP, [ZONE], resolver)
    assert result.listed is None


@pytest.mark.parametrize("failure", ["TIMEOUT", "SERVFAIL", "REFUSED"])
async def test_dns_failure_could_not_tell(failure: str) -> None:
    [result] = await check_dnsbls(IP, [ZONE], StaticResolver({NAME: failure}))
    assert result.listed is None
    assert result.inconclusive is not None
    assert result.inconclusive.startswith(f"DNS could not tell: A {NAME}")


async def test_bad_ip_is_reported_not_raised() -> None:
    resolver = StaticResolver({})
    results = await check_dnsbls("not-an-ip", ["a.test", "b.test"], resolver)
    assert [(r.zone, r.listed) for r in results] == [("a.test", None), ("b.test", None)]
    assert resolver.asked == []


async def test_several_zones_in_order() -> None:
    resolver = StaticResolver(
        {"5.2.0.192.one.test": {"A": ["127.0.0.2"]}, "5.2.0.192.three.test": "SERVFAIL"}
    )
    results = await check_dnsbls(IP, ["one.test", "two.test", "three.test"], resolver)
    assert [r.listed for r in results] == [True, False, None]


# ------------------------------------------------------------------ the scripted server

BIG_TXT = "v=DKIM1; k=rsa; p=" + "A" * 1400  # over any UDP size the client offers

SCRIPT: dict[str, Behaviour] = {
    "servfail.test.": "SERVFAIL",
    "refused.test.": "REFUSED",
    "slow.test.": "DROP",
    "tc.test.": "TRUNCATE",
    "empty.test.": "NODATA",
    "ok.test.": {"A": ["192.0.2.1"], "MX": ["10 mx.ok.test."], "TXT": ["hello"]},
    "big.test.": Answer({"TXT": [BIG_TXT]}, truncate=True),
    "large.test.": {"TXT": [BIG_TXT]},
}


@pytest.mark.parametrize(
    ("name", "rdtype", "outcome", "records"),
    [
        ("nothing.test", "A", DnsOutcome.NXDOMAIN, ()),
        ("servfail.test", "A", DnsOutcome.SERVFAIL, ()),
        ("refused.test", "TXT", DnsOutcome.REFUSED, ()),
        ("slow.test", "A", DnsOutcome.TIMEOUT, ()),
        ("tc.test", "A", DnsOutcome.ERROR, ()),  # TC over UDP, and TCP closes: no answer
        ("empty.test", "A", DnsOutcome.NODATA, ()),
        ("ok.test", "A", DnsOutcome.ANSWER, ("192.0.2.1",)),
        ("OK.test.", "MX", DnsOutcome.ANSWER, ("10 mx.ok.test.",)),
        ("ok.test", "AAAA", DnsOutcome.NODATA, ()),
        ("big.test", "TXT", DnsOutcome.ANSWER, (BIG_TXT,)),  # TC over UDP, then TCP
        ("large.test", "TXT", DnsOutcome.ANSWER, (BIG_TXT,)),  # too big for UDP: TC
    ],
)
async def test_resolver_classifies_scripted_answers(
    name: str, rdtype: str, outcome: DnsOutcome, records: tuple[str, ...]
) -> None:
    with fake_dns(SCRIPT) as server:
        async with Resolver(server, timeout=0.2, lifetime=0.6) as resolver:
            found = await resolver.lookup(name, rdtype)
    assert found.outcome is outcome, found
    assert found.records == records
    assert found.outcome.conclusive is (outcome not in _COULD_NOT_TELL)


_COULD_NOT_TELL = (DnsOutcome.SERVFAIL, DnsOutcome.REFUSED, DnsOutcome.TIMEOUT, DnsOutcome.ERROR)


async def test_truncated_answer_is_retried_over_tcp() -> None:
    server = FakeDnsServer(SCRIPT)
    address = server.start()
    try:
        async with Resolver(address, timeout=0.5, lifetime=1.0) as resolver:
            found = await resolver.lookup("big.test", "TXT")
    finally:
        server.stop()
    assert found.ok
    assert server.queries == [("udp", "big.test.", "TXT"), ("tcp", "big.test.", "TXT")]


async def test_dnsbl_through_the_real_resolver() -> None:
    script: dict[str, Behaviour] = {
        "5.2.0.192.listed.test.": {"A": ["127.0.0.2"], "TXT": ["spam source"]},
        "5.2.0.192.public.test.": {"A": ["127.255.255.254"]},
        "5.2.0.192.down.test.": "SERVFAIL",
    }
    with fake_dns(script) as server:
        async with Resolver(server, timeout=0.2, lifetime=0.6) as resolver:
            zones = ["listed.test", "clean.test", "public.test", "down.test"]
            results = await check_dnsbls(IP, zones, resolver)
    assert [(r.listed, r.reason) for r in results] == [
        (True, "spam source"),
        (False, None),
        (None, None),
        (None, None),
    ]
    assert results[3].inconclusive == "DNS could not tell: A 5.2.0.192.down.test: SERVFAIL"
