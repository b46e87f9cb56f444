"""``mailcheck smtp``: credentials and TLS of the submission server; sends nothing."""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli.options import output_options, smtp_options


@click.command("smtp")
@click.option(
    "--sender", envvar="MAILCHECK_SENDER", help="Sending address (picks a provider preset)."
)
@smtp_options
@output_options
def command(
    fmt: str, transcript: bool, color: bool | None, report_file: str | None, **values: Any
) -> int:
    """Check SMTP credentials and TLS; sends nothing.

    Connects, checks TLS and the certificate, and makes exactly one login
    attempt. Exit 0 when the login is accepted, 2 when mail cannot go out,
    3 when mailcheck could not tell.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit, prepare
    from mailcheck.scenarios.smtp import smtp_diagnosis

    settings, secret = prepare(values)
    diagnosis = interrupt.run(smtp_diagnosis("smtp", settings, secret))
    return emit(
        diagnosis,
        fmt=fmt,
        lang=settings.lang,
        transcript=transcript,
        color=color,
        report_file=report_file,
    )
