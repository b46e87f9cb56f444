"""The command line's own words in the user's language: help, click's words, error lines.

The language must be known before click parses anything (``--help`` and a usage error
happen during parsing), so it is read from the command line as typed (``--lang vi``
anywhere before ``--``), else ``MAILCHECK_LANG``, else the locale. The English stays in
the code (docstrings, ``help=``, exception texts) as the source; the Vietnamese is in
:mod:`mailcheck.report.i18n`, looked up by command, by option, or by the English text.
"""

from __future__ import annotations

import copy
import functools
import gettext
import os
from collections.abc import Sequence

import click

from mailcheck.report import i18n

__all__ = [
    "click_speaks",
    "language_before_parsing",
    "translate_command",
    "translate_error",
    "translate_group",
]

#: click's modules that call gettext for their words (``from gettext import gettext as _``).
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui")


def language_before_parsing(args: Sequence[str]) -> str:
    """``vi`` or ``en``: ``--lang X`` as typed, else ``MAILCHECK_LANG``, else the locale."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value is not None and value.lower() in i18n.LANGS:
            return value.lower()
    env = os.environ.get("MAILCHECK_LANG", "").lower()
    if env in i18n.LANGS:
        return env
    from mailcheck.config import default_lang

    return default_lang()


def _vi_gettext(message: str) -> str:
    return i18n.CLICK_VI.get(message, message)


def _vi_ngettext(singular: str, plural: str, n: int) -> str:
    return _vi_gettext(singular if n == 1 else plural)


def click_speaks(lang: str) -> None:
    """Make click's own words (``Usage:``, ``Options``, ``No such option``) ``lang``'s.

    click asks gettext for each of them as it formats; this answers for it, the way an
    installed message catalogue would, and gives the English back for ``en``.
    """
    import importlib

    vi = lang == "vi"
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _vi_gettext if vi else gettext.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _vi_ngettext if vi else gettext.ngettext  # type: ignore[attr-defined]


def _flag(param: click.Parameter) -> str:
    """The long flag a parameter is known by (``--smtp-host``; ``--color`` for the pair)."""
    longs = [o for o in param.opts if o.startswith("--")]
    return longs[0] if longs else param.opts[0]


def _option_help(command: str, param: click.Parameter) -> str | None:
    flag = _flag(param)
    if flag == "--provider" and command != "login":
        return _provider_help_vi()
    return i18n.CLI_OPTIONS_VI.get(f"{command} {flag}") or i18n.CLI_OPTIONS_VI.get(flag)


def _show_version_vi(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from mailcheck import __version__

    message = i18n.CLICK_VI["%(prog)s, version %(version)s"]
    click.echo(message % {"prog": "mailcheck", "version": __version__})
    ctx.exit()


@functools.cache
def _provider_help_vi() -> str:
    from mailcheck.presets import load_providers

    presets = load_providers()
    parameters = "".join(
        i18n.CLI_PROVIDER_PARAMETER_VI.format(
            pid=pid,
            parameter=i18n.CLI_PROVIDER_PARAMETERS_VI.get(preset["parameter"], preset["parameter"]),
            example=preset["parameter_example"],
        )
        for pid, preset in presets.items()
        if preset.get("parameter")
    )
    return i18n.CLI_PROVIDER_VI.format(presets=", ".join(presets), parameters=parameters)


def _translated_params(command: str, params: list[click.Parameter]) -> list[click.Parameter]:
    out = []
    for param in params:
        param = copy.copy(param)
        if isinstance(param, click.Option) and param.help:
            param.help = _option_help(command, param) or param.help
        out.append(param)
    return out


def translate_command(command: click.Command, name: str, lang: str) -> click.Command:
    """``command`` itself for English; for Vietnamese a copy that says it all in Vietnamese.

    A copy, so that the command module's object stays English for the next caller in the
    same process (tests, the exporter).
    """
    if lang != "vi":
        return command
    vi = copy.copy(command)
    vi.params = _translated_params(name, command.params)
    short, full = i18n.CLI_COMMANDS_VI.get(name, (command.short_help, command.help))
    vi.short_help = short
    vi.help = full
    # Made again on first use, with click's words in Vietnamese.
    vi._help_option = None
    return vi


def translate_group(group: click.Group, lang: str) -> click.Group:
    """The ``mailcheck`` group itself, or its Vietnamese copy (its help and options)."""
    if lang != "vi":
        return group
    vi = copy.copy(group)
    vi.params = _translated_params("", group.params)
    for param in vi.params:
        if "--version" in param.opts:
            # click wrote its "%(prog)s, version %(version)s" when the option was made.
            param.callback = _show_version_vi
    vi.help = i18n.CLI_GROUP_VI
    vi._help_option = None
    return vi


def translate_error(text: str, lang: str) -> str:
    """One of mailcheck's error texts in ``lang`` (:func:`mailcheck.report.i18n.error_text`)."""
    return i18n.error_text(text, lang)
