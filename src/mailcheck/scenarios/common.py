"""What the scenarios share: the run's deadline, the target summary, the DNS probes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from mailcheck.errors import ConfigError
from mailcheck.evidence import ProbeResult
from mailcheck.probes.recorder import Recorder
from mailcheck.progress import Progress
from mailcheck.secret import Secret, read_secret
from mailcheck.settings import MailboxSettings, Settings
from mailcheck.values import Address

if TYPE_CHECKING:
    from mailcheck.probes.auth import SenderCheck

__all__ = [
    "CLEANUP_MARGIN",
    "DNS_MARGIN",
    "ProgressView",
    "mailbox_secret",
    "rcpt_probe",
    "recipient_domain_probe",
    "recipient_probe",
    "recipient_tls_probe",
    "run_deadline",
    "sender_domain_probe",
    "sender_probe",
    "settings_target",
    "showing",
]

#: Seconds before the run's deadline at which DNS lookups stop, so they end with an outcome
#: of their own before the runner cancels the probe.
DNS_MARGIN = 0.1

#: Seconds kept back from the deadline for reading headers and cleaning up.
CLEANUP_MARGIN = 3.0


def settings_target(settings: Settings, secret: Secret) -> dict[str, str | int | None]:
    """What a run with these settings checks, for the diagnosis (never the password)."""
    return {
        "smtp_host": settings.smtp.host,
        "smtp_port": settings.smtp.port,
        "smtp_tls": settings.smtp.tls.value,
        "username": settings.smtp.username,
        "password_source": secret.source,
        "sender": settings.sender,
        "recipient": settings.recipient,
        "provider": settings.provider,
        "provider_mx": settings.provider_mx,
        "profile": settings.profile,
        # What the run took from the profile, and how a server nobody named was found.
        "profile_keys": ", ".join(settings.profile_keys) or None,
        "smtp_found_by": settings.smtp_found_by,
    }


def run_deadline(settings: Settings) -> float:
    """The run's overall deadline as a ``loop.time()`` value.

    It counts from when the settings were read, so the time a password
    command took is inside ``--deadline``, not added to it (the event loop's
    clock is ``time.monotonic``, the clock the secret source's limit uses).
    """
    deadline = asyncio.get_running_loop().time() + settings.deadline
    started = settings.secret_source.deadline_at
    return min(deadline, started) if started is not None else deadline


def mailbox_secret(mailbox: MailboxSettings, smtp_secret: Secret) -> Secret:
    """The mailbox's own password, or the SMTP one when it has none of its own."""
    if mailbox.secret_source is None:
        return smtp_secret
    return read_secret(
        mailbox.secret_source, prompt_label=f"IMAP password for {mailbox.imap.username}"
    )


async def rcpt_probe(address: str, settings: Settings, deadline: float) -> ProbeResult:
    """The ``rcpt`` probe: ask the customer's mail server about the address (sends no mail)."""
    from mailcheck.dnsresolver import Resolver
    from mailcheck.probes.rcpt import probe_rcpt
    from mailcheck.probes.run import run_probe

    timeout = settings.smtp.timeout
    resolver = Resolver(
        settings.dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - DNS_MARGIN
    )

    async def probe(rec: Recorder) -> None:
        async with resolver:
            await probe_rcpt(
                address,
                settings.sender or "",
                resolver,
                rec,
                port=settings.roundtrip.mx_port,
                timeout=timeout,
                ehlo_name=settings.smtp.ehlo_name,
            )

    return await run_probe("rcpt", address, probe, deadline)


async def recipient_domain_probe(
    domain: str, dns_server: tuple[str, int] | None, timeout: float, deadline: float
) -> ProbeResult:
    """The ``dns`` probe: a recipient domain's mail servers, on a resolver of its own."""
    from mailcheck.dnsresolver import Resolver
    from mailcheck.probes.dns import probe_recipient
    from mailcheck.probes.run import run_probe

    resolver = Resolver(
        dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - DNS_MARGIN
    )

    async def probe(rec: Recorder) -> None:
        async with resolver:
            await probe_recipient(domain, resolver, rec, deadline=deadline - DNS_MARGIN)

    return await run_probe("dns", domain, probe, deadline)


async def sender_domain_probe(
    check: SenderCheck, dns_server: tuple[str, int] | None, timeout: float, deadline: float
) -> ProbeResult:
    """The ``auth`` probe: the sender domain's SPF, DKIM, DMARC (and blocklists)."""
    from mailcheck.dnsresolver import Resolver
    from mailcheck.probes.auth import probe_sender
    from mailcheck.probes.run import run_probe

    resolver = Resolver(
        dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - DNS_MARGIN
    )

    async def probe(rec: Recorder) -> None:
        async with resolver:
            await probe_sender(check, resolver, rec)

    return await run_probe("auth", check.domain, probe, deadline)


async def recipient_probe(address: str, settings: Settings, deadline: float) -> ProbeResult:
    """The recipient's domain in the DNS, run beside the round trip."""
    from mailcheck.recipient import AddressError, split_address

    try:
        _, domain = split_address(address)
    except AddressError as exc:
        raise ConfigError(f"--recipient: {exc}") from None
    return await recipient_domain_probe(
        domain, settings.dns_server, settings.smtp.timeout, deadline
    )


async def recipient_tls_probe(address: str, settings: Settings, deadline: float) -> ProbeResult:
    """The ``mxtls`` probe beside the round trip: the recipient domain's MTA-STS and TLS-RPT.

    DNS and (when a policy is announced) one HTTPS fetch; no port 25 connection here, which
    many networks block: ``mailcheck dns --mx-tls`` checks the MX's STARTTLS on request.
    """
    from mailcheck.dnsresolver import Resolver
    from mailcheck.probes.mxtls import RecipientTls, probe_recipient_tls
    from mailcheck.probes.run import run_probe

    timeout = settings.smtp.timeout
    check = RecipientTls(
        domain=Address.domain_of(address), ca_file=settings.smtp.ca_file, timeout=timeout
    )
    resolver = Resolver(
        settings.dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - DNS_MARGIN
    )

    async def probe(rec: Recorder) -> None:
        async with resolver:
            await probe_recipient_tls(check, resolver, rec)

    return await run_probe("mxtls", check.domain, probe, deadline)


def _sending_ip(results: list[ProbeResult], message: bytes | None) -> str | None:
    """The IP that sent: from the received message's Received chain, else the submission server."""
    if message is not None:
        from mailcheck.headers import read_headers

        ip = read_headers(message).sending_ip
        if ip:
            return ip
    for result in results:
        if result.probe == "smtp":
            connect = result.step("connect")
            peer = connect.get("peer") if connect is not None else None
            if peer:
                return peer.rpartition(":")[0].strip("[]")
    return None


async def sender_probe(
    settings: Settings, results: list[ProbeResult], message: bytes | None, deadline: float
) -> ProbeResult:
    """The sender domain's DNS, judged for the IP that sent and the message that arrived."""
    from mailcheck.probes.auth import SenderCheck

    sender = settings.sender or ""
    check = SenderCheck(
        domain=Address.domain_of(sender),
        ip=_sending_ip(results, message),
        sender=sender,
        message=message,
        dnsbls=settings.dnsbls,
    )
    return await sender_domain_probe(check, settings.dns_server, settings.smtp.timeout, deadline)


#: How a caller shows a run's progress while its probes run (the command line's live
#: line on stderr); the scenarios themselves never write to the terminal.
ProgressView = Callable[[Progress], AbstractAsyncContextManager[None]]


def showing(
    view: ProgressView | None,
) -> tuple[Progress | None, AbstractAsyncContextManager[None]]:
    """The progress to record into and the block that shows it (nothing without a view)."""
    if view is None:
        return None, contextlib.nullcontext()
    progress = Progress()
    return progress, view(progress)
