"""``mailcheck login``: sign in once with the device code; keep the refresh token.

Shows the provider's page and the code to type there (RFC 8628), waits for the sign-in,
and stores the refresh token in ``$XDG_CONFIG_HOME/mailcheck/oauth/<profile>.json``
(mode 0600). No token is ever printed. The client id is the app registered with the
provider (``--client-id`` or ``MAILCHECK_OAUTH_CLIENT_ID``); Google's installed-app
clients also have a client secret, read from ``MAILCHECK_OAUTH_CLIENT_SECRET`` only.
"""

from __future__ import annotations

import asyncio
import os

import click

from mailcheck.cli.options import lang_option

CLIENT_SECRET_ENV = "MAILCHECK_OAUTH_CLIENT_SECRET"  # noqa: S105 - the variable's name


@click.command("login")
@click.option(
    "--provider",
    "provider_name",
    required=True,
    type=click.Choice(["gmail", "office365"]),
    help="Who signs you in: Google (gmail) or Microsoft 365 / Outlook.com (office365).",
)
@click.option("--profile", default="default", show_default=True, help="Whose sign-in this is.")
@click.option(
    "--client-id",
    envvar="MAILCHECK_OAUTH_CLIENT_ID",
    required=True,
    help="The OAuth2 client (app) id registered with the provider.",
)
@click.option(
    "--tenant",
    default="common",
    show_default=True,
    help="Microsoft: the directory (tenant) id or domain; common for any account.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds each request to the provider may take.",
)
@lang_option
def command(
    provider_name: str,
    profile: str,
    client_id: str,
    tenant: str,
    timeout: float,
    lang: str | None,
) -> int:
    """Sign in with OAuth2 (device code) and keep the refresh token for later runs."""
    from mailcheck.config import default_lang
    from mailcheck.errors import ConfigError
    from mailcheck.oauth import device, store
    from mailcheck.oauth.providers import endpoints, provider
    from mailcheck.report.i18n import LOGIN
    from mailcheck.terminal import printable

    words = LOGIN[lang or default_lang()]
    p = provider(provider_name)
    secret = os.environ.get(CLIENT_SECRET_ENV) or None
    if p.needs_secret and secret is None:
        raise ConfigError(
            f"{p.title} needs the client secret of your OAuth2 client too: set {CLIENT_SECRET_ENV}"
        )
    path = store.grant_path(profile)
    client = device.Client(
        provider=p,
        endpoints=endpoints(p, tenant=tenant),
        client_id=client_id,
        client_secret=secret,
        timeout=timeout,
    )

    async def sign_in() -> str:
        code = await device.start(client)
        click.echo(
            words["open"].format(
                provider=p.title,
                url=printable(code.verification_uri),
                code=printable(code.user_code),
            )
        )
        click.echo(words["waiting"].format(minutes=max(1, round(code.expires_in / 60))))
        answer = await device.poll(client, code)
        refresh = answer.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            from mailcheck.oauth.errors import OAuthError

            raise OAuthError(f"{p.title} signed you in but gave no refresh token")
        return refresh

    refresh_token = asyncio.run(sign_in())
    grant = store.StoredGrant(
        provider=p.name,
        client_id=client_id,
        client_secret=secret,
        refresh_token=refresh_token,
        tenant=tenant,
    )
    store.save(path, grant)
    click.echo(words["stored"].format(path=path))
    click.echo(words["next"])
    return 0
