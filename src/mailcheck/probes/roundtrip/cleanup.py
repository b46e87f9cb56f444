"""Removing our own test message: after the run, after an interruption, and leftovers.

Only a message a matcher's ``owned`` test confirms is ever removed, by UID
(imap.remove confirms its header again first).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from mailcheck.evidence import Outcome, Step
from mailcheck.facts.imap import ImapStep
from mailcheck.probes.imap.cleanup import Removal, remove
from mailcheck.probes.imap.folders import find_trash
from mailcheck.probes.imap.messages import header_values
from mailcheck.probes.imap.session import ImapSession, open_session
from mailcheck.probes.imap.wire import Mailbox, quote
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.roundtrip.matchers import TOKEN_FORM, from_address, token_values
from mailcheck.probes.roundtrip.state import (
    GRACE_SECONDS,
    LEFTOVER_AGE,
    MATCH_FIELDS,
    MAX_LEFTOVERS,
    Signals,
    WatchState,
)
from mailcheck.values import Address

__all__ = ["Cleanup"]


class Cleanup(WatchState):
    """The cleaning-up half of a mailbox watch (:class:`MailboxWatch` is the other)."""

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
                name=ImapStep.CLEANUP,
                outcome=removal.outcome,
                elapsed_ms=elapsed_ms(start),
                reply=removal.reply,
                data=tuple(data),
            )
        )
        self.cleaned = True
        return result

    async def cleanup(self) -> str:
        """Delete the found message (only it, by UID) unless told to keep it."""
        found = self.found
        if found is None:
            return "nothing"
        if self.keep_asked:
            if self.owned is not None:
                self.rec.add(
                    Step(
                        name=ImapStep.CLEANUP,
                        outcome=Outcome.WITHHELD,
                        elapsed_ms=0.0,
                        data=(("result", "kept"), ("why", "--keep")),
                    )
                )
                self.cleaned = True
            return "kept"
        if not self.delete or self.owned is None:
            return "kept"
        start = self.rec.begin(ImapStep.CLEANUP)
        session = self._session_for_found()
        if session is None:
            removal = Removal(
                "unknown",
                Outcome.CLOSED,
                why="the IMAP connection was lost: the test invoice may be left in "
                + found.folder.display,
            )
            return self._record_cleanup(removal, start, found.folder, found.uid)
        removal = await remove(
            session, found.uid, found.uidvalidity, find_trash(self.mailboxes), self.owned
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
        if await fresh.select(box, step=f"{ImapStep.SELECT} {box.display}") is None:
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
                    removal = await remove(session, uid, None, find_trash(self.mailboxes), owned)
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
        start = self.rec.begin(ImapStep.LEFTOVERS)
        domain = Address.domain_of(sender)
        cutoff = datetime.now(UTC) - max_age
        removed: list[str] = []
        failed: list[str] = []

        def is_leftover(header: bytes) -> bool:
            tokens = token_values(header)
            if len(tokens) != 1 or tokens[0] == token:
                return False
            match = TOKEN_FORM.fullmatch(tokens[0])
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
                and from_address(froms[0]) == sender.lower()
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
                removal = await remove(session, uid, None, find_trash(self.mailboxes), is_leftover)
                (removed if removal.result in ("deleted", "moved") else failed).append(box.display)
        data = [("removed", str(len(removed)))]
        if removed:
            data.append(("where", ", ".join(sorted(set(removed)))))
        if failed:
            data.append(("not_removed", str(len(failed))))
        self.rec.add(
            Step(
                name=ImapStep.LEFTOVERS,
                outcome=Outcome.OK if not failed else Outcome.ERROR,
                elapsed_ms=elapsed_ms(start),
                data=tuple(data),
            )
        )
