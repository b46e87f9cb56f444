"""mailcheck's DNS: one configured dnspython resolver, shared by every DNS check.

Set up as reference/dns-and-auth.md §5 says: explicit nameservers (the
system's are read once from resolv.conf, never the library's global default
resolver); EDNS on (answers over 512 bytes would otherwise cost a TCP retry);
a per-query timeout below the lifetime; one cache shared by all lookups;
identical lookups in flight merged into one (dnspython does not); concurrency
bounded by a semaphore; an optional rate cap for public resolvers.

dnspython builds and reads every message (``make_query``, ``from_wire``,
``Answer``, CNAME chains included), but the queries go over one shared UDP
socket (:class:`_Transport`): dnspython's resolver opens a socket per query,
which held a 2,500-domain preflight to about 800 queries/s on a 2-core machine.

Every lookup ends in an outcome class — answer, NXDOMAIN, no data, SERVFAIL,
refused, timeout — so "could not tell" is never read as "broken" or "fine".
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ipaddress
import secrets
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any, cast

import dns.asyncquery
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

from mailcheck.dnswire import FAST_TYPES, FastReply, read_reply

__all__ = ["DnsOutcome", "Lookup", "Resolver", "ResolverCheck"]

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


def _text(rdata: Any, rdtype: str) -> str:
    if rdtype == "TXT":
        # A long TXT record (a DKIM key) arrives as several <=255-byte strings.
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return str(rdata.to_text())


#: The EDNS OPT pseudo-record every query carries: root name, type 41, payload 1232, no flags.
_OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
#: Sends of one question at most: a lost datagram is re-sent, but a hostile or broken
#: server never turns one lookup into a stream of queries (issue 11 item 5).
_MAX_SENDS = 4
#: The rcodes whose replies may come without a question section (as dnspython's
#: ``Message.is_response`` allows): FORMERR, SERVFAIL, NOTIMP, REFUSED.
_BARE_RCODES = frozenset({1, 2, 4, 5})


class _Unanswered(Exception):
    """No reply to the question came in time; ``ignored`` replies did not match it."""

    def __init__(self, ignored: int) -> None:
        super().__init__(ignored)
        self.ignored = ignored


class _TcpFailed(Exception):
    """The UDP answer was truncated and the TCP retry failed."""


@dataclass(slots=True)
class _Question:
    """One lookup in flight: its question on the wire and the future its reply completes."""

    future: asyncio.Future[tuple[bytes, tuple[str, int]]]
    """Completed with the reply and the server that sent it."""
    question: bytes
    """The question section as sent (the name is lower case): a reply must repeat it."""
    ignored: int = 0
    """Replies with one of its ids that did not answer it (wrong question, QR=0, garbage)."""


def _answers(data: bytes, question: bytes) -> bool:
    """Is ``data`` (of the right id) a response to ``question``?

    The checks of dnspython's ``Message.is_response``, on the bytes: QR set, a
    standard query, and the question repeated (the name without regard to case);
    an error rcode may come without a question.
    """
    flags, qdcount = struct.unpack_from("!HH", data, 2)
    if not flags & 0x8000 or flags & 0x7800:
        return False
    if qdcount == 0:
        return flags & 0x000F in _BARE_RCODES
    if qdcount != 1:
        return False
    echoed = data[12 : 12 + len(question)]
    # Label lengths are < 64, below the ASCII letters, so lower() changes only letters;
    # the type and class (the last four bytes) compare exactly.
    return (
        len(echoed) == len(question)
        and echoed[:-4].lower() == question[:-4]
        and echoed[-4:] == question[-4:]
    )


class _Datagrams(asyncio.DatagramProtocol):
    """One UDP socket per nameserver; a reply completes the lookup whose id and question it has.

    A datagram from another address, with an unknown id, or that does not answer the
    question of its id (QR=0, another question, garbage) is ignored: the lookup keeps
    waiting for the real reply, within its time, without asking again.
    """

    def __init__(self, server: tuple[str, int]) -> None:
        self.pending: dict[int, _Question] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.server = server
        self._source = _address(server)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12 or (self._source is not None and _address(addr) != self._source):
            return
        entry = self.pending.get(int.from_bytes(data[:2], "big"))
        if entry is None or entry.future.done():
            return
        if not _answers(data, entry.question):
            entry.ignored += 1
            return
        entry.future.set_result((data, self.server))

    def error_received(self, exc: Exception) -> None:
        # ICMP errors on an unconnected socket cannot be tied to a query: a timeout says it.
        pass


def _address(peer: Any) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    """An (ip, port) pair in a comparable form; None when the host is not an IP address."""
    try:
        return ipaddress.ip_address(peer[0]), int(peer[1])
    except (ValueError, TypeError, IndexError):
        return None


class _Transport:
    """Queries over one shared UDP socket per nameserver, TCP when the answer is truncated.

    dnspython's own resolver opens a new socket for every query; on a 2-core
    machine that capped a preflight at about 800 queries/s. Queries are built by
    hand; plain A, AAAA and MX replies are read by :mod:`mailcheck.dnswire`, every
    other reply by dnspython (``from_wire``, ``Answer``).
    """

    def __init__(self, nameservers: list[tuple[str, int]], timeout: float) -> None:
        self.nameservers = nameservers
        self.timeout = timeout
        self._endpoints: dict[tuple[str, int], _Datagrams] = {}
        self._opening = asyncio.Lock()

    async def _endpoint(self, server: tuple[str, int]) -> _Datagrams:
        endpoint = self._endpoints.get(server)
        transport = endpoint.transport if endpoint is not None else None
        if endpoint is not None and transport is not None and not transport.is_closing():
            return endpoint
        async with self._opening:  # the first queries all arrive at once: open one socket
            endpoint = self._endpoints.get(server)
            if endpoint is None or endpoint.transport is None or endpoint.transport.is_closing():
                family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_DGRAM)
                # Hundreds of replies can arrive at once; a small buffer drops some, and
                # each drop costs a retry timeout.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
                sock.setblocking(False)
                loop = asyncio.get_running_loop()
                _, endpoint = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(server), sock=sock
                )
                self._endpoints[server] = endpoint
        return endpoint

    async def query(
        self, name: dns.name.Name, rdtype: str, deadline: float
    ) -> FastReply | dns.message.Message:
        """One question; raises :class:`_Unanswered` when no server answered it in time.

        A plain A, AAAA or MX reply is read straight from the wire (:mod:`mailcheck.dnswire`);
        anything else by dnspython.
        """
        rdtype_value = dns.rdatatype.from_text(rdtype)
        question = cast(bytes, name.to_wire()).lower() + struct.pack(
            "!HH", rdtype_value, dns.rdataclass.IN
        )
        wire, server = await self._exchange(question, deadline)
        fast = read_reply(wire, name.to_text(), rdtype) if rdtype in FAST_TYPES else None
        if fast is not None:
            return fast
        response = dns.message.from_wire(wire)
        if response.flags & dns.flags.TC:
            request = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
            loop = asyncio.get_running_loop()
            try:
                # dnspython's TCP checks the id and question of the reply itself.
                return await dns.asyncquery.tcp(
                    request, server[0], timeout=max(deadline - loop.time(), 0.001), port=server[1]
                )
            except dns.exception.Timeout:
                raise _Unanswered(0) from None
            except (dns.exception.DNSException, OSError, EOFError) as exc:
                raise _TcpFailed(str(exc) or type(exc).__name__) from None
        return response

    async def _exchange(self, question: bytes, deadline: float) -> tuple[bytes, tuple[str, int]]:
        """Send the question until a reply answers it; the reply and the server it came from.

        Every id sent stays open until the end, so a late reply to an earlier send
        still counts. Sends back off (1 s, 2 s, ... up to the timeout) and stop at
        :data:`_MAX_SENDS`: a lost datagram on a busy socket costs a fraction of a
        second, and nothing a server sends makes mailcheck ask faster.
        """
        loop = asyncio.get_running_loop()
        entry = _Question(loop.create_future(), question)
        sent: list[tuple[_Datagrams, int]] = []
        try:
            for attempt in range(_MAX_SENDS):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                server = self.nameservers[attempt % len(self.nameservers)]
                endpoint = await self._endpoint(server)
                if endpoint.transport is None:
                    break
                qid = secrets.randbelow(65536)
                while qid in endpoint.pending:
                    qid = secrets.randbelow(65536)
                endpoint.pending[qid] = entry
                sent.append((endpoint, qid))
                # Built by hand (RFC 1035 §4.1; EDNS OPT, RFC 6891, 1232-byte payload): this
                # is the hot path of a preflight, and dnspython's renderer costs more.
                header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)  # RD, 1 question, 1 OPT
                endpoint.transport.sendto(header + question + _OPT, server)
                last = attempt == _MAX_SENDS - 1
                wait = remaining if last else min(self.timeout, 2.0**attempt, remaining)
                await asyncio.wait((entry.future,), timeout=wait)
                if entry.future.done():
                    return entry.future.result()
            raise _Unanswered(entry.ignored)
        finally:
            for endpoint, qid in sent:
                endpoint.pending.pop(qid, None)
            entry.future.cancel()

    def close(self) -> None:
        for endpoint in self._endpoints.values():
            if endpoint.transport is not None:
                endpoint.transport.close()


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
        self._transport = _Transport(nameservers, min(timeout, lifetime))
        self.server = server
        self._lifetime = lifetime
        self.deadline = deadline
        """The end of the run (``loop.time()``): no lookup waits past it, none starts after it."""
        self._vouchers: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self._limit = asyncio.Semaphore(concurrency)
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

    async def lookup(self, name: str, rdtype: str, *, deadline: float | None = None) -> Lookup:
        """Ask once; later and concurrent asks for the same question share the answer.

        The lookup ends by the soonest of its lifetime, ``deadline`` and :attr:`deadline`
        (``loop.time()`` values); with no time left it is not asked (``skipped``).
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
            result = await self._query(key[0], key[1], deadline)
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
            future = asyncio.ensure_future(self.lookup(name, rdtype, deadline=deadline))
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

    async def _query(self, name: str, rdtype: str, deadline: float | None) -> Lookup:
        async with self._limit:
            await self._pace()
            start = time.perf_counter()
            loop = asyncio.get_running_loop()
            end = self._end(deadline)
            if end <= loop.time():
                error = "not asked: no time left before the deadline"
                return Lookup(name, rdtype, DnsOutcome.SKIPPED, error=error)
            self.queries += 1
            try:
                qname = dns.name.from_text(name)
                response = await self._transport.query(qname, rdtype, end)
            except (_Unanswered, dns.exception.Timeout) as exc:
                error = "no answer in time"
                ignored = exc.ignored if isinstance(exc, _Unanswered) else 0
                if ignored:
                    # Say it: replies came, but none answered the question (spoofed, broken).
                    error += f" ({ignored} reply(s) that did not answer the question ignored)"
                return Lookup(name, rdtype, DnsOutcome.TIMEOUT, error=error, elapsed_ms=_ms(start))
            except _TcpFailed as exc:
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
