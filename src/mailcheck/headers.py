"""Read what the receiving side wrote into a delivered message's header block.

After mailcheck's test message arrives, the IMAP probe fetches its header block
(raw bytes). This module turns it into plain data: the receivers' authentication
verdicts (Authentication-Results, RFC 8601; ARC-Authentication-Results, RFC 8617
section 4.1), spam-filter verdicts (SpamAssassin, amavis, rspamd, Microsoft 365 /
Outlook.com, Barracuda, Gmail) and the Received trace (RFC 5321 section 4.4).

It records; it does not judge. Every parsed header keeps its raw value, and
:func:`read_headers` never raises: what it cannot read becomes ``None`` or is left out.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# authres ships no py.typed; it is imported here only, and its objects never leave this module.
# (unused-ignore: the ignore stays valid once pyproject gets a mypy override for authres.)
import authres.core  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "AuthResult",
    "AuthResultsHeader",
    "HeaderReport",
    "ReceivedHop",
    "SpamVerdict",
    "read_headers",
]

# Limits against hostile input; what goes past one is dropped and ``truncated`` is set.
# A real header block is under 100 KB, and Postfix refuses mail after 50 Received
# headers (hopcount_limit); these leave room for 10,000 realistic Received lines.
#: Bytes of the input looked at.
MAX_BLOCK_BYTES = 4 * 1024 * 1024
#: Characters kept of one header value (unfolded).
MAX_VALUE_CHARS = 16 * 1024
#: Received headers read (the newest ones).
MAX_RECEIVED = 10_000
#: Authentication-Results-like headers read, and spam-filter headers read.
MAX_AUTH_RESULTS = 1_000
MAX_SPAM = 1_000
#: authres copies the rest of the text at every token (quadratic) and recurses into
#: nested comments: longer values, and headers past the first few, go to our own reader.
AUTHRES_MAX_CHARS = 4096
AUTHRES_MAX_HEADERS = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResult:
    """One ``method=result`` clause of an Authentication-Results header (RFC 8601 section 2.2)."""

    method: str
    """Lower case: ``spf``, ``dkim``, ``dmarc``, ``arc``, ``auth``, ``compauth``, ..."""
    result: str
    """Lower case: ``pass``, ``fail``, ``softfail``, ``neutral``, ``none``, ``temperror``, ..."""
    reason: str | None
    """The ``reason=`` value, unquoted (Microsoft's ``compauth=fail reason=001``)."""
    properties: tuple[tuple[str, str], ...]
    """``(("smtp.mailfrom", "a@b.vn"), ("header.d", "b.vn"), ...)`` in header order; keys
    lower case, values verbatim (quoted strings unquoted). Non-standard keys without a
    ptype, such as Microsoft's ``action``, are kept only from headers authres rejects."""
    comment: str | None = None
    """The comment right after the result, whitespace collapsed: Gmail's "google.com: domain
    of ... designates 203.0.113.7 as permitted sender", Microsoft's "sender IP is ..."."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResultsHeader:
    """One Authentication-Results (or ARC-/original) header."""

    authserv_id: str
    """Who wrote it, lower case (``mx.google.com``); ``""`` when the header has none
    (Microsoft 365 and Outlook.com write none)."""
    results: tuple[AuthResult, ...]
    """In header order; empty for ``none``."""
    raw: str
    """The header value, unfolded, otherwise verbatim (cut at MAX_VALUE_CHARS)."""
    source: str
    """``Authentication-Results``, ``ARC-Authentication-Results``,
    ``Authentication-Results-Original`` or ``X-Original-Authentication-Results``."""
    arc_instance: int | None = None
    """ARC-Authentication-Results only: the ``i=`` instance (1 = first ARC hop)."""
    parser: str = "authres"
    """``authres`` when authres accepted the header in strict mode (our reader then adds
    only the comments), ``tolerant`` when it did not (non-conforming, malformed, too long)
    and our own reader produced the results."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpamVerdict:
    """What one spam-filter header says."""

    source: str
    """Canonical header name: ``X-Spam-Status``, ``X-Spamd-Result``,
    ``X-MS-Exchange-Organization-SCL``, ``X-Microsoft-Antispam-Mailbox-Delivery``, ..."""
    flagged: bool | None
    """The filter said spam (True), not spam (False), or this header does not say (None)."""
    score: float | None
    threshold: float | None
    tests: tuple[str, ...]
    """Rule names when the header lists them: SpamAssassin, amavis and Barracuda tests,
    rspamd symbols."""
    raw: str
    details: tuple[tuple[str, str], ...] = ()
    """Other ``key=value`` / ``KEY:value`` items the header carries, verbatim: Microsoft's
    ``SFV``, ``CAT``, ``CIP``, ``dest``, ``RF``; SpamAssassin's ``autolearn``, ``version``."""


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

        Rule: walk the hops oldest first and take the ``from_ip`` of the first hop that
        (a) has one, (b) is not a submission or local-delivery hop (ESMTPA, ESMTPSA,
        LMTP and their variants, HTTP(S), MAPI: those show the user's client or the
        mailbox store), and (c) whose IP is not loopback, RFC 1918, CGNAT, link-local or
        ULA (a sender's LAN relay without AUTH, a content filter re-injecting on
        127.0.0.1). If no hop qualifies, fall back to the oldest from_ip that is not
        internal, whatever its protocol. None if there is none.

        Limits: Received headers are not authenticated and some relays hide hops. When
        both sender and receiver are on the same provider (Microsoft 365 to Microsoft
        365), the oldest public hop can be the provider's internal server; the
        receiver's own words (the ``spf`` comment "sender IP is ...", Received-SPF
        ``client-ip=``) are then the better witness.
        """
        public = [
            hop
            for hop in reversed(self.received)
            if hop.from_ip is not None and not _is_internal(hop.from_ip)
        ]
        for hop in public:
            if (hop.with_protocol or "").upper() not in _SUBMISSION_PROTOCOLS:
                return hop.from_ip
        return public[0].from_ip if public else None

    @property
    def transit_seconds(self) -> float | None:
        """Newest hop timestamp minus oldest hop timestamp, at least 0 (clock skew between
        hosts can make it negative); None with fewer than two readable timestamps."""
        stamps = [hop.timestamp for hop in self.received if hop.timestamp is not None]
        if len(stamps) < 2:
            return None
        return max(0.0, (stamps[0] - stamps[-1]).total_seconds())


def read_headers(raw: bytes | bytearray) -> HeaderReport:
    """Parse a raw header block, or a whole message (reading stops at the first empty line).

    ``raw`` may be the ``bytearray`` that aioimaplib returns for ``BODY.PEEK[HEADER]``.

    Never raises on hostile input: the input is cut at MAX_BLOCK_BYTES, each value at
    MAX_VALUE_CHARS, and headers past MAX_RECEIVED, MAX_AUTH_RESULTS and MAX_SPAM are
    dropped (``truncated`` says so); bytes that are not UTF-8 become U+FFFD,
    lines without a colon are skipped, and unreadable dates, numbers and addresses
    become None.
    """
    block, truncated = _header_block(raw)
    text = block.decode("utf-8", "replace")
    auth: list[AuthResultsHeader] = []
    spam: list[SpamVerdict] = []
    received: list[ReceivedHop] = []
    authres_budget = AUTHRES_MAX_HEADERS
    for name, value, cut in _fields(text):
        key = name.lower()
        if key == "received":
            if len(received) == MAX_RECEIVED:
                truncated = True
                continue
            received.append(_read_received(value))
        elif key in _AR_SOURCES:
            if len(auth) == MAX_AUTH_RESULTS:
                truncated = True
                continue
            use_authres = authres_budget > 0 and len(value) <= AUTHRES_MAX_CHARS
            if use_authres:
                authres_budget -= 1
            auth.append(_read_auth_results(_AR_SOURCES[key], value, use_authres=use_authres))
        else:
            if len(spam) == MAX_SPAM:
                truncated = True
                continue
            source, reader = _SPAM_READERS[key]
            spam.append(reader(source, value))
        truncated = truncated or cut
    return HeaderReport(
        auth_results=tuple(auth),
        spam=tuple(spam),
        received=tuple(received),
        truncated=truncated,
    )


# --- the header block -------------------------------------------------------------------

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _header_block(raw: bytes | bytearray) -> tuple[bytes, bool]:
    """The bytes before the first empty line, and whether they were cut."""
    head = bytes(raw[:MAX_BLOCK_BYTES])
    if head.startswith((b"\n", b"\r\n")):
        return b"", False
    end = _BLANK_LINE.search(head)
    if end is not None:
        return head[: end.start()], False
    return head, len(raw) > MAX_BLOCK_BYTES


def _fields(text: str) -> Iterator[tuple[str, str, bool]]:
    """Yield ``(name, unfolded value, cut)`` for the header fields this module reads.

    Unfolding removes the line breaks before continuation lines and keeps their
    whitespace (RFC 5322 section 2.2.3). Lines without a colon, and continuation lines
    that belong to no field, are skipped.
    """
    name: str | None = None
    parts: list[str] = []
    size = 0
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if line[:1] in (" ", "\t"):
            if name is not None and size <= MAX_VALUE_CHARS:
                parts.append(line)
                size += len(line)
            continue
        if name is not None:
            yield name, _join_value(parts), size > MAX_VALUE_CHARS
        name, parts, size = None, [], 0
        colon = line.find(":")
        if colon <= 0:
            continue
        field = line[:colon].rstrip(" \t")
        if field.lower() not in _WANTED:
            continue
        name = field
        parts = [line[colon + 1 : colon + 2 + MAX_VALUE_CHARS]]
        size = len(line) - colon - 1
    if name is not None:
        yield name, _join_value(parts), size > MAX_VALUE_CHARS


def _join_value(parts: list[str]) -> str:
    return "".join(parts)[:MAX_VALUE_CHARS].strip(" \t")


# --- tokens: words, comments, quoted strings --------------------------------------------

_WHITESPACE = frozenset(" \t\r\n")
_WHITESPACE_RUN = re.compile(r"[ \t\r\n]+")
_CTEXT_RUN = re.compile(r"[^()\\]+")
_QTEXT_RUN = re.compile(r'[^"\\]+')
_AR_WORD = re.compile(r'[^\s;=()"]+')
_RECEIVED_WORD = re.compile(r"[^\s()]+")


def _tokens(text: str, word: re.Pattern[str], *, structured: bool) -> list[tuple[str, str]]:
    """Split ``text`` into ``(kind, text)``: kinds ``word``, ``comment``, and with
    ``structured`` also ``quoted``, ``;`` and ``=``.

    Comments nest (RFC 5322 section 3.2.2). An unterminated comment or quoted string
    runs to the end of the text. Linear in the length; no recursion.
    """
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE:
            space = _WHITESPACE_RUN.match(text, i)
            i = space.end() if space is not None else i + 1
        elif char == "(":
            i, body = _scan_comment(text, i)
            tokens.append(("comment", " ".join(body.split())))
        elif structured and char == '"':
            i, body = _scan_quoted(text, i)
            at = word.match(text, i) if text.startswith("@", i) else None
            if at is not None:  # "local part"@domain, as authres returns it
                tokens.append(("word", f'"{body}"{at.group()}'))
                i = at.end()
            else:
                tokens.append(("quoted", body))
        elif structured and char in ";=":
            tokens.append((char, char))
            i += 1
        else:
            match = word.match(text, i)
            if match is None:  # a stray ")" or quote
                i += 1
            else:
                tokens.append(("word", match.group()))
                i = match.end()
    return tokens


def _scan_comment(text: str, start: int) -> tuple[int, str]:
    depth = 0
    i, n = start, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1, text[start + 1 : i]
        else:
            run = _CTEXT_RUN.match(text, i)
            i = run.end() if run is not None else i + 1
            continue
        i += 1
    return n, text[start + 1 :]


def _scan_quoted(text: str, start: int) -> tuple[int, str]:
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            return i + 1, "".join(out)
        if char == "\\":
            out.append(text[i + 1 : i + 2])
            i += 2
            continue
        run = _QTEXT_RUN.match(text, i)
        if run is None:
            break
        out.append(run.group())
        i = run.end()
    return n, "".join(out)


# --- Authentication-Results -------------------------------------------------------------

_AR_SOURCES = {
    "authentication-results": "Authentication-Results",
    "arc-authentication-results": "ARC-Authentication-Results",
    "authentication-results-original": "Authentication-Results-Original",
    "x-original-authentication-results": "X-Original-Authentication-Results",
}

# A word that starts a new clause even without a ";" before it (malformed headers).
_KNOWN_METHODS = frozenset(
    {
        "arc",
        "auth",
        "bimi",
        "compauth",
        "dara",
        "dkim",
        "dkim-adsp",
        "dkim-atps",
        "dmarc",
        "domainkeys",
        "iprev",
        "rrvs",
        "sender-id",
        "smime",
        "spf",
        "vbr",
    }
)

# RFC 8617 section 4.1.1: ARC-Authentication-Results starts with "i=N;".
_ARC_INSTANCE = re.compile(r"\s*i\s*=\s*(\d{1,6})\s*;")


# authres/__init__.py shadows this class with a simpler API (no feature context): use core's.
class _StrictAuthResHeader(authres.core.AuthenticationResultsHeader):  # type: ignore[misc]
    """authres's header that raises on a bad property instead of dropping it silently.

    (The ignore: mypy --strict refuses a subclass of an untyped class.)
    """

    def __init__(self, feature_context: object) -> None:
        super().__init__(feature_context, strict=True)


_AUTHRES_FEATURES = authres.core_features()


def _read_auth_results(source: str, value: str, *, use_authres: bool) -> AuthResultsHeader:
    body, instance = value, None
    if source == "ARC-Authentication-Results":
        tag = _ARC_INSTANCE.match(value)
        if tag is not None:
            body, instance = value[tag.end() :], int(tag.group(1))
    own_id, own_results = _read_ar_tolerant(body)
    strict = _read_ar_authres(body) if use_authres else None
    if strict is None:
        return AuthResultsHeader(
            authserv_id=own_id,
            results=tuple(own_results),
            raw=value,
            source=source,
            arc_instance=instance,
            parser="tolerant",
        )
    authserv_id, results = strict
    # authres drops comments; take each from our reading of the same clause.
    for index, (clause, own) in enumerate(zip(results, own_results, strict=False)):
        if (own.method, own.result) == (clause.method, clause.result):
            results[index] = replace(clause, comment=own.comment)
    return AuthResultsHeader(
        authserv_id=authserv_id,
        results=tuple(results),
        raw=value,
        source=source,
        arc_instance=instance,
        parser="authres",
    )


def _read_ar_authres(value: str) -> tuple[str, list[AuthResult]] | None:
    """authres's reading in strict mode, or None if it rejects the header."""
    try:
        header = _StrictAuthResHeader.parse_value(_AUTHRES_FEATURES, value)
        results = [
            AuthResult(
                method=str(clause.method),
                result=str(clause.result),
                reason=None if clause.reason is None else str(clause.reason),
                properties=tuple(
                    (f"{prop.type}.{prop.name}", "" if prop.value is None else str(prop.value))
                    for prop in clause.properties
                ),
            )
            for clause in header.results
            if isinstance(clause, authres.core.AuthenticationResult)
        ]
        return str(header.authserv_id or ""), results
    # A third-party parser on hostile input (its SyntaxError, RecursionError on nested
    # comments, ...): any failure only means "read it ourselves".
    except Exception:  # noqa: BLE001
        return None


