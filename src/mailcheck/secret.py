"""Passwords: where they come from, and how they stay out of every output.

A password never travels on the command line (it would show in ``ps`` and in
shell history). Sources, first match wins: ``--password-stdin``,
``--password-file``, ``--password-command``, the ``MAILCHECK_PASSWORD``
environment variable, the profile's ``password_file`` / ``password_command`` /
``password_env``, and last a hidden prompt when stdin is a terminal.
"""

from __future__ import annotations

import base64
import contextlib
import json
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

__all__ = [
    "PASSWORD_ENV",
    "WITHHELD_SERVER",
    "WITHHELD_TEXT",
    "Redactor",
    "Secret",
    "SecretSource",
    "read_secret",
]

PASSWORD_ENV = "MAILCHECK_PASSWORD"  # noqa: S105 - the variable's name, not a password
_COMMAND_TIMEOUT = 30.0
"""The password command's limit when the settings give none."""


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
    timeout: float = _COMMAND_TIMEOUT
    """How long the password command may run (``--timeout``), in seconds."""
    deadline_at: float | None = None
    """``time.monotonic()`` when the command's ``--deadline`` runs out; the password
    command gets no more than what is left of it."""

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


def _from_command(command: str, limit: float) -> str:
    import shlex

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"cannot parse the password command: {exc}") from None
    if not argv:
        raise SecretError("the password command is empty")
    name = argv[0]
    if limit <= 0:
        raise SecretError(f"the password command {name!r} was not run: no time left (--deadline)")
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
        raise SecretError(f"the password command {name!r} was not found") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SecretError(f"cannot run the password command {name!r}: {reason}") from None
    try:
        out, err = _read_until_exit(proc, limit)
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"the password command {name!r} did not finish within {limit:.3g} s "
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
        raise SecretError(f"the password command {name!r} {how}{_stderr_line(err, password or '')}")
    if password is None:
        raise SecretError(f"the output of the password command {name!r} is not UTF-8 text")
    return password


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
        secret = Secret(_from_command(source.command, source.command_limit()), "password command")
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
        secret = Secret(
            _from_command(source.profile_command, source.command_limit()), "password command"
        )
    elif source.prompt and sys.stdin.isatty():
        secret = Secret(_ask(prompt_label), "prompt")
    if secret is None:
        raise SecretError(
            "no password: set MAILCHECK_PASSWORD, or use --password-file, "
            "--password-command or --password-stdin"
        )
    if not secret.reveal():
        raise SecretError(f"the password from {secret.source} is empty")
    try:
        secret.reveal().encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (an environment variable, say) cannot be sent; and the
        # encoder's own message would quote them, so it is not shown.
        raise SecretError(f"the password from {secret.source} is not valid UTF-8 text") from None
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


# ---------------------------------------------------------------- redaction

#: What replaces a text that contained the password. The whole text goes, so neither the
#: password's length nor its position can be read off what is left.
WITHHELD_SERVER = "[server text withheld: it contained the password]"
WITHHELD_TEXT = "[text withheld: it contained the password]"
#: Shortest base64 fragment searched for. A password of 1-3 bytes has at most 3 stable
#: inner characters in a larger base64 string: such fragments are found in most base64
#: text by chance and tell nothing, so they are not searched (the whole SASL strings are).
_MIN_BASE64 = 4
_B64_URL = str.maketrans("+/", "-_")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "0": "\0"}


