"""Settings: command-line flags over environment over profile over provider preset.

Click reads the flags and their ``MAILCHECK_*`` environment variables; this module
fills what is still missing from the named profile of the TOML config file and
from the provider preset, checks it, and returns one frozen :class:`Settings`.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailcheck.datafiles import read_data
from mailcheck.errors import ConfigError, did_you_mean
from mailcheck.secret import SecretSource

__all__ = [
    "Settings",
    "SmtpSettings",
    "TlsMode",
    "check_address",
    "default_lang",
    "load_providers",
    "resolve_settings",
]

CONFIG_ENV = "MAILCHECK_CONFIG"
DEFAULT_TIMEOUT = 10.0
DEFAULT_DEADLINE = 60.0
DEFAULT_EHLO = "mailcheck.localhost"
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 587}  # RFC 8314 / RFC 6409

# Keys a profile may set; each maps to the option of the same name.
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
        "imap_host",
        "imap_port",
        "imap_tls",
        "imap_username",
        "imap_password_file",
        "imap_password_command",
        "imap_password_env",
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
_PROFILE_TYPES: dict[str, str] = {
    **dict.fromkeys(PROFILE_KEYS, "str"),
    "smtp_port": "port",
    "imap_port": "port",
    "timeout": "seconds",
    "deadline": "seconds",
    "wait": "seconds",
    "allow_plaintext": "bool",
    "attachment_size": "size",
    "dnsbls": "str or list",
    "checks": "str or list",
    "customer_domains": "list",
    "delivery_warning": "range",
    "delivery_critical": "range",
}
_TOP_TYPES = {"default_profile": "str", "history": "str"}
#: A config file larger than this is not a config file (and is not read into memory).
_MAX_CONFIG_BYTES = 1024 * 1024
IMAP_PASSWORD_ENV = "MAILCHECK_IMAP_PASSWORD"  # noqa: S105 - a variable's name
DEFAULT_WAIT = 30.0
_IMAP_PORTS = {"tls": 993, "starttls": 143, "none": 143}  # RFC 8314 / RFC 3501


class TlsMode(enum.StrEnum):
    """How the submission connection is protected."""

    #: Plain connect, then STARTTLS (RFC 3207), usually port 587.
    STARTTLS = "starttls"
    #: TLS from the first byte (RFC 8314), usually port 465.
    TLS = "tls"
    #: No TLS at all; AUTH is then withheld unless plaintext is allowed.
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to reach the submission server."""

    host: str
    port: int
    tls: TlsMode
    username: str
    ca_file: str | None
    ehlo_name: str
    allow_plaintext: bool
    timeout: float
    """Per network step, in seconds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapSettings:
    """Where and how to reach a mailbox."""

    host: str
    port: int
    tls: TlsMode
    username: str
    ca_file: str | None
    timeout: float
    allow_plaintext: bool = False
    dns_server: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxSettings:
    """A mailbox the round trip watches: the sender's own, or a ``--probe-mailbox``."""

    label: str
    """``sender``, or the profile name of a probe mailbox."""
    address: str
    imap: ImapSettings
    secret_source: SecretSource | None
    """None: the same password as for SMTP."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundtripOptions:
    """How the test invoice is made and how long to wait for it."""

    wait: float
    """Seconds to wait for the message after the server accepted it."""
    keep: bool
    subject: str | None
    sender_name: str | None
    attachment_size: int
    probes: tuple[MailboxSettings, ...]
    send_to_recipient: bool = False
    """Also send a labelled test to the real recipient and watch for its bounce."""
    probe_rcpt: bool = False
    """Ask the recipient's MX (port 25) whether it takes the address (RCPT TO, no DATA)."""
    mx_port: int = 25


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a command needs, resolved and checked."""

    smtp: SmtpSettings
    sender: str | None
    recipient: str | None
    dns_server: tuple[str, int] | None
    lang: str
    deadline: float
    """The whole command's budget, in seconds."""
    provider: str | None
    profile: str | None
    secret_source: SecretSource
    mailbox: MailboxSettings | None
    """The sender's own mailbox (None when there is no sender address)."""
    dnsbls: tuple[str, ...] = ()
    """DNS blocklist zones to check the sending IP against (none unless configured)."""
    roundtrip: RoundtripOptions


