"""Signals end a run cleanly: the probes stop, clean up within a short grace, and say so.

SIGINT (Ctrl-C), SIGTERM (systemd, timeout(1), a CI runner's cancel) and
SIGHUP (a closed terminal) during a run do not kill mailcheck mid-step: they
set the run's :class:`Interruption`, the runner cancels the probes, each probe
gets :data:`GRACE_SECONDS` to remove the test message it may have left, and
the report (UNKNOWN, exit 3) says what was left where. Outside the event loop
the same signals raise :class:`Interrupted`, which the command line turns into
a one-line message and exit 3.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from types import FrameType
from typing import Any, TypeVar

__all__ = [
    "GRACE_SECONDS",
    "Interrupted",
    "Interruption",
    "current",
    "install_process_handlers",
    "run",
]

#: How long a cancelled probe may take to clean up after itself (issue 11: at most 5 s).
GRACE_SECONDS = 5.0

#: The signals that end a run; SIGHUP does not exist on Windows.
_SIGNALS = tuple(
    sig for name in ("SIGINT", "SIGTERM", "SIGHUP") if (sig := getattr(signal, name, None))
)

T = TypeVar("T")


class Interrupted(BaseException):  # like KeyboardInterrupt: not caught as an error
    """A signal arrived outside the event loop (reading the config, the password, ...)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Interruption:
    """Whether (and by which signal) the current run was told to stop."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.signal: str | None = None

    def trigger(self, name: str) -> None:
        """Record the first signal; later ones change nothing (the grace is already bounded)."""
        if self.signal is None:
            self.signal = name
            self.event.set()

    @property
    def is_set(self) -> bool:
        """True once a signal arrived."""
        return self.event.is_set()


_current: ContextVar[Interruption | None] = ContextVar("mailcheck_interruption", default=None)


def current() -> Interruption | None:
    """The running command's interruption state (None outside :func:`run`)."""
    return _current.get()


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, with SIGINT, SIGTERM and SIGHUP turned into an :class:`Interruption`.

    The coroutine is not cancelled by the signal: the runner sees the
    interruption, stops the probes and still returns a diagnosis, so the user
    is told what happened and what was left where.
    """

    async def wrapper() -> T:
        interruption = Interruption()
        token = _current.set(interruption)
        loop = asyncio.get_running_loop()
        installed: list[tuple[signal.Signals, Any]] = []
        for sig in _SIGNALS:
            previous = signal.getsignal(sig)
            # Not on Windows' event loop, nor outside the main thread: then the
            # process-level handlers below still give a clean exit 3.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, interruption.trigger, sig.name)
                installed.append((sig, previous))
        try:
            return await main
        finally:
            for sig, previous in installed:
                loop.remove_signal_handler(sig)
                with contextlib.suppress(ValueError, TypeError):
                    signal.signal(sig, previous)
            _current.reset(token)

    return asyncio.run(wrapper())


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def install_process_handlers() -> Callable[[], None]:
    """Make SIGTERM and SIGHUP raise :class:`Interrupted` (SIGINT raises KeyboardInterrupt).

    Returns a function that puts the previous handlers back.
    """
    saved: list[tuple[signal.Signals, Any]] = []
    for sig in _SIGNALS:
        if sig == signal.SIGINT:
            continue
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            saved.append((sig, signal.signal(sig, _raise)))

    def restore() -> None:
        for sig, previous in saved:
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, previous)

    return restore
