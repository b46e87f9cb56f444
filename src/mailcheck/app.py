"""What the commands share: run a scenario's probes and diagnose them (no printing, no click)."""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailcheck import interrupt
from mailcheck.config import MailboxSettings, Settings
from mailcheck.errors import ConfigError
from mailcheck.evidence import Outcome, ProbeResult, Step
from mailcheck.probes.recorder import Recorder
from mailcheck.progress import Progress, progress_line
from mailcheck.runner import Diagnosis
from mailcheck.secret import Secret, read_secret

if TYPE_CHECKING:
    from mailcheck.probes.auth import SenderCheck
    from mailcheck.probes.roundtrip import Signals

__all__ = [
    "recipient_domain_probe",
    "roundtrip_diagnosis",
    "run_bounce_diagnoses",
    "run_dns_diagnoses",
    "run_roundtrip_diagnosis",
    "run_smtp_diagnosis",
    "run_watch_diagnosis",
    "sender_domain_probe",
    "smtp_diagnosis",
]


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


async def smtp_diagnosis(
    command: str, settings: Settings, secret: Secret, *, sender_dns: bool = False
) -> Diagnosis:
    """The SMTP credential check (and, with ``sender_dns``, the sender domain's DNS)."""
    from mailcheck.probes.smtp import SmtpProbe, probe_smtp, smtp_target
    from mailcheck.runner import diagnose, run_probe

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = run_deadline(settings)
    probe = SmtpProbe(settings=settings.smtp, secret=secret, dns_server=settings.dns_server)
    result = await run_probe(
        "smtp",
        smtp_target(settings.smtp),
        lambda rec: probe_smtp(probe, rec),
        deadline,
    )
    results = [result]
    if sender_dns and settings.sender:
        results.append(await _sender_probe(settings, results, None, deadline))
    return diagnose(command, _target(settings, secret), results, started, started_at)


def run_deadline(settings: Settings) -> float:
    """The run's overall deadline as a ``loop.time()`` value.

    It counts from when the settings were read, so the time a password
    command took is inside ``--deadline``, not added to it (the event loop's
    clock is ``time.monotonic``, the clock the secret source's limit uses).
    """
    deadline = asyncio.get_running_loop().time() + settings.deadline
    started = settings.secret_source.deadline_at
    return min(deadline, started) if started is not None else deadline


def run_smtp_diagnosis(command: str, settings: Settings, secret: Secret) -> Diagnosis:
    """Run the SMTP credential check and diagnose it."""
    return interrupt.run(smtp_diagnosis(command, settings, secret))


#: Seconds before the run's deadline at which DNS lookups stop, so they end with an outcome
#: of their own before the runner cancels the probe.
_DNS_MARGIN = 0.1

#: Seconds kept back from the deadline for reading headers and cleaning up.
_CLEANUP_MARGIN = 3.0


def _mailbox_secret(mailbox: MailboxSettings, smtp_secret: Secret) -> Secret:
    if mailbox.secret_source is None:
        return smtp_secret
    return read_secret(
        mailbox.secret_source, prompt_label=f"IMAP password for {mailbox.imap.username}"
    )


