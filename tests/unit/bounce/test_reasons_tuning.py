"""Bounce reasons of the second tuning pass (issue 14): wordings real MTAs and filters use.

Every sentence here was written for its test after the wording each MTA or filter documents
(or Sisimai's public lists record); none is copied from a corpus file.
"""

from __future__ import annotations

import pytest

from mailcheck.bounce import parse_bounce
from mailcheck.bounce.reasons import classify, classify_text


@pytest.mark.parametrize(
    ("status", "text", "reason"),
    [
        # Exim's SPF ACL: "<ip> is not allowed to send mail from <domain>"
        (
            None,
            "550 198.51.100.23 is not allowed to send mail from shop.customer.test",
            "auth-failure",
        ),
        (
            "5.7.1",
            "550 2001:db8::5 is not allowed to send email from news.customer.test",
            "auth-failure",
        ),
        # ... but a refusal of the sending IP itself stays the sender's reputation
        (None, "554 Sorry, you are not allowed to send mail from this IP", "reputation"),
        # spam filters that name their verdict
        ("5.7.3", "553 5.7.3 Rejected by dspam check, see our help page", "spam"),
        (None, "554 mail refused by security policies - XSpamSignature.rule.12", "spam"),
        (None, "550 Message SpamScore 14.2 is above the limit of 5", "spam"),
        (None, "554 Refused by our spamfilter", "spam"),
        # a content filter's "content reject"
        ("5.7.3", "553 5.7.3 CONTENT REJECT: the body matched rule 31", "content"),
        # too many messages stored is a full mailbox; too many sent is a rate limit
        (None, "452 The user has too many messages on the server, mail refused", "mailbox-full"),
        (
            None,
            "550 Too many mails in this mailbox: please ask the owner to clean up",
            "mailbox-full",
        ),
        (None, "450 Too many messages from your host in the last hour", "rate-limited"),
        # a size that was exceeded: the message's, or the mailbox's
        (None, "552 Maximum message size exceeded for this domain", "too-large"),
        (None, "552 Mailbox size exceeded for jdoe", "mailbox-full"),
        # older MTAs' and patches' words for an unknown recipient
        ("5.7.1", "553 sorry, badrcptto (#5.7.1)", "recipient-unknown"),
        (None, "553 sorry, your envelope recipient is in my badrcptto list", "recipient-unknown"),
        (None, "550 No mail box available for jdoe at this host", "recipient-unknown"),
        (None, "550 Sorry, no account by that name on this server", "recipient-unknown"),
        (None, "550 BAD_RECIPIENT: check the address and send again", "recipient-unknown"),
        (None, "550 jdoe is not a known user of this system", "recipient-unknown"),
        (None, "550 That address is not a valid recipient at this host", "recipient-unknown"),
        # the relay wants a login
        (
            None,
            "530 This server requires authentication before it sends to other domains",
            "login-required",
        ),
        # RFC 5322 and MIME breaches in Exchange's and Yahoo's words
        (None, "554 Improper use of 8-bit data in the Subject header", "not-compliant"),
        (None, "554 Your message carries invalid MIME headers", "not-compliant"),
        (None, "554 The message holds improperly-formatted binary parts", "not-compliant"),
        ("5.7.1", "550 5.7.1 Mail missing a valid Message-ID is refused here", "not-compliant"),
        ("5.7.1", "550 5.7.1 Two From fields: please review RFC 5322 and resend", "not-compliant"),
        # relaying refusals of older servers
        (None, "550 not local host customer.test, not a gateway", "relaying-denied"),
        (None, "550 This system is not configured to relay mail for you", "relaying-denied"),
        (None, "554 We are not an open relay: go away", "relaying-denied"),
        (None, "550 We do not handle mail for customer.test here", "relaying-denied"),
        (None, "553 that domain isn't in my list of allowed rcpthost entries", "relaying-denied"),
        # full mailboxes, said many ways
        (None, "452 jdoe does not have enough space left for this message", "mailbox-full"),
        (None, "452 Not enough storage space in the account of jdoe", "mailbox-full"),
        (None, "552 Delivery would exceed maximum allowed storage for jdoe", "mailbox-full"),
        (None, "552 The user's space has been used up", "mailbox-full"),
        (None, "Mail file size exceeds the maximum size allowed for mail delivery", "mailbox-full"),
        (None, "552 Too much mail data is waiting for this person", "mailbox-full"),
        (None, "552 Mailbox exceeded the limit set by the administrator", "mailbox-full"),
        (None, "552 Boite du destinataire pleine, reessayez plus tard", "mailbox-full"),
        # a sending quota is a rate limit, however it says "quota"
        (None, "454 Throttling failure: sending quota used up for today", "rate-limited"),
        (None, "454 Daily message quota exceeded for this sender", "rate-limited"),
        (None, "550 Domain shop.test has exceeded the max emails per hour allowed", "rate-limited"),
        (None, "421 Too many concurrent SMTP connections from your address", "rate-limited"),
        (None, "421 Too many errors from your IP, disconnecting", "rate-limited"),
        (None, "421 The per-domain connection limit was reached", "rate-limited"),
        # too big
        (None, "552 Message file too big for this gateway", "too-large"),
        (None, "552 Taille limite du message atteinte", "too-large"),
        # disabled mailboxes
        (
            None,
            "554 Due to extended inactivity new mail is not accepted for this mailbox",
            "mailbox-disabled",
        ),
        (None, "550 The mailbox is frozen by its administrator", "mailbox-disabled"),
        (
            None,
            "550 Account temporarily locked, contact the recipient otherwise",
            "mailbox-disabled",
        ),
        # the sender's own address refused: a local policy, not the recipient's domain
        (
            "5.1.8",
            "550 5.1.8 <news@shop.test>: Sender address rejected: Domain not found",
            "policy",
        ),
        (None, "550 Sender verify failed for <news@shop.test>", "policy"),
        (None, "550 Administrative prohibition", "policy"),
        (None, "553 Invalid sender <news@shop.test>", "policy"),
        # DNS: a broken answer is the network; a name that does not exist is the domain
        (None, "Malformed or unexpected name server reply for customer.test", "network"),
        (None, "Malformed name server reply", "network"),
        (None, "550 Name server: mx.customer.test: host not found", "domain-unknown"),
        (None, "550 Unroutable address for customer.test", "domain-unknown"),
        (None, "connect to customer.test: Name or service not known", "domain-unknown"),
        (None, "550 Recipient domain must exist in the DNS", "domain-unknown"),
        (None, "550 This host does not accept mail", "domain-unknown"),
        # DNS on the sending side, in Gmail's, Exim's and OpenSMTPD's words
        (None, "DNS Error: Could not contact DNS servers for customer.test", "network"),
        (None, "Temporary failure in MX lookup for customer.test", "network"),
        (None, "Network error on destination MXs of customer.test", "network"),
        (None, "No valid route to remote MX of customer.test", "network"),
        (None, "all relevant MX records point to non-existent hosts", "domain-unknown"),
        (None, "all host address lookups failed permanently", "domain-unknown"),
        (None, "an MX or SRV record indicated no SMTP service", "domain-unknown"),
        (None, "DNS Error: Domain name not found for customer.test", "domain-unknown"),
        (None, "DNS Error: the DNS server returned answer with no data", "domain-unknown"),
        (None, "Sorry, I couldn't find any host named customer.test", "domain-unknown"),
        (None, "No MX found for domain customer.test", "domain-unknown"),
        (None, "Invalid domain name customer..test", "domain-unknown"),
        (None, "the message failed as the remote domain doesnt exist", "domain-unknown"),
        (None, "Envelope expired after 4 days in the queue", "expired"),
        # the sending side gave up
        (None, "Unable to deliver the message after multiple retries", "expired"),
        (None, "Your message could not be delivered for more than 3 days", "expired"),
        (None, "Deliveries to this address have been failing for a long time", "expired"),
        # more ways to say the mailbox does not exist
        (None, "550 Recipient unknown here", "recipient-unknown"),
        (None, "550 Unknown email address <jdoe@customer.test>", "recipient-unknown"),
        (None, "550 Address invalid, check it", "recipient-unknown"),
        (None, "550 Requested action not taken: the mailbox is unavailable", "recipient-unknown"),
        (None, "550 User jdoe@customer.test was not found", "recipient-unknown"),
        (None, "550 Nonexistent user jdoe", "recipient-unknown"),
        (None, "550 jdoe@customer.test is not a local address", "recipient-unknown"),
        (None, "550 jdoe is not an active address at this host", "recipient-unknown"),
        (None, "550 This address no longer accepts mail", "recipient-unknown"),
        (None, "550 There is no one at this address", "recipient-unknown"),
        (None, "553 sorry, this recipient is not in my validrcptto list", "recipient-unknown"),
        (None, "vdeliver: invalid or unknown virtual user 'jdoe'", "recipient-unknown"),
        (None, "550 Recipient address rejected: invalid user", "recipient-unknown"),
        # the message judged spam
        (None, "554 We do not take bulk email from anyone", "spam"),
        (None, "554 Message refused by the SpamProfiler of the gateway", "spam"),
        (None, "554 Spamming is not allowed here", "spam"),
        (None, "550 You seem to be using a mass mailer", "spam"),
        (None, "550 Rejected by Recurrent Pattern Detection System", "spam"),
        # ... but "blocked using" a pattern, not a list, judges the message
        (None, "553 Blocked using spam pattern: the content looks like spam", "spam"),
        # the sending host
        (None, "554 Mail from 192.0.2.8 blocked using bl.example.net", "reputation"),
        (None, "553 mx.customer.test refused to talk to me: 554 go away", "reputation"),
        (None, "504 Helo command rejected: need fully-qualified hostname", "reputation"),
        (None, "550 Rejecting open proxy 192.0.2.8", "reputation"),
        (None, "550 Dial-up range: please use the SMTP server of your ISP", "reputation"),
        (None, "554 Server IP 192.0.2.8 listed as abusive", "reputation"),
        (None, "550 Bad sender IP, connection closed", "reputation"),
        (None, "550 Sender IP address rejected", "reputation"),
        (None, "421 We are not currently accepting mail from your IP", "reputation"),
        (None, "550 IP 192.0.2.8 is blocked by the mail service", "reputation"),
        (None, "550 Access from IP address 192.0.2.8 blocked", "reputation"),
        (None, "554 Mail from 192.0.2.8 refused: see our website", "reputation"),
        (None, "554 You are not allowed to connect to this server", "reputation"),
        # plural policies are still policy
        (None, "554 Mail halted by the local security policies of this site", "policy"),
    ],
)
def test_wording(status: str | None, text: str, reason: str) -> None:
    assert classify(status, text) == reason


