"""DKIM through our wrapper: keys made here, served by the DNS double."""

from __future__ import annotations

import base64
import functools

import dkim  # type: ignore[import-untyped, unused-ignore]
import dns.asyncresolver
import dns.resolver
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailcheck.auth.dkim import check_all_dkim, check_dkim
from mailcheck.dnsresolver import DnsOutcome
from tests.servers.fake_dns import Behaviour, StaticResolver

MESSAGE = (
    b"From: Invoices <invoices@shop.test>\r\n"
    b"To: customer@customer.test\r\n"
    b"Subject: Invoice 2024-001\r\n"
    b"Date: Mon, 02 Dec 2024 10:00:00 +0700\r\n"
    b"Message-ID: <inv-2024-001@shop.test>\r\n"
    b"\r\n"
    b"Please find the invoice attached.\r\n"
)


@functools.cache
def _key(bits: int) -> tuple[bytes, str]:
    """A private key (PKCS#1 PEM, as dkimpy signs with) and its DNS record."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}"


def _signed(message: bytes = MESSAGE, *, bits: int = 2048, selector: bytes = b"s1") -> bytes:
    pem, _ = _key(bits)
    header: bytes = dkim.sign(message, selector, b"shop.test", pem)
    return header + message


def _zone(record: Behaviour) -> StaticResolver:
    return StaticResolver({"s1._domainkey.shop.test": record})


@pytest.fixture(autouse=True)
def no_global_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """dkimpy's own DNS (dnspython's global resolver) must never be reached."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the global DNS resolver was used")

    monkeypatch.setattr(dns.resolver, "resolve", refuse)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)
    monkeypatch.setattr(dns.asyncresolver.Resolver, "resolve", refuse)


async def test_pass() -> None:
    result = await check_dkim(_signed(), _zone({"TXT": [_key(2048)[1]]}))
    assert result.present
    assert (result.domain, result.selector) == ("shop.test", "s1")
    assert result.verified is True
    assert result.error is None
    assert result.key_bits == 2048
    assert result.key is not None
    assert (result.key.name, result.key.outcome) == ("s1._domainkey.shop.test.", DnsOutcome.ANSWER)


async def test_tampered_body_fails() -> None:
    message = _signed().replace(b"the invoice", b"the fake invoice")
    result = await check_dkim(message, _zone({"TXT": [_key(2048)[1]]}))
    assert result.verified is False
    assert result.error is not None
    assert result.error.startswith("body hash mismatch")
    assert result.key_bits == 2048


async def test_tampered_header_fails() -> None:
    message = _signed().replace(b"Subject: Invoice", b"Subject: Paid invoice")
    result = await check_dkim(message, _zone({"TXT": [_key(2048)[1]]}))
    assert result.verified is False
    assert result.error == "signature does not match the signed headers"


@pytest.mark.parametrize("missing", ["NXDOMAIN", "NODATA"])
async def test_missing_key_fails(missing: str) -> None:
    result = await check_dkim(_signed(), _zone(missing))
    assert result.verified is False
    assert result.key is not None
    assert result.key.outcome == missing.lower()
    assert result.error == f"no key record at s1._domainkey.shop.test ({missing.lower()})"


async def test_revoked_key() -> None:
    result = await check_dkim(_signed(), _zone({"TXT": ["v=DKIM1; k=rsa; p="]}))
    assert result.verified is False
    assert result.error == "key record is revoked (p=)"
    assert result.key_bits is None


@pytest.mark.parametrize("failure", ["TIMEOUT", "SERVFAIL", "REFUSED"])
async def test_dns_could_not_tell(failure: str) -> None:
    result = await check_dkim(_signed(), _zone(failure))
    assert result.present
    assert result.verified is None
    assert result.error is not None
    assert result.error.startswith("DNS could not tell: TXT s1._domainkey.shop.test")


async def test_1024_bit_key() -> None:
    result = await check_dkim(_signed(bits=1024), _zone({"TXT": [_key(1024)[1]]}))
    assert result.verified is True
    assert result.key_bits == 1024


async def test_garbage_key() -> None:
    result = await check_dkim(_signed(), _zone({"TXT": ["v=DKIM1; k=rsa; p=AAAA"]}))
    assert result.verified is False
    assert result.error is not None
    assert result.error.startswith("key record is unusable")


async def test_key_next_to_other_txt() -> None:
    zone = _zone({"TXT": ["some-verification=abc", _key(2048)[1]]})
    assert (await check_dkim(_signed(), zone)).verified is True


async def test_no_signature() -> None:
    result = await check_dkim(MESSAGE, _zone("NXDOMAIN"))
    assert result.present is False
    assert result.verified is None
    assert result.key is None
    assert await check_all_dkim(MESSAGE, _zone("NXDOMAIN")) == [result]


async def test_malformed_signature() -> None:
    message = b"DKIM-Signature: v=1; a=rsa-sha256; s=s1; h=from; bh=AAAA; b=AAAA\r\n" + MESSAGE
    resolver = _zone({"TXT": [_key(2048)[1]]})
    result = await check_dkim(message, resolver)
    assert result.present
    assert result.verified is False
    assert result.error is not None
    assert result.error.startswith("malformed signature")
    assert resolver.asked == []


async def test_all_signatures() -> None:
    """An ESP's signature on top of the company's own: each gets its own verdict."""
    inner = _signed()
    outer = _signed(inner, selector=b"esp")
    results = await check_all_dkim(outer, _zone({"TXT": [_key(2048)[1]]}))
    assert [(r.selector, r.verified) for r in results] == [("esp", False), ("s1", True)]
    assert results[0].error == "no key record at esp._domainkey.shop.test (nxdomain)"
    assert (await check_dkim(outer, _zone({"TXT": [_key(2048)[1]]}))).selector == "esp"
