"""``mailcheck preflight-merge SHARD...``: join a sharded preflight's outputs into one report."""

from __future__ import annotations

import sys

import click


@click.command("preflight-merge")
@click.argument(
    "shards", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=False)
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here [stdout]."
)
def command(shards: tuple[str, ...], output: str | None) -> int:
    """Join the outputs of `mailcheck preflight --shard I/N` into the report one run writes.

    Give all N shard outputs, in any order (CSV or JSON, as the shards wrote them):
    the rows come out in the list's order, byte for byte what `mailcheck preflight`
    of the whole list writes, with its summary and exit code (0 all fine, 2 some
    addresses cannot receive mail, 3 some could not be checked). Shards of
    different lists, another N, a shard missing or given twice, or a shard output
    cut short are refused (exit 3) before anything is written.
    """
    from mailcheck.cli.commands.preflight import _summary
    from mailcheck.preflight import refuse_same_file
    from mailcheck.preflight.merge import merge_shards

    for shard in shards:
        # -o SHARD would overwrite a shard before it is read.
        refuse_same_file(shard, output)
    paths = list(shards)
    if output and output != "-":
        from pathlib import Path

        from mailcheck.atomicfile import replacing

        with replacing(Path(output), what="merged preflight output", newline="") as out:
            counts = merge_shards(paths, out)
    else:
        counts = merge_shards(paths, sys.stdout)
    return _summary(counts, "the shards")
