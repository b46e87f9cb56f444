"""Hostile SMTP servers, through the CLI: every fault ends in a recorded outcome, never OK.

A scripted server on 127.0.0.1 plays each fault (real servers cannot be made to
send NUL bytes, 100 kB lines or endless continuations). Each run must end with
a report that names the step and its outcome, an exit code that is not 0, and
no traceback. The round-trip cases use the lab's real Dovecot as the mailbox.
"""

from __future__ import annotations

import json
import re
import ssl
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LAB_PASSWORD, LAB_USER, LabHandle, run_cli
from tests.servers.scripted_smtp import Script, ScriptedSmtp, scripted_smtp

ENV = {"MAILCHECK_PASSWORD": LAB_PASSWORD}

# Up to the AUTH command, over STARTTLS: the fault comes in the AUTH reply.
_TO_AUTH = """
S: 220 mail.company.test ESMTP
C: EHLO \\S+
S: 250-mail.company.test
S: 250-STARTTLS
S: 250 8BITMIME
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
!tls
C: EHLO \\S+
S: 250-mail.company.test
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: AUTH PLAIN \\S+
"""

# A login, one recipient, and the message read up to its final ".": the fault is DATA's reply.
_TO_DATA_END = (
    _TO_AUTH
    + """S: 235 2.7.0 Authentication successful
C: MAIL FROM:<\\S+>.*
S: 250 2.1.0 Ok
C: RCPT TO:<\\S+>
S: 250 2.1.5 Ok
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
!data
"""
)

# Terminal-unsafe characters that must never reach a person's screen from a server's words.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def _run(
    server: ScriptedSmtp, ca_file: str, command: str, *extra: str, fmt: str = "json"
) -> tuple[int, str, str, float]:
    args = [
        command,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(server.port),
        "--ca-file",
        ca_file,
        "--username",
        LAB_USER,
        "--timeout",
        "2",
        *extra,
        "--format",
        fmt,
    ]
    start = time.monotonic()
    result = run_cli(args, env=ENV)
    took = time.monotonic() - start
    # No traceback, and no exception escaped the CLI (SystemExit is the exit code).
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr, took


