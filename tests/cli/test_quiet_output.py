"""Quiet when healthy (issue 16): the result first, OK findings on one line, Steps only when
something is wrong or with -v, -q for the result line alone; NO_COLOR and FORCE_COLOR."""

from __future__ import annotations

import io
import math
import re

import pytest

from mailcheck.terminal import colour_wanted
from tests.helpers import LAB_USER, LabHandle, free_port, run_cli, run_on_terminal

ESCAPE = re.compile(r"\x1b\[")


def _rows(text: str, columns: int) -> int:
    """Rows the text takes on a terminal this wide, its own wrapping included."""
    return sum(max(1, math.ceil(len(line) / columns)) for line in text.splitlines())


def _diagnose(lab: LabHandle, *extra: str, lang: str = "en") -> list[str]:
    return [
        "diagnose",
        "--sender",
        LAB_USER,
        "--recipient",
        "rcpt@customer.test",
        *lab.smtp_args(),
        *lab.imap_args(),
        "--wait",
        "10",
        "--lang",
        lang,
        *extra,
    ]


def _env(lab: LabHandle, **more: str) -> dict[str, str]:
    return {"MAILCHECK_PASSWORD": lab.lab.info().users[LAB_USER], "COLUMNS": "80", **more}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_healthy_diagnose_fits_in_12_rows_of_80_columns(lab: LabHandle, lang: str) -> None:
    result = run_cli(_diagnose(lab, lang=lang), env=_env(lab))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert _rows(out, 80) <= 12, out
    first = out.splitlines()[0]
    # The answer first, with the time the test invoice took to show up.
    expected = (
        r"ỔN: gửi được; thư vào Hộp thư đến sau \d+ ms" if lang == "vi" else r"OK: sending works"
    )
    assert re.match(expected, first), first
    # No step noise, no "Fix" under a finding that needs none.
    assert "Steps" not in out
    assert "Các bước" not in out
    assert "Fix:" not in out
    assert "Cách khắc phục:" not in out
    if lang == "vi":  # where the password came from, in Vietnamese too
        assert "mật khẩu từ biến môi trường MAILCHECK_PASSWORD" in " ".join(out.split())
    # One line per OK finding (inbox, the customer's domain, the sender's DMARC).
    word = "ỔN " if lang == "vi" else "OK "
    assert len([line for line in out.splitlines() if line.startswith(word)]) == 3, out


def test_verbose_shows_the_steps_wrapped_and_in_the_reports_language(lab: LabHandle) -> None:
    result = run_cli(_diagnose(lab, "-v", lang="vi"), env=_env(lab))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    steps = [line for line in lines if line.startswith("Các bước [")]
    assert len(steps) >= 3, result.stdout
    assert all(len(line) <= 80 for line in lines if "·" in line), result.stdout
    assert "kết nối ổn" in result.stdout
    assert "đăng nhập ổn" in result.stdout
    block = "\n".join(lines[lines.index(steps[0]) : -1])
    assert " ok (" not in block  # outcomes in Vietnamese too
    assert "Kết quả: ỔN (mã thoát 0" in result.stdout
    # Every OK finding in full under -v: its id, and its advice as "Next", never "Fix".
    assert "ỔN       delivered-to-inbox" in result.stdout
    assert "Tiếp theo:" in result.stdout
    assert "Cách khắc phục:" not in result.stdout


def test_quiet_prints_only_the_result_line(lab: LabHandle) -> None:
    result = run_cli(_diagnose(lab, "-q"), env=_env(lab))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("OK: sending works; the test invoice reached the Inbox")


# ---------------------------------------------------------------- without the lab

NOBODY = ["smtp", "--smtp-host", "127.0.0.1", "--username", "a@b.test", "--lang", "en"]


def _nobody() -> list[str]:
    return [*NOBODY, "--smtp-port", str(free_port()), "--timeout", "2"]


def test_a_failure_shows_its_result_first_then_the_steps_and_the_fix() -> None:
    result = run_cli(_nobody(), env={"MAILCHECK_PASSWORD": "pw", "COLUMNS": "80"})
    assert result.exit_code in (2, 3)
    lines = result.stdout.splitlines()
    assert re.match(r"(CRITICAL|UNKNOWN): .+ \([a-z0-9-]+\)$", lines[0]), lines[0]
    assert any(line.startswith("Steps [smtp ") for line in lines)
    assert any(line.startswith("  Fix: ") for line in lines)
    assert lines[-1].startswith("Result: ")
    assert all(len(line) <= 80 for line in lines[1:] if "Fix" in line or "·" in line)