async def _watch_probe(
    mailbox: MailboxSettings,
    secret: Secret,
    rec: Recorder,
    matcher: Callable[[bytes], bool],
    signals: Signals,
    prepared: asyncio.Future[bool],
    *,
    wait: float,
    deadline: float,
    delete: bool,
    same_password: bool,
    captured: dict[str, bytes] | None = None,
) -> None:
    """One mailbox: get ready, report ready, wait for the message, read it, clean up.

    Cancelled (a signal, the deadline) after the message was sent, it still
    removes the test message within the grace and says what was left where.
    Afterwards it removes test invoices earlier runs left (never with --keep).
    """
    from mailcheck.pending import journal_for
    from mailcheck.probes.roundtrip import LEFTOVER_AGE, MailboxWatch

    # With the SMTP password, LOGIN waits for the SMTP verdict: a wrong password
    # then fails once per run, not once per protocol (account lockouts count failures).
    gate = signals.login_accepted if same_password else None
    watch = MailboxWatch(mailbox.imap, secret, rec, matcher, delete=delete, before_login=gate)
    token = getattr(matcher, "token", None)
    imap = mailbox.imap
    # --keep leaves the invoice on purpose: nothing to note, nothing to sweep.
    journal = journal_for(imap.username, imap.host, imap.port) if delete and token else None
    age = LEFTOVER_AGE.total_seconds()
    try:
        ok = await watch.prepare()
        if ok and journal is not None and token:
            journal.note(token)  # before the send: a run that dies still leaves the note
        prepared.set_result(ok)
        if not ok:
            return
        found = await watch.wait(signals, wait, deadline - _CLEANUP_MARGIN)
        if found is not None:
            await watch.read_headers()
            if captured is not None:
                message = await watch.read_message()
                if message is not None:
                    captured["message"] = message
        await watch.finish(signals)
        if (
            journal is not None
            and token
            and journal.sweep_due(age)
            and asyncio.get_running_loop().time() < deadline - 1.0
        ):
            due = [t for t in journal.pending(age) if t != token]
            sender = getattr(matcher, "sender", None) or mailbox.address
            await watch.sweep_leftovers(sender, token)
            if _last_step_ok(rec, "leftovers"):
                journal.swept(due)
    except asyncio.CancelledError:
        await watch.interrupted(signals)
        raise
    finally:
        if not prepared.done():
            prepared.set_result(False)
        if journal is not None and token and (_removed(rec) or not signals.submitted.is_set()):
            journal.forget(token)
        await watch.close()


def _last_step_ok(rec: Recorder, name: str) -> bool:
    step = next((s for s in reversed(rec.steps) if s.name == name), None)
    return step is not None and step.outcome is Outcome.OK


def _removed(rec: Recorder) -> bool:
    """The run's own cleanup is confirmed: the test invoice is gone (deleted or moved)."""
    for step in reversed(rec.steps):
        if step.name.rpartition(":")[2] == "cleanup":
            return step.outcome is Outcome.OK and step.get("result") in ("deleted", "moved")
    return False


