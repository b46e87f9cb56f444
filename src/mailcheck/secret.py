"""Passwords: where they come from, and how they stay out of every output.

A password never travels on the command line (it would show in ``ps`` and in
shell history). Sources, first match wins: ``--password-stdin``,
``--password-file``, ``--password-command``, the ``MAILCHECK_PASSWORD``
environment variable, the profile's ``password_file`` / ``password_command`` /
``password_env``, and last a hidden prompt when stdin is a terminal.

An OAuth2 access token takes a password's place (issue 13): ``--token-command``,
``MAILCHECK_ACCESS_TOKEN`` or the profile's ``token_command``. It is a
:class:`Secret` of kind ``token``, kept out of every output the same way; a
password source and a token source given at the same level are an error, never
one silently preferred. The profile's ``oauth_provider`` makes the stored refresh grant
(``mailcheck login``) the token source: a :class:`Secret` that is ``deferred``, whose access
token the sign-in step fetches (:meth:`Secret.ready`), so that a refused grant is recorded
on that step (mailcheck.oauth.source).
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from mailcheck.errors import SecretError
from mailcheck.redaction import WITHHELD_SERVER, WITHHELD_TEXT, Redactor

__all__ = [
    "ACCESS_TOKEN_ENV",
    "PASSWORD_ENV",
    "WITHHELD_SERVER",
    "WITHHELD_TEXT",
    "Redactor",
    "Secret",
    "SecretSource",
    "read_secret",
]

PASSWORD_ENV = "MAILCHECK_PASSWORD"  # noqa: S105 - the variable's name, not a password
ACCESS_TOKEN_ENV = "MAILCHECK_ACCESS_TOKEN"  # noqa: S105 - the variable's name
_COMMAND_TIMEOUT = 30.0
"""The password command's limit when the settings give none."""


class Secret:
    """A password (or an OAuth2 access token) that does not print itself."""

    __slots__ = ("_value", "kind", "source")

    deferred = False
    """True when the value is fetched at sign-in (:meth:`ready`), not known yet."""

    def __init__(self, value: str, source: str, kind: str = "password") -> None:
        self._value = value
        self.source = source
        """Where it came from, e.g. ``env MAILCHECK_PASSWORD`` (safe to show)."""
        self.kind = kind
        """``password``, or ``token``: an OAuth2 access token (XOAUTH2/OAUTHBEARER)."""

    @property
    def is_token(self) -> bool:
        return self.kind == "token"

    def reveal(self) -> str:
        """Return the password itself; only the AUTH step calls this."""
        return self._value

    async def ready(self) -> None:
        """Fetch the value if it is fetched at sign-in (a refresh grant); else nothing."""

    def __repr__(self) -> str:
        return f"Secret(<redacted>, source={self.source!r}, kind={self.kind!r})"

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
    timeout: float = _COMMAND_TIMEOUT
    """How long the password command may run (``--timeout``), in seconds."""
    deadline_at: float | None = None
    """``time.monotonic()`` when the command's ``--deadline`` runs out; the password
    command gets no more than what is left of it."""
    token_command: str | None = None
    """``--token-command``: prints an OAuth2 access token (first line)."""
    token_env: str | None = None
    """The variable holding an access token (``MAILCHECK_ACCESS_TOKEN`` for SMTP)."""
    profile_token_command: str | None = None
    oauth_provider: str | None = None
    """The profile's ``oauth_provider``: sign in with the refresh grant stored for it."""
    oauth_grant_file: str | None = None
    """Where that grant is stored (``mailcheck login --profile NAME`` writes it)."""

    def command_limit(self) -> float:
        """Seconds the password command may take now: ``--timeout``, within the deadline."""
        if self.deadline_at is None:
            return self.timeout
        return min(self.timeout, self.deadline_at - time.monotonic())


def _first_line(text: str) -> str:
    # Only the newline that ends the line is dropped: a password may end in spaces.
    return text.split("\n", 1)[0].removesuffix("\r")