def default_lang() -> str:
    """``vi`` when the locale is Vietnamese, else ``en``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def load_providers() -> dict[str, dict[str, Any]]:
    """Read the provider presets shipped with mailcheck."""
    data = read_data("providers.toml")
    data.pop("schema", None)
    return data


def _find_provider(name: str, providers: Mapping[str, Mapping[str, Any]]) -> str:
    key = name.strip().lower()
    if key in providers:
        return key
    for pid, preset in providers.items():
        if key in preset.get("aliases", ()):
            return pid
    known = sorted(providers)
    extra = did_you_mean(key, known)
    raise ConfigError(f"unknown provider {name!r}{extra}; known: {', '.join(known)}")


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _check_domain(domain: str, what: str) -> None:
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ConfigError(f"{what}: {domain!r} is not a valid domain name") from None
    labels = ascii_domain.rstrip(".").split(".")
    if len(ascii_domain) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise ConfigError(f"{what}: {domain!r} is not a valid domain name")


def check_address(address: str, what: str) -> str:
    """Check an e-mail address's shape (syntax only); return it stripped."""
    value = address.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ConfigError(f"{what}: the address contains control characters (CR, LF, ...)")
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain or " " in value or "<" in value or ">" in value:
        raise ConfigError(f"{what}: {address!r} is not an e-mail address (expected name@domain)")
    if len(local) > 64:
        raise ConfigError(f"{what}: the part before @ is longer than 64 characters")
    _check_domain(domain, what)
    return value


def _check_host(host: str) -> str:
    value = host.strip()
    try:
        ipaddress.ip_address(value.strip("[]"))
        return value.strip("[]")
    except ValueError:
        pass
    if any(ord(ch) <= 32 for ch in value) or not value:
        raise ConfigError(f"--smtp-host: {host!r} is not a host name")
    if "." in value:
        _check_domain(value, "--smtp-host")
    return value


def _parse_dns_server(value: str) -> tuple[str, int]:
    text = value.strip()
    port = 53
    if text.startswith("["):  # [::1]:5353
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _parse_port(rest[1:], "--dns-server")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _parse_port(port_text, "--dns-server")
    else:
        host = text
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(f"--dns-server: {value!r} is not IP[:PORT]") from None
    return host, port


