"""``mailcheck send --to ADDRESS``: the test invoice to one address, for a person to look at."""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli.options import output_options, smtp_options


@click.command("send")
@click.option("--to", "to", required=True, help="The one address the test invoice goes to.")
@click.option(
    "--sender", envvar="MAILCHECK_SENDER", help="The address the test invoice comes from."
)
@click.option("--subject", envvar="MAILCHECK_SUBJECT", help="Subject template ({number}, {token}).")
@click.option("--sender-name", envvar="MAILCHECK_SENDER_NAME", help="Display name in From.")
@click.option(
    "--attachment-size",
    envvar="MAILCHECK_ATTACHMENT_SIZE",
    metavar="SIZE",
    help="Make the test invoice about this big (e.g. 5M), like a real invoice.",
)
@smtp_options
@output_options
def command(
    fmt: str, transcript: bool, color: bool | None, report_file: str | None, to: str, **values: Any
) -> int:
    """Send the test invoice to ADDRESS (--to) and report the submission.

    Logs in with the sender's SMTP account and submits the same test invoice
    the round trip sends, labelled as a test, to the address given and to
    nobody else; needs no IMAP (a relay account will do). Reports whether the
    server accepted it (with its queue id) or refused it, in its own words.
    Exit 0 accepted, 1 WARNING (refused for now: try later), 2 refused, 3 could not tell.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit, prepare
    from mailcheck.scenarios.send import send_diagnosis

    settings, secret = prepare(values, need_sender=True)
    diagnosis = interrupt.run(send_diagnosis("send", settings, secret, to))
    return emit(
        diagnosis,
        fmt=fmt,
        lang=settings.lang,
        transcript=transcript,
        color=color,
        report_file=report_file,
    )