@dataclass(slots=True)
class _Clause:
    method: str
    result: str
    reason: str | None = None
    comment: str | None = None
    properties: list[tuple[str, str]] = field(default_factory=list)

    def add_comment(self, text: str) -> None:
        # Only a comment right after the result is the clause's; later ones belong to
        # the reason or a property.
        if text and self.reason is None and not self.properties:
            self.comment = text if self.comment is None else f"{self.comment} {text}"

    def freeze(self) -> AuthResult:
        return AuthResult(
            method=self.method,
            result=self.result,
            reason=self.reason,
            properties=tuple(self.properties),
            comment=self.comment,
        )


def _read_ar_tolerant(value: str) -> tuple[str, list[AuthResult]]:
    """Our own reading: ``authserv-id; method=result (comment) key=value ...; ...``.

    Tolerates a missing authserv-id (Microsoft), properties without a ptype
    (``action=quarantine``), a missing ``;`` before a known method, and unterminated
    comments or quotes.
    """
    segments: list[list[tuple[str, str]]] = [[]]
    for token in _tokens(value, _AR_WORD, structured=True):
        if token[0] == ";":
            segments.append([])
        else:
            segments[-1].append(token)
    authserv_id = ""
    if not any(kind == "=" for kind, _ in segments[0]):
        words = [text for kind, text in segments[0] if kind == "word"]
        authserv_id = words[0].lower() if words else ""
        segments = segments[1:]
    results: list[AuthResult] = []
    for segment in segments:
        results.extend(clause.freeze() for clause in _read_resinfo(segment))
    return authserv_id, results


