"""One header block in, one :class:`HeaderReport` out: the reading every caller shares.

The round trip's header block is wanted by the facts, the timings, the human report
and the sending-IP lookup. :func:`read_headers` parses a block once and hands every
later caller the same (frozen) report.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache

from mailcheck.headers.authres import AR_SOURCES, AuthResult, AuthResultsHeader, read_auth_results
from mailcheck.headers.received import ReceivedHop, read_received
from mailcheck.headers.received import sending_ip as chain_sending_ip
from mailcheck.headers.received import transit_seconds as chain_transit_seconds
from mailcheck.headers.spam import SPAM_READERS, SpamVerdict
from mailcheck.headers.tokens import fields, header_block

# Limits against hostile input (the byte and value limits are in tokens.py). Postfix
# refuses mail after 50 Received headers (hopcount_limit); these leave room for 10,000
# realistic Received lines.
#: Received headers read (the newest ones).
MAX_RECEIVED = 10_000
#: Authentication-Results-like headers read, and spam-filter headers read.
MAX_AUTH_RESULTS = 1_000
MAX_SPAM = 1_000

_WANTED = frozenset({"received", "from", *AR_SOURCES, *SPAM_READERS})


@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderReport:
    """Everything the receiving side said about the message, as plain data."""

    auth_results: tuple[AuthResultsHeader, ...]
    """All Authentication-Results-like headers, in header order (newest first)."""
    spam: tuple[SpamVerdict, ...]
    """One verdict per spam-filter header, in header order."""
    received: tuple[ReceivedHop, ...]
    """In header order: newest (top) first."""
    truncated: bool = False
    """The input or a header value was longer than the limits and was cut."""
    from_address: str | None = None
    """The (first) From header's address, lower case; None without a readable one. The
    domain DMARC aligns with (RFC 7489 section 3.1)."""

    @property
    def from_domain(self) -> str | None:
        """The From address's domain, lower case, without a trailing dot; None without one."""
        if self.from_address is None or "@" not in self.from_address:
            return None
        return self.from_address.rpartition("@")[2].rstrip(".") or None

    def clauses(self, method: str) -> tuple[AuthResult, ...]:
        """Every clause for ``method`` from the receiver's own Authentication-Results
        (the same receiver :meth:`result` reads), in header order.

        A message may carry several DKIM signatures: each has its clause (``header.d``).
        """
        own = [h for h in self.auth_results if h.source == "Authentication-Results"]
        if not own:
            return ()
        receiver = own[0].authserv_id
        wanted = method.lower()
        return tuple(
            clause
            for header in own
            if header.authserv_id == receiver
            for clause in header.results
            if clause.method == wanted
        )

    def result(self, method: str) -> str | None:
        """Return the receiver's result for ``method`` (``spf``, ``dkim``, ``dmarc``), or None.

        Only ``Authentication-Results`` headers count (not ARC copies or originals). The
        receiver is the authserv-id of the newest (top) one; its headers are searched
        newest first and the first clause with that method wins. This covers a Postfix
        box where OpenDKIM, OpenDMARC and policyd-spf each add their own header, while
        older headers from other hosts (the sender's own filters) are ignored.
        """
        own = [h for h in self.auth_results if h.source == "Authentication-Results"]
        if not own:
            return None
        receiver = own[0].authserv_id
        wanted = method.lower()
        for header in own:
            if header.authserv_id != receiver:
                continue
            for clause in header.results:
                if clause.method == wanted:
                    return clause.result
        return None

    @property
    def spam_flagged(self) -> bool | None:
        """True if any verdict says spam, False if some say not-spam and none say spam,
        None if no header says either."""
        said = {verdict.flagged for verdict in self.spam}
        if True in said:
            return True
        if False in said:
            return False
        return None

    @property
    def sending_ip(self) -> str | None:
        """Return the IP the first receiving server outside the sender's submission saw.

        See :func:`mailcheck.headers.received.sending_ip` for the rule and its limits.
        """
        return chain_sending_ip(self.received)

    @property
    def transit_seconds(self) -> float | None:
        """Newest hop timestamp minus oldest hop timestamp, at least 0 (clock skew between
        hosts can make it negative); None with fewer than two readable timestamps."""
        return chain_transit_seconds(self.received)


def read_headers(raw: bytes | bytearray) -> HeaderReport:
    """Parse a raw header block, or a whole message (reading stops at the first empty line).

    ``raw`` may be the ``bytearray`` that aioimaplib returns for ``BODY.PEEK[HEADER]``.

    Never raises on hostile input: the input is cut at MAX_BLOCK_BYTES, each value at
    MAX_VALUE_CHARS, and headers past MAX_RECEIVED, MAX_AUTH_RESULTS and MAX_SPAM are
    dropped (``truncated`` says so); bytes that are not UTF-8 become U+FFFD,
    lines without a colon are skipped, and unreadable dates, numbers and addresses
    become None.

    Parsed once: the same block read again (the header step's text, or the whole
    message it came from) returns the report already made.
    """
    block, truncated = header_block(raw)
    return _read_block(block.decode("utf-8", "replace"), truncated)


# A few blocks: one diagnosis reads one message; a watch loop moves on to the next.
@lru_cache(maxsize=4)
def _read_block(text: str, truncated: bool) -> HeaderReport:
    auth: list[AuthResultsHeader] = []
    spam: list[SpamVerdict] = []
    received: list[ReceivedHop] = []
    sender: str | None = None
    for name, value, cut in fields(text, _WANTED):
        key = name.lower()
        if key == "from":
            if sender is None:
                sender = _address(value)
            continue
        if key == "received":
            if len(received) == MAX_RECEIVED:
                truncated = True
                continue
            received.append(read_received(value))
        elif key in AR_SOURCES:
            if len(auth) == MAX_AUTH_RESULTS:
                truncated = True
                continue
            auth.append(read_auth_results(AR_SOURCES[key], value))
        else:
            if len(spam) == MAX_SPAM:
                truncated = True
                continue
            source, reader = SPAM_READERS[key]
            spam.append(reader(source, value))
        truncated = truncated or cut
    return HeaderReport(
        auth_results=tuple(auth),
        spam=tuple(spam),
        received=tuple(received),
        truncated=truncated,
        from_address=sender,
    )


def _address(value: str) -> str | None:
    """The address of a From value (``"Kế toán" <billing@company.vn>``), lower case."""
    _, address = parseaddr(" ".join(value.split())[:998])
    address = address.strip().lower()
    return address if "@" in address else None
