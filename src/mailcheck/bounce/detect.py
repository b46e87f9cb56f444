"""Tell what kind of report a message is: which software wrote it (by its fingerprints),
whether it is a text bounce or an auto-reply, and each recipient's final action and reason.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from mailcheck.bounce.cues import may_match, required_cues
from mailcheck.bounce.decode import header_value
from mailcheck.bounce.hits import Hit
from mailcheck.bounce.model import Action, BouncedRecipient, Kind, Style
from mailcheck.bounce.reasons import (
    Reason,
    classify,
    classify_text,
    find_status,
    gave_up_after,
    says_expired,
)

__all__ = [
    "DELAY_TEXT",
    "detect_style",
    "from_hit",
    "is_auto_reply",
    "kind_of",
    "looks_like_text_bounce",
    "refine",
    "says_delayed",
]

_I, _M = re.IGNORECASE, re.MULTILINE

_BOUNCE_FROM: Final = re.compile(
    r"mailer-daemon|postmaster|mail delivery (?:system|subsystem)|mail administrator"
    r"|system administrator|\bmdaemon@|microsoftexchange|hệ thống thư"
    r"|no-reply@[\w.-]{0,60}\.dion\.ne\.jp",
    _I,
)
_BOUNCE_SUBJECT: Final = re.compile(
    r"undeliver|delivery (?:status notification|failure|failed|has failed|problem|report|delayed)"
    r"|mail delivery failed|returned mail|failure notice|non remis|nicht zustellbar|unzustellbar"
    r"|could not be delivered|delayed mail|warning: message|mail system error|mail delivery status"
    r"|non-?delivery|not delivered|mail failed|failed mail|failure delivery|delivery warning"
    r"|rejected mail|user unknown|returning to sender|^\[bounce\]$"
    r"|không (?:thể )?gửi được|thư bị trả lại|gửi thư thất bại",
    _I,
)
DELAY_TEXT: Final = re.compile(
    r"delayed mail|still being retried|will (?:keep|continue) trying|not yet been delivered"
    r"|delivery (?:is |has been )?delayed|\(delay\)|delivery attempts will continue"
    r"|will be retried|could not send message for past|zustellung verzögert|retardé|bị trì hoãn"
    r"|has been postponed|will continue to (?:try|attempt)|this is a warning only",
    _I,
)
# What the text of a bounce says, for the bounces that only a From or a Subject announce.
_BOUNCE_BODY: Final = re.compile(
    r"(?:could|can)(?:not|n't| not) (?:be )?deliver|(?:was|were|wasn't|been) not delivered"
    r"|not be delivered|undeliverable|unable to deliver|(?:wasn't|was not|were not) able to deliver"
    r"|did not reach|did not receive (?:a copy of )?(?:your|this|the) message"
    r"|permanent(?: fatal)? error|failed addresses|failed recipient|delivery (?:to|of)"
    r" [^\n]{0,60}(?:failed|postponed|delayed)|delivery has failed|no such user"
    r"|user unknown|automatically rejected|pas pu (?:être|etre) (?:délivré|delivre|remis)"
    r"|transcript of session follows|rcpt to:",
    _I,
)
_AUTO_REPLY_SUBJECT: Final = re.compile(
    r"^\s{0,5}(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|auto:|autoreply"
    r"|abwesen|automatische antwort|réponse automatique|absence|vacation|trả lời tự động"
    r"|thư trả lời tự động)",
    _I,
)

_STYLE_PRINTS: Final[tuple[tuple[Style, re.Pattern[str]], ...]] = tuple(
    (style, re.compile(pattern, _I))
    for style, pattern in (
        (
            Style.EXCHANGE,
            r"x-ms-exchange-message-is-ndr|diagnostic information for administrators"
            r"|diagnoseinformationen für administratoren|informations de diagnostic pour les"
            r"|delivery has failed to these recipients|did not reach some or all of the intended"
            r"|remote server returned '|generating server:|generierender server:"
            r"|microsoftexchange|\.prod\.outlook\.com",
        ),
        (
            Style.GMAIL,
            r"googlemail\.com|google tried to deliver your message|\*\* address not found \*\*"
            r"|\*\* message not delivered \*\*|\*\* message blocked \*\*",
        ),
        (Style.YAHOO, r"sorry, we were unable to deliver your message|@yahoo(?:inc)?\.com>?$"),
        (Style.QMAIL, r"this is the qmail-send program|qmail-send"),
        (Style.POSTFIX, r"this is the mail system at host|the postfix program|x-postfix-"),
        (
            Style.EXIM,
            r"this message was created automatically by mail delivery software"
            r"|smtp error from remote mail server|x-exim",
        ),
        (
            Style.SENDMAIL,
            r"the following addresses had permanent fatal errors|transcript of session follows"
            r"|returned mail: see transcript",
        ),
        (Style.COURIER, r"courier mail server|courier-mta"),
        (Style.DOMINO, r"domino directory|lotus domino|^delivery failure:|was not delivered to:"),
        (Style.JAMES, r"(?m)this is the james mail server|^error message below:\s{0,5}$"),
        (
            Style.KDDI,
            # EZweb's Subject "Mail System Error - Returned Mail" is not enough: older
            # gateways (Netscape, GroupWise) write it too.
            r"(?m)postmaster@(?:ezweb\.ne\.jp|au\.com)|could not be delivered to: <"
            r"|^your mail (?:sent|attempted to be delivered) on:",
        ),
        (Style.MFILTER, r"(?m)「m-filter」|^-{5,10}server message\s{0,5}$"),
    )
)


# The same fingerprints without IGNORECASE, for ASCII text lower-cased once: a case-blind
# search of a long signature is about four times slower. Only for ASCII text, where lower()
# and IGNORECASE agree exactly (elsewhere Unicode case rules differ in corners, as 'İ').
# The patterns are written in lower case (tested), so they mean the same either way.
_STYLE_PRINTS_LOWER: Final = tuple(
    (style, re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE))
    for style, pattern in _STYLE_PRINTS
)


_DELAY_TEXT_LOWER: Final = re.compile(DELAY_TEXT.pattern)
# What the lower-case searches cannot match without (mailcheck.bounce.cues): a signature
# holding none of a fingerprint's cues is not searched for it.
_STYLE_CUES: Final = tuple(required_cues(pattern) for _style, pattern in _STYLE_PRINTS_LOWER)
_DELAY_CUES: Final = required_cues(_DELAY_TEXT_LOWER)


def says_delayed(text: str) -> bool:
    """Whether ``text`` says delivery is still being tried (:data:`DELAY_TEXT`)."""
    if text.isascii():  # as for the fingerprints below: lower() once, a case-exact search
        text = text.lower()
        return may_match(_DELAY_CUES, text) and _DELAY_TEXT_LOWER.search(text) is not None
    return DELAY_TEXT.search(text) is not None


def detect_style(signature: str) -> Style:
    """The software that wrote the report, by the first fingerprint found in ``signature``."""
    if signature.isascii():
        signature = signature.lower()
        for (style, pattern), cues in zip(_STYLE_PRINTS_LOWER, _STYLE_CUES, strict=True):
            if may_match(cues, signature) and pattern.search(signature):
                return style
        return Style.UNKNOWN
    for style, pattern in _STYLE_PRINTS:
        if pattern.search(signature):
            return style
    return Style.UNKNOWN


def looks_like_text_bounce(
    style: Style,
    headers: list[tuple[str, str]],
    subject: str | None,
    from_: str | None,
    text: str,
) -> bool:
    if header_value(headers, "x-failed-recipients"):
        return True
    by_subject = bool(_BOUNCE_SUBJECT.search(subject or ""))
    by_from = bool(_BOUNCE_FROM.search(from_ or ""))
    if style is not Style.UNKNOWN and (by_subject or by_from):
        return True
    if by_subject and by_from:
        return True
    # MAILER-DAEMON writes nothing but reports; a bounce subject or sender is believed when
    # the text says what bounces say.
    if re.search(r"\bmailer-daemon@", from_ or "", _I):
        return True
    return (by_subject or by_from) and bool(_BOUNCE_BODY.search(text[:16384]))


def is_auto_reply(headers: list[tuple[str, str]], subject: str | None) -> bool:
    auto = (header_value(headers, "auto-submitted") or "").lower()
    if auto.startswith("auto-replied"):
        return True
    if header_value(headers, "x-autoreply") or header_value(headers, "x-autorespond"):
        return True
    if (header_value(headers, "precedence") or "").lower() == "auto_reply":
        return True
    return bool(_AUTO_REPLY_SUBJECT.search(subject or ""))


def refine(recipient: BouncedRecipient, explanation: str) -> BouncedRecipient:
    """A better reason when the recipient's own words gave none (``other``) or only "expired".

    Many notices put the reason in their own prose, not next to the address
    ("This mail message has exceeded the maximum incoming message size.");
    that prose, before the returned message, is read then. An expired delivery
    whose notice tells the last real error (a transcript, Exchange's "LED=441
    4.4.1 ... Failed to connect") gets that error's reason: it says why. A failure
    on a temporary 4.x.x status with nothing better means the sender's server
    retried until it gave up: expired. How long it tried, when said, is kept in
    ``gave_up_after``.
    """
    reason = recipient.reason
    status = recipient.status or find_status(explanation)
    if reason == Reason.OTHER:
        reason = classify(status, explanation)
    if reason == Reason.EXPIRED:
        last = classify_text(explanation)
        # The notice's own prose: a catch-all "denied" there is too weak to beat expiry.
        if last not in (None, Reason.EXPIRED, Reason.OTHER, Reason.POLICY):
            reason = last
    temporary = (recipient.status or "").startswith("4.")
    failed = recipient.action == Action.FAILED
    if failed and temporary and reason == Reason.OTHER:
        reason = Reason.EXPIRED
    gave_up = recipient.gave_up_after
    words = f"{recipient.diagnostic or ''}\n{explanation}"
    if failed and gave_up is None and (temporary or says_expired(words)):
        gave_up = gave_up_after(recipient.diagnostic or "") or gave_up_after(explanation)
    if reason == recipient.reason and gave_up == recipient.gave_up_after:
        return recipient
    return replace(recipient, reason=reason, gave_up_after=gave_up)


def kind_of(recipients: list[BouncedRecipient], delay_hint: bool) -> Kind:
    actions = {r.action for r in recipients}
    if Action.FAILED in actions:
        return Kind.FAILURE
    if Action.DELAYED in actions:
        return Kind.DELAY
    if actions and actions <= {Action.DELIVERED, Action.RELAYED, Action.EXPANDED}:
        return Kind.NOT_A_BOUNCE
    return Kind.DELAY if delay_hint else Kind.FAILURE


def from_hit(hit: Hit, delay_hint: bool) -> BouncedRecipient:
    status = find_status(hit.diagnostic or "")
    # A 4xx reply in a notice that is not a delay notice: the retries ran out, it failed.
    # Nor is it a delay when the recipient's own words say the sender gave up
    # ("...: retry timeout exceeded") though the notice speaks of delays elsewhere.
    delayed = delay_hint and (status or "4")[0] == "4" and not says_expired(hit.diagnostic or "")
    return BouncedRecipient(
        recipient=hit.recipient,
        action=Action.DELAYED if delayed else Action.FAILED,
        status=status,
        reason=classify(status, hit.diagnostic),
        diagnostic=hit.diagnostic,
        remote_mta=hit.remote_mta,
    )
