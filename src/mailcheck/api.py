"""mailcheck as a library: the commands' diagnoses without click, a terminal or a config file.

Each entry point is a coroutine that returns what the command line renders: a
:class:`~mailcheck.diagnosis.Diagnosis` (a list of them for DNS checks and bounces,
a :class:`~mailcheck.check.result.ProfileResult` for a profile check). Each has
a ``_sync`` twin that runs it on a fresh event loop the way the commands do
(:func:`mailcheck.interrupt.run`: SIGINT and SIGTERM end the run cleanly, the
test message is still removed, and the diagnosis says so).

Nothing here prints, prompts or reads a config file the caller did not name:
an :class:`Account` says where the servers are and gives the password, and
the same defaults and provider presets apply as on the command line. See
docs/library.md.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from mailcheck import interrupt
from mailcheck.config import resolve_settings
from mailcheck.errors import SecretError
from mailcheck.secret import Secret, read_secret
from mailcheck.settings import Settings, TlsMode

if TYPE_CHECKING:
    from mailcheck.check.result import ProfileResult
    from mailcheck.diagnosis import Diagnosis

__all__ = [
    "Account",
    "check_credentials",
    "check_credentials_sync",
    "check_dns",
    "check_dns_sync",
    "check_profile",
    "check_profile_sync",
    "diagnose",
    "diagnose_sync",
    "explain_bounce",
    "explain_bounce_sync",
    "roundtrip",
    "roundtrip_sync",
]

#: How a password given as a plain string is named in reports (the value never is).
GIVEN_SOURCE = "given by the caller"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """The sender's mail account: where mail goes out, where it is read, and the password.

    Each field is the command-line option of the same name (``smtp_host`` is
    ``--smtp-host``); ``None`` means "not given", so the command line's
    defaults and provider presets apply (``provider="gmail"``, or a sender
    address of a known provider, fills in the servers). No config file is read
    unless ``profile`` or ``config`` is given.
    """

    sender: str | None = None
    """The address the invoices are sent from (the round trip's own mailbox)."""
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_tls: TlsMode | str | None = None
    """``starttls`` (default), ``tls`` or ``none``."""
    username: str | None = None
    """The login name; the sender address when not given."""
    password: str | Secret | None = field(default=None, repr=False)
    """The password itself. ``None``: ``password_file``, ``password_command``, the
    profile's source or ``MAILCHECK_PASSWORD``, in the command line's order; never a prompt."""
    password_file: str | os.PathLike[str] | None = None
    password_command: str | None = None
    provider: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_tls: TlsMode | str | None = None
    """``tls`` (default), ``starttls`` or ``none``."""
    imap_username: str | None = None
    imap_password_file: str | os.PathLike[str] | None = None
    """A separate IMAP password (else the SMTP password is used)."""
    imap_password_command: str | None = None
    ca_file: str | os.PathLike[str] | None = None
    """Trust this CA file instead of the system's (a private or test server)."""
    ehlo_name: str | None = None
    allow_plaintext: bool | None = None
    """Send the password over a connection without TLS (``smtp_tls="none"``)."""
    timeout: float | None = None
    """Seconds per network step (default 10)."""
    deadline: float | None = None
    """Seconds for the whole run (default 60)."""
    dns_server: str | None = None
    """``IP[:PORT]`` of the DNS server to ask (default: the system's resolver)."""
    lang: str | None = None
    """``en`` or ``vi`` for the report's words (default: from the locale)."""
    dnsbls: Sequence[str] = ()
    """Blocklist zones to check the sending IP against (``default``: the built-in list)."""
    profile: str | None = None
    """A profile of the config file, under these fields (as the command line's flags are)."""
    config: str | os.PathLike[str] | None = None
    """The config file (default with ``profile``: ``MAILCHECK_CONFIG`` or the XDG path)."""

    def values(self) -> dict[str, Any]:
        """The option values :func:`mailcheck.config.resolve_settings` reads (no password)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "password":
                continue
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            out[item.name] = value
        out["dnsbl"] = tuple(out.pop("dnsbls"))
        if self.config is None and self.profile is None:
            # A library call reads no config file it was not given: the empty file stands in.
            out["config"] = os.devnull
        out["no_prompt"] = True
        return out


def _given_secret(password: str | Secret) -> Secret:
    """The caller's password, checked as :func:`~mailcheck.secret.read_secret` checks its own."""
    secret = password if isinstance(password, Secret) else Secret(password, GIVEN_SOURCE)
    if not secret.reveal():
        raise SecretError(f"the password from {secret.source} is empty")
    try:
        secret.reveal().encode("utf-8")
    except UnicodeEncodeError:
        raise SecretError(f"the password from {secret.source} is not valid UTF-8 text") from None
    return secret


def _prepare(
    account: Account,
    extra: Mapping[str, Any] | None = None,
    *,
    need_sender: bool = False,
    need_recipient: bool = False,
) -> tuple[Settings, Secret]:
    """Settings and password, or a :class:`~mailcheck.errors.MailcheckError`."""
    values = account.values() | dict(extra or {})
    settings = resolve_settings(values, need_sender=need_sender, need_recipient=need_recipient)
    if account.password is not None:
        return settings, _given_secret(account.password)
    return settings, read_secret(settings.secret_source, prompt_label="")


async def check_credentials(account: Account) -> Diagnosis:
    """``mailcheck smtp``: connect, check TLS and the certificate, log in once; send nothing.

    The diagnosis is OK (exit code 0) when the login is accepted, CRITICAL (2)
    when mail cannot go out, UNKNOWN (3) when mailcheck could not tell.
    """
    from mailcheck.scenarios.smtp import smtp_diagnosis

    settings, secret = _prepare(account)
    return await smtp_diagnosis("smtp", settings, secret)


def _roundtrip_values(
    wait: float | None,
    keep: bool,
    subject: str | None,
    sender_name: str | None,
    attachment_size: int | str | None,
) -> dict[str, Any]:
    return {
        "wait": wait,
        "keep": keep,
        "subject": subject,
        "sender_name": sender_name,
        "attachment_size": attachment_size,
    }


async def roundtrip(
    account: Account,
    *,
    wait: float | None = None,
    keep: bool = False,
    subject: str | None = None,
    sender_name: str | None = None,
    attachment_size: int | str | None = None,
) -> Diagnosis:
    """``mailcheck roundtrip``: a test invoice to the sender's own mailbox; where did it land?

    Needs ``account.sender``. Waits up to ``wait`` seconds (default 30) after
    the server took the message, then removes it (unless ``keep``). OK inbox,
    WARNING spam folder, CRITICAL not delivered, UNKNOWN could not tell.
    """
    from mailcheck.scenarios.roundtrip import roundtrip_diagnosis

    extra = _roundtrip_values(wait, keep, subject, sender_name, attachment_size)
    settings, secret = _prepare(account, extra, need_sender=True)
    return await roundtrip_diagnosis("roundtrip", settings, secret)


async def diagnose(
    account: Account,
    recipient: str,
    *,
    send_to_recipient: bool = False,
    probe_rcpt: bool = False,
    wait: float | None = None,
    keep: bool = False,
    subject: str | None = None,
    sender_name: str | None = None,
    attachment_size: int | str | None = None,
) -> Diagnosis:
    """``mailcheck diagnose``: why did the invoice not reach ``recipient``?

    The credential check and the round trip, the recipient's domain in the DNS
    and the sender domain's SPF, DKIM and DMARC. ``send_to_recipient`` also
    sends a labelled test to the customer and watches for its bounce;
    ``probe_rcpt`` asks the customer's mail server (port 25) about the address.
    """
    from mailcheck.scenarios.roundtrip import RoundtripSteps, roundtrip_diagnosis

    extra = _roundtrip_values(wait, keep, subject, sender_name, attachment_size)
    extra |= {
        "recipient": recipient,
        "send_to_recipient": send_to_recipient,
        "probe_rcpt": probe_rcpt,
    }
    settings, secret = _prepare(account, extra, need_sender=True, need_recipient=True)
    steps = RoundtripSteps.full_walk(settings)
    return await roundtrip_diagnosis("diagnose", settings, secret, steps)


async def check_dns(
    targets: str | Sequence[str],
    *,
    dns_server: str | None = None,
    ip: str | None = None,
    dkim_selector: str | None = None,
    dnsbls: Sequence[str] = (),
    timeout: float = 5.0,
    deadline: float = 60.0,
    mx_tls: bool = False,
    ca_file: str | None = None,
) -> list[Diagnosis]:
    """``mailcheck dns``: one diagnosis per address or domain, sharing one resolver.

    An address is checked as a recipient (MX, null MX, typos, MTA-STS and TLS-RPT);
    a domain also as a sender (SPF evaluated for ``ip``, the DKIM key of
    ``dkim_selector``, DMARC, and ``ip`` on the ``dnsbls``: zones, ``default`` or
    ``all``). ``mx_tls`` also connects to the recipient's MX on port 25 for its
    STARTTLS and certificate (``ca_file``: a private CA). A DNS server that does not
    answer, or a port 25 that cannot be reached, is UNKNOWN, never a fault of the domain.
    """
    from mailcheck.scenarios.dns import DnsOptions, dns_diagnoses
    from mailcheck.values import parse_dns_server, parse_seconds

    names = [targets] if isinstance(targets, str) else list(targets)
    server = parse_dns_server(dns_server) if dns_server else None
    options = DnsOptions(
        sending_ip=ip,
        dkim_selector=dkim_selector,
        dnsbls=tuple(dnsbls),
        deadline=parse_seconds(deadline, "deadline"),
        mx_tls=mx_tls,
        ca_file=ca_file,
        timeout=parse_seconds(timeout, "timeout"),
    )
    return await dns_diagnoses(names, server, parse_seconds(timeout, "timeout"), options)


async def explain_bounce(
    message: bytes | os.PathLike[str], *, source: str | None = None
) -> list[Diagnosis]:
    """``mailcheck bounce``: one diagnosis per message (one .eml, or each message of an mbox).

    ``message`` is the raw message or a path to it; ``source`` names it in the
    report (default: the path, or ``message``). CRITICAL for a failure,
    WARNING for a delay notice, OK for an automatic reply, UNKNOWN when it is
    not a bounce.
    """
    from mailcheck.scenarios.bounce import bounce_diagnoses

    if isinstance(message, str):
        # A str could be a path or the message's text: the caller says which by its type.
        raise TypeError("explain_bounce takes the message as bytes or a path (os.PathLike)")
    if isinstance(message, os.PathLike):
        from pathlib import Path

        name = source or os.fspath(message)
        raw = await asyncio.to_thread(Path(message).read_bytes)
    else:
        name, raw = source or "message", message
    return await bounce_diagnoses(raw, name)


async def check_profile(
    name: str,
    *,
    config: str | os.PathLike[str] | None = None,
    deadline: float | None = None,
    dns_server: str | None = None,
    warning: str | None = None,
    critical: str | None = None,
) -> ProfileResult:
    """``mailcheck check --profile NAME``: run what the profile's ``checks`` say.

    The profile comes from ``config`` (default: ``MAILCHECK_CONFIG`` or the XDG
    path). ``warning`` and ``critical`` are monitoring-plugin ranges on the
    delivery time in seconds. A profile that cannot run (bad config, no
    password) is an UNKNOWN result with the reason, as on the command line.
    The run is neither locked against a parallel one nor kept in the history.
    """
    from mailcheck.check.plan import error_result, plan_profile, run_plan
    from mailcheck.check.ranges import parse_range
    from mailcheck.config import DEFAULT_DEADLINE
    from mailcheck.errors import MailcheckError
    from mailcheck.values import parse_seconds

    for text in (warning, critical):
        if text is not None:
            parse_range(text)  # a bad range is the caller's mistake: raised, as a usage error
    seconds = parse_seconds(deadline or DEFAULT_DEADLINE, "deadline")
    options = {
        "config": os.fspath(config) if config is not None else None,
        "dns_server": dns_server,
        "deadline": deadline,
    }
    try:
        plan = plan_profile(name, options, (warning, critical))
        return await run_plan(plan, seconds)
    except MailcheckError as exc:
        return error_result(name, str(exc))


def check_credentials_sync(account: Account) -> Diagnosis:
    """:func:`check_credentials`, run to completion on its own event loop."""
    return interrupt.run(check_credentials(account))


def roundtrip_sync(
    account: Account,
    *,
    wait: float | None = None,
    keep: bool = False,
    subject: str | None = None,
    sender_name: str | None = None,
    attachment_size: int | str | None = None,
) -> Diagnosis:
    """:func:`roundtrip`, run to completion on its own event loop."""
    return interrupt.run(
        roundtrip(
            account,
            wait=wait,
            keep=keep,
            subject=subject,
            sender_name=sender_name,
            attachment_size=attachment_size,
        )
    )


def diagnose_sync(
    account: Account,
    recipient: str,
    *,
    send_to_recipient: bool = False,
    probe_rcpt: bool = False,
    wait: float | None = None,
    keep: bool = False,
    subject: str | None = None,
    sender_name: str | None = None,
    attachment_size: int | str | None = None,
) -> Diagnosis:
    """:func:`diagnose`, run to completion on its own event loop."""
    return interrupt.run(
        diagnose(
            account,
            recipient,
            send_to_recipient=send_to_recipient,
            probe_rcpt=probe_rcpt,
            wait=wait,
            keep=keep,
            subject=subject,
            sender_name=sender_name,
            attachment_size=attachment_size,
        )
    )


def check_dns_sync(
    targets: str | Sequence[str],
    *,
    dns_server: str | None = None,
    ip: str | None = None,
    dkim_selector: str | None = None,
    dnsbls: Sequence[str] = (),
    timeout: float = 5.0,
    deadline: float = 60.0,
    mx_tls: bool = False,
    ca_file: str | None = None,
) -> list[Diagnosis]:
    """:func:`check_dns`, run to completion on its own event loop."""
    return interrupt.run(
        check_dns(
            targets,
            dns_server=dns_server,
            ip=ip,
            dkim_selector=dkim_selector,
            dnsbls=dnsbls,
            timeout=timeout,
            deadline=deadline,
            mx_tls=mx_tls,
            ca_file=ca_file,
        )
    )


def explain_bounce_sync(
    message: bytes | os.PathLike[str], *, source: str | None = None
) -> list[Diagnosis]:
    """:func:`explain_bounce`, run to completion on its own event loop."""
    return interrupt.run(explain_bounce(message, source=source))


def check_profile_sync(
    name: str,
    *,
    config: str | os.PathLike[str] | None = None,
    deadline: float | None = None,
    dns_server: str | None = None,
    warning: str | None = None,
    critical: str | None = None,
) -> ProfileResult:
    """:func:`check_profile`, run to completion on its own event loop."""
    return interrupt.run(
        check_profile(
            name,
            config=config,
            deadline=deadline,
            dns_server=dns_server,
            warning=warning,
            critical=critical,
        )
    )