def _read_resinfo(tokens: list[tuple[str, str]]) -> list[_Clause]:
    clauses: list[_Clause] = []
    current: _Clause | None = None
    first = True
    i, n = 0, len(tokens)
    while i < n:
        kind, text = tokens[i]
        if kind == "word" and i + 1 < n and tokens[i + 1][0] == "=":
            key = text.lower()
            i += 2
            pvalue = ""
            if i < n and tokens[i][0] in ("word", "quoted"):
                pvalue = tokens[i][1]
                i += 1
            method = key.split("/", 1)[0]  # "dkim/1=pass": a method version (RFC 8601 2.2)
            if first or ("." not in key and method in _KNOWN_METHODS):
                # A clause without a result says nothing; its properties are dropped too.
                current = _Clause(method=method, result=pvalue.lower()) if pvalue else None
                if current is not None:
                    clauses.append(current)
                first = False
            elif current is None:
                pass
            elif key == "reason" and current.reason is None and not current.properties:
                current.reason = pvalue
            else:
                current.properties.append((key, pvalue))
            continue
        if kind == "comment" and current is not None:
            current.add_comment(text)
        i += 1
    return clauses


# --- spam verdicts ----------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?\d{1,9}(?:\.\d{1,9})?")
_YES = frozenset({"yes", "true", "1", "spam"})
_NO = frozenset({"no", "false", "0", "ham"})


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    match = _NUMBER.search(text)
    return float(match.group()) if match is not None else None


