"""The web-config file of ``mailcheck serve``, in the Prometheus exporter-toolkit format.

The same YAML file node_exporter and blackbox_exporter take with ``--web.config.file``::

    tls_server_config:
      cert_file: server.crt        # relative paths are relative to this file
      key_file: server.key
      min_version: TLS12           # optional: TLS10 .. TLS13
      client_ca_file: ca.crt       # optional, with client_auth_type
      client_auth_type: RequireAndVerifyClientCert
    basic_auth_users:
      prometheus: $2y$10$...       # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':')

A key the toolkit knows but mailcheck does not implement (``http_server_config``,
cipher suites) is refused by name rather than ignored: a setting that silently does
nothing is worse than an error at start-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailcheck.errors import ConfigError

__all__ = ["BasicAuth", "WebConfig", "load_web_config"]

_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
_TLS_KEYS = frozenset(
    {"cert_file", "key_file", "min_version", "max_version", "client_ca_file", "client_auth_type"}
)
#: Accepted credentials kept (by a digest, never the password) so that a scrape every few
#: seconds does not pay bcrypt's deliberate ~50-200 ms each time; exporter-toolkit caches too.
_CACHE_SIZE = 256


@dataclass(slots=True)
class BasicAuth:
    """``basic_auth_users``: user name -> bcrypt hash, with a cache of accepted logins."""

    users: dict[str, bytes]
    _accepted: OrderedDict[bytes, None] = field(default_factory=OrderedDict)
    _dummy: bytes | None = None

    def _key(self, user: str, password: str) -> bytes:
        digest = hashlib.sha256()
        for part in (user.encode(), password.encode(), self.users.get(user, b"")):
            digest.update(len(part).to_bytes(4, "big") + part)
        return digest.digest()

    def _check(self, user: str, password: str) -> bool:
        import bcrypt

        known = self.users.get(user)
        if known is None:
            # Spend the same bcrypt time on an unknown user, so timing does not tell
            # which user names exist.
            if self._dummy is None:
                self._dummy = bcrypt.hashpw(b"-", bcrypt.gensalt(rounds=10))
            bcrypt.checkpw(password.encode(), self._dummy)
            return False
        try:
            return bool(bcrypt.checkpw(password.encode(), known))
        except ValueError:  # a hash bcrypt cannot read: checked at load, so never here
            return False

    async def accepts(self, user: str, password: str) -> bool:
        """Whether this user name and password are allowed (bcrypt runs in a thread)."""
        key = self._key(user, password)
        if key in self._accepted:
            self._accepted.move_to_end(key)
            return True
        ok = await asyncio.to_thread(self._check, user, password)
        if ok:
            self._accepted[key] = None
            while len(self._accepted) > _CACHE_SIZE:
                self._accepted.popitem(last=False)
        return ok


@dataclass(frozen=True, slots=True)
class WebConfig:
    """What the web-config file asks for: a TLS context and/or basic-auth users."""

    ssl_context: ssl.SSLContext | None = None
    basic_auth: BasicAuth | None = None


def _table(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{what} must be a mapping")
    return value


def _ssl_context(raw: dict[str, Any], base: Path, where: str) -> ssl.SSLContext | None:
    unknown = sorted(set(raw) - _TLS_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: tls_server_config key(s) {', '.join(unknown)} are not supported by "
            "mailcheck serve (supported: " + ", ".join(sorted(_TLS_KEYS)) + ")"
        )
    if not raw:
        return None
    cert, key = raw.get("cert_file"), raw.get("key_file")
    if not cert or not key:
        raise ConfigError(f"{where}: tls_server_config needs both cert_file and key_file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(base / str(cert), base / str(key))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"{where}: cannot load cert_file {cert} / key_file {key}: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    for name, attr in (("min_version", "minimum_version"), ("max_version", "maximum_version")):
        if raw.get(name) is not None:
            version = _TLS_VERSIONS.get(str(raw[name]))
            if version is None:
                raise ConfigError(
                    f"{where}: {name} {raw[name]!r} is not one of {', '.join(_TLS_VERSIONS)}"
                )
            setattr(context, attr, version)
    auth_type = str(raw.get("client_auth_type") or "NoClientCert")
    if auth_type not in _CLIENT_AUTH:
        raise ConfigError(
            f"{where}: client_auth_type {auth_type!r} is not one of {', '.join(_CLIENT_AUTH)}"
        )
    context.verify_mode = _CLIENT_AUTH[auth_type]
    if raw.get("client_ca_file"):
        try:
            context.load_verify_locations(base / str(raw["client_ca_file"]))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{where}: cannot load client_ca_file: {exc}") from None
    elif context.verify_mode is not ssl.CERT_NONE:
        raise ConfigError(f"{where}: client_auth_type {auth_type} needs client_ca_file")
    return context


def _basic_auth(raw: dict[str, Any], where: str) -> BasicAuth | None:
    if not raw:
        return None
    users = {}
    for user, hashed in raw.items():
        text = str(hashed or "")
        # $2a$, $2b$, $2y$: the bcrypt variants htpasswd and the toolkit's docs produce.
        if not (text.startswith(("$2a$", "$2b$", "$2y$")) and len(text) == 60):
            raise ConfigError(
                f"{where}: basic_auth_users: the password of {str(user)!r} must be a bcrypt "
                "hash (e.g. from htpasswd -nBC 10 USER), not a plain password"
            )
        users[str(user)] = text.encode()
    return BasicAuth(users)


def load_web_config(path: str | Path) -> WebConfig:
    """Read and check a web-config file; :class:`ConfigError` says what is wrong."""
    import yaml

    file = Path(path)
    where = f"web config {file}"
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {where}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML: {exc}") from None
    data = _table(data, where)
    unknown = sorted(set(data) - {"tls_server_config", "basic_auth_users"})
    if unknown:
        raise ConfigError(
            f"{where}: key(s) {', '.join(unknown)} are not supported by mailcheck serve "
            "(supported: tls_server_config, basic_auth_users)"
        )
    base = file.parent
    return WebConfig(
        ssl_context=_ssl_context(_table(data.get("tls_server_config"), where), base, where),
        basic_auth=_basic_auth(_table(data.get("basic_auth_users"), where), where),
    )
