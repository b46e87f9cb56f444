"""Bounce formats added for issue 14: Amazon SES JSON (mail, SNS, bare), Apache James, Exim's
"(generated from ...)", Sendmail version 5, au by KDDI, m-FILTER, and DSNs with no Status.

The fixtures in fixtures/bounces/ are self-written (each names the public layout it follows in
an X-Fixture-Source header); the messages below are written for the one rule each test checks.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mailcheck.bounce import Bounce, parse_bounce, refers_to
from mailcheck.bounce.parser import _parse as parse_unguarded
from mailcheck.bounce.ses import MAX_JSON, maybe_notification

BOUNCES = Path(__file__).resolve().parents[3] / "fixtures" / "bounces"


def _fixture(name: str) -> Bounce:
    return parse_bounce((BOUNCES / name).read_bytes())


def _strict(raw: bytes) -> Bounce:
    """Parse without the never-raise net, so that a crash fails the test instead of hiding."""
    started = time.perf_counter()
    bounce = parse_unguarded(raw)
    assert time.perf_counter() - started < 2.0
    return bounce


def _mail(body: str, subject: str = "AWS Notification Message") -> bytes:
    return (
        "From: AWS Notifications <no-reply@sns.example.test>\n"
        "To: bounces@seller.example.com\n"
        f"Subject: {subject}\n"
        "Content-Type: text/plain; charset=UTF-8\n\n" + body + "\n"
    ).encode()


def _ses_bounce(recipients: object, **bounce: object) -> dict[str, object]:
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": recipients,
            **bounce,
        },
        "mail": {"commonHeaders": {"messageId": "<inv-77@seller.example.com>"}},
    }


# --- Amazon SES --------------------------------------------------------------------------------


def test_ses_mail_gives_each_recipient_its_status_words_and_mta() -> None:
    bounce = _fixture("ses-json-mail-user-unknown.eml")
    first, second = bounce.recipients
    assert (first.action, first.status, first.remote_mta) == ("failed", "5.1.1", "192.0.2.44")
    assert first.diagnostic is not None
    assert first.diagnostic.startswith("550 5.1.1 <ketoan.cu@")
    # SES keeps the display name the sender wrote; the address is what is reported.
    assert second.recipient == "khohang@customer.test"
    assert bounce.reporting_mta == "b12-34.smtp-out.ap-southeast-1.amazonses.example.com"
    assert bounce.original_message_id == "<mailcheck.mc-ses0001299@seller.example.com>"
    assert ("X-Mailcheck-Token", "mc-ses0001299") in bounce.original_headers
    assert refers_to(bounce, "mc-ses0001299", None)


def test_ses_inside_an_sns_envelope_is_unwrapped() -> None:
    bounce = _fixture("ses-sns-mailbox-full.eml")
    (rcpt,) = bounce.recipients
    assert (rcpt.status, rcpt.reason) == ("4.2.2", "mailbox-full")
    assert bounce.original_message_id == "<inv-0001300@seller.example.com>"


def test_a_bare_sns_json_file_is_read_as_a_bounce() -> None:
    bounce = _fixture("ses-sns-suppressed.json")
    assert (bounce.kind, bounce.mta_style) == ("failure", "ses")
    (rcpt,) = bounce.recipients
    # No status field: the sub-type "Suppressed" (a history of bouncing as invalid) decides.
    assert (rcpt.recipient, rcpt.status, rcpt.reason) == (
        "old.buyer@customer.test",
        None,
        "recipient-unknown",
    )


def test_ses_complaint_is_feedback() -> None:
    bounce = _fixture("ses-json-complaint.eml")
    assert (bounce.kind, bounce.mta_style, bounce.recipients) == ("feedback", "ses", ())
    assert bounce.original_message_id == "<inv-0001302@seller.example.com>"


@pytest.mark.parametrize(
    ("subtype", "reason"),
    [
        ("NoEmail", "recipient-unknown"),
        ("MailboxFull", "mailbox-full"),
        ("MessageTooLarge", "too-large"),
        ("ContentRejected", "content"),
        ("AttachmentRejected", "content"),
        ("OnAccountSuppressionList", "policy"),
        ("General", "other"),
    ],
)
def test_ses_sub_type_names_the_reason_when_the_words_do_not(subtype: str, reason: str) -> None:
    document = _ses_bounce([{"emailAddress": "a@customer.test"}], bounceSubType=subtype)
    (rcpt,) = _strict(_mail(json.dumps(document))).recipients
    assert rcpt.reason == reason


def test_ses_words_beat_the_sub_type() -> None:
    words = "smtp; 550 5.7.1 Message rejected: your IP 192.0.2.9 is listed at a blocklist"
    entry = {"emailAddress": "a@customer.test", "diagnosticCode": words}
    (rcpt,) = _strict(_mail(json.dumps(_ses_bounce([entry])))).recipients
    assert rcpt.reason == "reputation"
    assert rcpt.diagnostic == words.removeprefix("smtp; ")


def test_ses_transient_bounce_without_words_is_an_expired_delivery() -> None:
    document = _ses_bounce([{"emailAddress": "a@customer.test"}], bounceType="Transient")
    bounce = _strict(_mail(json.dumps(document)))
    assert bounce.kind == "failure"
    assert bounce.recipients[0].reason == "expired"


def test_ses_event_publishing_delivery_delay_is_a_delay() -> None:
    document = {
        "eventType": "DeliveryDelay",
        "deliveryDelay": {
            "delayType": "MailboxFull",
            "delayedRecipients": [
                {
                    "emailAddress": "b@customer.test",
                    "status": "4.2.2",
                    "diagnosticCode": "smtp; 452",
                }
            ],
        },
        "mail": {},
    }
    bounce = _strict(_mail(json.dumps(document)))
    assert bounce.kind == "delay"
    assert (bounce.recipients[0].action, bounce.recipients[0].reason) == ("delayed", "mailbox-full")


def test_other_ses_events_are_not_bounces() -> None:
    document = {"eventType": "Delivery", "delivery": {"recipients": ["a@customer.test"]}}
    assert _strict(_mail(json.dumps(document))).kind == "not-a-bounce"


def test_the_byte_test_lets_ordinary_mail_through_untouched() -> None:
    raw = (BOUNCES / "postfix-user-unknown.eml").read_bytes()
    assert not maybe_notification(raw)
    # A message that mentions the key but holds no JSON goes the usual way.
    mention = _mail("We changed our notificationType settings yesterday.", subject="Hello")
    assert maybe_notification(mention)
    assert _strict(mention).mta_style != "ses"


@pytest.mark.parametrize(
    "body",
    [
        '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"a@b.test"',
        '{"notificationType": 5, "bounce": []}',
        '{"notificationType":"Bounce","bounce":"Permanent"}',
        '{"notificationType":"Bounce","bounce":{"bouncedRecipients":{"a":1}}}',
        '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[1,"x",null,[]]}}',
        '{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":7,'
        '"status":["5.1.1"],"action":{},"diagnosticCode":false}],"reportingMTA":3},'
        '"mail":{"headers":[{"name":1,"value":2},"x"],"commonHeaders":{"messageId":[]}}}',
        '{"Type":"Notification","Message":{"notificationType":"Bounce"}}',
        '{"Type":"Notification","Message":"{\\"notificationType\\":\\"Bounce\\",\\"bounce\\":'
        '{\\"bouncedRecipients\\":[{\\"emailAddress\\"',
        '{"notificationType":"Bounce","x":' + "[" * 100_000 + "]" * 100_000 + "}",
        '["notificationType", "Bounce"]',
        "{" + '"eventType":"Bounce",' * 1000,
    ],
)
def test_hostile_json_never_raises(body: str) -> None:
    bounce = _strict(_mail(body))
    assert parse_bounce(_mail(body)) == bounce
    assert all(r.recipient is None or isinstance(r.recipient, str) for r in bounce.recipients)
    bare = _strict(body.encode())
    assert parse_bounce(body.encode()) == bare


def test_a_huge_recipient_array_is_capped() -> None:
    entries = [{"emailAddress": f"u{n}@customer.test", "status": "5.1.1"} for n in range(20_000)]
    body = json.dumps(_ses_bounce(entries))
    # Larger than SNS would ever carry: cut before json.loads, so not read as SES at all.
    assert len(body) > MAX_JSON
    assert _strict(_mail(body)).mta_style != "ses"
    small = json.dumps(_ses_bounce(entries[:500]))
    assert len(_strict(_mail(small)).recipients) == 100


# --- Apache James -------------------------------------------------------------------------------


def test_james_2_names_every_rcpt_to_with_the_error_below() -> None:
    bounce = _fixture("james-notify-no-such-user.eml")
    assert bounce.reporting_mta == "mail.partner.test"
    assert {r.diagnostic for r in bounce.recipients} == {
        "550 - Requested action not taken: no such user here"
    }


def test_james_3_lists_recipients_then_the_remote_servers_words() -> None:
    raw = b"""From: postmaster@james.example.test
