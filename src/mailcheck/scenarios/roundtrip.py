"""The round trip (``mailcheck roundtrip``, ``diagnose``): a test invoice, found or not.

Credentials, then the test invoice to the sender's own mailbox (and the probe
mailboxes), watched in INBOX and the spam folder. What else the walk does
(the sender's DNS, a labelled test to the customer and its bounce, the RCPT
question to the customer's server) a :class:`RoundtripSteps` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.errors import ConfigError
from mailcheck.evidence import ProbeResult
from mailcheck.probes.recorder import Recorder
from mailcheck.scenarios.common import (
    ProgressView,
    mailbox_secret,
    rcpt_probe,
    recipient_probe,
    recipient_tls_probe,
    run_deadline,
    sender_probe,
    settings_target,
    showing,
)
from mailcheck.scenarios.mailboxes import bounce_probe, mailbox_probe
from mailcheck.scenarios.retry import retrying
from mailcheck.secret import Secret
from mailcheck.settings import Settings

if TYPE_CHECKING:
    from mailcheck.probes.run import ProbeFn
    from mailcheck.progress import Progress

__all__ = ["RoundtripSteps", "roundtrip_diagnosis"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundtripSteps:
    """What a round trip does besides sending a test invoice to the sender's own mailbox."""

    sender_dns: bool = False
    """Check the sender domain's SPF, DKIM and DMARC (after the trip: they need what it saw)."""
    send_to_recipient: bool = False
    """Also send a labelled test to the recipient and watch the sender's INBOX for its bounce."""
    probe_rcpt: bool = False
    """Ask the recipient's mail server (port 25) whether it takes the address; sends no mail."""
    bounce_planned: bool = False
    """The walk includes the bounce: when no bounce is watched, the diagnosis says so."""

    @classmethod
    def full_walk(cls, settings: Settings) -> RoundtripSteps:
        """``diagnose``: the whole walk, with the optional parts the settings turn on."""
        return cls(
            sender_dns=True,
            send_to_recipient=settings.roundtrip.send_to_recipient,
            probe_rcpt=settings.roundtrip.probe_rcpt,
            bounce_planned=True,
        )


async def roundtrip_diagnosis(
    command: str,
    settings: Settings,
    secret: Secret,
    steps: RoundtripSteps = RoundtripSteps(),
    *,
    view: ProgressView | None = None,
) -> Diagnosis:
    """The round trip and the parts ``steps`` adds; ``command`` is only the diagnosis's label."""
    from mailcheck.probes.run import run_probe
    from mailcheck.probes.smtp import smtp_target

    if steps.sender_dns:
        _load_sender_checks_meanwhile()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    trip = _Trip(settings, secret, steps, run_deadline(settings))
    progress, shown = showing(view)
    async with shown:
        results = await asyncio.gather(
            *trip.side_probes(progress),
            run_probe("smtp", smtp_target(settings.smtp), trip.send, trip.deadline, progress),
            *trip.mailbox_probes(progress),
        )
    all_results = list(results)
    if steps.sender_dns:
        # The sender's DNS needs what the round trip saw: the IP that sent, the DKIM signature.
        message = trip.captured.get("message")
        all_results.append(await sender_probe(settings, all_results, message, trip.deadline))
    target = settings_target(settings, secret)
    target["token"] = trip.invoice.token
    target["message_id"] = trip.invoice.message_id  # what an admin greps the logs for
    later: tuple[str, ...] = ()
    if settings.roundtrip.send_only:
        later = ("needs-imap",)
    elif steps.bounce_planned and trip.customer is None:
        later = ("bounce",)
    return diagnose(command, target, all_results, started, started_at, later)


