"""Fixtures and pytest hooks only: a clean environment, the mail lab, TLS for scripted servers.

Plain helpers (run_cli, lab_profile, LabHandle, ...) are in tests/helpers.py.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import LabHandle, load_lab_module

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
