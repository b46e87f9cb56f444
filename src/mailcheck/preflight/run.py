"""Checking the addresses of a list: streamed in order, each domain looked up once.

Streams: addresses are read ahead, checked and written in the list's order, so
memory stays flat however long the list; each domain is looked up once however
many customers share it; the DNS queries in flight adapt to the resolver
(:class:`~mailcheck.dnsresolver.Window`) and are optionally rate-capped. With
``shard``, only the addresses of that shard's share of the domains are checked.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from mailcheck.dnsresolver import Resolver
from mailcheck.preflight.lists import Entry
from mailcheck.preflight.output import Row, RowWriter
from mailcheck.preflight.shard import Shard, shard_key
from mailcheck.recipient import (
    AddressChecker,
    AddressError,
    DomainCheck,
    DomainVerdict,
    check_domain,
)
from mailcheck.report.i18n import PREFLIGHT, error_text

__all__ = ["BATCH", "CAUSE_OF", "READ_AHEAD", "run_preflight"]

#: The progress line is redrawn every this many rows.
BATCH = 2000
#: Addresses read ahead of the row being written at most: what keeps memory flat.
READ_AHEAD = 20_000
#: ...and at most about this many characters of the list's carried cells (each cell
#: counted 8 more, its pointer): a list of wide rows or long cells reads fewer addresses
#: ahead, so memory is bounded by this, not by READ_AHEAD times the widest row (a
#: hostile header may name a hundred thousand columns).
READ_AHEAD_CHARS = 16 << 20
#: Domain checks kept for addresses read later; past this the finished ones are dropped
#: (the resolver's own cache still answers a domain seen again).
_REMEMBERED = 50_000
#: Turns of the event loop a new domain's check takes to ask the window for its first
#: query (a task that starts a task). Too few only lets the window's queue grow.
_TURNS = 2

#: The cause a verdict stands for (ids of data/causes.toml).
CAUSE_OF = {
    "invalid": "recipient-address-invalid",
    DomainVerdict.OK.value: "recipient-domain-ok",
    DomainVerdict.IMPLICIT_MX.value: "recipient-implicit-mx",
    DomainVerdict.NXDOMAIN.value: "recipient-domain-not-found",
    DomainVerdict.NULL_MX.value: "recipient-accepts-no-mail",
    DomainVerdict.NO_MAIL.value: "recipient-accepts-no-mail",
    DomainVerdict.MX_UNRESOLVABLE.value: "recipient-mx-unresolvable",
    DomainVerdict.UNKNOWN.value: "recipient-dns-unknown",
}


def _row(address: str, check: DomainCheck, lang: str = "en") -> Row:
    """The row of one address; its detail in ``lang`` (the other columns are machine keys)."""
    words = PREFLIGHT[lang]
    detail = check.mx.error or ""
    if check.verdict is DomainVerdict.NXDOMAIN:
        detail = words["nxdomain"]
    elif check.verdict is DomainVerdict.NULL_MX:
        detail = words["null_mx"]
    elif check.verdict is DomainVerdict.NO_MAIL:
        detail = words["no_mail"]
    elif check.verdict is DomainVerdict.MX_UNRESOLVABLE:
        detail = words["mx_unresolvable"].format(hosts=" ".join(h.host for h in check.hosts))
    elif check.verdict is DomainVerdict.UNKNOWN:
        detail = words["unknown"].format(outcome=check.mx.outcome.value)
    cause = CAUSE_OF[check.verdict.value]
    if check.resolver_broken:  # not the customer's fault: this machine's DNS does not work
        cause = "resolver-not-working"
        detail = words["resolver"]
    return Row(address, check.verdict.value, cause, check.suggestion or "", detail)


@dataclass(slots=True)
class _Pending:
    """An address read and waiting for its domain's check, in the list's order."""

    number: int
    address: str
    check: asyncio.Future[DomainCheck] | None
    error: str = ""
    columns: tuple[str, ...] = ()
    size: int = 0
    """What its carried cells count towards :data:`READ_AHEAD_CHARS`."""


def _parse(
    address: str, checker: AddressChecker, shard: Shard | None
) -> tuple[str, str | None, str] | None:
    """``(address, domain or None, error)``; None when the address is another shard's."""
    if shard is not None:
        key = shard_key(address)
        if key and not shard.takes(key):
            return None  # another shard's: not even validated here
    try:
        normalized, domain = checker.check(address)
    except AddressError as exc:
        if shard is not None and not shard_key(address) and not shard.takes(address):
            return None
        return address, None, str(exc)
    if shard is not None and not shard_key(address) and not shard.takes(domain):
        return None
    return normalized, domain, ""