@pytest.mark.parametrize(
    ("status", "text", "reason"),
    [
        # RFC 3463 X.4.4 "unable to route": permanent, the domain has no routing; transient,
        # the lookup failed for now, so the sender's network, whatever else the words say.
        ("5.4.4", None, "domain-unknown"),
        ("4.4.4", None, "network"),
        ("4.4.4", "4.4.4 Temporary server error. Please try again later", "network"),
    ],
)
def test_unable_to_route_by_class(status: str, text: str | None, reason: str) -> None:
    assert classify(status, text) == reason


@pytest.mark.parametrize(
    ("status", "text", "reason"),
    [
        # the remote reply has no enhanced status: the DSN's 5.1.1 is the reporter's guess
        (
            "5.1.1",
            "550 Mailbox currently suspended, contact the owner another way",
            "mailbox-disabled",
        ),
        ("5.1.1", "550 RCPT TO:<jdoe@customer.test> max message size exceeded", "too-large"),
        ("5.1.1", "553 Sender Policy Framework (SPF) check failed", "auth-failure"),
        # words too vague to say more than the guess
        ("5.1.1", "550 Access denied by local rules", "recipient-unknown"),
        ("5.1.1", "550 Message refused", "recipient-unknown"),
        # the remote server gave its own enhanced status: that status is not a guess
        ("5.1.1", "550 5.1.1 Mailbox currently suspended", "recipient-unknown"),
        # the reporter's own sentence beside its own status is not a guess either
        ("5.1.1", "Mailbox currently suspended", "recipient-unknown"),
    ],
)
def test_words_beat_a_reporters_guessed_status(status: str, text: str, reason: str) -> None:
    assert classify(status, text) == reason


