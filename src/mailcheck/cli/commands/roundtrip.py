"""``mailcheck roundtrip``: a test invoice to the sender's own mailbox, found in Inbox or Junk."""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli.options import imap_options, output_options, roundtrip_options, smtp_options


@click.command("roundtrip")
@click.option("--sender", envvar="MAILCHECK_SENDER", help="The address to test (its own mailbox).")
@smtp_options
@imap_options
@roundtrip_options
@output_options
def command(
    fmt: str, transcript: bool, color: bool | None, report_file: str | None, **values: Any
) -> int:
    """Send a test invoice to your own mailbox; report inbox, spam or lost.

    Logs in, sends a real-looking invoice (PDF and XML attached) to the sender's
    own address, watches INBOX and the spam folder (IMAP IDLE), reads the
    receiving side's spam and authentication headers, then deletes that message
    and nothing else. Exit 0 inbox, 1 spam folder, 2 not delivered, 3 could not tell.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit, prepare
    from mailcheck.progress import progress_view
    from mailcheck.report.i18n import PROGRESS
    from mailcheck.scenarios.roundtrip import RoundtripSteps, roundtrip_diagnosis

    settings, secret = prepare(values, need_sender=True)
    steps = RoundtripSteps()
    view = progress_view(PROGRESS[settings.lang], settings.roundtrip.wait)
    run = roundtrip_diagnosis("roundtrip", settings, secret, steps, view=view)
    diagnosis = interrupt.run(run)
    return emit(
        diagnosis,
        fmt=fmt,
        lang=settings.lang,
        transcript=transcript,
        color=color,
        report_file=report_file,
    )
