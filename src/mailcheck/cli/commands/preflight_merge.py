"""``mailcheck preflight-merge SHARD...``: join a sharded preflight's outputs into one report."""

from __future__ import annotations

import sys

import click

from mailcheck.cli.options import lang_option


@click.command("preflight-merge")
@click.argument(
    "shards", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=False)
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here [stdout]."
)
@lang_option
def command(shards: tuple[str, ...], output: str | None, lang: str | None) -> int:
    """Join the outputs of `mailcheck preflight --shard I/N` into the report one run writes.

    Give all N shard outputs, in any order (CSV or JSON, as the shards wrote them):
    the rows come out in the list's order, byte for byte what `mailcheck preflight`
    of the whole list writes, with its summary and exit code (0 all fine, 2 some
    addresses cannot receive mail, 3 some could not be checked). Shards of
    different lists, another N, a shard missing or given twice, or a shard output
    cut short are refused (exit 3) before anything is written.
    """
    from mailcheck.cli.commands.preflight import _summary
    from mailcheck.config import default_lang
    from mailcheck.preflight import refuse_same_file
    from mailcheck.preflight.merge import merge_shards
    from mailcheck.report.i18n import PREFLIGHT

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
    language = (lang or default_lang()).lower()
    return _summary(counts, PREFLIGHT[language]["the_shards"], lang=language)
