"""Can the recipient's domain receive mail at all? (MX, null MX, implicit MX, typos.)

The lookups are kept as evidence; the verdict is a small pure function of
them, so "could not tell" (a DNS timeout, SERVFAIL, REFUSED) is never read as
"the customer's domain is broken".
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass

from mailcheck.dnsresolver import DnsOutcome, Lookup, Resolver
from mailcheck.suggest import suggest_domain

__all__ = [
    "AddressChecker",
    "AddressError",
    "DomainCheck",
    "DomainVerdict",
    "check_domain",
    "split_address",
]


class DomainVerdict(enum.StrEnum):
    """What the DNS says about a recipient domain."""

    #: MX records whose hosts resolve.
    OK = "ok"
    #: No MX, but the domain has an address: mail goes there (RFC 5321 §5.1).
    IMPLICIT_MX = "implicit-mx"
    #: The domain does not exist.
    NXDOMAIN = "nxdomain"
    #: ``MX 0 .``: the domain says it accepts no mail (RFC 7505).
    NULL_MX = "null-mx"
    #: No MX and no address.
    NO_MAIL = "no-mail"
    #: MX records, but none of their hosts resolves.
    MX_UNRESOLVABLE = "mx-unresolvable"
    #: The DNS did not answer conclusively.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class MxHost:
    """One MX record and its host's addresses."""

    preference: int
    host: str
    a: Lookup | None
    aaaa: Lookup | None

    @property
    def resolves(self) -> bool | None:
        """True: has an address; False: conclusively none; None: could not tell."""
        lookups = [x for x in (self.a, self.aaaa) if x is not None]
        if any(x.ok for x in lookups):
            return True
        if lookups and all(x.outcome.conclusive for x in lookups):
            return False
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainCheck:
    """The evidence and the verdict for one domain."""

    domain: str
    """ASCII form (IDN punycoded)."""
    verdict: DomainVerdict
    mx: Lookup
    hosts: tuple[MxHost, ...] = ()
    addresses: tuple[Lookup, ...] = ()
    """A/AAAA of the domain itself, looked up when it has no MX."""
    suggestion: str | None = None
    """A common mail domain it may be a typo of (only when that one has MX)."""

    @property
    def lookups(self) -> tuple[Lookup, ...]:
        """Every lookup made, for the report."""
        hosts = tuple(x for h in self.hosts for x in (h.a, h.aaaa) if x is not None)
        return (self.mx, *hosts, *self.addresses)


class AddressError(ValueError):
    """An address that is not syntactically valid (email-validator's words)."""


def split_address(address: str) -> tuple[str, str]:
    """Syntax and IDN normalisation (email-validator, syntax only): ``(address, ascii domain)``."""
    from email_validator import EmailNotValidError, validate_email

    try:
        # test_environment: allow the reserved .test TLD (the lab); nothing is looked up.
        valid = validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise AddressError(str(exc)) from None
    domain = valid.ascii_domain or valid.domain.encode("idna").decode("ascii")
    return valid.normalized, domain.lower()


class AddressChecker:
    """:func:`split_address` for long lists: each distinct domain is validated once.

    email-validator's IDNA checks of the domain are most of its cost; a customer list
    repeats a few hundred domains over thousands of addresses.
    """

    def __init__(self) -> None:
        self._domains: dict[str, str] = {}

    def check(self, address: str) -> tuple[str, str]:
        """``(normalized address, ascii domain)`` or :class:`AddressError`."""
        local, at, domain = address.rpartition("@")
        known = self._domains.get(domain.lower()) if at else None
        if known is None or len(address) > 254:
            normalized, ascii_domain = split_address(address)
            if at:
                self._domains[domain.lower()] = ascii_domain
            return normalized, ascii_domain
        from email_validator import EmailNotValidError
        from email_validator.syntax import validate_email_local_part

        try:
            part = validate_email_local_part(local)
        except EmailNotValidError as exc:
            raise AddressError(str(exc)) from None
        return f"{part['local_part']}@{domain}", known


def _parse_mx(record: str) -> tuple[int, str] | None:
    parts = record.split()
    if len(parts) != 2 or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1].rstrip(".").lower()


async def _host(resolver: Resolver, preference: int, host: str) -> MxHost:
    a = await resolver.lookup(host, "A")
    # AAAA only when A does not settle it: halves the queries for ordinary hosts.
    aaaa = None if a.ok else await resolver.lookup(host, "AAAA")
    return MxHost(preference=preference, host=host, a=a, aaaa=aaaa)


async def check_domain(domain: str, resolver: Resolver) -> DomainCheck:
    """Look the domain up and decide; never raises for DNS behaviour."""
    domain = domain.lower().rstrip(".")
    mx = await resolver.lookup(domain, "MX")
    if mx.outcome is DnsOutcome.NXDOMAIN:
        return await _with_suggestion(
            DomainCheck(domain=domain, verdict=DomainVerdict.NXDOMAIN, mx=mx), resolver
        )
    if not mx.outcome.conclusive:
        return DomainCheck(domain=domain, verdict=DomainVerdict.UNKNOWN, mx=mx)
    if mx.ok:
        parsed = sorted(p for p in (_parse_mx(r) for r in mx.records) if p is not None)
        real = [(pref, host) for pref, host in parsed if host not in ("", ".")]
        if not real:
            return await _with_suggestion(
                DomainCheck(domain=domain, verdict=DomainVerdict.NULL_MX, mx=mx), resolver
            )
        hosts = tuple(await asyncio.gather(*(_host(resolver, p, h) for p, h in real)))
        states = [h.resolves for h in hosts]
        if any(states):
            return DomainCheck(domain=domain, verdict=DomainVerdict.OK, mx=mx, hosts=hosts)
        verdict = DomainVerdict.UNKNOWN if None in states else DomainVerdict.MX_UNRESOLVABLE
        return await _with_suggestion(
            DomainCheck(domain=domain, verdict=verdict, mx=mx, hosts=hosts), resolver
        )
    # No MX: the domain's own address is the implicit MX (RFC 5321 §5.1).
    a = await resolver.lookup(domain, "A")
    aaaa = None if a.ok else await resolver.lookup(domain, "AAAA")
    addresses = tuple(x for x in (a, aaaa) if x is not None)
    if any(x.ok for x in addresses):
        verdict = DomainVerdict.IMPLICIT_MX
    elif all(x.outcome.conclusive for x in addresses):
        verdict = DomainVerdict.NO_MAIL
    else:
        verdict = DomainVerdict.UNKNOWN
    check = DomainCheck(domain=domain, verdict=verdict, mx=mx, addresses=addresses)
    return await _with_suggestion(check, resolver) if verdict is DomainVerdict.NO_MAIL else check


async def _with_suggestion(check: DomainCheck, resolver: Resolver) -> DomainCheck:
    """Add a 'did you mean' only when the suggested domain really takes mail (has MX)."""
    candidate = suggest_domain(check.domain)
    if candidate is None:
        return check
    mx = await resolver.lookup(candidate, "MX")
    if not mx.ok or all((_parse_mx(r) or (0, ""))[1] in ("", ".") for r in mx.records):
        return check
    return DomainCheck(
        domain=check.domain,
        verdict=check.verdict,
        mx=check.mx,
        hosts=check.hosts,
        addresses=check.addresses,
        suggestion=candidate,
    )
