"""``mailcheck watch``: FAQ case 1, the invoice goes out through the software vendor's mail service.

mailcheck cannot send it, so it waits: the user sends an invoice from the
accounting software to their own mailbox, and mailcheck reports where it
landed (inbox, spam folder, another folder, or nowhere) and why.
"""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli.options import imap_options, output_options, smtp_options


@click.command("watch")
@click.option(
    "--mailbox",
    "sender",
    envvar="MAILCHECK_MAILBOX",
    help="Your own mailbox's address, where the software sends the test.",
)
@click.option("--from", "match_from", help="Match the sender's address or name (part of it).")
@click.option("--subject-contains", "match_subject", help="Match part of the subject.")
@click.option("--invoice-number", "match_number", help="Match the invoice number in the subject.")
@click.option(
    "--wait",
    envvar="MAILCHECK_WAIT",
    metavar="SECONDS",
    default="300",
    show_default=True,
    help="How long to wait for the message.",
)
@smtp_options
@imap_options
@output_options
def command(
    fmt: str,
    transcript: bool,
    color: bool | None,
    report_file: str | None,
    match_from: str | None,
    match_subject: str | None,
    match_number: str | None,
    **values: Any,
) -> int:
    """Wait for an invoice the accounting software sends; report where it landed.

    Start it, then send an invoice from the accounting software to your own
    mailbox (--mailbox). It watches INBOX and the spam folder and never deletes
    anything. It reads the message's authentication (SPF, DKIM, DMARC) too: a
    message not authenticated for your domain is a warning. Exit 0 inbox, 1 spam
    folder or not authenticated, 2 not arrived, 3 could not tell.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit, prepare
    from mailcheck.errors import ConfigError
    from mailcheck.progress import progress_view
    from mailcheck.report.i18n import PROGRESS
    from mailcheck.scenarios.watch import WatchCriteria, watch_diagnosis

    if not (match_from or match_subject or match_number):
        raise ConfigError("say what to wait for: --from, --subject-contains or --invoice-number")
    values["deadline"] = values.get("deadline") or str(float(values["wait"]) + 30)
    settings, secret = prepare(values, need_sender=True, need_smtp=False)
    criteria = WatchCriteria(match_from, match_subject, match_number)
    view = progress_view(PROGRESS[settings.lang], settings.roundtrip.wait)
    diagnosis = interrupt.run(watch_diagnosis(settings, secret, criteria, view=view))
    return emit(
        diagnosis,
        fmt=fmt,
        lang=settings.lang,
        transcript=transcript,
        color=color,
        report_file=report_file,
    )
