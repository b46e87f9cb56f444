"""IMAP, through aioimaplib (the only package that imports it): the front door.

- wire.py: the sans-I/O half (quoting, parsing what the server sent);
- folders.py, messages.py: which folder is Junk or Trash; a fetched header's values;
- client.py: aioimaplib's protocol and client, made safe for hostile servers;
- session.py: the connected session (open_session: resolve ... LOGIN; commands);
- idle.py: waiting in IDLE for new mail;
- cleanup.py: removing mailcheck's own test message, one confirmed UID.
"""

from __future__ import annotations

from mailcheck.probes.imap.cleanup import Removal, remove, still_there
from mailcheck.probes.imap.folders import JUNK_NAMES, find_junk, find_trash, parse_list_line
from mailcheck.probes.imap.idle import wait_for_push
from mailcheck.probes.imap.messages import header_values, parse_fetch
from mailcheck.probes.imap.session import ImapSession, open_session
from mailcheck.probes.imap.wire import Mailbox, decode_mailbox_name, imap_reply, quote

__all__ = [
    "JUNK_NAMES",
    "ImapSession",
    "Mailbox",
    "Removal",
    "decode_mailbox_name",
    "find_junk",
    "find_trash",
    "header_values",
    "imap_reply",
    "open_session",
    "parse_fetch",
    "parse_list_line",
    "quote",
    "remove",
    "still_there",
    "wait_for_push",
]
