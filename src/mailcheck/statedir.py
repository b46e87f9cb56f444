"""Where mailcheck keeps state between runs: ``$XDG_STATE_HOME/mailcheck``.

The check history, its run locks and the journal of test invoices that may be
left in a mailbox all live under it. Kept apart and light: the round trip reads
it without loading the history's SQLite code.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["state_dir"]


def state_dir() -> Path:
    """``$XDG_STATE_HOME/mailcheck``, else ``~/.local/state/mailcheck`` (Linux; see
    :mod:`mailcheck.paths` for Windows and macOS)."""
    from mailcheck.paths import state_dir as folder

    return folder()