def _parse_port(value: object, what: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{what}: {port} is not a port number (1-65535)")
    return port


def _parse_seconds(value: object, what: str) -> float:
    try:
        seconds = float(str(value))
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a number of seconds") from None
    if not 0 < seconds <= 3600:
        raise ConfigError(f"{what}: {seconds:g} is out of range (0-3600 seconds)")
    return seconds


def _config_path(given: str | None) -> tuple[Path, bool]:
    """Return the config file path and whether the user named it explicitly."""
    if given:
        return Path(given).expanduser(), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser(), True
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mailcheck" / "config.toml", False


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
    for key, kind in _TOP_TYPES.items():
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
    """Raise ConfigError unless ``value`` is of ``kind`` (see ``_PROFILE_TYPES``)."""
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
        _check_type(
            chosen[key], _PROFILE_TYPES[key], f"config file {path}: profile {name!r}: {key}"
        )
    return dict(chosen), str(name)


def resolve_settings(
    values: Mapping[str, Any],
    *,
    need_sender: bool = False,
    need_recipient: bool = False,
    need_smtp: bool = True,
) -> Settings:
    """Merge flags/env (``values``; ``None`` = not given) with profile and preset."""
    profile, profile_name = load_profile(values.get("config"), values.get("profile"))

    def pick(key: str) -> Any:
        value = values.get(key)
        return value if value is not None else profile.get(key)

    sender = pick("sender")
    sender = check_address(str(sender), "--sender") if sender else None
    recipient = pick("recipient")
    recipient = check_address(str(recipient), "--recipient") if recipient else None
    if need_sender and sender is None:
        raise ConfigError("missing --sender (the address the invoices are sent from)")
    if need_recipient and recipient is None:
        raise ConfigError("missing --recipient (the customer's address)")

    providers = load_providers()
    provider_name = pick("provider")
    provider: str | None = None
    if provider_name:
        provider = _find_provider(str(provider_name), providers)
    elif pick("smtp_host") is None and sender:
        domain = sender.rpartition("@")[2].lower()
        provider = next((p for p, v in providers.items() if domain in v.get("domains", ())), None)
    preset = providers.get(provider, {}) if provider else {}

    host = pick("smtp_host") or preset.get("smtp_host")
    if not host and not need_smtp:
        # `watch` only reads a mailbox: the IMAP host stands in for the unused SMTP one.
        host = pick("imap_host") or preset.get("imap_host")
        if not host:
            raise ConfigError("no IMAP server: give --imap-host (and --imap-port) or --provider")
    if not host:
        raise ConfigError(
            "no SMTP server: give --smtp-host (and --smtp-port, --smtp-tls) or --provider"
        )
    tls_text = str(pick("smtp_tls") or preset.get("smtp_tls") or "starttls").lower()
    try:
        tls = TlsMode(tls_text)
    except ValueError:
        raise ConfigError(f"--smtp-tls: {tls_text!r} is not one of starttls, tls, none") from None
    port_value = pick("smtp_port")
    if port_value is None:
        # A preset's port belongs to its own TLS mode; a changed mode takes that mode's default.
        same_mode = preset.get("smtp_tls") == tls.value
        port_value = preset.get("smtp_port") if same_mode else _DEFAULT_PORTS[tls.value]
    port = _parse_port(port_value, "--smtp-port")
    username = pick("username") or sender
    if not username:
        raise ConfigError("missing --username (or --sender, which is used as the user name)")
    if any(ord(ch) < 32 for ch in str(username)):
        raise ConfigError("--username: contains control characters")
    ca_file = pick("ca_file")
    if ca_file is not None:
        ca_path = Path(str(ca_file)).expanduser()
        if not ca_path.is_file():
            raise ConfigError(f"--ca-file: {ca_file} is not a readable file")
        ca_file = str(ca_path)
    ehlo = str(pick("ehlo_name") or DEFAULT_EHLO)
    if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]{1,255}", ehlo):
        raise ConfigError(f"--ehlo-name: {ehlo!r} is not a host name")
    timeout = _parse_seconds(pick("timeout") or DEFAULT_TIMEOUT, "--timeout")
    deadline = _parse_seconds(pick("deadline") or DEFAULT_DEADLINE, "--deadline")
    dns_value = pick("dns_server")
    dns_server = _parse_dns_server(str(dns_value)) if dns_value else None
    lang = str(pick("lang") or default_lang()).lower()
    if lang not in ("vi", "en"):
        raise ConfigError(f"--lang: {lang!r} is not vi or en")

    common = {"ca_file": ca_file, "timeout": timeout, "dns_server": dns_server}
    # The password command is bounded by --timeout and by what is left of --deadline,
    # whose clock starts now, when the command's settings are read.
    limits = (timeout, time.monotonic() + deadline)
    mailbox = None
    if sender is not None:
        mailbox = MailboxSettings(
            label="sender",
            address=sender,
            imap=_imap_settings(pick, preset, str(host), str(username), common),
            secret_source=_imap_secret(values, profile, limits),
        )
    probe_names = tuple(values.get("probe_mailbox") or ())
    roundtrip = RoundtripOptions(
        wait=_parse_seconds(pick("wait") or DEFAULT_WAIT, "--wait"),
        keep=bool(values.get("keep")),
        subject=pick("subject"),
        sender_name=pick("sender_name"),
        attachment_size=parse_size(pick("attachment_size") or 0, "--attachment-size"),
        send_to_recipient=bool(values.get("send_to_recipient")),
        probe_rcpt=bool(values.get("probe_rcpt")),
        mx_port=_parse_port(values.get("mx_port") or 25, "--mx-port"),
        probes=tuple(
            resolve_probe_mailbox(name, values.get("config"), common, limits)
            for name in probe_names
        ),
    )
    return Settings(
        dnsbls=_dnsbls(values.get("dnsbl") or profile.get("dnsbls") or ()),
        mailbox=mailbox,
        roundtrip=roundtrip,
        smtp=SmtpSettings(
            host=_check_host(str(host)),
            port=port,
            tls=tls,
            username=str(username),
            ca_file=ca_file,
            ehlo_name=ehlo,
            allow_plaintext=bool(pick("allow_plaintext")),
            timeout=timeout,
        ),
        sender=sender,
        recipient=recipient,
        dns_server=dns_server,
        lang=lang,
        deadline=deadline,
        provider=provider,
        profile=profile_name,
        secret_source=SecretSource(
            stdin=bool(values.get("password_stdin")),
            file=values.get("password_file"),
            command=values.get("password_command"),
            env_name=profile.get("password_env"),
            profile_file=profile.get("password_file"),
            profile_command=profile.get("password_command"),
            prompt=not values.get("no_prompt"),
            timeout=limits[0],
            deadline_at=limits[1],
        ),
    )


def parse_size(value: object, what: str) -> int:
    """``2500000``, ``500k``, ``2M``, ``2MB``: a size in bytes (at most 50 MB)."""
    text = str(value).strip().upper().removesuffix("B")
    factor = 1
    if text and text[-1] in "KM":
        factor = 1024 if text[-1] == "K" else 1024 * 1024
        text = text[:-1]
    try:
        size = int(float(text) * factor)
    except ValueError:
        raise ConfigError(f"{what}: {value!r} is not a size (e.g. 2M, 500k, 250000)") from None
    if not 0 <= size <= 50 * 1024 * 1024:
        raise ConfigError(f"{what}: {value} is out of range (0 to 50M)")
    return size


