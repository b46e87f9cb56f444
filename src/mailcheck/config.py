"""Settings: command-line flags over environment over profile over provider preset.

Click reads the flags and their ``MAILCHECK_*`` environment variables; this module
fills what is still missing from the named profile of the TOML config file and
from the provider preset, checks it, and returns one frozen :class:`Settings`.

The settings types live in :mod:`mailcheck.settings`, the value parsers in
:mod:`mailcheck.values` and the config file's reading in :mod:`mailcheck.profiles`;
this module holds the defaults and the provider presets, and does the merge.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mailcheck.errors import ConfigError
from mailcheck.presets import load_providers, preset_for, provider_from_mx
from mailcheck.profiles import load_profile
from mailcheck.secret import ACCESS_TOKEN_ENV, PASSWORD_ENV, SecretSource
from mailcheck.settings import (
    ImapSettings,
    MailboxSettings,
    RoundtripOptions,
    Settings,
    SmtpSettings,
    TlsMode,
)
from mailcheck.values import (
    Address,
    parse_dns_server,
    parse_dnsbls,
    parse_ehlo_name,
    parse_host,
    parse_lang,
    parse_port,
    parse_seconds,
    parse_size,
    parse_tls_mode,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_EHLO",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WAIT",
    "default_lang",
    "load_providers",
    "resolve_probe_mailbox",
    "resolve_settings",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_DEADLINE = 60.0
DEFAULT_EHLO = "mailcheck.localhost"
DEFAULT_WAIT = 30.0
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 587}  # RFC 8314 / RFC 6409
_IMAP_PORTS = {"tls": 993, "starttls": 143, "none": 143}  # RFC 8314 / RFC 3501
IMAP_PASSWORD_ENV = "MAILCHECK_IMAP_PASSWORD"  # noqa: S105 - a variable's name


def default_lang() -> str:
    """``vi`` when the user's language is Vietnamese, else ``en`` (see :mod:`mailcheck.userlang`:
    gettext's rules for ``LANGUAGE``, the Windows display language)."""
    from mailcheck.userlang import user_lang

    return user_lang()


def resolve_settings(
    values: Mapping[str, Any],
    *,
    need_sender: bool = False,
    need_recipient: bool = False,
    need_smtp: bool = True,
) -> Settings:
    """Merge flags/env (``values``; ``None`` = not given) with profile and preset."""
    profile, profile_name = load_profile(values.get("config"), values.get("profile"))
    if values.get("profile") is None and _another_mailbox(values, profile):
        # The config's default_profile is another mailbox: its server and its secret
        # must not serve a one-off check of this sender (a Gmail password sent to the
        # company server, then blamed as "changed"). Only --profile brings it in.
        profile, profile_name = {}, None

    def pick(key: str) -> Any:
        value = values.get(key)
        return value if value is not None else profile.get(key)

    sender, recipient = _addresses(pick, need_sender=need_sender, need_recipient=need_recipient)
    provider, preset, provider_mx = _sender_preset(pick, sender, need_smtp=need_smtp)
    smtp, found_by = _smtp_settings(
        pick, preset, sender, need_smtp=need_smtp, ask=not values.get("no_prompt")
    )
    deadline = parse_seconds(pick("deadline") or DEFAULT_DEADLINE, "--deadline")
    dns_value = pick("dns_server")
    dns_server = parse_dns_server(str(dns_value)) if dns_value else None
    lang = parse_lang(str(pick("lang") or default_lang()))

    common = {"ca_file": smtp.ca_file, "timeout": smtp.timeout, "dns_server": dns_server}
    # The password command is bounded by --timeout and by what is left of --deadline,
    # whose clock starts now, when the command's settings are read.
    limits = (smtp.timeout, time.monotonic() + deadline)
    mailbox = None
    if sender is not None:
        mailbox = MailboxSettings(
            label="sender",
            address=str(sender),
            imap=_imap_settings(pick, preset, smtp.host, smtp.username, common),
            secret_source=_imap_secret(values, profile, limits),
        )
    return Settings(
        roundtrip=_roundtrip_options(values, pick, common, limits, preset),
        dnsbls=parse_dnsbls(values.get("dnsbl") or profile.get("dnsbls") or ()),
        retry_temporary=bool(values.get("retry_temporary")),
        mailbox=mailbox,
        smtp=smtp,
        sender=str(sender) if sender else None,
        recipient=str(recipient) if recipient else None,
        dns_server=dns_server,
        lang=lang,
        deadline=deadline,
        provider=provider,
        provider_mx=provider_mx,
        profile=profile_name,
        profile_keys=_taken_from_profile(values, profile),
        smtp_found_by=found_by,
        secret_source=_smtp_secret(values, profile, limits, profile_name),
    )


