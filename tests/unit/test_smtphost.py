"""Finding a company domain's sending server nobody named: mail.<domain>, then its MX."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from mailcheck.smtphost import describe, find_smtp_host
from tests.servers.fake_dns import fake_dns

ZONES = {
    "three.vn.": {"MX": ["30 mx3.three.vn.", "10 mx1.three.vn.", "20 mx2.three.vn."]},
    "mx1.three.vn.": {"A": ["127.0.0.2"]},
    "mx2.three.vn.": {"A": ["127.0.0.2"]},
    "mx3.three.vn.": {"A": ["127.0.0.1"]},
    "nullmx.vn.": {"MX": ["0 ."]},
    "both.vn.": {"MX": ["10 mail.both.vn."]},
    "mail.both.vn.": {"A": ["127.0.0.1"]},
}


@pytest.fixture
def listening() -> Iterator[int]:
    """A port on 127.0.0.1 that takes connections (127.0.0.2 has nothing on it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_the_mx_hosts_are_tried_in_preference_order_and_only_the_first_two(
    listening: int,
) -> None:
    with fake_dns(ZONES) as server:
        found = find_smtp_host("three.vn", port=listening, server=server, timeout=2.0)
    # mx3 would answer, but a third MX is a backup MX, not the submission server.
    assert found.host is None
    assert [(t.host, t.how, t.outcome) for t in found.tried] == [
        ("mail.three.vn", "name", "no-name"),
        ("mx1.three.vn", "mx", "closed"),
        ("mx2.three.vn", "mx", "closed"),
    ]
    assert describe(found.tried, (listening,)) == (
        f"mail.three.vn (no such name), mx1.three.vn from its MX ({listening} closed), "
        f"mx2.three.vn from its MX ({listening} closed)"
    )


def test_a_null_mx_names_no_host_and_mail_dot_domain_is_tried_once(listening: int) -> None:
    with fake_dns(ZONES) as server:
        none = find_smtp_host("nullmx.vn", port=listening, server=server, timeout=2.0)
        both = find_smtp_host("Both.VN.", port=listening, server=server, timeout=2.0)
    assert [t.host for t in none.tried] == ["mail.nullmx.vn"]
    # mail.both.vn is also the MX: asked once, found by its name.
    assert (both.host, both.port) == ("mail.both.vn", listening)
    assert [(t.host, t.how, t.outcome) for t in both.tried] == [
        ("mail.both.vn", "name", "answered")
    ]
