"""The command line's side of a run: read the password (perhaps at a prompt), print the report.

The diagnoses themselves (:mod:`mailcheck.app`, :mod:`mailcheck.api`) print
nothing and ask nothing; the commands use these two helpers around them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from mailcheck.config import resolve_settings
from mailcheck.secret import read_secret

if TYPE_CHECKING:
    from mailcheck.config import Settings
    from mailcheck.runner import Diagnosis
    from mailcheck.secret import Secret

__all__ = ["emit", "prepare"]


def prepare(
    values: Mapping[str, Any],
    *,
    need_sender: bool = False,
    need_recipient: bool = False,
    need_smtp: bool = True,
) -> tuple[Settings, Secret]:
    """Settings and password, or a :class:`~mailcheck.errors.MailcheckError` (exit 3)."""
    settings = resolve_settings(
        values, need_sender=need_sender, need_recipient=need_recipient, need_smtp=need_smtp
    )
    secret = read_secret(
        settings.secret_source, prompt_label=f"Password for {settings.smtp.username}"
    )
    return settings, secret


def emit(
    diagnosis: Diagnosis,
    *,
    fmt: str,
    lang: str,
    transcript: bool,
    color: bool | None,
    report_file: str | None = None,
) -> int:
    """Print the report to stdout (and the Markdown report to ``report_file``); the exit code."""
    if report_file:
        from pathlib import Path

        from mailcheck.atomicfile import write_atomically
        from mailcheck.report.markdown import render_markdown

        text = render_markdown(diagnosis, lang=lang)
        write_atomically(Path(report_file), text, what="Markdown report")
    if fmt == "json":
        from mailcheck.report.json import render_json

        click.echo(render_json(diagnosis, transcript=transcript))
    else:
        from mailcheck.report.human import render_human

        use_colour = sys.stdout.isatty() if color is None else color
        click.echo(
            render_human(diagnosis, lang=lang, colour=use_colour, transcript=transcript),
            nl=False,
            color=use_colour,
        )
    return diagnosis.exit_code
