"""What the probes saw on the wire, kept verbatim.

Probes record; they never interpret. A server saying "535 5.7.8 ..." is stored
here as data (code, enhanced status, text) and interpreted later by the facts
and the rules.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "ErrorInfo",
    "Outcome",
    "ProbeId",
    "ProbeResult",
    "ProbeStatus",
    "Reply",
    "Step",
    "TranscriptLine",
]


class Outcome(enum.StrEnum):
    """How one step ended, as observed on the wire."""

    #: The step did what it should.
    OK = "ok"
    #: The server answered with a 4xx/5xx reply.
    REJECTED = "rejected"
    #: TCP connection refused (nothing listens there).
    REFUSED = "refused"
    #: No route to the host or network.
    UNREACHABLE = "unreachable"
    #: The host name does not exist.
    NAME_ERROR = "name-error"
    #: The host name exists but has no address.
    NO_ADDRESS = "no-address"
    #: No answer within the step's timeout.
    TIMEOUT = "timeout"
    #: TLS handshake or certificate verification failed.
    TLS_ERROR = "tls-error"
    #: The server sent something that is not the protocol.
    PROTOCOL_ERROR = "protocol-error"
    #: The server closed the connection.
    CLOSED = "closed"
    #: The server does not offer what the step needs (STARTTLS, AUTH, ...).
    NOT_OFFERED = "not-offered"
    #: mailcheck chose not to do the step (e.g. no password over plaintext).
    WITHHELD = "withheld"
    #: Something else went wrong; the error says what.
    ERROR = "error"
    #: Not done: an earlier step left nothing to do it with, or no time was left.
    SKIPPED = "skipped"


class ProbeId(enum.StrEnum):
    """Which probe saw it: one member per probe in the registry (mailcheck.facts.registry)."""

    SMTP = "smtp"
    IMAP = "imap"
    DNS = "dns"
    AUTH = "auth"
    RCPT = "rcpt"
    BOUNCE = "bounce"
    #: The recipient domain's TLS for incoming mail: MX STARTTLS, MTA-STS, TLS-RPT.
    MXTLS = "mxtls"
    #: A message's header block read from a file (``mailcheck headers``).
    HEADERS = "headers"
    #: A ``--probe-mailbox`` mailbox; its results are named ``imap:<address>``.
    PROBE_MAILBOX = "imap:"

    def named(self, instance: str) -> str:
        """The result name of one instance: ``imap:ketoan@example.vn`` for a probe mailbox."""
        return f"{self.value}{instance}" if self is ProbeId.PROBE_MAILBOX else self.value


class ProbeStatus(enum.StrEnum):
    """Whether a probe ran at all (the sslyze "attempt" model)."""

    #: It ran; its steps say what the server did.
    COMPLETED = "completed"
    #: It was not run; ``skip_reason`` says why.
    NOT_RUN = "not-run"
    #: The overall deadline ended it; the unfinished step is marked TIMEOUT.
    DEADLINE = "deadline"
    #: A bug in mailcheck; ``crash`` holds the traceback.
    CRASHED = "crashed"
    #: A signal (SIGINT, SIGTERM, SIGHUP) stopped it; its cleanup had a short grace.
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A server reply, verbatim."""

    code: int | None
    """The three-digit SMTP code (-1 when the reply was malformed); None for IMAP."""
    enhanced: str | None
    """SMTP: RFC 3463 enhanced status such as ``5.7.8``; IMAP: the response code in
    brackets (RFC 5530), such as ``AUTHENTICATIONFAILED``."""
    text: str
    """The reply text after the codes, lines joined with newlines."""
    status: str | None = None
    """IMAP: ``OK``, ``NO``, ``BAD`` or ``BYE``; None for SMTP."""

    def __str__(self) -> str:
        parts = [str(self.code) if self.code is not None else (self.status or "")]
        if self.enhanced:
            parts.append(f"[{self.enhanced}]" if self.status else self.enhanced)
        parts.append(self.text.replace("\n", " / "))
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorInfo:
    """An exception seen at the library boundary, with its cause."""

    exception: str
    """The exception's class name, e.g. ``SMTPConnectTimeoutError``."""
    message: str
    """Its text."""
    cause: str | None = None
    """``type(exc.__cause__).__name__`` where there is one, e.g. ``ConnectionRefusedError``."""
    detail: str | None = None
    """A protocol-specific refinement, e.g. the TLS verify message."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One protocol step: what was tried, how it ended, what the server said."""

    name: str
    """``resolve``, ``connect``, ``tls``, ``greeting``, ``ehlo``, ``starttls``, ``auth``, ..."""
    outcome: Outcome
    elapsed_ms: float
    reply: Reply | None = None
    error: ErrorInfo | None = None
    data: tuple[tuple[str, str], ...] = ()
    """Extra observations as name/value pairs (addresses, TLS version, extensions)."""

    @property
    def base(self) -> str:
        """The step's name less a folder prefix: ``cleanup`` for ``junk:cleanup``."""
        return self.name.rpartition(":")[2]

    def get(self, key: str) -> str | None:
        """Return one extra observation by name."""
        for name, value in self.data:
            if name == key:
                return value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptLine:
    """One line of the dialogue; secrets are already redacted."""

    direction: str
    """``C`` (client), ``S`` (server) or ``*`` (a note from mailcheck, e.g. TLS started)."""
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """Everything one probe observed."""

    probe: str
    """The probe's id (:class:`ProbeId`), or ``imap:<address>`` for a ``--probe-mailbox``."""
    status: ProbeStatus
    target: str
    """Where it went, e.g. ``smtp.gmail.com:587 (starttls)``."""
    steps: tuple[Step, ...] = ()
    transcript: tuple[TranscriptLine, ...] = ()
    skip_reason: str | None = None
    crash: str | None = None
    elapsed_ms: float = 0.0

    @property
    def kind(self) -> ProbeId:
        """The probe's typed id (every ``imap:<address>`` is a probe mailbox)."""
        if self.probe.startswith(ProbeId.PROBE_MAILBOX.value):
            return ProbeId.PROBE_MAILBOX
        return ProbeId(self.probe)

    def step(self, name: str) -> Step | None:
        """Return the last step with this name, if the probe got that far."""
        for step in reversed(self.steps):
            if step.name == name:
                return step
        return None
