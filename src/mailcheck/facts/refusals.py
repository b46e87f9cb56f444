"""Refusals of the submission server that are about the sender, not the recipient.

A refused MAIL, RCPT or DATA after a good login is read like a bounce
(bounce.reasons.classify) only when it is about the recipient. These readings
come first: Gmail's "550 5.4.5 Daily user sending limit exceeded" is the
sender's quota, never the recipient's full mailbox; Microsoft's "5.1.8 bad
outbound sender" blames the sender's account, not the customer's server; and a
4xx reply is temporary, whatever it says. The providers' texts, with where each
was published, are in data/provider_replies.toml (the tests replay them).
"""

from __future__ import annotations

import re
from typing import Final

from mailcheck.evidence import Reply

__all__ = ["TEMPORARY_STEPS", "retry_after", "sender_refusal", "temporary_kind"]

#: The steps where a 4xx reply means "not now" rather than "no".
TEMPORARY_STEPS: Final = ("greeting", "ehlo", "starttls", "mail", "rcpt", "data")

_I = re.IGNORECASE
# Kind -> (enhanced statuses that decide alone, text pattern). Most specific first.
# Keep patterns free of nested quantifiers and unbounded ".*": they run on hostile input.
_SENDER: Final[tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]] = (
    (
        # 5.7.30 alone is RFC 8689's REQUIRETLS: only Microsoft's words make it basic auth.
        "basic-auth-retired",
        frozenset(),
        re.compile(r"basic authentication is not supported for client submission", _I),
    ),
    (
        "starttls-required",
        frozenset(),
        re.compile(r"must issue a starttls|starttls (?:command )?first", _I),
    ),
    (
        "authentication-required",
        frozenset({"5.7.57"}),
        re.compile(
            r"authentication (?:is )?required|must (?:be )?authenticate|not authenticated", _I
        ),
    ),
    (
        "sender-not-allowed",
        frozenset({"5.2.252"}),
        re.compile(
            r"sendasdenied|not allowed to send as|sender is not allowed to relay"
            r"|relaying disallowed as|not owned by (?:auth(?:enticated)? )?user"
            r"|sender address rejected: not logged in",
            _I,
        ),
    ),
    (
        "sending-limit",
        frozenset({"5.4.5"}),
        re.compile(
            r"submissionquotaexceeded|sending (?:limit|quota) exceeded"
            r"|daily (?:user )?sending (?:limit|quota)|exceeded (?:your|the) (?:daily )?sending",
            _I,
        ),
    ),
    (
        "account-blocked",
        frozenset({"5.1.8"}),
        re.compile(
            r"bad outbound sender|blocked for sending (?:too much )?spam"
            r"|sending too much spam|sender address blocked",
            _I,
        ),
    ),
    (
        "too-large",
        frozenset({"5.3.4", "5.2.3"}),
        re.compile(
            r"message (?:size )?(?:is )?too (?:large|big)"
            r"|exceeds (?:the )?(?:fixed )?(?:maximum )?(?:message )?size",
            _I,
        ),
    ),
)

_GREYLIST = re.compile(r"gr[ae]y ?list", _I)
_RATE = re.compile(
    r"rate limit|too many (?:connections|messages|recipients|mails|emails)|too quickly"
    r"|throttl|slow down",
    _I,
)
_DELAY = re.compile(
    r"(?:again|retry|wait|after|in)\D{0,12}?(\d{1,6}) ?"
    r"(seconds?|secs?|s\b|minutes?|mins?|hours?|h\b)",
    _I,
)
_UNIT = {"s": 1, "m": 60, "h": 3600}


def sender_refusal(reply: Reply) -> str | None:
    """The sender-side reason of a permanent refusal, or ``None`` (then ask classify)."""
    if reply.code is None or not 500 <= reply.code <= 599:
        return None
    enhanced = reply.enhanced or ""
    text = reply.text
    for kind, statuses, pattern in _SENDER:
        if enhanced in statuses or pattern.search(text):
            return kind
    if reply.code == 530:
        return "authentication-required"  # RFC 4954: 530 5.7.0 Authentication required
    return None


def temporary_kind(reply: Reply) -> str | None:
    """``unavailable``, ``greylisted``, ``rate-limited`` or ``other`` for a 4xx reply."""
    if reply.code is None or not 400 <= reply.code <= 499:
        return None
    if _GREYLIST.search(reply.text):
        return "greylisted"
    if reply.code == 421:
        return "unavailable"  # RFC 5321: service not available, closing the channel
    if _RATE.search(reply.text):
        return "rate-limited"
    return "other"


def retry_after(text: str) -> int | None:
    """The delay the server asks for, in seconds ("try again in 5 minutes"), if it says one."""
    found = _DELAY.search(text)
    if found is None:
        return None
    return int(found.group(1)) * _UNIT[found.group(2)[0].lower()]
