"""Whose problem a bounce is: the sender's, the recipient's, or only temporary.

What the person reading a bounce must decide first is who has to act: fix something on the
sending side (a blocklisted IP, SPF, a login, an attachment), get a new address or a word
from the customer (no such mailbox, full, disabled, their server unreachable), or nothing yet
(the sending server is still retrying). That follows from the reason, kept here as data in
one table; a delay notice or a 4.x.x that is not final overrides it as ``temporary``.

Keyed on the reason's string id (``mailcheck.bounce.reasons``), not on its enum, so that a
new reason only needs a row here.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["PARTY", "Party", "party_of"]


class Party(enum.StrEnum):
    """Who has to act on a bounced recipient."""

    SENDER = "sender"  #: something on the sending side must change before sending again
    RECIPIENT = "recipient"  #: the address, the mailbox or the recipient's server is at fault
    TEMPORARY = "temporary"  #: still being retried (a delay notice, a 4.x.x not yet final)
    UNKNOWN = "unknown"  #: the bounce does not say enough to tell


#: Reason id -> whose problem a final failure for that reason is.
PARTY: Final[dict[str, Party]] = {
    "recipient-unknown": Party.RECIPIENT,
    "mailbox-full": Party.RECIPIENT,
    "mailbox-disabled": Party.RECIPIENT,
    "domain-unknown": Party.RECIPIENT,
    # The customer's server refused for its own rules (internal senders only, a sender
    # blocked there): only the customer can let the mail in.
    "policy": Party.RECIPIENT,
    # Connection or DNS failures towards the customer's server, and retries that ran out:
    # their server did not take mail for hours (the fix of delivery-expired says the same).
    "network": Party.RECIPIENT,
    "expired": Party.RECIPIENT,
    "relaying-denied": Party.SENDER,
    "login-required": Party.SENDER,
    "reputation": Party.SENDER,
    "spam": Party.SENDER,
    "content": Party.SENDER,
    "auth-failure": Party.SENDER,
    "tls": Party.SENDER,
    "too-large": Party.SENDER,
    "rate-limited": Party.SENDER,
    "not-compliant": Party.SENDER,
    "other": Party.UNKNOWN,
}


def party_of(reason: str, action: str | None = None, status: str | None = None) -> Party:
    """Whose problem this recipient's bounce is.

    ``temporary`` when the report says delivery is still being tried: ``Action: delayed``,
    or a 4.x.x status without ``Action: failed`` (a 4.4.7 with ``failed`` is a delivery the
    sending side gave up on: final, so the reason decides).
    """
    if action == "delayed":
        return Party.TEMPORARY
    if action != "failed" and status is not None and status.startswith("4."):
        return Party.TEMPORARY
    return PARTY.get(reason, Party.UNKNOWN)
