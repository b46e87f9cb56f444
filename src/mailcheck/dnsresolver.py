"""mailcheck's DNS: one configured resolver, shared by every DNS check.

Explicit nameservers (the system's are read once from resolv.conf, never the
library's global default resolver); EDNS on (answers over 512 bytes would
otherwise cost a TCP retry); a per-query timeout below the lifetime; one cache
shared by all lookups; identical lookups in flight merged into one (dnspython
does not); the queries in flight bounded by a window that adapts to the resolver
(:class:`Window`); an optional rate cap for public resolvers.

The queries go over one shared UDP socket per nameserver
(:class:`~mailcheck.dnstransport.Transport`): dnspython's resolver opens a socket
per query, which held a 2,500-domain preflight to about 800 queries/s on a
2-core machine. Plain A, AAAA and MX replies are read by :mod:`mailcheck.dnswire`,
every other reply by dnspython (``from_wire``, ``Answer``, CNAME chains included).

Every lookup ends in an outcome class — answer, NXDOMAIN, no data, SERVFAIL,
refused, timeout — so "could not tell" is never read as "broken" or "fine".
"""

from __future__ import annotations

import asyncio
import collections
import enum
import time
from dataclasses import dataclass
from typing import Any, cast

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from mailcheck.dnstransport import TcpFailed, Transport, Unanswered, plain_name
from mailcheck.dnswire import FastReply

__all__ = ["DnsOutcome", "Lookup", "Resolver", "ResolverCheck", "Window"]

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
    #: The query itself was bad (e.g. a name with an empty label), or the reply was
    #: malformed or did not answer the question: could not tell.
    ERROR = "error"
    #: Not asked: no time was left before the run's deadline.
    SKIPPED = "skipped"

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


@dataclass(frozen=True, slots=True)
class ResolverCheck:
    """Does the resolver answer names that must exist? Asked before a negative answer counts."""

    working: bool
    lookups: tuple[Lookup, ...]
    """The lookups it was decided on (the root's NS, the top-level domain's SOA)."""