def _sendmail_dsn(status: str, diagnostic: str) -> bytes:
    return (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.sender.test>\r\n"
        "To: <news@sender.test>\r\n"
        "Subject: Returned mail: see transcript for details\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "   ----- The following addresses had permanent fatal errors -----\r\n"
        "<jdoe@customer.test>\r\n"
        f"    (reason: {diagnostic})\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; relay.sender.test\r\n"
        "\r\n"
        "Final-Recipient: RFC822; jdoe@customer.test\r\n"
        "Action: failed\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: DNS; mx.customer.test\r\n"
        f"Diagnostic-Code: SMTP; {diagnostic}\r\n"
        "\r\n"
        "--b1--\r\n"
    ).encode()


def test_a_dsn_reports_the_remote_words_not_the_guessed_status() -> None:
    bounce = parse_bounce(_sendmail_dsn("5.1.1", "550 Account suspended for non-payment"))
    (rcpt,) = bounce.recipients
    assert (bounce.kind, rcpt.recipient, rcpt.status) == ("failure", "jdoe@customer.test", "5.1.1")
    assert rcpt.reason == "mailbox-disabled"


def test_a_dsn_with_the_remote_servers_own_status_keeps_it() -> None:
    bounce = parse_bounce(_sendmail_dsn("5.1.1", "550 5.1.1 Account suspended for non-payment"))
    assert [r.reason for r in bounce.recipients] == ["recipient-unknown"]


def test_an_address_after_from_is_not_read_as_spf() -> None:
    # "mail from <IP>" names no domain: not read as Exim's SPF wording
    assert classify_text("550 198.51.100.23 is not allowed to send mail from 198.51.100.23") != (
        "auth-failure"
    )