class _Trip:
    """One round trip's shared parts: the mailboxes, the invoice, the signals between probes."""

    def __init__(
        self, settings: Settings, secret: Secret, steps: RoundtripSteps, deadline: float
    ) -> None:
        from mailcheck.invoice import build_invoice
        from mailcheck.probes.roundtrip import Signals

        send_only = settings.roundtrip.send_only
        if settings.mailbox is None or settings.sender is None:
            raise ConfigError(
                "the round trip needs --sender (the mailbox it sends the test invoice to)"
            )
        loop = asyncio.get_running_loop()
        self.settings = settings
        self.steps = steps
        self.deadline = deadline
        self.sender = settings.sender
        # Send-only (no IMAP account): no mailbox is watched, nothing goes to the sender.
        self.mailboxes = [] if send_only else [settings.mailbox, *settings.roundtrip.probes]
        self.secrets = [mailbox_secret(m, secret) for m in self.mailboxes]
        # --send-to-recipient: the customer gets a clearly-labelled test, and the sender's INBOX
        # is watched for a bounce about it (the customer's own server's verdict).
        self.customer = settings.recipient if steps.send_to_recipient else None
        options = settings.roundtrip
        self.invoice = build_invoice(
            sender=settings.sender,
            recipient=self.customer or settings.sender,
            label_as_test=self.customer is not None,
            subject=options.subject,
            sender_name=options.sender_name,
            attachment_size=options.attachment_size,
        )
        self.data = self.invoice.message.as_bytes(policy=email.policy.SMTP)
        self.signals = Signals()
        # The customer's server refused the test at RCPT: no bounce can come, none is waited for.
        self.customer_refused = asyncio.Event()
        self.captured: dict[str, bytes] = {}
        self.prepared: list[asyncio.Future[bool]] = [loop.create_future() for _ in self.mailboxes]
        self.bounce_ready: asyncio.Future[bool] = loop.create_future()
        if self.customer is None or not self.mailboxes:  # no bounce watch
            self.bounce_ready.set_result(True)
        self.secret = secret

    async def ready(self) -> bool:
        """Whether to send: the sender's own mailbox must be watched before anything is sent;
        a probe mailbox that cannot be watched does not stop the test."""
        results = await asyncio.gather(*self.prepared, self.bounce_ready)
        return results[0] if self.prepared else True

    async def send(self, rec: Recorder) -> None:
        """The ``smtp`` probe: log in and submit the test invoice once every watch is ready."""
        from mailcheck.probes.smtp import SmtpProbe, Submission, probe_smtp

        customer = self.customer
        signals = self.signals
        recipients = tuple(m.address for m in self.mailboxes) + ((customer,) if customer else ())
        probe = SmtpProbe(
            settings=self.settings.smtp,
            secret=self.secret,
            dns_server=self.settings.dns_server,
            # Send-only without --send-to-recipient: nobody to send to, the login alone.
            submission=None
            if not recipients
            else Submission(
                sender=self.sender,
                recipients=recipients,
                data=self.data,
                ready=self.ready,
                sent=signals.mark_submitted,
                authenticated=signals.mark_login,
                refused=lambda address: (
                    self.customer_refused.set() if address == customer else None
                ),
            ),
        )
        try:
            await retrying(
                lambda r: probe_smtp(probe, r),
                rec,
                enabled=self.settings.retry_temporary,
                deadline=self.deadline,
            )
        finally:
            signals.mark_login(False)  # no-op when the login already had its verdict
            if not signals.submitted.is_set():
                signals.aborted.set()

    def mailbox_probes(self, progress: Progress | None) -> list[Awaitable[ProbeResult]]:
        """One ``imap`` probe per mailbox that watches for the test invoice."""
        from mailcheck.probes.run import run_probe

        if self.settings.roundtrip.send_only:
            return [_withheld_imap()]
        return [
            run_probe(
                "imap" if m.label == "sender" else f"imap:{m.label}",
                f"{m.address} at {m.imap.host}:{m.imap.port} ({m.imap.tls.value})",
                self._watcher(i),
                self.deadline,
                progress,
            )
            for i, m in enumerate(self.mailboxes)
        ]

    def _watcher(self, i: int) -> ProbeFn:
        """The probe function that watches mailbox ``i`` (0: the sender's own)."""
        from mailcheck.probes.roundtrip import token_matcher

        mailbox = self.mailboxes[i]
        invoice = self.invoice
        return lambda rec: mailbox_probe(
            mailbox,
            self.secrets[i],
            rec,
            token_matcher(invoice.token, invoice.message_id, self.sender),
            self.signals,
            self.prepared[i],
            wait=self.settings.roundtrip.wait,
            deadline=self.deadline,
            delete=not self.settings.roundtrip.keep,
            same_password=mailbox.secret_source is None,
            captured=self.captured if i == 0 else None,
        )

    def side_probes(self, progress: Progress | None) -> list[Awaitable[ProbeResult]]:
        """The probes beside the trip: the recipient's DNS, the RCPT question, the bounce watch."""
        from mailcheck.probes.run import run_probe

        settings = self.settings
        probes: list[Awaitable[ProbeResult]] = []
        if settings.recipient is not None:
            probes.append(recipient_probe(settings.recipient, settings, self.deadline))
            probes.append(recipient_tls_probe(settings.recipient, settings, self.deadline))
            if self.steps.probe_rcpt:
                probes.append(rcpt_probe(settings.recipient, settings, self.deadline))
        if self.customer is not None and self.mailboxes:
            own = self.mailboxes[0]
            invoice = self.invoice
            probes.append(
                run_probe(
                    "bounce",
                    f"bounces about {invoice.message_id} in {own.address}",
                    lambda rec: bounce_probe(
                        own,
                        self.secrets[0],
                        rec,
                        self.signals,
                        self.bounce_ready,
                        (invoice.token, invoice.message_id),
                        wait=settings.roundtrip.wait,
                        deadline=self.deadline,
                        refused=self.customer_refused,
                    ),
                    self.deadline,
                    progress,
                )
            )
        return probes


async def _withheld_imap() -> ProbeResult:
    """The ``imap`` probe of a send-only run: not run, there is no mailbox to watch."""
    from mailcheck.evidence import ProbeStatus
    from mailcheck.verdict import NO_IMAP

    return ProbeResult(
        probe="imap", status=ProbeStatus.NOT_RUN, target="(no IMAP account)", skip_reason=NO_IMAP
    )


def _load_sender_checks_meanwhile() -> None:
    """Import the sender checks (SPF, DKIM, DMARC, the suffix list) while the round trip waits.

    They run after the round trip (they need the sending IP and the received
    message), and loading them costs more than their DNS lookups on a fast
    network; a thread does it while the event loop mostly waits on servers.
    """
    import threading

    def load() -> None:
        # Whatever fails here fails again, visibly, when the probe imports it for real.
        with contextlib.suppress(Exception):
            import mailcheck.probes.auth  # noqa: F401 - loaded for later
            from mailcheck.auth.psl import load_rules

            load_rules()

    threading.Thread(target=load, name="mailcheck-preload", daemon=True).start()
