"""Scripted DNS for tests: a tiny server on 127.0.0.1, and an in-process double.

The lab's Knot serves real zones; it cannot be told to fail. This module produces
what it cannot: SERVFAIL or REFUSED for a name, a silent drop (the client times
out), a truncated UDP answer (the client must retry over TCP, which may work or not).

Both parts read the same script, a mapping from a name to its behaviour::

    {
        "servfail.test.": "SERVFAIL",            # also REFUSED, NOTIMP, FORMERR, NXDOMAIN
        "slow.test.": "DROP",                     # no answer at all (TIMEOUT is a synonym)
        "empty.test.": "NODATA",                  # the name exists, no records of any type
        "tc.test.": "TRUNCATE",                   # TC=1 over UDP; TCP closes unanswered
        "ok.test.": {"A": ["192.0.2.1"], "TXT": ["v=spf1 -all"]},
        "big.test.": Answer({"TXT": ["x" * 900]}, truncate=True),  # TC over UDP, full over TCP
        "mixed.test.": {"TXT": ["..."], "*": "DROP"},  # other types: dropped
        "www.test.": {"CNAME": ["ok.test."]},     # the chain is served, as a resolver does
        "spoofed.test.": Hostile(("wrong-question", "qr0"), then={"A": ["192.0.2.1"]}),
        "cut.test.": {"MX": "SHORT"},            # a reply cut off in its answer
        "odd.test.": {"MX": "OTHER-TYPE"},       # the answer holds an A record, not MX
    }

Names are matched without regard to case or a trailing dot. A name not in the
script is NXDOMAIN (``default=`` changes that). In a record mapping, a type that
is not listed gets the ``"*"`` behaviour, or no data.

- :func:`fake_dns` runs :class:`FakeDnsServer` (UDP and TCP on one port of
  127.0.0.1, its own thread) for tests of the real :class:`~mailcheck.dnsresolver.Resolver`.
  ``delay=SECONDS`` holds every reply that long, as a distant or busy resolver does,
  without holding the queries behind it: every query is answered ``delay`` after it
  arrived, however many are waiting (the lab's Knot cannot be told to be slow).
- :class:`Hostile` sends decoy datagrams over UDP before the real reply (or
  instead of it): a wrong id, QR=0, another question, another type, garbage with
  the right id. Each decoy carries a poisonous answer (NXDOMAIN or 203.0.113.66),
  so a client that takes one shows it.
- :class:`StaticResolver` answers ``lookup(name, rdtype)`` in process, the way the
  real resolver would, for unit tests of the checks that use it; it also follows
  CNAME entries (``{"CNAME": ["target.test."]}``) as a recursive resolver does.
"""

from __future__ import annotations

import heapq
import selectors
import socket
import struct
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from mailcheck.dnsresolver import DnsOutcome, Lookup

__all__ = ["Answer", "Behaviour", "FakeDnsServer", "Hostile", "StaticResolver", "fake_dns"]

HOST = "127.0.0.1"
TTL = 300


@dataclass(frozen=True)
class Answer:
    """Records for a name, by type (presentation form; TXT as its plain text)."""

    records: Mapping[str, Sequence[str] | str]
    truncate: bool = False
    """Over UDP: answer with TC=1 and no records; over TCP: answer in full."""


#: The decoys :class:`Hostile` can send.
DECOYS = ("wrong-id", "qr0", "wrong-question", "wrong-type", "garbage")
#: The address every decoy answers with: a client that shows it took a decoy.
POISON = "203.0.113.66"


@dataclass(frozen=True)
class Hostile:
    """Over UDP: each of ``decoys`` (kinds of :data:`DECOYS`) first, then the real reply.

    ``then`` is the real behaviour (``"DROP"``: no real reply ever comes). Over TCP
    only ``then`` counts.
    """

    decoys: tuple[str, ...]
    then: Behaviour = "DROP"


Behaviour = str | Mapping[str, Sequence[str] | str] | Answer | Hostile

_RCODES = {"NXDOMAIN", "SERVFAIL", "REFUSED", "NOTIMP", "FORMERR"}
_DROP = {"DROP", "TIMEOUT"}


def _key(name: str) -> str:
    return name.lower().rstrip(".") + "."


def _normalise(script: Mapping[str, Behaviour]) -> dict[str, Behaviour]:
    return {_key(name): behaviour for name, behaviour in script.items()}


def _for_type(behaviour: Behaviour, rdtype: str) -> Sequence[str] | str:
    """The records (a sequence) or the behaviour (a string) for one type."""
    if isinstance(behaviour, Hostile):
        return _for_type(behaviour.then, rdtype)
    if isinstance(behaviour, str):
        return behaviour
    records = behaviour.records if isinstance(behaviour, Answer) else behaviour
    if rdtype in records:
        return records[rdtype]
    return records.get("*", "NODATA")


