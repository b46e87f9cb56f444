"""The stored refresh grant as a token source: a :class:`~mailcheck.secret.Secret` whose
access token is fetched when the sign-in step needs it.

A profile with ``oauth_provider = "gmail" | "office365"`` signs in with the grant that
``mailcheck login --profile NAME`` stored (or its ``oauth_grant_file``). The file is read,
and its mode checked, when the settings are read (a missing file is a setup error, exit 3);
the token endpoint is asked at sign-in, inside the run, so that a refusal (``invalid_grant``)
is the sign-in step's evidence and names its cause. One fetch serves SMTP and IMAP alike;
a failed fetch is not repeated. ``MAILCHECK_OAUTH_URL`` points the endpoints elsewhere (tests).
"""

from __future__ import annotations

from pathlib import Path

from mailcheck.oauth import store
from mailcheck.oauth.errors import OAuthError
from mailcheck.oauth.providers import provider as find_provider
from mailcheck.secret import Secret

__all__ = ["GrantSecret", "grant_secret"]


class GrantSecret(Secret):
    """An access token from a stored refresh grant, fetched once by :meth:`ready`."""

    __slots__ = ("_error", "path", "provider", "timeout")

    deferred = True

    def __init__(self, provider: str, path: Path, timeout: float) -> None:
        super().__init__("", f"OAuth2 refresh grant ({provider}, {path})", kind="token")
        self.provider = provider
        self.path = path
        self.timeout = timeout
        self._error: OAuthError | None = None

    async def ready(self) -> None:
        """Ask the token endpoint for an access token, once; its refusal as raised."""
        if self._value:
            return
        if self._error is not None:
            raise self._error
        from mailcheck.oauth.grant import access_token

        try:
            self._value = await access_token(self.provider, self.path, timeout=self.timeout)
        except OAuthError as exc:
            self._error = exc
            raise


def grant_secret(provider: str, grant_file: str | None, timeout: float) -> GrantSecret:
    """The token source of a profile's ``oauth_provider``; its grant file checked now."""
    p = find_provider(provider)
    path = Path(grant_file).expanduser() if grant_file else store.grant_path()
    grant = store.load(path)  # SecretError: missing, open to others, not mailcheck's JSON
    if grant.provider != p.name:
        from mailcheck.errors import SecretError

        raise SecretError(f"the OAuth2 token file {path} is for {grant.provider}, not {p.name}")
    return GrantSecret(p.name, path, timeout)
