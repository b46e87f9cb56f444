"""mailcheck's DNS transport: one shared UDP socket per nameserver, TCP for truncated answers.

dnspython's resolver opens a socket per query, which held a 2,500-domain
preflight to about 800 queries/s on a 2-core machine. Here queries are built by
hand and sent over one socket per nameserver; a reply completes the lookup whose
id and question it repeats, and anything else (another source, an unknown id, a
reply to another question) is ignored. :class:`mailcheck.dnsresolver.Resolver`
turns what comes back into a :class:`~mailcheck.dnsresolver.Lookup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import secrets
import socket
import struct
from dataclasses import dataclass, field
from typing import Any, cast

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype

from mailcheck.dnswire import FAST_TYPES, FastReply, read_reply

__all__ = ["TcpFailed", "Transport", "Unanswered", "plain_name"]


#: The EDNS OPT pseudo-record every query carries: root name, type 41, payload 1232, no flags.
_OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
#: Sends of one question at most: a lost datagram is re-sent, but a hostile or broken
#: server never turns one lookup into a stream of queries (issue 11 item 5).
_MAX_SENDS = 4
#: The rcodes whose replies may come without a question section (as dnspython's
#: ``Message.is_response`` allows): FORMERR, SERVFAIL, NOTIMP, REFUSED.
_BARE_RCODES = frozenset({1, 2, 4, 5})
#: The first re-send waits at least this long (and this long before any reply was
#: timed): a healthy resolver answers far sooner, and a lost datagram is rare.
_MIN_RESEND = 1.0
#: Datagrams read from the socket in one turn of the event loop at most.
_DRAIN = 512


#: A name whose wire form is its labels as they are: lower-case letters, digits, ``-``
#: and ``_``, 1 to 63 of them a label, ending in a dot (what a preflight mostly asks).
_PLAIN_NAME = re.compile(r"(?:[a-z0-9_-]{1,63}\.)+")


def plain_name(name: str) -> bool:
    """Whether :meth:`Transport.query` may take ``name`` as text (and skip dnspython)."""
    return len(name) <= 254 and _PLAIN_NAME.fullmatch(name) is not None


def _wire_name(name: str) -> bytes:
    """The wire form of a :func:`plain_name` (RFC 1035 section 3.1)."""
    return b"".join(bytes((len(label),)) + label.encode() for label in name.split("."))


class Unanswered(Exception):
    """No reply to the question came in time; ``ignored`` replies did not match it."""

    def __init__(self, ignored: int) -> None:
        super().__init__(ignored)
        self.ignored = ignored


class TcpFailed(Exception):
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
    sent_at: dict[int, float] = field(default_factory=dict)
    """When each of its ids was sent (``loop.time()``): the reply's id times the round trip."""


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


