"""``mailcheck headers FILE|-``: read a message the customer forwarded or pasted."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from mailcheck.cli.options import output_options

if TYPE_CHECKING:
    from mailcheck.diagnosis import Diagnosis


@click.command("headers")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@output_options
def command(
    file: str,
    fmt: str,
    transcript: bool,
    color: bool | None,
    report_file: str | None,
    **values: Any,
) -> int:
    """Read a message's headers (.eml, its header block, or - for standard input).

    Shows the route (Received hops and their delays), who authenticated what
    (SPF, DKIM with d=, DMARC, ARC), the receiving filter's spam verdict
    (Microsoft SCL/BCL, Gmail, rspamd, SpamAssassin) and the cause it points to.
    Exit 0 authenticated and not spam, 1 a warning (spam, not aligned, no
    authentication), 3 when there is nothing to judge.
    """
    from mailcheck.cli.commands.output import emit, show
    from mailcheck.config import default_lang
    from mailcheck.errors import ConfigError
    from mailcheck.scenarios.headers import MAX_INPUT, headers_diagnosis
    from mailcheck.terminal import printable

    if file == "-":
        if sys.stdin.isatty():
            click.echo(_paste_hint(values.get("lang")), err=True)
        raw = sys.stdin.buffer.read(MAX_INPUT + 1)
        source = "-"
    else:
        try:
            with open(file, "rb") as handle:
                raw = handle.read(MAX_INPUT + 1)
        except OSError as exc:
            raise ConfigError(f"cannot read {printable(file)}: {exc.strerror}") from None
        source = printable(file)
    diagnosis = headers_diagnosis(raw, source)
    lang = values.get("lang") or default_lang()
    if fmt != "human":
        return emit(
            diagnosis,
            fmt=fmt,
            lang=lang,
            transcript=transcript,
            color=color,
            report_file=report_file,
        )
    if report_file:
        _write_report(diagnosis, lang, report_file)
    detail = _detail()
    show(_with_block, [diagnosis], fmt=fmt, color=color, lang=lang, detail=detail)
    return diagnosis.exit_code


def _paste_hint(lang: str | None) -> str:
    from mailcheck.config import default_lang
    from mailcheck.report.i18n import HEADERS_COMMAND

    return HEADERS_COMMAND[lang or default_lang()]["paste"]


def _detail() -> str:
    ctx = click.get_current_context(silent=True)
    return str(ctx.meta.get("mailcheck.detail", "normal")) if ctx is not None else "normal"


def _write_report(diagnosis: Diagnosis, lang: str, report_file: str) -> None:
    """``--report FILE.md`` beside the human report, as every command writes it."""
    from pathlib import Path

    from mailcheck.atomicfile import write_atomically
    from mailcheck.report import Format, render_diagnoses

    text = render_diagnoses([diagnosis], Format.MARKDOWN, lang=lang)
    write_atomically(Path(report_file), text, what="Markdown report")


def _with_block(
    diagnoses: Sequence[Diagnosis],
    fmt: str,
    *,
    lang: str,
    colour: bool = False,
    detail: str = "normal",
) -> str:
    """The human report with the message's route, results and verdicts once, right under its
    result line (the findings quote only the lines that made them apply); -q: the result only."""
    from mailcheck.report import render_diagnoses
    from mailcheck.report.header_lines import message_block
    from mailcheck.report.i18n import HUMAN

    text = render_diagnoses(diagnoses, fmt, lang=lang, colour=colour, detail=detail)
    steps = [
        step for diagnosis in diagnoses for result in diagnosis.probes for step in result.steps
    ]
    lines = message_block(steps, HUMAN[lang])
    if detail == "quiet" or not lines:
        return text
    first, newline, rest = text.partition("\n")
    return first + newline + "\n".join(lines) + "\n\n" + rest
