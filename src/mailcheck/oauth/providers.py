"""The OAuth2 providers mailcheck signs in to: their token and device-code endpoints.

Google (https://developers.google.com/identity/protocols/oauth2/native-app and
https://developers.google.com/identity/protocols/oauth2/limited-input-device): token
endpoint ``https://oauth2.googleapis.com/token``, device endpoint
``https://oauth2.googleapis.com/device/code``; Gmail's IMAP and SMTP want the scope
``https://mail.google.com/`` (https://developers.google.com/gmail/imap/xoauth2-protocol);
its authorization endpoint (for the loopback sign-in, mailcheck.oauth.loopback) is
``https://accounts.google.com/o/oauth2/v2/auth``
(https://developers.google.com/identity/protocols/oauth2/native-app#step-2:-send-a-request-to-googles-oauth-2.0-server).
Google's device flow grants only a short list of scopes, and ``https://mail.google.com/``
is not on it: ``mailcheck login --provider gmail`` uses the loopback flow instead.

Microsoft identity platform (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code,
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token):
``https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`` and ``.../devicecode``;
the scopes ``https://outlook.office.com/SMTP.Send``, ``.../IMAP.AccessAsUser.All`` and
``offline_access`` (for the refresh token) from
https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth

Every endpoint can be pointed elsewhere (``base_url``, or ``MAILCHECK_OAUTH_URL``): the tests
run a token endpoint on 127.0.0.1. Plain ``http://`` is refused except on loopback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from mailcheck.errors import ConfigError, did_you_mean

__all__ = ["BASE_URL_ENV", "PROVIDERS", "Endpoints", "Provider", "endpoints", "provider"]

BASE_URL_ENV = "MAILCHECK_OAUTH_URL"
"""Replaces the provider's ``https://host`` (tests: a token endpoint on 127.0.0.1)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """One identity provider: where its endpoints live and what mail needs of it."""

    name: str
    """``gmail`` or ``office365``, as ``mailcheck login --provider`` spells it."""
    title: str
    base_url: str
    token_path: str
    device_path: str
    authorize_path: str
    """The authorization endpoint (the browser's sign-in page), under ``authorize_base``."""
    authorize_base: str
    scopes: tuple[str, ...]
    msal: bool
    """Refresh through MSAL (Microsoft) rather than a plain token request."""
    needs_secret: bool
    """Google's installed-app clients send their (not secret) client secret too."""


GMAIL = Provider(
    name="gmail",
    title="Google",
    base_url="https://oauth2.googleapis.com",
    token_path="/token",  # noqa: S106 - a URL path, not a password
    device_path="/device/code",
    authorize_path="/o/oauth2/v2/auth",
    authorize_base="https://accounts.google.com",
    scopes=("https://mail.google.com/",),
    msal=False,
    needs_secret=True,
)
OFFICE365 = Provider(
    name="office365",
    title="Microsoft",
    base_url="https://login.microsoftonline.com",
    token_path="/{tenant}/oauth2/v2.0/token",  # noqa: S106 - a URL path
    device_path="/{tenant}/oauth2/v2.0/devicecode",
    authorize_path="/{tenant}/oauth2/v2.0/authorize",
    authorize_base="https://login.microsoftonline.com",
    scopes=(
        "https://outlook.office.com/SMTP.Send",
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "offline_access",
    ),
    msal=True,
    needs_secret=False,
)
PROVIDERS = {p.name: p for p in (GMAIL, OFFICE365)}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def provider(name: str) -> Provider:
    """The provider called ``name``; a :class:`ConfigError` naming the choices otherwise."""
    found = PROVIDERS.get(name)
    if found is None:
        raise ConfigError(
            f"unknown OAuth2 provider {name!r}{did_you_mean(name, list(PROVIDERS))}; "
            f"choose {' or '.join(PROVIDERS)}"
        )
    return found


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where to ask, after any override."""

    authority: str
    """``base/tenant`` for Microsoft (MSAL's authority), else ``base``."""
    token: str
    device: str
    authorize: str


def endpoints(p: Provider, *, tenant: str = "common", base_url: str | None = None) -> Endpoints:
    """The provider's endpoints; ``base_url`` (else ``$MAILCHECK_OAUTH_URL``) replaces its host."""
    override = base_url or os.environ.get(BASE_URL_ENV)
    base = (override or p.base_url).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"the OAuth2 endpoint {base!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigError(f"the OAuth2 endpoint {base!r} is not HTTPS (only loopback may be)")
    return Endpoints(
        authority=f"{base}/{tenant}" if p.msal else base,
        token=base + p.token_path.format(tenant=tenant),
        device=base + p.device_path.format(tenant=tenant),
        authorize=(base if override else p.authorize_base) + p.authorize_path.format(tenant=tenant),
    )
