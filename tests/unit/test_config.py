"""resolve_settings on its own: flags over profile over provider preset over defaults.

The CLI tests reach the merge end to end; these call it with the option values click
would pass (``None`` = not given) and a config file in a temporary directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailcheck.config import DEFAULT_EHLO, resolve_probe_mailbox, resolve_settings
from mailcheck.errors import ConfigError
from mailcheck.settings import TlsMode


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _values(**given: Any) -> dict[str, Any]:
    return {"dns_server": None, **given}


def test_the_sender_domain_picks_the_provider_preset() -> None:
    settings = resolve_settings(_values(sender="Billing@Gmail.com"))
    assert settings.provider == "gmail"
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.tls) == (
        "smtp.gmail.com",
        587,
        TlsMode.STARTTLS,
    )
    # The user name defaults to the sender address, as written.
    assert settings.smtp.username == "Billing@Gmail.com"
    assert settings.sender == "Billing@Gmail.com"
    assert settings.mailbox is not None
    assert settings.mailbox.imap.host == "imap.gmail.com"
    assert settings.mailbox.imap.port == 993


def test_a_given_smtp_host_is_not_replaced_by_the_sender_domains_preset() -> None:
    settings = resolve_settings(_values(sender="billing@gmail.com", smtp_host="mail.example.com"))
    assert settings.provider is None
    assert settings.smtp.host == "mail.example.com"
    assert settings.mailbox is not None
    assert settings.mailbox.imap.host == "mail.example.com"


def test_a_changed_tls_mode_takes_that_modes_default_port() -> None:
    settings = resolve_settings(_values(provider="gmail", username="u", smtp_tls="TLS"))
    assert (settings.smtp.tls, settings.smtp.port) == (TlsMode.TLS, 465)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"smtp_port": "465"}, (TlsMode.TLS, 465)),
        ({"smtp_port": 465, "smtp_tls": "starttls"}, (TlsMode.STARTTLS, 465)),
        ({"smtp_port": "587"}, (TlsMode.STARTTLS, 587)),
        ({"smtp_port": "25"}, (TlsMode.STARTTLS, 25)),
        ({"smtp_tls": "SSL"}, (TlsMode.TLS, 465)),
        ({"smtp_tls": "ssl", "smtp_port": "2465"}, (TlsMode.TLS, 2465)),
        ({"provider": "gmail", "smtp_port": "465"}, (TlsMode.TLS, 465)),
        # A preset of implicit TLS on 465 (Yandex) given port 587: the port's own mode.
        ({"provider": "yandex", "smtp_port": "587"}, (TlsMode.STARTTLS, 587)),
        ({"provider": "yandex", "smtp_port": "587", "smtp_tls": "tls"}, (TlsMode.TLS, 587)),
    ],
)
def test_port_465_alone_means_implicit_tls_and_ssl_is_tls(
    given: dict[str, Any], expected: tuple[TlsMode, int]
) -> None:
    settings = resolve_settings(_values(smtp_host="mail.example.com", username="u", **given))
    assert (settings.smtp.tls, settings.smtp.port) == expected


def test_a_profile_may_say_ssl_and_port_465(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[profiles.a]\nsmtp_host = "mail.example.com"\nusername = "u"\nsmtp_port = 465\n'
        '[profiles.b]\nsmtp_host = "mail.example.com"\nusername = "u"\nsmtp_tls = "ssl"\n',
    )
    for name in ("a", "b"):
        settings = resolve_settings(_values(config=config, profile=name))
        assert (settings.smtp.tls, settings.smtp.port) == (TlsMode.TLS, 465)


def test_defaults_fill_what_nobody_gave() -> None:
    settings = resolve_settings(_values(smtp_host="[192.0.2.1]", username="u"))
    assert settings.smtp.host == "192.0.2.1"
    assert settings.smtp.ehlo_name == DEFAULT_EHLO
    assert (settings.smtp.timeout, settings.deadline) == (10.0, 60.0)
    assert settings.roundtrip.wait == 30.0
    assert settings.lang == "en"
    assert settings.mailbox is None
    assert settings.dnsbls == ()


def test_flags_win_over_the_profile(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[profiles.x]\nsmtp_host = "mail.example.com"\nsmtp_port = 2525\n'
        'sender = "billing@example.com"\ntimeout = 5\ndnsbls = ["Bl.Example."]\n',
    )
    settings = resolve_settings(_values(config=config, profile="x", smtp_port="587"))
    assert settings.profile == "x"
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.timeout) == (
        "mail.example.com",
        587,
        5.0,
    )
    assert settings.dnsbls == ("bl.example",)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"sender": "billing"}, "--sender: 'billing' is not an e-mail address"),
        ({"smtp_host": "h.example", "username": "u", "recipient": "x@"}, "--recipient: "),
        ({}, "no SMTP server"),
        ({"smtp_host": "h.example"}, "missing --username"),
        ({"smtp_host": "h.example", "username": "u", "smtp_tls": "tls1"}, "--smtp-tls: 'tls1'"),
        ({"smtp_host": "h.example", "username": "u\r\n"}, "--username: contains control"),
        ({"smtp_host": "h.example", "username": "u", "lang": "fr"}, "--lang: 'fr'"),
        ({"smtp_host": "h.example", "username": "u", "ca_file": "/nonexistent"}, "--ca-file"),
        ({"provider": "gmial", "username": "u"}, "(did you mean gmail?)"),
    ],
)
def test_what_cannot_be_used_is_a_config_error(given: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(_values(**given))
    assert words in str(caught.value)


def test_needed_addresses_must_be_given() -> None:
    with pytest.raises(ConfigError, match="missing --sender"):
        resolve_settings(_values(smtp_host="h.example", username="u"), need_sender=True)
    with pytest.raises(ConfigError, match="missing --recipient"):
        resolve_settings(_values(smtp_host="h.example", username="u"), need_recipient=True)


def test_a_mailbox_only_command_uses_the_imap_host_in_place_of_smtp() -> None:
    settings = resolve_settings(
        _values(imap_host="imap.example.com", username="u"), need_smtp=False
    )
    assert settings.smtp.host == "imap.example.com"


def test_a_probe_mailbox_is_a_profile_with_its_own_password_source(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[profiles.probe]\nsender = "probe@gmail.com"\npassword_env = "PROBE_PASSWORD"\n',
    )
    common = {"ca_file": None, "timeout": 10.0, "dns_server": None}
    mailbox = resolve_probe_mailbox("probe", config, common)
    assert mailbox.address == "probe@gmail.com"
    assert mailbox.imap.host == "imap.gmail.com"
    assert mailbox.secret_source is not None
    assert mailbox.secret_source.env_name == "PROBE_PASSWORD"
    _config(tmp_path, '[profiles.probe]\nsender = "probe@gmail.com"\n')
    with pytest.raises(ConfigError, match="needs password_env"):
        resolve_probe_mailbox("probe", config, common)
