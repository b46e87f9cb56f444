"""Watching a mailbox's folders for one message: get ready, watch, read what was found."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.imap import ImapStep
from mailcheck.probes.imap.folders import find_junk
from mailcheck.probes.imap.idle import wait_for_push
from mailcheck.probes.imap.session import ImapSession, open_session
from mailcheck.probes.imap.wire import Mailbox
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.roundtrip.cleanup import Cleanup
from mailcheck.probes.roundtrip.state import (
    BURST,
    IDLE_CYCLE,
    MATCH_FIELDS,
    MAX_CANDIDATES,
    POLL_SECONDS,
    Found,
    Signals,
)

__all__ = ["MailboxWatch"]


def _since(days_back: int = 1) -> str:
    """An IMAP date (``SINCE`` compares the server's internal date, in its time zone)."""
    day = datetime.now(UTC) - timedelta(days=days_back)
    return f"{day.day}-{day:%b}-{day.year}"


class MailboxWatch(Cleanup):
    """One mailbox (the sender's own, or a probe mailbox): its INBOX and Junk, watched."""

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
                name=ImapStep.JUNK_FOLDER,
                outcome=Outcome.OK if junk is not None else Outcome.NOT_OFFERED,
                elapsed_ms=0.0,
                data=(("found_by", how),) + ((("folder", junk.display),) if junk else ()),
            )
        )

        async def watch_inbox() -> tuple[ImapSession, Mailbox, int] | None:
            uidnext = await control.select(inbox, step=f"{ImapStep.SELECT} {inbox.display}")
            return None if uidnext is None else (control, inbox, uidnext)

        async def watch_junk(junk: Mailbox) -> tuple[ImapSession, Mailbox, int] | None:
            session = await open_session(self.settings, self.secret, self.rec, prefix="junk:")
            if session is None:
                return None
            self.spare.append(session)  # logged out by close() whatever happens next
            uidnext = await session.select(junk, step=f"{ImapStep.SELECT} {junk.display}")
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

    # ------------------------------------------------------------ watching

    async def wait(
        self, signals: Signals, wait_seconds: float, hard_deadline: float
    ) -> Found | None:
        """Watch every folder until one finds the message.

        The watch ends ``wait_seconds`` after the submission, or at ``hard_deadline``
        (loop time, the command's own deadline), whichever comes first.
        """
        start = self.rec.begin(ImapStep.WATCH)

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
            Step(name=ImapStep.PLACEMENT, outcome=outcome, elapsed_ms=elapsed_ms(start), data=data)
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
                reason = await wait_for_push(session, min(IDLE_CYCLE, end - now), self._found_event)
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
        start = self.rec.begin(ImapStep.HEADERS)
        header = await session.fetch_one(self.found.uid, "HEADER", ImapStep.FETCH_HEADERS)
        if header is not None:
            text = header.decode("utf-8", "replace")
            self.rec.add(
                Step(
                    name=ImapStep.HEADERS,
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
