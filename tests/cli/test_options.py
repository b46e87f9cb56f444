"""The shared options: each reads its MAILCHECK_* variable, and hand-kept lists match the data."""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli.options import smtp_options
from mailcheck.config import load_providers


@smtp_options
@click.command()
def _command(**values: Any) -> None:
    """A command with the SMTP options only."""


def _option(name: str) -> click.Option:
    [option] = [p for p in _command.params if isinstance(p, click.Option) and p.name == name]
    return option


def test_the_provider_help_names_every_preset_of_providers_toml() -> None:
    help_text = _option("provider").help or ""
    listed = help_text.removeprefix("Preset: ").partition(". ")[0].split(", ")
    assert listed == list(load_providers())
    assert "ses:ap-southeast-1" in help_text


def test_each_value_option_reads_the_variable_named_after_it() -> None:
    for option in _command.params:
        assert isinstance(option, click.Option)
        if option.name == "password_stdin":
            # Standard input is chosen on the command line or not at all.
            assert option.envvar is None
        else:
            assert option.envvar == "MAILCHECK_" + option.opts[0][2:].replace("-", "_").upper()


def test_ssl_is_accepted_as_tls_on_the_command_line() -> None:
    from click.testing import CliRunner

    from mailcheck.config import resolve_settings
    from mailcheck.settings import TlsMode

    seen: dict[str, Any] = {}

    @smtp_options
    @click.command()
    def record(**values: Any) -> None:
        seen.update(values)

    args = ["--smtp-host", "mail.example.com", "--username", "u", "--smtp-tls", "SSL"]
    result = CliRunner().invoke(record, args, env={})
    assert result.exit_code == 0, result.output
    settings = resolve_settings(seen)
    assert (settings.smtp.tls, settings.smtp.port) == (TlsMode.TLS, 465)
