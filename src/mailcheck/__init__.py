"""mailcheck: find out why an e-mailed invoice did not reach the customer.

As a library (docs/library.md)::

    import mailcheck

    account = mailcheck.Account(sender="ketoan@example.vn", password="...")
    diagnosis = mailcheck.roundtrip_sync(account)
    print(diagnosis.severity, [f.cause.id for f in diagnosis.findings])

The names below are loaded on first use, so ``import mailcheck`` (and
``mailcheck --version``) stays fast.
"""

#: Not ``typing.TYPE_CHECKING``: importing typing alone costs start-up time; type checkers
#: read any name ``TYPE_CHECKING`` as true.
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = [
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

#: Where each exported name lives; imported when first asked for.
_LAZY = {
    "Account": "mailcheck.api",
    "Address": "mailcheck.values",
    "ConfigError": "mailcheck.errors",
    "Diagnosis": "mailcheck.diagnosis",
    "MailcheckError": "mailcheck.errors",
    "ProfileResult": "mailcheck.check.result",
    "Secret": "mailcheck.secret",
    "SecretError": "mailcheck.errors",
    "Severity": "mailcheck.rules",
    "TlsMode": "mailcheck.settings",
    **{
        name: "mailcheck.api" for name in __all__ if name[0].islower() and not name.startswith("__")
    },
}

if TYPE_CHECKING:
    from mailcheck.api import (
        Account,
        check_credentials,
        check_credentials_sync,
        check_dns,
        check_dns_sync,
        check_profile,
        check_profile_sync,
        diagnose,
        diagnose_sync,
        explain_bounce,
        explain_bounce_sync,
        roundtrip,
        roundtrip_sync,
    )
    from mailcheck.check.result import ProfileResult
    from mailcheck.diagnosis import Diagnosis
    from mailcheck.errors import ConfigError, MailcheckError, SecretError
    from mailcheck.rules import Severity
    from mailcheck.secret import Secret
    from mailcheck.settings import TlsMode
    from mailcheck.values import Address


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mailcheck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
