"""``mailcheck causes``: the cause catalogue, for people and machines."""

from __future__ import annotations

import click

from mailcheck.cli.options import format_option, lang_option


@click.command("causes")
@format_option("causes", envvar=None)
@lang_option
def command(fmt: str, lang: str | None) -> int:
    """List the causes mailcheck can find, with their fixes."""
    from mailcheck.config import default_lang
    from mailcheck.report import render_causes
    from mailcheck.rules import catalogue

    causes = list(catalogue().causes.values())
    # The JSON catalogue holds both languages: the locale is not even looked up for it.
    language = "en" if fmt == "json" else lang or default_lang()
    click.echo(render_causes(causes, fmt, lang=language), nl=False)
    return 0
