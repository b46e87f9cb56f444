"""A company domain's sending server when nothing names it: ``mail.<domain>``, then its MX.

Hosting companies (cPanel, Plesk, DirectAdmin, Zimbra) give a company domain one mail
server and tell their customers to put ``mail.<domain>`` into Outlook or the accounting
software; that server is usually the domain's MX too. So when no flag, profile or preset
names the submission server, these two are tried, in that order: a candidate counts only
when its name resolves (mailcheck's own resolver, ``--dns-server`` honoured) and the
submission port accepts a TCP connection. What was tried is kept, so an error or a report
can say it: a guess the user never sees would be a guess nobody can correct.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailcheck.dnsresolver import Resolver

__all__ = ["PORTS", "TRIED_WORDS", "Found", "Tried", "describe", "find_smtp_host"]

#: Submission ports tried when none is given: STARTTLS, then implicit TLS (RFC 8314).
PORTS = (587, 465)
#: MX hosts tried after mail.<domain>, most preferred first.
MAX_MX = 2


@dataclass(frozen=True, slots=True)
class Tried:
    """One candidate and what became of it."""

    host: str
    how: str
    """``name`` (mail.<domain>) or ``mx`` (the domain's MX host)."""
    outcome: str
    """``no-name`` (does not resolve), ``closed`` (no port answered), ``answered``."""
    port: int | None = None
    """The port that answered."""


@dataclass(frozen=True, slots=True)
class Found:
    """The first candidate that answered (None: none did), and every candidate tried."""

    host: str | None
    port: int | None
    tried: tuple[Tried, ...]


async def _addresses(resolver: Resolver, host: str) -> list[str]:
    from mailcheck.dnsresolver import DnsOutcome

    found: list[str] = []
    for rdtype in ("A", "AAAA"):
        lookup = await resolver.lookup(host, rdtype)
        if lookup.outcome is DnsOutcome.ANSWER:
            found.extend(lookup.records)
    return found


async def _connects(address: str, port: int, timeout: float) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _mx_hosts(resolver: Resolver, domain: str) -> list[str]:
    from mailcheck.dnsresolver import DnsOutcome

    lookup = await resolver.lookup(domain, "MX")
    if lookup.outcome is not DnsOutcome.ANSWER:
        return []
    hosts: list[tuple[int, str]] = []
    for record in lookup.records:
        pref, _, host = record.strip().partition(" ")
        host = host.strip().rstrip(".").lower()
        if pref.isdigit() and host:  # "0 ." (null MX) names no host
            hosts.append((int(pref), host))
    return [host for _, host in sorted(hosts)]


async def _find(
    domain: str, ports: tuple[int, ...], server: tuple[str, int] | None, timeout: float
) -> Found:
    from mailcheck.dnsresolver import Resolver

    resolver = Resolver(server, timeout=min(2.0, timeout), lifetime=timeout)
    tried: list[Tried] = []
    try:
        candidates = [(f"mail.{domain}", "name")]
        # The two most preferred MX hosts: a third is a backup MX, never the submission server.
        candidates += [(h, "mx") for h in (await _mx_hosts(resolver, domain))[:MAX_MX]]
        seen: set[str] = set()
        for host, how in candidates:
            if host in seen:
                continue
            seen.add(host)
            addresses = await _addresses(resolver, host)
            if not addresses:
                tried.append(Tried(host, how, "no-name"))
                continue
            for port in ports:
                if await _connects(addresses[0], port, min(3.0, timeout)):
                    tried.append(Tried(host, how, "answered", port))
                    return Found(host, port, tuple(tried))
            tried.append(Tried(host, how, "closed"))
    finally:
        resolver.close()
    return Found(None, None, tuple(tried))


def find_smtp_host(
    domain: str, *, port: int | None, server: tuple[str, int] | None, timeout: float
) -> Found:
    """Try ``mail.<domain>``, then the domain's MX hosts, on ``port`` (else 587, then 465).

    Synchronous, like :func:`mailcheck.presets.provider_from_mx`: the settings are read
    the same way inside or outside an event loop.
    """
    ports = (port,) if port is not None else PORTS
    result: list[Found] = []

    def run() -> None:
        # Could not tell (a broken reply, a resolver error): nothing found, the user is asked.
        with contextlib.suppress(Exception):
            result.append(asyncio.run(_find(domain.rstrip(".").lower(), ports, server, timeout)))

    worker = threading.Thread(target=run, name="mailcheck-smtp-host", daemon=True)
    worker.start()
    # Two lookups per candidate plus the MX, and a connect per port: bounded, not forever.
    worker.join(timeout * 4 + 6 * len(ports))
    return result[0] if result else Found(None, None, ())


#: How each outcome is told; the prompt's words come in the user's language
#: (:data:`mailcheck.report.i18n.ASK_HOST`), the error's in English (translated where errors are).
TRIED_WORDS = {
    "from_mx": "{host} from its MX",
    "no-name": "{where} (no such name)",
    "closed": "{where} ({ports} closed)",
    "answered": "{where} (answered on {port})",
}


def describe(
    tried: tuple[Tried, ...], ports: tuple[int, ...], words: Mapping[str, str] = TRIED_WORDS
) -> str:
    """``mail.company.vn (no such name), mx.company.vn from its MX (587, 465 closed)``."""
    told = []
    for t in tried:
        where = words["from_mx"].format(host=t.host) if t.how == "mx" else t.host
        told.append(
            words[t.outcome].format(where=where, ports=", ".join(map(str, ports)), port=t.port)
        )
    return ", ".join(told)
