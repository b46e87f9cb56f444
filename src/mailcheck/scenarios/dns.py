"""Check domains (or the domains of addresses) in the DNS (``mailcheck dns``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.errors import ConfigError
from mailcheck.probes.recorder import Recorder
from mailcheck.scenarios.common import DNS_MARGIN

if TYPE_CHECKING:
    from mailcheck.dnsresolver import Resolver
    from mailcheck.evidence import ProbeResult

__all__ = ["DnsOptions", "dns_diagnoses", "dns_diagnosis"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsOptions:
    """What to check besides the domain's mail servers."""

    sending_ip: str | None = None
    """Evaluate SPF for this IP and look it up on the blocklists."""
    dkim_selector: str | None = None
    """Check this DKIM selector's key record."""
    dnsbls: tuple[str, ...] = ()
    """Blocklist zones as given (``default``: the built-in list)."""
    deadline: float = 60.0
    """Seconds for the whole run."""
    mx_tls: bool = False
    """Also connect to the recipient's MX (port 25) for its STARTTLS and certificate."""
    mx_port: int = 25
    """The MX's port (the lab's in tests)."""
    https_port: int = 443
    """Where MTA-STS policies are fetched (a test server's port in tests)."""
    ca_file: str | None = None
    """CAs trusted for the MX's and the policy host's certificates instead of the system's."""
    timeout: float = 10.0
    """Per connection step of the TLS checks, in seconds."""


def _domain_of(target: str) -> str:
    """The domain to check: an address's domain, or the domain name itself in ASCII."""
    from mailcheck.recipient import AddressError, split_address

    if "@" in target:
        try:
            _, domain = split_address(target)
        except AddressError as exc:
            raise ConfigError(f"{target!r} is not a valid address: {exc}") from None
        return domain
    domain = target.strip().lower().rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ConfigError(f"{target!r} is not a valid domain name") from None


async def dns_diagnosis(target: str, resolver: Resolver, options: DnsOptions) -> Diagnosis:
    """One address (checked as a recipient) or domain (also as a sender) on ``resolver``."""
    from mailcheck.probes.dns import probe_recipient
    from mailcheck.probes.run import run_probe

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    domain = _domain_of(target)
    deadline = asyncio.get_running_loop().time() + (options.deadline or 60)
    # One resolver serves every target of the run: the earliest deadline is the run's.
    ends = deadline - DNS_MARGIN
    resolver.deadline = ends if resolver.deadline is None else min(resolver.deadline, ends)

    async def probe(rec: Recorder) -> None:
        await probe_recipient(domain, resolver, rec, deadline=ends)

    jobs = [
        run_probe("dns", domain, probe, deadline),
        _tls_job(domain, resolver, options, deadline),
    ]
    ip = options.sending_ip
    selector = options.dkim_selector
    if "@" not in target or ip or selector:
        # A domain (not a customer's address) is checked as a sender too, at the same time.
        from mailcheck.probes.auth import SenderCheck, probe_sender
        from mailcheck.values import parse_dnsbls

        check = SenderCheck(
            domain=domain, ip=ip, dkim_selector=selector, dnsbls=parse_dnsbls(options.dnsbls)
        )

        async def sender(rec: Recorder) -> None:
            await probe_sender(check, resolver, rec)

        jobs.append(run_probe("auth", domain, sender, deadline))
    results = list(await asyncio.gather(*jobs))
    summary: dict[str, str | int | None] = {"target": target, "domain": domain}
    if resolver.server:
        summary["dns_server"] = f"{resolver.server[0]}:{resolver.server[1]}"
    if ip:
        summary["ip"] = ip
    return diagnose("dns", summary, results, started, started_at)


def _tls_job(
    domain: str, resolver: Resolver, options: DnsOptions, deadline: float
) -> Coroutine[Any, Any, ProbeResult]:
    """The recipient's TLS for incoming mail: MTA-STS and TLS-RPT always, the MX with --mx-tls."""
    from mailcheck.probes.mxtls import RecipientTls, probe_recipient_tls
    from mailcheck.probes.run import run_probe

    check = RecipientTls(
        domain=domain,
        starttls=options.mx_tls,
        mx_port=options.mx_port,
        https_port=options.https_port,
        ca_file=options.ca_file,
        timeout=options.timeout,
    )

    async def probe(rec: Recorder) -> None:
        await probe_recipient_tls(check, resolver, rec)

    return run_probe("mxtls", domain, probe, deadline)


async def dns_diagnoses(
    targets: Sequence[str],
    server: tuple[str, int] | None,
    timeout: float,
    options: DnsOptions,
) -> list[Diagnosis]:
    """One diagnosis per address or domain, all sharing one resolver (and its cache).

    ``server`` is the DNS server to ask (default: the system's); ``timeout`` the
    seconds per lookup.
    """
    from mailcheck.dnsresolver import Resolver

    async with Resolver(server, timeout=timeout / 2, lifetime=timeout) as resolver:
        return list(await asyncio.gather(*(dns_diagnosis(t, resolver, options) for t in targets)))
