"""Read the common DNS replies (A, AAAA, MX) straight from the wire.

A preflight of a customer list asks thousands of MX and address questions, and
dnspython's full message parser (names, rdata and rrset objects for every
record) was about half of its time. This reader walks the reply's bytes once
and returns what :class:`mailcheck.dnsresolver.Lookup` keeps: the rcode, the
records in dnspython's presentation form, and the TTL. It gives the same
answers as the dnspython path (checked in the tests, also on random and mutated
replies) and steps aside — returns ``None`` — for anything it does not handle
plainly: truncation, another question, an odd label, a malformed message. The
caller then reads the reply with dnspython as before.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

__all__ = ["FAST_TYPES", "FastReply", "read_reply"]

#: Question types this module reads (their numbers, RFC 1035 / RFC 3596).
FAST_TYPES = {"A": 1, "MX": 15, "AAAA": 28}
_CNAME = 5
#: Types a reply with no data for the question may carry in its answer: the chain's.
_CHAIN = frozenset({_CNAME, 39, 46})  # CNAME, DNAME, RRSIG
_IN = 1
_MAX_CHAIN = 16  # CNAME hops followed, as dnspython's Answer
# Label bytes written as they are in presentation form; any other byte (an escape in
# dnspython's text) sends the reply to the full parser.
_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*/")


@dataclass(frozen=True, slots=True)
class FastReply:
    """What a reply said: its rcode, and for NOERROR the records at the end of the chain."""

    rcode: int
    records: tuple[str, ...] = ()
    ttl: int | None = None


class _Malformed(Exception):
    """The reply is not something this reader handles; the full parser takes it."""


def _name(wire: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` (pointers followed), its case kept, and the offset after it."""
    labels: list[str] = []
    end = -1
    jumps = 0
    length = 0
    while True:
        if offset >= len(wire):
            raise _Malformed
        size = wire[offset]
        if size & 0xC0 == 0xC0:  # a pointer (RFC 1035 section 4.1.4)
            if offset + 1 >= len(wire) or jumps > 64:
                raise _Malformed
            if end < 0:
                end = offset + 2
            offset = ((size & 0x3F) << 8) | wire[offset + 1]
            jumps += 1
            continue
        if size & 0xC0:
            raise _Malformed  # the reserved label types
        offset += 1
        if size == 0:
            break
        label = wire[offset : offset + size]
        if len(label) != size or not _PLAIN.issuperset(label):
            raise _Malformed
        length += size + 1
        if length > 255:
            raise _Malformed
        labels.append(label.decode("ascii"))
        offset += size
    text = ".".join(labels) + "." if labels else "."
    return text, (end if end >= 0 else offset)


def _rdata_text(wire: bytes, rtype: int, start: int, size: int) -> str:
    if rtype == 1:
        if size != 4:
            raise _Malformed
        return socket.inet_ntop(socket.AF_INET, wire[start : start + 4])
    if rtype == 28:
        if size != 16:
            raise _Malformed
        return _ipv6_text(wire[start : start + 16])
    if rtype == 15:
        if size < 3:
            raise _Malformed
        preference = int.from_bytes(wire[start : start + 2], "big")
        exchange, after = _name(wire, start + 2)
        if after != start + size:
            raise _Malformed
        return f"{preference} {exchange}"
    raise _Malformed


def _ipv6_text(packed: bytes) -> str:
    # dnspython's form: the longest run of two or more zero fields becomes "::", hex without
    # leading zeros; the IPv4-mapped and -compatible forms end in dotted quad.
    if packed[:12] == b"\x00" * 10 + b"\xff\xff" or (
        packed[:12] == b"\x00" * 12 and packed[12:14] != b"\x00\x00"
    ):
        raise _Malformed  # rare; dnspython's own rules for these are left to it
    fields = struct.unpack("!8H", packed)
    best_start, best_len, run_start = -1, 0, -1
    for index, value in enumerate((*fields, 1)):
        if value == 0 and index < 8:
            if run_start < 0:
                run_start = index
        elif run_start >= 0:
            if index - run_start > best_len:
                best_start, best_len = run_start, index - run_start
            run_start = -1
    hexes = [f"{value:x}" for value in fields]
    if best_len > 1:
        head = ":".join(hexes[:best_start])
        tail = ":".join(hexes[best_start + best_len :])
        return f"{head}::{tail}"
    return ":".join(hexes)


