"""DMARC: our parser, organizational domains, discovery and alignment."""

from __future__ import annotations

import pytest

from mailcheck.auth.dmarc import (
    DmarcRecord,
    check_dmarc,
    organizational_domain,
    parse_dmarc,
)
from mailcheck.dnsresolver import DnsOutcome
from tests.servers.fake_dns import Behaviour, StaticResolver

# ------------------------------------------------------------------ parsing


def test_parse_full_record() -> None:
    record = parse_dmarc(
        "v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r;"
        " rua=mailto:dmarc@shop.test, mailto:agg@esp.test!10m; ruf=mailto:f@shop.test; fo=1:d"
    )
    assert record == DmarcRecord(
        raw=record.raw,
        policy="reject",
        subdomain_policy="quarantine",
        pct=50,
        adkim="s",
        aspf="r",
        rua=("mailto:dmarc@shop.test", "mailto:agg@esp.test!10m"),
        errors=(),
    )


def test_parse_defaults_and_whitespace() -> None:
    record = parse_dmarc("v = DMARC1 ;  P = None ;")
    assert (record.policy, record.subdomain_policy, record.pct) == ("none", None, None)
    assert (record.adkim, record.aspf, record.rua, record.errors) == ("r", "r", (), ())


@pytest.mark.parametrize(
    "text",
    [
        "v=DMARC1; p=none; foo=bar",  # unknown tags are ignored (RFC 7489 section 6.3)
        "v=DMARC1; p=reject; np=reject; psd=n; t=y",  # RFC 9989 tags
        "v=DMARC1; p=quarantine; rf=afrf; ri=86400",
    ],
)
def test_parse_tolerates_unknown_and_newer_tags(text: str) -> None:
    assert parse_dmarc(text).errors == ()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("v=DMARC1; rua=mailto:d@shop.test", "missing p= (required)"),
        ("v=DMARC1; p=block", "invalid p=block (one of none, quarantine, reject)"),
        ("p=reject; v=DMARC1", "not a DMARC record: it must start with v=DMARC1"),
        ("v=dmarc1; p=reject", "not a DMARC record: it must start with v=DMARC1"),
        ("", "not a DMARC record: it must start with v=DMARC1"),
        ("v=DMARC1; p=reject; pct=150", "invalid pct=150 (0-100)"),
        ("v=DMARC1; p=reject; adkim=x", "invalid adkim=x (one of r, s)"),
        ("v=DMARC1; p=reject; sp=all", "invalid sp=all (one of none, quarantine, reject)"),
        ("v=DMARC1; p=reject; p=none", "duplicate tag p= (the first one counts)"),
        ("v=DMARC1; p=reject; rua=dmarc@shop.test", "invalid rua URI 'dmarc@shop.test'"),
        ("v=DMARC1; p=reject; junk", "not a tag=value pair: 'junk'"),
    ],
)
def test_parse_errors(text: str, error: str) -> None:
    record = parse_dmarc(text)
    assert error in record.errors
    assert record.raw == text


def test_parse_invalid_values_fall_back() -> None:
    record = parse_dmarc("v=DMARC1; p=block; adkim=x; sp=all")
    assert (record.policy, record.subdomain_policy, record.adkim) == (None, None, "r")
    assert parse_dmarc("v=DMARC1; p=reject; p=none").policy == "reject"


# ------------------------------------------------------------------ organizational domain


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("lab.test", "lab.test"),
        ("a.lab.test", "lab.test"),
        ("x.y.a.lab.test", "lab.test"),
        ("Mail.Shop.Test.", "shop.test"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("example.com", "example.com"),
        ("co.uk", "co.uk"),
        ("test", "test"),
    ],
)
def test_organizational_domain(domain: str, org: str) -> None:
    assert organizational_domain(domain) == org


# ------------------------------------------------------------------ discovery and evaluation

