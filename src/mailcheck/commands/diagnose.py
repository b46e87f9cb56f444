"""``mailcheck diagnose``: the full walk from the sender to the customer.

For now it runs the SMTP credential check; the round trip, DNS and bounce
probes join it as they are built.
"""

from __future__ import annotations

from typing import Any

import click

from mailcheck.options import output_options, smtp_options


@click.command("diagnose")
@click.option("--sender", envvar="MAILCHECK_SENDER", help="The address the invoices are sent from.")
@click.option("--recipient", envvar="MAILCHECK_RECIPIENT", help="The customer's address.")
@smtp_options
@output_options
def command(fmt: str, transcript: bool, color: bool | None, **values: Any) -> int:
    """Why did the invoice not reach the customer?

    Checks the sender's submission server (credentials, TLS) and names the
    cause with its fix. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    """
    from mailcheck.app import emit, prepare, run_smtp_diagnosis

    settings, secret = prepare(values, need_sender=True, need_recipient=True)
    diagnosis = run_smtp_diagnosis("diagnose", settings, secret)
    return emit(diagnosis, fmt=fmt, lang=settings.lang, transcript=transcript, color=color)
