"""Every documented provider refusal, replayed, names its own cause and exit code (issue 13).

The replies and their sources are src/mailcheck/data/provider_replies.toml. A refusal at
the sign-in or the greeting is replayed through ``mailcheck smtp``; one after a good login
(MAIL, RCPT, DATA) through ``mailcheck roundtrip`` with the lab's Dovecot as the sender's
mailbox, as a user would meet it.
"""

from __future__ import annotations

import ssl
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LAB_PASSWORD, LAB_USER, LabHandle, cause_ids, run_json
from tests.servers.scripted_smtp import Script, scripted_smtp

REPLIES_FILE = Path(__file__).resolve().parents[2] / "src/mailcheck/data/provider_replies.toml"
REPLIES: list[dict[str, Any]] = tomllib.loads(REPLIES_FILE.read_text("utf-8"))["reply"]
ENV = {"MAILCHECK_PASSWORD": LAB_PASSWORD}

#: Causes a sender-side refusal must never be read as (the recipient is not the question).
RECIPIENT_CAUSES = {
    "recipient-mailbox-full",
    "recipient-server-blocks",
    "recipient-unknown",
    "relaying-denied",
    "submission-relay-denied",
    "bounce-other",
    "message-too-large",
    "rate-limited",
    "send-rejected",
}

_GREETING = "S: 220 mail.provider.test ESMTP\n"
_EHLO_STARTTLS = """C: EHLO \\S+
S: 250-mail.provider.test
S: 250-SIZE 35882577
S: 250-STARTTLS
S: 250 8BITMIME
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
!tls
C: EHLO \\S+
S: 250-mail.provider.test
S: 250-SIZE 35882577
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: AUTH PLAIN \\S+
"""


def _lines(reply: str) -> str:
    return "".join(f"S: {line}\n" for line in reply.split("\n"))


def _script(entry: dict[str, Any]) -> Script:
    """The session up to the refused command, which gets the provider's reply."""
    stage, reply = entry["stage"], entry["reply"]
    if stage == "greeting":
        return Script.parse(_lines(reply))
    if stage == "auth":
        return Script.parse(_GREETING + _EHLO_STARTTLS + _lines(reply))
    text = _GREETING + _EHLO_STARTTLS + "S: 235 2.7.0 Authentication successful\n"
    text += "C: MAIL FROM:<\\S+>.*\n"
    if stage == "mail":
        return Script.parse(text + _lines(reply))
    text += "S: 250 2.1.0 Ok\nC: RCPT TO:<\\S+>\n"
    if stage == "rcpt":
        return Script.parse(text + _lines(reply))
    text += "S: 250 2.1.5 Ok\nC: DATA\nS: 354 End data with <CR><LF>.<CR><LF>\n!data\n"
    return Script.parse(text + _lines(reply))


def _smtp_args(port: int, ca_file: str) -> list[str]:
    return [
        "smtp",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--ca-file",
        ca_file,
        "--username",
        "sender@lab.test",
    ]


@pytest.fixture
def both_cas(lab: LabHandle, tls_server_context: tuple[ssl.SSLContext, str], tmp_path: Path) -> str:
    """One CA file trusting the scripted server and the lab (SMTP and IMAP share --ca-file)."""
    bundle = tmp_path / "both.pem"
    bundle.write_bytes(Path(tls_server_context[1]).read_bytes() + Path(lab.ca_file).read_bytes())
    return str(bundle)


def _ids(stages: tuple[str, ...]) -> list[Any]:
    return [pytest.param(e, id=e["id"]) for e in REPLIES if e["stage"] in stages]


def _check(entry: dict[str, Any], exit_code: int, report: dict[str, Any]) -> None:
    ids = cause_ids(report)
    assert ids[0] == entry["cause"], (entry["id"], ids)
    assert exit_code == entry["exit"], (entry["id"], ids)
    if entry["stage"] in ("mail", "rcpt", "data"):
        assert not RECIPIENT_CAUSES.intersection(ids), (entry["id"], ids)
    # The server's own words travel to the report verbatim, from the step that got them.
    evidence = report["causes"][0]["evidence"]
    assert any(e["name"].removesuffix("-tls") == entry["stage"] for e in evidence), evidence