#: The flags that say which mailbox a run is about: a default profile for another
#: value of any of them is another mailbox's.
_MAILBOX_KEYS = ("sender", "smtp_host", "provider")
#: Profile keys only `mailcheck check` reads: not part of what another command took.
_CHECK_ONLY = frozenset({"checks", "customer_domains", "delivery_warning", "delivery_critical"})
#: The flags that name a password or token source: given, the profile's own is not read.
_SECRET_FLAGS = ("password_file", "password_command", "password_stdin", "token_command")
_PROFILE_SECRETS = frozenset(
    {
        "password_env",
        "password_file",
        "password_command",
        "token_command",
        "oauth_provider",
        "oauth_grant_file",
    }
)


def _another_mailbox(values: Mapping[str, Any], profile: Mapping[str, Any]) -> bool:
    """Whether a given sender, SMTP host or provider differs from the profile's own.

    A profile that names no sender (nor user name) cannot be shown to be this sender's,
    so a given ``--sender`` does not take it either.
    """
    for key in _MAILBOX_KEYS:
        given = values.get(key)
        if given is None:
            continue
        own = profile.get(key)
        if key == "sender":
            own = own or profile.get("username")
        if own is None or str(given).strip().lower().rstrip(".") != str(own).lower().rstrip("."):
            return True
    return False


def _taken_from_profile(values: Mapping[str, Any], profile: Mapping[str, Any]) -> tuple[str, ...]:
    """The profile's keys this run uses (no flag or variable of the same name given).

    Said in the report's first line, so nobody wonders whose server or secret was used.
    """
    secret_flag = any(values.get(flag) for flag in _SECRET_FLAGS)
    taken = []
    for key in profile:
        if key in _CHECK_ONLY:
            continue
        if key in _PROFILE_SECRETS:
            if not secret_flag:
                taken.append(key)
        elif values.get("dnsbl" if key == "dnsbls" else key) in (None, ()):
            taken.append(key)
    return tuple(taken)


#: Reads one setting: the flag (or its environment variable) if given, else the profile's.
Pick = Callable[[str], Any]


def _addresses(
    pick: Pick, *, need_sender: bool, need_recipient: bool
) -> tuple[Address | None, Address | None]:
    """The sender and the recipient, each checked; a missing needed one is an error."""
    sender = pick("sender")
    sender = Address.parse(str(sender), "--sender") if sender else None
    recipient = pick("recipient")
    recipient = Address.parse(str(recipient), "--recipient") if recipient else None
    if need_sender and sender is None:
        raise ConfigError("missing --sender (the address the invoices are sent from)")
    if need_recipient and recipient is None:
        raise ConfigError("missing --recipient (the customer's address)")
    return sender, recipient


def _preset(name: object, address: Address | None) -> tuple[str | None, dict[str, Any]]:
    """The provider named, else the one whose domains hold ``address``: ``(id, preset)``.

    ``(None, {})`` when there is neither.
    """
    providers = load_providers()
    if name:
        return preset_for(str(name), providers)
    if address is not None:
        domain = address.domain
        provider = next((p for p, v in providers.items() if domain in v.get("domains", ())), None)
        if provider is not None:
            return provider, providers[provider]
    return None, {}


def _sender_preset(
    pick: Pick, sender: Address | None, *, need_smtp: bool
) -> tuple[str | None, dict[str, Any], str | None]:
    """``(id, preset, domain whose MX named it)``: the preset named, else the sender's.

    A given SMTP host is not second-guessed by the preset of the sender's domain. When
    no host is given and the sender's domain is not a provider's own (a company domain),
    its MX may name one (Google Workspace, Microsoft 365): that domain is returned too,
    so the report can say where the preset came from.
    """
    if pick("provider") or sender is None or pick("smtp_host") is not None:
        return (*_preset(pick("provider"), None), None)
    provider, preset = _preset(None, sender)
    if provider is not None or (not need_smtp and pick("imap_host")):
        return provider, preset, None
    dns_value = pick("dns_server")
    match = provider_from_mx(
        sender.ascii_domain.rstrip("."),
        server=parse_dns_server(str(dns_value)) if dns_value else None,
        timeout=parse_seconds(pick("timeout") or DEFAULT_TIMEOUT, "--timeout"),
    )
    if match is None:
        return None, {}, None
    return match.provider, load_providers()[match.provider], sender.domain.rstrip(".")


