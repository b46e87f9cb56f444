"""DNS blocklists (DNSBL, RFC 5782): is the sending IP listed, and can the list tell us?

A listing is an A record under the list's zone for the reversed address
(``2.0.0.127.zen.spamhaus.org``), in 127.0.0.0/8; the TXT record at the same
name gives the reason. What makes this more than a lookup:

- lists answer some queries with error codes that look like listings:
  Spamhaus 127.255.255.252-255 ("typing error", "public or open resolver",
  "excessive number of queries"), URIBL-style 127.0.0.1 ("query refused").
  Those are inconclusive, never "listed" (reference/dns-and-auth.md section 6.4);
- an answer outside 127.0.0.0/8 means the resolver rewrites NXDOMAIN (an ISP's
  "search" page): inconclusive too;
- a lookup that times out, SERVFAILs or is refused could not tell.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from mailcheck.auth import DnsLookup
from mailcheck.dnsresolver import DnsOutcome, Lookup

__all__ = ["DEFAULT_DNSBLS", "DnsblResult", "check_dnsbls", "dnsbl_name"]

#: Used only when the user configures no list. Free for low-volume use through one's
#: own resolver; Spamhaus refuses queries that come through public resolvers.
DEFAULT_DNSBLS: tuple[str, ...] = ("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org")

_LISTING_NET = ipaddress.IPv4Network("127.0.0.0/8")
#: Answers that are the list talking about the query, not the address.
_ERROR_CODES = {
    "127.0.0.1": "the list refused the query (127.0.0.1)",
    "127.255.255.252": "the list reports a typing error in its zone name (127.255.255.252)",
    "127.255.255.253": "the list reports an error (127.255.255.253)",
    "127.255.255.254": (
        "the list refuses queries through public or open resolvers (127.255.255.254): "
        "use your own recursive resolver"
    ),
    "127.255.255.255": "the list rate-limited this resolver (127.255.255.255)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsblResult:
    """One address against one blocklist."""

    zone: str
    """The list's zone, as configured (``zen.spamhaus.org``)."""
    ip: str
    """The address checked, as given."""
    listed: bool | None
    """True: listed. False: not listed (NXDOMAIN). None: the list or the DNS could not tell."""
    codes: tuple[str, ...]
    """The A records returned (``127.0.0.2``), whatever they mean; empty when none."""
    reason: str | None
    """The list's TXT text when listed (often a URL to the removal page); None otherwise."""
    inconclusive: str | None
    """Why ``listed`` is None: a list error code, a rewriting resolver, or the DNS failure."""
    queries: tuple[Lookup, ...] = ()
    """The A lookup, and the TXT lookup when listed (the DNS evidence)."""


def dnsbl_name(ip: str, zone: str) -> str:
    """The query name for ``ip`` under ``zone`` (RFC 5782 section 2.1 and 2.4).

    IPv4: the octets reversed (``192.0.2.5`` -> ``5.2.0.192.<zone>``). IPv6: the 32
    nibbles reversed. An IPv4-mapped IPv6 address is queried as IPv4.
    Raises ValueError if ``ip`` is not an address.
    """
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        reversed_part = ".".join(reversed(str(address).split(".")))
    else:
        reversed_part = ".".join(reversed(address.exploded.replace(":", "")))
    return f"{reversed_part}.{zone.strip().rstrip('.')}"


async def check_dnsbls(ip: str, zones: Sequence[str], resolver: DnsLookup) -> list[DnsblResult]:
    """Check ``ip`` against every zone, concurrently; results in the order of ``zones``.

    Never raises: an ``ip`` that is not an address gives ``listed=None`` for each zone.
    """
    return list(await asyncio.gather(*(_check(ip, zone, resolver) for zone in zones)))


async def _check(ip: str, zone: str, resolver: DnsLookup) -> DnsblResult:
    try:
        name = dnsbl_name(ip, zone)
    except ValueError:
        return _result(zone, ip, None, inconclusive=f"not an IP address: {ip!r}")
    found = await resolver.lookup(name, "A")
    if found.outcome in (DnsOutcome.NXDOMAIN, DnsOutcome.NODATA):
        return _result(zone, ip, False, queries=(found,))
    if found.outcome is not DnsOutcome.ANSWER:
        why = f"DNS could not tell: A {name}: {found.error or found.outcome.value}"
        return _result(zone, ip, None, inconclusive=why, queries=(found,))

    codes = found.records
    problem = _problem(codes)
    if problem is not None:
        return _result(zone, ip, None, codes=codes, inconclusive=problem, queries=(found,))
    text = await resolver.lookup(name, "TXT")
    reason = " ".join(text.records) if text.outcome is DnsOutcome.ANSWER else None
    return _result(zone, ip, True, codes=codes, reason=reason or None, queries=(found, text))


def _problem(codes: tuple[str, ...]) -> str | None:
    """Why these A records are not a listing, or None if they are one."""
    for code in codes:
        try:
            address = ipaddress.ip_address(code)
        except ValueError:
            return f"not an address in the answer: {code!r}"
        if not isinstance(address, ipaddress.IPv4Address) or address not in _LISTING_NET:
            return (
                f"answer {code} is outside 127.0.0.0/8: the resolver seems to rewrite "
                "NXDOMAIN (a wildcarding resolver), so listings cannot be told"
            )
        if code in _ERROR_CODES:
            return _ERROR_CODES[code]
        if code == "127.0.0.0":
            return "answer 127.0.0.0 is not a listing code"
    return None


def _result(
    zone: str,
    ip: str,
    listed: bool | None,
    *,
    codes: tuple[str, ...] = (),
    reason: str | None = None,
    inconclusive: str | None = None,
    queries: tuple[Lookup, ...] = (),
) -> DnsblResult:
    return DnsblResult(
        zone=zone,
        ip=ip,
        listed=listed,
        codes=codes,
        reason=reason,
        inconclusive=inconclusive,
        queries=queries,
    )
