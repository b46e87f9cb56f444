"""Options shared by the commands, each with its ``MAILCHECK_*`` environment variable.

Defaults are ``None`` ("not given") so that profile and provider values can
fill the gaps; :func:`mailcheck.config.resolve_settings` applies the real
defaults. There is deliberately no ``--password`` option.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from mailcheck.report import Kind, formats

__all__ = [
    "color_option",
    "complete_profile",
    "detail_options",
    "dns_server_option",
    "format_option",
    "imap_options",
    "lang_option",
    "output_options",
    "roundtrip_options",
    "smtp_options",
]

F = TypeVar("F", bound=Callable[..., Any])


def _apply(func: F, decorators: list[Callable[[F], F]]) -> F:
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _env_option(
    flag: str, help: str, metavar: str | None = None, **kwargs: Any
) -> Callable[[F], F]:
    """A ``--flag`` that falls back to its variable (``--smtp-host``: ``MAILCHECK_SMTP_HOST``).

    The variable's name is made from the flag's, so the two cannot drift apart.
    """
    envvar = "MAILCHECK_" + flag.removeprefix("--").replace("-", "_").upper()
    return click.option(flag, envvar=envvar, metavar=metavar, help=help, **kwargs)


def smtp_options(func: F) -> F:
    """Where the submission server is, who logs in, and where the password comes from."""
    return _apply(func, [*_source_options(), *_server_options(), *_password_options()])


def _source_options() -> list[Callable[[F], F]]:
    """Where the settings that are not flags come from: the profile and the preset."""
    return [
        _env_option(
            "--profile", "Named profile from the config file.", shell_complete=complete_profile
        ),
        _env_option(
            "--config",
            "Config file [config.toml in ~/.config/mailcheck, %LOCALAPPDATA%\\mailcheck on "
            "Windows].",
            "PATH",
        ),
        _env_option("--provider", _provider_help(), shell_complete=_complete_provider),
    ]


def complete_profile(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of ``--profile``: the profiles of the config file (``--config`` if it
    came first on the line); nothing when there is no readable config."""
    from mailcheck.errors import MailcheckError
    from mailcheck.profiles import read_config

    try:
        _, data = read_config(ctx.params.get("config"))
    except MailcheckError:
        return []
    names = (data or {}).get("profiles", {})
    return [click.shell_completion.CompletionItem(n) for n in names if n.startswith(incomplete)]


