"""Test invoices that may still sit in a mailbox: a small journal on this machine.

Before a round trip sends its test invoice, it notes the token in a file under
``$XDG_STATE_HOME/mailcheck/pending/<mailbox>/``; once the invoice's cleanup is
confirmed (or nothing was sent) the note goes. A run that could not clean up
(IMAP lost, a signal past the grace, ``kill -9``, a power cut) leaves its note,
and the next run of the same mailbox searches for leftovers and removes them.

Searching a mailbox for old test invoices costs the server a header search of
every message in INBOX and Junk, so it is not done on every run: only when the
journal has a note older than a few minutes, and otherwise once a day (a
leftover of a run on another machine, which this journal cannot know about).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from mailcheck.statedir import state_dir

__all__ = ["SWEEP_EVERY", "Journal", "journal_for"]

#: A sweep without a pending note is done at most this often per mailbox (seconds).
SWEEP_EVERY = 24 * 3600.0
_SWEPT = ".swept"


@dataclass(frozen=True, slots=True)
class Journal:
    """The notes of one mailbox (a folder; one empty file per token, its mtime the send time)."""

    folder: Path

    def note(self, token: str) -> None:
        """Note a test invoice about to be sent; a journal that cannot be written is skipped."""
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            (self.folder / token).touch()

    def forget(self, *tokens: str) -> None:
        """The invoice was removed (or never sent): drop its note."""
        for token in tokens:
            with contextlib.suppress(OSError):
                (self.folder / token).unlink()

    def pending(self, older_than: float) -> list[str]:
        """Tokens noted more than ``older_than`` seconds ago (a run still going is younger)."""
        now = time.time()
        out = []
        with contextlib.suppress(OSError):
            for path in self.folder.iterdir():
                if path.name == _SWEPT or path.name.startswith("."):
                    continue
                with contextlib.suppress(OSError):
                    if now - path.stat().st_mtime > older_than:
                        out.append(path.name)
        return sorted(out)

    def sweep_due(self, older_than: float) -> bool:
        """Whether leftovers should be looked for: a pending note, or no sweep for a day."""
        if self.pending(older_than):
            return True
        try:
            return time.time() - (self.folder / _SWEPT).stat().st_mtime > SWEEP_EVERY
        except OSError:
            return True

    def swept(self, tokens: list[str]) -> None:
        """A sweep finished without a failure: its notes go, and the day's sweep is done."""
        self.forget(*tokens)
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            (self.folder / _SWEPT).touch()


def journal_for(username: str, host: str, port: int) -> Journal:
    """The journal of one mailbox, named by a hash (no address in a file name)."""
    key = f"{username.lower()}\0{host.lower()}\0{port}".encode()
    name = hashlib.sha256(key).hexdigest()[:24]
    return Journal(state_dir() / "pending" / name)
