"""The round trip: watch a mailbox's INBOX and Junk, and find one message in them.

Used two ways: ``roundtrip``/``diagnose`` send a test invoice and look for its
token; ``watch`` waits for a message the accounting software sends and looks
for its sender, subject or invoice number.

How a message is found fast without hammering the server:

1. every folder is SELECTed and its UIDNEXT noted *before* anything is sent,
   so nothing is missed; each check is a server-side ``UID SEARCH`` (the
   token header, only among UIDs from UIDNEXT on), then a FETCH of the
   matched UIDs' headers only: a folder of 10,000 messages costs no more;
2. right after the submission server accepts the message, a short burst of
   NOOP + search checks (10 ms, 20 ms, ... 2 s; 14 in all, gentle enough for big
   providers): delivery often takes only milliseconds, while an IDLE push may
   come half a second later (Dovecot waits 0.5 s before it notifies);
3. then IMAP IDLE, one connection per folder, falling back to NOOP polling
   every 2 s only where the server has no IDLE;
4. at the deadline, one search of every other folder (a user's filter may
   have filed it elsewhere).

The token is confirmed exactly on the fetched header (IMAP SEARCH is a
substring match); before deletion that one UID's header is fetched again and
must carry both the token and mailcheck's Message-ID, and only that message,
by UID, is ever deleted. A run cut short (a signal, the deadline) still removes
its message within a grace, and the next run of the same mailbox removes test
invoices that earlier runs left behind (older than ``LEFTOVER_AGE``).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailcheck.config import ImapSettings
from mailcheck.evidence import Outcome, Step
from mailcheck.probes.imap import (
    ImapSession,
    Mailbox,
    Removal,
    find_junk,
    find_trash,
    header_values,
    open_session,
    quote,
)
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import Secret

__all__ = [
    "GRACE_SECONDS",
    "LEFTOVER_AGE",
    "CriteriaMatcher",
    "Found",
    "MailboxWatch",
    "Signals",
    "TokenMatcher",
    "bounce_candidate",
    "criteria_matcher",
    "token_matcher",
]

try:  # the runner's grace for cancelled probes (issue 11); 5 s until that module exists
    from mailcheck.interrupt import GRACE_SECONDS  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the integrator's module
    GRACE_SECONDS = 5.0

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

_TOKEN = re.compile(r"mc-(\d{8}t\d{6}z)-[0-9a-f]{12}")

Matcher = Callable[[bytes], bool]


def _token_values(header: bytes) -> list[str]:
    return header_values(header, "X-Mailcheck-Token")


def _address(value: str) -> str:
    """The address in a From value (``Name <a@b>`` or ``a@b``), lower-cased."""
    match = re.search(r"<([^<>\s]+)>", value)
    return (match.group(1) if match else value).strip().lower()


class TokenMatcher:
    """mailcheck's own message: its token header equals ``token`` exactly.

    ``owned`` is the stricter test before anything is deleted: exactly one
    token header, and the Message-ID mailcheck gave it.
    """

    def __init__(self, token: str, message_id: str | None = None, sender: str | None = None):
        self.token = token
        self.message_id = message_id
        self.sender = sender
        self.search_keys = ("HEADER", "X-Mailcheck-Token", quote(token))

    def __call__(self, header: bytes) -> bool:
        return self.token in _token_values(header)

    def owned(self, header: bytes) -> bool:
        """Both our token (once) and our Message-ID: this message is mailcheck's."""
        if _token_values(header) != [self.token]:
            return False
        ids = header_values(header, "Message-ID")
        if len(ids) != 1:
            return False
        if self.message_id is not None:
            return ids[0].lower() == self.message_id.lower()
        return re.fullmatch(rf"<mailcheck\.{re.escape(self.token)}@[^<>@\s]+>", ids[0]) is not None


def token_matcher(
    token: str, message_id: str | None = None, sender: str | None = None
) -> TokenMatcher:
    """Match mailcheck's own message: its token header equals ``token`` exactly."""
    return TokenMatcher(token, message_id, sender)


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


