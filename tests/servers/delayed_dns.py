"""A fast synthetic DNS server on loopback whose every answer comes after a delay.

:class:`~tests.servers.fake_dns.FakeDnsServer` builds each reply with dnspython,
which holds it to about a thousand replies a second: too slow to show whether a
client keeps ten thousand lookups in flight behind a resolver that answers
after 300 ms. This one answers a synthetic zone, built by hand on the wire:

- ``mx*.NAME`` (a first label starting with ``mx``): A ``192.0.2.1``, no AAAA;
- ``nx*.NAME``: NXDOMAIN;
- any other name: MX ``10 mxK.test.`` (K from 0 to 9, from the name), no address;
- ``. NS`` and ``TLD. SOA`` (what a client asks to vouch for the resolver): an answer.

Each reply leaves ``delay`` seconds after its query arrived, however many are
waiting (a heap of due replies, one thread). ``python -m tests.servers.delayed_dns
--delay 0.3`` serves until killed and prints its port.
"""

from __future__ import annotations

import argparse
import heapq
import selectors
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DelayedDnsServer", "delayed_dns"]

HOST = "127.0.0.1"
_A, _NS, _SOA, _MX = 1, 2, 6, 15
_TTL = 300


def _wire_name(name: str) -> bytes:
    labels = [label for label in name.rstrip(".").split(".") if label]
    return b"".join(bytes([len(x)]) + x.encode("ascii") for x in labels) + b"\x00"


def _labels(data: bytes, offset: int) -> tuple[list[bytes], int]:
    labels: list[bytes] = []
    while True:
        size = data[offset]
        offset += 1
        if size == 0:
            return labels, offset
        if size & 0xC0:
            raise ValueError("compressed question")
        labels.append(data[offset : offset + size].lower())
        offset += size


def answer(query: bytes) -> bytes | None:
    """The reply to one query (its id, its question), or None for a datagram to ignore."""
    if len(query) < 17:
        return None
    qid, flags, qdcount = struct.unpack_from("!HHH", query)
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, end = _labels(query, 12)
    qtype, _ = struct.unpack_from("!HH", query, end)
    question = query[12 : end + 4]
    first = labels[0] if labels else b""
    rcode, records = 0, b""
    pointer = b"\xc0\x0c"  # the question's name
    if first.startswith(b"nx"):
        rcode = 3
    elif not labels and qtype == _NS:
        rdata = _wire_name("a.root-servers.test")
        records = pointer + struct.pack("!HHIH", _NS, 1, _TTL, len(rdata)) + rdata
    elif len(labels) == 1 and qtype == _SOA:
        rdata = _wire_name("ns.test") + _wire_name("admin.test") + struct.pack("!5I", 1, 1, 1, 1, 1)
        records = pointer + struct.pack("!HHIH", _SOA, 1, _TTL, len(rdata)) + rdata
    elif first.startswith(b"mx"):
        if qtype == _A:
            records = pointer + struct.pack("!HHIH", _A, 1, _TTL, 4) + bytes((192, 0, 2, 1))
    elif qtype == _MX:
        host = f"mx{zlib.crc32(b'.'.join(labels)) % 10}.test"
        rdata = struct.pack("!H", 10) + _wire_name(host)
        records = pointer + struct.pack("!HHIH", _MX, 1, _TTL, len(rdata)) + rdata
    header = struct.pack(
        "!HHHHHH", qid, 0x8400 | 0x0100 | 0x0080 | rcode, 1, 1 if records else 0, 0, 0
    )
    return header + question + records


class DelayedDnsServer:
    """The synthetic zone above on 127.0.0.1 (UDP), every reply ``delay`` s late, in a thread."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.received = 0
        """Queries received (re-sent ones included)."""
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Ten thousand queries may arrive at once: a small buffer would drop some.
        self._udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self._udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
        self._udp.bind((HOST, 0))
        self._udp.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        self._due: list[tuple[float, int, bytes, tuple[str, int]]] = []
        self._thread = threading.Thread(target=self._serve, name="delayed-dns", daemon=True)

    @property
    def port(self) -> int:
        """The UDP port it listens on (127.0.0.1)."""
        return int(self._udp.getsockname()[1])

    def start(self) -> tuple[str, int]:
        """Start serving; (host, port)."""
        self._thread.start()
        return HOST, self.port

    def stop(self) -> None:
        """Stop serving and close the sockets."""
        self._wake_w.send(b"x")
        self._thread.join(timeout=5)
        for sock in (self._udp, self._wake_r, self._wake_w):
            sock.close()

    def _serve(self) -> None:
        order = 0
        with selectors.DefaultSelector() as sel:
            sel.register(self._udp, selectors.EVENT_READ, "udp")
            sel.register(self._wake_r, selectors.EVENT_READ, "stop")
            while True:
                wait = max(self._due[0][0] - time.monotonic(), 0.0) if self._due else None
                for key, _ in sel.select(wait):
                    if key.data == "stop":
                        return
                    for _ in range(256):  # a burst at a time: due replies go out on time
                        try:
                            data, peer = self._udp.recvfrom(4096)
                        except BlockingIOError:
                            break
                        self.received += 1
                        try:
                            reply = answer(data)
                        except (IndexError, ValueError, struct.error):
                            continue
                        if reply is not None:
                            order += 1
                            heapq.heappush(
                                self._due, (time.monotonic() + self.delay, order, reply, peer)
                            )
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    _, _, reply, peer = heapq.heappop(self._due)
                    try:
                        self._udp.sendto(reply, peer)
                    except BlockingIOError:
                        heapq.heappush(self._due, (now + 0.001, 0, reply, peer))
                        break


@contextmanager
def delayed_dns(delay: float) -> Iterator[DelayedDnsServer]:
    """Serve the synthetic zone with replies ``delay`` s late for the block."""
    server = DelayedDnsServer(delay)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    server = DelayedDnsServer(args.delay)
    print(server.start()[1], flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
