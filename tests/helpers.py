"""Plain helpers for the tests: run the CLI, write configs, reach the lab (no fixtures here).

Fixtures and pytest hooks live in tests/conftest.py; test files import these names from here.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner, Result

from mailcheck.cli import cli

ROOT = Path(__file__).resolve().parents[1]
LAB_SCRIPT = ROOT / "fixtures" / "lab" / "lab.py"
LAB_PASSWORD = "secret1"
LAB_USER = "sender@lab.test"


@functools.cache
def load_lab_module() -> ModuleType:
    """Import fixtures/lab/lab.py (it is a script, not a package), once."""
    spec = importlib.util.spec_from_file_location("mailcheck_lab", LAB_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mailcheck_lab"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class LabHandle:
    """The running lab and how to reach it."""

    lab: Any
    host: str
    ports: dict[str, int]
    ca_file: str
    dns: str

    def imap_args(self, port_name: str = "imaps") -> list[str]:
        return [
            "--imap-host",
            self.host,
            "--imap-port",
            str(self.ports[port_name]),
            "--imap-tls",
            "tls",
        ]

    def smtp_args(self, port_name: str = "submission", tls: str = "starttls") -> list[str]:
        return [
            "--smtp-host",
            self.host,
            "--smtp-port",
            str(self.ports[port_name]),
            "--smtp-tls",
            tls,
            "--ca-file",
            self.ca_file,
            "--username",
            LAB_USER,
            "--dns-server",
            self.dns,
        ]


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(args: list[str], env: dict[str, str] | None = None, input: str | None = None) -> Result:
    """Run mailcheck in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, args, env=env, input=input, catch_exceptions=False)


def run_json(args: list[str], env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run with ``--format json``; return the exit code and the parsed report."""
    result = run_cli([*args, "--format", "json"], env=env)
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def run_on_terminal(
    argv: list[str], *, prompt: bytes | None = None, answer: str = "", timeout: float = 20
) -> tuple[int, str, bool]:
    """Run ``python -m mailcheck ARGV`` on a pseudo-terminal, as a person at a shell would.

    When ``prompt`` shows up in the output, ``answer`` is typed. Returns the exit code, the
    whole output and whether the prompt was answered. A run still going at ``timeout``
    (waiting at a prompt nobody answers?) is killed and reported as exit code -9.
    """
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: mailcheck on a terminal
        os.execv(  # noqa: S606 - exec is the point: the child becomes mailcheck on the pty
            sys.executable, [sys.executable, "-m", "mailcheck", *argv]
        )
    output = b""
    answered = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if prompt is not None and not answered and prompt in output:
            os.write(fd, (answer + "\n").encode())
            answered = True
    done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace"), answered


def lab_profile(lab: LabHandle, tmp: Path, user: str, **extra: Any) -> dict[str, Any]:
    """A ``check`` profile for a lab user, its password in a file; ``extra`` keys override."""
    secret = tmp / f"{user}.password"
    secret.write_text(extra.pop("password", lab.lab.info().users[user]) + "\n")
    secret.chmod(0o600)
    profile = {
        "sender": user,
        "smtp_host": lab.host,
        "smtp_port": lab.ports["submission"],
        "smtp_tls": "starttls",
        "ca_file": lab.ca_file,
        "imap_host": lab.host,
        "imap_port": lab.ports["imaps"],
        "imap_tls": "tls",
        "dns_server": lab.dns,
        "password_file": str(secret),
        "wait": 10,
    }
    profile.update(extra)
    return profile


def toml_value(value: Any) -> str:
    """A value written as TOML (the few kinds the tests' config files use)."""
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))


def write_config(tmp: Path, profiles: dict[str, dict[str, Any]], **top: Any) -> Path:
    """``tmp/config.toml`` with these top-level keys and ``[profiles.NAME]`` tables."""
    lines = [f"{k} = {toml_value(v)}" for k, v in top.items()]
    for name, values in profiles.items():
        lines.append(f"\n[profiles.{name}]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in values.items())
    path = tmp / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cause_ids(report: dict[str, Any]) -> list[str]:
    """The cause ids of a JSON report, worst first."""
    return [c["id"] for c in report["causes"]]
