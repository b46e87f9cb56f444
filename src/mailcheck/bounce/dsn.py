"""Read RFC 3464 delivery-status fields, and the MDN of a Sieve rejection, into recipients."""

from __future__ import annotations

import email.parser
import email.policy
import re
from dataclasses import replace
from email.message import Message
from typing import Final

from mailcheck.bounce.decode import header_list, header_value, part_text
from mailcheck.bounce.hits import Hit, clean_address
from mailcheck.bounce.model import Action, BouncedRecipient
from mailcheck.bounce.mta import ExpandedHit
from mailcheck.bounce.reasons import classify, find_status

__all__ = [
    "MAX_RECIPIENTS",
    "dsn_blocks",
    "dsn_host",
    "merge_text_hits",
    "parse_dsn",
    "rejected_recipient",
]

MAX_RECIPIENTS: Final = 100
_IDENTITY_CTE: Final = frozenset({"", "7bit", "8bit", "binary"})
_I: Final = re.IGNORECASE
# A block with any of these is about one recipient; Diagnostic-Code is one, for the DSNs that
# write no Status (and sometimes no Action) but the remote server's reply.
_RECIPIENT_FIELDS: Final = frozenset(
    {"final-recipient", "original-recipient", "action", "status", "diagnostic-code"}
)
# The basic SMTP reply code at the start of a diagnostic: "550 ...", "452-...".
_REPLY_CODE: Final = re.compile(r"^\s{0,5}([245])\d\d(?:[ -]|$)")


