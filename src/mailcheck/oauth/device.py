"""The device authorization grant (RFC 8628), for ``mailcheck login``.

Ask the device endpoint for a user code (§3.1-3.2), show the user where to type it, then
poll the token endpoint (§3.4-3.5): ``authorization_pending`` waits one interval,
``slow_down`` waits 5 s longer from then on, anything else (``expired_token``,
``access_denied``, Microsoft's ``authorization_declined``) ends the login as a GrantError.
Google names the page ``verification_url``, RFC 8628 and Microsoft ``verification_uri``
(https://developers.google.com/identity/protocols/oauth2/limited-input-device#step-2:-handle-the-authorization-server-response,
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code#device-authorization-response).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mailcheck.oauth.errors import GrantError, OAuthError
from mailcheck.oauth.http import post_form
from mailcheck.oauth.providers import Endpoints, Provider

__all__ = ["DEVICE_GRANT", "Client", "DeviceCode", "poll", "start"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_SLOW_DOWN = 5.0  # RFC 8628 §3.5


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    """Who signs in, and where: the app's client id (and Google's client secret)."""

    provider: Provider
    endpoints: Endpoints
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: str | None = None

    def fields(self, **extra: str) -> dict[str, str]:
        fields = {"client_id": self.client_id, **extra}
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        return fields


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceCode:
    """What the user must do (go to ``verification_uri``, type ``user_code``)."""

    user_code: str
    verification_uri: str
    interval: float
    expires_in: float
    device_code: str = field(repr=False)


async def start(client: Client) -> DeviceCode:
    """Ask for a device code and the user code to show (RFC 8628 §3.1)."""
    p = client.provider
    answer = await post_form(
        client.endpoints.device,
        client.fields(scope=" ".join(p.scopes)),
        provider=p.name,
        timeout=client.timeout,
        ca_file=client.ca_file,
    )
    uri = answer.get("verification_uri") or answer.get("verification_url")
    user_code, device_code = answer.get("user_code"), answer.get("device_code")
    if not all(isinstance(v, str) and v for v in (uri, user_code, device_code)):
        raise OAuthError(
            f"the {p.name} device endpoint {client.endpoints.device} gave no user code"
        )
    return DeviceCode(
        user_code=str(user_code),
        verification_uri=str(uri),
        device_code=str(device_code),
        interval=_number(answer.get("interval"), 5.0),
        expires_in=_number(answer.get("expires_in"), 900.0),
    )


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and value >= 0 else default


async def poll(
    client: Client,
    code: DeviceCode,
    *,
    slow_down_step: float = _SLOW_DOWN,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> dict[str, Any]:
    """Poll until the user has signed in; the token answer (with its ``refresh_token``)."""
    interval = code.interval
    deadline = time.monotonic() + code.expires_in
    fields = client.fields(grant_type=DEVICE_GRANT, device_code=code.device_code)
    while True:
        await sleep(interval)
        try:
            return await post_form(
                client.endpoints.token,
                fields,
                provider=client.provider.name,
                timeout=client.timeout,
                ca_file=client.ca_file,
            )
        except GrantError as exc:
            if exc.error == "slow_down":
                interval += slow_down_step
            elif exc.error != "authorization_pending":
                raise
        if time.monotonic() >= deadline:
            raise GrantError(
                provider=client.provider.name,
                error="expired_token",
                description="the code expired before the sign-in was finished",
            )
