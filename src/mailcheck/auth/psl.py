"""The registrable domain by the Public Suffix List (the list shipped with publicsuffixlist).

publicsuffixlist's own class IDNA-encodes all ~10,000 rules when it loads
(about 120 ms, most of a sender check's time). Here the rules are read as the
list writes them (Unicode), and only the few labels of the name asked about are
decoded to compare: the same answers (the list's official test cases are run
against this in the tests), for a fraction of the cost.
"""

from __future__ import annotations

import functools
from importlib.resources import files

__all__ = ["load_rules", "registrable_domain"]


@functools.cache
def load_rules() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """``(rules, wildcards, exceptions)``: ``a.b``, ``*.a.b`` as ``a.b``, ``!a.b`` as ``a.b``."""
    text = files("publicsuffixlist").joinpath("public_suffix_list.dat").read_text("utf-8")
    rules, wildcards, exceptions = set(), set(), set()
    for line in text.splitlines():
        rule = line.strip().split(" ", 1)[0].lower()
        if not rule or rule.startswith("//"):
            continue
        if rule.startswith("!"):
            exceptions.add(rule[1:])
        elif rule.startswith("*."):
            wildcards.add(rule[2:])
        else:
            rules.add(rule)
    return frozenset(rules), frozenset(wildcards), frozenset(exceptions)


def _unicode(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


def _public_suffix_length(labels: list[str]) -> int:
    """How many labels at the right of ``labels`` are the public suffix (at least 1)."""
    rules, wildcards, exceptions = load_rules()
    names = [_unicode(label) for label in labels]
    count = len(names)
    for start in range(count):
        suffix = ".".join(names[start:])
        if suffix in exceptions:  # an exception rule wins: its parent is the suffix
            return count - start - 1
    for start in range(count):  # left to right: the first match is the longest
        suffix = ".".join(names[start:])
        parent = ".".join(names[start + 1 :])
        # A wildcard's parent counts as a suffix too (``*.0emm.com`` -> ``0emm.com``), as
        # publicsuffixlist, which mailcheck used before, reads the list.
        if suffix in rules or suffix in wildcards or (start + 1 < count and parent in wildcards):
            return count - start
    return 1  # the implicit "*" rule: an unknown TLD is a public suffix


def registrable_domain(domain: str) -> str | None:
    """One label more than the public suffix (``a.b.example.co.uk`` -> ``example.co.uk``).

    None for a name that is itself a public suffix (``co.uk``), or not a name
    (empty, a leading dot). Lower case; A-labels stay A-labels.
    """
    name = domain.lower().rstrip(".")
    labels = name.split(".")
    if not name or "" in labels:
        return None
    suffix = _public_suffix_length(labels)
    if suffix >= len(labels):
        return None
    return ".".join(labels[-suffix - 1 :])
