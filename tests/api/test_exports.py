"""The library's front door: ``from mailcheck import ...`` and nothing else by accident.

As httpx does, the exported names are pinned here: adding or removing one is a
decision about the public API, made in this file too.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

import mailcheck

EXPORTED = [
    "Account",
    "Address",
    "ConfigError",
    "Diagnosis",
    "MailcheckError",
    "ProfileResult",
    "Secret",
    "SecretError",
    "Severity",
    "TlsMode",
    "__version__",
    "check_credentials",
    "check_credentials_sync",
    "check_dns",
    "check_dns_sync",
    "check_profile",
    "check_profile_sync",
    "diagnose",
    "diagnose_sync",
    "explain_bounce",
    "explain_bounce_sync",
    "roundtrip",
    "roundtrip_sync",
]


def test_the_exported_names_are_pinned() -> None:
    assert mailcheck.__all__ == EXPORTED


@pytest.mark.parametrize("name", EXPORTED)
def test_each_exported_name_resolves_and_is_documented(name: str) -> None:
    value = getattr(mailcheck, name)
    if name == "__version__":
        assert isinstance(value, str)
        return
    assert inspect.getdoc(value), f"mailcheck.{name} has no docstring"
    assert getattr(value, "__module__", "").startswith("mailcheck.")
    assert name in dir(mailcheck)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'emit'"):
        _ = mailcheck.emit
    with pytest.raises(ImportError):
        from mailcheck import prepare  # noqa: F401


def test_every_async_entry_point_has_a_sync_twin_with_the_same_parameters() -> None:
    wrappers = [n for n in EXPORTED if n.endswith("_sync")]
    assert len(wrappers) == 6
    for name in wrappers:
        base = name.removesuffix("_sync")
        coroutine, sync = getattr(mailcheck, base), getattr(mailcheck, name)
        assert inspect.iscoroutinefunction(coroutine), base
        assert not inspect.iscoroutinefunction(sync), name
        assert inspect.signature(sync).parameters == inspect.signature(coroutine).parameters
        assert sync.__annotations__["return"] == coroutine.__annotations__["return"]


def test_import_mailcheck_loads_nothing_but_itself() -> None:
    """``mailcheck --version`` is benchmarked: the API is loaded on first use, not on import."""
    script = (
        "import json, sys, mailcheck\n"
        "before = sorted(m for m in sys.modules if m.startswith(('mailcheck', 'click')))\n"
        "mailcheck.Account\n"
        "after = sorted(m for m in sys.modules if m.startswith(('mailcheck', 'click')))\n"
        "print(json.dumps([before, after]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    before, after = json.loads(out.stdout)
    assert before == ["mailcheck"]
    assert "mailcheck.api" in after
    assert not [m for m in after if m == "click" or m.startswith("click.")]