To: invoices@seller.example.com
Subject: [BOUNCE]

Hi. This is the James mail server at james.example.test.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out. Below
I include the list of recipients and the reason why I was unable to deliver
your message.

an@customer.test
binh@customer.test
Remote mail server told me: 552 5.2.2 Quota exceeded for this mailbox

"""
    bounce = _strict(raw)
    assert (bounce.kind, bounce.mta_style) == ("failure", "james")
    assert [r.recipient for r in bounce.recipients] == ["an@customer.test", "binh@customer.test"]
    assert {r.reason for r in bounce.recipients} == {"mailbox-full"}
    assert bounce.recipients[0].status == "5.2.2"


# --- Exim "(generated from ...)" ---------------------------------------------------------------


def test_exim_reports_the_address_the_sender_wrote() -> None:
    (rcpt,) = _fixture("exim-generated-from.eml").recipients
    assert rcpt.recipient == "ketoan@customer.test"
    assert rcpt.remote_mta == "store.staff.customer.test"
    # The expanded address stays visible in the server's own words.
    assert rcpt.diagnostic == "550 5.2.1 <nv.ketoan@staff.customer.test>: account disabled"


def test_exim_undisclosed_address_takes_the_generated_from_one() -> None:
    raw = b"""From: Mail Delivery System <Mailer-Daemon@mx.example.test>