@pytest.mark.parametrize("entry", _ids(("auth", "greeting")))
def test_a_refused_sign_in_or_greeting_names_its_cause(
    tls_server_context: tuple[ssl.SSLContext, str], entry: dict[str, Any]
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(_script(entry), tls=context) as server:
        exit_code, report = run_json(_smtp_args(server.port, ca_file), env=ENV)
    assert server.errors == []
    _check(entry, exit_code, report)


@pytest.mark.parametrize("entry", _ids(("mail", "rcpt", "data")))
def test_a_refusal_after_a_good_login_names_its_cause_at_its_stage(
    lab: LabHandle,
    tls_server_context: tuple[ssl.SSLContext, str],
    both_cas: str,
    entry: dict[str, Any],
) -> None:
    args = [
        "roundtrip",
        "--sender",
        LAB_USER,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        "0",
        *lab.imap_args(),
        "--ca-file",
        both_cas,
        "--dns-server",
        lab.dns,
        "--wait",
        "30",
    ]
    with scripted_smtp(_script(entry), tls=tls_server_context[0]) as server:
        args[args.index("--smtp-port") + 1] = str(server.port)
        exit_code, report = run_json(args, env=ENV)
    assert server.errors == []
    _check(entry, exit_code, report)


def test_a_greylisting_reply_says_when_to_retry(
    lab: LabHandle, tls_server_context: tuple[ssl.SSLContext, str], both_cas: str
) -> None:
    (entry,) = (e for e in REPLIES if e["id"] == "greylist-delay")
    args = ["roundtrip", "--sender", LAB_USER, "--smtp-host", "127.0.0.1", *lab.imap_args()]
    args += ["--ca-file", both_cas, "--dns-server", lab.dns, "--wait", "30"]
    with scripted_smtp(_script(entry), tls=tls_server_context[0]) as server:
        exit_code, report = run_json([*args, "--smtp-port", str(server.port)], env=ENV)
    assert exit_code == 1
    assert report["facts"]["smtp.retry_after"] == 300


def test_a_421_greeting_is_a_warning_that_says_when_to_retry(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    (entry,) = (e for e in REPLIES if e["id"] == "greeting-421")
    context, ca_file = tls_server_context
    with scripted_smtp(_script(entry), tls=context) as server:
        exit_code, report = run_json(_smtp_args(server.port, ca_file), env=ENV)
    assert exit_code == 1
    assert cause_ids(report) == ["smtp-temporarily-unavailable"]
    assert report["facts"]["smtp.retry_after"] == 600


def test_a_message_over_the_advertised_size_is_too_large_whatever_the_words(
    lab: LabHandle, tls_server_context: tuple[ssl.SSLContext, str], both_cas: str
) -> None:
    """The server advertised SIZE 1000; the invoice is bigger; its refusal names no size."""
    entry = {"stage": "data", "reply": "554 5.6.0 Transaction failed"}
    text = _script(entry)
    small = Script([(k, v.replace("SIZE 35882577", "SIZE 1000")) for k, v in text.lines])
    args = ["roundtrip", "--sender", LAB_USER, "--smtp-host", "127.0.0.1", *lab.imap_args()]
    args += ["--ca-file", both_cas, "--dns-server", lab.dns, "--wait", "30"]
    with scripted_smtp(small, tls=tls_server_context[0]) as server:
        exit_code, report = run_json([*args, "--smtp-port", str(server.port)], env=ENV)
    assert cause_ids(report)[0] == "submission-message-too-large"
    assert report["facts"]["smtp.size_limit"] == 1000
    assert report["facts"]["smtp.send.over_size_limit"] is True
    assert exit_code == 2