class Window:
    """How many queries may be in flight: as many as the resolver keeps up with (AIMD).

    A resolver answers in tens to hundreds of milliseconds; lookups per second are
    then the number in flight divided by that latency, so a small fixed bound makes
    a far resolver slow and a large one can swamp a weak one. The window starts at
    its cap, grows by one per conclusive answer, and halves when the resolver shows
    strain: a lookup that timed out, or was answered SERVFAIL or REFUSED (a re-sent
    datagram is no such sign: a busy client reads replies late). As TCP's congestion
    window, it halves at most once per round of queries (only a strain on a query sent
    after the last cut cuts again), so a burst of failures from one bad domain costs
    one halving, not a collapse.
    """

    #: Never fewer in flight than this: a resolver that fails some names still answers.
    FLOOR = 8

    def __init__(self, cap: int) -> None:
        self.cap = max(cap, 1)
        self.size = self.cap
        """Queries allowed in flight now (between :attr:`FLOOR` and :attr:`cap`)."""
        self.busy = 0
        self.peak = 0
        """The most queries in flight at once."""
        self.cuts = 0
        """How many times the window was halved."""
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._room: list[asyncio.Future[None]] = []  # callers of room(), waiting for space
        self._sent = 0  # queries let through so far: a query's number says which round it is in
        self._cut_at = 0  # the number of the last query let through before the last cut

    async def acquire(self, *, urgent: bool = False) -> int:
        """Wait for room (``urgent``: never wait); the query's number, for :meth:`strain`."""
        while not urgent and (self.busy >= self.size or self._waiting):
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiting:
                    self._waiting.remove(waiter)
                self._wake()
                raise
            if self.busy < self.size:
                break
        self.busy += 1
        self.peak = max(self.peak, self.busy)
        self._sent += 1
        return self._sent

    @property
    def full(self) -> bool:
        """No room: as many in flight as allowed, or queries already waiting for a slot."""
        return self.busy >= self.size or bool(self._waiting)

    async def room(self) -> None:
        """Wait until a query would be let through at once (nothing queued, a slot free).

        For a caller that feeds the window new work (preflight reading the list): it
        adds work only when the queries already asked for are all on their way, so a
        check's later lookups never wait behind new ones.
        """
        while self.full:
            waiter = asyncio.get_running_loop().create_future()
            self._room.append(waiter)
            await waiter

    def strain(self, number: int) -> None:
        """Query ``number`` showed the resolver is struggling: halve, once per round."""
        if number > self._cut_at:
            self.size = max(self.FLOOR, min(self.size, self.cap) // 2)
            self._cut_at = self._sent
            self.cuts += 1

    def release(self, *, answered: bool) -> None:
        """A query is done; ``answered``: conclusively, so the window may grow."""
        self.busy -= 1
        if answered and self.size < self.cap:
            self.size += 1
        self._wake()

    def _wake(self) -> None:
        room = self.size - self.busy
        while room > 0 and self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                room -= 1
        if room > 0 and not self._waiting and self._room:
            for waiter in self._room:
                if not waiter.done():
                    waiter.set_result(None)
            self._room.clear()


def _text(rdata: Any, rdtype: str) -> str:
    if rdtype == "TXT":
        # A long TXT record (a DKIM key) arrives as several <=255-byte strings.
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return str(rdata.to_text())


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
        deadline: float | None = None,
    ) -> None:
        if server is None:
            # Read the system's nameservers into our own instance (configure=True reads
            # /etc/resolv.conf); the library's global default resolver is never used.
            try:
                system = dns.resolver.Resolver(configure=True)
                nameservers = [(str(ns), 53) for ns in system.nameservers]
            except dns.resolver.NoResolverConfiguration:
                nameservers = []
        else:
            nameservers = [server]
        self._transport = Transport(nameservers, min(timeout, lifetime))
        self.server = server
        self._lifetime = lifetime
        self.deadline = deadline
        """The end of the run (``loop.time()``): no lookup waits past it, none starts after it."""
        self._vouchers: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self.window = Window(concurrency)
        """The queries in flight: at most ``concurrency``, fewer while the resolver struggles."""
        self._inflight: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self._done: dict[tuple[str, str], Lookup] = {}
        self._failed: dict[tuple[str, str], tuple[float, Lookup]] = {}
        self._interval = 1.0 / rate if rate else 0.0
        self._next_slot = 0.0
        self.queries = 0
        """How many queries went to the server (cache hits and merged lookups excluded)."""

    def close(self) -> None:
        """Close the sockets (call when done; the resolver is not used afterwards)."""
        self._transport.close()

    async def __aenter__(self) -> Resolver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    @property
    def lifetime(self) -> float:
        """How long one lookup may take (retries included), before :attr:`deadline` cuts it."""
        return self._lifetime

    async def lookup(
        self, name: str, rdtype: str, *, deadline: float | None = None, urgent: bool = False
    ) -> Lookup:
        """Ask once; later and concurrent asks for the same question share the answer.

        The lookup ends by the soonest of its lifetime, ``deadline`` and :attr:`deadline`
        (``loop.time()`` values); with no time left it is not asked (``skipped``). Its
        lifetime counts from when its query is sent, not from when it joined the queue
        for the window. ``urgent``: sent at once, past the queue.
        """
        key = (name.lower().rstrip(".") + ".", rdtype.upper())
        done = self._done.get(key)
        if done is not None:
            return done
        failed = self._failed.get(key)
        if failed is not None and asyncio.get_running_loop().time() - failed[0] < self._lifetime:
            # Asked moments ago and no answer came: asking again at once would wait the
            # same time for the same silence (SPF then DMARC on a dead resolver: one wait).
            return failed[1]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Lookup] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._query(key[0], key[1], deadline, urgent)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # a waiter may be gone; do not warn "never retrieved"
            raise
        finally:
            self._inflight.pop(key, None)
        # Outcomes that say "could not tell" are remembered only briefly: a retry later
        # may do better.
        if not result.outcome.conclusive:
            if len(self._failed) >= _MAX_REMEMBERED:
                self._failed.clear()
            self._failed[key] = (asyncio.get_running_loop().time(), result)
        if result.outcome.conclusive:
            if len(self._done) >= _MAX_REMEMBERED:
                self._done.clear()  # a crude bound: long preflight lists keep memory flat
            self._done[key] = result
        future.set_result(result)
        return result

    async def check_working(self, domain: str, *, deadline: float | None = None) -> ResolverCheck:
        """Does this resolver answer names that must exist? Ask before believing a negative.

        A resolver that says NXDOMAIN or SERVFAIL for everything, refuses, or is silent
        must not make a customer's domain look broken (issue 11 item 7). Two names:

        - the root's NS (``. NS``): the priming query (RFC 8109) every recursive
          resolver answers, mostly from its cache; NXDOMAIN or no data for it is
          impossible from a working one;
        - the SOA of ``domain``'s top-level domain (``test. SOA``): an authoritative
          server used as ``--dns-server`` (the lab's Knot, which serves ``test.``,
          ``com.``, ``vn.`` and refuses the root) answers it when its negative answers
          about names under that TLD are its own to give.

        Either one answered with records vouches for the resolver. Each name is asked
        at most once per resolver (so once per run), both together the first time, and
        only when a negative answer needs the check: healthy runs never pay for it.
        """
        labels = domain.lower().rstrip(".").rsplit(".", 1)
        tld = labels[-1] + "."
        root = self._voucher(".", "NS", deadline)
        if root.done() and not root.cancelled() and root.result().ok:
            return ResolverCheck(True, (root.result(),))
        found = await asyncio.gather(
            asyncio.shield(root), asyncio.shield(self._voucher(tld, "SOA", deadline))
        )
        return ResolverCheck(any(x.ok for x in found), tuple(found))

    def _voucher(self, name: str, rdtype: str, deadline: float | None) -> asyncio.Future[Lookup]:
        """The one lookup of ``name``/``rdtype`` for :meth:`check_working`, whatever it said."""
        future = self._vouchers.get((name, rdtype))
        if future is None:
            # Urgent: whether any negative answer is believed hangs on it, and it must not
            # wait behind a preflight's thousands of queued lookups until its deadline.
            future = asyncio.ensure_future(
                self.lookup(name, rdtype, deadline=deadline, urgent=True)
            )
            self._vouchers[(name, rdtype)] = future
        return future

    async def _pace(self) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def _end(self, deadline: float | None) -> float:
        """When a lookup starting now must end (``loop.time()``)."""
        end = asyncio.get_running_loop().time() + self._lifetime
        for limit in (deadline, self.deadline):
            if limit is not None:
                end = min(end, limit)
        return end

    async def _query(
        self, name: str, rdtype: str, deadline: float | None, urgent: bool = False
    ) -> Lookup:
        number = await self.window.acquire(urgent=urgent)
        result = None
        try:
            result = await self._ask(name, rdtype, deadline)
        finally:
            outcome = result.outcome if result is not None else DnsOutcome.ERROR
            if outcome in _STRAIN:
                self.window.strain(number)
            self.window.release(answered=outcome.conclusive)
        return result

    async def _ask(self, name: str, rdtype: str, deadline: float | None) -> Lookup:
        if self._interval:
            await self._pace()
        start = time.perf_counter()
        loop = asyncio.get_running_loop()
        # The lifetime counts from here, when the query is sent, not from the queue.
        end = self._end(deadline)
        if end <= loop.time():
            error = "not asked: no time left before the deadline"
            return Lookup(name, rdtype, DnsOutcome.SKIPPED, error=error)
        self.queries += 1
        try:
            # A plain name goes as text: dnspython's name objects cost a preflight more
            # than the rest of a lookup; any other name is checked and built by dnspython.
            qname = name if plain_name(name) else dns.name.from_text(name)
            response = await self._transport.query(qname, rdtype, end)
        except (Unanswered, dns.exception.Timeout) as exc:
            error = "no answer in time"
            ignored = exc.ignored if isinstance(exc, Unanswered) else 0
            if ignored:
                # Say it: replies came, but none answered the question (spoofed, broken).
                error += f" ({ignored} reply(s) that did not answer the question ignored)"
            return Lookup(name, rdtype, DnsOutcome.TIMEOUT, error=error, elapsed_ms=_ms(start))
        except TcpFailed as exc:
            error = f"the answer was truncated and the TCP retry failed: {exc}"
            return Lookup(name, rdtype, DnsOutcome.ERROR, error=error, elapsed_ms=_ms(start))
        except (dns.exception.DNSException, OSError, ValueError, EOFError) as exc:
            return Lookup(
                name,
                rdtype,
                DnsOutcome.ERROR,
                error=str(exc) or type(exc).__name__,
                elapsed_ms=_ms(start),
            )
        if isinstance(response, FastReply):
            return _fast_lookup(name, rdtype, response, _ms(start))
        return _message_lookup(name, rdtype, response, _ms(start))


