"""``mailcheck preflight FILE``: check a whole customer address list before invoices go out."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, TextIO

import click

from mailcheck.cli.options import dns_server_option

if TYPE_CHECKING:
    from mailcheck.preflight import ListReader


@click.command("preflight")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--column", help="The column with the addresses (name or 1-based number) [detected].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"], case_sensitive=False),
    default="csv",
    show_default=True,
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here [stdout]."
)
@dns_server_option("DNS server [system resolver].")
@click.option(
    "--rate",
    type=float,
    metavar="QPS",
    help="At most this many DNS queries per second (public resolvers).",
)
@click.option(
    "--concurrency", type=int, default=200, show_default=True, help="DNS queries in flight at once."
)
@click.option(
    "--timeout",
    envvar="MAILCHECK_TIMEOUT",
    default="5",
    show_default=True,
    metavar="SECONDS",
    help="Per lookup.",
)
def command(
    file: str,
    column: str | None,
    fmt: str,
    output: str | None,
    dns_server: str | None,
    rate: float | None,
    concurrency: int,
    timeout: str,
) -> int:
    """Check every address of a CSV file (or one address per line) before invoices go out.

    Writes one row per address: address, verdict, cause, suggestion, detail.
    Each domain is looked up once. Exit 0 all fine, 2 some addresses cannot
    receive mail, 3 some could not be checked (DNS did not answer) or the
    list holds no address.
    """
    import asyncio

    from mailcheck.errors import ConfigError
    from mailcheck.preflight import open_list, refuse_same_file
    from mailcheck.values import parse_dns_server, parse_seconds

    if rate is not None and rate <= 0:
        raise ConfigError("--rate: must be above 0")
    if concurrency < 1:
        raise ConfigError("--concurrency: must be at least 1")
    seconds = parse_seconds(timeout, "--timeout")
    server = parse_dns_server(dns_server) if dns_server else None
    # Before anything is opened for writing: -o LIST would empty the customer list.
    refuse_same_file(file, output)
    source = open_list(file)
    try:
        if source.note:
            click.echo(f"mailcheck preflight: {source.note}", err=True)
        if output and output != "-":
            from pathlib import Path

            from mailcheck.atomicfile import replacing

            # Rows stream into a temporary file that replaces OUTPUT only when the
            # whole list was checked: a failure leaves the old file as it was.
            with replacing(Path(output), what="preflight output", newline="") as out:
                counts = asyncio.run(
                    _check(source, out, fmt, column, server, seconds, concurrency, rate)
                )
        else:
            counts = asyncio.run(
                _check(source, sys.stdout, fmt, column, server, seconds, concurrency, rate)
            )
    finally:
        source.close()
    return _summary(counts, source.name)


async def _check(
    source: ListReader,
    out: TextIO,
    fmt: str,
    column: str | None,
    server: tuple[str, int] | None,
    seconds: float,
    concurrency: int,
    rate: float | None,
) -> Counter[str]:
    from mailcheck.dnsresolver import Resolver
    from mailcheck.preflight import read_addresses, run_preflight

    resolver = Resolver(
        server, timeout=seconds / 2, lifetime=seconds, concurrency=concurrency, rate=rate
    )
    async with resolver:
        addresses = read_addresses(source, column, name=source.name)
        show = source.fraction if sys.stderr.isatty() else None
        return await run_preflight(addresses, resolver, out, fmt, progress=show)


def _summary(counts: Counter[str], name: str) -> int:
    from mailcheck.rules import load_causes

    total = sum(counts.values())
    if total == 0:
        # Nothing was checked, so nothing can be said to be fine.
        click.echo(f"mailcheck preflight: no addresses in {name}", err=True)
        return 3
    causes = load_causes()
    codes = [causes[c].severity for c in counts if c in causes]
    worst = max(codes, key=lambda s: s.rank, default=None)
    summary = ", ".join(f"{n} {c}" for c, n in counts.most_common())
    click.echo(f"mailcheck preflight: {total} addresses: {summary}", err=True)
    return worst.exit_code if worst is not None else 0
