"""The command line: a click group whose commands load only when used.

Exit codes follow the monitoring-plugin convention for every command:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Bad usage and bad configuration are
UNKNOWN (3), not click's default 2, which would read as CRITICAL to Nagios.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from mailcheck import __version__

__all__ = ["cli", "main", "say", "speak"]

EXIT_UNKNOWN = 3

_COMMANDS = {
    "bounce": ("mailcheck.cli.commands.bounce", "Explain a bounce you received (.eml, mbox or -)."),
    "causes": (
        "mailcheck.cli.commands.causes",
        "List the causes mailcheck can find, with their fixes.",
    ),
    "check": (
        "mailcheck.cli.commands.check",
        "Health check of configured profiles for cron, CI and monitoring.",
    ),
    "diagnose": (
        "mailcheck.cli.commands.diagnose",
        "The full walk: why did the invoice not reach the customer?",
    ),
    "dns": (
        "mailcheck.cli.commands.dns",
        "Check domains in the DNS: MX, typos, SPF, DKIM, DMARC, blocklists.",
    ),
    "headers": (
        "mailcheck.cli.commands.headers",
        "Read a forwarded message's headers: route, auth, spam.",
    ),
    "history": (
        "mailcheck.cli.commands.history",
        "Past check runs per profile: failures, causes, delivery time and its trend.",
    ),
    "login": ("mailcheck.cli.commands.login", "Sign in with OAuth2 once; keep the refresh token."),
    "preflight": (
        "mailcheck.cli.commands.preflight",
        "Check a whole customer address list (CSV) before invoices go out.",
    ),
    "preflight-merge": (
        "mailcheck.cli.commands.preflight_merge",
        "Join the outputs of a sharded preflight (--shard I/N) into one report.",
    ),
    "roundtrip": (
        "mailcheck.cli.commands.roundtrip",
        "Send a test invoice to your own mailbox; report inbox, spam or lost.",
    ),
    "send": ("mailcheck.cli.commands.send", "Send the test invoice to one address you give."),
    "serve": ("mailcheck.cli.commands.serve", "Prometheus exporter; each scrape checks a profile."),
    "smtp": ("mailcheck.cli.commands.smtp", "Check SMTP credentials and TLS; sends nothing."),
    "watch": (
        "mailcheck.cli.commands.watch",
        "Wait for an invoice the accounting software sends; report where it landed.",
    ),
}


class _LazyGroup(click.Group):
    """Import a command's module only when that command runs (fast start-up)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return None
        command = importlib.import_module(entry[0]).command
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry[0]}.command is not a click command")
        from mailcheck.cli.language import translate_command

        return translate_command(command, cmd_name, _language)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table, so `mailcheck --help` imports no command module.
        from mailcheck.report.i18n import CLI_COMMANDS_VI, CLICK_VI

        rows = [(name, help_) for name, (_, help_) in sorted(_COMMANDS.items())]
        heading = "Commands"
        if _language == "vi":
            rows = [(name, CLI_COMMANDS_VI.get(name, (help_,))[0]) for name, help_ in rows]
            heading = CLICK_VI[heading]
        with formatter.section(heading):
            formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = _run(self, args, prog_name, complete_var, extra)
        if standalone_mode:
            sys.exit(code)
        return code


#: The language of this run's own words (help, error lines), known before parsing: see
#: :func:`mailcheck.cli.language.language_before_parsing`.
_language = "en"


def say(kind: str, message: str) -> None:
    """One ``mailcheck: error: ...`` (or ``warning``) line on stderr: the only place they are made.

    In the run's language (``mailcheck: lỗi: ...`` under --lang vi). Messages may quote a
    file name or a server's words: no escape sequence reaches the terminal.
    """
    from mailcheck.cli.language import translate_error
    from mailcheck.report.i18n import CLI_MESSAGES
    from mailcheck.terminal import printable

    word = CLI_MESSAGES[_language].get(kind, kind)
    click.echo(f"mailcheck: {word}: {printable(translate_error(message, _language))}", err=True)


def _fail(message: str) -> int:
    say("error", message)
    return EXIT_UNKNOWN


def speak(lang: str) -> None:
    """The run's own words in ``lang`` from now on: a language only the settings knew (a
    profile's ``lang``), after the command line was parsed."""
    from mailcheck.cli.language import click_speaks

    global _language
    _language = lang
    click_speaks(lang)


def _words() -> dict[str, str]:
    from mailcheck.report.i18n import CLI_MESSAGES

    return CLI_MESSAGES[_language]


def _usage_error(exc: click.UsageError) -> int:
    """click's usage error as one of our own lines (the same prefix as every other error),
    then where the help is; click's words are already in the run's language. A bare
    ``mailcheck`` is no mistake: it gets the help (and exit 3, as before)."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        exc.show()
        return EXIT_UNKNOWN
    say("error", exc.format_message())
    if exc.ctx is not None:
        click.echo(_words()["try_help"].format(command=exc.ctx.command_path), err=True)
    return EXIT_UNKNOWN


def _run(
    group: click.Group,
    args: Sequence[str] | None,
    prog_name: str | None,
    complete_var: str | None,
    extra: dict[str, Any],
) -> int:
    from mailcheck.cli.language import click_speaks, language_before_parsing, translate_group
    from mailcheck.errors import MailcheckError
    from mailcheck.interrupt import Interrupted, install_process_handlers

    global _language
    _language = language_before_parsing(list(sys.argv[1:] if args is None else args))
    click_speaks(_language)
    restore = install_process_handlers()
    try:
        rv = click.Group.main(
            translate_group(group, _language),
            args=args,
            prog_name=prog_name or "mailcheck",
            complete_var=complete_var,
            standalone_mode=False,
            **extra,
        )
    except click.UsageError as exc:
        return _usage_error(exc)
    except click.ClickException as exc:
        return _fail(exc.format_message())
    except click.Abort:
        return _fail(_words()["aborted"])
    except MailcheckError as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        # The reader went away (`mailcheck ... | head`): nothing left to say to it.
        sys.stderr.close()
        return EXIT_UNKNOWN
    except KeyboardInterrupt:
        return _fail(_words()["sigint"])
    except Interrupted as exc:
        return _fail(_words()["signal"].format(name=exc.name))
    except Exception as exc:
        if os.environ.get("MAILCHECK_DEBUG"):
            raise
        return _fail(_words()["internal"].format(error=f"{type(exc).__name__}: {exc}"))
    finally:
        restore()
    return rv if isinstance(rv, int) else 0


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="mailcheck")
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"], case_sensitive=False),
    help="Language of mailcheck's words and reports, for every command [from the locale].",
)
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    """Find out why an e-mailed invoice did not reach the customer.

    Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also bad usage).
    """
    if lang is not None:
        # `mailcheck --lang vi causes`: the command's own --lang (or MAILCHECK_LANG) still wins.
        ctx.default_map = {name: {"lang": lang.lower()} for name in _COMMANDS}


def main() -> None:
    """Console-script entry point (and ``python -m mailcheck``)."""
    try:
        cli.main()
    finally:
        # The work is done and written; the process ends now. Without this the
        # interpreter's exit walks every object the libraries made (20-100 ms here).
        import gc

        gc.freeze()
