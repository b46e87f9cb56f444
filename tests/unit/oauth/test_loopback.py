"""The installed-app loopback sign-in (RFC 8252) against the fake Google endpoints on
127.0.0.1: a person's browser is a thread that visits the printed URL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mailcheck.oauth import loopback
from mailcheck.oauth.device import Client
from mailcheck.oauth.errors import GrantError, OAuthError
from mailcheck.oauth.providers import GMAIL, endpoints
from tests.servers import fake_oauth as fo


def _client(url: str) -> Client:
    return Client(
        provider=GMAIL,
        endpoints=endpoints(GMAIL, base_url=url),
        client_id="client-1.apps.googleusercontent.com",
        client_secret="g-SECRET",
        timeout=5,
    )


def _browser(shown: list[str], visit: bool = True) -> Any:
    """``show``: keep the URL and, like a person, open it (following the redirect)."""

    def show(url: str) -> None:
        shown.append(url)
        if visit:
            threading.Thread(target=_visit, args=(url,), daemon=True).start()

    return show


def _visit(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - 127.0.0.1
            page.read()
    except urllib.error.URLError:
        pass


def test_pkce_pair_is_rfc7636_s256() -> None:
    verifier, challenge = loopback.pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert loopback.pkce_pair()[0] != verifier


def test_the_browser_brings_the_code_back_and_it_is_exchanged() -> None:
    shown: list[str] = []
    with fo.fake_oauth() as fake:
        answer = asyncio.run(loopback.sign_in(_client(fake.url), _browser(shown)))
    assert answer["refresh_token"] == fo.REFRESH_TOKEN
    [url] = shown
    parts = urlsplit(url)
    assert parts.path == "/o/oauth2/v2/auth"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["scope"] == "https://mail.google.com/"
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"].startswith("http://127.0.0.1:")
    exchange = fake.requests[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["code"] == fo.AUTH_CODE
    assert exchange["redirect_uri"] == query["redirect_uri"]
    assert exchange["client_secret"] == "g-SECRET"
    assert "code_verifier" in exchange
    assert exchange["code_verifier"] not in url


def test_the_real_google_authorization_page_without_an_override(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MAILCHECK_OAUTH_URL", raising=False)
    ep = endpoints(GMAIL)
    assert ep.authorize == "https://accounts.google.com/o/oauth2/v2/auth"
    assert ep.token == "https://oauth2.googleapis.com/token"


def test_a_refused_consent_is_the_providers_error() -> None:
    with fo.fake_oauth() as fake:
        fake.consent = "access_denied"
        with pytest.raises(GrantError) as caught:
            asyncio.run(loopback.sign_in(_client(fake.url), _browser([])))
    assert caught.value.error == "access_denied"
    assert not [r for r in fake.requests if r.get("grant_type") == "authorization_code"]


def test_another_state_or_path_is_not_taken_for_the_redirect() -> None:
    async def run(url: str) -> dict[str, Any]:
        def show(auth_url: str) -> None:
            redirect = parse_qs(urlsplit(auth_url).query)["redirect_uri"][0]

            def visits() -> None:
                _visit(f"{redirect}?code=forged&state=not-ours")
                _visit(f"{redirect}favicon.ico")
                _visit(auth_url)

            threading.Thread(target=visits, daemon=True).start()

        return await loopback.sign_in(_client(url), show)

    with fo.fake_oauth() as fake:
        answer = asyncio.run(run(fake.url))
    assert answer["refresh_token"] == fo.REFRESH_TOKEN
    assert fake.requests[-1]["code"] == fo.AUTH_CODE


def test_nobody_signing_in_ends_with_a_clear_error() -> None:
    with fo.fake_oauth() as fake, pytest.raises(OAuthError) as caught:
        asyncio.run(loopback.sign_in(_client(fake.url), _browser([], visit=False), wait=0.3))
    assert "no sign-in came back to http://127.0.0.1:" in str(caught.value)
