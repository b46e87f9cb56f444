"""The config file: where it is, its schema, and its profiles, read and type-checked.

The file is TOML: a few top-level keys (:data:`TOP_KEYS`) and ``[profiles.NAME]``
tables of :data:`PROFILE_KEYS`. Each value's type is checked where the file is read,
so a wrong one is a one-line error naming the file, the profile and the key.
:mod:`mailcheck.config` merges a profile with the command line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mailcheck.errors import ConfigError, did_you_mean

__all__ = [
    "CHECKS",
    "CONFIG_ENV",
    "PROFILE_KEYS",
    "PROFILE_TYPES",
    "TOP_KEYS",
    "TOP_TYPES",
    "load_profile",
    "profile_names",
    "read_config",
]

#: Names the config file when --config does not.
CONFIG_ENV = "MAILCHECK_CONFIG"
#: Keys a profile may set; each maps to the option of the same name.
PROFILE_KEYS = frozenset(
    {
        "provider",
        "smtp_host",
        "smtp_port",
        "smtp_tls",
        "username",
        "sender",
        "recipient",
        "ca_file",
        "timeout",
        "deadline",
        "ehlo_name",
        "allow_plaintext",
        "dns_server",
        "lang",
        "password_file",
        "password_command",
        "password_env",
        "token_command",
        "oauth_provider",
        "oauth_grant_file",
        "imap_host",
        "imap_port",
        "imap_tls",
        "imap_username",
        "imap_password_file",
        "imap_password_command",
        "imap_password_env",
        "imap",
        "wait",
        "subject",
        "sender_name",
        "attachment_size",
        "dnsbls",
        # `mailcheck check`: what to run, and the delivery-time thresholds.
        "checks",
        "customer_domains",
        "delivery_warning",
        "delivery_critical",
    }
)
#: What `mailcheck check` can run for a profile, in the order it reports them.
CHECKS = ("credentials", "roundtrip", "sender-dns", "customers")
#: Top-level keys of the config file besides the profiles.
TOP_KEYS = frozenset({"profiles", "default_profile", "history"})
#: The type of each profile key, checked where the file is read: a string "false" for a
#: bool would be truthy and send the password in clear.
PROFILE_TYPES: dict[str, str] = {
    **dict.fromkeys(PROFILE_KEYS, "str"),
    "smtp_port": "port",
    "imap_port": "port",
    "timeout": "seconds",
    "deadline": "seconds",
    "wait": "seconds",
    "allow_plaintext": "bool",
    "imap": "bool",
    "attachment_size": "size",
    "dnsbls": "str or list",
    "checks": "str or list",
    "customer_domains": "list",
    "delivery_warning": "range",
    "delivery_critical": "range",
}
TOP_TYPES = {"default_profile": "str", "history": "str"}
#: A config file larger than this is not a config file (and is not read into memory).
_MAX_CONFIG_BYTES = 1024 * 1024


def _config_path(given: str | None) -> tuple[Path, bool]:
    """Return the config file path and whether the user named it explicitly."""
    if given:
        return Path(given).expanduser(), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser(), True
    from mailcheck.paths import config_dir

    return config_dir() / "config.toml", False


def read_config(config: str | None) -> tuple[Path, dict[str, Any] | None]:
    """The config file's path and contents (None when there is none and none was named)."""
    path, explicit = _config_path(config)
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return path, None
    import tomllib

    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    if len(raw) > _MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than 1 MB: not a mailcheck config")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively.
        raise ConfigError(f"config file {path} is nested too deeply to be a config") from None
    _check_top(path, data)
    return path, data


def _check_top(path: Path, data: dict[str, Any]) -> None:
    """The top-level keys and their types; each profile is checked when it is loaded."""
    unknown_top = set(data) - TOP_KEYS
    if unknown_top:
        names = ", ".join(sorted(_safe_key(k) for k in unknown_top))
        raise ConfigError(f"config file {path}: unknown key(s) {names}")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"config file {path}: 'profiles' must be a table, not {_kind(profiles)}")
    for name, profile in profiles.items():
        if not isinstance(profile, dict):
            raise ConfigError(
                f"config file {path}: profile {_safe_key(name)} must be a table, "
                f"not {_kind(profile)}"
            )
    for key, kind in TOP_TYPES.items():
        if key in data:
            _check_type(data[key], kind, f"config file {path}: {key}")


def _safe_key(key: str) -> str:
    """A key as an error message quotes it: bounded, controls escaped."""
    return repr(key[:60] + ("..." if len(key) > 60 else ""))


def _kind(value: object) -> str:
    """What a TOML value is, for an error message (never its whole contents)."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__} value"  # dates and times


def _check_type(value: object, kind: str, what: str) -> None:
    """Raise ConfigError unless ``value`` is of ``kind`` (see ``PROFILE_TYPES``)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    strings = isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "bool":
        ok, want = isinstance(value, bool), "true or false"
    elif kind == "port":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536
        want = "a port number (1-65535)"
    elif kind == "seconds":
        ok = number and 0 < float(value) <= 3600  # type: ignore[arg-type]
        want = "a number of seconds (more than 0, at most 3600)"
    elif kind == "size":
        ok = isinstance(value, str) or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 0
        )
        want = 'a size (a number of bytes, or a string like "5M")'
    elif kind == "range":
        ok, want = isinstance(value, str) or number, "a number or a range string"
    elif kind == "list":
        ok, want = strings, "a list of strings"
    elif kind == "str or list":
        ok, want = isinstance(value, str) or strings, "a string or a list of strings"
    else:
        ok, want = isinstance(value, str), "a string"
    if not ok:
        raise ConfigError(f"{what} must be {want}, not {_kind(value)}")


def profile_names(config: str | None) -> list[str]:
    """Every profile of the config file, in file order (for ``check --all``)."""
    path, data = read_config(config)
    if data is None:
        raise ConfigError(f"there is no config file {path} (mailcheck check needs profiles)")
    names = list(data.get("profiles", {}))
    if not names:
        raise ConfigError(f"config file {path} has no profiles")
    return names


def load_profile(config: str | None, profile: str | None) -> tuple[dict[str, Any], str | None]:
    """The profile named (else the file's ``default_profile``), checked, and its name.

    ``({}, None)`` when there is no config file or no profile to use.
    """
    path, data = read_config(config)
    if data is None:
        if profile:
            raise ConfigError(f"profile {profile!r} asked for, but there is no config file {path}")
        return {}, None
    profiles = data.get("profiles", {})
    name = profile or data.get("default_profile")
    if name is None:
        return {}, None
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        extra = did_you_mean(str(name), sorted(profiles))
        raise ConfigError(f"config file {path}: no profile {name!r}{extra} (profiles: {known})")
    chosen = profiles[name]
    if not isinstance(chosen, dict):
        raise ConfigError(f"config file {path}: profile {name!r} must be a table")
    for key in chosen:
        if key not in PROFILE_KEYS:
            extra = did_you_mean(key, sorted(PROFILE_KEYS))
            if key == "password":
                extra = " (a password never goes in the config file: use password_command)"
            raise ConfigError(
                f"config file {path}: profile {name!r}: unknown key {_safe_key(key)}{extra}"
            )
        _check_type(chosen[key], PROFILE_TYPES[key], f"config file {path}: profile {name!r}: {key}")
    return dict(chosen), str(name)
