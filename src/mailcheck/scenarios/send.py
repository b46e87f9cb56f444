"""``mailcheck send --to ADDRESS``: the test invoice to one address, through the sender's account.

The same message the round trip sends (:mod:`mailcheck.invoice`), labelled as a test,
to the one address given and to nobody else; the report is the submission: accepted
(with the queue id when the server's 250 names one) or refused, in the server's words.
It needs no IMAP: a relay account can use it, and the person at ADDRESS looks.
"""

from __future__ import annotations

import email.policy
import time
from datetime import UTC, datetime

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.errors import ConfigError
from mailcheck.scenarios.common import run_deadline, settings_target
from mailcheck.scenarios.retry import retrying
from mailcheck.secret import Secret
from mailcheck.settings import Settings
from mailcheck.values import Address

__all__ = ["send_diagnosis"]


async def send_diagnosis(command: str, settings: Settings, secret: Secret, to: str) -> Diagnosis:
    """Log in and submit the test invoice to ``to`` only; ``command`` labels the diagnosis."""
    from mailcheck.invoice import build_invoice
    from mailcheck.probes.run import run_probe
    from mailcheck.probes.smtp import SmtpProbe, Submission, probe_smtp, smtp_target

    if settings.sender is None:
        raise ConfigError("send needs --sender (the address the test invoice comes from)")
    address = str(Address.parse(to, "--to"))
    options = settings.roundtrip
    invoice = build_invoice(
        sender=settings.sender,
        recipient=address,
        label_as_test=True,
        subject=options.subject,
        sender_name=options.sender_name,
        attachment_size=options.attachment_size,
    )
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = run_deadline(settings)

    async def ready() -> bool:
        return True

    probe = SmtpProbe(
        settings=settings.smtp,
        secret=secret,
        dns_server=settings.dns_server,
        submission=Submission(
            sender=settings.sender,
            recipients=(address,),  # the one address given, never anyone else
            data=invoice.message.as_bytes(policy=email.policy.SMTP),
            ready=ready,
            sent=lambda: None,
        ),
    )
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
    target = settings_target(settings, secret)
    target["recipient"] = address
    target["token"] = invoice.token
    target["message_id"] = invoice.message_id
    return diagnose(command, target, [result], started, started_at)