# ---------------------------------------------------------------- the server


class FakeDnsServer:
    """A scripted DNS server on 127.0.0.1 (UDP and TCP on the same port), in a thread."""

    def __init__(
        self, script: Mapping[str, Behaviour], *, default: str = "NXDOMAIN", delay: float = 0.0
    ) -> None:
        self.script = _normalise(script)
        self.default = default
        self.delay = delay
        """Seconds every reply is held (UDP and TCP), each counted from its own query."""
        self._due: list[tuple[float, int, bytes, tuple[str, int]]] = []
        """Delayed UDP replies: (when, order, datagram, peer), soonest first."""
        self._order = 0
        self.queries: list[tuple[str, str, str]] = []
        """(transport, name, type) of every question received, in order."""
        self.sent: list[str] = []
        """What went back over UDP, in order: ``reply`` or the decoy's kind."""
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> tuple[str, int]:
        """Bind, start serving, and return (host, port)."""
        for _ in range(20):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            # Thousands of queries can arrive at once (a preflight); a small buffer would
            # drop some, and the client would see a loss, not a slow server.
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            udp.bind((HOST, 0))
            port = int(udp.getsockname()[1])
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((HOST, port))
            except OSError:  # the TCP side of this port is taken: try another
                udp.close()
                tcp.close()
                continue
            tcp.listen(16)
            self._udp, self._tcp = udp, tcp
            break
        else:
            raise RuntimeError("no free port for the fake DNS server")
        self._thread = threading.Thread(target=self._serve, name="fake-dns", daemon=True)
        self._thread.start()
        return HOST, port

    def stop(self) -> None:
        """Stop serving and close the sockets."""
        self._wake_w.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        for sock in (self._udp, self._tcp, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

    def _serve(self) -> None:
        assert self._udp is not None
        assert self._tcp is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self._udp, selectors.EVENT_READ, "udp")
            sel.register(self._tcp, selectors.EVENT_READ, "tcp")
            sel.register(self._wake_r, selectors.EVENT_READ, "stop")
            while True:
                wait = max(self._due[0][0] - time.monotonic(), 0.0) if self._due else None
                for key, _ in sel.select(wait):
                    if key.data == "stop":
                        return
                    if key.data == "udp":
                        self._read_udp()
                    else:
                        conn, _ = self._tcp.accept()
                        threading.Thread(
                            target=self._serve_tcp, args=(conn,), name="fake-dns-tcp", daemon=True
                        ).start()
                self._send_due()

    def _read_udp(self) -> None:
        """The datagrams waiting, answered now or queued for later.

        At most 64 at a time: replies that are due go out between bursts, on time.
        """
        assert self._udp is not None
        for _ in range(64):
            try:
                data, peer = self._udp.recvfrom(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            due = time.monotonic() + self.delay
            for kind, datagram in self._datagrams(data):
                with self._lock:
                    self.sent.append(kind)
                if self.delay:
                    self._order += 1
                    heapq.heappush(self._due, (due, self._order, datagram, peer))
                else:
                    self._udp.sendto(datagram, peer)

    def _send_due(self) -> None:
        assert self._udp is not None
        now = time.monotonic()
        while self._due and self._due[0][0] <= now:
            _, _, datagram, peer = heapq.heappop(self._due)
            self._udp.sendto(datagram, peer)

    def _serve_tcp(self, conn: socket.socket) -> None:
        conn.settimeout(2.0)
        try:
            with conn:
                self._serve_tcp_queries(conn)
        except OSError:
            return

    def _serve_tcp_queries(self, conn: socket.socket) -> None:
        while True:
            header = _recv_exact(conn, 2)
            if header is None:
                return
            data = _recv_exact(conn, struct.unpack("!H", header)[0])
            if data is None:
                return
            reply = self._reply(data, "tcp")
            if reply is None:
                return  # a drop over TCP: close without answering
            if self.delay:
                time.sleep(self.delay)  # this connection's own thread: nothing else waits
            conn.sendall(struct.pack("!H", len(reply)) + reply)

    def _datagrams(self, data: bytes) -> list[tuple[str, bytes]]:
        """What to send back over UDP for one query: decoys first, then the reply."""
        reply = self._reply(data, "udp")
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return []
        if not query.question:
            return []
        behaviour = self.script.get(_key(query.question[0].name.to_text()), self.default)
        out = []
        if isinstance(behaviour, Hostile):
            out = [(kind, _decoy(kind, query)) for kind in behaviour.decoys]
        if reply is not None:
            out.append(("reply", reply))
        return out

    def _reply(self, data: bytes, transport: str) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return None
        if not query.question:
            return None
        question = query.question[0]
        name = _key(question.name.to_text())
        rdtype = dns.rdatatype.to_text(question.rdtype)
        with self._lock:
            self.queries.append((transport, name, rdtype))
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        behaviour, owner = self._chase(response, name, rdtype)
        if isinstance(behaviour, Answer) and behaviour.truncate and transport == "udp":
            response.flags |= dns.flags.TC
            return response.to_wire(max_size=65535)
        wanted = _for_type(behaviour, rdtype)
        if isinstance(wanted, str):
            if wanted in _DROP:
                return None
            if wanted == "SHORT":
                rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, question.rdtype)
                rrset.add(_rdata(rdtype, _SHORT_RECORDS.get(rdtype, "192.0.2.1")), TTL)
                response.answer.append(rrset)
                return response.to_wire(max_size=65535)[:-3]  # cut inside the last record
            if wanted == "OTHER-TYPE":
                rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, dns.rdatatype.A)
                rrset.add(_rdata("A", POISON), TTL)
                response.answer.append(rrset)
                return response.to_wire(max_size=65535)
            if wanted == "TRUNCATE":
                if transport == "tcp":
                    return None  # TCP closes unanswered, as when a firewall blocks it
                response.flags |= dns.flags.TC
            elif wanted in _RCODES:
                response.set_rcode(dns.rcode.from_text(wanted))
            return response.to_wire(max_size=65535)
        rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, question.rdtype)
        for text in wanted:
            rrset.add(_rdata(rdtype, text), TTL)
        response.answer.append(rrset)
        # Over UDP, without EDNS the limit is 512 bytes; with it, what the client offered.
        limit = 65535 if transport == "tcp" else max(512, query.payload)
        wire = response.to_wire(max_size=65535)
        if len(wire) > limit:
            response.answer.clear()
            response.flags |= dns.flags.TC
            wire = response.to_wire(max_size=65535)
        return wire

    def _chase(
        self, response: dns.message.Message, name: str, rdtype: str
    ) -> tuple[Behaviour, dns.name.Name]:
        """Follow CNAMEs in the script as a resolver does, adding each to the answer.

        A loop is served as it is (each link once): what a broken server sends.
        Returns the behaviour at the end of the chain and its name.
        """
        seen: set[str] = set()
        current = name
        behaviour = _unwrap(self.script.get(current, self.default))
        while (
            rdtype != "CNAME"
            and isinstance(behaviour, Mapping)
            and "CNAME" in behaviour
            and rdtype not in behaviour
            and current not in seen
        ):
            seen.add(current)
            target = behaviour["CNAME"]
            target_name = _key(target if isinstance(target, str) else target[0])
            rrset = dns.rrset.RRset(
                dns.name.from_text(current), dns.rdataclass.IN, dns.rdatatype.CNAME
            )
            rrset.add(_rdata("CNAME", target_name), TTL)
            response.answer.append(rrset)
            current = target_name
            behaviour = _unwrap(self.script.get(current, self.default))
        if current in seen:  # a loop: no records at its "end"
            return {}, dns.name.from_text(current)
        return behaviour, dns.name.from_text(current)


