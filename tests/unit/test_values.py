"""The value parsers of mailcheck.values, and the one Address type, on odd inputs."""

from __future__ import annotations

import pytest

from mailcheck.errors import ConfigError
from mailcheck.settings import TlsMode
from mailcheck.values import (
    Address,
    AddressSyntaxError,
    parse_dns_server,
    parse_dnsbls,
    parse_ehlo_name,
    parse_host,
    parse_lang,
    parse_port,
    parse_seconds,
    parse_size,
    parse_tls_mode,
)


def test_an_address_is_split_at_its_last_at_and_keeps_its_text() -> None:
    address = Address.parse("  Billing@Example.COM \t", "--sender")
    assert str(address) == "Billing@Example.COM"
    assert address.local == "Billing"
    assert address.written_domain == "Example.COM"
    assert address.domain == "example.com"
    assert address.ascii_domain == "Example.COM"


def test_an_idn_domain_is_accepted_and_has_an_ascii_form() -> None:
    address = Address.parse("kế.toán@Hoá-Đơn.VN")
    assert address.local == "kế.toán"
    assert address.domain == "hoá-đơn.vn"
    # Case is kept as written: ASCII labels pass through IDNA unchanged.
    assert address.ascii_domain == "xn--ho-n-6na30aw8a.VN"
    assert str(address) == "kế.toán@Hoá-Đơn.VN"


def test_a_trailing_dot_is_accepted_and_kept() -> None:
    address = Address.parse("ap@customer.example.")
    assert address.domain == "customer.example."
    assert str(address) == "ap@customer.example."


def test_two_ats_put_the_first_in_the_local_part() -> None:
    address = Address.parse('"a@b"@example.com')
    assert address.local == '"a@b"'
    assert address.domain == "example.com"


def test_a_quoted_local_part_without_blanks_is_accepted() -> None:
    assert Address.parse('"billing"@example.com').local == '"billing"'


def test_addresses_are_equal_by_their_parts_and_frozen() -> None:
    assert Address.parse("a@example.com") == Address.parse(" a@example.com ")
    with pytest.raises(AttributeError):
        Address.parse("a@example.com").local = "b"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("billing.example.com", "is not an e-mail address (expected name@domain)"),
        ("", "is not an e-mail address"),
        ("@example.com", "is not an e-mail address"),
        ("billing@", "is not an e-mail address"),
        ("@", "is not an e-mail address"),
        ('"bill ing"@example.com', "is not an e-mail address"),
        ("<billing@example.com>", "is not an e-mail address"),
        ("billing@example.com\r\nRCPT TO:<x@y.z>", "control characters"),
        ("billing@exa\x7fmple.com", "control characters"),
        ("x" * 65 + "@example.com", "longer than 64 characters"),
        ("billing@localhost", "is not a valid domain name"),
        ("billing@-bad.example", "is not a valid domain name"),
        ("billing@exa_mple.com", "is not a valid domain name"),
        ("a@b@", "is not an e-mail address"),
        ("billing@example..com", "is not a valid domain name"),
    ],
)
def test_what_is_not_an_address_is_a_clear_error(text: str, words: str) -> None:
    with pytest.raises(AddressSyntaxError) as caught:
        Address.parse(text, "--sender")
    message = str(caught.value)
    assert message.startswith("--sender: ")
    assert words in message
    # The CLI's one-line exit 3, and a plain ValueError for a library user.
    assert isinstance(caught.value, ConfigError)
    assert isinstance(caught.value, ValueError)


def test_a_local_part_of_exactly_64_characters_is_accepted() -> None:
    assert len(Address.parse("x" * 64 + "@example.com").local) == 64


def test_an_address_as_text_is_the_address_as_given_without_blanks() -> None:
    assert str(Address.parse(" a@Example.com ", "--sender")) == "a@Example.com"
    with pytest.raises(ConfigError, match="--recipient: 'nope' is not an e-mail address"):
        Address.parse("nope", "--recipient")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (587, 587), ("65535", 65535)],
)
def test_ports(value: object, expected: int) -> None:
    assert parse_port(value, "--smtp-port") == expected