def _smtp_settings(
    pick: Pick,
    preset: Mapping[str, Any],
    sender: Address | None,
    *,
    need_smtp: bool,
    ask: bool = False,
) -> tuple[SmtpSettings, str | None]:
    """The submission server: flags and profile first, then the preset, then defaults.

    With none of them, a company domain's own server is looked for (``mail.<domain>``,
    its MX): then the second value says what answered, for the report's first line.
    """
    host = pick("smtp_host") or preset.get("smtp_host")
    found_by = None
    port_value = pick("smtp_port")
    if not host and not need_smtp:
        # `watch` only reads a mailbox: the IMAP host stands in for the unused SMTP one.
        host = pick("imap_host") or preset.get("imap_host")
        if not host:
            raise ConfigError("no IMAP server: give --imap-host (and --imap-port) or --provider")
    if not host:
        if sender is None:
            raise ConfigError(
                "no SMTP server: give --smtp-host (and --smtp-port, --smtp-tls), --provider, "
                "or --sender (its domain names the provider or the server)"
            )
        host, port_value, found_by = _find_host(pick, sender, port_value, ask=ask)
    tls = parse_tls_mode(
        pick("smtp_tls") or _tls_of_port(port_value) or preset.get("smtp_tls") or "starttls",
        "--smtp-tls",
    )
    if port_value is None:
        # A preset's port belongs to its own TLS mode; a changed mode takes that mode's default.
        same_mode = preset.get("smtp_tls") == tls.value
        port_value = preset.get("smtp_port") if same_mode else _DEFAULT_PORTS[tls.value]
    port = parse_port(port_value, "--smtp-port")
    # A relay may want a fixed user name (SendGrid: "apikey"); else the sender's address.
    username = pick("username") or preset.get("username") or (str(sender) if sender else None)
    if not username:
        raise ConfigError("missing --username (or --sender, which is used as the user name)")
    if any(ord(ch) < 32 for ch in str(username)):
        raise ConfigError("--username: contains control characters")
    smtp = SmtpSettings(
        ca_file=_ca_file(pick("ca_file")),
        ehlo_name=parse_ehlo_name(str(pick("ehlo_name") or DEFAULT_EHLO)),
        timeout=parse_seconds(pick("timeout") or DEFAULT_TIMEOUT, "--timeout"),
        host=parse_host(str(host)),
        port=port,
        tls=tls,
        username=str(username),
        allow_plaintext=bool(pick("allow_plaintext")),
    )
    return smtp, found_by


def _find_host(
    pick: Pick, sender: Address, port_value: object, *, ask: bool
) -> tuple[str, object, str]:
    """The sender domain's own server, found, typed in at the prompt, or a one-line error.

    Returns ``(host, port, how it was found)``. A mistyped provider domain
    (``gmial.com``) is said first: no server of it would be the right answer.
    """
    from mailcheck.recipient import suggest_domain
    from mailcheck.smtphost import PORTS, describe, find_smtp_host

    domain = sender.ascii_domain.rstrip(".").lower()
    shown = sender.domain.rstrip(".")
    typo = suggest_domain(domain)
    if typo is not None:
        local = str(sender).rpartition("@")[0]
        raise ConfigError(
            f"--sender: {shown} is not a mail provider's domain: did you mean {typo}? "
            f"(--sender {local}@{typo})"
        )
    port = parse_port(port_value, "--smtp-port") if port_value is not None else None
    dns_value = pick("dns_server")
    found = find_smtp_host(
        domain,
        port=port,
        server=parse_dns_server(str(dns_value)) if dns_value else None,
        timeout=parse_seconds(pick("timeout") or DEFAULT_TIMEOUT, "--timeout"),
    )
    if found.host is not None:
        how = next(t.how for t in found.tried if t.host == found.host)
        return found.host, found.port, how
    tried = describe(found.tried, (port,) if port is not None else PORTS)
    example = f"mail.{shown}"
    if ask and sys.stdin.isatty():
        from mailcheck.report.i18n import ASK_HOST

        lang = "vi" if str(pick("lang") or default_lang()).lower() == "vi" else "en"
        ports = (port,) if port is not None else PORTS
        typed = _ask_host(shown, example, describe(found.tried, ports, ASK_HOST[lang]), lang)
        if typed:
            return typed, port_value, "prompt"
    said = f"; tried {tried}" if tried else ""
    raise ConfigError(
        f"cannot tell {shown}'s sending server: add --smtp-host (e.g. {example}){said}"
    )