def test_a_reason_announced_on_its_own_line_is_read_from_the_paragraph_below() -> None:
    raw = (
        b"From: Mail Delivery System <mailer-daemon@gw.customer.test>\r\n"
        b"To: news@shop.test\r\n"
        b"Subject: Returned mail\r\n"
        b"\r\n"
        b"We could not deliver your message to jdoe@customer.test for\r\n"
        b"this reason:\r\n"
        b"\r\n"
        b"  552 Message too big for this mailbox gateway\r\n"
        b"\r\n"
        b"Nothing of the message was kept.\r\n"
    )
    bounce = parse_bounce(raw)
    (rcpt,) = bounce.recipients
    assert rcpt.recipient == "jdoe@customer.test"
    assert rcpt.diagnostic == "552 Message too big for this mailbox gateway"
    assert rcpt.reason == "too-large"


def test_a_report_whose_boundary_cannot_be_read_is_read_as_text() -> None:
    # A gateway glued the next header onto the Content-Type line: the boundary is unreadable.
    raw = (
        b"From: MAILER-DAEMON@relay.shop.test (Mail Delivery System)\r\n"
        b"To: news@shop.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status;\r\n"
        b'\tboundary="AB12.3456/relay.shop.test" Message-Id: <x1@relay.shop.test>\r\n'
        b"\r\n"
        b"--AB12.3456/relay.shop.test\r\n"
        b"Content-Type: text/plain\r\n"
        b"\r\n"
        b"This is the mail system at host relay.shop.test.\r\n"
        b"\r\n"
        b"<jdoe@customer.test>: host mx.customer.test[192.0.2.5] said: 554\r\n"
        b"    Looks like spam to our filter (in reply to end of DATA command)\r\n"
        b"\r\n"
        b"--AB12.3456/relay.shop.test--\r\n"
    )
    bounce = parse_bounce(raw)
    assert bounce.kind == "failure"
    assert [(r.recipient, r.reason) for r in bounce.recipients] == [("jdoe@customer.test", "spam")]


def test_a_reply_wrapped_onto_an_indented_line_is_read_whole() -> None:
    raw = (
        b"From: MAILER-DAEMON@gw.shop.test (Mail Delivery System)\r\n"
        b"To: news@shop.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"\r\n"
        b"This is the mail gateway at host gw.shop.test.\r\n"
        b"\r\n"
        b"<jdoe@customer.test>: host mx.customer.test[192.0.2.5] said: 552 Message\r\n"
        b"    size exceeds the limit of this server\r\n"
        b"\r\n"
    )
    (rcpt,) = parse_bounce(raw).recipients
    assert rcpt.diagnostic == "552 Message size exceeds the limit of this server"
    assert rcpt.reason == "too-large"


def test_sendmail_reports_the_address_the_sender_wrote_and_its_reason_line() -> None:
    # A .forward sent jdoe@customer.test on to j.doe@elsewhere.test, which refused the message.
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.customer.test>\r\n"
        b"To: <news@shop.test>\r\n"
        b"Subject: Returned mail: see transcript for details\r\n"
        b"\r\n"
        b"   ----- The following addresses had permanent fatal errors -----\r\n"
        b"j.doe@elsewhere.test\r\n"
        b"    (reason: 554 Mail from shop.test refused: DMARC policy says reject)\r\n"
        b"    (expanded from: <jdoe@customer.test>)\r\n"
        b"\r\n"
        b"   ----- Transcript of session follows -----\r\n"
        b"... while talking to mx.elsewhere.test.:\r\n"
        b">>> DATA\r\n"
        b"<<< 554 Mail from shop.test refused: DMARC policy says reject\r\n"
        b"550 5.1.1 j.doe@elsewhere.test... User unknown\r\n"
    )
    bounce = parse_bounce(raw)
    (rcpt,) = bounce.recipients
    assert rcpt.recipient == "jdoe@customer.test"
    assert rcpt.diagnostic == "554 Mail from shop.test refused: DMARC policy says reject"
    assert (rcpt.reason, rcpt.remote_mta) == ("auth-failure", "mx.elsewhere.test")


def test_a_bare_address_line_without_sendmail_notes_is_not_a_recipient() -> None:
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.customer.test>\r\n"
        b"To: <news@shop.test>\r\n"
        b"Subject: Returned mail: see transcript for details\r\n"
        b"\r\n"
        b"   ----- The following addresses had permanent fatal errors -----\r\n"
        b"<jdoe@customer.test>\r\n"
        b"    (reason: 550 Mailbox unavailable)\r\n"
        b"\r\n"
        b"Questions go to\r\n"
        b"helpdesk@relay.customer.test\r\n"
        b"\r\n"
    )
    bounce = parse_bounce(raw)
    assert [r.recipient for r in bounce.recipients] == ["jdoe@customer.test"]
