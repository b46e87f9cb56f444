"""Bounce parsing: the general rules for old free-text bounces and odd DSNs.

Each test names the MTA habit it relies on; the fixtures are self-written after those forms.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailcheck.bounce import Bounce, parse_bounce

BOUNCES = Path(__file__).resolve().parents[3] / "fixtures" / "bounces"


def _parse(name: str) -> Bounce:
    return parse_bounce((BOUNCES / name).read_bytes())


def _message(headers: str, body: str) -> bytes:
    return (headers.strip() + "\n\n" + body).encode("utf-8")


def test_original_recipient_is_reported_rather_than_the_rewritten_final_one() -> None:
    # Postfix "(expanded from <...>)": the sender wrote the Original-Recipient.
    bounce = _parse("icloud-local-policy.eml")
    assert [r.recipient for r in bounce.recipients] == ["chutiem@customer.test"]
    assert bounce.recipients[0].remote_mta == "mx01.mail.icloud.example.com"


def test_x400_final_recipient_is_decoded_and_its_supplementary_info_read() -> None:
    first, second = _parse("pmdf-x400-original-recipient.eml").recipients
    assert first.diagnostic == "recipient reached disk quota"  # from the text part, by address
    assert second.recipient == "kho.hcm@customer.test"  # /RFC-822=kho.hcm(a)customer.test/
    assert second.status == "5.1.1"  # "5.0.0" refined by the gateway's words
    assert second.diagnostic == "MTA gives error message 5.1.1 unknown recipient"


def test_addresses_of_quoted_headers_are_not_taken_as_recipients() -> None:
    bounce = _parse("exchange55-x400-smtp.eml")
    assert [r.recipient for r in bounce.recipients] == ["thuquy@customer.test"]  # not "SMTP=..."
    assert "recipient name is not recognized" in (bounce.recipients[0].diagnostic or "")


def test_the_sender_named_in_a_reply_is_not_a_recipient() -> None:
    bounce = _parse("mimecast-anti-spoofing.eml")
    assert [r.recipient for r in bounce.recipients] == ["daily@customer.test"]
    assert "Anti-Spoofing" in (bounce.recipients[0].diagnostic or "")


def test_transcript_reply_to_rcpt_is_the_diagnostic() -> None:
    bounce = _parse("mdaemon-quota-transcript.eml")
    assert bounce.recipients[0].diagnostic == (
        "552 Message for <kho@customer.test> would exceed mailbox quota"
    )


def test_sieve_rejection_mdn_is_a_failure_with_the_reason_below_the_intro() -> None:
    bounce = _parse("dovecot-sieve-reject.eml")
    assert bounce.kind == "failure"
    assert bounce.recipients[0].diagnostic == "Quota exceeded (mailbox for user is full)"


def test_manual_mdn_is_not_a_rejection() -> None:
    raw = (BOUNCES / "dovecot-sieve-reject.eml").read_bytes()
    raw = raw.replace(
        b"automatic-action/MDN-sent-automatically; deleted",
        b"manual-action/MDN-sent-manually; displayed",
    )
    raw = raw.replace(b"Subject: Automatically rejected mail", b"Subject: Read: Invoice")
    raw = raw.replace(b"From: Mail Delivery Subsystem <postmaster@", b"From: Le Han <lehan@")
    assert parse_bounce(raw).kind != "failure"


def test_report_forwarded_as_an_attachment_is_read() -> None:
    bounce = _parse("forwarded-dsn.eml")
    assert bounce.reporting_mta == "mx.customer.test"
    assert bounce.recipients[0].status == "5.1.1"


def test_bare_local_part_takes_the_reporting_domain() -> None:
    bounce = _parse("aol-bare-screenname.eml")
    assert [r.recipient for r in bounce.recipients] == ["khachsi88@aol.example.com"]


def test_inline_dsn_fields_give_recipient_and_folded_diagnostic() -> None:
    recipient = _parse("sendgrid-inline-fields.eml").recipients[0]
    assert recipient.status == "5.7.1"
    assert recipient.diagnostic is not None
    assert recipient.diagnostic.endswith("blocked using zen.spamhaus.example")


def test_reason_label_under_the_address_is_its_diagnostic() -> None:
    recipient = _parse("orange-fr-non-remis.eml").recipients[0]
    assert recipient.diagnostic == "552 5.2.2 Boîte aux lettres pleine (quota dépassé)"


def test_postponed_delivery_is_a_delay() -> None:
    bounce = _parse("advisory-postponed.eml")
    assert bounce.kind == "delay"
    assert bounce.recipients[0].action == "delayed"


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        # A bounce-like subject from a person: no bounce.
        (
            "From: Lan <lan@customer.test>\nTo: invoices@seller.example.com\n"
            "Subject: Re: returned mail policy",
            "Could you resend the invoice to ketoan@customer.test please?\n",
        ),
        # The postmaster writing about something else: no bounce either.
        (
            "From: postmaster@customer.test\nTo: invoices@seller.example.com\n"
            "Subject: New server name from Monday",
            "Our mail server moves to mail2.customer.test; nothing changes for you.\n",
        ),
    ],
)
def test_a_bounce_signal_alone_is_not_enough(headers: str, body: str) -> None:
    bounce = parse_bounce(_message(headers, body))
    assert bounce.kind == "not-a-bounce"
    assert bounce.recipients == ()


def test_mailer_daemon_text_without_a_list_still_names_the_address() -> None:
    raw = _message(
        "From: MAILER-DAEMON@mx.customer.test\nTo: invoices@seller.example.com\n"
        "Subject: Processing Error",
        "Intended recipient: phongvattu@customer.test\n\n"
        "The following mail has been returned because it encountered an error.\n\n"
        "--------RETURNED MAIL FOLLOWS--------\n"
        "From: invoices@seller.example.com\nTo: someone.else@seller.example.com\n",
    )
    bounce = parse_bounce(raw)
    assert bounce.kind == "failure"
    assert [r.recipient for r in bounce.recipients] == ["phongvattu@customer.test"]
    assert ("To", "someone.else@seller.example.com") in bounce.original_headers


_NOTICE = """
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.customer.test>
To: invoices@seller.example.com
Subject: Returned mail: see transcript for details
Date: Mon, 2 Jun 2025 09:00:00 +0000
"""


def test_the_reason_in_the_notices_own_prose_is_read() -> None:
    # Many notices name the address on one line and the reason in a sentence of their own.
    raw = _message(
        _NOTICE,
        "Your message was not delivered to\n    ketoan@customer.test\n\n"
        "This mail message has exceeded the maximum incoming message size.\n",
    )
    (recipient,) = parse_bounce(raw).recipients
    assert recipient.recipient == "ketoan@customer.test"
    assert recipient.reason == "too-large"


def test_a_failure_after_temporary_errors_is_its_last_error() -> None:
    # qmail's words when its queue lifetime ran out on a connection that never came up:
    # the last error (no connection) says more than "gave up" (issue 14).
    raw = _message(
        _NOTICE.replace("MAILER-DAEMON@mx.customer.test", "MAILER-DAEMON@mail.seller.example.com"),
        "Hi. This is the qmail-send program at mail.seller.example.com.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<ketoan@customer.test>:\n"
        "Could not connect to the remote host. (#4.4.1)\n\n"
        "--- Below this line is a copy of the message.\n",
    )
    bounce = parse_bounce(raw)
    assert bounce.kind == "failure"
    (recipient,) = bounce.recipients
    assert recipient.status == "4.4.1"
    assert recipient.reason == "network"


def test_a_quoted_subject_is_never_the_reason() -> None:
    # The Exchange 5.5 notice quotes the original's Subject; "virus" there is the topic.
    raw = _message(
        _NOTICE,
        "Your message\n\n  To:      ketoan@customer.test\n"
        "  Subject: Virus warning for the accounts team\n\n"
        "did not reach the following recipient(s):\n\n"
        "ketoan@customer.test on Mon, 2 Jun 2025 09:00:00 +0000\n"
        "    The recipient name is not recognized\n",
    )
    (recipient,) = parse_bounce(raw).recipients
    assert recipient.reason == "recipient-unknown"
