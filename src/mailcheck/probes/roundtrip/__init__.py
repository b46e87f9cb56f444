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

The package: matchers.py (what counts as the message), state.py (the signals
between sender and watchers, what was found, the watch's state), watch.py
(getting ready, watching, reading) and cleanup.py (removing our own message,
after a run, after an interruption, and leftovers of earlier runs).
"""

from __future__ import annotations

from mailcheck.probes.roundtrip.matchers import (
    CriteriaMatcher,
    TokenMatcher,
    bounce_candidate,
    criteria_matcher,
    token_matcher,
)
from mailcheck.probes.roundtrip.state import GRACE_SECONDS, LEFTOVER_AGE, Found, Signals
from mailcheck.probes.roundtrip.watch import MailboxWatch

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
