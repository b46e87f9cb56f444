"""Authentication-Results (RFC 8601) and ARC-Authentication-Results (RFC 8617 section 4.1).

One reader, our own: linear in the length, without recursion, and tolerant of what
receivers really write (a missing authserv-id, properties without a ptype, a missing
``;`` before a known method, unterminated comments or quotes). On every header that
RFC 8601's grammar accepts it reads what the ``authres`` library reads in strict mode;
the tests keep authres as the oracle that checks this (it is not a run-time dependency:
it is quadratic on long values and rejects the non-conforming headers we must read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailcheck.headers.tokens import Token, tokens


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthResult:
    """One ``method=result`` clause of an Authentication-Results header (RFC 8601 section 2.2)."""

    method: str
    """Lower case: ``spf``, ``dkim``, ``dmarc``, ``arc``, ``auth``, ``compauth``, ..."""
    result: str
    """Lower case: ``pass``, ``fail``, ``softfail``, ``neutral``, ``none``, ``temperror``, ..."""
    reason: str | None
    """The ``reason=`` value, unquoted, quoted pairs kept (Microsoft's ``compauth=fail
    reason=001``)."""
    properties: tuple[tuple[str, str], ...]
    """``(("smtp.mailfrom", "a@b.vn"), ("header.d", "b.vn"), ...)`` in header order; keys
    lower case, values verbatim (quoted strings unquoted, their quoted pairs kept as
    authres keeps them). Non-standard keys without a ptype, such as Microsoft's
    ``action``, are kept too (the header is then non-conforming)."""
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


#: Lower-case header name -> canonical name, for every Authentication-Results-like header.
AR_SOURCES = {
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
_AR_WORD = re.compile(r'[^\s;=()"]+')
# A value may hold "=": SRS and BATV addresses (SRS0=hash=tt=domain=user@...), base64 padding.
_AR_VALUE = re.compile(r'[^\s;()"]+')


def read_auth_results(source: str, value: str) -> AuthResultsHeader:
    """Read one header named ``source`` (canonical) whose unfolded value is ``value``."""
    body, instance = value, None
    if source == "ARC-Authentication-Results":
        tag = _ARC_INSTANCE.match(value)
        if tag is not None:
            body, instance = value[tag.end() :], int(tag.group(1))
    authserv_id, results = _read_ar(body)
    return AuthResultsHeader(
        authserv_id=authserv_id,
        results=tuple(results),
        raw=value,
        source=source,
        arc_instance=instance,
    )


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


def _read_ar(value: str) -> tuple[str, list[AuthResult]]:
    """Our own reading: ``authserv-id; method=result (comment) key=value ...; ...``.

    Tolerates a missing authserv-id (Microsoft), properties without a ptype
    (``action=quarantine``), a missing ``;`` before a known method, and unterminated
    comments or quotes.
    """
    segments: list[list[Token]] = [[]]
    for token in tokens(value, _AR_WORD, structured=True, value=_AR_VALUE):
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


def _read_resinfo(found: list[Token]) -> list[_Clause]:
    """The clauses of one ``;``-separated part (more than one if a ``;`` is missing)."""
    found = _join_keys(found)
    clauses: list[_Clause] = []
    current: _Clause | None = None
    first = True
    i, n = 0, len(found)
    while i < n:
        kind, text = found[i]
        equals = _past_comments(found, i + 1)
        if kind == "word" and equals < n and found[equals][0] == "=":
            key = text.lower()
            # RFC 8601 allows comments before and after the "=" ("dkim=(good) pass").
            i = _past_comments(found, equals + 1)
            pvalue = ""
            if i < n and found[i][0] in ("word", "quoted"):
                pvalue = found[i][1]
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


def _past_comments(found: list[Token], i: int) -> int:
    while i < len(found) and found[i][0] == "comment":
        i += 1
    return i


def _join_keys(found: list[Token]) -> list[Token]:
    """Join a key that whitespace or comments split at its "." or "/" (``header . d``,
    ``dkim / 1``): RFC 8601 allows them there. Values are never joined."""
    out: list[Token] = []
    open_key = -1  # index in out of the last key word, while a "." or "/" may extend it
    after_equals = False
    for kind, text in found:
        if (
            kind == "word"
            and open_key >= 0
            and (out[open_key][1].endswith((".", "/")) or text.startswith((".", "/")))
        ):
            out[open_key] = ("word", out[open_key][1] + text)
            continue
        out.append((kind, text))
        if kind == "comment":
            continue
        open_key = len(out) - 1 if kind == "word" and not after_equals else -1
        after_equals = kind == "="
    return out
