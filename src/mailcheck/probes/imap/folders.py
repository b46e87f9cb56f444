"""Which folder is which: the spam folder and the trash, from what LIST said (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailcheck.probes.imap.wire import Mailbox, parse_list_responses, reassemble

__all__ = ["JUNK_NAMES", "find_junk", "find_trash", "parse_list_line"]

#: Names of spam folders on servers without SPECIAL-USE, compared case-insensitively
#: on the whole decoded name and on its last part.
JUNK_NAMES = (
    "junk",
    "spam",
    "junk e-mail",
    "junk email",
    "bulk mail",
    "bulk",
    "[gmail]/spam",
    "[google mail]/spam",
    "[gmail]/thư rác",
    "[google mail]/thư rác",
    "thư rác",
    "thư mục thư rác",
    "courrier indésirable",
    "inbox.junk",
    "inbox.spam",
)


def parse_list_line(line: bytes, literal: bytes | None = None) -> Mailbox | None:
    """Parse one LIST response (``(\\HasNoChildren \\Junk) "/" Junk``), its name maybe a literal."""
    raw = line if line.startswith((b"LIST ", b"* LIST ")) else b"LIST " + line
    found = parse_list_responses(reassemble([raw, bytearray(literal), b""] if literal else [raw]))
    return found[0] if found else None


def find_junk(mailboxes: Sequence[Mailbox]) -> tuple[Mailbox | None, str]:
    """The spam folder and how it was found: ``special-use``, ``name`` or ``missing``."""
    selectable = [m for m in mailboxes if "\\noselect" not in m.attributes]
    for mailbox in selectable:
        if "\\junk" in mailbox.attributes:
            return mailbox, "special-use"
    for wanted in JUNK_NAMES:
        for mailbox in selectable:
            full = mailbox.display.lower()
            leaf = re.split(r"[./]", full)[-1]
            if wanted in (full, leaf):
                return mailbox, "name"
    return None, "missing"


def find_trash(mailboxes: Sequence[Mailbox]) -> Mailbox | None:
    """The trash folder: ``\\Trash`` special-use, else a folder called Trash."""
    for mailbox in mailboxes:
        if "\\trash" in mailbox.attributes:
            return mailbox
    for mailbox in mailboxes:
        if mailbox.display.lower() in ("trash", "deleted items", "inbox.trash", "[gmail]/trash"):
            return mailbox
    return None
