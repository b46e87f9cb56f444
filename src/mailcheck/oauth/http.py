"""One form POST to a token endpoint (RFC 6749 §3.2), its JSON answer read once, in one place.

Every failure becomes an :class:`OAuthError` with one clear line: unreachable, too slow,
not JSON; a provider's refusal (RFC 6749 §5.2: ``error``, ``error_description``, and
Microsoft's ``error_codes``, https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
becomes a :class:`GrantError` carrying it verbatim. No message quotes a request body.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from mailcheck.oauth.errors import GrantError, OAuthError

__all__ = ["grant_error", "post_form"]

_BODY_CAP = 1024 * 1024


def grant_error(provider: str, data: dict[str, Any], status: int | None = None) -> GrantError:
    """The provider's refusal, verbatim: its error, its codes, the first line of its words."""
    raw_codes = data.get("error_codes")
    codes = tuple(
        f"AADSTS{code}"
        for code in (raw_codes if isinstance(raw_codes, list) else [])
        if isinstance(code, int)
    )
    description = str(data.get("error_description") or "").strip()
    first = description.splitlines()[0] if description else ""
    return GrantError(
        provider=provider,
        error=str(data.get("error")),
        description=first[:300],
        codes=codes,
        status=status,
    )


def _post(url: str, body: bytes, timeout: float, ca_file: str | None) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked in endpoints()
        url,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "mailcheck",
        },
        method="POST",
    )
    context = ssl.create_default_context(cafile=ca_file)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
            return int(response.status), response.read(_BODY_CAP)
    except urllib.error.HTTPError as exc:  # 400/401 carry the OAuth2 error as JSON
        with exc:
            return exc.code, exc.read(_BODY_CAP)


async def post_form(
    url: str,
    fields: dict[str, str],
    *,
    provider: str,
    timeout: float,
    ca_file: str | None = None,
) -> dict[str, Any]:
    """POST ``fields`` to ``url``; the JSON object of a 200, or an :class:`OAuthError`."""
    body = urlencode(fields).encode("ascii")
    try:
        status, raw = await asyncio.to_thread(_post, url, body, timeout, ca_file)
    except TimeoutError:
        raise OAuthError(
            f"the {provider} token endpoint {url} did not answer within {timeout:g} s"
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise OAuthError(
                f"the {provider} token endpoint {url} did not answer within {timeout:g} s"
            ) from None
        raise OAuthError(f"cannot reach the {provider} token endpoint {url}: {reason}") from None
    except OSError as exc:
        raise OAuthError(
            f"cannot reach the {provider} token endpoint {url}: {exc.strerror or exc}"
        ) from None
    return parse_answer(provider, url, status, raw)


def parse_answer(provider: str, url: str, status: int, raw: bytes) -> dict[str, Any]:
    """The JSON object of a token endpoint's answer, or the error it stands for."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise OAuthError(
            f"the {provider} token endpoint {url} answered HTTP {status} "
            "with something that is not OAuth2 JSON"
        )
    if isinstance(data.get("error"), str):
        raise grant_error(provider, data, status)
    if status != 200:
        raise OAuthError(f"the {provider} token endpoint {url} answered HTTP {status}")
    return data
