"""The command line's side of a run: read the password (perhaps at a prompt), print the report.

The diagnoses themselves (:mod:`mailcheck.scenarios`, :mod:`mailcheck.api`) print
nothing and ask nothing; the commands use these two helpers around them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from mailcheck.config import resolve_settings
from mailcheck.secret import read_secret

if TYPE_CHECKING:
    from mailcheck.diagnosis import Diagnosis
    from mailcheck.secret import Secret
    from mailcheck.settings import Settings

__all__ = ["StreamPrinter", "emit", "emit_all", "prepare", "show"]


def prepare(
    values: Mapping[str, Any],
    *,
    need_sender: bool = False,
    need_recipient: bool = False,
    need_smtp: bool = True,
) -> tuple[Settings, Secret]:
    """Settings and password, or a :class:`~mailcheck.errors.MailcheckError` (exit 3)."""
    settings = resolve_settings(
        values, need_sender=need_sender, need_recipient=need_recipient, need_smtp=need_smtp
    )
    from mailcheck.cli import speak
    from mailcheck.report.i18n import SECRET_WORDS

    # A profile's `lang = "vi"` is known only now: the errors from here on speak it too.
    speak(settings.lang)

    prompt = SECRET_WORDS[settings.lang]["prompt"].format(user=settings.smtp.username)
    secret = read_secret(settings.secret_source, prompt_label=prompt)
    return settings, secret


def emit(
    diagnosis: Diagnosis,
    *,
    fmt: str,
    lang: str,
    transcript: bool,
    color: bool | None,
    report_file: str | None = None,
) -> int:
    """Print the report to stdout (and the Markdown report to ``report_file``); the exit code."""
    return emit_all(
        [diagnosis],
        fmt=fmt,
        lang=lang,
        transcript=transcript,
        color=color,
        report_file=report_file,
    )


def emit_all(
    diagnoses: Sequence[Diagnosis],
    *,
    fmt: str,
    lang: str,
    transcript: bool = False,
    color: bool | None = None,
    report_file: str | None = None,
) -> int:
    """Print the diagnoses in ``fmt`` (several JSON ones as one array); the worst exit code.

    With ``report_file``, the Markdown report is written there as well.
    """
    from mailcheck.report import Format, render_diagnoses

    if report_file:
        from pathlib import Path

        from mailcheck.atomicfile import write_atomically

        text = render_diagnoses(diagnoses, Format.MARKDOWN, lang=lang)
        write_atomically(Path(report_file), text, what="Markdown report")
    show(render_diagnoses, diagnoses, fmt=fmt, lang=lang, transcript=transcript, color=color)
    if not diagnoses:
        return 3
    return max(diagnoses, key=lambda d: d.severity.rank).exit_code


def _detail() -> str:
    """``quiet``/``verbose`` when the command was given ``-q``/``-v``; else ``normal``."""
    from mailcheck.cli.options import DETAIL_KEY

    ctx = click.get_current_context(silent=True)
    return str(ctx.meta.get(DETAIL_KEY, "normal")) if ctx is not None else "normal"


class StreamPrinter:
    """Print diagnoses as they come, in the same bytes :func:`emit_all` prints for all of them.

    Human reports are printed one by one. JSON is one object for a single diagnosis and one
    array for several, so the first is held until the second shows which; after that each is
    printed as an element of the array. Other formats are printed whole at the end.
    """

    def __init__(self, *, fmt: str, lang: str, color: bool | None = None) -> None:
        self.fmt, self.lang, self.color = fmt, lang, color
        self.count = 0
        self.exit_code: int | None = None
        self._rank = -1
        self._held: list[Diagnosis] = []

    def add(self, diagnosis: Diagnosis) -> None:
        """Print (or hold) one more diagnosis."""
        from mailcheck.report import Format, render_diagnoses

        self.count += 1
        severity = diagnosis.severity  # decided from the findings on each call: once here
        if severity.rank > self._rank:
            self._rank, self.exit_code = severity.rank, severity.exit_code
        if self.fmt == Format.HUMAN:
            show(render_diagnoses, [diagnosis], fmt=self.fmt, lang=self.lang, color=self.color)
        elif self.fmt == Format.JSON:
            self._held.append(diagnosis)
            if self.count >= 2:
                text = ",\n".join(self._element(d) for d in self._held)
                click.echo(("[\n" if self.count == 2 else ",\n") + text, nl=False)
                self._held.clear()
        else:
            self._held.append(diagnosis)

    def close(self) -> int:
        """Print what is still held; the worst exit code (3 when there was nothing)."""
        from mailcheck.report import Format, render_diagnoses

        if self.fmt == Format.JSON and self.count >= 2:
            click.echo("\n]\n", nl=False)
        elif self.fmt != Format.HUMAN or self.count == 0:
            show(render_diagnoses, self._held, fmt=self.fmt, lang=self.lang, color=self.color)
        self._held.clear()
        return 3 if self.exit_code is None else self.exit_code

    @staticmethod
    def _element(diagnosis: Diagnosis) -> str:
        """One diagnosis as an element of an indented JSON array (what json.dumps writes)."""
        from mailcheck.report.json import dump_json, report_dict

        return "  " + dump_json(report_dict(diagnosis), newline="\n  ")


def show(
    render: Callable[..., str], subject: Any, *, fmt: str, color: bool | None, **style: Any
) -> None:
    """Print ``render(subject, fmt, ...)``: in colour when ``--color`` says so or, for the
    human format, when stdout is a terminal (``NO_COLOR``, ``FORCE_COLOR``: see
    :func:`mailcheck.terminal.colour_wanted`); a diagnosis report as detailed as ``-q``/``-v``
    asked."""
    from mailcheck.report import Format, render_diagnoses
    from mailcheck.terminal import colour_wanted

    if fmt == Format.HUMAN:
        use_colour = colour_wanted(color, sys.stdout)
        if render is render_diagnoses:
            style.setdefault("detail", _detail())
        click.echo(render(subject, fmt, colour=use_colour, **style), nl=False, color=use_colour)
    else:
        click.echo(render(subject, fmt, **style), nl=False)
