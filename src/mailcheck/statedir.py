"""Where mailcheck keeps state between runs: ``$XDG_STATE_HOME/mailcheck``.

The check history, its run locks and the journal of test invoices that may be
left in a mailbox all live under it. Kept apart and light: the round trip reads
it without loading the history's SQLite code.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["state_dir"]


def state_dir() -> Path:
    """``$XDG_STATE_HOME/mailcheck``, else ``~/.local/state/mailcheck``."""
    base = os.environ.get("XDG_STATE_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    home = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return home / "mailcheck"