def _yes_no(text: str) -> bool | None:
    words = text.replace(",", " ").split(maxsplit=1)
    if not words:
        return None
    word = words[0].lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def _key_values(text: str) -> list[tuple[str, str]]:
    """``key=value`` words of a SpamAssassin-style line, in order; the items of an amavis
    ``tests=[A=0.1, B=-0.1]`` list are rules, not fields, and are left out."""
    pairs = []
    in_list = False
    for word in text.split():
        if in_list:
            in_list = "]" not in word
            continue
        key, sep, val = word.partition("=")
        if sep and key and key.replace("_", "").replace("-", "").isalnum():
            pairs.append((key, val.rstrip(",")))
            in_list = val.startswith("[") and "]" not in val
    return pairs


def _tests_list(text: str) -> tuple[str, ...]:
    """Rule names after ``tests=``: ``A,B,\\n\\tC`` (SpamAssassin, folded), ``A, B``
    (Barracuda) or ``[A=0.1, B=-0.1]`` (amavis), up to the next ``key=`` word."""
    start = text.lower().find("tests=")
    if start < 0:
        return ()
    tail = text[start + len("tests=") :]
    if tail.startswith("["):
        close = tail.find("]")
        items = (tail[1:close] if close >= 0 else tail[1:]).split(",")
        names = (item.split("=", 1)[0].strip() for item in items)
    else:
        words: list[str] = []
        for word in tail.split():
            if words and "=" in word:
                break
            words.append(word)
        names = (name.strip() for name in ",".join(words).split(","))
    return tuple(name for name in names if name and name != "none")


