"""RFC 8628's device authorization grant against the fake token endpoint."""

from __future__ import annotations

import pytest

from mailcheck.oauth import device
from mailcheck.oauth.errors import GrantError
from mailcheck.oauth.providers import endpoints, provider
from tests.servers import fake_oauth as fo


def _client(url: str, name: str = "office365") -> device.Client:
    p = provider(name)
    return device.Client(
        provider=p,
        endpoints=endpoints(p, base_url=url),
        client_id="client-1",
        client_secret="g-SECRET" if name == "gmail" else None,
    )


async def test_pending_then_slow_down_then_success() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with fo.fake_oauth() as fake:
        fake.polls = ["authorization_pending", "slow_down", "authorization_pending", "ok"]
        client = _client(fake.url)
        code = await device.start(client)
        answer = await device.poll(client, code, sleep=sleep)
    assert (code.user_code, code.verification_uri) == (fo.USER_CODE, fo.VERIFICATION_URI)
    assert "SECRET" not in repr(code) + repr(client)
    assert answer["refresh_token"] == fo.REFRESH_TOKEN
    # interval 0 from the server; slow_down adds RFC 8628's 5 seconds from then on.
    assert waits == [0.0, 0.0, 5.0, 5.0]
    asked = fake.requests[0]
    assert asked["path"] == "/common/oauth2/v2.0/devicecode"
    assert asked["scope"].split() == [
        "https://outlook.office.com/SMTP.Send",
        "https://outlook.office.com/IMAP.AccessAsUser.All",
        "offline_access",
    ]
    polled = fake.requests[-1]
    assert polled["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
    assert polled["device_code"] == fo.DEVICE_CODE


@pytest.mark.parametrize("error", ["expired_token", "access_denied", "authorization_declined"])
async def test_the_user_not_signing_in_ends_the_poll(error: str) -> None:
    with fo.fake_oauth() as fake:
        fake.polls = ["authorization_pending", error]
        client = _client(fake.url, "gmail")
        code = await device.start(client)
        with pytest.raises(GrantError) as caught:
            await device.poll(client, code)
    assert caught.value.error == error
    assert fake.requests[0]["path"] == "/device/code"
    assert fake.requests[0]["scope"] == "https://mail.google.com/"
    assert fake.requests[-1]["client_secret"] == "g-SECRET"
