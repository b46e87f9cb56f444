"""``mailcheck bounce FILE``: explain a bounce the user already received."""

from __future__ import annotations

import sys
from typing import BinaryIO

import click

from mailcheck.cli.options import color_option, detail_options, format_option, lang_option


@click.command("bounce")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@format_option("diagnoses")
@lang_option
@color_option()
@detail_options
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Processes that parse a large mbox, this one included; 1 parses in this one only. "
    "Default: one per core (at most 5).",
)
def command(file: str, fmt: str, lang: str | None, color: bool | None, jobs: int | None) -> int:
    """Explain a bounce (.eml, an mbox, or - for standard input).

    Says which recipient failed, why (recipient unknown, mailbox full, blocked by
    the customer's server, too large, ...), quotes the remote server's words and
    gives the fix. Exit 2 for a failure, 1 for a delay notice, 0 for an
    automatic reply, 3 when it is not a bounce.
    """
    import io

    from mailcheck import interrupt
    from mailcheck.cli.commands.output import StreamPrinter
    from mailcheck.config import default_lang
    from mailcheck.errors import ConfigError
    from mailcheck.scenarios.bounce import stream_bounce_diagnoses

    printer = StreamPrinter(fmt=fmt, lang=lang or default_lang(), color=color)

    async def explain(stream: BinaryIO) -> None:
        # Each report is printed as soon as its message is read: an mbox is never held whole.
        async for diagnosis in stream_bounce_diagnoses(stream, file, parallel=True, jobs=jobs):
            printer.add(diagnosis)

    if file == "-":
        stream: BinaryIO = sys.stdin.buffer
        if sys.stdin.isatty():
            # Typed in: read before the run, where Ctrl-C still ends a blocked read.
            stream = io.BytesIO(stream.read())
        interrupt.run(explain(stream))
        return printer.close()
    try:
        handle = open(file, "rb")  # noqa: SIM115 - closed below, after the run
    except OSError as exc:
        from mailcheck.terminal import printable

        raise ConfigError(f"cannot read {printable(file)}: {exc.strerror}") from None
    with handle:
        interrupt.run(explain(handle))
    return printer.close()
