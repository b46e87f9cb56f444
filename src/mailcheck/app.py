"""What the commands share: build settings, read the secret, run, print, pick the exit code."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import click

from mailcheck.config import Settings, resolve_settings
from mailcheck.runner import Diagnosis
from mailcheck.secret import Secret, read_secret

__all__ = ["emit", "prepare", "run_smtp_diagnosis"]


def prepare(
    values: Mapping[str, Any], *, need_sender: bool = False, need_recipient: bool = False
) -> tuple[Settings, Secret]:
    """Settings and password, or a :class:`~mailcheck.errors.MailcheckError` (exit 3)."""
    settings = resolve_settings(values, need_sender=need_sender, need_recipient=need_recipient)
    secret = read_secret(
        settings.secret_source, prompt_label=f"Password for {settings.smtp.username}"
    )
    return settings, secret


def _target(settings: Settings, secret: Secret) -> dict[str, str | int | None]:
    return {
        "smtp_host": settings.smtp.host,
        "smtp_port": settings.smtp.port,
        "smtp_tls": settings.smtp.tls.value,
        "username": settings.smtp.username,
        "password_source": secret.source,
        "sender": settings.sender,
        "recipient": settings.recipient,
        "provider": settings.provider,
        "profile": settings.profile,
    }


async def _smtp_diagnosis(command: str, settings: Settings, secret: Secret) -> Diagnosis:
    from mailcheck.probes.smtp import SmtpProbe, probe_smtp, smtp_target
    from mailcheck.runner import diagnose, run_probe

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = asyncio.get_running_loop().time() + settings.deadline
    probe = SmtpProbe(settings=settings.smtp, secret=secret, dns_server=settings.dns_server)
    result = await run_probe(
        "smtp",
        smtp_target(settings.smtp),
        lambda rec: probe_smtp(probe, rec),
        deadline,
    )
    # The round trip, DNS and bounce probes are not built yet (issues 3 to 5): say so.
    later = ("roundtrip", "dns", "bounce") if command == "diagnose" else ()
    return diagnose(command, _target(settings, secret), [result], started, started_at, later)


def run_smtp_diagnosis(command: str, settings: Settings, secret: Secret) -> Diagnosis:
    """Run the SMTP credential check and diagnose it."""
    return asyncio.run(_smtp_diagnosis(command, settings, secret))


def emit(
    diagnosis: Diagnosis,
    *,
    fmt: str,
    lang: str,
    transcript: bool,
    color: bool | None,
) -> int:
    """Print the report to stdout; return the exit code."""
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