class CriteriaMatcher:
    """A message the accounting software sends: by sender, subject text, invoice number.

    Every given criterion must hold (case-insensitive substring matches). The
    US-ASCII criteria also narrow the server-side SEARCH; the others are only
    checked here (a SEARCH without CHARSET must stay US-ASCII).
    """

    def __init__(self, sender: str | None, subject: str | None, invoice_number: str | None):
        self.sender = sender
        self.subject = subject
        self.invoice_number = invoice_number
        keys: list[str] = []
        for key, value in (("FROM", sender), ("SUBJECT", subject), ("SUBJECT", invoice_number)):
            if value and value.isascii() and value.isprintable():
                keys += [key, quote(value)]
        self.search_keys = tuple(keys)

    def __call__(self, header: bytes) -> bool:
        fields = _fields(header)
        if self.sender and self.sender.lower() not in fields.get("from", "").lower():
            return False
        if self.subject and self.subject.lower() not in fields.get("subject", "").lower():
            return False
        return not self.invoice_number or self.invoice_number in fields.get("subject", "")


def criteria_matcher(
    sender: str | None, subject: str | None, invoice_number: str | None
) -> CriteriaMatcher:
    """Match a message the accounting software sends (see :class:`CriteriaMatcher`)."""
    return CriteriaMatcher(sender, subject, invoice_number)


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


