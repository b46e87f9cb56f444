"""Hostile input against files and terminals: escape sequences from servers and bounces.

A bounce or a server reply is written by someone else. What mailcheck prints
of it for a person must not retitle the terminal, move the cursor, erase the
verdict or reorder text; the JSON report keeps the server's words as they were.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import ssl
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli
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


def test_a_reply_with_a_byte_that_is_not_utf8_gives_valid_json(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(_hostile_535_script(invalid_utf8=True), tls=context) as server:
        raw = run_cli(
            _smtp_args(server.port, ca_file, "--transcript", "--format", "json"), env=SMTP_ENV
        )
    assert raw.exit_code == 2, raw.stderr
    assert "internal error" not in raw.stderr
    raw.stdout.encode("utf-8")  # no lone surrogate: any UTF-8 stream can carry it
    report = json.loads(raw.stdout)
    assert report["status"] == "critical"


# ---------------------------------------------------------------- preflight: files

# Addresses that are invalid need no DNS: these runs never leave the process.
NO_DNS = ["--dns-server", "127.0.0.1:9", "--timeout", "1"]
LIST = "Tên khách hàng,Email\nCông ty A,not an address\nCông ty B,also bad\n".encode()


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "internal error" not in stderr
    assert "Traceback" not in stderr
    return lines[0]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("form", ["same", "dot", "dotdot", "absolute", "symlink", "hardlink"])
def test_output_onto_the_list_itself_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    listed = tmp_path / "customers.csv"
    listed.write_bytes(LIST)
    output = {
        "same": "customers.csv",
        "dot": "./customers.csv",
        "dotdot": "sub/../customers.csv",
        "absolute": str(listed),
        "symlink": "link.csv",
        "hardlink": "hard.csv",
    }[form]
    if form == "symlink":
        (tmp_path / "link.csv").symlink_to("customers.csv")
    if form == "hardlink":
        os.link(listed, tmp_path / "hard.csv")
    result = run_cli(["preflight", "customers.csv", "-o", output, *NO_DNS])
    assert result.exit_code == 3
    assert "is the list being checked" in _one_line_error(result.stderr)
    assert listed.read_bytes() == LIST
    assert result.stdout == ""
    assert _leftovers(tmp_path) == []


def test_the_list_on_standard_input_is_not_overwritten_either(tmp_path: Path) -> None:
    listed = tmp_path / "customers.csv"
    listed.write_bytes(LIST)
    with listed.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "mailcheck", "preflight", "-", "-o", str(listed), *NO_DNS],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 3
    assert "standard input" in _one_line_error(done.stderr)
    assert listed.read_bytes() == LIST


def test_a_run_that_fails_half_way_leaves_the_old_output_as_it_was(tmp_path: Path) -> None:
    # More rows than one batch are written before the NUL byte stops the run.
    rows = "".join(f"KH {i},bad address {i}\n" for i in range(2500))
    listed = tmp_path / "customers.csv"
    listed.write_text(f"name,email\n{rows}KH x,a\x00b@example.test\n", encoding="utf-8")
    out = tmp_path / "results.csv"
    out.write_text("yesterday's results\n", encoding="utf-8")
    result = run_cli(["preflight", str(listed), "-o", str(out), *NO_DNS])
    assert result.exit_code == 3
    assert "line 2502" in _one_line_error(result.stderr)
    assert out.read_text(encoding="utf-8") == "yesterday's results\n"
    assert _leftovers(tmp_path) == []


def test_output_replaces_the_old_file_and_keeps_links_and_permissions(tmp_path: Path) -> None:
    listed = tmp_path / "customers.csv"
    listed.write_bytes(LIST)
    real = tmp_path / "real-results.csv"
    real.write_text("old\n", encoding="utf-8")
    real.chmod(0o600)
    link = tmp_path / "results.csv"
    link.symlink_to(real.name)
    result = run_cli(["preflight", str(listed), "-o", str(link), *NO_DNS])
    assert result.exit_code == 2, result.stderr
    assert link.is_symlink()
    # The new report (the list's columns, then mailcheck's) replaced the old one.
    assert real.read_text(encoding="utf-8").startswith("Tên khách hàng,Email,address,verdict,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


def test_formula_cells_are_neutralised_in_the_csv_output(tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    listed = tmp_path / "customers.csv"
    with listed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email"])
        writer.writerows([["x", cell] for cell in hostile])
    result = run_cli(["preflight", str(listed), *NO_DNS])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # Addresses are read stripped (so "\tx" is "x"); the rest keep their neutralising quote.
    shown = [cell.strip() for cell in hostile]
    assert [r["address"] for r in rows] == [c if c == "x" else "'" + c for c in shown]
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    # JSON is no spreadsheet: the addresses stay as they were.
    raw = run_cli(["preflight", str(listed), "--format", "json", *NO_DNS])
    assert next(r["address"] for r in json.loads(raw.stdout)) == hostile[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # A cell over the csv module's field limit (131072 characters).
        (b'name,email\nA,"' + b"a" * 200_000 + b'"\n', "line 2: a cell is longer than 131072"),
        # A quote opened and never closed: every later line would be one cell.
        (b'name,email\nA,a@b.test\n"B,b@b.test\nC,c@b.test\n', "line 3: a quote"),
        (b"name,email\nA,a@b.test\nB,b\x00@b.test\n", "line 3: contains NUL bytes"),
        (b"email\nt\x81st@b.test\n", "not Windows-1258 either (line 2, byte 0x81)"),
        (b"\xff\xfea\x00@\x00\x00\xd8\n\x00", "broken UTF-16 text"),
        (b"a@b.test\n" + b"x" * (2 << 20) + b"\n", "line 2: longer than 1048576"),
    ],
)
def test_a_list_that_cannot_be_read_ends_in_one_line_naming_the_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    listed = tmp_path / "customers.csv"
    listed.write_bytes(content)
    result = run_cli(["preflight", str(listed), *NO_DNS])
    assert result.exit_code == 3
    line = _one_line_error(result.stderr)
    assert expected in line
    assert str(listed) in line


def test_an_empty_list_says_so_and_exits_unknown(tmp_path: Path) -> None:
    for content in (b"", b"name,email\n", b"\n\n"):
        listed = tmp_path / "customers.csv"
        listed.write_bytes(content)
        result = run_cli(["preflight", str(listed), *NO_DNS])
        assert result.exit_code == 3
        assert f"no addresses in {listed}" in result.stderr


def test_a_windows_1258_list_is_read_and_said_to_be(tmp_path: Path) -> None:
    listed = tmp_path / "customers.csv"
    listed.write_bytes("Tên khách hàng,Email\nCông ty Đ,not an address\n".encode("cp1258"))
    result = run_cli(["preflight", str(listed), *NO_DNS])
    assert result.exit_code == 2, result.stderr
    assert "read it as Windows-1258" in result.stderr
    assert "line 1" in result.stderr  # where it stopped being UTF-8
    assert next(iter(csv.DictReader(io.StringIO(result.stdout))))["address"] == "not an address"


def test_a_utf16_list_from_excel_is_read(tmp_path: Path) -> None:
    listed = tmp_path / "customers.txt"
    listed.write_bytes("Tên\tEmail\r\nCông ty A\tnot an address\r\n".encode("utf-16"))
    result = run_cli(["preflight", str(listed), *NO_DNS])
    assert result.exit_code == 2, result.stderr
    assert next(iter(csv.DictReader(io.StringIO(result.stdout))))["address"] == "not an address"


def test_a_gigabyte_line_on_a_pipe_stops_early_with_one_line() -> None:
    # 1 GiB without a line end, written into a pipe while mailcheck reads it:
    # mailcheck must stop at its line limit, not hold the line in memory.
    block = b"a" * (1 << 20)
    written = 0
    with subprocess.Popen(
        [sys.executable, "-m", "mailcheck", "preflight", "-", *NO_DNS],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        bufsize=0,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stderr is not None
        with contextlib.suppress(BrokenPipeError):
            while written < 1 << 30:
                proc.stdin.write(block)
                written += len(block)
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
        err = proc.stderr.read()
        proc.wait(timeout=60)
    assert proc.returncode == 3
    line = _one_line_error(err.decode())
    assert "standard input, line 1: longer than" in line
    assert written < 1 << 29  # it stopped reading long before the end


def test_an_error_line_quoting_a_hostile_file_name_carries_no_escape_sequence(
    tmp_path: Path,
) -> None:
    # A config path (or a server's words) quoted in the one-line error must not retitle the
    # terminal or move its cursor.
    hostile = tmp_path / "conf\x1b]0;pwned\x07\x1b[2J.toml"
    result = run_cli(["check", "--config", str(hostile), "--all"])
    assert result.exit_code == 3
    assert result.stderr.startswith("mailcheck: error:")
    assert _controls(result.stderr.rstrip("\n")) == []


def test_the_nagios_line_carries_no_escape_sequence(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles."x\\u001b]0;pwned\\u0007"]\nchecks = ["sender-dns"]\n', encoding="utf-8"
    )
    result = run_cli(["check", "--config", str(config), "--all", "--format", "nagios"])
    assert result.stdout.startswith("MAILCHECK "), result.output
    assert _controls(result.stdout.rstrip("\n")) == []