def _complete_provider(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Shell completion of ``--provider``: the presets of providers.toml."""
    from mailcheck.presets import load_providers

    return [
        click.shell_completion.CompletionItem(pid)
        for pid in load_providers()
        if pid.startswith(incomplete)
    ]


def _provider_help() -> str:
    """Every preset of providers.toml, and how a preset that takes a value is given."""
    from mailcheck.presets import load_providers

    presets = load_providers()
    text = "Preset: " + ", ".join(presets) + "."
    for pid, preset in presets.items():
        if preset.get("parameter"):
            text += f" {pid} takes its {preset['parameter']}: {pid}:{preset['parameter_example']}."
    text += " Default: from the sender's domain, or its MX (Google Workspace, Microsoft 365)."
    return text


def _server_options() -> list[Callable[[F], F]]:
    """The submission server, the login name, and the time limits."""
    return [
        _env_option(
            "--smtp-host",
            "Submission server [the provider's; else mail.DOMAIN or the MX of the sender's "
            "domain, if it answers].",
            "HOST",
        ),
        _env_option(
            "--smtp-port", "Its port [587; 465 for tls; 465 alone means tls, 587 starttls].", "PORT"
        ),
        _env_option(
            "--smtp-tls",
            "starttls (587), tls or ssl = implicit TLS/SSL (465), none.",
            type=click.Choice(["starttls", "tls", "ssl", "none"], case_sensitive=False),
        ),
        _env_option("--username", "Login name [the sender address]."),
        _env_option(
            "--ca-file", "Trust this CA file instead of the system's (a private or lab CA).", "PATH"
        ),
        _env_option("--ehlo-name", "Name sent in EHLO.", "NAME"),
        _env_option(
            "--allow-plaintext",
            "Allow sending the password over an unencrypted connection.",
            is_flag=True,
            default=None,
        ),
        dns_server_option("Resolve names with this DNS server instead of the system resolver."),
        _env_option("--timeout", "Timeout of each network step [10].", "SECONDS"),
        _env_option("--deadline", "Overall time limit of the command [60].", "SECONDS"),
        _env_option(
            "--retry-temporary",
            "After a temporary refusal (421, 451 greylisting, a rate limit), wait the delay the "
            "server asks for [60 s], within --deadline, and try once more.",
            is_flag=True,
            default=None,
        ),
    ]


def _password_options() -> list[Callable[[F], F]]:
    """Where the SMTP password comes from (there is deliberately no ``--password``)."""
    return [
        _env_option(
            "--password-file", "Read the password from the first line of this file.", "PATH"
        ),
        _env_option(
            "--password-command", "Run this command; its first output line is the password.", "CMD"
        ),
        # No environment variable: standard input is given on the command line or not at all.
        click.option(
            "--password-stdin",
            is_flag=True,
            default=False,
            help="Read the password from the first line of standard input.",
        ),
        _env_option(
            "--token-command",
            "Sign in with OAuth2 (XOAUTH2/OAUTHBEARER) instead of a password: run this "
            "command; its first output line is the access token (or set "
            "MAILCHECK_ACCESS_TOKEN).",
            "CMD",
        ),
    ]


def format_option(
    kind: Kind, *, help: str | None = None, envvar: str | None = "MAILCHECK_FORMAT"
) -> Callable[[F], F]:
    """``--format``: the formats of :data:`mailcheck.report.RENDERERS` for this kind of
    report; the first (human) is the default."""
    choices = formats(kind)
    return click.option(
        "--format",
        "fmt",
        envvar=envvar,
        type=click.Choice(list(choices), case_sensitive=False),
        default=choices[0],
        show_default=True,
        help=help,
    )


def dns_server_option(help: str) -> Callable[[F], F]:
    """``--dns-server IP[:PORT]`` (``MAILCHECK_DNS_SERVER``); help: what it falls back to."""
    return click.option(
        "--dns-server", envvar="MAILCHECK_DNS_SERVER", metavar="IP[:PORT]", help=help
    )


def color_option(help: str | None = None) -> Callable[[F], F]:
    """``--color/--no-color``; None (not given) means: colour when stdout is a terminal,
    unless ``NO_COLOR`` is set, or on a pipe too when ``FORCE_COLOR`` is (see
    :func:`mailcheck.terminal.colour_wanted`)."""
    return click.option("--color/--no-color", default=None, help=help)


#: Where ``-q``/``-v`` leave their choice for the printing helpers (cli.commands.output).
DETAIL_KEY = "mailcheck.detail"


def _keep_detail(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        if ctx.meta.get(DETAIL_KEY, param.name) != param.name:
            raise click.UsageError("-q/--quiet and -v/--verbose cannot be given together")
        ctx.meta[DETAIL_KEY] = param.name


def detail_options(func: F) -> F:
    """``-q/--quiet`` (only the result line) and ``-v/--verbose`` (every step, even when all is
    well) for a command that prints a diagnosis report. Not passed to the command: the
    printing helpers read the choice from the click context."""
    return _apply(
        func,
        [
            click.option(
                "-q",
                "--quiet",
                is_flag=True,
                expose_value=False,
                callback=_keep_detail,
                help="Print only the one-line result (the exit code says the rest).",
            ),
            click.option(
                "-v",
                "--verbose",
                is_flag=True,
                expose_value=False,
                callback=_keep_detail,
                help="Also print every step and the timings, even when all is well.",
            ),
        ],
    )


#: ``--lang vi|en``; None (not given) means: from the locale.
lang_option = click.option(
    "--lang",
    envvar="MAILCHECK_LANG",
    type=click.Choice(["vi", "en"], case_sensitive=False),
    help="Language of the report [from the locale].",
)


def output_options(func: F) -> F:
    """How the report looks."""
    return _apply(
        func,
        [
            format_option("diagnoses", help="Report for people or for machines."),
            lang_option,
            click.option(
                "--transcript",
                is_flag=True,
                default=False,
                help="Include the protocol dialogue (passwords redacted).",
            ),
            color_option("Colour the report [when stdout is a terminal]."),
            detail_options,
            click.option(
                "--report",
                "report_file",
                metavar="FILE.md",
                help="Also write a short Markdown evidence report to forward to a mail admin.",
            ),
        ],
    )


def imap_options(func: F) -> F:
    """Where the mailbox is that receives the test message."""
    return _apply(
        func,
        [
            click.option(
                "--imap-host",
                envvar="MAILCHECK_IMAP_HOST",
                metavar="HOST",
                help="IMAP server [preset, else the SMTP host].",
            ),
            click.option(
                "--imap-port",
                envvar="MAILCHECK_IMAP_PORT",
                metavar="PORT",
                help="Its port [993; 143 for starttls].",
            ),
            click.option(
                "--imap-tls",
                envvar="MAILCHECK_IMAP_TLS",
                type=click.Choice(["tls", "ssl", "starttls", "none"], case_sensitive=False),
                help="tls or ssl = implicit TLS (993), starttls (143), none.",
            ),
            click.option(
                "--imap-username",
                envvar="MAILCHECK_IMAP_USERNAME",
                help="IMAP login [the SMTP user name].",
            ),
            click.option(
                "--imap-password-file",
                envvar="MAILCHECK_IMAP_PASSWORD_FILE",
                metavar="PATH",
                help="IMAP password from a file [the SMTP password; or MAILCHECK_IMAP_PASSWORD].",
            ),
            click.option(
                "--imap-password-command",
                envvar="MAILCHECK_IMAP_PASSWORD_COMMAND",
                metavar="CMD",
                help="IMAP password from a command's first output line.",
            ),
        ],
    )


def roundtrip_options(func: F) -> F:
    """The test invoice and how long to wait for it."""
    return _apply(
        func,
        [
            click.option(
                "--wait",
                envvar="MAILCHECK_WAIT",
                metavar="SECONDS",
                help="How long to wait for the test message after sending [30].",
            ),
            click.option(
                "--keep",
                is_flag=True,
                default=False,
                help="Leave the test message in the mailbox (default: delete it, and only it).",
            ),
            click.option(
                "--subject",
                envvar="MAILCHECK_SUBJECT",
                help="Subject template ({number}, {token}).",
            ),
            click.option(
                "--sender-name", envvar="MAILCHECK_SENDER_NAME", help="Display name in From."
            ),
            click.option(
                "--attachment-size",
                envvar="MAILCHECK_ATTACHMENT_SIZE",
                metavar="SIZE",
                help="Make the test invoice about this big (e.g. 5M), like a real invoice.",
            ),
            click.option(
                "--dnsbl",
                multiple=True,
                metavar="ZONE",
                help="Check the sending IP on blocklists: default, all, or a zone (repeatable).",
            ),
            click.option(
                "--probe-mailbox",
                multiple=True,
                metavar="PROFILE",
                help="Also send to this profile's mailbox and watch it (repeatable).",
            ),
        ],
    )
