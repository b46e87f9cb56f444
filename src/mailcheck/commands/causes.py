"""``mailcheck causes``: the cause catalogue, for people and machines."""

from __future__ import annotations

import click

from mailcheck.options import lang_option


@click.command("causes")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "json"], case_sensitive=False),
    default="human",
    show_default=True,
)
@lang_option
def command(fmt: str, lang: str | None) -> int:
    """List the causes mailcheck can find, with their fixes."""
    from mailcheck.config import default_lang
    from mailcheck.rules import load_causes

    causes = load_causes()
    if fmt == "json":
        doc = [
            {
                "id": c.id,
                "faq": c.faq,
                "severity": c.severity.value,
                "title": dict(c.title),
                "fix": dict(c.fix),
            }
            for c in causes.values()
        ]
        from mailcheck.report.json import dump_json

        click.echo(dump_json({"schema": 1, "causes": doc}))
        return 0
    language = lang or default_lang()
    for cause in causes.values():
        faq = f"  (FAQ {cause.faq})" if cause.faq else ""
        click.echo(f"{cause.id:<32} {cause.severity.value:<8}{faq}")
        click.echo(f"    {cause.title[language]}")
    return 0
