"""Shared fixtures: a clean environment, the mail lab, TLS for scripted servers, a CLI runner."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import socket
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
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


#: Fixtures that start a real mail lab: a test that uses one (directly or through another
#: fixture) is marked ``lab``, so ``make test-fast`` (``-m "not lab"``) leaves it out.
LAB_FIXTURES = frozenset({"lab", "lab2"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if LAB_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.lab)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's shell (MAILCHECK_*, locale, config) must not change test results."""
    for name in list(os.environ):
        if name.startswith("MAILCHECK_"):
            monkeypatch.delenv(name)
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # check's history and locks
    # A safety net: a test that forgets --dns-server asks a closed port on loopback,
    # never the machine's own resolver (tests send nothing beyond 127.0.0.1).
    monkeypatch.setenv("MAILCHECK_DNS_SERVER", "127.0.0.1:9")


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


def _session_lab(family: str, missing: list[str]) -> Iterator[LabHandle]:
    """Start one lab of ``family`` for the session; a missing install skips (fails under CI)."""
    if missing:
        message = f"the {family} lab cannot run: {'; '.join(missing)} (make lab-install)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # under CI a missing lab is a failure, never a skip
        pytest.skip(message)
    module = load_lab_module()
    instance = module.EximCourierLab() if family == "exim-courier" else module.Lab()
    info = instance.start()
    try:
        yield LabHandle(
            lab=instance,
            host=info.host,
            ports=dict(info.ports),
            ca_file=info.ca_file,
            dns=f"{info.host}:{info.ports['dns']}",
        )
    finally:
        instance.destroy()


@pytest.fixture(scope="session")
def lab() -> Iterator[LabHandle]:
    """One real lab (Postfix, Dovecot, Knot on 127.0.0.1) for the whole test session."""
    yield from _session_lab("postfix-dovecot", load_lab_module().missing_packages())


@pytest.fixture(scope="session")
def lab2() -> Iterator[LabHandle]:
    """The second server family (Exim 4 + Courier IMAP + Knot on 127.0.0.1), for the session.

    Same port names as ``lab`` for what it has (submission, submission_tls, imap,
    imaps, dns) and the users of ``EXIM_COURIER_USERS``; its Junk folder is
    ``COURIER_JUNK`` ("INBOX.Junk", no \\Junk flag).
    """
    module = load_lab_module()
    yield from _session_lab("exim-courier", module.missing_packages() + module.missing_vendor())


@pytest.fixture(scope="session")
def tls_server_context(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A server context for scripted servers and the CA file that trusts it."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, str(ca_file)


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
