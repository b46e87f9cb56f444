"""SPF through our wrapper: the RFC 7208 test suite, DNS outcome mapping, evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

from mailcheck.auth.spf import SPF_RESULTS, check_spf
from mailcheck.dnsresolver import DnsOutcome
from tests.servers.fake_dns import Behaviour, StaticResolver

SUITE = Path(__file__).resolve().parents[3] / "fixtures" / "spf" / "rfc7208-tests.yml"
SUITE_CASES = 203


def _zone(zonedata: dict[str, list[Any]]) -> dict[str, Behaviour]:
    """The suite's zonedata as a StaticResolver script.

    The suite's driver conventions (its header comment and pyspf's test driver):
    a bare ``TIMEOUT`` item makes every type without records time out; a value of
    ``NONE`` means "this type exists, with no records"; type SPF (99) records are
    also served as TXT unless the name has a TXT key of its own (RFC 7208 dropped
    type SPF; the suite uses it as a shorthand).
    """
    script: dict[str, Behaviour] = {}
    for name, items in zonedata.items():
        records: dict[str, list[str]] = {}
        timeout = False
        txt_key = False
        for item in items:
            if item == "TIMEOUT":
                timeout = True
                continue
            for rdtype, value in item.items():
                txt_key = txt_key or rdtype == "TXT"
                if value == "NONE":
                    continue
                if rdtype in ("TXT", "SPF"):
                    text = "".join(value) if isinstance(value, list) else str(value)
                elif rdtype == "MX":
                    text = f"{value[0]} {value[1]}"
                else:
                    text = str(value)
                records.setdefault(rdtype, []).append(text)
        if "SPF" in records and not txt_key:
            records["TXT"] = list(records["SPF"])
        entry: dict[str, list[str] | str] = dict(records)
        if timeout:
            entry["*"] = "TIMEOUT"
        script[name] = entry
    return script


def _cases() -> list[Any]:
    cases = []
    with SUITE.open(encoding="utf-8") as handle:
        for document in yaml.safe_load_all(handle):
            zone = _zone(document["zonedata"])
            for name, case in document["tests"].items():
                cases.append(pytest.param(case, zone, id=f"{document['description']}/{name}"))
    return cases


CASES = _cases()


def test_suite_is_complete() -> None:
    assert len(CASES) == SUITE_CASES


@pytest.mark.parametrize(("case", "zone"), CASES)
async def test_rfc7208_suite(case: dict[str, Any], zone: dict[str, Behaviour]) -> None:
    wanted = case["result"] if isinstance(case["result"], list) else [case["result"]]
    mailfrom = str(case.get("mailfrom", ""))
    helo = str(case.get("helo", ""))
    # RFC 7208 section 2.4: the MAIL FROM identity, or HELO when MAIL FROM is empty.
    domain = mailfrom.rpartition("@")[2] if mailfrom else helo
    result = await check_spf(
        domain, str(case["host"]), StaticResolver(zone), sender=mailfrom or None, helo=helo
    )
    assert result.result in wanted, (case.get("spec"), result.explanation, result.trace)
    assert result.result in SPF_RESULTS
    # "DEFAULT" stands for the receiver's own text when the domain gives none. The
    # nibbles of %{i} for IPv6 have no case in the RFC (the suite writes them upper).
    if case.get("explanation", "DEFAULT") != "DEFAULT" and result.result == "fail":
        assert result.explanation is not None
        assert f'"{case["explanation"]}"'.lower() in result.explanation.lower()


# ------------------------------------------------------------ the wrapper's own behaviour

ZONE: dict[str, Behaviour] = {
    "shop.test": {"TXT": ["v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test -all", "other"]},
    "_spf.esp.test": {"TXT": ["v=spf1 ip4:198.51.100.7 ~all"]},
    "none.test": {"TXT": ["google-site-verification=x"]},
    "slow.test": {"TXT": ["v=spf1 include:gone.test -all"]},
    "gone.test": "TIMEOUT",
    "broken.test": "SERVFAIL",
    "refused.test": "REFUSED",
    "many.test": {"TXT": ["v=spf1 " + " ".join(f"a:h{i}.many.test" for i in range(11)) + " -all"]},
    "void.test": {"TXT": ["v=spf1 a:v1.test a:v2.test a:v3.test -all"]},
    "v1.test": "NODATA",
    "v2.test": "NODATA",
    "v3.test": "NODATA",
    "exp.test": {"TXT": ["v=spf1 -all exp=why.exp.test"]},
    "why.exp.test": {"TXT": ["%{i} is not one of %{d}'s senders"]},
    "mx.test": {"TXT": ["v=spf1 mx -all"], "MX": ["10 mail.mx.test."]},
    "mail.mx.test": {"A": ["203.0.113.9"], "AAAA": ["2001:db8::9"]},
    **{f"h{i}.many.test": {"A": ["10.0.0.1"]} for i in range(11)},
}


async def test_pass_keeps_record_counts_and_lookups() -> None:
    result = await check_spf("shop.test", "198.51.100.7", StaticResolver(ZONE))
    assert result.result == "pass"
    assert result.record == "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test -all"
    assert result.explanation == "matched include:_spf.esp.test"
    assert (result.lookups, result.void_lookups) == (1, 0)
    assert [(q.name, q.rdtype, q.outcome) for q in result.queries] == [
        ("shop.test.", "TXT", DnsOutcome.ANSWER),
        ("_spf.esp.test.", "TXT", DnsOutcome.ANSWER),
    ]
    assert result.trace[0] == "check_host(198.51.100.7, shop.test)"
    assert "  match ip4:198.51.100.7 -> pass" in result.trace
    assert result.trace[-1] == "result pass (1 DNS terms, 0 void lookups)"


async def test_fail_on_all() -> None:
    result = await check_spf("shop.test", "203.0.113.1", StaticResolver(ZONE))
    assert result.result == "fail"
    assert result.explanation == "matched -all"


async def test_no_record() -> None:
    result = await check_spf("none.test", "203.0.113.1", StaticResolver(ZONE))
    assert (result.result, result.record) == ("none", None)
    assert result.explanation == "no SPF record at none.test"


async def test_nxdomain_is_none() -> None:
    result = await check_spf("nowhere.test", "203.0.113.1", StaticResolver(ZONE))
    assert result.result == "none"
    assert result.queries[0].outcome is DnsOutcome.NXDOMAIN


@pytest.mark.parametrize(
    ("domain", "failed"),
    [
        ("slow.test", "TXT gone.test: TIMEOUT"),
        ("broken.test", "TXT broken.test: SERVFAIL"),
        ("refused.test", "TXT refused.test: REFUSED"),
    ],
)
async def test_dns_failure_is_temperror_never_fail(domain: str, failed: str) -> None:
    result = await check_spf(domain, "203.0.113.1", StaticResolver(ZONE))
    assert result.result == "temperror"
    assert result.explanation == f"DNS could not tell: {failed}"


async def test_too_many_lookups() -> None:
    result = await check_spf("many.test", "203.0.113.1", StaticResolver(ZONE))
    assert result.result == "permerror"
    assert result.explanation == "too many DNS lookups (11 > 10) at a:h10.many.test"
    assert result.lookups == 11


async def test_too_many_void_lookups() -> None:
    result = await check_spf("void.test", "203.0.113.1", StaticResolver(ZONE))
    assert result.result == "permerror"
    assert result.explanation == "too many void lookups (3 > 2) at a:v3.test"
    assert result.void_lookups == 3


async def test_explanation_text_on_fail() -> None:
    result = await check_spf("exp.test", "203.0.113.1", StaticResolver(ZONE))
    assert result.result == "fail"
    assert result.explanation == (
        'matched -all; the domain explains: "203.0.113.1 is not one of exp.test\'s senders"'
    )


@pytest.mark.parametrize(
    ("ip", "result", "asked"),
    [
        ("203.0.113.9", "pass", ("mail.mx.test.", "A")),
        ("2001:db8::9", "pass", ("mail.mx.test.", "AAAA")),
        ("2001:db8::1", "fail", ("mail.mx.test.", "AAAA")),
    ],
)
async def test_mx_follows_the_address_family(ip: str, result: str, asked: tuple[str, str]) -> None:
    resolver = StaticResolver(ZONE)
    found = await check_spf("mx.test", ip, resolver)
    assert found.result == result
    assert asked in resolver.asked


async def test_domain_apart_from_sender() -> None:
    """check_host(ip, domain, sender): the HELO identity with a MAIL FROM elsewhere."""
    resolver = StaticResolver(ZONE)
    result = await check_spf("shop.test", "192.0.2.5", resolver, sender="bob@other.test")
    assert result.result == "pass"
    assert resolver.asked[0] == ("shop.test.", "TXT")


async def test_bad_ip_is_reported_not_raised() -> None:
    result = await check_spf("shop.test", "not-an-ip", StaticResolver(ZONE))
    assert result.result == "permerror"
    assert result.explanation is not None
    assert "invalid IP address" in result.explanation


async def test_ipv6_sender_hits_the_void_limit_where_ipv4_does_not() -> None:
    """reference/dns-and-auth.md 4.2: MX hosts without AAAA turn into void lookups."""
    zone: dict[str, Behaviour] = {
        "shop6.test": {
            "TXT": ["v=spf1 mx a include:_spf.crm6.test -all"],
            "MX": ["10 mx1.shop6.test.", "20 mx2.shop6.test."],
            "A": ["192.0.2.10"],
        },
        "mx1.shop6.test": {"A": ["192.0.2.1"], "AAAA": ["2001:db8::1"]},
        "mx2.shop6.test": {"A": ["192.0.2.2"]},
        "_spf.crm6.test": {"TXT": ["v=spf1 exists:%{i}._ip.crm6.test ~all"]},
    }
    v4 = await check_spf("shop6.test", "198.51.100.99", StaticResolver(zone))
    v6 = await check_spf("shop6.test", "2001:db8:ffff::99", StaticResolver(zone))
    assert (v4.result, v4.void_lookups) == ("fail", 1)
    assert (v6.result, v6.void_lookups) == ("permerror", 3)
    assert v6.explanation is not None
    assert v6.explanation.startswith("too many void lookups (3 > 2) at exists:")