def _from_file(path: str) -> str:
    try:
        return _first_line(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SecretError(f"cannot read the password file {path}: {reason}") from None


#: Output kept from the password command (its first line is all that is used).
_OUTPUT_CAP = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started (its own process group)."""
    if sys.platform == "win32":
        # No process groups nor SIGKILL there (issue 16): TerminateProcess on the command.
        with contextlib.suppress(OSError):
            proc.kill()
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1.0)


def _read_until_exit(proc: subprocess.Popen[bytes], limit: float) -> tuple[bytes, bytes]:
    """Collect stdout and stderr until the command exits; TimeoutExpired after ``limit`` s.

    It waits for the process, not for end-of-file: a child the command left behind may
    hold the pipes open for ever.
    """
    stdout, stderr = cast("IO[bytes]", proc.stdout), cast("IO[bytes]", proc.stderr)  # PIPEs
    out, err = bytearray(), bytearray()
    buffers = {stdout.fileno(): out, stderr.fileno(): err}
    end = time.monotonic() + limit
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        selector.register(stderr, selectors.EVENT_READ)
        while True:
            exited = proc.poll() is not None
            remaining = end - time.monotonic()
            if not exited and remaining <= 0:
                raise subprocess.TimeoutExpired(proc.args, limit)
            # Once it has exited, take what is already in the pipes and stop.
            ready = selector.select(0 if exited else min(remaining, 0.05))
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = buffers[key.fd]
                buffer += chunk[: max(0, _OUTPUT_CAP - len(buffer))]
            if exited and not ready:
                return bytes(out), bytes(err)
            if not selector.get_map() and not exited:
                # Both pipes closed: only the exit is left to wait for.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.0, end - time.monotonic()))


def _stderr_line(err: bytes, password: str) -> str:
    """The command's last stderr line, cleaned, for the error message (never the password)."""
    lines = [line.strip() for line in err.decode("utf-8", "replace").splitlines()]
    last = next((line for line in reversed(lines) if line), "")
    last = _CONTROL.sub(" ", last).strip()[:200]
    if not last:
        return ""
    if password and Redactor("", password).contains(last):
        return ": [its message withheld: it contained its output]"
    return f": {last}"


def _from_command(command: str, limit: float, what: str = "password command") -> str:
    import shlex

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"cannot parse the {what}: {exc}") from None
    if not argv:
        raise SecretError(f"the {what} is empty")
    name = argv[0]
    if limit <= 0:
        raise SecretError(f"the {what} {name!r} was not run: no time left (--deadline)")
    try:
        # Its own session and process group, so that a time-out ends all it started.
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise SecretError(f"the {what} {name!r} was not found") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SecretError(f"cannot run the {what} {name!r}: {reason}") from None
    try:
        out, err = _read_until_exit(proc, limit)
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"the {what} {name!r} did not finish within {limit:.3g} s "
            "(--timeout, --deadline) and was stopped"
        ) from None
    finally:
        _kill_group(proc)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    try:
        password = _first_line(out.decode("utf-8"))
    except UnicodeDecodeError:
        password = None
    if proc.returncode != 0:
        how = (
            f"was killed by signal {-proc.returncode}"
            if proc.returncode < 0
            else f"failed with exit code {proc.returncode}"
        )
        raise SecretError(f"the {what} {name!r} {how}{_stderr_line(err, password or '')}")
    if password is None:
        raise SecretError(f"the output of the {what} {name!r} is not UTF-8 text")
    return password


def _explicit(source: SecretSource) -> Secret | None:
    """The secret a flag names (at most one flag, checked by the caller)."""
    if source.stdin:
        return Secret(_first_line(sys.stdin.readline()), "stdin")
    if source.file is not None:
        return Secret(_from_file(source.file), f"file {source.file}")
    if source.command is not None:
        return Secret(_from_command(source.command, source.command_limit()), "password command")
    if source.token_command is not None:
        return _token_from_command(source.token_command, source)
    return None


def _token_from_command(command: str, source: SecretSource) -> Secret:
    value = _from_command(command, source.command_limit(), "token command")
    return Secret(value, "token command", kind="token")


