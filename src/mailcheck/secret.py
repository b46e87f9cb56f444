"""Passwords: where they come from, and how they stay out of every output.

A password never travels on the command line (it would show in ``ps`` and in
shell history). Sources, first match wins: ``--password-stdin``,
``--password-file``, ``--password-command``, the ``MAILCHECK_PASSWORD``
environment variable, the profile's ``password_file`` / ``password_command`` /
``password_env``, and last a hidden prompt when stdin is a terminal.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from mailcheck.errors import SecretError

__all__ = ["PASSWORD_ENV", "Secret", "SecretSource", "read_secret"]

PASSWORD_ENV = "MAILCHECK_PASSWORD"  # noqa: S105 - the variable's name, not a password
_COMMAND_TIMEOUT = 30.0


class Secret:
    """A password that does not print itself."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source
        """Where it came from, e.g. ``env MAILCHECK_PASSWORD`` (safe to show)."""

    def reveal(self) -> str:
        """Return the password itself; only the AUTH step calls this."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret(<redacted>, source={self.source!r})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretSource:
    """The password sources the user named, in flags and profile."""

    stdin: bool = False
    file: str | None = None
    command: str | None = None
    env_var: str | None = PASSWORD_ENV
    """The environment variable mailcheck reads (None: none, e.g. for a probe mailbox)."""
    env_name: str | None = None
    """A profile's ``password_env``: the name of another variable to read."""
    profile_file: str | None = None
    profile_command: str | None = None
    prompt: bool = True
    """Ask on the terminal when no source gave a password (never in ``mailcheck check``)."""


def _first_line(text: str) -> str:
    # Only the newline that ends the line is dropped: a password may end in spaces.
    return text.split("\n", 1)[0].removesuffix("\r")


def _from_file(path: str) -> str:
    try:
        return _first_line(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SecretError(f"cannot read the password file {path}: {reason}") from None


def _from_command(command: str) -> str:
    import shlex
    import subprocess

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"cannot parse the password command: {exc}") from None
    if not argv:
        raise SecretError("the password command is empty")
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=_COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise SecretError(f"the password command {argv[0]!r} was not found") from None
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"the password command {argv[0]!r} did not finish within {_COMMAND_TIMEOUT:.0f} s"
        ) from None
    except OSError as exc:
        raise SecretError(f"cannot run the password command {argv[0]!r}: {exc}") from None
    if done.returncode != 0:
        # Its stderr is not shown: a helper may echo what it was given.
        raise SecretError(
            f"the password command {argv[0]!r} failed with exit code {done.returncode}"
        )
    return _first_line(done.stdout)


def read_secret(source: SecretSource, *, prompt_label: str) -> Secret:
    """Find the password; raise :class:`SecretError` if there is none."""
    named = [
        flag
        for flag, given in (
            ("--password-stdin", source.stdin),
            ("--password-file", source.file is not None),
            ("--password-command", source.command is not None),
        )
        if given
    ]
    if len(named) > 1:
        raise SecretError(f"give only one password source, not {' and '.join(named)}")
    secret: Secret | None = None
    if source.stdin:
        secret = Secret(_first_line(sys.stdin.readline()), "stdin")
    elif source.file is not None:
        secret = Secret(_from_file(source.file), f"file {source.file}")
    elif source.command is not None:
        secret = Secret(_from_command(source.command), "password command")
    elif source.env_var and (value := os.environ.get(source.env_var)) is not None:
        secret = Secret(value, f"env {source.env_var}")
    elif source.env_name is not None:
        value = os.environ.get(source.env_name)
        if value is None:
            raise SecretError(f"the profile's password_env {source.env_name} is not set")
        secret = Secret(value, f"env {source.env_name}")
    elif source.profile_file is not None:
        secret = Secret(_from_file(source.profile_file), f"file {source.profile_file}")
    elif source.profile_command is not None:
        secret = Secret(_from_command(source.profile_command), "password command")
    elif source.prompt and sys.stdin.isatty():
        import click  # only here: the prompt is the one interactive path

        value = click.prompt(
            prompt_label, hide_input=True, err=True, default="", show_default=False
        )
        secret = Secret(value, "prompt")
    if secret is None:
        raise SecretError(
            "no password: set MAILCHECK_PASSWORD, or use --password-file, "
            "--password-command or --password-stdin"
        )
    if not secret.reveal():
        raise SecretError(f"the password from {secret.source} is empty")
    return secret