#: Records a ``SHORT`` reply is cut inside.
_SHORT_RECORDS = {"MX": "10 mail.example.test.", "AAAA": "2001:db8::1", "TXT": "v=spf1 -all"}


def _decoy(kind: str, query: dns.message.Message) -> bytes:
    """A datagram that looks like the reply to ``query`` but must not be taken for it."""
    if kind == "garbage":
        return query.id.to_bytes(2, "big") + bytes(range(7, 90))
    question = query.question[0]
    qname, qtype = question.name, question.rdtype
    if kind == "wrong-question":
        qname = dns.name.from_text("decoy.example.test.")
    elif kind == "wrong-type":
        qtype = dns.rdatatype.AAAA if qtype != dns.rdatatype.AAAA else dns.rdatatype.A
    forged = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
    forged.id = query.id ^ 0x5A5A if kind == "wrong-id" else query.id
    response = dns.message.make_response(forged)
    response.flags |= dns.flags.AA
    if kind == "qr0":
        response.flags &= ~dns.flags.QR
    # The poison: an address for A questions, NXDOMAIN for the rest.
    if qtype == dns.rdatatype.A:
        rrset = dns.rrset.RRset(qname, dns.rdataclass.IN, dns.rdatatype.A)
        rrset.add(_rdata("A", POISON), TTL)
        response.answer.append(rrset)
    else:
        response.set_rcode(dns.rcode.NXDOMAIN)
    return bytes(response.to_wire(max_size=65535))