def _unescape(text: str) -> str:
    """Undo backslash escapes (IMAP quoted strings, JSON, C-like): ``\\"`` ``\\\\`` ``\\u00e4``."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    decoded = _ESCAPE.sub(one, text)
    # A non-BMP character comes as a JSON surrogate pair: join it.
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


#: What starts a continuation line of a reply: ``535-``, ``5.7.8``, ``*``, indentation.
_LINE_PREFIX = re.compile(r"^[ \t*]*(?:\d{3}[ -]?)?[ \t]*(?:\d\.\d{1,3}\.\d{1,3}[ \t]?)?")


def _join_lines(text: str) -> str:
    """A multi-line reply as one string, each line's codes dropped: a password split
    across lines reads whole again."""
    lines = text.replace("\r", "").split("\n")
    return lines[0] + "".join(_LINE_PREFIX.sub("", line, count=1) for line in lines[1:])


def _joins(text: str) -> set[str]:
    return {text, text.replace("\r", "").replace("\n", ""), _join_lines(text)}


def _views(text: str) -> set[str]:
    """The text as written, and as it reads once its wire encodings are undone.

    Lines are joined both before escapes are undone (a split that cuts an escape in two)
    and after (an exception's repr writes a reply's line break as ``\\n``); then
    percent-encoding is undone.
    """
    from urllib.parse import unquote, unquote_plus

    views = _joins(text)
    views |= {_unescape(view) for view in views}
    views = {joined for view in views for joined in _joins(view)}
    return views | {
        undo(view, errors="surrogateescape") for view in views for undo in (unquote, unquote_plus)
    }


def _stable_base64(raw: bytes) -> list[str]:
    """Base64 characters of ``raw`` that do not depend on its neighbours, in each alignment.

    Inside a larger base64 string ``raw`` may start at byte 0, 1 or 2 of a 3-byte group;
    a character whose six bits come only from ``raw`` is the same whatever surrounds it.
    """
    fragments = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        end_bit = 8 * (offset + len(raw))
        first = -(-8 * offset // 6)  # the first character wholly after the offset bytes
        last = end_bit // 6  # characters before this one end inside raw
        fragments.append(encoded[first:last])
    return fragments


def _mojibake(password: str) -> set[str]:
    """The password as a server in another charset may echo it, and as it then decodes."""
    forms = set()
    for charset in ("latin-1", "cp1252"):
        # A character the charset lacks becomes "?" on the way out.
        raw = password.encode(charset, "replace")
        forms.add(raw.decode("utf-8", "surrogateescape"))
        forms.add(raw.decode("utf-8", "replace"))
        forms.add(password.encode("utf-8", "surrogatepass").decode(charset, "replace"))
    return forms


class Redactor:
    """Every wire form of one password, and the test whether a text holds one.

    Clear forms (as typed, IMAP-quoted, JSON-escaped, percent-encoded, mis-decoded
    charsets) are searched after undoing the text's own escapes and joining its lines,
    whatever the password's length: a password of one to three characters makes more
    server texts withheld, which is the price of never showing it; ordinary text is kept
    because only text recorded after the password was used is searched at all.
    Base64 forms (the password alone, the SASL PLAIN strings, each in all three
    alignments inside a larger base64 string) are searched when at least
    :data:`_MIN_BASE64` characters long.
    """

    __slots__ = ("_base64", "_clear")

    def __init__(self, username: str, password: str) -> None:
        quoted = password.replace("\\", "\\\\").replace('"', '\\"')
        clear = {password, quoted, *_mojibake(password)}
        for ascii_only in (True, False):
            escaped = json.dumps(password, ensure_ascii=ascii_only)[1:-1]
            clear.update({escaped, escaped.replace("/", "\\/")})
        self._clear = frozenset(form for form in clear if form)
        encoded: set[str] = set()
        for text in (password, f"\0{username}\0{password}", f"{username}\0{username}\0{password}"):
            raw = text.encode("utf-8", "surrogatepass")
            whole = base64.b64encode(raw).decode("ascii")
            encoded.update({whole, whole.rstrip("=")})
            encoded.update(_stable_base64(raw))
        encoded |= {form.translate(_B64_URL) for form in encoded}
        self._base64 = frozenset(form for form in encoded if len(form) >= _MIN_BASE64)

    def contains(self, text: str) -> bool:
        """Whether ``text`` holds the password in any form mailcheck knows."""
        if not text:
            return False
        forms = self._clear | self._base64
        return any(form in view for view in _views(text) for form in forms)

    def withhold(self, text: str, notice: str = WITHHELD_TEXT) -> str:
        """``text`` itself, or ``notice`` when it holds the password."""
        return notice if self.contains(text) else text

    def withhold_lines(self, text: str, notice: str = WITHHELD_TEXT) -> str:
        """Withhold each line that holds the password (a traceback keeps the rest)."""
        lines = [self.withhold(line, notice) for line in text.split("\n")]
        result = "\n".join(lines)
        # A password split across lines is in no single line: then nothing is kept.
        return notice if self.contains(result) else result
