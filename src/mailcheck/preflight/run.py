"""Checking the addresses of a list: in batches, each domain looked up once.

Streams: addresses are read, checked and written in batches, so memory stays
flat however long the list; each domain is looked up once however many
customers share it; DNS concurrency is bounded and optionally rate-capped.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from mailcheck.dnsresolver import Resolver
from mailcheck.preflight.output import Row, RowWriter
from mailcheck.recipient import (
    AddressChecker,
    AddressError,
    DomainCheck,
    DomainVerdict,
    check_domain,
)

__all__ = ["BATCH", "CAUSE_OF", "run_preflight"]

#: Addresses read, checked and written at a time: the unit that keeps memory flat.
BATCH = 2000

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


def _row(address: str, check: DomainCheck) -> Row:
    detail = check.mx.error or ""
    if check.verdict is DomainVerdict.NXDOMAIN:
        detail = "the domain does not exist"
    elif check.verdict is DomainVerdict.NULL_MX:
        detail = "null MX: the domain accepts no mail"
    elif check.verdict is DomainVerdict.NO_MAIL:
        detail = "no MX and no address"
    elif check.verdict is DomainVerdict.MX_UNRESOLVABLE:
        detail = "MX hosts do not resolve: " + " ".join(h.host for h in check.hosts)
    elif check.verdict is DomainVerdict.UNKNOWN:
        detail = f"DNS could not tell ({check.mx.outcome.value})"
    cause = CAUSE_OF[check.verdict.value]
    if check.resolver_broken:  # not the customer's fault: this machine's DNS does not work
        cause = "resolver-not-working"
        detail = "the DNS resolver does not answer names that must exist"
    return Row(address, check.verdict.value, cause, check.suggestion or "", detail)


async def _batch(
    addresses: list[str],
    resolver: Resolver,
    known: dict[str, DomainCheck],
    checker: AddressChecker,
) -> list[Row]:
    parsed: list[tuple[str, str | None, str]] = []
    for address in addresses:
        try:
            normalized, domain = checker.check(address)
        except AddressError as exc:
            parsed.append((address, None, str(exc)))
            continue
        parsed.append((normalized, domain, ""))
    new = sorted({d for _, d, _ in parsed if d is not None and d not in known})
    checks = await asyncio.gather(*(check_domain(d, resolver) for d in new))
    known.update(zip(new, checks, strict=True))
    rows = []
    for address, maybe_domain, error in parsed:
        if maybe_domain is None:
            rows.append(Row(address, "invalid", CAUSE_OF["invalid"], "", error))
        else:
            rows.append(_row(address, known[maybe_domain]))
    return rows


def _batches(addresses: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for address in addresses:
        batch.append(address)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def run_preflight(
    addresses: Iterable[str],
    resolver: Resolver,
    out: TextIO,
    fmt: str,
    *,
    progress: Callable[[], float | None] | None = None,
) -> Counter[str]:
    """Check every address; write a row each; return how many rows had each cause."""
    writer = RowWriter(out, fmt)
    known: dict[str, DomainCheck] = {}
    checker = AddressChecker()
    counts: Counter[str] = Counter()
    done = 0
    for batch in _batches(addresses):
        for row in await _batch(batch, resolver, known, checker):
            writer.write(row)
            counts[row.cause] += 1
        done += len(batch)
        if progress is not None:
            fraction = progress()
            bar = ""
            if fraction is not None:
                filled = int(30 * min(fraction, 1.0))
                bar = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} "
            sys.stderr.write(
                f"\r\033[Kmailcheck preflight: {bar}{done} addresses, {len(known)} domains, "
                f"{resolver.queries} DNS queries"
            )
            sys.stderr.flush()
        # Only verdicts are needed from here on: keep memory flat on long lists.
        if len(known) > 50_000:
            known.clear()
    writer.close()
    if progress is not None:
        sys.stderr.write("\r\033[K")
    return counts