def _ask_host(domain: str, example: str, tried: str, lang: str) -> str:
    """One line on the terminal: the one thing missing; empty when nothing is typed."""
    from mailcheck.report.i18n import ASK_HOST

    words = ASK_HOST[lang]
    if tried:
        sys.stderr.write(words["tried"].format(tried=tried) + "\n")
    sys.stderr.write(words["ask"].format(domain=domain, example=example) + " ")
    sys.stderr.flush()
    try:
        return sys.stdin.readline().strip()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return ""


def _tls_of_port(port: object) -> str | None:
    """The TLS mode a given port implies when no mode is: 465 implicit TLS, 587 STARTTLS.

    RFC 8314 and RFC 6409 give each port its mode; a preset's mode gives way to the
    port's (``--provider gmail --smtp-port 587`` is STARTTLS). 25 implies nothing.
    """
    text = str(port).strip() if port is not None else ""
    return {"465": "tls", "587": "starttls"}.get(text)


def _ca_file(value: object) -> str | None:
    """The CA bundle's path, ``~`` expanded; it must be a file now, not at the handshake."""
    if value is None:
        return None
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise ConfigError(f"--ca-file: {value} is not a readable file")
    return str(path)


def _roundtrip_options(
    values: Mapping[str, Any],
    pick: Pick,
    common: dict[str, Any],
    limits: tuple[float, float],
    preset: Mapping[str, Any],
) -> RoundtripOptions:
    """How the round trip's test invoice is made, sent and waited for."""
    probe_names = tuple(values.get("probe_mailbox") or ())
    return RoundtripOptions(
        wait=parse_seconds(pick("wait") or DEFAULT_WAIT, "--wait"),
        keep=bool(values.get("keep")),
        subject=pick("subject"),
        sender_name=pick("sender_name"),
        attachment_size=parse_size(pick("attachment_size") or 0, "--attachment-size"),
        send_to_recipient=bool(values.get("send_to_recipient")),
        probe_rcpt=bool(values.get("probe_rcpt")),
        mx_port=parse_port(values.get("mx_port") or 25, "--mx-port"),
        # --no-imap, a profile's `imap = false`, or a relay preset: no mailbox to watch.
        send_only=bool(values.get("no_imap")) or False in (pick("imap"), preset.get("imap")),
        probes=tuple(
            resolve_probe_mailbox(name, values.get("config"), common, limits)
            for name in probe_names
        ),
    )


def _smtp_secret(
    values: Mapping[str, Any],
    profile: Mapping[str, Any],
    limits: tuple[float, float],
    profile_name: str | None = None,
) -> SecretSource:
    """Where the SMTP password comes from (read later, when it is needed)."""
    grant_file = profile.get("oauth_grant_file")
    if profile.get("oauth_provider") and not grant_file:
        from mailcheck.oauth.store import grant_path

        grant_file = str(grant_path(profile_name or "default"))  # what `login --profile` writes
    # The more specific source wins: a profile that names its own password or grant is
    # not overridden by a MAILCHECK_PASSWORD meant for another mailbox (as in `check`).
    own = ("password_env", "password_file", "password_command", "token_command")
    profile_named = any(profile.get(key) for key in (*own, "oauth_provider"))
    return SecretSource(
        env_var=None if profile_named else PASSWORD_ENV,
        stdin=bool(values.get("password_stdin")),
        file=values.get("password_file"),
        command=values.get("password_command"),
        env_name=profile.get("password_env"),
        profile_file=profile.get("password_file"),
        profile_command=profile.get("password_command"),
        prompt=not values.get("no_prompt"),
        timeout=limits[0],
        deadline_at=limits[1],
        token_command=values.get("token_command"),
        token_env=ACCESS_TOKEN_ENV,
        profile_token_command=profile.get("token_command"),
        oauth_provider=profile.get("oauth_provider"),
        oauth_grant_file=grant_file,
    )


def _imap_settings(
    pick: Pick, preset: Mapping[str, Any], smtp_host: str, username: str, common: dict[str, Any]
) -> ImapSettings:
    host = pick("imap_host") or preset.get("imap_host") or smtp_host
    tls = parse_tls_mode(pick("imap_tls") or "tls", "--imap-tls", "tls, starttls, none")
    port_value = pick("imap_port")
    if port_value is None:
        # A relay preset has no IMAP port: the mode's default then.
        preset_port = preset.get("imap_port") if tls is TlsMode.TLS else None
        port_value = preset_port or _IMAP_PORTS[tls.value]
    return ImapSettings(
        host=parse_host(str(host)),
        port=parse_port(port_value, "--imap-port"),
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
    parsed = Address.parse(str(address), f"--probe-mailbox {name}")
    address = str(parsed)
    _, preset = _preset(profile.get("provider"), parsed)
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
