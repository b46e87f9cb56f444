"""The wire reader of A, AAAA and MX replies says what the dnspython path says, or steps aside.

Every reply is built with dnspython, then read both ways: the fast reader
(:mod:`mailcheck.dnswire`) and dnspython's parser with its ``Answer``. Where
the fast reader answers, the two Lookups must be equal; for plain replies it
must answer (else the speed-up would be gone unnoticed).
"""

from __future__ import annotations

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.dnsresolver import DnsOutcome, Lookup, _fast_lookup, _message_lookup
from mailcheck.dnswire import read_reply

Record = tuple[str, str, int, str]  # owner, type, ttl, rdata text


def _reply(
    qname: str, rdtype: str, answers: list[Record], *, rcode: int = 0, extra: bool = False
) -> bytes:
    query = dns.message.make_query(qname, rdtype, use_edns=0, payload=1232)
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.Rcode.make(rcode))
    for owner, rtype, ttl, text in answers:
        response.answer.append(dns.rrset.from_text(owner, ttl, "IN", rtype, text))
    if extra:  # authority and additional records, which the reader must skip
        response.authority.append(dns.rrset.from_text("lab.test.", 60, "IN", "NS", "ns.lab.test."))
        response.additional.append(dns.rrset.from_text("ns.lab.test.", 60, "IN", "A", "192.0.2.53"))
    return bytes(response.to_wire())


def _both(wire: bytes, qname: str, rdtype: str) -> tuple[Lookup | None, Lookup]:
    name = qname.lower().rstrip(".") + "."
    fast = read_reply(wire, name, rdtype)
    slow = _message_lookup(name, rdtype, dns.message.from_wire(wire), 0.0)
    return (None if fast is None else _fast_lookup(name, rdtype, fast, 0.0)), slow


PLAIN: list[tuple[str, str, list[Record], int]] = [
    ("lab.test.", "A", [("lab.test.", "A", 300, "192.0.2.1")], 0),
    (
        "lab.test.",
        "A",
        [("lab.test.", "A", 300, "192.0.2.1"), ("lab.test.", "A", 60, "192.0.2.2")],
        0,
    ),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "2001:db8::1")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "2001:db8:0:1:0:0:0:1")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "2001:0:0:1:0:0:0:1")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "::1")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "::")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "fe80::1:0:0:0")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "1:2:3:4:5:6:7:8")], 0),
    ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "1:0:3:0:5:0:7:0")], 0),
    ("lab.test.", "MX", [("lab.test.", "MX", 300, "10 mail.lab.test.")], 0),
    (
        "lab.test.",
        "MX",
        [("lab.test.", "MX", 300, "20 mx2.lab.test."), ("lab.test.", "MX", 30, "10 mx1.lab.test.")],
        0,
    ),
    ("nullmx.test.", "MX", [("nullmx.test.", "MX", 300, "0 .")], 0),
    ("Lab.TEST.", "MX", [("lab.test.", "MX", 300, "10 MAIL.Lab.test.")], 0),
    ("lab.test.", "MX", [("lab.test.", "MX", 300, "10 mail_1.lab-a.test.")], 0),
    # CNAME chains: followed to the records, or to a name with none.
    (
        "www.lab.test.",
        "A",
        [("www.lab.test.", "CNAME", 300, "web.lab.test."), ("web.lab.test.", "A", 60, "192.0.2.8")],
        0,
    ),
    (
        "a.lab.test.",
        "MX",
        [
            ("b.lab.test.", "MX", 300, "10 mx.lab.test."),
            ("a.lab.test.", "CNAME", 300, "b.lab.test."),
        ],
        0,
    ),
    ("a.lab.test.", "A", [("a.lab.test.", "CNAME", 300, "gone.lab.test.")], 0),
    # No records; rcodes.
    ("lab.test.", "MX", [], 0),
    ("missing.test.", "MX", [], dns.rcode.NXDOMAIN),
    ("broken.test.", "A", [], dns.rcode.SERVFAIL),
    ("closed.test.", "AAAA", [], dns.rcode.REFUSED),
    ("odd.test.", "A", [], dns.rcode.FORMERR),
]


@pytest.mark.parametrize(("qname", "rdtype", "answers", "rcode"), PLAIN)
@pytest.mark.parametrize("extra", [False, True])
def test_plain_replies_are_read_fast_and_the_same(
    qname: str, rdtype: str, answers: list[Record], rcode: int, extra: bool
) -> None:
    fast, slow = _both(_reply(qname, rdtype, answers, rcode=rcode, extra=extra), qname, rdtype)
    assert fast is not None, "the fast reader stepped aside on a plain reply"
    assert fast == slow