def _spamassassin_status(source: str, value: str) -> SpamVerdict:
    # "Yes, score=7.5 required=5.0 tests=... autolearn=no version=3.4.6" (SpamAssassin)
    # "No, score=-0.1 tagged_above=-999 required=5 tests=[...] autolearn=ham" (amavis)
    # "Yes, score=12.50" (rspamd milter_headers); older versions write hits= for score.
    pairs = _key_values(value)
    fields = {key.lower(): val for key, val in pairs}
    return SpamVerdict(
        source=source,
        flagged=_yes_no(value),
        score=_number(fields.get("score", fields.get("hits"))),
        threshold=_number(fields.get("required")),
        tests=_tests_list(value),
        raw=value,
        details=tuple((key, val) for key, val in pairs if key.lower() != "tests"),
    )


def _flag(source: str, value: str) -> SpamVerdict:
    # X-Spam-Flag: YES, X-Spam: yes, X-Barracuda-Spam-Flag: YES, X-Gm-Spam: 0 ...
    return SpamVerdict(
        source=source, flagged=_yes_no(value), score=None, threshold=None, tests=(), raw=value
    )


def _score(source: str, value: str) -> SpamVerdict:
    # X-Spam-Score: 7.5, X-Barracuda-Spam-Score: 7.20
    return SpamVerdict(
        source=source, flagged=None, score=_number(value), threshold=None, tests=(), raw=value
    )


