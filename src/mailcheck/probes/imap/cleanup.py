"""Removing mailcheck's own test message: one UID, confirmed first, every answer checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mailcheck.evidence import Outcome, Reply
from mailcheck.probes.imap.session import ImapSession, last_text, untagged
from mailcheck.probes.imap.wire import (
    Mailbox,
    imap_reply,
    parse_fetch_responses,
    quote,
    valid_uid,
)

__all__ = ["Removal", "remove", "still_there"]


@dataclass(frozen=True, slots=True)
class Removal:
    """What became of one message mailcheck tried to remove."""

    result: str
    """``deleted``, ``moved``, ``refused`` (the server said NO/BAD), ``kept`` (no safe
    way, or the server said OK but kept it), ``not-ours`` (the header did not confirm:
    untouched), or ``unknown`` (the connection failed, or the UID is gone)."""
    outcome: Outcome
    why: str = ""
    reply: Reply | None = None
    to: str = ""


async def still_there(session: ImapSession, uid: int) -> bool | None:
    """Whether the selected folder still holds ``uid`` (a UID SEARCH; ``None``: unknown)."""
    found = await session.search("UID", str(uid), step="verify")
    return None if found is None else uid in found


async def remove(
    session: ImapSession,
    uid: int,
    uidvalidity: int | None,
    trash: Mailbox | None,
    confirm: Callable[[bytes], bool],
) -> Removal:
    """Remove one message of mailcheck's own, by UID; never a plain EXPUNGE or CLOSE.

    The UID's header is fetched again first and must pass ``confirm`` (our
    token and our Message-ID); every answer is checked, and a UID the
    server does not have was not "deleted".
    """
    if valid_uid(str(uid)) is None:
        return Removal("not-ours", Outcome.WITHHELD, why=f"UID {uid} is not a valid UID")
    if uidvalidity is not None and session.uidvalidity != uidvalidity:
        return Removal("kept", Outcome.WITHHELD, why="UIDVALIDITY changed")
    header = await session.fetch_sections([uid], "HEADER", step="confirm")
    if header is None:
        return _unknown(session, "the connection failed before the message was confirmed")
    if uid not in header:
        return Removal("unknown", Outcome.ERROR, why=f"the server has no message with UID {uid}")
    if not confirm(header[uid]):
        return Removal(
            "not-ours",
            Outcome.WITHHELD,
            why=f"the message at UID {uid} is not mailcheck's test message: left untouched",
        )
    caps = session.capabilities
    if "UIDPLUS" in caps:
        return await _store_and_expunge(session, uid)
    if "MOVE" in caps and trash is not None:
        return await _move(session, uid, trash)
    return Removal("kept", Outcome.WITHHELD, why="the server offers neither UIDPLUS nor MOVE")


def _unknown(session: ImapSession, why: str) -> Removal:
    return Removal("unknown", Outcome.CLOSED if session.dead else Outcome.ERROR, why=why)


async def _store_and_expunge(session: ImapSession, uid: int) -> Removal:
    # Not .SILENT: the untagged FETCH with \Deleted shows the flag was really set.
    stored = await session.command(
        "store",
        session.client.uid("store", str(uid), "+FLAGS", r"(\Deleted)"),
        record=False,
        refusals=True,
    )
    if stored is None:
        return _unknown(session, "the connection failed during UID STORE")
    if stored.result != "OK":
        return _refused("UID STORE", stored)
    flagged = any(
        f.uid == uid and "\\deleted" in (f.flags() or ())
        for f in parse_fetch_responses(untagged(stored))
    )
    if not flagged:
        # No FETCH came back: does the message exist, and carry \Deleted now?
        check = await session.search("UID", str(uid), "DELETED", step="verify")
        if check is None:
            return _unknown(session, "the connection failed after UID STORE")
        if uid not in check:
            return Removal(
                "unknown",
                Outcome.ERROR,
                why=f"UID STORE answered OK, but UID {uid} is not there",
            )
    # UID EXPUNGE (RFC 4315) removes only this UID, even if the user flagged
    # other messages \Deleted.
    expunged = await session.command(
        "expunge", session.client.uid("expunge", str(uid)), record=False, refusals=True
    )
    return await _gone_after(session, uid, "UID EXPUNGE", expunged, Removal("deleted", Outcome.OK))


async def _move(session: ImapSession, uid: int, trash: Mailbox) -> Removal:
    moved = await session.command(
        "move",
        session.client.uid("move", str(uid), quote(trash.name)),
        record=False,
        refusals=True,
    )
    done = Removal("moved", Outcome.OK, to=trash.display)
    return await _gone_after(session, uid, "UID MOVE", moved, done)


async def _gone_after(
    session: ImapSession, uid: int, what: str, response: Any, done: Removal
) -> Removal:
    """``done`` only when the server said OK to ``what`` and the UID is then really gone."""
    if response is None:
        return _unknown(session, f"the connection failed during {what}")
    if response.result != "OK":
        return _refused(what, response)
    there = await still_there(session, uid)
    if there is None:
        return _unknown(session, f"the connection failed after {what}")
    if there:
        return Removal(
            "kept",
            Outcome.ERROR,
            why=f"{what} answered OK, but the message is still there",
            reply=imap_reply(response.result, last_text(response)),
        )
    return done


def _refused(what: str, response: Any) -> Removal:
    reply = imap_reply(str(response.result), last_text(response))
    return Removal(
        "refused",
        Outcome.REJECTED,
        why=f"the server refused {what}: {response.result} {reply.text}".strip()[:500],
        reply=reply,
    )