async def roundtrip_diagnosis(
    command: str, settings: Settings, secret: Secret, *, sender_dns: bool | None = None
) -> Diagnosis:
    """The round trip; ``sender_dns`` (default: for ``diagnose``) adds the sender's DNS."""
    from mailcheck.invoice import build_invoice
    from mailcheck.probes.roundtrip import Signals, token_matcher
    from mailcheck.probes.smtp import SmtpProbe, Submission, probe_smtp, smtp_target
    from mailcheck.runner import diagnose, run_probe

    if sender_dns is None:
        sender_dns = command == "diagnose"
    if sender_dns:
        _load_sender_checks_meanwhile()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    deadline = run_deadline(settings)
    if settings.mailbox is None or settings.sender is None:
        raise ConfigError(
            "the round trip needs --sender (the mailbox it sends the test invoice to)"
        )
    options = settings.roundtrip
    mailboxes = [settings.mailbox, *options.probes]
    secrets = [_mailbox_secret(m, secret) for m in mailboxes]
    # --send-to-recipient: the customer gets a clearly-labelled test, and the sender's INBOX
    # is watched for a bounce about it (the customer's own server's verdict).
    customer = settings.recipient if options.send_to_recipient and command == "diagnose" else None
    invoice = build_invoice(
        sender=settings.sender,
        recipient=customer or settings.sender,
        label_as_test=customer is not None,
        subject=options.subject,
        sender_name=options.sender_name,
        attachment_size=options.attachment_size,
    )
    data = invoice.message.as_bytes(policy=email.policy.SMTP)
    signals = Signals()
    # The customer's server refused the test at RCPT: no bounce can come, none is waited for.
    customer_refused = asyncio.Event()
    captured: dict[str, bytes] = {}
    prepared: list[asyncio.Future[bool]] = [loop.create_future() for _ in mailboxes]
    bounce_ready: asyncio.Future[bool] = loop.create_future()
    if customer is None:
        bounce_ready.set_result(True)

    async def ready() -> bool:
        # The sender's own mailbox must be watched before anything is sent; a probe
        # mailbox that cannot be watched does not stop the test.
        results = await asyncio.gather(*prepared, bounce_ready)
        return results[0]

    probe = SmtpProbe(
        settings=settings.smtp,
        secret=secret,
        dns_server=settings.dns_server,
        submission=Submission(
            sender=settings.sender,
            recipients=tuple(m.address for m in mailboxes) + ((customer,) if customer else ()),
            data=data,
            ready=ready,
            sent=signals.mark_submitted,
            authenticated=signals.mark_login,
            refused=lambda address: customer_refused.set() if address == customer else None,
        ),
    )

    async def send(rec: Recorder) -> None:
        try:
            await probe_smtp(probe, rec)
        finally:
            signals.mark_login(False)  # no-op when the login already had its verdict
            if not signals.submitted.is_set():
                signals.aborted.set()

    def watcher(i: int) -> Callable[[Recorder], Awaitable[None]]:
        mailbox = mailboxes[i]
        return lambda rec: _watch_probe(
            mailbox,
            secrets[i],
            rec,
            token_matcher(invoice.token, invoice.message_id, settings.sender),
            signals,
            prepared[i],
            wait=options.wait,
            deadline=deadline,
            delete=not options.keep,
            same_password=mailbox.secret_source is None,
            captured=captured if i == 0 else None,
        )

    probes = []
    if settings.recipient is not None:
        probes.append(_recipient_probe(settings.recipient, settings, deadline))
        if options.probe_rcpt and command == "diagnose":
            probes.append(_rcpt_probe(settings.recipient, settings, deadline))
    progress = Progress()
    async with progress_line(progress):
        if customer is not None:
            probes.append(
                run_probe(
                    "bounce",
                    f"bounces about {invoice.message_id} in {settings.mailbox.address}",
                    lambda rec: _bounce_probe(
                        settings.mailbox,  # type: ignore[arg-type]
                        secrets[0],
                        rec,
                        signals,
                        bounce_ready,
                        (invoice.token, invoice.message_id),
                        wait=options.wait,
                        deadline=deadline,
                        refused=customer_refused,
                    ),
                    deadline,
                    progress,
                )
            )
        results = await asyncio.gather(
            *probes,
            run_probe("smtp", smtp_target(settings.smtp), send, deadline, progress),
            *(
                run_probe(
                    "imap" if m.label == "sender" else f"imap:{m.label}",
                    f"{m.address} at {m.imap.host}:{m.imap.port} ({m.imap.tls.value})",
                    watcher(i),
                    deadline,
                    progress,
                )
                for i, m in enumerate(mailboxes)
            ),
        )
    all_results = list(results)
    if sender_dns:
        # The sender's DNS needs what the round trip saw: the IP that sent, the DKIM signature.
        all_results.append(
            await _sender_probe(settings, all_results, captured.get("message"), deadline)
        )
    target = _target(settings, secret)
    target["token"] = invoice.token
    later = ("bounce",) if command == "diagnose" and customer is None else ()
    return diagnose(command, target, all_results, started, started_at, later)


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


