"""``mailcheck login``: sign in once in the browser; keep the refresh token.

Microsoft: shows the provider's page and the code to type there (RFC 8628). Google, whose
device flow does not grant Gmail's scope: shows (and, where there is a display, opens)
the sign-in page, which sends the browser back to a one-shot listener on 127.0.0.1 (RFC
8252, mailcheck.oauth.loopback). Then it stores the refresh token in
``$XDG_CONFIG_HOME/mailcheck/oauth/<profile>.json`` (mode 0600). No token is ever
printed. The client id is the app registered with the provider (``--client-id`` or
``MAILCHECK_OAUTH_CLIENT_ID``); Google's installed-app
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
    """Sign in with OAuth2 (in the browser) and keep the refresh token for later runs."""
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

    def show(url: str) -> None:
        click.echo(words["browser"].format(provider=p.title, url=printable(url)))
        if _can_open_browser():
            import threading
            import webbrowser

            # In a thread: a browser command that waits (a text browser) must not hold up
            # the listener it is sent back to.
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        click.echo(words["waiting_browser"])

    async def sign_in() -> str:
        if p.name == "gmail":
            from mailcheck.oauth import loopback

            answer = await loopback.sign_in(client, show)
            return _refresh_token(answer, p.title)
        code = await device.start(client)
        click.echo(
            words["open"].format(
                provider=p.title,
                url=printable(code.verification_uri),
                code=printable(code.user_code),
            )
        )
        click.echo(words["waiting"].format(minutes=max(1, round(code.expires_in / 60))))
        return _refresh_token(await device.poll(client, code), p.title)

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


def _refresh_token(answer: dict[str, object], title: str) -> str:
    refresh = answer.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        from mailcheck.oauth.errors import OAuthError

        raise OAuthError(f"{title} signed you in but gave no refresh token")
    return refresh


def _can_open_browser() -> bool:
    """A browser can be started here: a display, a desktop OS, or ``$BROWSER`` named."""
    import sys

    if os.environ.get("BROWSER"):
        return True
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
