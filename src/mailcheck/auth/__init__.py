"""Sender authentication: SPF, DKIM, DMARC and DNS blocklists, evaluated with evidence.

Every check takes the project's :class:`~mailcheck.dnsresolver.Resolver` (or any
object with the same ``lookup`` coroutine, see :class:`DnsLookup`), so all DNS
goes through one configured, cached resolver and never through a library's
global default. Every result keeps the lookups it was decided on, and "could
not tell" (timeout, SERVFAIL, REFUSED) is a state of its own, never pass or fail.

The submodules import their field libraries (spftrace, dkimpy, publicsuffixlist)
at module level; import the one you need (``from mailcheck.auth.spf import
check_spf``), not this package, to keep start-up lazy.
"""

from __future__ import annotations

from typing import Protocol

from mailcheck.dnsresolver import Lookup

__all__ = ["DnsLookup"]


class DnsLookup(Protocol):
    """What the checks need from a resolver: :meth:`mailcheck.dnsresolver.Resolver.lookup`.

    A test double implements this one coroutine; it must never raise for a DNS
    outcome (NXDOMAIN, SERVFAIL, timeout ...), only return it in the Lookup.
    """

    async def lookup(self, name: str, rdtype: str) -> Lookup:
        """Ask ``name``/``rdtype`` once and return what came back."""
        ...
