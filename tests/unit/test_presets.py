"""Provider presets: relays, a preset's parameter, and the provider read from a domain's MX.

The MX lookups go to the scripted DNS server on 127.0.0.1 (tests/servers/fake_dns.py),
as ``--dns-server`` sends them; the real DNS is never asked.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailcheck.config import resolve_settings
from mailcheck.errors import ConfigError
from mailcheck.presets import load_providers, match_mx, provider_from_mx
from mailcheck.settings import TlsMode
from tests.helpers import free_port, run_cli
from tests.servers.fake_dns import fake_dns

#: Company domains and their MX, as the providers publish them.
ZONES: dict[str, Any] = {
    "company.vn.": {"MX": ["0 company-vn.mail.protection.outlook.com."]},
    "shop.vn.": {"MX": ["1 smtp.google.com."]},
    "old.vn.": {"MX": ["10 alt1.aspmx.l.google.com.", "5 aspmx.l.google.com."]},
    "filtered.vn.": {"MX": ["10 mx.filter.test.", "20 filtered-vn.olc.protection.outlook.com."]},
    "own.vn.": {"MX": ["10 mail.own.vn."]},
    "slow.vn.": "DROP",
    # Where the submission host of the preset leads in these tests: nowhere but here.
    "smtp.office365.com.": {"A": ["127.0.0.1"]},
}


def _values(**given: Any) -> dict[str, Any]:
    return {"dns_server": None, "timeout": "2", **given}


@pytest.mark.parametrize(
    ("domain", "provider", "host"),
    [
        ("company.vn", "office365", "company-vn.mail.protection.outlook.com"),
        ("shop.vn", "gmail", "smtp.google.com"),
        ("old.vn", "gmail", "aspmx.l.google.com"),
        # The most preferred MX names no provider; the next one does.
        ("filtered.vn", "office365", "filtered-vn.olc.protection.outlook.com"),
    ],
)
def test_the_mx_names_the_provider(domain: str, provider: str, host: str) -> None:
    with fake_dns(ZONES) as server:
        match = provider_from_mx(domain, server=server, timeout=2.0)
    assert match is not None
    assert (match.provider, match.domain, match.mx_host) == (provider, domain, host)


@pytest.mark.parametrize("domain", ["own.vn", "nosuch.vn", "slow.vn"])
def test_an_mx_of_no_provider_or_no_answer_names_none(domain: str) -> None:
    with fake_dns(ZONES) as server:
        assert provider_from_mx(domain, server=server, timeout=1.0) is None


def test_a_look_alike_host_is_not_the_provider() -> None:
    providers = load_providers()
    assert match_mx(("10 mail.notgoogle.com.",), providers) is None
    assert match_mx(("10 evil-outlook.com.",), providers) is None


def test_a_company_domain_gets_the_preset_of_its_mx_and_says_so() -> None:
    with fake_dns(ZONES) as (host, port):
        settings = resolve_settings(
            _values(sender="Billing@Company.vn", dns_server=f"{host}:{port}")
        )
    assert (settings.provider, settings.provider_mx) == ("office365", "company.vn")
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.tls) == (
        "smtp.office365.com",
        587,
        TlsMode.STARTTLS,
    )
    assert settings.smtp.username == "Billing@Company.vn"
    assert settings.mailbox is not None
    assert settings.mailbox.imap.host == "outlook.office365.com"


def test_a_given_host_or_provider_is_not_second_guessed_by_the_mx() -> None:
    with fake_dns(ZONES) as (host, port):
        dns = f"{host}:{port}"
        given_host = resolve_settings(
            _values(sender="b@company.vn", dns_server=dns, smtp_host="mail.company.vn")
        )
        given_provider = resolve_settings(
            _values(sender="b@company.vn", dns_server=dns, provider="sendgrid")
        )
    assert (given_host.provider, given_host.smtp.host) == (None, "mail.company.vn")
    assert (given_provider.provider, given_provider.provider_mx) == ("sendgrid", None)


def test_an_mx_of_no_provider_still_asks_for_a_host() -> None:
    with (
        fake_dns(ZONES) as (host, port),
        pytest.raises(ConfigError, match=r"cannot tell own\.vn's sending server"),
    ):
        resolve_settings(_values(sender="b@own.vn", dns_server=f"{host}:{port}"))


def test_the_run_says_the_provider_came_from_the_mx() -> None:
    # The preset's host resolves (through the same --dns-server) to 127.0.0.1, where
    # nothing listens on the port given: the run fails, and its headline tells why
    # it went there.
    with fake_dns(ZONES) as (host, port):
        args = ["smtp", "--sender", "billing@company.vn", "--dns-server", f"{host}:{port}"]
        args += ["--smtp-port", str(free_port()), "--timeout", "2"]
        en = run_cli([*args, "--lang", "en"], env={"MAILCHECK_PASSWORD": "pw"})
        vi = run_cli([*args, "--lang", "vi"], env={"MAILCHECK_PASSWORD": "pw"})
    # The first line wraps at the terminal's width: read it unwrapped.
    english, vietnamese = (r.stdout.replace("\n  ", " ") for r in (en, vi))
    assert "provider office365, from the MX of company.vn" in english
    assert "via smtp.office365.com:" in english
    assert "theo bản ghi MX của company.vn" in vietnamese
    assert en.exit_code != 0


@pytest.mark.parametrize(
    ("provider", "host", "port", "tls"),
    [
        ("google-relay", "smtp-relay.gmail.com", 587, TlsMode.STARTTLS),
        ("hve", "smtp.hve.mx.microsoft", 587, TlsMode.STARTTLS),
        ("ses:ap-southeast-1", "email-smtp.ap-southeast-1.amazonaws.com", 587, TlsMode.STARTTLS),
        ("SES:eu-west-1", "email-smtp.eu-west-1.amazonaws.com", 587, TlsMode.STARTTLS),
        ("brevo", "smtp-relay.brevo.com", 587, TlsMode.STARTTLS),
        ("mailgun", "smtp.mailgun.org", 587, TlsMode.STARTTLS),
        ("mailgun-eu", "smtp.eu.mailgun.org", 587, TlsMode.STARTTLS),
    ],
)
def test_relay_presets(provider: str, host: str, port: int, tls: TlsMode) -> None:
    settings = resolve_settings(_values(provider=provider, sender="billing@company.vn"))
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.tls) == (host, port, tls)
    assert settings.smtp.username == "billing@company.vn"


def test_sendgrid_logs_in_as_apikey_unless_told_otherwise() -> None:
    settings = resolve_settings(_values(provider="sendgrid", sender="billing@company.vn"))
    assert (settings.smtp.host, settings.smtp.username) == ("smtp.sendgrid.net", "apikey")
    told = resolve_settings(_values(provider="sendgrid", username="other"))
    assert told.smtp.username == "other"


def test_465_with_a_relay_preset_is_implicit_tls() -> None:
    settings = resolve_settings(_values(provider="brevo", username="u", smtp_port="465"))
    assert (settings.smtp.tls, settings.smtp.port) == (TlsMode.TLS, 465)


@pytest.mark.parametrize(
    ("provider", "words"),
    [
        ("ses", "ses needs its region, e.g. ses:ap-southeast-1"),
        ("ses:moon-base", "'moon-base' is not an AWS region"),
        ("gmail:eu", "gmail takes no parameter"),
        ("sendgrd", "(did you mean sendgrid?)"),
    ],
)
def test_a_preset_parameter_is_checked(provider: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(_values(provider=provider, username="u"))
    assert words in str(caught.value)


def test_every_relay_preset_says_how_to_log_in_in_both_languages() -> None:
    for pid, preset in load_providers().items():
        if preset.get("imap") is False:
            assert preset.get("note_en"), pid
            assert preset.get("note_vi"), pid
            assert preset["smtp_tls"] in ("starttls", "tls"), pid