def dsn_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if isinstance(payload, list) and cte in _IDENTITY_CTE:
        return [block for block in payload if isinstance(block, Message)]
    text = part_text(part).replace("\r\n", "\n")
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    return [parser.parsestr(block) for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def _dsn_value(value: str | None) -> str | None:
    """``"rfc822; a@b"`` -> ``"a@b"``; ``"smtp; 550 ..."`` -> ``"550 ..."`` (RFC 3464 2.1.2)."""
    if value is None:
        return None
    if ";" in value:
        value = value.split(";", 1)[1]
    value = value.strip()
    return value or None


def dsn_host(value: str | None) -> str | None:
    """``"dns; mx.example.test. (192.0.2.1, ...)"`` -> ``"mx.example.test"``."""
    value = _dsn_value(value)
    if value is None:
        return None
    return value.split("(", 1)[0].strip().rstrip(".") or None


def _address(value: str | None) -> str | None:
    """``"rfc822; <a@b>"`` -> ``"a@b"``; X.400 ``"/RFC-822=a(a)b/..."`` -> ``"a@b"`` (RFC 2156)."""
    kind = (value or "").split(";", 1)[0].strip().lower() if ";" in (value or "") else ""
    value = _dsn_value(value)
    if value is None:
        return None
    if kind == "x400" or value.startswith("/"):
        embedded = re.search(r"/RFC-?822=([^/]{1,300})/", value, _I)
        if embedded is None:
            return None
        value = embedded.group(1).replace("(a)", "@").replace("(p)", "%").replace("(q)", '"')
    return clean_address(value.strip("<> \t")) or None


def _is_mailbox(value: str | None) -> bool:
    """A usable Internet address: local part, ``@``, and a domain with a dot in it."""
    return bool(value and re.fullmatch(r"[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s.]{1,63}", value))


def parse_dsn(blocks: list[Message]) -> tuple[list[tuple[str, str]], list[BouncedRecipient]]:
    per_message: list[tuple[str, str]] = []
    recipients: list[BouncedRecipient] = []
    for block in blocks:
        fields = header_list(block)
        names = {name.lower() for name, _ in fields}
        if not names & _RECIPIENT_FIELDS:
            per_message.extend(fields)
            continue
        if len(recipients) >= MAX_RECIPIENTS:
            break
        recipients.append(_dsn_recipient(fields))
    return per_message, recipients


def _dsn_recipient(fields: list[tuple[str, str]]) -> BouncedRecipient:
    diagnostic = _dsn_value(header_value(fields, "diagnostic-code"))
    if diagnostic is None:
        # X.400 gateways put the remote server's words in a field of their own.
        diagnostic = (header_value(fields, "x400-supplementary-info") or "").strip('" ') or None
    status = find_status(header_value(fields, "status") or "")
    in_text = find_status(diagnostic or "")
    if in_text and (status is None or (status.endswith(".0.0") and in_text[0] == status[0])):
        status = in_text  # "Status: 5.0.0" with "550 5.1.1 ..." in the text: the text is precise
    if status is None:
        # No Status field and no enhanced code: the reply code gives the class (RFC 3463
        # section 3.1: X.0.0 is "other undefined status"), so the action can be inferred.
        reply = _REPLY_CODE.match(diagnostic or "")
        status = f"{reply.group(1)}.0.0" if reply else None
    action = (header_value(fields, "action") or "").strip().lower().split(" ", 1)[0]
    if action not in {a.value for a in Action}:
        action = _action_from_status(status)
    # The address the sender wrote (Original-Recipient, RFC 3464 2.3.1) before any alias,
    # forward or gateway (PMDF's "userx@sims-ms-daemon", X.400) rewrote it into the final one.
    final = _address(header_value(fields, "final-recipient"))
    original = _address(header_value(fields, "original-recipient"))
    recipient = original if _is_mailbox(original) else final or original
    return BouncedRecipient(
        recipient=recipient,
        action=Action(action),
        status=status,
        reason=classify(status, diagnostic),
        diagnostic=diagnostic,
        remote_mta=dsn_host(header_value(fields, "remote-mta")),
    )


def _action_from_status(status: str | None) -> str:
    return {"5": Action.FAILED, "4": Action.DELAYED, "2": Action.DELIVERED}.get(
        (status or "x")[0], Action.UNKNOWN
    )


def rejected_recipient(fields: list[tuple[str, str]], hits: list[Hit]) -> BouncedRecipient:
    """A recipient that a Sieve or LDA rejection (an MDN, RFC 5429) names."""
    recipient = _address(header_value(fields, "original-recipient")) or _address(
        header_value(fields, "final-recipient")
    )
    hit = next((h for h in hits if (h.recipient or "").lower() == (recipient or "").lower()), None)
    if hit is None and len(hits) == 1:
        hit = hits[0]
    diagnostic = hit.diagnostic if hit else None
    status = find_status(diagnostic or "")
    return BouncedRecipient(
        recipient=recipient or (hit.recipient if hit else None),
        action=Action.FAILED,
        status=status,
        reason=classify(status, diagnostic),
        diagnostic=diagnostic,
        remote_mta=None,
    )


def merge_text_hits(recipients: list[BouncedRecipient], hits: list[Hit]) -> list[BouncedRecipient]:
    """Fill a DSN's missing diagnostic and remote MTA from the text part, by address.

    When the text says the DSN's Final-Recipient was expanded from another address (Exim's
    "(generated from a@b)"), the recipient becomes the address the sender wrote.
    """
    by_address = {hit.recipient.lower(): hit for hit in hits if hit.recipient}
    by_address.update({h.expanded.lower(): h for h in hits if isinstance(h, ExpandedHit)})
    merged = []
    for rcpt in recipients:
        hit = by_address.get((rcpt.recipient or "").lower())
        if hit is None and len(recipients) == 1 and len(hits) == 1:
            hit = hits[0]
        if isinstance(hit, ExpandedHit) and (rcpt.recipient or "").lower() == hit.expanded.lower():
            rcpt = replace(rcpt, recipient=hit.recipient)
        if hit is None or (rcpt.diagnostic and rcpt.remote_mta):
            merged.append(rcpt)
            continue
        diagnostic = rcpt.diagnostic or hit.diagnostic
        status = rcpt.status or find_status(diagnostic or "")
        merged.append(
            BouncedRecipient(
                recipient=rcpt.recipient or hit.recipient,
                action=rcpt.action,
                status=status,
                reason=classify(status, diagnostic),
                diagnostic=diagnostic,
                remote_mta=rcpt.remote_mta or hit.remote_mta,
            )
        )
    return merged
