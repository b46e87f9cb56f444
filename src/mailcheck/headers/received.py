"""The Received trace (RFC 5321 section 4.4): one :class:`ReceivedHop` per header, and
what the chain says: the IP that sent the message and its time in transit."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from mailcheck.headers.tokens import Token, tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceivedHop:
    """One Received header (RFC 5321 section 4.4)."""

    from_host: str | None
    """The first word of the ``from`` clause, verbatim: the HELO name, or an address
    literal such as ``[192.168.1.20]``."""
    from_ip: str | None
    """The connecting IP, normalised (``2001:db8::1``): from ``[...]`` in the from clause's
    comment, else a bare IP there (Microsoft ``(2603:...)``, qmail), else the from word."""
    by_host: str | None
    with_protocol: str | None
    """One word is upper-cased (``esmtps`` -> ``ESMTPS``); several words up to the first
    comment are kept as written (Microsoft's ``Microsoft SMTP Server``)."""
    timestamp: datetime | None
    """Timezone-aware, from the part after the last ``;``; a date without a usable zone
    (``-0000``, none) is taken as UTC; an unreadable date is None."""
    raw: str


# Protocols that mean "the sender's own client handed it in" or "local delivery", not a
# server-to-server relay: RFC 3848 and RFC 6531 "with" keywords, plus webmail and MAPI.
_SUBMISSION_PROTOCOLS = frozenset(
    {
        "ESMTPA",
        "ESMTPSA",
        "UTF8SMTPA",
        "UTF8SMTPSA",
        "LMTP",
        "LMTPA",
        "LMTPS",
        "LMTPSA",
        "UTF8LMTP",
        "UTF8LMTPA",
        "UTF8LMTPS",
        "UTF8LMTPSA",
        "HTTP",
        "HTTPS",
        "MAPI",
        "LOCAL",
    }
)

# Addresses that never reach a receiver on the Internet. The documentation ranges
# (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) are deliberately not here:
# they stand in for public addresses in fixtures and examples.
_INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


def sending_ip(hops: Sequence[ReceivedHop]) -> str | None:
    """Return the IP the first receiving server outside the sender's submission saw.

    ``hops`` are in header order (newest first). Rule: walk the hops oldest first and
    take the ``from_ip`` of the first hop that (a) has one, (b) is not a submission or
    local-delivery hop (ESMTPA, ESMTPSA, LMTP and their variants, HTTP(S), MAPI: those
    show the user's client or the mailbox store), and (c) whose IP is not loopback,
    RFC 1918, CGNAT, link-local or ULA (a sender's LAN relay without AUTH, a content
    filter re-injecting on 127.0.0.1). If no hop qualifies, fall back to the oldest
    from_ip that is not internal, whatever its protocol. None if there is none.

    Limits: Received headers are not authenticated and some relays hide hops. When
    both sender and receiver are on the same provider (Microsoft 365 to Microsoft
    365), the oldest public hop can be the provider's internal server; the
    receiver's own words (the ``spf`` comment "sender IP is ...", Received-SPF
    ``client-ip=``) are then the better witness.
    """
    public = [
        hop for hop in reversed(hops) if hop.from_ip is not None and not _is_internal(hop.from_ip)
    ]
    for hop in public:
        if (hop.with_protocol or "").upper() not in _SUBMISSION_PROTOCOLS:
            return hop.from_ip
    return public[0].from_ip if public else None


def transit_seconds(hops: Sequence[ReceivedHop]) -> float | None:
    """Newest hop timestamp minus oldest hop timestamp, at least 0 (clock skew between
    hosts can make it negative); None with fewer than two readable timestamps."""
    stamps = [hop.timestamp for hop in hops if hop.timestamp is not None]
    if len(stamps) < 2:
        return None
    return max(0.0, (stamps[0] - stamps[-1]).total_seconds())


_RECEIVED_KEYWORDS = frozenset({"from", "by", "via", "with", "id", "for"})
_RECEIVED_WORD = re.compile(r"[^\s()]+")
_HELO = re.compile(r"\b[eh]elo=\S*", re.IGNORECASE)
_BRACKETED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]", re.IGNORECASE)


def read_received(value: str) -> ReceivedHop:
    """Read one Received header's unfolded value; what cannot be read is None."""
    clauses_text, semicolon, date_text = value.rpartition(";")
    if not semicolon:
        clauses_text, date_text = value, ""
    clauses: dict[str, list[Token]] = {}
    current: list[Token] | None = None
    for kind, text in tokens(clauses_text, _RECEIVED_WORD, structured=False):
        if kind == "word" and text.lower() in _RECEIVED_KEYWORDS and text.lower() not in clauses:
            current = clauses[text.lower()] = []
        elif current is not None:
            current.append((kind, text))
    from_clause = clauses.get("from", [])
    return ReceivedHop(
        from_host=_first_word(from_clause),
        from_ip=_from_ip(from_clause),
        by_host=_first_word(clauses.get("by", [])),
        with_protocol=_protocol(clauses.get("with", [])),
        timestamp=_parse_date(date_text),
        raw=value,
    )


def _first_word(clause: list[Token]) -> str | None:
    return next((text for kind, text in clause if kind == "word"), None)


def _protocol(clause: list[Token]) -> str | None:
    words: list[str] = []
    for kind, text in clause:
        if kind != "word":
            break
        words.append(text)
    if not words:
        return None
    return words[0].upper() if len(words) == 1 else " ".join(words)


def _from_ip(clause: list[Token]) -> str | None:
    # What the client claimed is not what the receiver saw: drop Exim's "helo=[192.0.2.1]".
    comments = [_HELO.sub("", text) for kind, text in clause if kind == "comment"]
    # The TCP-info in brackets is what the receiver saw ("(host [203.0.113.7])", Postfix,
    # Sendmail, Gmail, Exim "([203.0.113.7]:41234 helo=...)").
    for comment in comments:
        for match in _BRACKETED_IP.finditer(comment):
            if (ip := _ip(match.group(1))) is not None:
                return ip
    # Microsoft writes "(2603:1096:4:1::12)" and qmail "(203.0.113.7)" without brackets;
    # qmail's "(HELO name)" is what the client claimed, not what was seen.
    for comment in comments:
        words = comment.split()
        if words and words[0].upper() in ("HELO", "EHLO"):
            continue
        for word in words:
            if (ip := _ip(word.strip("[](),;"))) is not None:
                return ip
    # Exim without reverse DNS: "from [203.0.113.7] (helo=...)".
    first = _first_word(clause)
    return None if first is None else _ip(first.strip("[]"))


def _ip(text: str) -> str | None:
    if text[:5].lower() == "ipv6:":
        text = text[5:]
    if not 2 <= len(text) <= 45:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _is_internal(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _INTERNAL_NETWORKS)


def _parse_date(text: str) -> datetime | None:
    text = text.strip()
    if not text or len(text) > 200:
        return None
    try:
        stamp = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" (RFC 5322 section 3.3) or no usable zone: the best reading is UTC.
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)
