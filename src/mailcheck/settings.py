"""The settings types: what a command runs with, resolved and checked.

Frozen values with no I/O: :mod:`mailcheck.config` builds them from the flags, the
profile and the provider preset, and a library user can build them directly (the
parsers of :mod:`mailcheck.values` check their parts).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mailcheck.secret import SecretSource

__all__ = [
    "ImapSettings",
    "MailboxSettings",
    "RoundtripOptions",
    "Settings",
    "SmtpSettings",
    "TlsMode",
]


class TlsMode(enum.StrEnum):
    """How the submission connection is protected."""

    #: Plain connect, then STARTTLS (RFC 3207), usually port 587.
    STARTTLS = "starttls"
    #: TLS from the first byte (RFC 8314), usually port 465.
    TLS = "tls"
    #: No TLS at all; AUTH is then withheld unless plaintext is allowed.
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to reach the submission server."""

    host: str
    port: int
    tls: TlsMode
    username: str
    ca_file: str | None
    ehlo_name: str
    allow_plaintext: bool
    timeout: float
    """Per network step, in seconds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapSettings:
    """Where and how to reach a mailbox."""

    host: str
    port: int
    tls: TlsMode
    username: str
    ca_file: str | None
    timeout: float
    allow_plaintext: bool = False
    dns_server: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxSettings:
    """A mailbox the round trip watches: the sender's own, or a ``--probe-mailbox``."""

    label: str
    """``sender``, or the profile name of a probe mailbox."""
    address: str
    imap: ImapSettings
    secret_source: SecretSource | None
    """None: the same password as for SMTP."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundtripOptions:
    """How the test invoice is made and how long to wait for it."""

    wait: float
    """Seconds to wait for the message after the server accepted it."""
    keep: bool
    subject: str | None
    sender_name: str | None
    attachment_size: int
    probes: tuple[MailboxSettings, ...]
    send_to_recipient: bool = False
    """Also send a labelled test to the real recipient and watch for its bounce."""
    probe_rcpt: bool = False
    """Ask the recipient's MX (port 25) whether it takes the address (RCPT TO, no DATA)."""
    mx_port: int = 25
    send_only: bool = False
    """No IMAP account (a relay, ``--no-imap``): what needs the mailbox is reported not checked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a command needs, resolved and checked."""

    smtp: SmtpSettings
    sender: str | None
    recipient: str | None
    dns_server: tuple[str, int] | None
    lang: str
    deadline: float
    """The whole command's budget, in seconds."""
    provider: str | None
    provider_mx: str | None = None
    """The domain whose MX records named :attr:`provider` (None: named, or the address's)."""
    profile: str | None
    profile_keys: tuple[str, ...] = ()
    """The keys this run took from :attr:`profile` (said in the report's first line)."""
    smtp_found_by: str | None = None
    """How a server nobody named was found: ``name`` (mail.<domain>), ``mx``, ``prompt``."""
    secret_source: SecretSource
    mailbox: MailboxSettings | None
    """The sender's own mailbox (None when there is no sender address)."""
    dnsbls: tuple[str, ...] = ()
    """DNS blocklist zones to check the sending IP against (none unless configured)."""
    retry_temporary: bool = False
    """After a temporary SMTP refusal, wait the server's delay and try once more."""
    roundtrip: RoundtripOptions
