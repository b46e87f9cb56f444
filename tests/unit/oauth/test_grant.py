"""The refresh-token grant against a token endpoint on 127.0.0.1 (tests/servers/fake_oauth.py)."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest

from mailcheck.errors import ConfigError, SecretError
from mailcheck.oauth import store
from mailcheck.oauth.errors import GrantError, OAuthError
from mailcheck.oauth.grant import access_token
from tests.servers import fake_oauth as fo


def _token_file(tmp_path: Path, provider: str = "gmail") -> Path:
    path = tmp_path / "oauth" / "default.json"
    store.save(
        path,
        store.StoredGrant(
            provider=provider,
            client_id="client-1",
            client_secret="gsecret-SECRET" if provider == "gmail" else None,
            refresh_token=fo.REFRESH_TOKEN,
        ),
    )
    return path


async def test_google_refresh_gives_an_access_token_and_sends_the_documented_form(
    tmp_path: Path,
) -> None:
    path = _token_file(tmp_path)
    with fo.fake_oauth() as fake:
        token = await access_token("gmail", path, base_url=fake.url)
    assert token == fo.ACCESS_TOKEN
    (sent,) = fake.requests
    assert sent == {
        "path": "/token",
        "grant_type": "refresh_token",
        "refresh_token": fo.REFRESH_TOKEN,
        "client_id": "client-1",
        "client_secret": "gsecret-SECRET",
    }


async def test_invalid_grant_is_carried_verbatim(tmp_path: Path) -> None:
    path = _token_file(tmp_path)
    with fo.fake_oauth() as fake:
        fake.refresh = fo.GOOGLE_INVALID_GRANT
        with pytest.raises(GrantError) as caught:
            await access_token("gmail", path, base_url=fake.url)
    err = caught.value
    assert (err.error, err.description, err.status) == (
        "invalid_grant",
        "Token has been expired or revoked.",
        400,
    )
    assert str(err) == (
        "the gmail token endpoint refused the sign-in: "
        "invalid_grant (Token has been expired or revoked.)"
    )
    assert "SECRET" not in str(err)


async def test_invalid_scope_with_microsofts_codes(tmp_path: Path) -> None:
    path = _token_file(tmp_path)
    with fo.fake_oauth() as fake:
        fake.refresh = fo.MS_INVALID_SCOPE
        with pytest.raises(GrantError) as caught:
            await access_token("gmail", path, base_url=fake.url)
    assert caught.value.reason == "invalid_scope AADSTS70011"
    # Only the first line of the description: no trace ids in a one-line error.
    assert "Trace ID" not in str(caught.value)


async def test_a_stalling_endpoint_times_out_with_a_clear_error(tmp_path: Path) -> None:
    path = _token_file(tmp_path)
    with fo.fake_oauth() as fake:
        fake.refresh = "stall"
        with pytest.raises(OAuthError, match=r"did not answer within 0\.3 s"):
            await access_token("gmail", path, base_url=fake.url, timeout=0.3)


async def test_garbage_is_not_oauth2_json(tmp_path: Path) -> None:
    path = _token_file(tmp_path)
    with fo.fake_oauth() as fake:
        fake.refresh = "garbage"
        with pytest.raises(OAuthError, match="HTTP 200 with something that is not OAuth2 JSON"):
            await access_token("gmail", path, base_url=fake.url)


async def test_nothing_listening(tmp_path: Path) -> None:
    path = _token_file(tmp_path)
    with fo.fake_oauth() as fake:
        url = fake.url
    with pytest.raises(OAuthError, match="cannot reach the gmail token endpoint"):
        await access_token("gmail", path, base_url=url, timeout=2)


async def test_plain_http_is_refused_off_loopback(tmp_path: Path) -> None:
    path = _token_file(tmp_path)
    with pytest.raises(ConfigError, match="not HTTPS"):
        await access_token("gmail", path, base_url="http://example.com")


async def test_a_file_for_another_provider_is_refused(tmp_path: Path) -> None:
    path = _token_file(tmp_path, "office365")
    with pytest.raises(SecretError, match="is for office365, not gmail"):
        await access_token("gmail", path, base_url="http://127.0.0.1:9")


async def test_microsoft_refresh_through_msal_rotates_the_stored_token(
    tmp_path: Path, tls_server_context: tuple[ssl.SSLContext, str]
) -> None:
    context, ca_file = tls_server_context
    path = _token_file(tmp_path, "office365")
    with fo.fake_oauth(context) as fake:
        fake.rotate = True
        token = await access_token("office365", path, base_url=fake.url, ca_file=ca_file)
    assert token == fo.NEW_ACCESS_TOKEN
    (sent,) = [r for r in fake.requests if r["path"] == "/common/oauth2/v2.0/token"]
    assert sent["grant_type"] == "refresh_token"
    assert sent["refresh_token"] == fo.REFRESH_TOKEN
    assert "https://outlook.office.com/SMTP.Send" in sent["scope"].split()
    assert "https://outlook.office.com/IMAP.AccessAsUser.All" in sent["scope"].split()
    assert "offline_access" in sent["scope"].split()
    assert store.load(path).refresh_token == fo.ROTATED_REFRESH_TOKEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_microsoft_password_changed_through_msal(
    tmp_path: Path, tls_server_context: tuple[ssl.SSLContext, str]
) -> None:
    context, ca_file = tls_server_context
    path = _token_file(tmp_path, "office365")
    with fo.fake_oauth(context) as fake:
        fake.refresh = fo.MS_PASSWORD_CHANGED
        with pytest.raises(GrantError) as caught:
            await access_token("office365", path, base_url=fake.url, ca_file=ca_file)
    assert caught.value.error == "invalid_grant"
    assert caught.value.codes == ("AADSTS50173",)
    assert caught.value.description.startswith("AADSTS50173: The provided grant has expired")


async def test_microsoft_garbage_and_stall_through_msal(
    tmp_path: Path, tls_server_context: tuple[ssl.SSLContext, str]
) -> None:
    context, ca_file = tls_server_context
    path = _token_file(tmp_path, "office365")
    with fo.fake_oauth(context) as fake:
        fake.refresh = "garbage"
        with pytest.raises(OAuthError, match="not OAuth2 JSON"):
            await access_token("office365", path, base_url=fake.url, ca_file=ca_file)
        fake.refresh = "stall"
        with pytest.raises(OAuthError, match=r"did not answer within 0\.5 s"):
            await access_token("office365", path, base_url=fake.url, ca_file=ca_file, timeout=0.5)


async def test_msal_is_never_pointed_at_plain_http(tmp_path: Path) -> None:
    path = _token_file(tmp_path, "office365")
    with pytest.raises(ConfigError, match="MSAL signs in over HTTPS only"):
        await access_token("office365", path, base_url="http://127.0.0.1:9")
