"""The installed-app sign-in (RFC 8252 §7.3): the browser brings the code back to 127.0.0.1.

Google's device flow does not grant ``https://mail.google.com/``, so ``mailcheck login
--provider gmail`` uses the loopback flow that Google documents for desktop apps
(https://developers.google.com/identity/protocols/oauth2/native-app): a one-shot HTTP
listener on ``127.0.0.1:<free port>``; the authorization URL (``client_id``,
``redirect_uri``, ``response_type=code``, ``scope``, ``state``, PKCE ``code_challenge`` with
``code_challenge_method=S256``, RFC 7636 §4) shown to the user and opened in a browser;
the redirect's ``code`` (or ``error``, e.g. ``access_denied``) read once, its ``state``
checked; the code exchanged at the token endpoint (``grant_type=authorization_code`` with
``code_verifier`` and the same ``redirect_uri``). Nothing here prints a code or a token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from mailcheck.oauth.device import Client
from mailcheck.oauth.errors import GrantError, OAuthError
from mailcheck.oauth.http import post_form

__all__ = ["Redirect", "authorization_url", "pkce_pair", "sign_in"]

_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>mailcheck</title>"
    b"<p>mailcheck: {done}. You can close this window.</p>"
)
_REQUEST_CAP = 16 * 1024


def pkce_pair() -> tuple[str, str]:
    """``(code_verifier, code_challenge)``: 43-128 unreserved characters, S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(client: Client, redirect_uri: str, state: str, challenge: str) -> str:
    """Where the user signs in and consents; it redirects to ``redirect_uri`` with a code."""
    query = {
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(client.provider.scopes),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{client.endpoints.authorize}?{urlencode(query)}"


@dataclass(slots=True)
class Redirect:
    """The one redirect the listener waits for: its query, once it came."""

    state: str
    query: asyncio.Future[dict[str, str]] = field(repr=False)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one browser request; the first one to ``/`` that carries our ``state``."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            writer.close()
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        target = urlsplit(parts[1]) if len(parts) == 3 and parts[0] == "GET" else None
        query = {k: v[0] for k, v in parse_qs(target.query).items()} if target else {}
        ours = target is not None and target.path == "/" and query.get("state") == self.state
        if ours and not self.query.done():
            self.query.set_result(query)
            done = "signed in" if "code" in query else "the sign-in was not finished"
            body = _PAGE.replace(b"{done}", done.encode())
            status = b"200 OK"
        else:
            body, status = b"not found", b"404 Not Found"
        writer.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        try:
            await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()


async def sign_in(
    client: Client,
    show: Callable[[str], None],
    *,
    wait: float = 300.0,
    port: int = 0,
) -> dict[str, Any]:
    """Run the whole flow; the token answer (with its ``refresh_token``).

    ``show`` gets the authorization URL (to print it, and open a browser); the listener
    waits ``wait`` seconds for the redirect. Raises :class:`GrantError` when the provider
    redirects with an error or refuses the code, :class:`OAuthError` when nothing came.
    """
    verifier, challenge = pkce_pair()
    redirect = Redirect(secrets.token_urlsafe(24), asyncio.get_running_loop().create_future())
    server = await asyncio.start_server(
        redirect.handle, "127.0.0.1", port, limit=_REQUEST_CAP, reuse_address=True
    )
    try:
        bound = server.sockets[0].getsockname()[1]
        redirect_uri = f"http://127.0.0.1:{bound}/"
        show(authorization_url(client, redirect_uri, redirect.state, challenge))
        try:
            query = await asyncio.wait_for(redirect.query, wait)
        except TimeoutError:
            raise OAuthError(f"no sign-in came back to {redirect_uri} within {wait:g} s") from None
    finally:
        server.close()
        await server.wait_closed()
    code = query.get("code")
    if not code:
        raise GrantError(
            provider=client.provider.name,
            error=query.get("error") or "no_code",
            description=(query.get("error_description") or "")[:300],
        )
    fields = client.fields(
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
    )
    return await post_form(
        client.endpoints.token,
        fields,
        provider=client.provider.name,
        timeout=client.timeout,
        ca_file=client.ca_file,
    )
