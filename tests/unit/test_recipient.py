"""The recipient's address and domain: syntax, IDN, the per-domain cache and 'did you mean'."""

from __future__ import annotations

import pytest

from mailcheck.recipient import AddressError, distance, split_address, suggest_domain


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("gmial.com", "gmail.com"),
        ("gmail.con", "gmail.com"),
        ("gmai.com", "gmail.com"),
        ("yahooo.com", "yahoo.com"),
        ("hotmial.com", "hotmail.com"),
        ("outlok.com", "outlook.com"),
        ("ftp.vn", "fpt.vn"),
        ("yahoo.com.vm", "yahoo.com.vn"),
        ("viettel.com.vm", "viettel.com.vn"),
    ],
)
def test_common_typos_are_recognised(typo: str, meant: str) -> None:
    assert suggest_domain(typo) == meant


@pytest.mark.parametrize("domain", ["gmail.com", "customer.test", "company.vn", "misa.com.vn"])
def test_real_or_unrelated_domains_get_no_suggestion(domain: str) -> None:
    assert suggest_domain(domain) is None


def test_distance_counts_a_swap_as_one() -> None:
    assert distance("gmial", "gmail") == 1
    assert distance("abc", "abc") == 0
    assert distance("a", "abcdef", limit=3) == 3


def test_address_syntax_and_idn() -> None:
    assert split_address("KeToan@Công-ty.vn")[1] == "xn--cng-ty-ixa.vn"
    with pytest.raises(AddressError):
        split_address("not an address")
    with pytest.raises(AddressError):
        split_address("a@b@c.vn")


def test_the_per_domain_cache_gives_the_same_answers_as_a_full_check() -> None:
    from mailcheck.recipient import AddressChecker

    checker = AddressChecker()
    addresses = [
        "KeToan@Công-ty.vn",
        "b@công-ty.vn",
        "c.d@CÔNG-TY.vn",
        "x@gmail.com",
        "y@gmail.com",
    ]
    for address in addresses:
        assert checker.check(address)[1] == split_address(address)[1]
    # A bad local part is still refused once the domain is known.
    with pytest.raises(AddressError):
        checker.check("a b@gmail.com")
    with pytest.raises(AddressError):
        checker.check("x" * 250 + "@gmail.com")
