"""authres as the test oracle for our Authentication-Results reader.

authres (strict mode) follows RFC 8601's grammar; it is not a run-time dependency (it is
quadratic on long values and rejects the non-conforming headers mailcheck must read), but
wherever it accepts a header, our reader must read the same methods, results, reasons and
properties. Only tests import this module.
"""

from __future__ import annotations

from pathlib import Path

# authres ships no py.typed (pyproject has a mypy override for it).
import authres.core

from mailcheck.headers.authres import AR_SOURCES, AuthResult, AuthResultsHeader, _read_ar
from mailcheck.headers.tokens import fields

Reading = tuple[str, list[tuple[str, str, str | None, tuple[tuple[str, str], ...]]]]
"""``(authserv-id, [(method, result, reason, properties), ...])``: what both readers say."""


# authres/__init__.py shadows this class with a simpler API (no feature context): use core's.
class _StrictAuthResHeader(authres.core.AuthenticationResultsHeader):  # type: ignore[misc]
    """authres's header that raises on a bad property instead of dropping it silently.

    (The ignore: mypy --strict refuses a subclass of an untyped class.)
    """

    def __init__(self, feature_context: object) -> None:
        super().__init__(feature_context, strict=True)


_FEATURES = authres.core_features()


def authres_reading(value: str) -> Reading | None:
    """authres's reading in strict mode, or None if it rejects the header."""
    try:
        header = _StrictAuthResHeader.parse_value(_FEATURES, value)
    # A third-party parser on any input (its SyntaxError, RecursionError on nested
    # comments, ...): any failure means "not a conforming header".
    except Exception:  # noqa: BLE001
        return None
    results = [
        (
            str(clause.method),
            str(clause.result),
            None if clause.reason is None else str(clause.reason),
            tuple(
                (f"{prop.type}.{prop.name}", "" if prop.value is None else str(prop.value))
                for prop in clause.properties
            ),
        )
        for clause in header.results
        if isinstance(clause, authres.core.AuthenticationResult)
    ]
    return str(header.authserv_id or ""), results


def our_reading(value: str) -> Reading:
    authserv_id, results = _read_ar(value)
    return authserv_id, [_compared(r) for r in results]


def _compared(result: AuthResult) -> tuple[str, str, str | None, tuple[tuple[str, str], ...]]:
    return (result.method, result.result, result.reason, result.properties)


def ar_body(source: str, value: str) -> str:
    """The part both readers read: an ARC header without its ``i=N;`` tag."""
    if source == "ARC-Authentication-Results" and value.lstrip().lower().startswith("i"):
        return value.split(";", 1)[1] if ";" in value else value
    return value


def headers_in(path: Path) -> list[tuple[str, str]]:
    """Every Authentication-Results-like ``(canonical name, unfolded value)`` in a file,
    wherever it is (embedded messages and mbox members too)."""
    text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
    return [(AR_SOURCES[name.lower()], value) for name, value, _ in fields(text, AR_SOURCES)]


def oracle_agrees(header: AuthResultsHeader) -> bool:
    """authres accepts the header and reads what our reader read."""
    return authres_reading(ar_body(header.source, header.raw)) == (
        header.authserv_id,
        [_compared(r) for r in header.results],
    )


def oracle_rejects(header: AuthResultsHeader) -> bool:
    """authres (strict) rejects the header: it is not RFC 8601, our reader reads it anyway."""
    return authres_reading(ar_body(header.source, header.raw)) is None
