"""A token endpoint on 127.0.0.1 that speaks Google's and Microsoft's OAuth2 formats.

Refresh grant (RFC 6749 §6), device-code grant (RFC 8628) and, for the loopback sign-in, an
authorization endpoint that redirects to the ``redirect_uri`` with a code (or
:attr:`FakeOAuth.consent`'s error) and the code exchange checking PKCE: a success is
``{"access_token", "expires_in", "token_type", ["refresh_token"]}``; a refusal is HTTP 400
``{"error", "error_description"}`` plus, in Microsoft's form, ``error_codes``, ``trace_id``
(https://learn.microsoft.com/entra/identity-platform/reference-error-codes#handling-error-codes-in-your-application,
https://developers.google.com/identity/protocols/oauth2/limited-input-device#step-6:-handle-responses-to-polling-requests).
It also serves the OpenID configuration MSAL reads from an authority
(``{tenant}/v2.0/.well-known/openid-configuration``), so MSAL can be pointed at it over TLS.

Configure it through :attr:`FakeOAuth.refresh` (``"ok"``, ``"stall"``, ``"garbage"`` or an
error dict) and :attr:`FakeOAuth.polls` (device-code answers in order: an error code or
``"ok"``); :attr:`FakeOAuth.requests` holds each form it got.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ACCESS_TOKEN = "ya29.fake-access-token-SECRET"
NEW_ACCESS_TOKEN = "ya29.rotated-access-SECRET"
REFRESH_TOKEN = "1//fake-refresh-token-SECRET"
ROTATED_REFRESH_TOKEN = "1//rotated-refresh-token-SECRET"
DEVICE_CODE = "device-code-SECRET"
USER_CODE = "WDJB-MJHT"
VERIFICATION_URI = "https://microsoft.com/devicelogin"
AUTH_CODE = "4/fake-authorization-code-SECRET"

GOOGLE_INVALID_GRANT = {
    # Google's answer to a revoked or expired refresh token.
    "error": "invalid_grant",
    "error_description": "Token has been expired or revoked.",
}
MS_PASSWORD_CHANGED = {
    "error": "invalid_grant",
    "error_description": "AADSTS50173: The provided grant has expired due to it being revoked, "
    "a fresh auth token is needed. The user might have changed or reset their password."
    "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: x",
    "error_codes": [50173],
}
MS_INVALID_SCOPE = {
    "error": "invalid_scope",
    "error_description": "AADSTS70011: The provided value for the input parameter 'scope' "
    "isn't valid.\r\nTrace ID: 0000aaaa",
    "error_codes": [70011],
}


class FakeOAuth:
    """The server's script and what it was sent."""

    def __init__(self) -> None:
        self.refresh: str | dict[str, Any] = "ok"
        self.mint: Callable[[], str] | None = None
        """Makes each access token (the lab's ``mint_token``), else a fixed fake one."""
        self.rotate = False
        self.polls: list[str] = ["ok"]
        self.consent: str = "ok"
        """The authorization endpoint's answer: ``"ok"`` (a code) or an error, e.g.
        ``access_denied`` (RFC 6749 §4.1.2.1)."""
        self.authorizations: list[dict[str, str]] = []
        """Each authorization request's query (the browser's visit)."""
        self.requests: list[dict[str, str]] = []
        self.stop = threading.Event()
        self.url = ""

    def _token_answer(self, rotate: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "access_token": self.mint() if self.mint else ACCESS_TOKEN,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": "https://mail.google.com/",
        }
        if rotate:
            answer["access_token"] = NEW_ACCESS_TOKEN
            answer["refresh_token"] = ROTATED_REFRESH_TOKEN
        return answer

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, bytes]:
        self.requests.append({"path": path, **form})
        if path.endswith(("/devicecode", "/device/code")):
            return 200, _json(
                {
                    "device_code": DEVICE_CODE,
                    "user_code": USER_CODE,
                    "verification_uri": VERIFICATION_URI,
                    "expires_in": 900,
                    "interval": 0,
                    "message": "To sign in, use a web browser ...",
                }
            )
        if form.get("grant_type") == "authorization_code":
            return self._code_answer(form)
        if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code":
            step = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
            if step == "ok":
                answer = self._token_answer(False)
                answer["refresh_token"] = REFRESH_TOKEN
                return 200, _json(answer)
            return 400, _json({"error": step, "error_description": f"{step} (fake)"})
        if self.refresh == "stall":
            self.stop.wait(10)
            return 200, b"{}"
        if self.refresh == "garbage":
            return 200, b"<html>502 Bad Gateway</html>"
        if isinstance(self.refresh, dict):
            return 400, _json(self.refresh)
        return 200, _json(self._token_answer(self.rotate))

    def authorize(self, query: dict[str, str]) -> str:
        """The redirect (RFC 6749 §4.1.2) to the query's ``redirect_uri``: a code, or an error."""
        self.authorizations.append(query)
        answer = {"state": query.get("state", "")}
        if self.consent == "ok":
            answer["code"] = AUTH_CODE
            answer["scope"] = query.get("scope", "")
        else:
            answer["error"] = self.consent
        return f"{query['redirect_uri']}?{urlencode(answer)}"

    def _code_answer(self, form: dict[str, str]) -> tuple[int, bytes]:
        """The code exchange (RFC 6749 §4.1.3, PKCE RFC 7636 §4.6): Google's answers
        (https://developers.google.com/identity/protocols/oauth2/native-app#exchange-authorization-code)."""
        asked = self.authorizations[-1] if self.authorizations else {}
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            form.get("code") != AUTH_CODE
            or form.get("redirect_uri") != asked.get("redirect_uri")
            or digest.decode() != asked.get("code_challenge")
        ):
            return 400, _json({"error": "invalid_grant", "error_description": "Bad Request"})
        answer = self._token_answer(False)
        answer["refresh_token"] = REFRESH_TOKEN
        return 200, _json(answer)

    def openid_configuration(self, tenant: str) -> bytes:
        base = f"{self.url}/{tenant}"
        return _json(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            }
        )


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def _handler(fake: FakeOAuth) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            suffix = "/v2.0/.well-known/openid-configuration"
            if path.endswith(suffix):
                self._send(200, fake.openid_configuration(path[1 : -len(suffix)]))
            elif path.endswith(("/o/oauth2/v2/auth", "/oauth2/v2.0/authorize")):
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                self.send_response(302)
                self.send_header("Location", fake.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, b"{}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            status, body = fake.answer(self.path.split("?")[0], form)
            with contextlib.suppress(OSError):  # the client gave up (the stall case)
                self._send(status, body)

    return Handler


@contextmanager
def fake_oauth(tls: ssl.SSLContext | None = None) -> Iterator[FakeOAuth]:
    """A token endpoint on 127.0.0.1 (HTTPS when ``tls`` is given), for one test."""
    fake = FakeOAuth()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = False  # server_close() joins each handler: no socket left open
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    fake.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
