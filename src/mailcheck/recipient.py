"""Can the recipient's domain receive mail at all? (MX, null MX, implicit MX, typos.)

The lookups are kept as evidence; the verdict is a small pure function of
them, so "could not tell" (a DNS timeout, SERVFAIL, REFUSED) is never read as
"the customer's domain is broken". A negative answer (no such domain, no mail
server) counts only once the resolver has shown it answers names that must
exist (:meth:`Resolver.check_working`): a resolver that says NXDOMAIN for
everything is "could not tell", not a broken customer domain.

Lookups of one check go out together where they can: the MX, then every MX
host's A and AAAA at once, then (for a negative verdict) the resolver check and
the typo suggestion at once, so a check takes about three round trips at most.

The typo suggestion ("did you mean gmail.com?" for gmial.com) is own code, not a
library: the suggesters on PyPI have wrong lists or rewrite addresses silently.
It only proposes; a suggestion is offered only when the suggested domain has MX
records.
"""

from __future__ import annotations

import asyncio
import enum
import functools
from dataclasses import dataclass, replace

from mailcheck.datafiles import read_data
from mailcheck.dnsresolver import DnsOutcome, Lookup, Resolver, ResolverCheck

__all__ = [
    "AddressChecker",
    "AddressError",
    "DomainCheck",
    "DomainVerdict",
    "check_domain",
    "distance",
    "known_domains",
    "split_address",
    "suggest_domain",
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
    #: The DNS did not answer conclusively, or the resolver failed its check.
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
    resolver: ResolverCheck | None = None
    """The resolver's check, made before a negative verdict; not working: UNKNOWN."""

    @property
    def resolver_broken(self) -> bool:
        """The verdict is UNKNOWN because the resolver does not answer names that must exist."""
        return self.resolver is not None and not self.resolver.working

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


async def _host(resolver: Resolver, preference: int, host: str, deadline: float | None) -> MxHost:
    # A and AAAA together: an IPv6-only host costs no second round trip, and a silent
    # server costs one timeout, not two.
    a, aaaa = await asyncio.gather(
        resolver.lookup(host, "A", deadline=deadline),
        resolver.lookup(host, "AAAA", deadline=deadline),
    )
    return MxHost(preference=preference, host=host, a=a, aaaa=aaaa)


async def check_domain(
    domain: str, resolver: Resolver, *, deadline: float | None = None
) -> DomainCheck:
    """Look the domain up and decide; never raises for DNS behaviour.

    ``deadline`` (``loop.time()``) bounds every lookup; one that could not start
    before it is ``skipped``.
    """
    domain = domain.lower().rstrip(".")
    mx, early = await _mx(domain, resolver, deadline)
    if mx.outcome is DnsOutcome.NXDOMAIN:
        check = DomainCheck(domain=domain, verdict=DomainVerdict.NXDOMAIN, mx=mx)
        return await _negative(check, resolver, deadline)
    if not mx.outcome.conclusive:
        check = DomainCheck(domain=domain, verdict=DomainVerdict.UNKNOWN, mx=mx)
        if mx.outcome is DnsOutcome.SKIPPED:
            return check
        # Could not tell: is it this domain's DNS, or the resolver? The check was
        # started while the MX was slow (or is asked now, after a quick failure).
        vouch = await (early or resolver.check_working(domain, deadline=deadline))
        return replace(check, resolver=vouch)
    if mx.ok:
        parsed = sorted(p for p in (_parse_mx(r) for r in mx.records) if p is not None)
        real = [(pref, host) for pref, host in parsed if host not in ("", ".")]
        if not real:
            # MX 0 . is a record the domain published: the resolver answered; no check.
            check = DomainCheck(domain=domain, verdict=DomainVerdict.NULL_MX, mx=mx)
            return await _with_suggestion(check, resolver, deadline)
        hosts = tuple(await asyncio.gather(*(_host(resolver, p, h, deadline) for p, h in real)))
        states = [h.resolves for h in hosts]
        if any(states):
            return DomainCheck(domain=domain, verdict=DomainVerdict.OK, mx=mx, hosts=hosts)
        if None in states:
            return DomainCheck(domain=domain, verdict=DomainVerdict.UNKNOWN, mx=mx, hosts=hosts)
        check = DomainCheck(
            domain=domain, verdict=DomainVerdict.MX_UNRESOLVABLE, mx=mx, hosts=hosts
        )
        return await _negative(check, resolver, deadline)
    # No MX: the domain's own address is the implicit MX (RFC 5321 §5.1).
    addresses = tuple(
        await asyncio.gather(
            resolver.lookup(domain, "A", deadline=deadline),
            resolver.lookup(domain, "AAAA", deadline=deadline),
        )
    )
    if any(x.ok for x in addresses):
        verdict = DomainVerdict.IMPLICIT_MX
    elif all(x.outcome.conclusive for x in addresses):
        verdict = DomainVerdict.NO_MAIL
    else:
        verdict = DomainVerdict.UNKNOWN
    check = DomainCheck(domain=domain, verdict=verdict, mx=mx, addresses=addresses)
    if verdict is DomainVerdict.NO_MAIL:
        return await _negative(check, resolver, deadline)
    return check


#: An MX lookup slower than this starts the resolver check beside it, so that a
#: silent resolver costs one timeout, not two; a healthy one answers well before.
_VOUCH_AFTER = 0.5


async def _mx(
    domain: str, resolver: Resolver, deadline: float | None
) -> tuple[Lookup, asyncio.Future[ResolverCheck] | None]:
    """The MX lookup, and the resolver check if it was started because the MX was slow."""
    loop = asyncio.get_running_loop()
    mx = asyncio.ensure_future(resolver.lookup(domain, "MX", deadline=deadline))
    await asyncio.wait((mx,), timeout=_VOUCH_AFTER)
    if mx.done():
        return mx.result(), None
    # The check ends with the MX lookup at the latest: it must not add a wait of its own.
    until = loop.time() + max(resolver.lifetime - _VOUCH_AFTER, 0.0)
    if deadline is not None:
        until = min(until, deadline)
    early = asyncio.ensure_future(resolver.check_working(domain, deadline=until))
    try:
        return await mx, early
    except BaseException:
        early.cancel()
        raise


async def _negative(check: DomainCheck, resolver: Resolver, deadline: float | None) -> DomainCheck:
    """A negative verdict stands only if the resolver answers names that must exist."""
    vouch, suggested = await asyncio.gather(
        resolver.check_working(check.domain, deadline=deadline),
        _with_suggestion(check, resolver, deadline),
    )
    if not vouch.working:
        # Its NXDOMAIN or "no data" says nothing about the customer's domain (nor does
        # its answer about the suggested one).
        return replace(check, verdict=DomainVerdict.UNKNOWN, resolver=vouch)
    return replace(suggested, resolver=vouch)


async def _with_suggestion(
    check: DomainCheck, resolver: Resolver, deadline: float | None
) -> DomainCheck:
    """Add a 'did you mean' only when the suggested domain really takes mail (has MX)."""
    candidate = suggest_domain(check.domain)
    if candidate is None:
        return check
    mx = await resolver.lookup(candidate, "MX", deadline=deadline)
    if not mx.ok or all((_parse_mx(r) or (0, ""))[1] in ("", ".") for r in mx.records):
        return check
    return replace(check, suggestion=candidate)


# 'Did you mean ...?' for mistyped recipient domains (gmial.com -> gmail.com).
@functools.cache
def known_domains() -> tuple[str, ...]:
    """The common mail domains of data/mail_domains.toml."""
    data = read_data("mail_domains.toml")
    return tuple(d for group in ("international", "vietnam") for d in data.get(group, ()))


def distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


def suggest_domain(domain: str) -> str | None:
    """The closest common mail domain, if ``domain`` looks like a typo of one."""
    domain = domain.lower().rstrip(".")
    known = known_domains()
    if domain in known:
        return None
    best: tuple[int, str] | None = None
    for candidate in known:
        # Short names tolerate one slip, longer ones two (gmial.com, hotmial.con).
        allowed = 1 if len(candidate) <= 7 else 2
        d = distance(domain, candidate, allowed + 1)
        if d <= allowed and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None