async def _bounce_probe(
    mailbox: MailboxSettings,
    secret: Secret,
    rec: Recorder,
    signals: Signals,
    prepared: asyncio.Future[bool],
    ids: tuple[str, str],
    *,
    wait: float,
    deadline: float,
    refused: asyncio.Event,
) -> None:
    """Watch the sender's mailbox for a bounce that refers to the test message.

    The watch ends early when the customer's server refused the test at RCPT
    (``refused``): that refusal is the verdict, and no bounce can follow it.
    """
    from mailcheck.bounce import parse_bounce, refers_to
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.probes.roundtrip import MailboxWatch, bounce_candidate

    def ours(raw: bytes) -> bool:
        # Only a bounce about this very message: never an older, unrelated one.
        bounce = parse_bounce(raw)
        return bounce.kind in ("failure", "delay") and refers_to(bounce, *ids)

    watch = MailboxWatch(
        mailbox.imap,
        secret,
        rec,
        bounce_candidate,
        delete=False,
        before_login=signals.login_accepted if mailbox.secret_source is None else None,
        confirm=ours,
    )
    try:
        ok = await watch.prepare()
        prepared.set_result(ok)
        if not ok:
            return
        waiting = asyncio.ensure_future(watch.wait(signals, wait, deadline - _CLEANUP_MARGIN))
        stop = asyncio.ensure_future(refused.wait())
        await asyncio.wait([waiting, stop], return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not waiting.done():  # refused at RCPT: the facts take the refusal's reason
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            return
        if waiting.result() is None:
            if signals.submitted.is_set():
                rec.add(
                    Step(
                        name="bounce", outcome=Outcome.OK, elapsed_ms=0.0, data=(("kind", "none"),)
                    )
                )
            return
        message = await watch.read_message()
        if message is not None:
            record_bounce(message, rec)
    finally:
        if not prepared.done():
            prepared.set_result(False)
        await watch.close()


async def _rcpt_probe(address: str, settings: Settings, deadline: float) -> ProbeResult:
    from mailcheck.dnsresolver import Resolver
    from mailcheck.probes.rcpt import probe_rcpt
    from mailcheck.runner import run_probe

    timeout = settings.smtp.timeout
    resolver = Resolver(
        settings.dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - _DNS_MARGIN
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
    from mailcheck.runner import run_probe

    resolver = Resolver(
        dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - _DNS_MARGIN
    )

    async def probe(rec: Recorder) -> None:
        async with resolver:
            await probe_recipient(domain, resolver, rec, deadline=deadline - _DNS_MARGIN)

    return await run_probe("dns", domain, probe, deadline)


async def sender_domain_probe(
    check: SenderCheck, dns_server: tuple[str, int] | None, timeout: float, deadline: float
) -> ProbeResult:
    """The ``auth`` probe: the sender domain's SPF, DKIM, DMARC (and blocklists)."""
    from mailcheck.dnsresolver import Resolver
    from mailcheck.probes.auth import probe_sender
    from mailcheck.runner import run_probe

    resolver = Resolver(
        dns_server, timeout=timeout / 2, lifetime=timeout, deadline=deadline - _DNS_MARGIN
    )

    async def probe(rec: Recorder) -> None:
        async with resolver:
            await probe_sender(check, resolver, rec)

    return await run_probe("auth", check.domain, probe, deadline)


async def _recipient_probe(address: str, settings: Settings, deadline: float) -> ProbeResult:
    """The recipient's domain in the DNS, run beside the round trip."""
    from mailcheck.recipient import AddressError, split_address

    try:
        _, domain = split_address(address)
    except AddressError as exc:
        raise ConfigError(f"--recipient: {exc}") from None
    return await recipient_domain_probe(
        domain, settings.dns_server, settings.smtp.timeout, deadline
    )


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


async def _sender_probe(
    settings: Settings, results: list[ProbeResult], message: bytes | None, deadline: float
) -> ProbeResult:
    from mailcheck.probes.auth import SenderCheck

    sender = settings.sender or ""
    check = SenderCheck(
        domain=sender.rpartition("@")[2].lower(),
        ip=_sending_ip(results, message),
        sender=sender,
        message=message,
        dnsbls=settings.dnsbls,
    )
    return await sender_domain_probe(check, settings.dns_server, settings.smtp.timeout, deadline)


def run_roundtrip_diagnosis(command: str, settings: Settings, secret: Secret) -> Diagnosis:
    """Credentials, then the test invoice to the sender's own mailbox (and probe mailboxes)."""
    return interrupt.run(roundtrip_diagnosis(command, settings, secret))


async def _watch_diagnosis(
    settings: Settings, secret: Secret, criteria: tuple[str | None, str | None, str | None]
) -> Diagnosis:
    from mailcheck.probes.roundtrip import MailboxWatch, Signals, criteria_matcher
    from mailcheck.runner import diagnose, run_probe

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = run_deadline(settings)
    mailbox = settings.mailbox
    if mailbox is None:
        raise ConfigError(
            "missing --mailbox (the address the accounting software sends the test to)"
        )
    imap_secret = _mailbox_secret(mailbox, secret)
    signals = Signals()

    async def watch(rec: Recorder) -> None:
        sender, subject, number = criteria
        given = (("from", sender), ("subject", subject), ("number", number))
        data = (("mode", "watch"), *((k, v) for k, v in given if v))
        rec.add(Step(name="criteria", outcome=Outcome.OK, elapsed_ms=0.0, data=data))
        # Never deletes: the message is the accounting software's, not mailcheck's.
        mbox = MailboxWatch(
            mailbox.imap, imap_secret, rec, criteria_matcher(*criteria), delete=False
        )
        try:
            if not await mbox.prepare():
                return
            signals.mark_submitted()  # the user sends now: watch closely from here
            found = await mbox.wait(signals, settings.roundtrip.wait, deadline - _CLEANUP_MARGIN)
            if found is not None:
                await mbox.read_headers()
        finally:
            await mbox.close()

    target = (
        f"{mailbox.address} at {mailbox.imap.host}:{mailbox.imap.port} ({mailbox.imap.tls.value})"
    )
    progress = Progress()
    async with progress_line(progress):
        result = await run_probe("imap", target, watch, deadline, progress)
    summary: dict[str, str | int | None] = {
        "mailbox": mailbox.address,
        "imap_host": mailbox.imap.host,
        "imap_port": mailbox.imap.port,
        "imap_tls": mailbox.imap.tls.value,
        "username": mailbox.imap.username,
        "password_source": imap_secret.source,
        "from": criteria[0],
        "subject": criteria[1],
        "invoice_number": criteria[2],
    }
    return diagnose("watch", summary, [result], started, started_at)


def run_watch_diagnosis(
    settings: Settings, secret: Secret, criteria: tuple[str | None, str | None, str | None]
) -> Diagnosis:
    """FAQ case 1: wait for the accounting software's own message; where did it land?"""
    return interrupt.run(_watch_diagnosis(settings, secret, criteria))


async def _dns_diagnosis(target: str, resolver: Any, options: Mapping[str, Any]) -> Diagnosis:
    from mailcheck.probes.dns import probe_recipient
    from mailcheck.recipient import AddressError, split_address
    from mailcheck.runner import diagnose, run_probe

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    if "@" in target:
        try:
            _, domain = split_address(target)
        except AddressError as exc:
            raise ConfigError(f"{target!r} is not a valid address: {exc}") from None
    else:
        domain = target.strip().lower().rstrip(".")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ConfigError(f"{target!r} is not a valid domain name") from None
    deadline = asyncio.get_running_loop().time() + float(options.get("deadline") or 60)
    # One resolver serves every target of the run: the earliest deadline is the run's.
    ends = deadline - _DNS_MARGIN
    resolver.deadline = ends if resolver.deadline is None else min(resolver.deadline, ends)

    async def probe(rec: Recorder) -> None:
        await probe_recipient(domain, resolver, rec, deadline=ends)

    jobs = [run_probe("dns", domain, probe, deadline)]
    ip = options.get("sending_ip")
    selector = options.get("dkim_selector")
    if "@" not in target or ip or selector:
        # A domain (not a customer's address) is checked as a sender too, at the same time.
        from mailcheck.config import _dnsbls
        from mailcheck.probes.auth import SenderCheck, probe_sender

        check = SenderCheck(
            domain=domain,
            ip=ip,
            dkim_selector=selector,
            dnsbls=_dnsbls(options.get("dnsbls") or ()),
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


def run_dns_diagnoses(targets: Sequence[str], options: Mapping[str, Any]) -> list[Diagnosis]:
    """One diagnosis per address or domain, all sharing one resolver (and its cache)."""
    from mailcheck.config import _parse_dns_server, _parse_seconds
    from mailcheck.dnsresolver import Resolver

    server = _parse_dns_server(options["dns_server"]) if options.get("dns_server") else None
    seconds = _parse_seconds(options.get("timeout") or 5, "--timeout")

    async def run() -> list[Diagnosis]:
        async with Resolver(server, timeout=seconds / 2, lifetime=seconds) as resolver:
            jobs = (_dns_diagnosis(t, resolver, options) for t in targets)
            return list(await asyncio.gather(*jobs))

    return interrupt.run(run())


def run_bounce_diagnoses(raw: bytes, source: str) -> list[Diagnosis]:
    """One diagnosis per message in ``raw`` (one .eml, or every message of an mbox)."""
    from mailcheck.bounce import read_messages
    from mailcheck.probes.bounce import record_bounce
    from mailcheck.runner import diagnose, run_probe

    async def run() -> list[Diagnosis]:
        out = []
        deadline = asyncio.get_running_loop().time() + 60
        messages = read_messages(raw) or [raw]
        for index, message in enumerate(messages, 1):
            started = time.perf_counter()

            async def probe(rec: Recorder, message: bytes = message) -> None:
                record_bounce(message, rec)

            result = await run_probe("bounce", f"{source} #{index}", probe, deadline)
            summary: dict[str, str | int | None] = {"target": f"{source} #{index}"}
            out.append(diagnose("bounce", summary, [result], started))
        return out

    return interrupt.run(run())
