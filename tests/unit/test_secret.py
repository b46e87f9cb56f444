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
