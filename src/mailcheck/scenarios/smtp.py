"""The SMTP credential check (``mailcheck smtp``): log in once, send nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.scenarios.common import run_deadline, sender_probe, settings_target
from mailcheck.scenarios.retry import retrying
from mailcheck.secret import Secret
from mailcheck.settings import Settings

__all__ = ["smtp_diagnosis"]


async def smtp_diagnosis(
    command: str, settings: Settings, secret: Secret, *, sender_dns: bool = False
) -> Diagnosis:
    """The SMTP credential check (and, with ``sender_dns``, the sender domain's DNS).

    ``command`` is only the label the diagnosis carries (``smtp``, ``check``).
    """
    from mailcheck.probes.run import run_probe
    from mailcheck.probes.smtp import SmtpProbe, probe_smtp, smtp_target

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = run_deadline(settings)
    probe = SmtpProbe(settings=settings.smtp, secret=secret, dns_server=settings.dns_server)
    result = await run_probe(
        "smtp",
        smtp_target(settings.smtp),
        lambda rec: retrying(
            lambda r: probe_smtp(probe, r),
            rec,
            enabled=settings.retry_temporary,
            deadline=deadline,
        ),
        deadline,
    )
    results = [result]
    if sender_dns and settings.sender:
        results.append(await sender_probe(settings, results, None, deadline))
    return diagnose(command, settings_target(settings, secret), results, started, started_at)