def _since(days_back: int = 1) -> str:
    """An IMAP date (``SINCE`` compares the server's internal date, in its time zone)."""
    day = datetime.now(UTC) - timedelta(days=days_back)
    return f"{day.day}-{day:%b}-{day.year}"


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

    # ------------------------------------------------------------ getting ready

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
        inbox = self._inbox()
        junk, how = find_junk(boxes)
        self.rec.add(
            Step(
                name="junk-folder",
                outcome=Outcome.OK if junk is not None else Outcome.NOT_OFFERED,
                elapsed_ms=0.0,
                data=(("found_by", how),) + ((("folder", junk.display),) if junk else ()),
            )
        )

        async def watch_inbox() -> tuple[ImapSession, Mailbox, int] | None:
            uidnext = await control.select(inbox, step=f"select {inbox.display}")
            return None if uidnext is None else (control, inbox, uidnext)

        async def watch_junk(junk: Mailbox) -> tuple[ImapSession, Mailbox, int] | None:
            session = await open_session(self.settings, self.secret, self.rec, prefix="junk:")
            if session is None:
                return None
            self.spare.append(session)  # logged out by close() whatever happens next
            uidnext = await session.select(junk, step=f"select {junk.display}")
            return None if uidnext is None else (session, junk, uidnext)

        # INBOX is selected while the Junk connection logs in: on a large folder the
        # server's SELECT (reading its index) then costs no extra time.
        jobs = [watch_inbox()] + ([watch_junk(junk)] if junk is not None else [])
        folders = await asyncio.gather(*jobs)
        for folder in folders:
            if folder is None:
                return False
            self.folders.append(folder)
        return True

    def _inbox(self) -> Mailbox:
        return next(
            (m for m in self.mailboxes if m.name.upper() == "INBOX"),
            Mailbox("INBOX", "INBOX", frozenset()),
        )

    # ------------------------------------------------------------ watching

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

    async def _candidates(
        self, session: ImapSession, box: Mailbox, criteria: Iterable[str], since_uid: int
    ) -> dict[int, bytes] | None:
        """SEARCH, then the matched UIDs' headers only (at most MAX_CANDIDATES, newest)."""
        uids = await session.search(*criteria)
        if uids is None:
            return None
        # `UID n:*` also matches the last message when n is above the highest UID.
        fresh = sorted(
            (u for u in uids if u >= since_uid and (box.name, u) not in self._ruled_out),
            reverse=True,
        )[:MAX_CANDIDATES]
        if not fresh:
            return {}
        return await session.fetch_sections(fresh, MATCH_FIELDS)

    async def _check(self, session: ImapSession, box: Mailbox, uidnext: int, via: str) -> bool:
        headers = await self._candidates(
            session, box, ("UID", f"{uidnext}:*", *self.search_keys), uidnext
        )
        if headers is None:
            return False
        for uid in sorted(headers):
            if not self.matcher(headers[uid]):
                self._ruled_out.add((box.name, uid))
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
                try:
                    await asyncio.wait(
                        waits, timeout=end - now, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
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
        if session is None or not session.usable:
            return
        watched = {box.name for _, box, _ in self.folders}
        # A matcher without search keys is narrowed to recent mail, never a whole folder.
        criteria = self.search_keys or ("SINCE", _since())
        for box in self.mailboxes:
            if box.name in watched or "\\noselect" in box.attributes:
                continue
            if await session.select(box, step=f"sweep {box.display}") is None:
                if session.dead:
                    return
                continue
            headers = await self._candidates(session, box, criteria, 1)
            for uid, header in sorted((headers or {}).items()):
                if self.matcher(header):
                    self.found = Found(
                        folder=box,
                        uid=uid,
                        uidvalidity=session.uidvalidity,
                        via="sweep",
                        detected_wall=time.time(),
                    )
                    return

    # ------------------------------------------------------------ reading

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

    # ------------------------------------------------------------ cleaning up

    def _record_cleanup(
        self, removal: Removal, start: float, where: Mailbox | None, uid: int | None = None
    ) -> str:
        result = "unknown" if removal.result == "not-ours" else removal.result
        data: list[tuple[str, str]] = [("result", result)]
        if where is not None:
            data.append(("folder", where.display))
        if uid is not None:
            data.append(("uid", str(uid)))
        if removal.to:
            data.append(("to", removal.to))
        if removal.why:
            data.append(("why", removal.why))
        self.rec.add(
            Step(
                name="cleanup",
                outcome=removal.outcome,
                elapsed_ms=elapsed_ms(start),
                reply=removal.reply,
                data=tuple(data),
            )
        )
        self.cleaned = True
        return result

    def _where(self) -> str:
        return " or ".join(box.display for _, box, _ in self.folders) or "INBOX"

    async def cleanup(self) -> str:
        """Delete the found message (only it, by UID) unless told to keep it."""
        found = self.found
        if found is None:
            return "nothing"
        if self.keep_asked:
            if self.owned is not None:
                self.rec.add(
                    Step(
                        name="cleanup",
                        outcome=Outcome.WITHHELD,
                        elapsed_ms=0.0,
                        data=(("result", "kept"), ("why", "--keep")),
                    )
                )
                self.cleaned = True
            return "kept"
        if not self.delete or self.owned is None:
            return "kept"
        start = self.rec.begin("cleanup")
        session = self._session_for_found()
        if session is None:
            removal = Removal(
                "unknown",
                Outcome.CLOSED,
                why="the IMAP connection was lost: the test invoice may be left in "
                + found.folder.display,
            )
            return self._record_cleanup(removal, start, found.folder, found.uid)
        removal = await session.remove(
            found.uid, found.uidvalidity, find_trash(self.mailboxes), self.owned
        )
        return self._record_cleanup(removal, start, found.folder, found.uid)

    async def finish(self, signals: Signals) -> None:
        """Clean up; a sent message that cannot be reached any more may be left: say so."""
        if self.found is not None:
            await self.cleanup()
            return
        lost = any(session.dead for session, _, _ in self.folders)
        if self.delete and signals.submitted.is_set() and lost and not self.cleaned:
            removal = Removal(
                "unknown",
                Outcome.CLOSED,
                why=f"the IMAP connection was lost: a test invoice may be left in {self._where()}",
            )
            self._record_cleanup(removal, time.perf_counter(), None)

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

    async def _session_on(self, box: Mailbox, index: int) -> ImapSession | None:
        """A usable session with ``box`` selected: the watching one, or a new one."""
        if index < len(self.folders):
            session, folder, _ = self.folders[index]
            if session.usable and session.selected == folder.name:
                return session
            session.kill()
        fresh = await open_session(self.settings, self.secret, self.rec, prefix="cleanup:")
        if fresh is None:
            return None
        if index < len(self.folders):
            self.folders[index] = (fresh, box, self.folders[index][2])
        else:
            self.folders.append((fresh, box, 1))
        if await fresh.select(box, step=f"select {box.display}") is None:
            return None
        return fresh

    async def interrupted(self, signals: Signals, grace: float = GRACE_SECONDS) -> None:
        """The run was cancelled: remove our test message within ``grace``, say what is left.

        Called from an ``except CancelledError`` block: the work runs as its own
        task, shielded from a second cancellation, and is given up at ``grace``.
        """
        self.rec.cut()  # the step the cancellation cut short
        if not self.delete or not signals.submitted.is_set() or self.cleaned:
            return
        start = time.perf_counter()
        loop = asyncio.get_running_loop()
        work = asyncio.ensure_future(self._remove_after_interrupt(loop.time() + grace * 0.8))
        try:
            await asyncio.wait_for(asyncio.shield(work), grace)
        except (TimeoutError, asyncio.CancelledError):
            work.cancel()
            if not self.cleaned:
                removal = Removal(
                    "unknown",
                    Outcome.TIMEOUT,
                    why=f"the cleanup did not finish within {grace:g} s: "
                    f"a test invoice may be left in {self._where()}",
                )
                self._record_cleanup(removal, start, None)

    async def _remove_after_interrupt(self, until: float) -> None:
        """Find our message by SEARCH in INBOX and Junk (it may still be arriving), remove it."""
        start = time.perf_counter()
        loop = asyncio.get_running_loop()
        owned = self.owned
        if owned is None:  # only mailcheck's own message is ever removed
            return
        boxes = [box for _, box, _ in self.folders] or [self._inbox()]
        if self.found is not None and self.found.folder.name not in {b.name for b in boxes}:
            boxes.append(self.found.folder)
        pause = 0.05
        while True:
            for index, box in enumerate(boxes):
                session = await self._session_on(box, index)
                if session is None:
                    continue
                uids = await session.search(*self.search_keys, step="cleanup-search")
                for uid in sorted(uids or ()):
                    removal = await session.remove(uid, None, find_trash(self.mailboxes), owned)
                    if removal.result != "not-ours":
                        self._record_cleanup(removal, start, box, uid)
                        return
            if loop.time() + pause >= until:
                break
            # Submitted but not delivered yet: it may land any moment; look again shortly.
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
        removal = Removal(
            "unknown",
            Outcome.TIMEOUT,
            why="the test invoice had not arrived when the run was interrupted: "
            f"it may still arrive in {self._where()}",
        )
        self._record_cleanup(removal, start, None)

    async def sweep_leftovers(
        self, sender: str, token: str, max_age: timedelta = LEFTOVER_AGE
    ) -> None:
        """Remove test invoices that earlier runs left in INBOX and Junk; record ``leftovers``.

        A leftover carries a mailcheck token older than ``max_age`` (its time is
        in the token), exactly one token header, the Message-ID form mailcheck
        gives it (``<mailcheck.TOKEN@sender's domain>``) and ``sender`` in From.
        Anything short of all that is the user's and is not touched.
        """
        if not self.delete or not sender:
            return
        start = self.rec.begin("leftovers")
        domain = sender.rpartition("@")[2].lower()
        cutoff = datetime.now(UTC) - max_age
        removed: list[str] = []
        failed: list[str] = []

        def is_leftover(header: bytes) -> bool:
            tokens = _token_values(header)
            if len(tokens) != 1 or tokens[0] == token:
                return False
            match = _TOKEN.fullmatch(tokens[0])
            if match is None:
                return False
            try:
                made = datetime.strptime(match.group(1), "%Y%m%dt%H%M%Sz").replace(tzinfo=UTC)
            except ValueError:
                return False
            ids = header_values(header, "Message-ID")
            froms = header_values(header, "From")
            return (
                made < cutoff
                and ids == [f"<mailcheck.{tokens[0]}@{domain}>"]
                and len(froms) == 1
                and _address(froms[0]) == sender.lower()
            )

        criteria = ("HEADER", "X-Mailcheck-Token", '"mc-"', "FROM", quote(sender))
        for session, box, _ in self.folders:
            if not session.usable:
                continue
            uids = await session.search(*criteria, step="leftover-search")
            candidates = sorted(uids or ())[:MAX_LEFTOVERS]
            headers = await session.fetch_sections(candidates, MATCH_FIELDS) if candidates else {}
            for uid in sorted(headers or {}):
                if not is_leftover(headers[uid]):  # type: ignore[index]
                    continue
                removal = await session.remove(uid, None, find_trash(self.mailboxes), is_leftover)
                (removed if removal.result in ("deleted", "moved") else failed).append(box.display)
        data = [("removed", str(len(removed)))]
        if removed:
            data.append(("where", ", ".join(sorted(set(removed)))))
        if failed:
            data.append(("not_removed", str(len(failed))))
        self.rec.add(
            Step(
                name="leftovers",
                outcome=Outcome.OK if not failed else Outcome.ERROR,
                elapsed_ms=elapsed_ms(start),
                data=tuple(data),
            )
        )

    async def close(self) -> None:
        """LOGOUT every connection (never CLOSE: it would expunge the user's \\Deleted mail)."""
        sessions = {id(s): s for s, _, _ in self.folders}
        sessions.update((id(s), s) for s in self.spare)
        if self.control is not None:
            sessions[id(self.control)] = self.control
        await asyncio.gather(*(s.logout() for s in sessions.values()))
