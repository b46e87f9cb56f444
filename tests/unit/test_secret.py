"""Password sources and redaction."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest

from mailcheck.errors import SecretError
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import SecretSource, read_secret


def test_file_source_reads_the_first_line_only(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text("pa ss \nsecond line\n")
    secret = read_secret(SecretSource(file=str(path)), prompt_label="x")
    assert secret.reveal() == "pa ss "
    assert "pa ss" not in repr(secret)
    assert "pa ss" not in str(secret)


def test_command_source(tmp_path: Path) -> None:
    secret = read_secret(
        SecretSource(command=f"{sys.executable} -c \"print('from-cmd')\""), prompt_label="x"
    )
    assert secret.reveal() == "from-cmd"
    assert secret.source == "password command"


def test_failing_command_is_a_clear_error_without_its_output() -> None:
    cmd = f"{sys.executable} -c \"import sys; print('leak'); sys.exit(4)\""
    with pytest.raises(SecretError, match="failed with exit code 4") as info:
        read_secret(SecretSource(command=cmd), prompt_label="x")
    assert "leak" not in str(info.value)


def test_env_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILCHECK_PASSWORD", "from-env")
    assert read_secret(SecretSource(), prompt_label="x").reveal() == "from-env"


def test_two_sources_on_the_command_line_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="only one password source"):
        read_secret(SecretSource(stdin=True, file="x"), prompt_label="x")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="cannot read the password file"):
        read_secret(SecretSource(file=str(tmp_path / "missing")), prompt_label="x")


def test_recorder_scrubs_every_wire_form_of_the_password() -> None:
    rec = Recorder("smtp", "t")
    rec.add_secret("user@x.test", "hunter2")
    plain = base64.b64encode(b"\0user@x.test\0hunter2").decode()
    alone = base64.b64encode(b"hunter2").decode()
    rec.client(f"AUTH PLAIN {plain}")
    rec.client(alone)
    rec.note("the password hunter2")
    text = " ".join(line.text for line in rec.transcript)
    assert "hunter2" not in text
    assert plain not in text
    assert alone not in text


# ---------------------------------------------------------------- the password command


def _gone(pid: int, within: float = 3.0) -> bool:
    """Whether process ``pid`` has ended (a zombie waiting for its reaper counts)."""
    import time

    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def _forking(tmp_path: Path, then: str) -> tuple[str, Path]:
    """A shell command that leaves a sleeping child (its pid in a file), then ``then``."""
    pidfile = tmp_path / "child.pid"
    script = tmp_path / "helper.sh"
    script.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pidfile}\n{then}\n")
    script.chmod(0o755)
    return str(script), pidfile


def test_a_command_that_hangs_is_stopped_at_the_timeout_with_its_children(tmp_path: Path) -> None:
    import time

    command, pidfile = _forking(tmp_path, "echo partial; sleep 60")
    start = time.monotonic()
    with pytest.raises(SecretError, match=r"did not finish within 0\.5 s") as info:
        read_secret(SecretSource(command=command, timeout=0.5), prompt_label="x")
    assert time.monotonic() - start < 2.5
    assert "partial" not in str(info.value)
    assert _gone(int(pidfile.read_text()))  # the forked child went with it


def test_the_remaining_deadline_bounds_the_command_too(tmp_path: Path) -> None:
    import time

    command, _ = _forking(tmp_path, "sleep 60")
    start = time.monotonic()
    source = SecretSource(command=command, timeout=30, deadline_at=time.monotonic() + 0.5)
    with pytest.raises(SecretError, match="did not finish"):
        read_secret(source, prompt_label="x")
    assert time.monotonic() - start < 2.5
    spent = SecretSource(command=command, deadline_at=time.monotonic() - 1)
    with pytest.raises(SecretError, match="no time left"):
        read_secret(spent, prompt_label="x")


def test_a_child_left_holding_the_output_does_not_keep_the_run_alive(tmp_path: Path) -> None:
    import time

    # The command prints the password and exits; its child keeps stdout open for a minute.
    command, pidfile = _forking(tmp_path, "echo from-helper")
    start = time.monotonic()
    secret = read_secret(SecretSource(command=command, timeout=10), prompt_label="x")
    assert secret.reveal() == "from-helper"
    assert time.monotonic() - start < 2.5
    assert _gone(int(pidfile.read_text()))


def test_a_failing_command_says_its_stderr_and_exit_code_never_its_stdout() -> None:
    cmd = "sh -c 'echo out-secret; echo \"pass: mail/billing is not in the store\" >&2; exit 1'"
    with pytest.raises(SecretError) as info:
        read_secret(SecretSource(command=cmd), prompt_label="x")
    message = str(info.value)
    assert message == (
        "the password command 'sh' failed with exit code 1: pass: mail/billing is not in the store"
    )
    echo = "sh -c 'echo out-secret; echo \"bad: out-secret\" >&2; exit 2'"
    with pytest.raises(SecretError) as info:
        read_secret(SecretSource(command=echo), prompt_label="x")
    assert "out-secret" not in str(info.value)
    assert "exit code 2" in str(info.value)
    killed = "sh -c 'kill -9 $$'"
    with pytest.raises(SecretError, match="killed by signal 9"):
        read_secret(SecretSource(command=killed), prompt_label="x")


def test_output_that_is_not_utf8_is_refused_without_quoting_it() -> None:
    cmd = "printf 'p\\377ss\\n'"
    with pytest.raises(SecretError, match="is not UTF-8 text") as info:
        read_secret(SecretSource(command=cmd), prompt_label="x")
    assert "ss" not in str(info.value).rpartition("'printf'")[2]


def test_a_password_that_is_not_utf8_is_refused_without_quoting_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # os.environ hands undecodable bytes over as surrogates; they cannot be sent.
    monkeypatch.setenv("MAILCHECK_PASSWORD", "p\udcffss")
    with pytest.raises(SecretError, match="is not valid UTF-8 text") as info:
        read_secret(SecretSource(), prompt_label="x")
    assert "udcff" not in str(info.value)
    assert "position" not in str(info.value)


def test_the_cli_bounds_the_password_command_by_timeout(tmp_path: Path) -> None:
    import time

    from tests.helpers import run_cli

    command, pidfile = _forking(tmp_path, "sleep 60")
    start = time.monotonic()
    result = run_cli(
        ["smtp", "--smtp-host", "127.0.0.1", "--smtp-port", "9", "--username", "a@b.example",
         "--password-command", command, "--timeout", "1"]
    )  # fmt: skip
    assert result.exit_code == 3
    assert "did not finish within 1 s" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - start < 3.5
    assert _gone(int(pidfile.read_text()))


def test_the_terminal_prompt_asks_without_click(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    from mailcheck import secret as secret_module

    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "typed"

    monkeypatch.setattr(getpass, "getpass", answer)
    assert secret_module._ask("Password for u") == "typed"
    assert asked == ["Password for u: "]


@pytest.mark.parametrize("cut", [KeyboardInterrupt, EOFError])
def test_ctrl_c_or_end_of_input_at_the_prompt_aborts(
    cut: type[BaseException], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import getpass

    from mailcheck import secret as secret_module

    def interrupted(prompt: str) -> str:
        raise cut

    monkeypatch.setattr(getpass, "getpass", interrupted)
    with pytest.raises(SecretError, match=r"^aborted$"):
        secret_module._ask("Password for u")
    # The cursor leaves the prompt's line before the error is printed.
    assert capsys.readouterr().err == "\n"
