"""Read Amazon SES notifications: bounces, delivery delays and complaints, in JSON.

SES publishes one JSON document per event (the "Amazon SES notification contents" and "event
publishing" pages of its developer guide): ``notificationType`` (or ``eventType``) says
``Bounce``, ``DeliveryDelay`` or ``Complaint``; ``bounce.bouncedRecipients[]`` has each
address with ``status``, ``action`` and ``diagnosticCode``; ``bounceType`` and
``bounceSubType`` say what SES made of it. The document arrives as the body of an e-mail, or
wrapped in an SNS envelope (``"Type": "Notification"``, the document as the ``Message``
string), by mail or as a bare file.

The input is hostile: the text is capped before ``json.loads``, every value is type-checked,
and anything unexpected makes :func:`parse_notification` return ``None`` (not a notification),
never raise.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import replace
from email.message import Message
from email.utils import parseaddr
from typing import Final

from mailcheck.bounce.decode import MAX_HEADERS, MAX_TEXT, decode_header, part_text, strip_id
from mailcheck.bounce.dsn import MAX_RECIPIENTS, dsn_host
from mailcheck.bounce.model import NOT_A_BOUNCE, Action, Bounce, BouncedRecipient, Kind, Style
from mailcheck.bounce.reasons import Reason, classify, find_status

__all__ = ["MAX_JSON", "maybe_notification", "parse_notification"]

# SNS caps a message at 256 KiB, and SES notifications fit in it; twice that is a generous
# bound on what json.loads is given.
MAX_JSON: Final = 512 * 1024
_SNIFF: Final = 64 * 1024  # bytes looked at by the cheap test (headers come first in a mail)
_MAX_PARTS: Final = 16  # MIME parts looked at for the JSON body

# What SES says in bounceSubType / delayType, when the recipient's own words say nothing
# more precise. "Suppressed" is SES's global list of addresses that bounced as invalid.
_SUBTYPE_REASON: Final[dict[str, Reason]] = {
    "noemail": Reason.RECIPIENT_UNKNOWN,
    "suppressed": Reason.RECIPIENT_UNKNOWN,
    "onaccountsuppressionlist": Reason.POLICY,
    "mailboxfull": Reason.MAILBOX_FULL,
    "messagetoolarge": Reason.TOO_LARGE,
    "contentrejected": Reason.CONTENT,
    "attachmentrejected": Reason.CONTENT,
    "spamdetected": Reason.SPAM,
    "ipfailure": Reason.REPUTATION,
}

_EMPTY: Final = replace(NOT_A_BOUNCE, mta_style=Style.SES)


def maybe_notification(raw: bytes) -> bool:
    """A cheap byte test: could ``raw`` hold an SES notification? (No parsing.)"""
    head = raw[:_SNIFF]
    return b"notificationType" in head or b"eventType" in head


def parse_notification(raw: bytes) -> Bounce | None:
    """The bounce an SES notification describes, or ``None`` when ``raw`` holds none."""
    stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    subject = from_ = None
    document: str | None
    if stripped.startswith(b"{"):
        document = stripped[:MAX_JSON].decode("utf-8", "replace")
    else:
        msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
        subject = _header(msg.get("subject"))
        from_ = _header(msg.get("from"))
        document = _json_body(msg)
        if document is None:
            return None
    notification = _load(document)
    if notification is None:
        return None
    return _bounce(notification, document, subject, from_)


def _header(value: object) -> str | None:
    return decode_header(str(value)) if value is not None else None


def _json_body(msg: Message) -> str | None:
    """The first text part of a mail that is a JSON object."""
    for index, part in enumerate(msg.walk()):
        if index >= _MAX_PARTS:
            break
        if part.is_multipart():
            continue
        text = part_text(part).lstrip("\ufeff \t\r\n")
        if text.startswith("{"):
            return text[:MAX_JSON]
    return None


def _load(document: str) -> dict[str, object] | None:
    """The notification object, out of an SNS envelope when it is in one."""
    value = _json(document)
    if value is None:
        return None
    if value.get("Type") == "Notification" and isinstance(value.get("Message"), str):
        inner = str(value["Message"])
        value = _json(inner[:MAX_JSON])
        if value is None:
            return None
    kind = value.get("notificationType") or value.get("eventType")
    return value if isinstance(kind, str) else None


def _json(text: str) -> dict[str, object] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # truncated, malformed, or nested beyond reason
        return None
    return value if isinstance(value, dict) else None


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return (value.strip()[:2000] or None) if isinstance(value, str) else None


def _bounce(
    notification: dict[str, object], document: str, subject: str | None, from_: str | None
) -> Bounce:
    kind = str(notification.get("notificationType") or notification.get("eventType")).lower()
    mail = _dict(notification.get("mail"))
    headers = _mail_headers(mail)
    message_id = next((v for n, v in headers if n.lower() == "message-id"), None)
    common = _dict(mail.get("commonHeaders"))
    message_id = _str(common.get("messageId")) or message_id
    base = replace(
        _EMPTY,
        original_message_id=strip_id(message_id),
        original_headers=tuple(headers),
        subject=subject,
        from_=from_,
        text=document[:MAX_TEXT],
    )
    if kind == "complaint":
        return replace(base, kind=Kind.FEEDBACK)
    if kind == "bounce":
        event = _dict(notification.get("bounce"))
        listed = event.get("bouncedRecipients")
        subtype = _str(event.get("bounceSubType")) or ""
        permanent = (_str(event.get("bounceType")) or "").lower() != "transient"
        default_action = Action.FAILED
    elif kind == "deliverydelay":
        event = _dict(notification.get("deliveryDelay"))
        listed = event.get("delayedRecipients")
        subtype = _str(event.get("delayType")) or ""
        permanent = False
        default_action = Action.DELAYED
    else:
        return base  # Send, Delivery, Open, Click, Reject...: nothing bounced
    if not isinstance(listed, list):
        return base
    remote = _str(event.get("remoteMtaIp"))
    recipients = [
        _recipient(entry, subtype, permanent, default_action, remote)
        for entry in listed[:MAX_RECIPIENTS]
        if isinstance(entry, dict)
    ]
    recipients = [r for r in recipients if r.recipient]
    if not recipients:
        return base
    actions = {r.action for r in recipients}
    return replace(
        base,
        kind=Kind.FAILURE if Action.FAILED in actions else Kind.DELAY,
        reporting_mta=dsn_host(_str(event.get("reportingMTA"))),
        recipients=tuple(recipients),
    )


def _recipient(
    entry: dict[str, object],
    subtype: str,
    permanent: bool,
    default_action: Action,
    remote: str | None,
) -> BouncedRecipient:
    diagnostic = _str(entry.get("diagnosticCode"))
    if diagnostic and ";" in diagnostic[:12]:
        diagnostic = diagnostic.split(";", 1)[1].strip() or None  # "smtp; 550 ..." (RFC 3464)
    status = find_status(_str(entry.get("status")) or "") or find_status(diagnostic or "")
    action = (_str(entry.get("action")) or "").lower()
    if action not in {a.value for a in Action}:
        action = default_action
    reason = classify(status, diagnostic)
    if reason == Reason.OTHER:
        reason = _SUBTYPE_REASON.get(subtype.lower(), Reason.OTHER)
    if reason == Reason.OTHER and action == Action.FAILED and not permanent:
        reason = Reason.EXPIRED  # a transient bounce: SES retried and gave up, words unknown
    # SES keeps a display name when the sender wrote one: "Name <a@b>".
    address = parseaddr(_str(entry.get("emailAddress")) or "")[1] or None
    return BouncedRecipient(
        recipient=address,
        action=Action(action),
        status=status,
        reason=reason,
        diagnostic=diagnostic,
        remote_mta=remote,
    )


def _mail_headers(mail: dict[str, object]) -> list[tuple[str, str]]:
    """``mail.headers`` (present when the identity includes original headers), as pairs."""
    listed = mail.get("headers")
    if not isinstance(listed, list):
        return []
    pairs = []
    for entry in listed[:MAX_HEADERS]:
        if isinstance(entry, dict):
            name, value = _str(entry.get("name")), entry.get("value")
            if name and isinstance(value, str):
                pairs.append((name, value[:2000]))
    return pairs