def read_reply(wire: bytes, qname: str, rdtype: str) -> FastReply | None:
    """The reply to ``qname``/``rdtype`` (a key of :data:`FAST_TYPES`), or None.

    None means: not a plain reply to this question (truncated, another question,
    an unusual name, malformed ...); read it with dnspython instead.
    """
    qtype = FAST_TYPES.get(rdtype)
    if qtype is None or len(wire) < 12:
        return None
    try:
        return _read(wire, qname, qtype)
    except (_Malformed, IndexError, ValueError, struct.error):
        return None


@dataclass(frozen=True, slots=True)
class _Record:
    owner: str
    rtype: int
    rclass: int
    ttl: int
    start: int
    """Where the rdata begins; it ends at ``end``, where the next record begins."""
    end: int


def _record(wire: bytes, offset: int) -> _Record:
    owner, offset = _name(wire, offset)
    rtype, rclass, ttl, size = struct.unpack_from("!HHIH", wire, offset)
    offset += 10
    if offset + size > len(wire):
        raise _Malformed
    return _Record(owner, rtype, rclass, ttl, offset, offset + size)


def _read(wire: bytes, qname: str, qtype: int) -> FastReply | None:
    _, flags, qdcount, ancount, nscount, arcount = struct.unpack_from("!HHHHHH", wire)
    # A response (QR), standard query, not truncated (TC: the caller asks over TCP).
    if not flags & 0x8000 or flags & 0x7800 or flags & 0x0200 or qdcount != 1:
        return None
    asked, offset = _name(wire, 12)
    rtype, rclass = struct.unpack_from("!HH", wire, offset)
    offset += 4
    if asked.lower() != qname.lower() or rtype != qtype or rclass != _IN:
        return None
    records: list[tuple[str, int, int, str]] = []  # owner (lower), type, ttl, text
    foreign = False  # an answer record that is neither the question's type nor the chain's
    for _ in range(ancount):
        rec = _record(wire, offset)
        offset = rec.end
        # RFC 2181 section 8: a TTL with the top bit set means zero.
        ttl = 0 if rec.ttl > 0x7FFFFFFF else rec.ttl
        if rec.rclass == _IN and rec.rtype == _CNAME:
            target, after = _name(wire, rec.start)
            if after != rec.end:
                raise _Malformed
            records.append((rec.owner.lower(), _CNAME, ttl, target))
        elif rec.rclass == _IN and rec.rtype == qtype:
            text = _rdata_text(wire, qtype, rec.start, rec.end - rec.start)
            records.append((rec.owner.lower(), qtype, ttl, text))
        else:
            foreign = foreign or rec.rtype not in _CHAIN
    for _ in range(nscount):
        offset = _record(wire, offset).end
    extended = 0
    opt_seen = False
    for _ in range(arcount):
        rec = _record(wire, offset)
        offset = rec.end
        if rec.rtype == 41:  # EDNS OPT (RFC 6891): the rcode's upper eight bits
            if opt_seen or rec.owner != ".":
                raise _Malformed
            opt_seen = True
            extended = rec.ttl >> 24
    if offset != len(wire):
        raise _Malformed  # trailing bytes: dnspython's call
    rcode = (extended << 4) | (flags & 0x000F)
    if rcode != 0:
        return FastReply(rcode)
    # Follow the CNAME chain from the question, as dnspython's Answer does.
    current = asked.lower()
    for _ in range(_MAX_CHAIN + 1):
        found = [
            (ttl, text)
            for owner, rtype, ttl, text in records
            if owner == current and rtype == qtype
        ]
        if found:
            # An rdataset has no twins (names compare without case): the first one stays.
            unique = {text.lower(): text for _, text in reversed(found)}
            texts = tuple(dict.fromkeys(unique[text.lower()] for _, text in found))
            return FastReply(0, texts, min(ttl for ttl, _ in found))
        alias = [text for owner, rtype, _, text in records if owner == current and rtype == _CNAME]
        if not alias:
            if foreign or any(rtype == qtype for _, rtype, _, _ in records):
                # Records, none of them for the question: not a plain "no data" (the
                # full parser says what it is, an error).
                return None
            return FastReply(0)  # no data for the name at the end of the chain
        current = alias[0].lower()
    return None  # a chain longer than dnspython follows: let it say what it says