def _rdata(rdtype: str, text: str) -> dns.rdata.Rdata:
    if rdtype == "TXT":
        raw = text.encode()
        chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)
    return dns.rdata.from_text(
        dns.rdataclass.IN, rdtype, text, origin=dns.name.root, relativize=False
    )


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


@contextmanager
def fake_dns(
    script: Mapping[str, Behaviour], *, default: str = "NXDOMAIN", delay: float = 0.0
) -> Iterator[tuple[str, int]]:
    """Serve ``script`` on 127.0.0.1 for the duration of the block; yield (host, port).

    ``delay``: every reply is sent that many seconds after its query arrived.
    """
    server = FakeDnsServer(script, default=default, delay=delay)
    address = server.start()
    try:
        yield address
    finally:
        server.stop()


# ---------------------------------------------------------------- the in-process double


@dataclass
class StaticResolver:
    """Answers :meth:`Resolver.lookup <mailcheck.dnsresolver.Resolver.lookup>` from a script.

    Outcomes and record forms are the real resolver's: names lower case with a
    trailing dot, MX as ``"10 mx.example."``, addresses normalised, TXT as plain
    text; a name the DNS library would refuse to build (an empty label, a label
    over 63 octets) is an ``error`` outcome.
    """

    script: Mapping[str, Behaviour]
    default: str = "NXDOMAIN"
    asked: list[tuple[str, str]] = field(default_factory=list)
    """Every (name, type) asked, in order."""

    def __post_init__(self) -> None:
        self.script = _normalise(self.script)

    async def lookup(self, name: str, rdtype: str) -> Lookup:
        """Return what the script says for ``name``/``rdtype``; never raises."""
        rdtype = rdtype.upper()
        key = _key(name)
        self.asked.append((key, rdtype))
        try:
            dns.name.from_text(key)
        except dns.exception.DNSException as exc:
            return Lookup(key, rdtype, DnsOutcome.ERROR, error=str(exc) or type(exc).__name__)
        current = key
        seen: set[str] = set()
        while True:
            behaviour = _unwrap(self.script.get(current, self.default))
            wanted = _for_type(behaviour, rdtype)
            if (
                wanted == "NODATA"
                and rdtype != "CNAME"
                and not isinstance(behaviour, str)
                and "CNAME" in (records := _records(behaviour))
            ):
                if current in seen:  # a CNAME loop: a recursive resolver gives up
                    return Lookup(key, rdtype, DnsOutcome.SERVFAIL, error="SERVFAIL")
                seen.add(current)
                target = records["CNAME"]
                current = _key(target if isinstance(target, str) else target[0])
                continue
            return _lookup_of(key, rdtype, wanted)


def _unwrap(behaviour: Behaviour) -> Behaviour:
    """The real behaviour behind a :class:`Hostile` one."""
    while isinstance(behaviour, Hostile):
        behaviour = behaviour.then
    return behaviour


def _records(behaviour: Behaviour) -> Mapping[str, Sequence[str] | str]:
    behaviour = _unwrap(behaviour)
    if isinstance(behaviour, str | Hostile):
        return {}
    return behaviour.records if isinstance(behaviour, Answer) else behaviour


def _lookup_of(key: str, rdtype: str, wanted: Sequence[str] | str) -> Lookup:
    if isinstance(wanted, str):
        outcome = {
            "NXDOMAIN": DnsOutcome.NXDOMAIN,
            "NODATA": DnsOutcome.NODATA,
            "SERVFAIL": DnsOutcome.SERVFAIL,
            "REFUSED": DnsOutcome.REFUSED,
            "NOTIMP": DnsOutcome.REFUSED,
            "FORMERR": DnsOutcome.REFUSED,
            "DROP": DnsOutcome.TIMEOUT,
            "TIMEOUT": DnsOutcome.TIMEOUT,
            "TRUNCATE": DnsOutcome.ERROR,
            "SHORT": DnsOutcome.ERROR,
            "OTHER-TYPE": DnsOutcome.ERROR,
        }[wanted]
        error = None
        if not outcome.conclusive:
            error = "no answer in time" if outcome is DnsOutcome.TIMEOUT else wanted
        return Lookup(key, rdtype, outcome, error=error)
    if not wanted:
        return Lookup(key, rdtype, DnsOutcome.NODATA)
    return Lookup(key, rdtype, DnsOutcome.ANSWER, tuple(_presented(rdtype, t) for t in wanted), TTL)


def _presented(rdtype: str, text: str) -> str:
    """The real resolver's presentation form of one record."""
    if rdtype == "TXT":
        return text
    try:
        return str(_rdata(rdtype, text).to_text())
    except (dns.exception.DNSException, ValueError):
        return text  # malformed on purpose in a test: hand it over as written
