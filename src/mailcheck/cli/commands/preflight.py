"""``mailcheck preflight FILE``: check a whole customer address list before invoices go out."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, TextIO

import click

from mailcheck.cli.options import dns_server_option, lang_option

if TYPE_CHECKING:
    from mailcheck.preflight import ListReader
    from mailcheck.preflight.shard import Shard

#: Queries in flight at most, by default: a resolver 300 ms away then answers
#: thousands of domains a second; the window backs off when it struggles.
MAX_IN_FLIGHT = 1000


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
    "--max-in-flight",
    "max_in_flight",
    type=int,
    default=MAX_IN_FLIGHT,
    show_default=True,
    metavar="N",
    help="DNS queries in flight at most; fewer while the resolver fails or times out.",
)
@click.option("--concurrency", "max_in_flight", type=int, hidden=True)  # its old name
@click.option(
    "--timeout",
    envvar="MAILCHECK_TIMEOUT",
    default="5",
    show_default=True,
    metavar="SECONDS",
    help="Per lookup, counted from when its query is sent.",
)
@click.option(
    "--shard",
    "shard_text",
    metavar="I/N",
    help="Check only shard I of N (I from 0 to N-1, as Kubernetes' JOB_COMPLETION_INDEX): "
    "the addresses of 1/N of the domains; join the N outputs with `mailcheck preflight-merge`.",
)
@lang_option
def command(
    file: str,
    column: str | None,
    fmt: str,
    output: str | None,
    dns_server: str | None,
    rate: float | None,
    max_in_flight: int,
    timeout: str,
    shard_text: str | None,
    lang: str | None,
) -> int:
    """Check every address of a CSV file (or one address per line) before invoices go out.

    Writes one row per address: the list's own columns, then address, verdict,
    cause, suggestion, detail; a cell with several addresses gives a row each.
    Each domain is looked up once. Exit 0 all fine, 2 some addresses cannot
    receive mail, 3 some could not be checked (DNS did not answer) or the
    list holds no address.

    A long list runs as N jobs: `--shard 0/4` ... `--shard 3/4` each check the
    addresses of a quarter of the domains (each domain in one shard only) and
    write them with their row number; `mailcheck preflight-merge` joins them
    into the report one run would have written.
    """
    import asyncio

    from mailcheck.config import default_lang
    from mailcheck.errors import ConfigError
    from mailcheck.preflight import open_list, refuse_same_file
    from mailcheck.report.i18n import PREFLIGHT, error_text
    from mailcheck.values import parse_dns_server, parse_seconds

    if rate is not None and rate <= 0:
        raise ConfigError("--rate: must be above 0")
    if max_in_flight < 1:
        raise ConfigError("--max-in-flight: must be at least 1")
    language = (lang or default_lang()).lower()
    seconds = parse_seconds(timeout, "--timeout")
    server = parse_dns_server(dns_server) if dns_server else None
    # Before anything is opened for writing: -o LIST would empty the customer list.
    refuse_same_file(file, output)
    shard = _shard(shard_text, file) if shard_text is not None else None
    source = open_list(file)
    try:
        if source.note:
            click.echo(f"mailcheck preflight: {error_text(source.note, language)}", err=True)
        if output and output != "-":
            from pathlib import Path

            from mailcheck.atomicfile import replacing

            # Rows stream into a temporary file that replaces OUTPUT only when the
            # whole list was checked: a failure leaves the old file as it was.
            with replacing(Path(output), what="preflight output", newline="") as out:
                counts = asyncio.run(
                    _check(
                        source,
                        out,
                        fmt,
                        column,
                        server,
                        seconds,
                        max_in_flight,
                        rate,
                        shard,
                        language,
                    )
                )
        else:
            counts = asyncio.run(
                _check(
                    source,
                    sys.stdout,
                    fmt,
                    column,
                    server,
                    seconds,
                    max_in_flight,
                    rate,
                    shard,
                    language,
                )
            )
    finally:
        source.close()
    if shard is not None:
        shard_words = PREFLIGHT[language]["shard"].format(index=shard.index, count=shard.count)
        return _summary(counts, source.name, shard_words, empty_ok=True, lang=language)
    return _summary(counts, source.name, lang=language)


def _shard(text: str, file: str) -> Shard:
    """The shard ``--shard`` names, with the fingerprint of the list it is cut from."""
    import io
    import os
    import stat
    from dataclasses import replace

    from mailcheck.errors import ConfigError
    from mailcheck.preflight.shard import fingerprint, parse_shard
    from mailcheck.terminal import printable

    shard = parse_shard(text)
    if file == "-":
        try:
            regular = stat.S_ISREG(os.fstat(sys.stdin.fileno()).st_mode)
        except (OSError, ValueError, io.UnsupportedOperation):
            regular = False
        if not regular:
            # Each shard reads the whole list, and merge checks they all read the same
            # one: a pipe can be neither fingerprinted first nor read twice.
            raise ConfigError(
                "--shard needs the list as a file (or `< FILE`), not a pipe: "
                "save it first, and give every shard the same file"
            )
        return replace(shard, digest=fingerprint(sys.stdin.buffer))
    try:
        with open(file, "rb") as binary:
            return replace(shard, digest=fingerprint(binary))
    except OSError as exc:
        raise ConfigError(f"cannot read {printable(file)}: {exc.strerror}") from None


async def _check(
    source: ListReader,
    out: TextIO,
    fmt: str,
    column: str | None,
    server: tuple[str, int] | None,
    seconds: float,
    max_in_flight: int,
    rate: float | None,
    shard: Shard | None,
    lang: str,
) -> Counter[str]:
    from mailcheck.dnsresolver import Resolver
    from mailcheck.preflight import CustomerList, run_preflight

    resolver = Resolver(
        server, timeout=seconds / 2, lifetime=seconds, concurrency=max_in_flight, rate=rate
    )
    async with resolver:
        entries = CustomerList(source, column, name=source.name)
        show = source.fraction if sys.stderr.isatty() else None
        return await run_preflight(
            entries, resolver, out, fmt, progress=show, shard=shard, lang=lang,
            header=entries.header,
        )  # fmt: skip


def _summary(
    counts: Counter[str], name: str, what: str = "", *, empty_ok: bool = False, lang: str = "en"
) -> int:
    """The summary line on stderr, in ``lang``, and the exit code (the worst cause's).

    ``empty_ok``: no rows is fine (a shard can hold none of a short list's domains).
    """
    from mailcheck.report.i18n import PREFLIGHT
    from mailcheck.rules import load_causes

    words = PREFLIGHT[lang]
    total = sum(counts.values())
    if total == 0 and empty_ok:
        empty = words["shard_empty"].format(name=name)
        click.echo(f"mailcheck preflight: {what}{empty}", err=True)
        return 0
    if total == 0:
        # Nothing was checked, so nothing can be said to be fine.
        click.echo(f"mailcheck preflight: {words['empty'].format(name=name)}", err=True)
        return 3
    causes = load_causes()
    codes = [causes[c].severity for c in counts if c in causes]
    worst = max(codes, key=lambda s: s.rank, default=None)
    summary = ", ".join(f"{n} {c}" for c, n in counts.most_common())
    line = words["summary_one" if total == 1 else "summary"].format(total=total, counts=summary)
    click.echo(f"mailcheck preflight: {what}{line}", err=True)
    return worst.exit_code if worst is not None else 0
