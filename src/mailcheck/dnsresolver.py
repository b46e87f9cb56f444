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


#: The EDNS OPT pseudo-record every query carries: root name, type 41, payload 1232, no flags.
_OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)


def _expire(future: asyncio.Future[bytes]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


class _Datagrams(asyncio.DatagramProtocol):
    """One UDP socket for every query; replies are matched to queries by message id."""

    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12:
            return
        future = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if future is not None and not future.done():
            future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors on an unconnected socket cannot be tied to a query: a timeout says it.
        pass


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
                _, endpoint = await loop.create_datagram_endpoint(_Datagrams, sock=sock)
                self._endpoints[server] = endpoint
        return endpoint

    async def query(
        self, name: dns.name.Name, rdtype: str, deadline: float
    ) -> FastReply | dns.message.Message:
        """One question; raises dns.exception.Timeout when no server answered in time.

        A plain A, AAAA or MX reply is read straight from the wire (:mod:`mailcheck.dnswire`);
        anything else by dnspython.
        """
        loop = asyncio.get_running_loop()
        rdtype_value = dns.rdatatype.from_text(rdtype)
        text = name.to_text()
        question = cast(bytes, name.to_wire()) + struct.pack("!HH", rdtype_value, dns.rdataclass.IN)
        attempt = 0
        while loop.time() < deadline:
            server = self.nameservers[attempt % len(self.nameservers)]
            attempt += 1
            endpoint = await self._endpoint(server)
            while True:
                qid = secrets.randbelow(65536)
                if qid not in endpoint.pending:
                    break
            future: asyncio.Future[bytes] = loop.create_future()
            endpoint.pending[qid] = future
            if endpoint.transport is None:
                continue
            # Built by hand (RFC 1035 §4.1; EDNS OPT, RFC 6891, 1232-byte payload): this is
            # the hot path of a preflight, and dnspython's renderer costs more than the query.
            header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)  # RD, 1 question, 1 OPT
            endpoint.transport.sendto(header + question + _OPT, server)
            # Retries back off (1 s, 2 s, ... up to the timeout): a lost datagram on a
            # busy socket should cost a fraction of a second, not a whole timeout.
            wait = min(self.timeout, 1.0 * 2 ** (attempt - 1), max(deadline - loop.time(), 0.001))
            expiry = loop.call_later(wait, _expire, future)
            try:
                wire = await future
            except TimeoutError:
                endpoint.pending.pop(qid, None)
                continue
            finally:
                expiry.cancel()
            fast = read_reply(wire, text, rdtype) if rdtype in FAST_TYPES else None
            if fast is not None:
                return fast
            response = dns.message.from_wire(wire)
            asked = response.question[0] if response.question else None
            if (
                not response.flags & dns.flags.QR
                or asked is None
                or asked.name != name
                or asked.rdtype != rdtype_value
            ):
                continue  # a stray or spoofed reply: ask again
            if response.flags & dns.flags.TC:
                request = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
                return await dns.asyncquery.tcp(
                    request, server[0], timeout=max(deadline - loop.time(), 0.001), port=server[1]
                )
            return response
        raise dns.exception.Timeout(timeout=self.timeout)  # type: ignore[no-untyped-call]

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
        self._limit = asyncio.Semaphore(concurrency)
        self._inflight: dict[tuple[str, str], asyncio.Future[Lookup]] = {}
        self._done: dict[tuple[str, str], Lookup] = {}
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
            loop = asyncio.get_running_loop()
            try:
                qname = dns.name.from_text(name)
                response = await self._transport.query(qname, rdtype, loop.time() + self._lifetime)
            except dns.exception.Timeout:
                return Lookup(
                    name,
                    rdtype,
                    DnsOutcome.TIMEOUT,
                    error="no answer in time",
                    elapsed_ms=_ms(start),
                )
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