def _imap_settings(
    pick: Any, preset: Mapping[str, Any], smtp_host: str, username: str, common: dict[str, Any]
) -> ImapSettings:
    host = pick("imap_host") or preset.get("imap_host") or smtp_host
    tls_text = str(pick("imap_tls") or "tls").lower()
    try:
        tls = TlsMode(tls_text)
    except ValueError:
        raise ConfigError(f"--imap-tls: {tls_text!r} is not one of tls, starttls, none") from None
    port_value = pick("imap_port")
    if port_value is None:
        port_value = (
            preset.get("imap_port") if tls is TlsMode.TLS and preset else _IMAP_PORTS[tls.value]
        )
    return ImapSettings(
        host=_check_host(str(host)),
        port=_parse_port(port_value, "--imap-port"),
        tls=tls,
        username=str(pick("imap_username") or username),
        allow_plaintext=bool(pick("allow_plaintext")),
        **common,
    )


def _imap_secret(
    values: Mapping[str, Any], profile: Mapping[str, Any], limits: tuple[float, float]
) -> SecretSource | None:
    """A separate IMAP password source, or None to use the SMTP password."""
    source = SecretSource(
        stdin=False,
        file=values.get("imap_password_file"),
        command=values.get("imap_password_command"),
        env_var=IMAP_PASSWORD_ENV,
        env_name=profile.get("imap_password_env"),
        profile_file=profile.get("imap_password_file"),
        profile_command=profile.get("imap_password_command"),
        prompt=not values.get("no_prompt"),
        timeout=limits[0],
        deadline_at=limits[1],
    )
    given = (
        source.file,
        source.command,
        source.env_name,
        source.profile_file,
        source.profile_command,
    )
    if any(given) or os.environ.get(IMAP_PASSWORD_ENV) is not None:
        return source
    return None


def resolve_probe_mailbox(
    name: str,
    config: str | None,
    common: dict[str, Any],
    limits: tuple[float, float | None] = (DEFAULT_TIMEOUT, None),
) -> MailboxSettings:
    """A ``--probe-mailbox NAME``: the profile NAME of the config file, as a mailbox to watch."""
    profile, _ = load_profile(config, name)
    address = profile.get("sender") or profile.get("username")
    if not address:
        raise ConfigError(f"--probe-mailbox {name}: the profile needs a sender (its address)")
    address = check_address(str(address), f"--probe-mailbox {name}")
    providers = load_providers()
    provider = profile.get("provider")
    if provider:
        preset = providers[_find_provider(str(provider), providers)]
    else:
        domain = address.rpartition("@")[2].lower()
        preset = next((v for v in providers.values() if domain in v.get("domains", ())), {})
    if not (profile.get("imap_host") or preset.get("imap_host")):
        raise ConfigError(f"--probe-mailbox {name}: the profile needs imap_host or a provider")
    settings = _imap_settings(
        profile.get,
        preset,
        "",
        str(profile.get("imap_username") or profile.get("username") or address),
        {**common, "ca_file": profile.get("ca_file") or common["ca_file"]},
    )
    secret = SecretSource(
        env_name=profile.get("imap_password_env") or profile.get("password_env"),
        profile_file=profile.get("imap_password_file") or profile.get("password_file"),
        profile_command=profile.get("imap_password_command") or profile.get("password_command"),
        env_var=None,
        timeout=limits[0],
        deadline_at=limits[1],
    )
    if not (secret.env_name or secret.profile_file or secret.profile_command):
        raise ConfigError(
            f"--probe-mailbox {name}: the profile needs password_env, password_file or "
            "password_command"
        )
    return MailboxSettings(label=name, address=address, imap=settings, secret_source=secret)


def _dnsbls(zones: Any) -> tuple[str, ...]:
    """Blocklist zones; ``default`` stands for mailcheck's small built-in list."""
    if isinstance(zones, str):
        zones = [zones]
    out: list[str] = []
    for zone in zones:
        if str(zone).lower() == "default":
            from mailcheck.auth.dnsbl import DEFAULT_DNSBLS

            out.extend(DEFAULT_DNSBLS)
        else:
            _check_domain(str(zone).rstrip("."), "--dnsbl")
            out.append(str(zone).rstrip(".").lower())
    return tuple(dict.fromkeys(out))
