"""Plain names go on the wire without dnspython, byte for byte as dnspython writes them."""

from __future__ import annotations

import dns.name
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcheck.dnstransport import _wire_name, plain_name

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=63)


@given(st.lists(LABEL, min_size=1, max_size=4))
def test_a_plain_name_is_written_as_dnspython_writes_it(labels: list[str]) -> None:
    name = ".".join(labels) + "."
    assert plain_name(name)
    assert _wire_name(name) == dns.name.from_text(name).to_wire()


@pytest.mark.parametrize(
    "name",
    [
        ".",  # the root: dnspython's
        "cong-ty.vn",  # no trailing dot: not how the resolver keys names
        "Cong-Ty.vn.",  # upper case: the resolver lower-cases first
        "a..vn.",  # an empty label: dnspython says what is wrong
        "x" * 64 + ".vn.",  # a label over 63 octets: likewise
        ("abcdefghi." * 26),  # over 255 octets on the wire
        "bücher.example.",  # not ASCII
        "a b.vn.",
    ],
)
def test_any_other_name_is_left_to_dnspython(name: str) -> None:
    assert not plain_name(name)