To: invoices@seller.example.com
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  an undisclosed address
    (generated from hopthu@customer.test)
    Mailbox quota exceeded for this user

  tuvan@customer.test
    host mx2.customer.test [192.0.2.8]
    SMTP error from remote mail server after RCPT TO:<tuvan@customer.test>:
    550 5.1.1 No such mailbox
"""
    bounce = _strict(raw)
    assert [(r.recipient, r.reason) for r in bounce.recipients] == [
        ("hopthu@customer.test", "mailbox-full"),
        ("tuvan@customer.test", "recipient-unknown"),
    ]
    assert bounce.recipients[1].remote_mta == "mx2.customer.test"


# --- Sendmail version 5 -------------------------------------------------------------------------


def test_sendmail_v5_gives_every_recipient_its_own_line() -> None:
    bounce = _fixture("sendmail-v5-several-recipients.eml")
    diagnostics = [r.diagnostic for r in bounce.recipients]
    assert diagnostics == [
        "550 <banhang@oldcustomer.test>... User unknown",
        "552 <muahang@oldcustomer.test>... Mailbox full",
        "550 User unknown",
    ]
    assert {r.remote_mta for r in bounce.recipients} == {"mail.oldcustomer.test"}


def test_sendmail_summary_lines_take_the_nearest_host_and_are_not_doubled() -> None:
    raw = b"""From: Mail Delivery Subsystem <MAILER-DAEMON@gw.example.test>
To: invoices@seller.example.com
Subject: Returned mail: see transcript for details

   ----- Transcript of session follows -----
... while talking to mx.first.test.:
>>> RCPT To:<a@first.test>
<<< 550 5.1.1 <a@first.test>... Unknown user here
550 5.1.1 <a@first.test>... User unknown
... while talking to mx.second.test.:
>>> DATA
<<< 552 5.3.4 Message size exceeds fixed limit
554 5.0.0 <b@second.test>... Service unavailable
"""
    bounce = _strict(raw)
    assert [(r.recipient, r.remote_mta) for r in bounce.recipients] == [
        ("a@first.test", "mx.first.test"),
        ("b@second.test", "mx.second.test"),
    ]
    assert bounce.recipients[0].diagnostic == "550 5.1.1 <a@first.test>... Unknown user here"


# --- au by KDDI and m-FILTER --------------------------------------------------------------------


def test_kddi_au_one_net_reads_why_under_the_address() -> None:
    (rcpt,) = _fixture("kddi-au-mailbox-full.eml").recipients
    assert rcpt.diagnostic == "As their mailbox is full."


def test_ezweb_prefers_the_servers_reply_to_its_own_sentence() -> None:
    (rcpt,) = _fixture("kddi-ezweb-account-disabled.eml").recipients
    assert rcpt.diagnostic == "550 user unknown (in reply to RCPT TO command)"


def test_ezweb_recipient_lines_take_the_reply_of_the_session() -> None:
    raw = b"""From: Postmaster@ezweb.ne.jp
