"""``mailcheck diagnose``: the full walk from the sender to the customer.

It runs the SMTP credential check, then the round trip (a test invoice to
the sender's own mailbox); DNS and bounce probes join it as they are built.
"""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli.options import imap_options, output_options, roundtrip_options, smtp_options


@click.command("diagnose")
@click.option("--sender", envvar="MAILCHECK_SENDER", help="The address the invoices are sent from.")
@click.option("--recipient", envvar="MAILCHECK_RECIPIENT", help="The customer's address.")
@click.option(
    "--send-to-recipient",
    is_flag=True,
    default=False,
    help="Also send a clearly-labelled test to the customer and watch for a bounce.",
)
@click.option(
    "--probe-rcpt",
    is_flag=True,
    default=False,
    help="Ask the customer's mail server (port 25) whether it takes the address; sends no mail.",
)
@click.option(
    "--no-imap",
    is_flag=True,
    default=None,
    envvar="MAILCHECK_NO_IMAP",
    help="Send-only account (an SMTP relay, no mailbox): what needs IMAP is reported not checked.",
)
@click.option(
    "--mx-port", hidden=True, help="Port of the customer's MX for --probe-rcpt [25] (the lab)."
)
@smtp_options
@imap_options
@roundtrip_options
@output_options
def command(
    fmt: str, transcript: bool, color: bool | None, report_file: str | None, **values: Any
) -> int:
    """Why did the invoice not reach the customer?

    Checks the sender's submission server (credentials, TLS), sends a test
    invoice to the sender's own mailbox and finds it in the inbox or the spam
    folder, and names the cause with its fix. Exit 0 OK, 1 WARNING (spam
    folder), 2 CRITICAL (cannot send, not delivered), 3 UNKNOWN. With --no-imap
    (or a profile's imap = false) only the sending side is checked: the login,
    the test to the customer (--send-to-recipient), DNS, the RCPT check.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit, prepare
    from mailcheck.progress import progress_view
    from mailcheck.report.i18n import PROGRESS
    from mailcheck.scenarios.roundtrip import RoundtripSteps, roundtrip_diagnosis

    settings, secret = prepare(values, need_sender=True, need_recipient=True)
    steps = RoundtripSteps.full_walk(settings)
    view = progress_view(PROGRESS[settings.lang], settings.roundtrip.wait)
    run = roundtrip_diagnosis("diagnose", settings, secret, steps, view=view)
    diagnosis = interrupt.run(run)
    return emit(
        diagnosis,
        fmt=fmt,
        lang=settings.lang,
        transcript=transcript,
        color=color,
        report_file=report_file,
    )
