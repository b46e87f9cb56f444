"""Authentication-Results (RFC 8601) and ARC-Authentication-Results (RFC 8617 section 4.1).

Two readers look at each header: the ``authres`` library in strict mode, and our own
tolerant reader. When authres accepts the header its results are kept and only the
comments (which authres drops) come from our reading; when it rejects the header
(non-conforming, malformed, too long, past the budget) our reading is the result.
``AuthResultsHeader.parser`` says which one it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

# authres ships no py.typed; it is imported here only, and its objects never leave this module.
# (unused-ignore: the ignore stays valid once pyproject gets a mypy override for authres.)
import authres.core  # type: ignore[import-untyped, unused-ignore]

from mailcheck.headers.tokens import Token, tokens

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


class AuthresBudget:
    """How many more headers authres may read: the newest AUTHRES_MAX_HEADERS of one
    block, each at most AUTHRES_MAX_CHARS long."""

    def __init__(self) -> None:
        self.left = AUTHRES_MAX_HEADERS

    def take(self, value: str) -> bool:
        """True (and one header fewer left) if authres may read ``value``."""
        if self.left <= 0 or len(value) > AUTHRES_MAX_CHARS:
            return False
        self.left -= 1
        return True


# authres/__init__.py shadows this class with a simpler API (no feature context): use core's.
class _StrictAuthResHeader(authres.core.AuthenticationResultsHeader):  # type: ignore[misc]
    """authres's header that raises on a bad property instead of dropping it silently.

    (The ignore: mypy --strict refuses a subclass of an untyped class.)
    """

    def __init__(self, feature_context: object) -> None:
        super().__init__(feature_context, strict=True)


_AUTHRES_FEATURES = authres.core_features()


def read_auth_results(source: str, value: str, *, use_authres: bool) -> AuthResultsHeader:
    """Read one header named ``source`` (canonical) whose unfolded value is ``value``."""
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
    segments: list[list[Token]] = [[]]
    for token in tokens(value, _AR_WORD, structured=True):
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
    clauses: list[_Clause] = []
    current: _Clause | None = None
    first = True
    i, n = 0, len(found)
    while i < n:
        kind, text = found[i]
        if kind == "word" and i + 1 < n and found[i + 1][0] == "=":
            key = text.lower()
            i += 2
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
