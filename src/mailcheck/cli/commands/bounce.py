"""``mailcheck bounce FILE``: explain a bounce the user already received."""

from __future__ import annotations

import sys

import click

from mailcheck.cli.options import color_option, format_option, lang_option


@click.command("bounce")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@format_option("diagnoses")
@lang_option
@color_option()
def command(file: str, fmt: str, lang: str | None, color: bool | None) -> int:
    """Explain a bounce (.eml, an mbox, or - for standard input).

    Says which recipient failed, why (recipient unknown, mailbox full, blocked by
    the customer's server, too large, ...), quotes the remote server's words and
    gives the fix. Exit 2 for a failure, 1 for a delay notice, 0 for an
    automatic reply, 3 when it is not a bounce.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit_all
    from mailcheck.config import default_lang
    from mailcheck.errors import ConfigError
    from mailcheck.scenarios.bounce import bounce_diagnoses

    try:
        if file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(file, "rb") as handle:
                raw = handle.read()
    except OSError as exc:
        from mailcheck.terminal import printable

        raise ConfigError(f"cannot read {printable(file)}: {exc.strerror}") from None
    diagnoses = interrupt.run(bounce_diagnoses(raw, file))
    return emit_all(diagnoses, fmt=fmt, lang=lang or default_lang(), color=color)
