"""Bounce reasons of issue 14: the most informative error wins, and the reasons added then.

Every sentence here was written for its test, after the wording each MTA documents; none is
copied from a corpus.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailcheck.bounce import parse_bounce
from mailcheck.bounce.reasons import TEXT_PATTERNS, Reason, classify, gave_up_after, says_expired

# --- one sentence per pattern -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "text", "reason"),
    [
        # login-required: the relay wants SMTP AUTH first
        ("5.7.0", "530 5.7.0 Authentication required", "login-required"),
        (None, "550 Relay not permitted without authentication, log in first", "login-required"),
        (None, "554 Relaying denied, please authenticate first", "login-required"),
        (None, "530 SMTP AUTH is required for users of this server", "login-required"),
        (None, "553 sorry, you must log in before sending to other domains", "login-required"),
        ("5.7.57", "Client was not authenticated to send anonymous mail", "login-required"),
        ("5.7.57", None, "login-required"),
        (None, "550 Unauthenticated senders not allowed on this port", "login-required"),
        (None, "530 Sender must be authenticated to use this relay", "login-required"),
        # not-compliant: the message breaks RFC 5322
        (
            "5.7.1",
            "550 5.7.1 This message is not RFC 5322 compliant: two Subject headers",
            "not-compliant",
        ),
        ("5.6.0", "554 5.6.0 Message not compliant with RFC 2822, see our help", "not-compliant"),
        ("5.6.0", "550 5.6.0 There are multiple Date headers in this message", "not-compliant"),
        (None, "554 Duplicate Message-ID headers are refused here", "not-compliant"),
        (None, "550 Bare LF received after DATA; use CRLF line endings", "not-compliant"),
        (None, "451 bare linefeeds are not accepted by this server", "not-compliant"),
        (None, "500 Line too long in the message body (over 998 octets)", "not-compliant"),
        (None, "554 Header syntax error in the From field", "not-compliant"),
        (None, "550 Malformed MIME structure in message", "not-compliant"),
        (None, "554 Invalid Message-ID: no @ in it", "not-compliant"),
        (None, "550 8-bit data not allowed without BODY=8BITMIME", "not-compliant"),
        ("5.6.0", "Message content is damaged", "content"),  # 5.6.0 without those words
        # network: the sender's side could not reach the recipient's server
        (
            "4.4.1",
            "delivery temporarily suspended: connect to mx.customer.test[192.0.2.9]:25: "
            "Connection timed out",
            "network",
        ),
        ("4.4.1", None, "network"),
        ("4.4.2", "conversation with mx.customer.test timed out while sending RCPT", "network"),
        (None, "Deferred: Connection refused by mx.customer.test.", "network"),
        (None, "connect to mx.customer.test[192.0.2.9]:25: No route to host", "network"),
        (None, "connect to mx.customer.test[2001:db8::9]:25: Network is unreachable", "network"),
        (None, "lost connection with mx.customer.test[192.0.2.9] while receiving", "network"),
        (None, "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", "network"),
        (None, "Connected to 192.0.2.9 but connection died. (#4.4.2)", "network"),
        (
            "4.4.3",
            "Host or domain name not found. Name service error for name=customer.test "
            "type=MX: Host not found, try again",
            "network",
        ),
        (None, "Temporary DNS failure while looking up the MX of customer.test", "network"),
        (None, "DNS lookup failed for mx.customer.test: SERVFAIL", "network"),
        (None, "Failed to connect. Winsock error code: 10060", "network"),
        (
            "5.4.316",
            "550 5.4.316 Message expired, connection refused(Socket error code 10061)",
            "network",
        ),
        ("4.4.312", "450 4.4.312 DNS query failed", "network"),
        ("5.4.310", "550 5.4.310 DNS domain customer.test does not exist", "domain-unknown"),
        (None, "Host mx.customer.test is not responding.", "network"),
        (None, "host mx.customer.test[192.0.2.9]:\nconnection to mail exchanger failed", "network"),
        (None, "The connection attempt failed three times in a row", "network"),
        (None, "The recipient server did not accept our requests to connect.", "network"),
        # a local program's own connection failure is the receiving side's error: other
        (None, "Command output: scanner: unable to connect to its daemon", "other"),
        (
            None,
            "temporary failure. Command\n    output: filter: Connection refused",
            "other",
        ),
        # reputation: the sending host is blocked or listed, or has no PTR
        ("5.7.1", "Client host rejected: cannot find your reverse hostname", "reputation"),
        ("5.7.1", "554 Client host rejected: Access denied", "reputation"),
        ("5.7.25", None, "reputation"),
        (None, "550 The sending IP has no PTR record; fix its reverse DNS", "reputation"),
        (None, "550 IP name lookup failed for 192.0.2.77", "reputation"),
        (None, "554 You are not allowed to send mail from this IP", "reputation"),
        (None, "550 Your IP address has been blacklisted here", "reputation"),
        (None, "550 Mail from dynamic IP ranges is not accepted", "reputation"),
        (None, "554 Server blacklisted by our provider", "reputation"),
        (None, "450 Client host rejected: Greylisted, come back later", "rate-limited"),
        # spam: the message's own links are listed
        (None, "554 Message refused: a URL in the message body is listed", "spam"),
        (None, "550 Rejected by URIBL: message contains a blocked URL", "spam"),
        (None, "550 Message contains a blacklisted link", "spam"),
        (None, "554 SURBL hit on a domain in the message", "spam"),
        (None, "550 Message scored too high by SpamAssassin", "spam"),
        (None, "554 Rejected as UBE", "spam"),
        # content: attachment policy
        (None, "552 File type .exe is not allowed here", "content"),
        (None, "554 Attachment type not permitted (.js)", "content"),
        (None, "550 Your attachment was blocked by our gateway", "content"),
        (None, "550 Executable attachment refused", "content"),
        (None, "554 Blocked attachment: invoice.zip", "content"),
        # auth-failure keeps SPF/DKIM/DMARC; PTR left it
        ("5.7.1", "SPF check failed for seller.example.com", "auth-failure"),
        # most specific words beat the status class
        ("5.0.0", "550 User unknown in local recipient table", "recipient-unknown"),
        ("4.4.1", "550 5.1.1 no such user here", "recipient-unknown"),
        (None, "ketoan: does not have a final email delivery point here", "recipient-unknown"),
        (None, "The name you wrote did not match any e-mail address we know", "recipient-unknown"),
        (None, "ketoan@customer.test did not exactly match an ACME address", "recipient-unknown"),
        # expiry words only when nothing better is said
        (None, "retry timeout exceeded", "expired"),
        ("4.4.7", "Message expired after sitting in queue for 5 days", "expired"),
        ("4.4.7", None, "expired"),
        ("4.4.1", "retry timeout exceeded", "network"),  # the status says more than "gave up"
        ("5.7.1", "retry timeout exceeded", "expired"),  # a catch-all status does not
        (
            None,
            "SMTP error from remote mail server after RCPT TO:<a@customer.test>: host "
            "mx.customer.test [192.0.2.9]: 451 4.7.1 Greylisted, try again later: retry "
            "timeout exceeded",
            "rate-limited",
        ),
        (
            "4.4.7",
            "550 4.4.7 QUEUE.Expired; message expired [LED=441 4.4.1 Failed to connect]",
            "network",
        ),
        (
            None,
            "I'm not going to try again; this message has been in the queue too long",
            "expired",
        ),
        (None, "The sending server has stopped trying to deliver this message", "expired"),
        (None, "Delivery time expired", "expired"),
        (None, "Message could not be delivered for 5 days", "expired"),
        (None, "Cannot send message for 3 days", "expired"),
        (None, "Gave up after 48 hours of retries", "expired"),
        (None, "Message will be deleted from queue", "expired"),
        (None, "Delivery failed 12 attempts: ketoan@customer.test", "expired"),
        (None, "We could not deliver it after 30 tries and removed it", "expired"),
        (None, "the server is giving up on this message", "expired"),
    ],
)
def test_reason_from_status_and_words(status: str | None, text: str | None, reason: str) -> None:
    assert classify(status, text) == reason


def test_the_new_reasons_are_ids_of_the_taxonomy() -> None:
    assert {"login-required", "not-compliant", "network"} <= {r.value for r in Reason}


def test_patterns_are_lower_case_because_the_text_is_lowered() -> None:
    # classify_text lowers the text once and matches without IGNORECASE (twice as fast):
    # a capital letter in a pattern would never match.
    for pattern, _reason in TEXT_PATTERNS:
        assert not re.search(r"(?<!\\)[A-Z]", pattern.pattern), pattern.pattern


def test_words_wrapped_across_lines_still_match() -> None:
    assert classify(None, "The address you wrote did not match\n    any e-mail address here") == (
        "recipient-unknown"
    )
    assert says_expired("this message has been in the queue\n too long")


def test_words_in_any_case_still_match() -> None:
    assert classify(None, "CONNECTION TIMED OUT") == "network"
    assert classify(None, "Đầy hộp thư") == "mailbox-full"


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("Message could not be delivered for 5 days", "5 days"),
        ("Cannot send message for 3 days", "3 days"),
        ("421 4.4.7 Too old: delivery was retried for 8 hours", "8 hours"),
        ("your message was not delivered within 2 days.", "2 days"),
        ("gave up after 1 day", "1 day"),
        ("Microsoft 365 tried\nfor a day and then stopped trying", "1 day"),
        ("It stayed in the queue for 72 h", "72 hours"),
        ("could not be delivered for more than 4 hour(s)", "4 hours"),
        ("retry timeout exceeded", None),
        ("delivered in 5 days", None),
    ],
)
def test_how_long_the_sender_tried(text: str, duration: str | None) -> None:
    assert gave_up_after(text) == duration


def test_expiry_words_are_told_apart_from_delay_words() -> None:
    assert says_expired("host mx.customer.test: Connection refused: retry timeout exceeded")
    assert not says_expired("Delivery to the following recipient has been delayed")


# --- whole notices: expired, with the last error ------------------------------------------------


def _dsn(status: str, diagnostic: str | None, text: str, reporting: str) -> bytes:
    diagnostic_line = f"Diagnostic-Code: {diagnostic}\n" if diagnostic else ""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mail.seller.example.com>\n"
        "To: invoices@seller.example.com\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b14"\n\n'
        "--b14\nContent-Type: text/plain; charset=us-ascii\n\n"
        f"{text}\n"
        "--b14\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; {reporting}\n\n"
        "Final-Recipient: rfc822; ketoan@customer.test\n"
        "Action: failed\n"
        f"Status: {status}\n"
        f"{diagnostic_line}"
        "\n--b14--\n"
    ).encode()


def _text_bounce(subject: str, body: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mail.seller.example.com>\n"
        "To: invoices@seller.example.com\n"
        f"Subject: {subject}\n\n{body}"
    ).encode()


def test_postfix_expired_with_a_connection_timeout_is_network() -> None:
    raw = _dsn(
        "4.4.1",
        "X-Postfix; delivery temporarily suspended: connect to mx.customer.test"
        "[192.0.2.9]:25: Connection timed out",
        "This is the mail system at host mail.seller.example.com.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. The mail system gave up after 5 days.\n",
        "mail.seller.example.com",
    )
    bounce = parse_bounce(raw)
    (recipient,) = bounce.recipients
    assert bounce.kind == "failure"
    assert recipient.reason == "network"
    assert recipient.gave_up_after == "5 days"


def test_exim_retry_timeout_with_its_last_error_is_that_error() -> None:
    raw = _text_bounce(
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  ketoan@customer.test\n"
        "    host mx.customer.test [192.0.2.9]: Connection refused: retry timeout exceeded\n",
    )
    bounce = parse_bounce(raw)
    (recipient,) = bounce.recipients
    assert (bounce.kind, recipient.recipient) == ("failure", "ketoan@customer.test")
    assert recipient.reason == "network"


def test_exim_retry_timeout_alone_is_expired() -> None:
    raw = _text_bounce(
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  ketoan@customer.test\n"
        "    retry timeout exceeded\n",
    )
    (recipient,) = parse_bounce(raw).recipients
    assert recipient.reason == "expired"
    assert recipient.gave_up_after is None  # Exim does not say how long


def test_sendmail_deferred_transcript_gives_the_refusal_and_the_days() -> None:
    raw = _dsn(
        "4.4.7",
        None,
        "The original message was received at Mon, 2 Jun 2025 09:00:00 +0700\n"
        "from localhost [127.0.0.1]\n\n"
        "   ----- Transcript of session follows -----\n"
        "<ketoan@customer.test>... Deferred: Connection refused by mx.customer.test.\n"
        "Message could not be delivered for 5 days\n"
        "Message will be deleted from queue\n",
        "mail.seller.example.com",
    )
    bounce = parse_bounce(raw)
    (recipient,) = bounce.recipients
    assert bounce.kind == "failure"
    assert recipient.reason == "network"
    assert recipient.gave_up_after == "5 days"


def test_sendmail_expiry_without_an_error_is_expired() -> None:
    raw = _dsn(
        "4.4.7",
        None,
        "   ----- Transcript of session follows -----\n"
        "Message could not be delivered for 4 days\n"
        "Message will be deleted from queue\n",
        "mail.seller.example.com",
    )
    (recipient,) = parse_bounce(raw).recipients
    assert (recipient.reason, recipient.gave_up_after) == ("expired", "4 days")


def test_exchange_queue_expired_with_a_failed_connection_is_network() -> None:
    raw = _dsn(
        "4.4.7",
        "smtp; 550 4.4.7 QUEUE.Expired; message expired",
        "Delivery has failed to these recipients or groups:\n\n"
        "ketoan@customer.test\n"
        "The server has tried to deliver this message, without success, and has stopped "
        "trying.\n\n"
        "Diagnostic information for administrators:\n\n"
        "Generating server: EXCH01.seller.example.com\n\n"
        "ketoan@customer.test\n"
        "Remote Server returned '550 4.4.7 QUEUE.Expired; message expired "
        "[LED=441 4.4.1 Error while talking to the primary target: Failed to connect. "
        "Winsock error code: 10060]'\n",
        "EXCH01.seller.example.com",
    )
    (recipient,) = parse_bounce(raw).recipients
    assert recipient.reason == "network"


def test_an_expired_dsn_whose_last_reply_was_a_greylisting_is_rate_limited() -> None:
    raw = _dsn(
        "4.7.1",
        "smtp; 450 4.7.1 Greylisted, please try again later",
        "Your message could not be delivered; the mail system gave up after 2 days.\n",
        "mail.seller.example.com",
    )
    (recipient,) = parse_bounce(raw).recipients
    assert (recipient.reason, recipient.gave_up_after) == ("rate-limited", "2 days")


def test_a_delay_warning_is_not_given_a_gave_up_time() -> None:
    raw = _dsn(
        "4.4.1",
        "X-Postfix; connect to mx.customer.test[192.0.2.9]:25: Connection timed out",
        "This is a warning only. Your message could not be delivered for more than\n"
        "4 hour(s). It will be retried until it is 5 day(s) old.\n",
        "mail.seller.example.com",
    ).replace(b"Action: failed", b"Action: delayed")
    bounce = parse_bounce(raw)
    (recipient,) = bounce.recipients
    assert (bounce.kind, recipient.reason, recipient.gave_up_after) == ("delay", "network", None)


@pytest.mark.parametrize(
    ("name", "reason", "gave_up"),
    [
        ("m365-expired-connection-refused.eml", "network", "1 day"),
        ("sendmail-expired-deferred.eml", "network", "5 days"),
        ("mailgun-expired.eml", "expired", "8 hours"),
        ("dsn-without-recipient-fields.eml", "expired", "3 days"),
    ],
)
def test_expired_fixtures_keep_how_long_the_sender_tried(
    name: str, reason: str, gave_up: str
) -> None:
    bounces = Path(__file__).resolve().parents[3] / "fixtures" / "bounces"
    recipient = parse_bounce((bounces / name).read_bytes()).recipients[0]
    assert (recipient.reason, recipient.gave_up_after) == (reason, gave_up)
