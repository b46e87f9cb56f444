"""``--retry-temporary``: a temporary refusal, then the server's delay, then one more try.

The scripted SMTP server answers the first connection with a 4xx and the second with
success; the report's verdict is the second attempt's and it says that mailcheck retried,
after which refusal and how long it waited.
"""

from __future__ import annotations

import ssl
import time

from tests.helpers import LAB_PASSWORD, cause_ids, run_json
from tests.servers.scripted_smtp import Script, scripted_smtp

ENV = {"MAILCHECK_PASSWORD": LAB_PASSWORD}

_GREETING = "S: 220 mail.provider.test ESMTP\n"
_LOGIN = """C: EHLO \\S+
S: 250-mail.provider.test
S: 250-STARTTLS
S: 250 8BITMIME
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
!tls
C: EHLO \\S+
S: 250-mail.provider.test
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: AUTH PLAIN \\S+
S: 235 2.7.0 Authentication successful
"""
_MAIL_RCPT = """C: MAIL FROM:<\\S+>.*
S: 250 2.1.0 Ok
C: RCPT TO:<\\S+>
"""
_DATA = """S: 250 2.1.5 Ok
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
!data
S: 250 2.0.0 Ok: queued as 4B2C1D0E9F
C: QUIT
S: 221 2.0.0 Bye
"""
#: The greylisting wording of provider_replies.toml ("greylist-delay", RFC 6647), 2 s.
GREYLISTED = Script.parse(
    _GREETING + _LOGIN + _MAIL_RCPT + "S: 451 4.7.1 Greylisting in action, please try again in "
    "2 seconds\n"
)
ACCEPTED = Script.parse(_GREETING + _LOGIN + _MAIL_RCPT + _DATA)
#: RFC 5321's 421 greeting ("greeting-421" of provider_replies.toml), asking for 10 minutes.
GREETING_421 = Script.parse(
    "S: 421 4.3.2 mail.example.vn Service not available, try again in 10 minutes\n"
)


def _send(port: int, ca_file: str, *extra: str) -> tuple[int, dict[str, object]]:
    args = ["send", "--to", "ketoan@customer.test", "--sender", "sender@lab.test"]
    args += ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--ca-file", ca_file]
    return run_json([*args, *extra], env=ENV)


def test_greylisted_then_accepted_is_ok_and_says_it_retried(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp([GREYLISTED, ACCEPTED], tls=context) as server:
        start = time.monotonic()
        code, report = _send(server.port, ca_file, "--retry-temporary", "--deadline", "30")
        took = time.monotonic() - start
    assert server.errors == []
    assert server.connections == 2
    assert len(server.messages) == 1
    ids = cause_ids(report)
    assert code == 0, ids
    assert sorted(ids) == ["retried-after-temporary-refusal", "test-invoice-accepted"]
    facts = report["facts"]
    assert isinstance(facts, dict)
    assert facts["smtp.retried"] == "greylisted"
    assert facts["smtp.retry.waited"] == 2
    assert facts["smtp.queue_id"] == "4B2C1D0E9F"
    assert "smtp.temporary" not in facts  # the verdict is the second attempt's
    assert 2 <= took < 10
    # The report quotes the first refusal in the server's words.
    causes = report["causes"]
    assert isinstance(causes, list)
    retried = next(c for c in causes if c["id"] == "retried-after-temporary-refusal")
    assert "Greylisting in action" in str(retried["evidence"])


def test_without_the_option_a_greylisting_reply_stays_a_warning_with_one_connection(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp([GREYLISTED, ACCEPTED], tls=context) as server:
        code, report = _send(server.port, ca_file)
    assert server.connections == 1
    assert code == 1
    assert cause_ids(report)[0] == "greylisted"
    assert server.messages == []


def test_twice_refused_stays_a_warning_and_the_wait_is_capped_by_the_deadline(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp([GREETING_421], tls=context) as server:
        start = time.monotonic()
        code, report = run_json(
            [
                "smtp",
                *("--smtp-host", "127.0.0.1", "--smtp-port", str(server.port)),
                *("--ca-file", ca_file, "--username", "sender@lab.test"),
                *("--retry-temporary", "--deadline", "8"),
            ],
            env=ENV,
        )
        took = time.monotonic() - start
    # 600 s asked for; the run had 8: it waited what the deadline left, tried once more.
    assert server.connections == 2
    assert code == 1
    ids = cause_ids(report)
    assert ids[0] == "smtp-temporarily-unavailable"
    assert "retried-after-temporary-refusal" in ids
    facts = report["facts"]
    assert isinstance(facts, dict)
    assert facts["smtp.retried"] == "unavailable"
    assert facts["smtp.retry.waited"] <= 3
    assert took < 8
