"""``mailcheck preflight FILE``: check a whole customer address list before invoices go out."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

import click


class _Counting:
    """A text stream that counts what was read, for the progress bar."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.read_chars = 0

    def read(self, size: int = -1) -> str:
        text = self.stream.read(size)
        self.read_chars += len(text)
        return text

    def readline(self) -> str:
        line = self.stream.readline()
        self.read_chars += len(line)
        return line

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> str:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


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
@click.option(
    "--dns-server",
    envvar="MAILCHECK_DNS_SERVER",
    metavar="IP[:PORT]",
    help="DNS server [system resolver].",
)
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
    receive mail, 3 some could not be checked (DNS did not answer).
    """
    import asyncio

    from mailcheck.config import _parse_dns_server, _parse_seconds
    from mailcheck.dnsresolver import Resolver
    from mailcheck.errors import ConfigError
    from mailcheck.preflight import read_addresses, run_preflight
    from mailcheck.rules import load_causes

    if rate is not None and rate <= 0:
        raise ConfigError("--rate: must be above 0")
    if concurrency < 1:
        raise ConfigError("--concurrency: must be at least 1")
    seconds = _parse_seconds(timeout, "--timeout")
    server = _parse_dns_server(dns_server) if dns_server else None
    try:
        source: Any = sys.stdin if file == "-" else open(file, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
    total = os.fstat(source.fileno()).st_size if file != "-" else 0
    counting = _Counting(source)
    out: Any = sys.stdout
    if output:
        try:
            out = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"cannot write {output}: {exc.strerror}") from None

    def fraction() -> float | None:
        return counting.read_chars / total if total else None

    async def run() -> Any:
        resolver = Resolver(
            server, timeout=seconds / 2, lifetime=seconds, concurrency=concurrency, rate=rate
        )
        async with resolver:
            addresses = read_addresses(counting, column)  # type: ignore[arg-type]
            show = fraction if sys.stderr.isatty() else None
            return await run_preflight(addresses, resolver, out, fmt, progress=show)

    try:
        counts = asyncio.run(run())
    except UnicodeDecodeError:
        raise ConfigError(f"{file} is not UTF-8 text (save the list as CSV UTF-8)") from None
    finally:
        if source is not sys.stdin:
            source.close()
        if out is not sys.stdout:
            out.close()
    causes = load_causes()
    codes = [causes[c].severity for c in counts if c in causes]
    worst = max(codes, key=lambda s: s.rank, default=None)
    summary = ", ".join(f"{n} {c}" for c, n in counts.most_common())
    click.echo(
        f"mailcheck preflight: {sum(counts.values())} addresses: {summary or 'none'}", err=True
    )
    return worst.exit_code if worst is not None else 0