def _spam_level(source: str, value: str) -> SpamVerdict:
    # One "*" per whole point; empty below 1 (SpamAssassin's X-Spam-Level).
    stars = value.strip()
    score = float(len(stars)) if stars.strip("*") == "" else None
    return SpamVerdict(
        source=source, flagged=None, score=score, threshold=None, tests=(), raw=value
    )


_RSPAMD_HEAD = re.compile(
    r"\s*[\w-]{1,64}\s*:\s*(true|false)\s*\[\s*([-+]?\d{1,9}(?:\.\d{1,9})?)\s*/"
    r"\s*([-+]?\d{1,9}(?:\.\d{1,9})?)\s*\]",
    re.IGNORECASE,
)
_RSPAMD_SYMBOL = re.compile(r";\s*([A-Za-z0-9_]{1,128})\s*\(\s*[-+]?\d")


def _rspamd_result(source: str, value: str) -> SpamVerdict:
    # "default: False [7.40 / 15.00]; BAYES_SPAM(5.10)[99.99%]; ..." The boolean is
    # rspamd's is_spam: score at the *reject* threshold, the number after "/". A lower
    # "add header" action shows as X-Spam: Yes, a verdict of its own.
    head = _RSPAMD_HEAD.match(value)
    return SpamVerdict(
        source=source,
        flagged=None if head is None else head.group(1).lower() == "true",
        score=None if head is None else float(head.group(2)),
        threshold=None if head is None else float(head.group(3)),
        tests=tuple(match.group(1) for match in _RSPAMD_SYMBOL.finditer(value)),
        raw=value,
    )


def _ms_pairs(value: str) -> list[tuple[str, str]]:
    """Microsoft's ``KEY:value;KEY:value;`` lists."""
    pairs = []
    for item in value.split(";"):
        key, sep, val = item.partition(":")
        if sep and key.strip():
            pairs.append((key.strip(), val.strip()))
    return pairs


# Microsoft's spam filtering verdict (SFV) values, from its anti-spam message headers page.
_SFV_SPAM = frozenset({"SPM", "SKS", "SKB", "BLK"})
_SFV_NOT_SPAM = frozenset({"NSPM", "SFE", "SKA", "SKI", "SKN", "SKQ"})
_SCL_JUNK = 5.0  # SCL 5-9: spam, delivered to Junk; -1: filtering bypassed; 0-4: not spam


def _ms_scl(source: str, value: str) -> SpamVerdict:
    scl = _number(value.split(";", 1)[0])
    return SpamVerdict(
        source=source,
        flagged=None if scl is None else scl >= _SCL_JUNK,
        score=scl,
        threshold=None if scl is None else _SCL_JUNK,
        tests=(),
        raw=value,
    )


def _ms_antispam(source: str, value: str) -> SpamVerdict:
    # "BCL:0;ARA:...": the bulk complaint level (0-9), not a spam verdict.
    pairs = _ms_pairs(value)
    fields = {key.upper(): val for key, val in pairs}
    return SpamVerdict(
        source=source,
        flagged=None,
        score=_number(fields.get("BCL")),
        threshold=None,
        tests=(),
        raw=value,
        details=tuple(pairs),
    )


