"""What a parsed bounce says: the kind of report, its producer, and each recipient's fate."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

__all__ = ["NOT_A_BOUNCE", "Action", "Bounce", "BouncedRecipient", "Kind", "Style"]


class Kind(enum.StrEnum):
    """What the message is, as far as delivery of our message goes."""

    FAILURE = "failure"  #: at least one recipient failed permanently
    DELAY = "delay"  #: delivery is still being retried (4.x.x, Action: delayed)
    AUTO_REPLY = "auto-reply"  #: out of office and other automatic answers: it was delivered
    FEEDBACK = "feedback"  #: an ARF abuse/feedback report (RFC 5965): it was delivered
    NOT_A_BOUNCE = "not-a-bounce"  #: anything else, including success DSNs and garbage


class Style(enum.StrEnum):
    """Which software wrote the bounce, told from its fingerprints."""

    RFC3464 = "rfc3464"  #: a standard DSN whose producer was not recognised
    POSTFIX = "postfix"
    EXIM = "exim"
    SENDMAIL = "sendmail"
    QMAIL = "qmail"
    EXCHANGE = "exchange"  #: Exchange Server and Microsoft 365
    GMAIL = "gmail"
    YAHOO = "yahoo"
    COURIER = "courier"
    DOMINO = "domino"
    SES = "ses"  #: an Amazon SES bounce or complaint notification (JSON, by mail or SNS)
    JAMES = "james"  #: Apache James
    KDDI = "kddi"  #: au by KDDI (ezweb.ne.jp, au.com, dion.ne.jp)
    MFILTER = "mfilter"  #: Digital Arts m-FILTER
    UNKNOWN = "unknown"


class Action(enum.StrEnum):
    """The DSN Action field (RFC 3464 section 2.3.3), plus ``unknown``."""

    FAILED = "failed"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    RELAYED = "relayed"
    EXPANDED = "expanded"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class BouncedRecipient:
    """One recipient named in a bounce."""

    recipient: str | None
    """Final-Recipient (or Original-Recipient) address, or the address found in the text."""
    action: str
    """An :class:`Action` value."""
    status: str | None
    """RFC 3463 enhanced status, e.g. ``"5.1.1"``."""
    reason: str
    """A :class:`~mailcheck.bounce.reasons.Reason` value."""
    diagnostic: str | None
    """The remote server's words, verbatim (Diagnostic-Code without its ``smtp;`` type)."""
    remote_mta: str | None
    """The server that refused, when the bounce names it."""
    gave_up_after: str | None = None
    """How long the sending side retried before it gave up (``"5 days"``), when it says."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bounce:
    """A parsed bounce, auto-reply or feedback report."""

    kind: str
    """A :class:`Kind` value."""
    mta_style: str
    """A :class:`Style` value."""
    reporting_mta: str | None
    """The host that wrote the report (Reporting-MTA, or named in the text)."""
    recipients: tuple[BouncedRecipient, ...]
    """Every recipient the report names, in order."""
    original_message_id: str | None
    """Message-ID of the returned message; for an auto-reply, its In-Reply-To."""
    original_headers: tuple[tuple[str, str], ...]
    """Headers of the returned message, decoded, in order (empty when none came back)."""
    subject: str | None
    """Subject of the bounce itself, decoded (RFC 2047)."""
    from_: str | None
    """From of the bounce itself, decoded."""
    text: str = ""
    """Decoded human-readable text of the report and of the returned message (capped).

    Kept so that :func:`~mailcheck.bounce.refers_to` can find a token in a returned body;
    empty when the message had no readable text.
    """


#: What a message that says nothing about delivery parses to; a format reader that knows more
#: replaces only what it knows (``dataclasses.replace``).
NOT_A_BOUNCE: Final = Bounce(
    kind=Kind.NOT_A_BOUNCE,
    mta_style=Style.UNKNOWN,
    reporting_mta=None,
    recipients=(),
    original_message_id=None,
    original_headers=(),
    subject=None,
    from_=None,
)
