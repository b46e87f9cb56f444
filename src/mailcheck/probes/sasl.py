"""SASL for OAuth2 access tokens: XOAUTH2 and OAUTHBEARER (RFC 7628), without I/O.

The SMTP and IMAP probes send what this module builds and hand it what the
server answered. Sources of the formats:

- OAUTHBEARER: RFC 7628 §3.1 (the client response: GS2 header ``n,a=<user>,``,
  then ``host=``, ``port=`` and ``auth=Bearer <token>``, each ended by %x01, and a
  last %x01), §3.2.2 (the server's error: a base64 JSON object with ``status``,
  ``scope``, ``openid-configuration``), §3.2.3 (the client then answers a single
  %x01), https://www.rfc-editor.org/rfc/rfc7628
- XOAUTH2: ``user=<user>^Aauth=Bearer <token>^A^A``; on failure the server sends
  a base64 JSON error (``status`` is an HTTP status such as ``"401"``) and the
  client answers an empty line,
  https://developers.google.com/gmail/imap/xoauth2-protocol
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from enum import StrEnum

__all__ = [
    "OAuthError",
    "OAuthMechanism",
    "choose_mechanism",
    "decode_error",
    "error_answer",
    "initial_response",
    "oauthbearer",
    "xoauth2",
]


class OAuthMechanism(StrEnum):
    """The SASL mechanisms that carry an OAuth2 access token, most preferred first."""

    OAUTHBEARER = "OAUTHBEARER"
    XOAUTH2 = "XOAUTH2"


def choose_mechanism(offered: str | Iterable[str]) -> OAuthMechanism | None:
    """The mechanism to use from what the server offers: OAUTHBEARER, then XOAUTH2."""
    names = offered.split() if isinstance(offered, str) else offered
    upper = {name.upper() for name in names}
    return next((m for m in OAuthMechanism if m.value in upper), None)


def _gs2_name(user: str) -> str:
    """A name in a GS2 header (RFC 5801 §4): ``=`` as ``=3D``, ``,`` as ``=2C``."""
    return user.replace("=", "=3D").replace(",", "=2C")


def oauthbearer(user: str, token: str, host: str = "", port: int | None = None) -> bytes:
    """The OAUTHBEARER client response (RFC 7628 §3.1), not yet base64."""
    fields = [f"n,a={_gs2_name(user)},"]
    if host:
        fields.append(f"host={host}")
    if port is not None:
        fields.append(f"port={port}")
    fields.append(f"auth=Bearer {token}")
    return ("\x01".join(fields) + "\x01\x01").encode("utf-8")


def xoauth2(user: str, token: str) -> bytes:
    """The XOAUTH2 client response, not yet base64."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def initial_response(
    mechanism: OAuthMechanism, user: str, token: str, host: str = "", port: int | None = None
) -> str:
    """The base64 initial response for ``mechanism``, as AUTH/AUTHENTICATE sends it."""
    if mechanism is OAuthMechanism.OAUTHBEARER:
        raw = oauthbearer(user, token, host, port)
    else:
        raw = xoauth2(user, token)
    return base64.b64encode(raw).decode("ascii")


def error_answer(mechanism: OAuthMechanism) -> str:
    """What the client sends (base64) after the server's error challenge.

    RFC 7628 §3.2.3: OAUTHBEARER answers a single %x01 (``AQ==``); Google's
    XOAUTH2 document: an empty response.
    """
    return "AQ==" if mechanism is OAuthMechanism.OAUTHBEARER else ""


class OAuthError:
    """The server's error challenge, decoded; every field as the server sent it."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    @property
    def status(self) -> str:
        return self.fields.get("status", "")

    def data(self) -> tuple[tuple[str, str], ...]:
        """Step data: ``oauth_status``, ``oauth_scope``, ``oauth_error`` (when known)."""
        out: list[tuple[str, str]] = []
        if self.status:
            out.append(("oauth_status", self.status))
            # XOAUTH2 servers send an HTTP status ("401"); OAUTHBEARER an RFC 6750 code.
            if self.status == "401":
                out.append(("oauth_error", "invalid_token"))
            elif not self.status.isdigit():
                out.append(("oauth_error", self.status))
        if scope := self.fields.get("scope"):
            out.append(("oauth_scope", scope))
        return tuple(out)


def decode_error(challenge: str) -> OAuthError | None:
    """The JSON error in a 334/``+`` challenge (base64), or ``None`` when it is not one."""
    text = challenge.strip()
    if not text:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict):
        return None
    fields = {
        str(k): str(v)[:200] for k, v in value.items() if isinstance(v, str | int | float | bool)
    }
    return OAuthError(fields)
