"""'Did you mean ...?' for mistyped recipient domains (gmial.com → gmail.com).

Own code, not a library: the suggesters on PyPI have wrong lists or rewrite
addresses silently (reference/dns-and-auth.md §4.2). This one only proposes;
the caller offers a suggestion only when the suggested domain has MX records.
"""

from __future__ import annotations

import functools

from mailcheck.datafiles import read_data

__all__ = ["distance", "known_domains", "suggest_domain"]


@functools.cache
def known_domains() -> tuple[str, ...]:
    """The common mail domains of data/mail_domains.toml."""
    data = read_data("mail_domains.toml")
    return tuple(d for group in ("international", "vietnam") for d in data.get(group, ()))


def distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


def suggest_domain(domain: str) -> str | None:
    """The closest common mail domain, if ``domain`` looks like a typo of one."""
    domain = domain.lower().rstrip(".")
    known = known_domains()
    if domain in known:
        return None
    best: tuple[int, str] | None = None
    for candidate in known:
        # Short names tolerate one slip, longer ones two (gmial.com, hotmial.con).
        allowed = 1 if len(candidate) <= 7 else 2
        d = distance(domain, candidate, allowed + 1)
        if d <= allowed and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None
