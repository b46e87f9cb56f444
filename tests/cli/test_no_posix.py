"""Windows and macOS (issue 16): no command needs a POSIX-only module to start.

Windows has no ``fcntl``, ``termios``, ``pwd``, ``grp``, ``resource``, ``tty`` or ``pty``
(the history lock used ``fcntl``, so ``check`` and ``history`` died there with "internal
error"). Each test runs Python with those modules made unavailable (``sys.modules[name] =
None`` makes their import fail, as on Windows) before mailcheck is imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from mailcheck.cli import cli

#: Modules that exist only on POSIX systems (``posix`` itself is ``os``'s own, imported
#: before any code runs; ``_posixsubprocess`` is what ``subprocess`` picks on POSIX, as it
#: picks ``_winapi`` on Windows).
POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource", "tty", "pty", "syslog", "crypt")

_BLOCK = f"""
import sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_block_works() -> None:
    # Without this, the other tests could pass because nothing was blocked.
    run = _run("import fcntl")
    assert run.returncode != 0
    assert "import of fcntl halted" in run.stderr


def test_every_commands_help_runs_without_posix_only_modules() -> None:
    commands = sorted(cli.list_commands(None))  # type: ignore[arg-type]
    assert {"check", "history", "diagnose", "smtp", "serve"} <= set(commands)
    run = _run(
        f"""
        import json
        from mailcheck.cli import cli
        codes = {{}}
        for command in {commands!r}:
            try:
                cli.main([command, "--help"], prog_name="mailcheck", standalone_mode=True)
            except SystemExit as done:
                codes[command] = done.code
        print("RESULT " + json.dumps(codes))
        """
    )
    assert run.returncode == 0, run.stderr
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("RESULT "))
    codes = json.loads(line.removeprefix("RESULT "))
    assert codes == dict.fromkeys(commands, 0), run.stderr


def test_every_module_imports_without_posix_only_modules() -> None:
    # A command's body imports its modules when it runs, not for --help: import them all.
    run = _run(
        """
        import importlib, json, pkgutil
        import mailcheck
        failed = {}
        for module in pkgutil.walk_packages(mailcheck.__path__, "mailcheck."):
            if module.name == "mailcheck.__main__":  # runs the command line when imported
                continue
            try:
                importlib.import_module(module.name)
            except Exception as error:
                failed[module.name] = repr(error)
        print("RESULT " + json.dumps(failed))
        """
    )
    assert run.returncode == 0, run.stderr
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("RESULT "))
    assert json.loads(line.removeprefix("RESULT ")) == {}


def test_the_run_lock_still_excludes_a_second_run_without_fcntl(tmp_path: Path) -> None:
    # mailcheck's own code no longer imports fcntl: the lock comes from filelock, which
    # picks the system's primitive itself (LockFileEx on Windows; without either, its
    # marker-file lock).
    run = _run(
        f"""
        from pathlib import Path
        from mailcheck.history import LockHeld, profile_lock
        locks = Path({str(tmp_path)!r}) / "locks"
        with profile_lock(locks, "billing"):
            try:
                with profile_lock(locks, "billing"):
                    print("BOTH")
            except LockHeld:
                print("HELD")
        """
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "HELD"
