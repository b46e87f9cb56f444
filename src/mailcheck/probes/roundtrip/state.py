"""The round trip's shared state: its timing, the sender's signals, what was found, the watch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from mailcheck.interrupt import GRACE_SECONDS
from mailcheck.probes.imap.session import ImapSession
from mailcheck.probes.imap.wire import Mailbox
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.roundtrip.matchers import Matcher
from mailcheck.secret import Secret
from mailcheck.settings import ImapSettings

__all__ = [
    "BURST",
    "GRACE_SECONDS",
    "IDLE_CYCLE",
    "LEFTOVER_AGE",
    "MATCH_FIELDS",
    "MAX_CANDIDATES",
    "MAX_LEFTOVERS",
    "POLL_SECONDS",
    "Found",
    "Signals",
    "WatchState",
]

#: Seconds after submission at which the burst checks run.
BURST = (0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)
#: NOOP polling interval where the server has no IDLE.
POLL_SECONDS = 2.0
#: Longest single IDLE; RFC 2177 asks clients to re-issue IDLE within 29 minutes.
IDLE_CYCLE = 25.0
#: The headers fetched to recognise a message (cheap: no body).
MATCH_FIELDS = "HEADER.FIELDS (X-MAILCHECK-TOKEN MESSAGE-ID FROM SUBJECT)"
#: At most this many candidates are fetched per check (a SEARCH of new mail in a busy mailbox).
MAX_CANDIDATES = 200
#: A test invoice older than this, left by an earlier run, is removed by the next one.
LEFTOVER_AGE = timedelta(minutes=10)
#: At most this many leftovers are removed per folder and run.
MAX_LEFTOVERS = 50


class Signals:
    """What the sender and the watchers tell each other."""

    def __init__(self) -> None:
        self.submitted = asyncio.Event()
        """The submission server accepted the message."""
        self.aborted = asyncio.Event()
        """It will not be sent (login refused, watchers failed, ...)."""
        self.submitted_at: float | None = None
        """``loop.time()`` of the acceptance."""
        self.submitted_wall: float | None = None
        """``time.time()`` of the acceptance."""
        self.login: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        """Whether the SMTP login was accepted."""

    def mark_login(self, ok: bool) -> None:
        """Called by the SMTP probe after its one AUTH attempt (or when it ends without one)."""
        if not self.login.done():
            self.login.set_result(ok)

    async def login_accepted(self) -> bool:
        """Wait for the SMTP login's verdict."""
        return await asyncio.shield(self.login)

    def mark_submitted(self) -> None:
        """Called by the SMTP probe when DATA got its 250."""
        self.submitted_at = asyncio.get_running_loop().time()
        self.submitted_wall = time.time()
        self.submitted.set()


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """Where the message is."""

    folder: Mailbox
    uid: int
    uidvalidity: int | None
    via: str
    """How it was seen: ``first-look``, ``burst``, ``idle``, ``poll`` or ``sweep``."""
    detected_wall: float
    """``time.time()`` when mailcheck saw it."""


class WatchState:
    """One mailbox (the sender's own, or a probe mailbox): its INBOX and Junk, watched.

    What the watching (watch.py) and the cleanup (cleanup.py) share.
    """

    def __init__(
        self,
        settings: ImapSettings,
        secret: Secret,
        rec: Recorder,
        matcher: Matcher,
        *,
        delete: bool,
        before_login: Callable[[], Awaitable[bool]] | None = None,
        confirm: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.secret = secret
        self.rec = rec
        self.matcher = matcher
        self.search_keys: tuple[str, ...] = tuple(getattr(matcher, "search_keys", ()))
        self.owned: Callable[[bytes], bool] | None = getattr(matcher, "owned", None)
        """Only a matcher that can prove a message is mailcheck's own allows deleting it."""
        self.delete = delete and self.owned is not None
        self.keep_asked = not delete
        self.before_login = before_login
        self.confirm = confirm
        """A second test on the whole message, for candidates the header matcher let through."""
        self._ruled_out: set[tuple[str, int]] = set()
        self.control: ImapSession | None = None
        self.folders: list[tuple[ImapSession, Mailbox, int]] = []
        self.spare: list[ImapSession] = []
        """Other connections opened (Junk's), to log out even if their folder never opened."""
        self.mailboxes: list[Mailbox] = []
        self.found: Found | None = None
        self._found_event = asyncio.Event()
        self.cleaned = False
        """A ``cleanup`` step was recorded (whatever its result)."""

    def _inbox(self) -> Mailbox:
        return next(
            (m for m in self.mailboxes if m.name.upper() == "INBOX"),
            Mailbox("INBOX", "INBOX", frozenset()),
        )

    def _where(self) -> str:
        return " or ".join(box.display for _, box, _ in self.folders) or "INBOX"

    def _session_for_found(self) -> ImapSession | None:
        if self.found is None:
            return None
        for session, box, _ in self.folders:
            if box.name == self.found.folder.name and session.usable:
                return session
        control = self.control
        if control is not None and control.usable and control.selected == self.found.folder.name:
            return control
        return None

    async def close(self) -> None:
        """LOGOUT every connection (never CLOSE: it would expunge the user's \\Deleted mail)."""
        sessions = {id(s): s for s, _, _ in self.folders}
        sessions.update((id(s), s) for s in self.spare)
        if self.control is not None:
            sessions[id(self.control)] = self.control
        await asyncio.gather(*(s.logout() for s in sessions.values()))