@pytest.mark.parametrize(
    ("qname", "rdtype", "answers"),
    [
        ("lab.test.", "A", [("other.test.", "A", 300, "192.0.2.9")]),
        ("lab.test.", "MX", [("lab.test.", "TXT", 300, '"v=spf1 -all"')]),
        ("lab.test.", "MX", [("lab.test.", "A", 300, "192.0.2.9")]),
        (
            "a.lab.test.",
            "MX",
            [("a.lab.test.", "CNAME", 300, "b.lab.test."), ("b.lab.test.", "A", 60, "192.0.2.8")],
        ),
    ],
)
def test_records_that_do_not_answer_the_question_are_an_error_not_no_data(
    qname: str, rdtype: str, answers: list[Record]
) -> None:
    # A reply to MX that holds an A record is a broken or hostile server, not "this
    # domain has no MX" (which would read as "the customer takes no mail").
    fast, slow = _both(_reply(qname, rdtype, answers), qname, rdtype)
    assert fast is None
    assert slow.outcome is DnsOutcome.ERROR
    assert slow.error is not None
    assert "does not answer the question" in slow.error


@pytest.mark.parametrize(
    "chain",
    [
        [(f"c{i}.lab.test.", "CNAME", 60, f"c{i + 1}.lab.test.") for i in range(20)],
        [("c0.lab.test.", "CNAME", 60, "c0.lab.test.")],  # a loop
    ],
)
def test_a_cname_loop_or_long_chain_is_an_error_not_a_crash(chain: list[Record]) -> None:
    wire = _reply("c0.lab.test.", "A", chain)
    fast, slow = _both(wire, "c0.lab.test.", "A")
    assert fast is None  # left to dnspython, whose limit it is
    assert slow.outcome == "error"
    assert "CNAME chain" in (slow.error or "")


@pytest.mark.parametrize(
    ("qname", "rdtype", "answers"),
    [
        ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "::ffff:192.0.2.1")]),
        ("lab.test.", "AAAA", [("lab.test.", "AAAA", 300, "::192.0.2.1")]),
        ("lab.test.", "MX", [("lab.test.", "MX", 300, "10 we\\.ird.lab.test.")]),
        ("lab.test.", "MX", [("lab.test.", "MX", 300, "10 sp\\032ace.lab.test.")]),
    ],
)
def test_unusual_forms_are_left_to_dnspython(
    qname: str, rdtype: str, answers: list[Record]
) -> None:
    fast, slow = _both(_reply(qname, rdtype, answers), qname, rdtype)
    assert fast is None
    assert slow.ok


def test_a_reply_to_another_question_or_truncated_is_not_read() -> None:
    wire = _reply("lab.test.", "MX", [("lab.test.", "MX", 300, "10 mail.lab.test.")])
    assert read_reply(wire, "other.test.", "MX") is None
    assert read_reply(wire, "lab.test.", "A") is None
    truncated = bytearray(wire)
    truncated[2] |= dns.flags.TC >> 8
    assert read_reply(bytes(truncated), "lab.test.", "MX") is None
    query = bytearray(wire)
    query[2] &= ~(dns.flags.QR >> 8) & 0xFF
    assert read_reply(bytes(query), "lab.test.", "MX") is None
    assert read_reply(wire, "lab.test.", "TXT") is None  # not a type it reads


_SEEDS = [_reply(q, t, a, rcode=r) for q, t, a, r in PLAIN] + [
    _reply(q, t, a, rcode=r, extra=True) for q, t, a, r in PLAIN
]
_QUESTIONS = [(q, t) for q, t, _, _ in PLAIN] * 2


@settings(max_examples=600, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(_SEEDS) - 1),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=6),
    st.integers(min_value=0, max_value=600),
)
def test_mutated_replies_never_crash_and_never_disagree(
    seed: int, flips: list[tuple[int, int]], cut: int
) -> None:
    wire = bytearray(_SEEDS[seed])
    for position, value in flips:
        wire[position % len(wire)] = value
    data = bytes(wire[: max(cut, 12)]) if cut < len(wire) else bytes(wire)
    qname, rdtype = _QUESTIONS[seed]
    name = qname.lower()
    fast = read_reply(data, name, rdtype)  # must not raise, whatever the bytes
    if fast is None:
        return
    try:
        message = dns.message.from_wire(data)
    except Exception:  # noqa: BLE001 - dnspython refusing the bytes is an outcome here
        return  # dnspython rejects what the fast reader took: a lenient reading, never a crash
    assert _fast_lookup(name, rdtype, fast, 0.0) == _message_lookup(name, rdtype, message, 0.0)


@given(st.binary(max_size=300), st.sampled_from(["A", "AAAA", "MX"]))
def test_random_bytes_never_crash(data: bytes, rdtype: str) -> None:
    read_reply(data, "lab.test.", rdtype)