def test_quiet_failure_is_one_line_with_the_exit_code_unchanged() -> None:
    loud = run_cli(_nobody(), env={"MAILCHECK_PASSWORD": "pw"})
    quiet = run_cli([*_nobody(), "--quiet"], env={"MAILCHECK_PASSWORD": "pw"})
    assert quiet.exit_code == loud.exit_code
    assert quiet.stdout.splitlines() == loud.stdout.splitlines()[:1]


def test_quiet_and_verbose_together_is_a_usage_error() -> None:
    result = run_cli([*_nobody(), "-q", "-v"], env={"MAILCHECK_PASSWORD": "pw"})
    assert result.exit_code == 3
    assert "-q/--quiet and -v/--verbose" in result.stderr


@pytest.mark.parametrize(
    "command", ["diagnose", "roundtrip", "smtp", "send", "watch", "dns", "bounce"]
)
def test_every_diagnosis_command_takes_quiet_and_verbose(command: str) -> None:
    help_text = run_cli([command, "--help"]).stdout
    assert "-q, --quiet" in help_text
    assert "-v, --verbose" in help_text


# ---------------------------------------------------------------- colour


@pytest.mark.parametrize(
    ("env", "flag", "coloured"),
    [
        ({}, None, False),  # a pipe: no colour
        ({"FORCE_COLOR": "1"}, None, True),  # asked for on a pipe too
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, None, False),  # the opt-out wins
        ({"NO_COLOR": "1"}, "--color", True),  # the flag wins over both
        ({"FORCE_COLOR": "1"}, "--no-color", False),
        ({"NO_COLOR": ""}, None, False),  # empty means unset
    ],
)
def test_colour_follows_no_color_force_color_and_the_flag(
    env: dict[str, str], flag: str | None, coloured: bool
) -> None:
    args = [*_nobody(), *([flag] if flag else [])]
    result = run_cli(args, env={"MAILCHECK_PASSWORD": "pw", **env})
    assert bool(ESCAPE.search(result.stdout)) is coloured, result.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_color_turns_colour_off_on_a_terminal() -> None:
    terminal = _Terminal()
    assert colour_wanted(None, terminal, {}) is True
    assert colour_wanted(None, terminal, {"NO_COLOR": "yes"}) is False
    assert colour_wanted(None, terminal, {"NO_COLOR": ""}) is True
    assert colour_wanted(True, terminal, {"NO_COLOR": "1"}) is True
    assert colour_wanted(None, io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert colour_wanted(None, io.StringIO(), {}) is False


# ---------------------------------------------------------------- our own spam folder


def test_our_own_test_in_our_own_spam_folder_speaks_to_the_sender(lab: LabHandle) -> None:
    user = "junked@lab.test"  # the lab's filter files mail to this mailbox as spam
    args = [
        "roundtrip",
        "--sender",
        user,
        *lab.smtp_args(),
        "--username",
        user,
        *lab.imap_args(),
        "--wait",
        "10",
        "--lang",
        "en",
    ]
    result = run_cli(args, env={"MAILCHECK_PASSWORD": lab.lab.info().users[user]})
    assert result.exit_code == 1, result.output
    out = " ".join(result.stdout.split())
    fix = out[out.index("Fix: ") :]
    assert "your own provider already files it as spam" in fix
    assert not fix.startswith("Fix: Ask the customer")
    # The reasons the fix speaks of are printed above it: the score and the rules.
    assert "score=" in out[: out.index("Fix: ")]


@pytest.mark.parametrize(("no_color", "coloured"), [("1", False), ("", True)])
def test_no_color_is_honoured_on_a_real_terminal(
    monkeypatch: pytest.MonkeyPatch, no_color: str, coloured: bool
) -> None:
    # The review's case: NO_COLOR=1 on a pseudo-terminal still printed ESC[32m.
    monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("MAILCHECK_PASSWORD", "pw")
    code, output, _ = run_on_terminal(_nobody())
    assert code in (2, 3), output
    assert bool(ESCAPE.search(output)) is coloured, output
