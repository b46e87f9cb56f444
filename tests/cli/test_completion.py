"""Shell completion (issue 16): the presets for --provider, the config's profiles for --profile,
and the scripts docs/commands.md tells each shell to load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash completion offers for the last word of ``words``."""
    argv = words.split()
    run = subprocess.run(
        [sys.executable, "-c", "from mailcheck.cli import cli; cli(prog_name='mailcheck')"],
        env={
            **os.environ,
            **(env or {}),
            "_MAILCHECK_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(argv) - (0 if words.endswith(" ") else 1)),
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return [line.partition(",")[2] for line in run.stdout.splitlines() if line]


def test_provider_completes_from_the_presets() -> None:
    offered = _complete("mailcheck smtp --provider off")
    assert "office365" in offered
    assert all(name.startswith("off") for name in offered)


def test_profile_completes_from_the_config_given_first(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.hoadon]\nsender = "ketoan@company.test"\n'
        '[profiles.hotro]\nsender = "hotro@company.test"\n'
        '[profiles.khac]\nsender = "khac@company.test"\n',
        encoding="utf-8",
    )
    assert _complete(f"mailcheck diagnose --config {config} --profile ho") == ["hoadon", "hotro"]
    # From MAILCHECK_CONFIG too; a missing config completes nothing, and says nothing.
    assert _complete("mailcheck smtp --profile k", {"MAILCHECK_CONFIG": str(config)}) == ["khac"]
    missing = {"MAILCHECK_CONFIG": str(tmp_path / "none.toml")}
    assert _complete("mailcheck smtp --profile ", missing) == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_every_documented_shell_gets_a_script(shell: str) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "commands.md").read_text("utf-8")
    assert f"_MAILCHECK_COMPLETE={shell}_source mailcheck" in docs or (f'"{shell}_source"' in docs)
    run = subprocess.run(
        [sys.executable, "-c", "from mailcheck.cli import cli; cli(prog_name='mailcheck')"],
        env={**os.environ, "_MAILCHECK_COMPLETE": f"{shell}_source"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert run.returncode == 0
    assert "_MAILCHECK_COMPLETE" in run.stdout