class _Datagrams:
    """One UDP socket per nameserver; a reply completes the lookup whose id and question it has.

    A datagram from another address, with an unknown id, or that does not answer the
    question of its id (QR=0, another question, garbage) is ignored: the lookup keeps
    waiting for the real reply, within its time, without asking again.

    The socket is read by :meth:`drain`, every datagram waiting at once (asyncio's
    datagram transport reads one per turn of the loop). With a thousand replies
    arriving together, a busy loop would otherwise fire re-send timers for questions
    whose replies sit unread in the socket, and pay a turn of the loop for each reply.
    """

    def __init__(self, server: tuple[str, int], sock: socket.socket) -> None:
        self.pending: dict[int, _Question] = {}
        self.sock = sock
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self.drain)
        self.server = server
        self._source = _address(server)
        self.srtt: float | None = None
        """Smoothed round trip of this server's replies (RFC 6298), None before the first."""
        self.rttvar = 0.0

    @property
    def resend_after(self) -> float:
        """How long to wait before sending a question again (RFC 6298's RTO).

        Each reply is timed against the send its id belongs to (every send has its
        own id, so unlike TCP no sample is ambiguous). A resolver that answers after
        4 s is then not asked every question three more times while it works.
        """
        if self.srtt is None:
            return _MIN_RESEND
        return max(_MIN_RESEND, self.srtt + 4 * self.rttvar)

    def send(self, data: bytes) -> None:
        """Send one query; a datagram the kernel will not take now is lost like any other."""
        # The re-send timer covers a full buffer (BlockingIOError) or an unreachable
        # network (OSError): the lookup waits its time, as for a lost datagram.
        with contextlib.suppress(OSError):
            self.sock.sendto(data, self.server)

    def drain(self) -> None:
        """Read every datagram waiting (up to :data:`_DRAIN` at a time)."""
        for _ in range(_DRAIN):
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:  # nothing more (BlockingIOError), or an ICMP error reported
                return
            self.datagram_received(data, addr)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if not self._loop.is_closed():
                self._loop.remove_reader(self.sock.fileno())
            self.sock.close()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12 or (self._source is not None and _address(addr) != self._source):
            return
        entry = self.pending.get(int.from_bytes(data[:2], "big"))
        if entry is None or entry.future.done():
            return
        if not _answers(data, entry.question):
            entry.ignored += 1
            return
        qid = int.from_bytes(data[:2], "big")
        sent = entry.sent_at.get(qid)
        if sent is not None:
            self._timed(asyncio.get_running_loop().time() - sent)
        entry.future.set_result((data, self.server))

    def _timed(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt


def _address(peer: Any) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    """An (ip, port) pair in a comparable form; None when the host is not an IP address."""
    try:
        return ipaddress.ip_address(peer[0]), int(peer[1])
    except (ValueError, TypeError, IndexError):
        return None


class Transport:
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

    async def _endpoint(self, server: tuple[str, int]) -> _Datagrams:
        endpoint = self._endpoints.get(server)
        if endpoint is not None and not endpoint.closed:
            return endpoint
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        # Hundreds of replies can arrive at once; a small buffer drops some, and each
        # drop costs a retry timeout.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        sock.setblocking(False)
        endpoint = _Datagrams(server, sock)
        self._endpoints[server] = endpoint
        return endpoint

    async def query(
        self, name: dns.name.Name | str, rdtype: str, deadline: float
    ) -> FastReply | dns.message.Message:
        """One question; raises :class:`Unanswered` when no server answered it in time.

        ``name``: a dnspython name, or a plain one (:func:`plain_name`) as text, whose
        wire form is built here without dnspython (a preflight asks thousands).
        A plain A, AAAA or MX reply is read straight from the wire (:mod:`mailcheck.dnswire`);
        anything else by dnspython.
        """
        if isinstance(name, str):
            text, wire_name = name, _wire_name(name)
        else:
            text, wire_name = name.to_text(), cast(bytes, name.to_wire()).lower()
        rdtype_value = FAST_TYPES.get(rdtype) or dns.rdatatype.from_text(rdtype)
        question = wire_name + struct.pack("!HH", rdtype_value, dns.rdataclass.IN)
        wire, server = await self._exchange(question, deadline)
        fast = read_reply(wire, text, rdtype) if rdtype in FAST_TYPES else None
        if fast is not None:
            return fast
        response = dns.message.from_wire(wire)
        if response.flags & dns.flags.TC:
            request = dns.message.make_query(text, rdtype, use_edns=0, payload=1232)
            loop = asyncio.get_running_loop()
            try:
                # dnspython's TCP checks the id and question of the reply itself.
                return await dns.asyncquery.tcp(
                    request, server[0], timeout=max(deadline - loop.time(), 0.001), port=server[1]
                )
            except dns.exception.Timeout:
                raise Unanswered(0) from None
            except (dns.exception.DNSException, OSError, EOFError) as exc:
                raise TcpFailed(str(exc) or type(exc).__name__) from None
        return response

    async def _exchange(self, question: bytes, deadline: float) -> tuple[bytes, tuple[str, int]]:
        """Send the question until a reply answers it; the reply and the server it came from.

        Every id sent stays open until the end, so a late reply to an earlier send
        still counts. Sends back off (the server's re-send time — 1 s until its replies
        were timed — then twice that, ... up to the timeout) and stop at
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
                qid = secrets.randbelow(65536)
                while qid in endpoint.pending:
                    qid = secrets.randbelow(65536)
                endpoint.pending[qid] = entry
                entry.sent_at[qid] = loop.time()
                sent.append((endpoint, qid))
                # Built by hand (RFC 1035 §4.1; EDNS OPT, RFC 6891, 1232-byte payload): this
                # is the hot path of a preflight, and dnspython's renderer costs more.
                header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)  # RD, 1 question, 1 OPT
                endpoint.send(header + question + _OPT)
                last = attempt == _MAX_SENDS - 1
                backoff = endpoint.resend_after * 2.0**attempt
                wait = remaining if last else min(self.timeout, backoff, remaining)
                await asyncio.wait((entry.future,), timeout=wait)
                if not entry.future.done():
                    # A busy loop may not have read the reply yet: look before asking again.
                    endpoint.drain()
                if entry.future.done():
                    return entry.future.result()
            raise Unanswered(entry.ignored)
        finally:
            for endpoint, qid in sent:
                endpoint.pending.pop(qid, None)
            entry.future.cancel()

    def close(self) -> None:
        for endpoint in self._endpoints.values():
            endpoint.close()
