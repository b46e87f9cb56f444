"""What a bounce says beyond its reason: the refused command, the reply code, who sent, when.

Every pattern of ``mailcheck.bounce.sisimai`` against words written for it here, and whose
problem each reason is (``mailcheck.bounce.party``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mailcheck.bounce.model import Bounce, BouncedRecipient
from mailcheck.bounce.party import PARTY, Party, party_of
from mailcheck.bounce.sisimai import (
    SISIMAI_REASON,
    addresser,
    bounce_headers,
    remote_host,
    reply_code,
    smtp_command,
    softbounce,
    timestamp,
)

#: The reason ids of the taxonomy (issue 14), including the ones added with it.
REASONS = [
    "recipient-unknown",
    "mailbox-full",
    "mailbox-disabled",
    "domain-unknown",
    "relaying-denied",
    "login-required",
    "reputation",
    "spam",
    "content",
    "auth-failure",
    "tls",
    "too-large",
    "rate-limited",
    "not-compliant",
    "network",
    "expired",
    "policy",
    "other",
]


def _recipient(
    diagnostic: str | None = None,
    *,
    address: str | None = "hoa.don@khach.test",
    status: str | None = "5.1.1",
    remote: str | None = None,
) -> BouncedRecipient:
    return BouncedRecipient(
        recipient=address,
        action="failed",
        status=status,
        reason="recipient-unknown",
        diagnostic=diagnostic,
        remote_mta=remote,
    )


_BOUNCE = Bounce(
    kind="failure",
    mta_style="rfc3464",
    reporting_mta="relay.gui.test",
    recipients=(),
    original_message_id=None,
    original_headers=(),
    subject=None,
    from_=None,
)


# ---------------------------------------------------------------- the refused command


@pytest.mark.parametrize(
    ("words", "command"),
    [
        ("452 4.2.2 Quota da day (in reply to RCPT TO command)", "RCPT"),
        ("554 5.7.1 Noi dung bi chan (in reply to end of DATA command)", "DATA"),
        ("553 5.1.8 Sender domain unknown (in reply to MAIL FROM command)", "MAIL"),
        ("SMTP error from remote mail server after RCPT TO:<ke.toan@khach.test>: 550", "RCPT"),
        ("SMTP error from remote mail server after end of data: 552 too big", "DATA"),
        ("SMTP error from remote mail server after MAIL FROM:<a@gui.test> SIZE=1: 550", "MAIL"),
        ("SMTP error from remote mail server after initial connection: 554 go away", "CONN"),
        ("SMTP error from remote mail server after pipelined DATA: 554 nope", "DATA"),
        ("SMTP error from remote mail server after EHLO relay.gui.test: 550 bad helo", "EHLO"),
        ("conversation with mx.khach.test timed out while sending MAIL FROM", "MAIL"),
        ("lost connection with mx.khach.test while receiving the initial server greeting", "CONN"),
        ("host mx.khach.test[192.0.2.9] refused to talk to me: 554 no thanks", "CONN"),
        ("192.0.2.9 does not like recipient.\nRemote host said: 550 no mailbox here", "RCPT"),
        ("Connected to 192.0.2.9 but sender was rejected.\nRemote host said: 553", "MAIL"),
        ("192.0.2.9 failed on DATA command.\nRemote host said: 554 rejected", "DATA"),
        ("Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", "CONN"),
        ("Sent <<< RCPT TO:<hoa.don@khach.test>\nReceived >>> 550 5.1.1 no user", "RCPT"),
        (">>> MAIL From:<a@gui.test> SIZE=100\n<<< 553 5.1.8 sender refused", "MAIL"),
        ("-------server message\n550 no user\n\n-------SMTP command\nRCPT\n", "RCPT"),
        ("-------SMTP command\n  data\n", "DATA"),
        ("550 5.1.1 mailbox unavailable", ""),
        ("the report was written after data were lost", ""),  # "after data": no command
    ],
)
def test_the_refused_command_is_read_from_the_words(words: str, command: str) -> None:
    assert smtp_command(_recipient(words), "") == command


def test_a_pipelined_refusal_after_data_is_the_recipients() -> None:
    # With PIPELINING the server answers RCPT only after DATA was sent: the 550 names an
    # address, so it refused the recipient, not the content.
    transcript = (
        "... while talking to mx.khach.test.:\n>>> DATA\n"
        "<<< 550 5.1.1 <hoa.don@khach.test>... User unknown\n<<< 503 5.0.0 Need RCPT\n"
    )
    assert smtp_command(_recipient(None), transcript) == "RCPT"
    content = ">>> DATA\n<<< 554 5.7.1 Message content rejected\n"
    assert smtp_command(_recipient(None), content) == "DATA"


def test_the_command_is_taken_from_this_recipients_paragraph() -> None:
    text = (
        "<a@khach.test>: host mx.khach.test[192.0.2.9] said: 552 5.3.4 too big "
        "(in reply to end of DATA command)\n\n"
        "<hoa.don@khach.test>: host mx.khach.test[192.0.2.9] said: 550 5.1.1 no such user "
        "(in reply to RCPT TO command)\n"
    )
    assert smtp_command(_recipient("550 5.1.1 no such user"), text) == "RCPT"
    assert smtp_command(_recipient("552 5.3.4 too big", address="a@khach.test"), text) == "DATA"


# ---------------------------------------------------------------- the reply code


@pytest.mark.parametrize(
    ("words", "status", "code"),
    [
        ("550 5.1.1 <hoa.don@khach.test>: no such user", "5.1.1", "550"),
        ("550-5.7.1 [192.0.2.7] listed at a blocklist", "5.7.1", "550"),
        ("host mx.khach.test[192.0.2.9] said: 452 4.2.2 over quota", "4.2.2", "452"),
        ("#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", "5.1.1", "550"),
        ("Rejected: 5.7.1 policy (code 554 from the filter)", "5.7.1", "554"),
        ("554: delivery error: dd no account here for that name", None, "554"),
        ("mailbox over 500 MB, 5.2.2", None, ""),  # no reply where the words begin
        ("421 4.7.0 try again later", "5.4.7", ""),  # class disagrees with the status
        ("connect to 192.0.2.250:25: Connection timed out", "4.4.1", ""),  # not an address's octet
        (None, "5.1.1", ""),
    ],
)
def test_the_reply_code_is_read_from_the_words(
    words: str | None, status: str | None, code: str
) -> None:
    assert reply_code(words, status) == code


# ---------------------------------------------------------------- hosts, headers, sender, date


def test_the_remote_host_comes_from_the_words_when_no_field_names_it() -> None:
    words = "host Mx2.Khach.test[192.0.2.9] said: 550 no"
    assert remote_host(_recipient(words), "") == "mx2.khach.test"
    assert remote_host(_recipient(words, remote="mx1.khach.test"), "") == "mx1.khach.test"
    assert remote_host(_recipient("550 no such user"), "") is None


def test_the_bounces_own_date_and_to_are_read_unfolded() -> None:
    raw = (
        b"Received: by relay.gui.test\r\nDate: Tue, 2 Dec 2025\r\n 10:15:00 +0700\r\n"
        b"To: Ke toan <ke.toan@gui.test>\r\nSubject: x\r\n\r\n"
        b"Date: Mon, 1 Dec 2025 00:00:00 +0000\r\n"
    )
    headers = bounce_headers(raw)
    assert headers.date == "Tue, 2 Dec 2025 10:15:00 +0700"
    assert headers.to == "Ke toan <ke.toan@gui.test>"
    assert bounce_headers(b"no header block at all") == (None, None)


@pytest.mark.parametrize(
    ("date", "epoch"),
    [
        ("Tue, 2 Dec 2025 10:15:00 +0700", 1764645300),
        ("Tue, 2 Dec 2025 03:15:00 -0000", 1764645300),  # no zone: read as UTC
        ("2 Dec 2025 03:15:00 GMT", 1764645300),
        ("yesterday, around lunch", None),
        ("Tue, 2 Dec 99999999 03:15:00 +0000", None),
        (None, None),
    ],
)
def test_the_date_becomes_an_epoch_or_nothing(date: str | None, epoch: int | None) -> None:
    assert timestamp(date) == epoch


def test_the_sender_is_the_returned_from_then_return_path_then_the_bounces_to() -> None:
    returned = replace(
        _BOUNCE,
        original_headers=(
            ("Return-Path", "<bounces@gui.test>"),
            ("From", "=?utf-8?q?x?= Hoa Don <hoa.don@gui.test>"),
        ),
    )
    assert addresser(returned, "other@gui.test") == "hoa.don@gui.test"
    only_path = replace(_BOUNCE, original_headers=(("Return-Path", "<bounces@gui.test>"),))
    assert addresser(only_path, None) == "bounces@gui.test"
    assert addresser(_BOUNCE, "Ke toan <ke.toan@gui.test>") == "ke.toan@gui.test"
    assert addresser(_BOUNCE, "undisclosed-recipients:;") == ""


# ---------------------------------------------------------------- reasons: Sisimai's name, party


def test_every_reason_has_a_sisimai_name_and_a_party() -> None:
    assert set(REASONS) == set(SISIMAI_REASON) == set(PARTY)


def test_softbounce_keeps_sisimais_meaning() -> None:
    assert softbounce(SISIMAI_REASON["recipient-unknown"]) == 0
    assert softbounce(SISIMAI_REASON["domain-unknown"]) == 0
    assert softbounce(SISIMAI_REASON["mailbox-full"]) == 1
    assert softbounce(SISIMAI_REASON["other"]) == 1
    assert softbounce("vacation") == -1


@pytest.mark.parametrize(
    ("reason", "action", "status", "party"),
    [
        ("recipient-unknown", "failed", "5.1.1", Party.RECIPIENT),
        ("reputation", "failed", "5.7.1", Party.SENDER),
        ("login-required", "failed", "5.7.0", Party.SENDER),
        ("not-compliant", "failed", "5.6.0", Party.SENDER),
        ("network", "failed", "4.4.1", Party.RECIPIENT),  # given up: final, not temporary
        ("mailbox-full", "delayed", "4.2.2", Party.TEMPORARY),
        ("rate-limited", "unknown", "4.7.0", Party.TEMPORARY),
        ("other", "failed", None, Party.UNKNOWN),
        ("a-reason-not-in-the-table", "failed", "5.0.0", Party.UNKNOWN),
    ],
)
def test_whose_problem_follows_the_reason_and_temporary_the_retry(
    reason: str, action: str, status: str | None, party: Party
) -> None:
    assert party_of(reason, action, status) is party


def test_every_reason_the_classifier_gives_is_in_both_tables() -> None:
    from mailcheck.bounce.reasons import Reason

    assert {reason.value for reason in Reason} <= set(SISIMAI_REASON) & set(PARTY)


def test_every_party_has_words_in_both_languages() -> None:
    from mailcheck.report.i18n import BOUNCE, LANGS

    for lang in LANGS:
        assert set(BOUNCE[lang]["party"]) == {party.value for party in Party}
