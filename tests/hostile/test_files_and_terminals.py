"""Hostile input against files and terminals: escape sequences from servers and bounces.

A bounce or a server reply is written by someone else. What mailcheck prints
of it for a person must not retitle the terminal, move the cursor, erase the
verdict or reorder text; the JSON report keeps the server's words as they were.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import run_cli
from tests.servers.scripted_smtp import Script, scripted_smtp

# Anything a terminal acts on: C0 except LF and TAB, DEL, C1, bidi controls.
TERMINAL_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
)

# The payloads: window title (OSC, BEL- and ST-terminated), cursor up + erase
# line (CSI), 8-bit CSI, backspaces over a word, a CR that rewinds the line,
# and a bidi override.
HOSTILE = (
    "\x1b]0;pwned-title\x07\x1b]2;pwned2\x1b\\\x1b[1A\x1b[2K\x9b31m"
    "Mailbox\x08\x08\x08\x08\x08\x08\x08 OK\rALL GOOD \u202eevil"
)


def _strings(doc: Any) -> Iterator[str]:
    """Every string in a parsed JSON document."""
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for value in doc.values():
            yield from _strings(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _strings(value)


def _controls(text: str) -> list[str]:
    return sorted({repr(ch) for ch in TERMINAL_CONTROL.findall(text)})


def _dsn(diagnostic: str, subject: str) -> bytes:
    return (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mail.example.test (Mail Delivery System)\r\n"
        f"Subject: Undelivered Mail Returned to Sender {subject}\r\n"
        "To: hoadon@example.test\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Your message could not be delivered. {diagnostic}\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mail.example.test\r\n"
        "\r\n"
        "Final-Recipient: rfc822; ketoan@customer.test\r\n"
        "Action: failed\r\n"
        "Status: 5.2.2\r\n"
        f"Diagnostic-Code: smtp; 552 5.2.2 {diagnostic}\r\n"
        "--B--\r\n"
    ).encode()


def _text_bounce(words: str, subject: str) -> bytes:
    return (
        "Return-path: <>\r\n"
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\r\n"
        "To: hoadon@example.test\r\n"
        f"Subject: Mail delivery failed: returning message to sender {subject}\r\n"
        "\r\n"
        "This message was created automatically by mail delivery software.\r\n"
        "\r\n"
        "A message that you sent could not be delivered to one or more of its\r\n"
        "recipients. This is a permanent error. The following address(es) failed:\r\n"
        "\r\n"
        f"  luutru{words}@customer.test\r\n"
        "    SMTP error from remote mail server after end of data:\r\n"
        f"    552 Message size exceeds fixed maximum message size {words}\r\n"
    ).encode()


def test_a_dsn_with_escape_sequences_prints_none_of_them(tmp_path: Path) -> None:
    bounce = tmp_path / "bounce\x1b]0;file-title\x07.eml"  # the file name is hostile too
    bounce.write_bytes(_dsn(HOSTILE, HOSTILE))
    result = run_cli(["bounce", str(bounce), "--lang", "en", "--no-color"])
    assert result.exit_code == 2, result.output
    assert _controls(result.stdout) == []
    assert _controls(result.stderr) == []
    # The words themselves are still shown, only the controls went.
    assert "552 5.2.2" in result.stdout
    assert "pwned" not in result.stdout  # an OSC's payload goes with it
    # JSON keeps the raw server text (json escapes the controls itself).
    raw = run_cli(["bounce", str(bounce), "--format", "json"])
    assert "\x1b" not in raw.stdout
    assert any("\x1b]0;pwned-title\x07" in text for text in _strings(json.loads(raw.stdout)))


def test_a_text_bounce_with_escape_sequences_prints_none_of_them(tmp_path: Path) -> None:
    bounce = tmp_path / "text-bounce.eml"
    bounce.write_bytes(_text_bounce(HOSTILE, HOSTILE))
    for lang in ("en", "vi"):
        result = run_cli(["bounce", str(bounce), "--lang", lang, "--color"])
        assert result.exit_code == 2, result.output
        # --color: mailcheck's own colour codes are the only CSI sequences left.
        own = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
        assert _controls(own) == []
        assert "Message size exceeds" in own


def _hostile_535_script(*, invalid_utf8: bool = False) -> Script:
    # A 535 whose text carries the payloads; !raw keeps bytes a plain S: line cannot.
    # With invalid_utf8 it also carries a lone 0x9b byte (8-bit CSI in Latin-1).
    stray = "\\x9b2J" if invalid_utf8 else ""
    return Script.parse(
        "S: 220 smtp.example.test ESMTP\n"
        "C: EHLO \\S+\n"
        "S: 250-smtp.example.test\n"
        "S: 250 STARTTLS\n"
        "C: STARTTLS\n"
        "S: 220 2.0.0 Ready to start TLS\n"
        "!tls\n"
        "C: EHLO \\S+\n"
        "S: 250-smtp.example.test\n"
        "S: 250-ENHANCEDSTATUSCODES\n"
        "S: 250 AUTH PLAIN LOGIN\n"
        "C: AUTH PLAIN \\S+\n"
        "!raw 535-5.7.8 \\x1b]0;pwned-title\\x07Username and \\x1b[1A\\x1b[2KPassword\\r\\n\n"
        "!raw 535 5.7.8 not accepted\\x08\\x08\\x08\\x08\\x08\\x08\\x08\\x08 OK "
        f"{stray}"
        "\\x1bP+q\\x1b\\\\ \\xe2\\x80\\xaeevil \\xc2\\x9b2J\\rALL GOOD\\r\\n"
    )


def _smtp_args(port: int, ca_file: str, *extra: str) -> list[str]:
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
        "--lang",
        "en",
        *extra,
    ]


SMTP_ENV = {"MAILCHECK_PASSWORD": "s3cret-Pass!"}


def test_a_535_reply_with_escape_sequences_prints_none_of_them(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(_hostile_535_script(), tls=context) as server:
        human = run_cli(_smtp_args(server.port, ca_file, "--transcript"), env=SMTP_ENV)
        raw = run_cli(
            _smtp_args(server.port, ca_file, "--transcript", "--format", "json"), env=SMTP_ENV
        )
    assert server.errors == []
    assert human.exit_code == 2, human.output
    assert _controls(human.stdout) == []
    assert _controls(human.stderr) == []
    assert "Username and" in human.stdout
    assert "pwned" not in human.stdout
    # The JSON report still has the server's words as they were.
    assert raw.exit_code == 2, raw.stderr
    report = json.loads(raw.stdout)
    assert any("\x1b]0;pwned-title\x07" in text for text in _strings(report))


def test_a_reply_with_a_byte_that_is_not_utf8_prints_without_a_traceback(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(_hostile_535_script(invalid_utf8=True), tls=context) as server:
        human = run_cli(_smtp_args(server.port, ca_file, "--transcript"), env=SMTP_ENV)
    assert human.exit_code == 2, human.output
    assert "internal error" not in human.stderr
    assert _controls(human.stdout) == []
    assert "\ufffd" in human.stdout  # the stray byte is shown as one, not acted on
