"""The refresh-token grant (RFC 6749 §6): a stored refresh token in, a fresh access token out.

The one entry point is :func:`access_token`; a token source calls it and gets a string,
or an :class:`~mailcheck.oauth.errors.OAuthError` (a :class:`GrantError` when the provider
refused, with its ``error`` such as ``invalid_grant`` and Microsoft's ``AADSTS`` codes).

Google: a plain POST to its token endpoint
(https://developers.google.com/identity/protocols/oauth2/native-app#offline). Microsoft: MSAL's
``acquire_token_by_refresh_token`` against the tenant's authority, instance discovery off
(https://learn.microsoft.com/python/api/msal/msal.application.clientapplication). A refresh token
the provider rotates is written back to the file.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import replace
from pathlib import Path
from typing import Any

from mailcheck.errors import ConfigError, SecretError
from mailcheck.oauth import store
from mailcheck.oauth.errors import OAuthError
from mailcheck.oauth.http import grant_error, post_form
from mailcheck.oauth.providers import Endpoints, Provider, endpoints
from mailcheck.oauth.providers import provider as find_provider

__all__ = ["access_token"]


async def access_token(
    provider: str,
    refresh_token_file: Path,
    *,
    timeout: float = 30.0,
    base_url: str | None = None,
    ca_file: str | None = None,
) -> str:
    """A fresh access token for ``provider`` from the refresh token in ``refresh_token_file``.

    ``timeout`` bounds each request to the provider; ``base_url`` (or ``MAILCHECK_OAUTH_URL``)
    replaces the provider's host, ``ca_file`` the trusted CAs (tests). Raises
    :class:`~mailcheck.errors.SecretError` (file), :class:`OAuthError` or :class:`GrantError`.
    """
    p = find_provider(provider)
    grant = store.load(refresh_token_file)
    if grant.provider != p.name:
        raise SecretError(
            f"the OAuth2 token file {refresh_token_file} is for {grant.provider}, not {p.name}"
        )
    ep = endpoints(p, tenant=grant.tenant, base_url=base_url)
    if p.msal:
        answer = await _msal_refresh(p, grant, ep, timeout, ca_file)
    else:
        fields = {
            "grant_type": "refresh_token",
            "refresh_token": grant.refresh_token,
            "client_id": grant.client_id,
        }
        if grant.client_secret:
            fields["client_secret"] = grant.client_secret
        answer = await post_form(
            ep.token, fields, provider=p.name, timeout=timeout, ca_file=ca_file
        )
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuthError(f"the {p.name} token endpoint {ep.token} gave no access token")
    rotated = answer.get("refresh_token")
    if isinstance(rotated, str) and rotated and rotated != grant.refresh_token:
        store.save(refresh_token_file, replace(grant, refresh_token=rotated))
    return token


async def _msal_refresh(
    p: Provider, grant: store.StoredGrant, ep: Endpoints, timeout: float, ca_file: str | None
) -> dict[str, Any]:
    """MSAL's refresh, in a thread (it is synchronous); its failures as OAuthError."""
    if not ep.authority.startswith("https://"):
        raise ConfigError(f"MSAL signs in over HTTPS only, not at {ep.authority}")

    def run() -> dict[str, Any]:
        import msal
        import requests

        session = requests.Session()
        # Per request, so that REQUESTS_CA_BUNDLE does not replace the CA file given.
        session.request = functools.partial(  # type: ignore[method-assign]
            session.request, timeout=timeout, verify=ca_file or True
        )
        try:
            app = msal.PublicClientApplication(
                grant.client_id,
                authority=ep.authority,
                instance_discovery=False,
                http_client=session,
            )
            # MSAL adds offline_access, openid and profile itself and refuses them given.
            scopes = [s for s in p.scopes if s != "offline_access"]
            result: dict[str, Any] = app.acquire_token_by_refresh_token(
                grant.refresh_token, scopes=scopes
            )
        except requests.Timeout:
            raise OAuthError(
                f"the {p.name} token endpoint {ep.authority} did not answer within {timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            raise OAuthError(
                f"cannot reach the {p.name} token endpoint {ep.authority}: {type(exc).__name__}"
            ) from None
        except ValueError:  # MSAL's discovery and JSON decoding fail with ValueError
            raise OAuthError(
                f"the {p.name} token endpoint {ep.authority} answered with something "
                "that is not OAuth2 JSON"
            ) from None
        finally:
            session.close()
        if isinstance(result.get("error"), str):
            raise grant_error(p.name, result)
        return result

    return await asyncio.to_thread(run)