async def run_preflight(
    addresses: Iterable[str | Entry],
    resolver: Resolver,
    out: TextIO,
    fmt: str,
    *,
    progress: Callable[[], float | None] | None = None,
    shard: Shard | None = None,
    lang: str = "en",
    header: Sequence[str] = (),
) -> Counter[str]:
    """Check every address (``shard``: those of its share); write a row each, in order.

    ``addresses``: plain addresses, or the :class:`~mailcheck.preflight.lists.Entry` of
    a :class:`~mailcheck.preflight.lists.CustomerList`, whose cells each row carries
    under ``header`` (the list's ``header``).

    Addresses are read ahead of the row being written, and each new domain's check
    starts as soon as it is read while the resolver's window has room: the window
    stays full, so the run takes about (domains x the resolver's latency / queries in
    flight), not a round trip per batch. Rows are written in the list's order; the
    read-ahead is bounded, so memory stays flat however long the list. Returns how
    many rows had each cause.
    """
    writer = RowWriter(out, fmt, shard, header)
    checker = AddressChecker()
    checks: dict[str, asyncio.Future[DomainCheck]] = {}
    queue: deque[_Pending] = deque()
    # New domains are started only while the resolver's window has room, so that a
    # domain's later lookups (its MX hosts' addresses) never queue behind thousands of
    # other domains' first ones, and the window stays full.
    starting = 0  # checks started since they last had a turn to ask for their slot
    counts: Counter[str] = Counter()
    window = resolver.window
    held = 0  # the size of the carried cells in the queue

    def full() -> bool:
        return len(queue) >= READ_AHEAD or held >= READ_AHEAD_CHARS

    def write(entry: _Pending) -> None:
        if entry.check is None:
            reason = error_text(entry.error, lang)
            row = Row(entry.address, "invalid", CAUSE_OF["invalid"], "", reason)
        else:
            row = _row(entry.address, entry.check.result(), lang)
        writer.write(replace(row, number=entry.number, columns=entry.columns))
        counts[row.cause] += 1

    async def write_ready(*, drain: bool = False) -> None:
        # Rows go out in the list's order: the head waits for its check only when the
        # read-ahead is full (or at the end); rows behind it already known go with it.
        nonlocal held
        while queue:
            head = queue[0]
            if head.check is not None and not head.check.done():
                if not (drain or full()):
                    return
                await asyncio.wait((head.check,))
            held -= head.size
            write(queue.popleft())
            if progress is not None and writer.count % BATCH == 0:
                _show(progress, writer.count, len(checks), resolver, lang)

    try:
        for number, item in enumerate(addresses, 1):
            raw, columns = (item, ()) if isinstance(item, str) else (item.address, item.columns)
            parsed = _parse(raw, checker, shard)
            if parsed is None:
                continue
            address, domain, error = parsed
            future = None
            if domain is not None:
                future = checks.get(domain)
                if future is None:
                    future = asyncio.ensure_future(check_domain(domain, resolver))
                    checks[domain] = future
                    starting += 1
                    if len(checks) > _REMEMBERED:
                        # Only verdicts are needed from here on: keep memory flat on long lists.
                        checks = {d: f for d, f in checks.items() if not f.done()}
            size = sum(map(len, columns)) + 8 * len(columns) if columns else 0
            held += size
            queue.append(_Pending(number, address, future, error, columns, size))
            await write_ready()
            if starting and window.busy + starting >= window.size:
                # The checks just started ask for their slots: a check's task starts its
                # MX lookup's task, which asks the window; two turns of the loop.
                for _ in range(_TURNS):
                    await asyncio.sleep(0)
                starting = 0
                while window.full and not full():
                    await window.room()
                    await write_ready()
        await write_ready(drain=True)
    finally:
        for future in checks.values():
            future.cancel()
    writer.close()
    if progress is not None:
        sys.stderr.write("\r\033[K")
    return counts


def _show(
    progress: Callable[[], float | None],
    done: int,
    domains: int,
    resolver: Resolver,
    lang: str = "en",
) -> None:
    fraction = progress()
    bar = ""
    if fraction is not None:
        filled = int(30 * min(fraction, 1.0))
        bar = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} "
    counts = PREFLIGHT[lang]["progress"].format(
        done=done, domains=domains, queries=resolver.queries
    )
    sys.stderr.write(f"\r\033[Kmailcheck preflight: {bar}{counts}")
    sys.stderr.flush()
