"""The refresh token at rest: one JSON file per profile, mode 0600, under the config folder.

``$XDG_CONFIG_HOME/mailcheck/oauth/<profile>.json`` (else ``~/.config/...``), written by
``mailcheck login`` and rewritten when the provider rotates the refresh token (Microsoft
does). Like a password file, a token file that the group or others can read is refused,
not used: the refresh token signs in as the user for months.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from mailcheck.errors import ConfigError, SecretError

__all__ = ["StoredGrant", "config_dir", "grant_path", "load", "save"]

_PROFILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredGrant:
    """What a refresh needs: who asks (the client), and the refresh token."""

    provider: str
    client_id: str
    refresh_token: str
    client_secret: str | None = None
    tenant: str = "common"

    def __repr__(self) -> str:  # never the token, never the client secret
        return f"StoredGrant(provider={self.provider!r}, client_id={self.client_id!r})"


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/mailcheck``, else ``~/.config/mailcheck`` (Linux; see
    :mod:`mailcheck.paths` for Windows and macOS)."""
    from mailcheck.paths import config_dir as folder

    return folder()


def grant_path(profile: str = "default") -> Path:
    """Where ``profile``'s refresh token lives."""
    if not _PROFILE.match(profile):
        raise ConfigError(f"profile name {profile!r}: use letters, digits, '.', '_' or '-'")
    return config_dir() / "oauth" / f"{profile}.json"


def load(path: Path) -> StoredGrant:
    """Read a token file; :class:`SecretError` if it is missing, open to others or malformed."""
    try:
        with path.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            raw = handle.read(64 * 1024)
    except OSError as exc:
        hint = " (run: mailcheck login)" if isinstance(exc, FileNotFoundError) else ""
        raise SecretError(
            f"cannot read the OAuth2 token file {path}: {exc.strerror or exc}{hint}"
        ) from None
    if stat.S_IMODE(mode) & 0o077:
        raise SecretError(
            f"the OAuth2 token file {path} can be read by others "
            f"(mode {stat.S_IMODE(mode):04o}): run chmod 600 {path}"
        )
    try:
        data = json.loads(raw.decode("utf-8"))
        grant = StoredGrant(
            provider=_text(data, "provider"),
            client_id=_text(data, "client_id"),
            refresh_token=_text(data, "refresh_token"),
            client_secret=data.get("client_secret") if _optional(data, "client_secret") else None,
            tenant=_text(data, "tenant") if "tenant" in data else "common",
        )
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        # The messages of json and of the checks could quote the token: none is shown.
        raise SecretError(f"the OAuth2 token file {path} is not mailcheck's JSON") from None
    return grant


def _text(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(key)
    return value


def _optional(data: dict[str, object], key: str) -> bool:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(key)
    return value is not None


def save(path: Path, grant: StoredGrant) -> None:
    """Write ``grant`` to ``path`` (0600, folder 0700), replacing any old file whole."""
    text = json.dumps({k: v for k, v in asdict(grant).items() if v is not None}, indent=2)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"cannot write the OAuth2 token file {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ConfigError(f"cannot write the OAuth2 token file {path}: {exc.strerror}") from None