ZONE: dict[str, Behaviour] = {
    "_dmarc.shop.test": {"TXT": ["v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@shop.test"]},
    "_dmarc.strict.test": {"TXT": ["v=DMARC1; p=reject; adkim=s; aspf=s"]},
    "_dmarc.own.shop.test": {"TXT": ["v=DMARC1; p=none"]},
    "_dmarc.noise.shop.test": {"TXT": ["some other text"]},
    "_dmarc.twice.test": {"TXT": ["v=DMARC1; p=reject", "v=DMARC1; p=none"]},
    "_dmarc.nop.test": {"TXT": ["v=DMARC1; rua=mailto:d@nop.test"]},
    "_dmarc.nopnorua.test": {"TXT": ["v=DMARC1; adkim=s"]},
    "_dmarc.slow.test": "TIMEOUT",
    "_dmarc.sub.broken.test": "NXDOMAIN",
    "_dmarc.broken.test": "SERVFAIL",
}


async def test_record_at_the_from_domain() -> None:
    result = await check_dmarc(
        "shop.test",
        StaticResolver(ZONE),
        spf_domain="shop.test",
        spf_result="pass",
        dkim_domain=None,
        dkim_verified=None,
    )
    assert (result.from_domain, result.org_domain) == ("shop.test", "shop.test")
    assert result.record_domain == "_dmarc.shop.test"
    assert result.record is not None
    assert result.record.policy == "reject"
    assert result.lookup_outcome == "answer"
    assert result.policy == "reject"
    assert (result.spf_aligned, result.dkim_aligned) == (True, None)
    assert (result.passes, result.disposition) == (True, None)
    assert [(q.name, q.outcome) for q in result.queries] == [
        ("_dmarc.shop.test.", DnsOutcome.ANSWER)
    ]


async def test_org_domain_fallback_and_subdomain_policy() -> None:
    resolver = StaticResolver(ZONE)
    result = await check_dmarc(
        "billing.shop.test",
        resolver,
        spf_domain="esp.test",
        spf_result="pass",
        dkim_domain="esp.test",
        dkim_verified=True,
    )
    assert resolver.asked == [
        ("_dmarc.billing.shop.test.", "TXT"),
        ("_dmarc.shop.test.", "TXT"),
    ]
    assert (result.org_domain, result.record_domain) == ("shop.test", "_dmarc.shop.test")
    assert result.policy == "quarantine"  # sp= for a subdomain
    assert (result.spf_aligned, result.dkim_aligned) == (False, False)
    assert (result.passes, result.disposition) == (False, "quarantine")


async def test_subdomain_without_sp_gets_p() -> None:
    zone = {"_dmarc.shop.test": {"TXT": ["v=DMARC1; p=reject"]}}
    result = await check_dmarc(
        "billing.shop.test",
        StaticResolver(zone),
        spf_domain="esp.test",
        spf_result="pass",
        dkim_domain="esp.test",
        dkim_verified=True,
    )
    assert (result.policy, result.passes, result.disposition) == ("reject", False, "reject")


async def test_own_record_wins_over_org() -> None:
    resolver = StaticResolver(ZONE)
    result = await check_dmarc(
        "own.shop.test",
        resolver,
        spf_domain=None,
        spf_result=None,
        dkim_domain=None,
        dkim_verified=None,
    )
    assert (result.record_domain, result.policy) == ("_dmarc.own.shop.test", "none")
    assert len(resolver.asked) == 1


async def test_non_dmarc_txt_is_discarded() -> None:
    result = await check_dmarc(
        "noise.shop.test",
        StaticResolver(ZONE),
        spf_domain=None,
        spf_result=None,
        dkim_domain=None,
        dkim_verified=None,
    )
    assert result.record_domain == "_dmarc.shop.test"


@pytest.mark.parametrize(
    ("from_domain", "identifier", "aligned"),
    [
        ("shop.test", "shop.test", True),
        ("shop.test", "bounce.shop.test", True),  # relaxed: same organizational domain
        ("shop.test", "SHOP.TEST.", True),
        ("shop.test", "esp.test", False),
        ("strict.test", "strict.test", True),
        ("strict.test", "bounce.strict.test", False),  # strict: identical names only
        ("strict.test", "esp.test", False),
    ],
)
async def test_relaxed_and_strict_alignment(
    from_domain: str, identifier: str, aligned: bool
) -> None:
    result = await check_dmarc(
        from_domain,
        StaticResolver(ZONE),
        spf_domain=identifier,
        spf_result="pass",
        dkim_domain=identifier,
        dkim_verified=True,
    )
    assert (result.spf_aligned, result.dkim_aligned, result.passes) == (aligned,) * 3