def _from_environment(source: SecretSource) -> Secret | None:
    """A password or a token from the environment; both at once is an error."""
    password: Secret | None = None
    if source.env_var and (value := os.environ.get(source.env_var)) is not None:
        password = Secret(value, f"env {source.env_var}")
    elif source.env_name is not None:
        value = os.environ.get(source.env_name)
        if value is None:
            raise SecretError(f"the profile's password_env {source.env_name} is not set")
        password = Secret(value, f"env {source.env_name}")
    token_env = source.token_env
    token = os.environ.get(token_env) if token_env else None
    if token is None:
        return password
    if password is not None:
        raise SecretError(
            f"both a password ({password.source}) and an access token (env {token_env}) "
            "are given: keep only the one to sign in with"
        )
    return Secret(token, f"env {token_env}", kind="token")


def _from_profile(source: SecretSource) -> Secret | None:
    named = [
        key
        for key, value in (
            ("password_file", source.profile_file),
            ("password_command", source.profile_command),
            ("token_command", source.profile_token_command),
            ("oauth_provider", source.oauth_provider),
        )
        if value is not None
    ]
    token_given = source.profile_token_command is not None or source.oauth_provider is not None
    if token_given and len(named) > 1:
        raise SecretError(
            f"the profile gives both {' and '.join(named)}: keep only the one to sign in with"
        )
    if source.profile_file is not None:
        return Secret(_from_file(source.profile_file), f"file {source.profile_file}")
    if source.profile_command is not None:
        return Secret(
            _from_command(source.profile_command, source.command_limit()), "password command"
        )
    if source.profile_token_command is not None:
        return _token_from_command(source.profile_token_command, source)
    if source.oauth_provider is not None:
        from mailcheck.oauth.source import grant_secret

        return grant_secret(source.oauth_provider, source.oauth_grant_file, source.timeout)
    return None


def read_secret(source: SecretSource, *, prompt_label: str) -> Secret:
    """Find the password (or access token); raise :class:`SecretError` if there is none."""
    named = [
        flag
        for flag, given in (
            ("--password-stdin", source.stdin),
            ("--password-file", source.file is not None),
            ("--password-command", source.command is not None),
            ("--token-command", source.token_command is not None),
        )
        if given
    ]
    if len(named) > 1:
        kind = "password or token" if source.token_command is not None else "password"
        raise SecretError(f"give only one {kind} source, not {' and '.join(named)}")
    secret = _explicit(source) or _from_environment(source) or _from_profile(source)
    if secret is None and source.prompt and sys.stdin.isatty():
        secret = Secret(_ask(prompt_label), "prompt")
    if secret is None:
        raise SecretError(
            "no password: set MAILCHECK_PASSWORD, or use --password-file, "
            "--password-command or --password-stdin (an OAuth2 access token: "
            "--token-command or MAILCHECK_ACCESS_TOKEN)"
        )
    if secret.deferred:
        return secret  # its access token is fetched, and checked, at sign-in
    what = "access token" if secret.is_token else "password"
    if not secret.reveal():
        raise SecretError(f"the {what} from {secret.source} is empty")
    try:
        secret.reveal().encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (an environment variable, say) cannot be sent; and the
        # encoder's own message would quote them, so it is not shown.
        raise SecretError(f"the {what} from {secret.source} is not valid UTF-8 text") from None
    if secret.is_token and any(c in secret.reveal() for c in "\x00\x01\r\n"):
        raise SecretError(f"the access token from {secret.source} holds control characters")
    return secret


def _ask(label: str) -> str:
    """Ask for the password on the terminal, without echo; ``""`` when nothing is typed.

    Written without click, so that reading a password needs no CLI library: the prompt
    goes where click's did (the terminal, else standard error), and Ctrl-C or end of
    input ends the command as click's ``Abort`` did, with ``mailcheck: error: aborted``.
    """
    import getpass

    try:
        # getpass falls back to standard output when there is no terminal to write to;
        # a report on standard output must not start with a prompt.
        with contextlib.redirect_stdout(sys.stderr):
            return getpass.getpass(f"{label}: ")
    except (KeyboardInterrupt, EOFError):
        # getpass leaves the cursor on the prompt's line when the input is cut short.
        sys.stderr.write("\n")
        sys.stderr.flush()
        raise SecretError("aborted") from None
