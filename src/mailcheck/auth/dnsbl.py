"""DNS blocklists (DNSBL, RFC 5782): is the sending IP listed, and can the list tell us?

A listing is an A record under the list's zone for the reversed address
(``2.0.0.127.zen.spamhaus.org``), in 127.0.0.0/8; the TXT record at the same
name gives the reason. What makes this more than a lookup:

- lists answer some queries with error codes that look like listings:
  Spamhaus 127.255.255.252-255 ("typing error", "public or open resolver",
  "excessive number of queries"), URIBL-style 127.0.0.1 ("query refused").
  Those are inconclusive, never "listed" (reference/dns-and-auth.md section 6.4);
- what each known list's codes mean, and which lists refuse public resolvers, is
  data: ``data/blocklists.toml`` (``--dnsbl default`` and ``all`` are its sets);
- an answer outside 127.0.0.0/8 means the resolver rewrites NXDOMAIN (an ISP's
  "search" page): inconclusive too;
- a lookup that times out, SERVFAILs or is refused could not tell.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailcheck.auth import DnsLookup
from mailcheck.datafiles import read_data
from mailcheck.dnsresolver import DnsOutcome, Lookup

__all__ = [
    "ALL_DNSBLS",
    "DEFAULT_DNSBLS",
    "Blocklist",
    "DnsblResult",
    "blocklist",
    "check_dnsbls",
    "dnsbl_name",
]


@dataclass(frozen=True, slots=True)
class Blocklist:
    """One list of ``data/blocklists.toml``: its zone and what its answers mean."""

    zone: str
    name: str
    default: bool
    public_resolvers: str
    """answered, refused (an error code) or registration (registered resolvers only)."""
    lookup: str
    listed: Mapping[str, str]
    """Listing code -> what it means."""
    errors: Mapping[str, str]
    """Code -> why the answer is about the query: this list's codes over the generic ones."""


def _load() -> tuple[dict[str, Blocklist], dict[str, str]]:
    raw = read_data("blocklists.toml")
    generic = dict(raw.get("generic", {}).get("errors", {}))
    lists = {}
    for entry in raw.get("list", []):
        zone = str(entry["zone"]).lower()
        lists[zone] = Blocklist(
            zone=zone,
            name=str(entry["name"]),
            default=bool(entry.get("default", False)),
            public_resolvers=str(entry.get("public_resolvers", "answered")),
            lookup=str(entry.get("lookup", "")),
            listed=dict(entry.get("listed", {})),
            errors={**generic, **entry.get("errors", {})},
        )
    return lists, generic


_KNOWN, _GENERIC_ERRORS = _load()

#: ``--dnsbl default``: used only when asked for (or configured as ``default``).
#: Free for low-volume use through one's own resolver.
DEFAULT_DNSBLS: tuple[str, ...] = tuple(z for z, b in _KNOWN.items() if b.default)
#: ``--dnsbl all``: every list mailcheck knows.
ALL_DNSBLS: tuple[str, ...] = tuple(_KNOWN)

_LISTING_NET = ipaddress.IPv4Network("127.0.0.0/8")


def blocklist(zone: str) -> Blocklist | None:
    """The known list with this zone (any case, trailing dot or not), or None."""
    return _KNOWN.get(zone.strip().lower().rstrip("."))


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
    meaning: str | None = None
    """What the list says its listing codes mean (known lists only)."""


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
        known = blocklist(zone)
        if known is not None and known.public_resolvers == "registration":
            why += f" ({known.name} answers only resolvers registered with it: {known.lookup})"
        return _result(zone, ip, None, inconclusive=why, queries=(found,))

    codes = found.records
    known = blocklist(zone)
    problem = _problem(codes, known.errors if known is not None else _GENERIC_ERRORS)
    if problem is not None:
        return _result(zone, ip, None, codes=codes, inconclusive=problem, queries=(found,))
    text = await resolver.lookup(name, "TXT")
    reason = " ".join(text.records) if text.outcome is DnsOutcome.ANSWER else None
    meanings = [known.listed[c] for c in codes if known is not None and c in known.listed]
    return _result(
        zone,
        ip,
        True,
        codes=codes,
        reason=reason or None,
        queries=(found, text),
        meaning="; ".join(dict.fromkeys(meanings)) or None,
    )


def _problem(codes: tuple[str, ...], errors: Mapping[str, str]) -> str | None:
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
        if code in errors:
            return errors[code]
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
    meaning: str | None = None,
) -> DnsblResult:
    return DnsblResult(
        zone=zone,
        ip=ip,
        listed=listed,
        codes=codes,
        reason=reason,
        inconclusive=inconclusive,
        queries=queries,
        meaning=meaning,
    )
