"""Where mailcheck's files live on each system: config, state (history, locks), cache.

``platformdirs`` knows each system's folders: on Linux and the BSDs the XDG ones,
exactly as before (``~/.config/mailcheck``, ``~/.local/state/mailcheck``,
``~/.cache/mailcheck``, or under ``$XDG_CONFIG_HOME`` and its kin), so an existing
user's config and check history are still found; on Windows ``%LOCALAPPDATA%\\mailcheck``;
on macOS ``~/Library/Application Support/mailcheck`` and ``~/Library/Caches/mailcheck``,
unless the XDG folder of an earlier mailcheck is there (it is kept).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["APP", "cache_dir", "config_dir", "state_dir"]

#: The folder name under each base.
APP = "mailcheck"

#: kind -> (XDG variable, its default under the home directory).
_XDG = {
    "config": ("XDG_CONFIG_HOME", ".config"),
    "state": ("XDG_STATE_HOME", ".local/state"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
}


def _folder(kind: str) -> Path:
    variable, default = _XDG[kind]
    if sys.platform not in ("win32", "darwin"):
        base = os.environ.get(variable, "")
        if base.strip() and not os.path.isabs(base):
            # The XDG spec: a relative value is invalid and must be ignored (platformdirs
            # would use it, relative to wherever the run happens to start).
            return Path.home() / default / APP
    elif sys.platform == "darwin":
        # mailcheck 0.1.0 used the XDG folders on macOS too: a user who has one keeps it.
        base = os.environ.get(variable, "")
        earlier = (Path(base) if os.path.isabs(base) else Path.home() / default) / APP
        if earlier.is_dir():
            return earlier
    import platformdirs  # only when a path is needed: most runs need none

    if kind == "config":
        return Path(platformdirs.user_config_dir(APP, appauthor=False))
    if kind == "state":
        return Path(platformdirs.user_state_dir(APP, appauthor=False))
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The config folder: ``config.toml`` and ``oauth/``."""
    return _folder("config")


def state_dir() -> Path:
    """The state folder: the check history, its run locks, the pending test invoices."""
    return _folder("state")


def cache_dir() -> Path:
    """The cache of parsed data files."""
    return _folder("cache")
