"""The round trip: watch a mailbox's INBOX and Junk, and find one message in them.

Used two ways: ``roundtrip``/``diagnose`` send a test invoice and look for its
token; ``watch`` waits for a message the accounting software sends and looks
for its sender, subject or invoice number.

How a message is found fast without hammering the server:

1. every folder is SELECTed and its UIDNEXT noted *before* anything is sent,
   so nothing is missed and only new mail is ever fetched (``UID n:*``);
2. right after the submission server accepts the message, a short burst of
   NOOP + fetch checks (10 ms, 20 ms, ... 2 s; 14 in all, gentle enough for big
   providers): delivery often takes only milliseconds, while an IDLE push may
   come half a second later (Dovecot waits 0.5 s before it notifies);
3. then IMAP IDLE, one connection per folder, falling back to NOOP polling
   every 2 s only where the server has no IDLE;
4. at the deadline, one search of every other folder (a user's filter may
   have filed it elsewhere).

The token is confirmed exactly on the fetched header (IMAP SEARCH is a
substring match), and only that message, by UID, is ever deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mailcheck.config import ImapSettings
from mailcheck.evidence import Outcome, Step
from mailcheck.probes.imap import (
    ImapSession,
    Mailbox,
    find_junk,
    find_trash,
    open_session,
)
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import Secret

__all__ = [
    "Found",
    "MailboxWatch",
    "Signals",
    "bounce_candidate",
    "criteria_matcher",
    "token_matcher",
]

#: Seconds after submission at which the burst checks run.
BURST = (0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)
#: NOOP polling interval where the server has no IDLE.
POLL_SECONDS = 2.0
#: Longest single IDLE; RFC 2177 asks clients to re-issue IDLE within 29 minutes.
IDLE_CYCLE = 25.0
#: The headers fetched to recognise a message (cheap: no body).
MATCH_FIELDS = "HEADER.FIELDS (X-MAILCHECK-TOKEN MESSAGE-ID FROM SUBJECT)"

Matcher = Callable[[bytes], bool]


def token_matcher(token: str) -> Matcher:
    """Match mailcheck's own message: its token header equals ``token`` exactly."""
    wanted = token.encode("ascii")

    def match(header: bytes) -> bool:
        for line in header.replace(b"\r\n", b"\n").split(b"\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"x-mailcheck-token" and value.strip() == wanted:
                return True
        return False

    return match


def _fields(header: bytes) -> dict[str, str]:
    """Unfolded, decoded header fields (RFC 2047 words decoded), lower-cased names."""
    from email.header import decode_header, make_header

    out: dict[str, str] = {}
    text = header.decode("utf-8", "replace").replace("\r\n", "\n")
    for line in text.replace("\n ", " ").replace("\n\t", " ").split("\n"):
        name, sep, value = line.partition(":")
        if not sep:
            continue
        try:
            value = str(make_header(decode_header(value.strip())))
        except (ValueError, LookupError):
            value = value.strip()
        out[name.strip().lower()] = value
    return out


def criteria_matcher(
    sender: str | None, subject: str | None, invoice_number: str | None
) -> Matcher:
    """Match a message the accounting software sends: by sender, subject text, invoice number.

    Every given criterion must hold (case-insensitive substring matches); the
    invoice number may be in the subject or in the From/Subject-less header.
    """

    def match(header: bytes) -> bool:
        fields = _fields(header)
        if sender and sender.lower() not in fields.get("from", "").lower():
            return False
        if subject and subject.lower() not in fields.get("subject", "").lower():
            return False
        return not invoice_number or invoice_number in fields.get("subject", "")

    return match


def bounce_candidate(header: bytes) -> bool:
    """Could this be a bounce? (From a mailer daemon, or a delivery-report subject.)"""
    fields = _fields(header)
    sender = fields.get("from", "").lower()
    subject = fields.get("subject", "").lower()
    return any(word in sender for word in ("mailer-daemon", "postmaster", "mail delivery")) or any(
        word in subject
        for word in ("undeliver", "delivery status", "failure notice", "returned mail", "delayed")
    )


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


class MailboxWatch:
    """One mailbox (the sender's own, or a probe mailbox): its INBOX and Junk, watched."""

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
        self.delete = delete
        self.before_login = before_login
        self.confirm = confirm
        """A second test on the whole message, for candidates the header matcher let through."""
        self._ruled_out: set[tuple[str, int]] = set()
        self.control: ImapSession | None = None
        self.folders: list[tuple[ImapSession, Mailbox, int]] = []
        self.mailboxes: list[Mailbox] = []
        self.found: Found | None = None
        self._found_event = asyncio.Event()

    async def prepare(self) -> bool:
        """Log in, find Junk, SELECT INBOX and Junk (a connection each), note UIDNEXT."""
        control = await open_session(
            self.settings, self.secret, self.rec, prefix="", before_login=self.before_login
        )
        if control is None:
            return False
        self.control = control
        boxes = await control.list_mailboxes()
        if boxes is None:
            return False
        self.mailboxes = boxes
        inbox = next(
            (m for m in boxes if m.name.upper() == "INBOX"), Mailbox("INBOX", "INBOX", frozenset())
        )
        junk, how = find_junk(boxes)
        self.rec.add(
            Step(
                name="junk-folder",
                outcome=Outcome.OK if junk is not None else Outcome.NOT_OFFERED,
                elapsed_ms=0.0,
                data=(("found_by", how),) + ((("folder", junk.display),) if junk else ()),
            )
        )
        watched = [inbox] + ([junk] if junk is not None else [])
        sessions: list[ImapSession | None] = [control]
        if junk is not None:
            sessions.append(
                await open_session(self.settings, self.secret, self.rec, prefix="junk:")
            )
        for session, box in zip(sessions, watched, strict=True):
            if session is None:
                return False
            uidnext = await session.select(box, step=f"select {box.display}")
            if uidnext is None:
                return False
            self.folders.append((session, box, uidnext))
        return True

    async def wait(
        self, signals: Signals, wait_seconds: float, hard_deadline: float
    ) -> Found | None:
        """Watch every folder until one finds the message.

        The watch ends ``wait_seconds`` after the submission, or at ``hard_deadline``
        (loop time, the command's own deadline), whichever comes first.
        """
        start = self.rec.begin("watch")

        def deadline() -> float:
            if signals.submitted_at is None:
                return hard_deadline
            return min(hard_deadline, signals.submitted_at + wait_seconds)

        tasks = [
            asyncio.ensure_future(self._watch_folder(session, box, uidnext, signals, deadline))
            for session, box, uidnext in self.folders
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
        if self.found is None and not signals.aborted.is_set():
            await self._sweep()
        found = self.found
        data: tuple[tuple[str, str], ...]
        if found is not None:
            after = ""
            if signals.submitted_wall is not None:
                after = f"{(found.detected_wall - signals.submitted_wall) * 1000:.1f}"
            data = (
                ("folder", found.folder.display),
                ("placement", self._placement(found.folder)),
                ("via", found.via),
                ("uid", str(found.uid)),
                ("detected_at", f"{found.detected_wall:.6f}"),
                ("after_submit_ms", after),
            )
            outcome = Outcome.OK
        elif signals.aborted.is_set() or not signals.submitted.is_set():
            data = (("placement", "not-sent"),)
            outcome = Outcome.WITHHELD
        elif all(session.dead for session, _, _ in self.folders):
            # Every watching connection was lost before the deadline: nothing can be said.
            data = (("placement", "lost"),)
            outcome = Outcome.CLOSED
        else:
            data = (("placement", "not-arrived"),)
            outcome = Outcome.TIMEOUT
        self.rec.add(
            Step(name="placement", outcome=outcome, elapsed_ms=elapsed_ms(start), data=data)
        )
        return found

    def _placement(self, folder: Mailbox) -> str:
        if folder.name.upper() == "INBOX":
            return "inbox"
        junk, _ = find_junk(self.mailboxes)
        if junk is not None and folder.name == junk.name:
            return "junk"
        return "other"

    async def _check(self, session: ImapSession, box: Mailbox, uidnext: int, via: str) -> bool:
        new = await session.fetch_new(uidnext, MATCH_FIELDS)
        if new is None:
            return False
        for uid, header in new:
            if (box.name, uid) in self._ruled_out or not self.matcher(header):
                continue
            if self.confirm is not None:
                whole = await session.fetch_one(uid, "", "fetch-candidate")
                if whole is None or not self.confirm(whole):
                    self._ruled_out.add((box.name, uid))
                    continue
            if self.found is None:
                self.found = Found(
                    folder=box,
                    uid=uid,
                    uidvalidity=session.uidvalidity,
                    via=via,
                    detected_wall=time.time(),
                )
                self._found_event.set()
                return True
        return False

    async def _watch_folder(
        self,
        session: ImapSession,
        box: Mailbox,
        uidnext: int,
        signals: Signals,
        deadline: Callable[[], float],
    ) -> None:
        loop = asyncio.get_running_loop()
        idle = "IDLE" in session.capabilities
        via = "first-look"
        while not self._found_event.is_set() and not session.dead:
            if await self._check(session, box, uidnext, via):
                return
            now = loop.time()
            end = deadline()
            if now >= end or signals.aborted.is_set():
                return
            if not signals.submitted.is_set():
                # Not sent yet: wait quietly (the SMTP login takes its time).
                waits = [
                    asyncio.ensure_future(e.wait()) for e in (signals.submitted, signals.aborted)
                ]
                await asyncio.wait(waits, timeout=end - now, return_when=asyncio.FIRST_COMPLETED)
                for w in waits:
                    w.cancel()
                via = "burst"
                continue
            since = now - (signals.submitted_at or now)
            step = next((b for b in BURST if b > since), None)
            if step is not None:
                await self._sleep(min(step - since, end - now))
                via = "burst"
                if not await session.noop():
                    return
                continue
            if idle:
                reason = await session.wait_for_push(min(IDLE_CYCLE, end - now), self._found_event)
                if reason == "lost":
                    return
                via = "idle"
            else:
                await self._sleep(min(POLL_SECONDS, end - now))
                via = "poll"
                if not await session.noop():
                    return

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake as soon as a sibling folder found the message."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._found_event.wait(), seconds)

    async def _sweep(self) -> None:
        """Last look: every other folder (a user's filter may have moved the message)."""
        session = self.control
        if session is None or session.dead:
            return
        watched = {box.name for _, box, _ in self.folders}
        for box in self.mailboxes:
            if box.name in watched or "\\noselect" in box.attributes:
                continue
            if await session.select(box, step=f"sweep {box.display}") is None:
                continue
            for uid, header in (await session.fetch_new(1, MATCH_FIELDS)) or []:
                if self.matcher(header):
                    self.found = Found(
                        folder=box,
                        uid=uid,
                        uidvalidity=session.uidvalidity,
                        via="sweep",
                        detected_wall=time.time(),
                    )
                    return

    async def read_headers(self) -> bytes | None:
        """The found message's whole header block, also recorded as the ``headers`` step."""
        session = self._session_for_found()
        if session is None or self.found is None:
            return None
        start = self.rec.begin("headers")
        header = await session.fetch_one(self.found.uid, "HEADER", "fetch-headers")
        if header is not None:
            text = header.decode("utf-8", "replace")
            self.rec.add(
                Step(
                    name="headers",
                    outcome=Outcome.OK,
                    elapsed_ms=elapsed_ms(start),
                    data=(("header", text),),
                )
            )
        return header

    async def read_message(self) -> bytes | None:
        """The found message, whole (DKIM verification needs the body)."""
        session = self._session_for_found()
        if session is None or self.found is None:
            return None
        return await session.fetch_one(self.found.uid, "", "fetch-message")

    async def cleanup(self) -> str:
        """Delete the found message (only it, by UID) unless told to keep it."""
        found = self.found
        session = self._session_for_found()
        if found is None or session is None:
            return "nothing"
        if not self.delete:
            self.rec.add(
                Step(
                    name="cleanup",
                    outcome=Outcome.WITHHELD,
                    elapsed_ms=0.0,
                    data=(("result", "kept"), ("why", "--keep")),
                )
            )
            return "kept"
        return await session.delete_message(
            found.uid, found.uidvalidity, find_trash(self.mailboxes)
        )

    def _session_for_found(self) -> ImapSession | None:
        if self.found is None:
            return None
        for session, box, _ in self.folders:
            if box.name == self.found.folder.name and not session.dead:
                return session
        control = self.control
        if control is not None and not control.dead and control.selected == self.found.folder.name:
            return control
        return None

    async def close(self) -> None:
        """LOGOUT every connection (never CLOSE: it would expunge the user's \\Deleted mail)."""
        sessions = {id(s): s for s, _, _ in self.folders}
        if self.control is not None:
            sessions[id(self.control)] = self.control
        await asyncio.gather(*(s.logout() for s in sessions.values()))
