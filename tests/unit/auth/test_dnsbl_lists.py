"""The blocklist set (data/blocklists.toml): which lists, what their codes mean, and
answers about the query that stay inconclusive. Each answer is written for its test."""

from __future__ import annotations

import ipaddress

import pytest

from mailcheck.auth.dnsbl import ALL_DNSBLS, DEFAULT_DNSBLS, blocklist, check_dnsbls
from mailcheck.values import parse_dnsbls
from tests.servers.fake_dns import StaticResolver

IP = "203.0.113.7"


def _name(zone: str) -> str:
    return f"7.113.0.203.{zone}"


def test_the_sets_default_and_all() -> None:
    assert DEFAULT_DNSBLS == ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")
    assert set(DEFAULT_DNSBLS) < set(ALL_DNSBLS)
    assert {"dnsbl-1.uceprotect.net", "psbl.surriel.com", "bl.mailspike.net"} <= set(ALL_DNSBLS)
    # SORBS was shut down in June 2024: a list that lists nothing would only say "not listed".
    assert not [z for z in ALL_DNSBLS if "sorbs" in z]


def test_every_list_is_described_completely() -> None:
    for zone in ALL_DNSBLS:
        known = blocklist(zone)
        assert known is not None
        assert known.name
        assert known.lookup.startswith("https://")
        assert known.public_resolvers in ("answered", "refused", "registration")
        assert known.listed, zone
        for code in (*known.listed, *known.errors):
            assert ipaddress.ip_address(code) in ipaddress.ip_network("127.0.0.0/8")
        # A code is either a listing or an error about the query, never both.
        assert not set(known.listed) & set(known.errors), zone


def test_blocklist_by_zone_ignores_case_and_trailing_dot() -> None:
    known = blocklist("ZEN.Spamhaus.org.")
    assert known is not None
    assert known.public_resolvers == "refused"
    assert blocklist("bl.example.vn") is None


def test_parse_dnsbls_expands_all_and_default_once_each() -> None:
    assert parse_dnsbls("all") == ALL_DNSBLS
    assert parse_dnsbls(["default", "ALL", "bl.example.vn"]) == (*ALL_DNSBLS, "bl.example.vn")


async def test_a_known_lists_code_gets_its_meaning() -> None:
    zone = "zen.spamhaus.org"
    resolver = StaticResolver({_name(zone): {"A": ["127.0.0.4", "127.0.0.11"]}})
    [result] = await check_dnsbls(IP, [zone], resolver)
    assert result.listed is True
    assert result.meaning is not None
    assert "XBL" in result.meaning
    assert "PBL" in result.meaning


async def test_an_undocumented_code_still_counts_as_listed() -> None:
    zone = "bl.spamcop.net"
    [result] = await check_dnsbls(IP, [zone], StaticResolver({_name(zone): {"A": ["127.0.0.9"]}}))
    assert (result.listed, result.meaning) == (True, None)


@pytest.mark.parametrize(
    ("zone", "code", "words"),
    [
        ("zen.spamhaus.org", "127.255.255.254", "public or open resolvers"),
        ("zen.spamhaus.org", "127.255.255.255", "rate-limited"),
        ("psbl.surriel.com", "127.255.255.252", "typing error"),
        ("bl.example.vn", "127.255.255.255", "rate-limited"),  # unknown lists: generic codes
    ],
)
async def test_answers_about_the_query_are_inconclusive(zone: str, code: str, words: str) -> None:
    [result] = await check_dnsbls(IP, [zone], StaticResolver({_name(zone): {"A": [code]}}))
    assert result.listed is None
    assert result.inconclusive is not None
    assert words in result.inconclusive


async def test_a_list_for_registered_resolvers_says_so_when_it_does_not_answer() -> None:
    zone = "b.barracudacentral.org"
    [result] = await check_dnsbls(IP, [zone], StaticResolver({_name(zone): "REFUSED"}))
    assert result.listed is None
    assert result.inconclusive is not None
    assert "registered" in result.inconclusive