def _ms_forefront(source: str, value: str) -> SpamVerdict:
    # "CIP:203.0.113.7;CTRY:VN;...;SCL:5;...;SFV:SPM;...;CAT:SPM;..."
    pairs = _ms_pairs(value)
    fields = {key.upper(): val for key, val in pairs}
    sfv = fields.get("SFV", "").upper()
    scl = _number(fields.get("SCL"))
    flagged: bool | None
    if sfv in _SFV_SPAM:
        flagged = True
    elif sfv in _SFV_NOT_SPAM:
        flagged = False
    else:
        flagged = None if scl is None else scl >= _SCL_JUNK
    return SpamVerdict(
        source=source,
        flagged=flagged,
        score=scl,
        threshold=None if scl is None else _SCL_JUNK,
        tests=(),
        raw=value,
        details=tuple(pairs),
    )


def _ms_mailbox_delivery(source: str, value: str) -> SpamVerdict:
    # "ucf:0;jmr:0;auth:0;dest:J;OFR:SpamFilterAuthJ;...;RF:JunkEmail;"
    # dest:I = Inbox, dest:J = Junk Email; other folders say nothing about spam.
    pairs = _ms_pairs(value)
    fields = {key.lower(): val for key, val in pairs}
    dest = fields.get("dest", "").upper()
    flagged: bool | None = {"J": True, "I": False}.get(dest)
    if flagged is None and fields.get("rf", "").lower() == "junkemail":
        flagged = True
    return SpamVerdict(
        source=source,
        flagged=flagged,
        score=None,
        threshold=None,
        tests=(),
        raw=value,
        details=tuple(pairs),
    )


def _barracuda_status(source: str, value: str) -> SpamVerdict:
    # "Yes, SCORE=7.20 using global scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=1000.0
    #  KILL_LEVEL=9.0 tests=BSF_SC0_MISMATCH_TO, HTML_MESSAGE". Yes = at TAG_LEVEL.
    pairs = _key_values(value)
    fields = {key.upper(): val for key, val in pairs}
    return SpamVerdict(
        source=source,
        flagged=_yes_no(value),
        score=_number(fields.get("SCORE")),
        threshold=_number(fields.get("TAG_LEVEL")),
        tests=_tests_list(value),
        raw=value,
        details=tuple((key, val) for key, val in pairs if key.lower() != "tests"),
    )


_SPAM_READERS: dict[str, tuple[str, Callable[[str, str], SpamVerdict]]] = {
    name.lower(): (name, reader)
    for name, reader in (
        ("X-Spam-Flag", _flag),
        ("X-Spam-Status", _spamassassin_status),
        ("X-Spam-Score", _score),
        ("X-Spam-Level", _spam_level),
        ("X-Spam", _flag),
        ("X-Spamd-Result", _rspamd_result),
        ("X-MS-Exchange-Organization-SCL", _ms_scl),
        ("X-Microsoft-Antispam", _ms_antispam),
        ("X-Forefront-Antispam-Report", _ms_forefront),
        ("X-Microsoft-Antispam-Mailbox-Delivery", _ms_mailbox_delivery),
        ("X-Barracuda-Spam-Status", _barracuda_status),
        ("X-Barracuda-Spam-Score", _score),
        ("X-Barracuda-Spam-Flag", _flag),
        ("X-Gm-Spam", _flag),
        ("X-Gm-Phishy", _flag),
    )
}

_WANTED = frozenset({"received", *_AR_SOURCES, *_SPAM_READERS})


# --- Received ---------------------------------------------------------------------------

_RECEIVED_KEYWORDS = frozenset({"from", "by", "via", "with", "id", "for"})
_HELO = re.compile(r"\b[eh]elo=\S*", re.IGNORECASE)
_BRACKETED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]", re.IGNORECASE)


def _read_received(value: str) -> ReceivedHop:
    clauses_text, semicolon, date_text = value.rpartition(";")
    if not semicolon:
        clauses_text, date_text = value, ""
    clauses: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for kind, text in _tokens(clauses_text, _RECEIVED_WORD, structured=False):
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


def _first_word(clause: list[tuple[str, str]]) -> str | None:
    return next((text for kind, text in clause if kind == "word"), None)


def _protocol(clause: list[tuple[str, str]]) -> str | None:
    words: list[str] = []
    for kind, text in clause:
        if kind != "word":
            break
        words.append(text)
    if not words:
        return None
    return words[0].upper() if len(words) == 1 else " ".join(words)


def _from_ip(clause: list[tuple[str, str]]) -> str | None:
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
