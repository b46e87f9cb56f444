"""The per-profile run lock, on real files and processes."""

from __future__ import annotations

import os
import signal
from contextlib import ExitStack
from pathlib import Path

import pytest

from mailcheck.errors import ConfigError
from mailcheck.history import LockHeld, lock_file_name, profile_lock
from tests.unit.history.helpers import python

HOLD = """
import sys, time
from pathlib import Path
from mailcheck.history import profile_lock
with profile_lock(Path({lock_dir!r}), {profile!r}):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_a_second_run_gets_lock_held_naming_the_holder(tmp_path: Path) -> None:
    holder = python(HOLD.format(lock_dir=str(tmp_path / "locks"), profile="main"))
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with (
            pytest.raises(
                LockHeld, match=rf"profile 'main' \(pid {holder.pid}, started 20"
            ) as info,
            profile_lock(tmp_path / "locks", "main"),
        ):
            pass  # pragma: no cover - the lock is held
        assert info.value.pid == holder.pid
        assert info.value.started_at is not None
        # Other profiles are not blocked.
        with profile_lock(tmp_path / "locks", "backup"):
            pass
        # SIGKILL: no cleanup code runs, the kernel drops the flock.
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        with profile_lock(tmp_path / "locks", "main"):
            content = (tmp_path / "locks" / "main.lock").read_text()
            assert content.startswith(f"{os.getpid()} ")
    finally:
        holder.kill()
        holder.wait(timeout=10)
        assert holder.stdout is not None
        holder.stdout.close()


def test_the_lock_is_released_after_the_block_and_the_file_stays(tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    with (
        profile_lock(locks, "main"),
        pytest.raises(LockHeld, match=f"pid {os.getpid()}"),
        profile_lock(locks, "main"),
    ):
        pass  # pragma: no cover - the lock is held
    with pytest.raises(RuntimeError), profile_lock(locks, "main"):
        raise RuntimeError("the check crashed")
    with profile_lock(locks, "main"):
        pass
    assert [p.name for p in locks.iterdir()] == ["main.lock"]
    assert locks.stat().st_mode & 0o777 == 0o700
    with pytest.raises(ConfigError, match="empty"), profile_lock(locks, ""):
        pass  # pragma: no cover - refused


def test_profile_names_map_to_distinct_lock_files(tmp_path: Path) -> None:
    names = [
        "main",
        "Main",
        "a/b",
        "a%2Fb",
        "a b",
        "a_b",
        "a~b",
        "hóa đơn",
        "hoa don",
        "发票",
        ".",
        "..",
        "x" * 300,
        "x" * 299 + "y",
        "%" * 100,
    ]
    files = [lock_file_name(n) for n in names]
    assert len(set(files)) == len(names)
    assert len({f.lower() for f in files}) == len(names)  # case-insensitive file systems
    for file in files:
        assert "/" not in file
        assert file.endswith(".lock")
        assert len(file.encode()) <= 255
    # All held at once: distinct files, no false contention, nothing outside the directory.
    locks = tmp_path / "locks"
    with ExitStack() as stack:
        for name in names:
            stack.enter_context(profile_lock(locks, name))
        assert sorted(p.name for p in locks.iterdir()) == sorted(files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locks"]