#: Outcomes that say the resolver may be struggling: the window halves.
_STRAIN = frozenset({DnsOutcome.TIMEOUT, DnsOutcome.SERVFAIL, DnsOutcome.REFUSED})

#: Answer-section types a reply with no data for the question may hold: its CNAME chain.
_CHAIN_TYPES = frozenset({dns.rdatatype.CNAME, dns.rdatatype.DNAME, dns.rdatatype.RRSIG})


def _message_lookup(
    name: str, rdtype: str, response: dns.message.Message, elapsed_ms: float
) -> Lookup:
    """The Lookup of a reply read by dnspython."""
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return Lookup(name, rdtype, DnsOutcome.NXDOMAIN, elapsed_ms=elapsed_ms)
    if rcode != dns.rcode.NOERROR:
        text = dns.rcode.to_text(rcode)
        outcome = DnsOutcome.SERVFAIL if rcode == dns.rcode.SERVFAIL else DnsOutcome.REFUSED
        return Lookup(name, rdtype, outcome, error=text, elapsed_ms=elapsed_ms)
    try:
        # dnspython's Answer follows CNAME chains inside the response.
        answer = dns.resolver.Answer(
            dns.name.from_text(name),
            dns.rdatatype.from_text(rdtype),
            dns.rdataclass.IN,
            cast(dns.message.QueryMessage, response),
        )
    except dns.resolver.NoAnswer:
        answer = None
    except dns.message.ChainTooLong:  # a CNAME loop, or a chain past 16 hops
        error = "the CNAME chain is too long (a loop?)"
        return Lookup(name, rdtype, DnsOutcome.ERROR, error=error, elapsed_ms=elapsed_ms)
    if answer is None or answer.rrset is None:
        if any(r.rdtype not in _CHAIN_TYPES for r in response.answer):
            # Records, but none for the question (another type, another name): not a
            # "no data" to conclude from; a broken or hostile server.
            error = "the reply does not answer the question (records of another type or name)"
            return Lookup(name, rdtype, DnsOutcome.ERROR, error=error, elapsed_ms=elapsed_ms)
        return Lookup(name, rdtype, DnsOutcome.NODATA, elapsed_ms=elapsed_ms)
    records = tuple(_text(r, rdtype) for r in answer)
    ttl = answer.rrset.ttl if answer.rrset is not None else None
    return Lookup(name, rdtype, DnsOutcome.ANSWER, records, ttl, elapsed_ms=elapsed_ms)


def _fast_lookup(name: str, rdtype: str, reply: FastReply, elapsed_ms: float) -> Lookup:
    """The same Lookup as the dnspython path makes of the same reply (tested side by side)."""
    if reply.rcode == dns.rcode.NXDOMAIN:
        return Lookup(name, rdtype, DnsOutcome.NXDOMAIN, elapsed_ms=elapsed_ms)
    if reply.rcode != dns.rcode.NOERROR:
        text = dns.rcode.to_text(dns.rcode.Rcode.make(reply.rcode))
        outcome = DnsOutcome.SERVFAIL if reply.rcode == dns.rcode.SERVFAIL else DnsOutcome.REFUSED
        return Lookup(name, rdtype, outcome, error=text, elapsed_ms=elapsed_ms)
    if not reply.records:
        return Lookup(name, rdtype, DnsOutcome.NODATA, elapsed_ms=elapsed_ms)
    return Lookup(name, rdtype, DnsOutcome.ANSWER, reply.records, reply.ttl, elapsed_ms=elapsed_ms)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
