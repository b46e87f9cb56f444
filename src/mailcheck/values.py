"""The value parsers: one option or profile value in, a checked value out.

Each parser takes the text (or TOML value) and ``what`` — the option's name as the
user knows it, e.g. ``--smtp-port`` — and returns the value or raises
:class:`~mailcheck.errors.ConfigError` with a one-line message that starts with
``what``. They do no I/O, so a library user can build settings with them too.

:class:`Address` is the one e-mail address type: it is parsed once, and its parts
are read from it instead of splitting the text again with ``rpartition("@")``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from mailcheck.errors import ConfigError
from mailcheck.settings import TlsMode

__all__ = [
    "TLS_SYNONYMS",
    "Address",
    "AddressSyntaxError",
    "check_domain",
    "parse_dns_server",
    "parse_dnsbls",
    "parse_ehlo_name",
    "parse_host",
    "parse_lang",
    "parse_port",
    "parse_seconds",
    "parse_size",
    "parse_tls_mode",
]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_EHLO = re.compile(r"[A-Za-z0-9.\-\[\]:]{1,255}")


def check_domain(domain: str, what: str) -> None:
    """Raise ConfigError unless ``domain`` is a host name of two labels or more.

    IDN domains are checked in their IDNA (punycode) form; one trailing dot is allowed.
    """
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ConfigError(f"{what}: {domain!r} is not a valid domain name") from None
    labels = ascii_domain.rstrip(".").split(".")
    if len(ascii_domain) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise ConfigError(f"{what}: {domain!r} is not a valid domain name")


class AddressSyntaxError(ConfigError, ValueError):
    """Text that is not an e-mail address (``name@domain``).

    A :class:`~mailcheck.errors.ConfigError`, so the CLI reports it as one line with
    exit 3, and a :class:`ValueError`, as a library user would expect of a parser.
    """


@dataclass(frozen=True, slots=True)
class Address:
    """An e-mail address, checked for shape (syntax only, nothing is looked up).

    Made by :meth:`parse`. The local part is everything before the *last* ``@``
    (so ``"a@b"@example.com`` keeps its quoted ``@``), kept as written; the domain
    must be a host name of two labels or more, IDN allowed.

    >>> a = Address.parse(" Billing@Hoá-Đơn.VN ", "--sender")
    >>> str(a), a.local, a.domain, a.ascii_domain
    ('Billing@Hoá-Đơn.VN', 'Billing', 'hoá-đơn.vn', 'xn--ho-n-6na30aw8a.VN')
    """

    local: str
    """The part before the last ``@``, as written (at most 64 characters)."""
    written_domain: str
    """The part after the last ``@``, as written (case and any trailing dot kept)."""

    @classmethod
    def parse(cls, text: str, what: str = "address") -> Address:
        """Check ``text`` (surrounding blanks stripped); raise :class:`AddressSyntaxError`.

        Refused: control characters (a CR or LF would end an SMTP command or a header),
        blanks and angle brackets anywhere, no ``@``, an empty local part or domain, a
        local part over 64 characters (RFC 5321 4.5.3.1.1), an invalid domain.
        """
        value = text.strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise AddressSyntaxError(
                f"{what}: the address contains control characters (CR, LF, ...)"
            )
        local, at, domain = value.rpartition("@")
        if not at or not local or not domain or " " in value or "<" in value or ">" in value:
            raise AddressSyntaxError(
                f"{what}: {text!r} is not an e-mail address (expected name@domain)"
            )
        if len(local) > 64:
            raise AddressSyntaxError(f"{what}: the part before @ is longer than 64 characters")
        try:
            check_domain(domain, what)
        except ConfigError as exc:
            raise AddressSyntaxError(str(exc)) from None
        return cls(local, domain)

    @classmethod
    def domain_of(cls, text: str) -> str:
        """The lower-cased domain of ``text``, which may not be an address; never raises.

        For an address this is ``Address.parse(text).domain``. Text that is not one
        gives what follows its last ``@`` (all of it when there is none), lower-cased:
        the probes also get addresses no option checked (a hand-built ``Settings``, a
        bare domain), and an unchecked address must not stop a probe that ran before.
        """
        try:
            return cls.parse(text).domain
        except AddressSyntaxError:
            return text.rpartition("@")[2].lower()

    @property
    def domain(self) -> str:
        """The domain lower-cased (a trailing dot kept): for lookups and comparisons."""
        return self.written_domain.lower()

    @property
    def ascii_domain(self) -> str:
        """The domain as written, IDNA-encoded when it is not ASCII (for headers and DNS)."""
        if self.written_domain.isascii():
            return self.written_domain
        return self.written_domain.encode("idna").decode("ascii")

    def __str__(self) -> str:
        """The address as given, without the surrounding blanks."""
        return f"{self.local}@{self.written_domain}"


def parse_host(host: str, what: str = "--smtp-host") -> str:
    """An IP address (brackets removed) or a host name; dotted names are checked as domains."""
    value = host.strip()
    try:
        ipaddress.ip_address(value.strip("[]"))
        return value.strip("[]")
    except ValueError:
        pass
    if any(ord(ch) <= 32 for ch in value) or not value:
        raise ConfigError(f"{what}: {host!r} is not a host name")
    if "." in value:
        check_domain(value, what)
    return value


def parse_dns_server(value: str, what: str = "--dns-server") -> tuple[str, int]:
    """``IP``, ``IP:PORT`` or ``[IPv6]:PORT`` as ``(ip, port)``; the port defaults to 53."""
    text = value.strip()
    port = 53
    if text.startswith("["):  # [::1]:5353
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = parse_port(rest[1:], what)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = parse_port(port_text, what)
    else:
        host = text
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not IP[:PORT]") from None
    return host, port


def parse_port(value: object, what: str) -> int:
    """A TCP port, 1-65535."""
    try:
        port = int(str(value))
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{what}: {port} is not a port number (1-65535)")
    return port


def parse_seconds(value: object, what: str) -> float:
    """A duration in seconds, more than 0 and at most an hour."""
    try:
        seconds = float(str(value))
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a number of seconds") from None
    # NaN fails both comparisons, so it is refused here too.
    if not 0 < seconds <= 3600:
        raise ConfigError(f"{what}: {seconds:g} is out of range (0-3600 seconds)")
    return seconds


def parse_size(value: object, what: str) -> int:
    """``2500000``, ``500k``, ``2M``, ``2MB``: a size in bytes (at most 50 MB)."""
    text = str(value).strip().upper().removesuffix("B")
    factor = 1
    if text and text[-1] in "KM":
        factor = 1024 if text[-1] == "K" else 1024 * 1024
        text = text[:-1]
    try:
        size = int(float(text) * factor)
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a size (e.g. 2M, 500k, 250000)") from None
    if not 0 <= size <= 50 * 1024 * 1024:
        raise ConfigError(f"{what}: {value} is out of range (0 to 50M)")
    return size


#: Other names people give a TLS mode: mail clients call implicit TLS "SSL" (SSL/TLS).
TLS_SYNONYMS = {"ssl": "tls"}


def parse_tls_mode(value: object, what: str, choices: str = "starttls, tls, none") -> TlsMode:
    """A :class:`TlsMode` by its name, any case; ``choices`` lists them in the message.

    ``ssl`` is read as ``tls`` (implicit TLS), the name most mail clients show for it.
    """
    text = str(value).lower()
    text = TLS_SYNONYMS.get(text, text)
    try:
        return TlsMode(text)
    except ValueError:
        raise ConfigError(f"{what}: {text!r} is not one of {choices}") from None


def parse_ehlo_name(value: str, what: str = "--ehlo-name") -> str:
    """The name sent in EHLO: a host name or an address literal, nothing an SMTP line breaks on."""
    if not _EHLO.fullmatch(value):
        raise ConfigError(f"{what}: {value!r} is not a host name")
    return value


def parse_lang(value: str, what: str = "--lang") -> str:
    """``vi`` or ``en``, any case."""
    lang = value.lower()
    if lang not in ("vi", "en"):
        raise ConfigError(f"{what}: {lang!r} is not vi or en")
    return lang


def parse_dnsbls(zones: Any, what: str = "--dnsbl") -> tuple[str, ...]:
    """Blocklist zones (one, or a list); ``default`` and ``all`` stand for sets of the lists
    in ``data/blocklists.toml``.

    Zones are lower-cased without their trailing dot, and each is kept once, in order.
    """
    if isinstance(zones, str):
        zones = [zones]
    out: list[str] = []
    for zone in zones:
        if str(zone).lower() in ("default", "all"):
            # Imported here: the DNSBL module (and its data) only when a set is asked for.
            from mailcheck.auth.dnsbl import ALL_DNSBLS, DEFAULT_DNSBLS

            out.extend(DEFAULT_DNSBLS if str(zone).lower() == "default" else ALL_DNSBLS)
        else:
            check_domain(str(zone).rstrip("."), what)
            out.append(str(zone).rstrip(".").lower())
    return tuple(dict.fromkeys(out))
