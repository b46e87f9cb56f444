"""mailcheck's DNS: one configured dnspython resolver, shared by every DNS check.

Set up as reference/dns-and-auth.md §5 says: built with ``configure=False``
(the system's nameservers are read once into our own instance, never the
library's global default resolver); EDNS on (answers over 512 bytes would
otherwise cost a TCP retry); a per-query timeout below the lifetime; one
cache shared by all lookups; identical lookups in flight merged into one
(dnspython does not); concurrency bounded by a semaphore (unbounded, thousands
of queries all time out); an optional rate cap for public resolvers.

Every lookup ends in an outcome class — answer, NXDOMAIN, no data, SERVFAIL,
refused, timeout — so "could not tell" is never read as "broken" or "fine".
"""

from __future__ import annotations

import asyncio
import enum
import time
from dataclasses import dataclass
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

__all__ = ["DnsOutcome", "Lookup", "Resolver"]

_MAX_REMEMBERED = 100_000


class DnsOutcome(enum.StrEnum):
    """How one lookup ended."""

    #: Records came back.
    ANSWER = "answer"
    #: The name does not exist (authoritative NXDOMAIN).
    NXDOMAIN = "nxdomain"
    #: The name exists but has no records of this type.
    NODATA = "nodata"
    #: The server failed (SERVFAIL): could not tell.
    SERVFAIL = "servfail"
    #: The server refused to answer (REFUSED, NOTIMP, FORMERR): could not tell.
    REFUSED = "refused"
    #: No answer in time: could not tell.
    TIMEOUT = "timeout"
    #: The query itself was bad (e.g. a name with an empty label).
    ERROR = "error"

    @property
    def conclusive(self) -> bool:
        """True when the answer says something about the name (answer, NXDOMAIN, no data)."""
        return self in (DnsOutcome.ANSWER, DnsOutcome.NXDOMAIN, DnsOutcome.NODATA)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One DNS question and what came back."""

    name: str
    rdtype: str
    outcome: DnsOutcome
    records: tuple[str, ...] = ()
    """Presentation form (``10 mail.lab.test.``); TXT records as their joined, decoded text."""
    ttl: int | None = None
    error: str | None = None
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Records came back."""
        return self.outcome is DnsOutcome.ANSWER


def _text(rdata: Any, rdtype: str) -> str:
    if rdtype == "TXT":
        # A long TXT record (a DKIM key) arrives as several <=255-byte strings.
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return str(rdata.to_text())


def _classify_failure(exc: BaseException) -> tuple[DnsOutcome, str]:
    """SERVFAIL vs REFUSED vs timeout, from dnspython's per-server error list."""
    errors = getattr(exc, "kwargs", {}).get("errors") or []
    texts = [e[3] for e in errors if len(e) > 3 and isinstance(e[3], str)]
    if "SERVFAIL" in texts:
        return DnsOutcome.SERVFAIL, "SERVFAIL"
    if any(t in ("REFUSED", "NOTIMP", "FORMERR") for t in texts):
        return DnsOutcome.REFUSED, next(t for t in texts if t in ("REFUSED", "NOTIMP", "FORMERR"))
    if isinstance(exc, dns.exception.Timeout):
        return DnsOutcome.TIMEOUT, "no answer in time"
    return DnsOutcome.ERROR, str(exc) or type(exc).__name__


class Resolver:
    """Cached, merged, bounded, rate-capped DNS lookups. Never raises for DNS outcomes."""

    def __init__(
        self,
        server: tuple[str, int] | None = None,
        *,
        timeout: float = 2.0,
        lifetime: float = 5.0,
        concurrency: int = 200,
        rate: float | None = None,
    ) -> None:
        if server is None:
            # Read the system's nameservers into our own instance (configure=True reads
            # /etc/resolv.conf); the library's global default resolver is never used.
            try:
                system = dns.asyncresolver.Resolver(configure=True)
                nameservers = list(system.nameservers)
            except dns.resolver.NoResolverConfiguration:
                nameservers = []
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = nameservers
        else:
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = [dns.nameserver.Do53Nameserver(server[0], server[1])]
        resolver.timeout = min(timeout, lifetime)
        resolver.lifetime = lifetime
        resolver.use_edns(0, 0, 1232)
        resolver.cache = dns.resolver.LRUCache(200_000)
        self._resolver = resolver
        self.server = server
        self._lifetime = lifetime
        self._limit = asyncio.Semaphore(concurrency)
        self._inflight: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self._done: dict[tuple[str, str], Lookup] = {}
        self._interval = 1.0 / rate if rate else 0.0
        self._next_slot = 0.0
        self.queries = 0
        """How many queries went to the server (cache hits and merged lookups excluded)."""

    async def lookup(self, name: str, rdtype: str) -> Lookup:
        """Ask once; later and concurrent asks for the same question share the answer."""
        key = (name.lower().rstrip(".") + ".", rdtype.upper())
        done = self._done.get(key)
        if done is not None:
            return done
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Lookup] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._query(key[0], key[1])
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # a waiter may be gone; do not warn "never retrieved"
            raise
        finally:
            self._inflight.pop(key, None)
        # Outcomes that say "could not tell" are not remembered: a retry may do better.
        if result.outcome.conclusive:
            if len(self._done) >= _MAX_REMEMBERED:
                self._done.clear()  # a crude bound: long preflight lists keep memory flat
            self._done[key] = result
        future.set_result(result)
        return result

    async def _pace(self) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _query(self, name: str, rdtype: str) -> Lookup:
        async with self._limit:
            await self._pace()
            start = time.perf_counter()
            self.queries += 1
            try:
                # lifetime is not a hard cap in dnspython (its retry backoff can overrun it).
                async with asyncio.timeout(self._lifetime + 0.5):
                    answer = await self._resolver.resolve(
                        dns.name.from_text(name), rdtype, search=False
                    )
            except dns.resolver.NXDOMAIN:
                return Lookup(name, rdtype, DnsOutcome.NXDOMAIN, elapsed_ms=_ms(start))
            except dns.resolver.NoAnswer:
                return Lookup(name, rdtype, DnsOutcome.NODATA, elapsed_ms=_ms(start))
            except TimeoutError:
                return Lookup(
                    name,
                    rdtype,
                    DnsOutcome.TIMEOUT,
                    error="no answer in time",
                    elapsed_ms=_ms(start),
                )
            except dns.exception.DNSException as exc:
                outcome, text = _classify_failure(exc)
                return Lookup(name, rdtype, outcome, error=text, elapsed_ms=_ms(start))
            records = tuple(_text(r, rdtype) for r in answer)
            ttl = answer.rrset.ttl if answer.rrset is not None else None
            return Lookup(name, rdtype, DnsOutcome.ANSWER, records, ttl, elapsed_ms=_ms(start))

    def sync_dnsfunc(self) -> Any:
        """A dkimpy-style ``dnsfunc(name) -> bytes`` backed by answers already looked up."""

        def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes:
            key = (
                (name.decode() if isinstance(name, bytes) else name).lower().rstrip(".") + ".",
                "TXT",
            )
            found = self._done.get(key)
            return found.records[0].encode() if found and found.records else b""

        return dnsfunc


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