To: invoices@seller.example.com
Subject: Mail System Error - Returned Mail

Each of the following recipients was rejected by a remote
mail server.

    Recipient: <sato@ezweb.example.test>
    >>> RCPT TO:<sato@ezweb.example.test>
    <<< 550 <sato@ezweb.example.test>: Mailbox quota exceeded
"""
    bounce = _strict(raw)
    assert bounce.mta_style == "kddi"
    (rcpt,) = bounce.recipients
    assert rcpt.recipient == "sato@ezweb.example.test"
    assert (rcpt.diagnostic, rcpt.reason) == (
        "550 <sato@ezweb.example.test>: Mailbox quota exceeded",
        "mailbox-full",
    )


def test_ezweb_sentence_is_the_reason_when_no_reply_is_given() -> None:
    raw = b"""From: Postmaster@ezweb.ne.jp
To: invoices@seller.example.com
Subject: Mail System Error - Returned Mail

The user(s) account is temporarily over quota.

<kato@ezweb.example.test>
"""
    (rcpt,) = _strict(raw).recipients
    assert (rcpt.recipient, rcpt.reason) == ("kato@ezweb.example.test", "mailbox-full")


def test_mfilter_reads_the_server_message_and_stops_at_the_original() -> None:
    bounce = _fixture("mfilter-unknown-user.eml")
    (rcpt,) = bounce.recipients  # the To: of the original message below is not a recipient
    assert rcpt.status == "5.1.1"
    assert rcpt.diagnostic is not None
    assert "User unknown" in rcpt.diagnostic


# --- DSNs with no Status ------------------------------------------------------------------------


def test_dsn_without_status_takes_the_class_from_the_reply_code() -> None:
    (rcpt,) = _fixture("dsn-no-status-basic-code.eml").recipients
    assert (rcpt.action, rcpt.status) == ("failed", "5.0.0")


def test_dsn_with_only_a_temporary_diagnostic_is_a_delay() -> None:
    raw = b"""From: MAILER-DAEMON@relay.example.test
To: invoices@seller.example.com
Subject: Delivery Status Notification (Delay)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="x"

--x
Content-Type: text/plain

Still trying.

--x
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.test

Final-Recipient: rfc822; cham@customer.test
Diagnostic-Code: smtp; 451 Requested action aborted: try again later

--x--
"""
    bounce = _strict(raw)
    (rcpt,) = bounce.recipients
    assert (bounce.kind, rcpt.action, rcpt.status) == ("delay", "delayed", "4.0.0")


def test_exim_dsn_reports_the_address_the_sender_wrote_not_its_expansion() -> None:
    raw = b"""From: Mail Delivery System <Mailer-Daemon@mx.example.test>
To: invoices@seller.example.com
Subject: Mail delivery failed: returning message to sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary=7-eximdsn-1

--7-eximdsn-1
Content-type: text/plain; charset=us-ascii

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  hop.thu@staff.example.test
    (generated from banhang@example.test)
    host store.example.test [192.0.2.5]
    SMTP error from remote mail server after RCPT TO:<hop.thu@staff.example.test>:
    550 5.1.1 No such mailbox

--7-eximdsn-1
Content-type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Action: failed
Final-Recipient: rfc822;hop.thu@staff.example.test
Status: 5.0.0
Diagnostic-Code: smtp; 550 5.1.1 No such mailbox

--7-eximdsn-1--
"""
    (rcpt,) = _strict(raw).recipients
    assert (rcpt.recipient, rcpt.status, rcpt.reason) == (
        "banhang@example.test",
        "5.1.1",
        "recipient-unknown",
    )
    assert rcpt.remote_mta == "store.example.test"  # from the text: the DSN names none