def _smtp_steps(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    probe = next(p for p in report["probes"] if p["probe"] == "smtp")
    return {s["name"]: s for s in probe["steps"]}


@pytest.mark.parametrize(
    ("fault", "after_auth", "step", "outcome"),
    [
        ("CR inside the text", "!raw 535 5.7.8 bad\\rcredentials\\r\\n", "auth", "rejected"),
        ("LF inside the text", "!raw 535 5.7.8 bad\\ncredentials\\r\\n", "auth", "rejected"),
        ("NUL inside the text", "!raw 535 5.7.8 bad\\x00credentials\\r\\n", "auth", "rejected"),
        ("ESC inside the text", "!raw 535 5.7.8 \\x1b]0;owned\\x07bad\\r\\n", "auth", "rejected"),
        ("a 100 kB reply line", "S: 535 5.7.8 " + "x" * 100_000, "auth", "protocol-error"),
        (
            "a continuation that never ends",
            "!repeat 20000 535-5.7.8 and more\n!sleep 30",
            "auth",
            "protocol-error",
        ),
        ("closed mid-reply", "S: 535-5.7.8 first line of two\n!close", "auth", "closed"),
        ("250 to AUTH, not 235", "S: 250 2.0.0 whatever", "auth", "protocol-error"),
        ("a reply code of 999", "S: 999 what", "auth", "protocol-error"),
        ("a code that is not a number", "S: 2x5 ok", "auth", "protocol-error"),
        ("non-UTF-8 bytes", "!raw 535 5.7.8 \\xff\\xfe\\xc3 bad\\r\\n", "auth", "rejected"),
        ("AUTH never answered", "!sleep 30", "auth", "timeout"),
    ],
)
def test_a_hostile_auth_reply_ends_in_a_recorded_outcome(
    tls_server_context: tuple[ssl.SSLContext, str],
    fault: str,
    after_auth: str,
    step: str,
    outcome: str,
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.parse(_TO_AUTH + after_auth + "\n"), tls=context) as server:
        code, stdout, _, took = _run(server, ca_file, "smtp")
        human_code, human, _, _ = _run(server, ca_file, "smtp", fmt="human")
    report = json.loads(stdout)
    assert _smtp_steps(report)[step]["outcome"] == outcome, fault
    assert code != 0
    assert human_code == code
    assert report["status"] != "ok"
    assert took < 6  # every wait has its limit (--timeout 2)
    # What the server said reaches the screen without its control characters.
    assert not _UNSAFE.search(human), fault


def test_non_utf8_bytes_in_the_greeting_are_kept_readable(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    script = "!raw 220 \\xff\\xfe mail.company.test ESMTP\\r\\n\n!close\n"
    with scripted_smtp(Script.parse(script)) as server:
        code, stdout, _, _ = _run(server, ca_file, "smtp")
    report = json.loads(stdout)
    steps = _smtp_steps(report)
    assert steps["greeting"]["reply"]["text"] == "\ufffd\ufffd mail.company.test ESMTP"
    assert steps["ehlo"]["outcome"] == "closed"
    assert code != 0


def test_a_greeting_that_never_comes_is_bounded(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.parse("!sleep 30\n")) as server:
        code, stdout, _, took = _run(server, ca_file, "smtp")
    assert _smtp_steps(json.loads(stdout))["greeting"]["outcome"] == "timeout"
    assert code != 0
    assert took < 4


def test_a_greeting_closed_mid_line_is_a_closed_greeting(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.parse("!raw 220-mail.company.test half a\n!close\n")) as server:
        code, stdout, _, _ = _run(server, ca_file, "smtp")
    assert _smtp_steps(json.loads(stdout))["greeting"]["outcome"] in ("closed", "protocol-error")
    assert code != 0


# ---------------------------------------------------------------- the send: never OK unless 250


@pytest.fixture
def both_cas(lab: LabHandle, tls_server_context: tuple[ssl.SSLContext, str], tmp_path: Path) -> str:
    """One CA file trusting the scripted server and the lab (SMTP and IMAP share --ca-file)."""
    bundle = tmp_path / "both.pem"
    bundle.write_bytes(Path(tls_server_context[1]).read_bytes() + Path(lab.ca_file).read_bytes())
    return str(bundle)


@pytest.mark.parametrize(
    ("fault", "after_data", "outcome"),
    [
        ("DATA's reply never comes", "!sleep 30", "timeout"),
        ("closed after DATA's end", "!close", "closed"),
        ("closed mid-reply after DATA's end", "S: 250-2.0.0 queued as\n!close", "closed"),
        ("a reply code of 999 to DATA", "S: 999 2.0.0 maybe", "protocol-error"),
        ("a 100 kB reply to DATA", "S: 250 2.0.0 " + "q" * 100_000, "protocol-error"),
    ],
)
def test_a_send_without_its_250_is_never_ok(
    lab: LabHandle,
    tls_server_context: tuple[ssl.SSLContext, str],
    both_cas: str,
    fault: str,
    after_data: str,
    outcome: str,
) -> None:
    script = Script.parse(_TO_DATA_END + after_data + "\n")
    with scripted_smtp(script, tls=tls_server_context[0]) as server:
        code, stdout, _, took = _run(
            server,
            both_cas,
            "roundtrip",
            "--sender",
            LAB_USER,
            *lab.imap_args(),
            "--dns-server",
            lab.dns,
            "--wait",
            "30",
        )
    assert len(server.messages) == 1  # the message went over the wire whole
    report = json.loads(stdout)
    assert _smtp_steps(report)["data"]["outcome"] == outcome, fault
    assert code != 0
    assert report["status"] != "ok"
    # Nobody waits 30 s for a message whose acceptance was never heard.
    assert took < 10, f"{fault}: {took:.1f} s"


_STALL_IN_STARTTLS = """
S: 220 mail.company.test ESMTP
C: EHLO \\S+
S: 250-mail.company.test
S: 250 STARTTLS
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
!sleep 30
"""


@pytest.mark.parametrize(
    ("mode", "script", "step"),
    [("starttls", _STALL_IN_STARTTLS, "starttls"), ("tls", "!sleep 30\n", "tls")],
)
@pytest.mark.parametrize(
    ("limits", "bound"),
    [(("--timeout", "2.5"), 4.3), (("--timeout", "20", "--deadline", "1.5"), 3.0)],
)
def test_a_tls_handshake_that_never_completes_keeps_timeout_and_deadline(
    tls_server_context: tuple[ssl.SSLContext, str],
    mode: str,
    script: str,
    step: str,
    limits: tuple[str, ...],
    bound: float,
) -> None:
    # The server takes the connection (and STARTTLS) and never answers our ClientHello.
    _, ca_file = tls_server_context
    with scripted_smtp(Script.parse(script)) as server:
        start = time.monotonic()
        result = run_cli(
            [
                "smtp",
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                str(server.port),
                "--smtp-tls",
                mode,
                "--ca-file",
                ca_file,
                "--username",
                LAB_USER,
                *limits,
                "--format",
                "json",
            ],
            env=ENV,
        )
        took = time.monotonic() - start
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert _smtp_steps(report)[step]["outcome"] == "timeout"
    assert result.exit_code != 0
    assert took < bound, f"{took:.2f} s"


@pytest.mark.parametrize("reply", ["S: 999 5.1.1 what", "S: 5x0 5.1.1 garbled"])
def test_a_garbled_rcpt_reply_from_the_customers_server_is_not_a_refusal(
    lab: LabHandle, reply: str
) -> None:
    # --probe-rcpt asks the customer's MX (customer.test's MX is 127.0.0.1 in the lab's DNS;
    # --mx-port sends it to the scripted server) whether it takes the address.
    script = Script.parse(
        "S: 220 mx.customer.test ESMTP\nC: EHLO \\S+\nS: 250 mx.customer.test\n"
        "C: MAIL FROM:<\\S*>.*\nS: 250 2.1.0 Ok\nC: RCPT TO:<\\S+>\n" + reply + "\n"
    )
    with scripted_smtp(script) as server:
        result = run_cli(
            [
                "diagnose",
                *lab.smtp_args(),
                *lab.imap_args(),
                "--sender",
                LAB_USER,
                "--recipient",
                "rcpt@customer.test",
                "--probe-rcpt",
                "--mx-port",
                str(server.port),
                "--format",
                "json",
            ],
            env=ENV,
        )
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    ids = [c["id"] for c in report["causes"]]
    assert "rcpt-probe-could-not-check" in ids
    assert "recipient-unknown" not in ids
    assert result.exit_code == 3
