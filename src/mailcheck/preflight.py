"""Preflight: check a whole customer address list before the invoices go out.

Streams: addresses are read, checked and written in batches, so memory stays
flat however long the list; each domain is looked up once however many
customers share it; DNS concurrency is bounded and optionally rate-capped.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from mailcheck.dnsresolver import Resolver
from mailcheck.errors import ConfigError
from mailcheck.recipient import (
    AddressChecker,
    AddressError,
    DomainCheck,
    DomainVerdict,
    check_domain,
)

__all__ = ["CAUSE_OF", "Row", "read_addresses", "run_preflight"]

#: Header names that mark the e-mail column of a CSV file (compared lower-cased).
EMAIL_HEADERS = (
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "địa chỉ email",
    "dia chi email",
    "thư điện tử",
    "recipient",
    "to",
)
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


@dataclass(frozen=True, slots=True)
class Row:
    """One address's result."""

    address: str
    verdict: str
    cause: str
    suggestion: str
    detail: str


def _sniff(sample: str) -> csv.Dialect | type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_addresses(stream: TextIO, column: str | None = None) -> Iterator[str]:
    """The addresses of a CSV file (column detected or named) or of a one-per-line file."""
    sample = stream.read(8192)
    if sample and not sample.endswith("\n"):
        sample += stream.readline()  # never cut a row in two between the sample and the rest
    rest = stream
    text = io.StringIO(sample)
    reader = csv.reader(_chain(text, rest), _sniff(sample))
    first = next(reader, None)
    if first is None:
        return
    header = [cell.strip().lower() for cell in first]
    index: int | None = None
    if column is not None:
        if column.isdigit():
            index = int(column) - 1
        elif column.lower() in header:
            index = header.index(column.lower())
        else:
            raise ConfigError(f"--column: no column {column!r} in the header ({', '.join(first)})")
    else:
        index = next((i for i, name in enumerate(header) if name in EMAIL_HEADERS), None)
    if index is None:
        # No header: the first row is data; take the first column that holds an address.
        index = next((i for i, cell in enumerate(first) if "@" in cell), 0)
        yield from _cell(first, index)
    for row in reader:
        yield from _cell(row, index)


def _cell(row: list[str], index: int) -> Iterator[str]:
    if index < len(row) and row[index].strip():
        yield row[index].strip()


def _chain(head: io.StringIO, tail: TextIO) -> Iterator[str]:
    yield from head.read().splitlines(keepends=True)
    yield from tail


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
    return Row(
        address, check.verdict.value, CAUSE_OF[check.verdict.value], check.suggestion or "", detail
    )


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


class _Writer:
    """CSV or JSON rows, written as they come."""

    def __init__(self, out: TextIO, fmt: str) -> None:
        self.out = out
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self.csv = csv.writer(out)
            self.csv.writerow(["address", "verdict", "cause", "suggestion", "detail"])
        else:
            out.write("[\n")

    def write(self, row: Row) -> None:
        if self.fmt == "csv":
            self.csv.writerow([row.address, row.verdict, row.cause, row.suggestion, row.detail])
        else:
            sep = ",\n" if self.count else ""
            record = {
                "address": row.address,
                "verdict": row.verdict,
                "cause": row.cause,
                "suggestion": row.suggestion or None,
                "detail": row.detail or None,
            }
            self.out.write(sep + json.dumps(record, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        if self.fmt != "csv":
            self.out.write("\n]\n" if self.count else "]\n")
        self.out.flush()


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
    writer = _Writer(out, fmt)
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