@pytest.mark.parametrize("value", ["0", "65536", "-1", "x", "587.0", ""])
def test_bad_ports(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^--smtp-port: .* port number"):
        parse_port(value, "--smtp-port")


def test_seconds() -> None:
    assert parse_seconds("2.5", "--timeout") == 2.5
    assert parse_seconds(3600, "--timeout") == 3600.0
    for bad in ("0", "-1", "3601", "nan", "inf", "soon"):
        with pytest.raises(ConfigError, match=r"^--timeout: "):
            parse_seconds(bad, "--timeout")


def test_sizes() -> None:
    assert parse_size("2M", "--attachment-size") == 2 * 1024 * 1024
    assert parse_size("500k", "--attachment-size") == 500 * 1024
    assert parse_size("2MB", "--attachment-size") == 2 * 1024 * 1024
    assert parse_size(250000, "--attachment-size") == 250000
    assert parse_size(0, "--attachment-size") == 0
    with pytest.raises(ConfigError, match="out of range"):
        parse_size("51M", "--attachment-size")
    with pytest.raises(ConfigError, match="is not a size"):
        parse_size("lots", "--attachment-size")


def test_dns_servers() -> None:
    assert parse_dns_server("192.0.2.1") == ("192.0.2.1", 53)
    assert parse_dns_server(" 192.0.2.1:5353 ") == ("192.0.2.1", 5353)
    assert parse_dns_server("[::1]:5353") == ("::1", 5353)
    assert parse_dns_server("[::1]") == ("::1", 53)
    assert parse_dns_server("::1") == ("::1", 53)
    with pytest.raises(ConfigError, match=r"--dns-server: 'dns.example' is not IP\[:PORT\]"):
        parse_dns_server("dns.example")
    with pytest.raises(ConfigError, match=r"--dns-server: .* port number"):
        parse_dns_server("192.0.2.1:99999")


def test_hosts() -> None:
    assert parse_host(" [2001:db8::1] ") == "2001:db8::1"
    assert parse_host("127.0.0.1") == "127.0.0.1"
    assert parse_host("mail.example.com") == "mail.example.com"
    assert parse_host("localhost") == "localhost"
    with pytest.raises(ConfigError, match="--smtp-host: 'mail example' is not a host name"):
        parse_host("mail example")
    with pytest.raises(ConfigError, match=r"--imap-host: 'bad_\.example' is not a valid domain"):
        parse_host("bad_.example", "--imap-host")


def test_tls_modes_ehlo_and_lang() -> None:
    assert parse_tls_mode("STARTTLS", "--smtp-tls") is TlsMode.STARTTLS
    # Mail clients call implicit TLS "SSL" or "SSL/TLS".
    assert parse_tls_mode("SSL", "--smtp-tls") is TlsMode.TLS
    with pytest.raises(ConfigError, match="--imap-tls: 'tls1' is not one of tls, starttls, none"):
        parse_tls_mode("tls1", "--imap-tls", "tls, starttls, none")
    assert parse_ehlo_name("[192.0.2.1]") == "[192.0.2.1]"
    with pytest.raises(ConfigError, match="--ehlo-name: 'a b' is not a host name"):
        parse_ehlo_name("a b")
    assert parse_lang("VI") == "vi"
    with pytest.raises(ConfigError, match="--lang: 'fr' is not vi or en"):
        parse_lang("fr")


def test_dnsbl_zones_are_normalised_and_deduplicated() -> None:
    from mailcheck.auth.dnsbl import DEFAULT_DNSBLS

    assert parse_dnsbls("Zen.Spamhaus.org.") == ("zen.spamhaus.org",)
    zones = parse_dnsbls(["default", "zen.spamhaus.org", "bl.example"])
    assert zones[: len(DEFAULT_DNSBLS)] == tuple(dict.fromkeys(DEFAULT_DNSBLS))
    assert zones[-1] == "bl.example"
    assert len(zones) == len(set(zones))
    with pytest.raises(ConfigError, match="--dnsbl: 'nodots' is not a valid domain"):
        parse_dnsbls(["nodots"])