async def test_dkim_pass_saves_spf_fail() -> None:
    result = await check_dmarc(
        "shop.test",
        StaticResolver(ZONE),
        spf_domain="esp.test",
        spf_result="pass",
        dkim_domain="shop.test",
        dkim_verified=True,
    )
    assert (result.spf_aligned, result.dkim_aligned, result.passes) == (False, True, True)


@pytest.mark.parametrize(
    ("spf", "dkim", "passes"),
    [
        (("shop.test", "temperror"), (None, None), None),  # aligned SPF that could not tell
        (("shop.test", None), (None, None), None),  # SPF not evaluated
        (("shop.test", "softfail"), ("shop.test", None), None),  # DKIM could not tell
        (("shop.test", "softfail"), ("shop.test", False), False),
        (("shop.test", "permerror"), (None, None), False),
        (("esp.test", "temperror"), ("esp.test", None), False),  # neither can align
    ],
)
async def test_unknown_inputs(
    spf: tuple[str | None, str | None], dkim: tuple[str | None, bool | None], passes: bool | None
) -> None:
    result = await check_dmarc(
        "shop.test",
        StaticResolver(ZONE),
        spf_domain=spf[0],
        spf_result=spf[1],
        dkim_domain=dkim[0],
        dkim_verified=dkim[1],
    )
    assert result.passes is passes
    assert result.disposition == ("reject" if passes is False else None)


async def test_no_record() -> None:
    resolver = StaticResolver(ZONE)
    result = await check_dmarc(
        "mail.nowhere.test",
        resolver,
        spf_domain="mail.nowhere.test",
        spf_result="fail",
        dkim_domain=None,
        dkim_verified=None,
    )
    assert len(resolver.asked) == 2
    assert (result.record, result.record_domain, result.policy) == (None, None, None)
    assert result.lookup_outcome == "nxdomain"
    assert (result.passes, result.disposition) == (False, None)  # fails, but no policy


async def test_multiple_records_is_an_error_and_no_policy() -> None:
    result = await check_dmarc(
        "twice.test",
        StaticResolver(ZONE),
        spf_domain="esp.test",
        spf_result="pass",
        dkim_domain=None,
        dkim_verified=None,
    )
    assert result.record is not None
    assert result.record.errors == ("2 DMARC records at _dmarc.twice.test: receivers apply none",)
    assert (result.policy, result.disposition) == (None, None)


@pytest.mark.parametrize(("domain", "policy"), [("nop.test", "none"), ("nopnorua.test", None)])
async def test_missing_p(domain: str, policy: str | None) -> None:
    """RFC 7489 6.6.3 step 6: no valid p= but a report address: act as p=none."""
    result = await check_dmarc(
        domain,
        StaticResolver(ZONE),
        spf_domain="esp.test",
        spf_result="pass",
        dkim_domain=None,
        dkim_verified=None,
    )
    assert result.record is not None
    assert "missing p= (required)" in result.record.errors
    assert (result.policy, result.passes) == (policy, False)
    assert result.disposition == policy


@pytest.mark.parametrize(
    ("domain", "outcome", "asked"),
    [("slow.test", "timeout", 1), ("sub.broken.test", "servfail", 2)],
)
async def test_dns_could_not_tell(domain: str, outcome: str, asked: int) -> None:
    resolver = StaticResolver(ZONE)
    result = await check_dmarc(
        domain,
        resolver,
        spf_domain=domain,
        spf_result="fail",
        dkim_domain=None,
        dkim_verified=None,
    )
    assert len(resolver.asked) == asked
    assert result.lookup_outcome == outcome
    assert (result.record, result.policy, result.passes, result.disposition) == (
        None,
        None,
        None,
        None,
    )
    assert result.spf_aligned is True  # identical names align in either mode


async def test_empty_identifiers_never_align() -> None:
    resolver = StaticResolver(ZONE)
    empty_from = await check_dmarc(
        " ", resolver, spf_domain="", spf_result="pass", dkim_domain="", dkim_verified=True
    )
    assert (empty_from.lookup_outcome, empty_from.passes) == ("error", None)
    assert resolver.asked == []
    empty_ids = await check_dmarc(
        "shop.test", resolver, spf_domain="", spf_result="pass", dkim_domain="", dkim_verified=True
    )
    assert (empty_ids.spf_aligned, empty_ids.dkim_aligned, empty_ids.passes) == (None, None, None)
