"""``mailcheck causes``: the cause catalogue, for people and machines."""

from __future__ import annotations

import click

from mailcheck.cli.options import format_option, lang_option


@click.command("causes")
@click.argument("ids", nargs=-1, metavar="[CAUSE_ID]...")
@format_option("causes", envvar=None)
@lang_option
def command(ids: tuple[str, ...], fmt: str, lang: str | None) -> int:
    """List the causes mailcheck can find, by area; with CAUSE_IDs, their fixes.

    Without an id: every cause with its severity, FAQ case and title, grouped by area.
    With ids (e.g. password-changed): those causes with their fixes.
    """
    from mailcheck.config import default_lang
    from mailcheck.errors import ConfigError, did_you_mean
    from mailcheck.report import render_causes
    from mailcheck.rules import catalogue

    known = catalogue().causes
    for cid in ids:
        if cid not in known:
            raise ConfigError(f"no cause {cid!r}{did_you_mean(cid, list(known))}")
    causes = [known[cid] for cid in dict.fromkeys(ids)] if ids else list(known.values())
    # The JSON catalogue holds both languages: the locale is not even looked up for it.
    language = "en" if fmt == "json" else lang or default_lang()
    click.echo(render_causes(causes, fmt, lang=language), nl=False)
    return 0
