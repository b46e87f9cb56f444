"""``mailcheck login`` against a token endpoint on 127.0.0.1: what users see, what is kept."""

from __future__ import annotations

import asyncio
import os
import ssl
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mailcheck.oauth.grant import access_token
from tests.helpers import run_cli
from tests.servers import fake_oauth as fo


def _env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        "XDG_CONFIG_HOME": str(tmp_path),
        "MAILCHECK_OAUTH_URL": url,
        "MAILCHECK_OAUTH_CLIENT_ID": "client-1",
        "MAILCHECK_LANG": "en",
        **extra,
    }


def _no_secret_in(*texts: str) -> None:
    for text in texts:
        assert "SECRET" not in text
        assert "Traceback" not in text


def test_office365_login_shows_the_code_and_keeps_the_token_0600(
    tmp_path: Path, tls_server_context: tuple[ssl.SSLContext, str]
) -> None:
    with fo.fake_oauth() as fake:
        fake.polls = ["authorization_pending", "ok"]
        result = run_cli(
            ["login", "--provider", "office365", "--profile", "shop"], env=_env(tmp_path, fake.url)
        )
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "mailcheck" / "oauth" / "shop.json"
    assert result.stdout.splitlines() == [
        f"To sign in to Microsoft, open {fo.VERIFICATION_URI} and enter the code {fo.USER_CODE}",
        "Waiting for the sign-in (the code is valid for 15 minutes) ...",
        f"Signed in. The refresh token is stored in {path}, readable only by you;",
        "mailcheck gets a fresh access token from it for each run.",
    ]
    _no_secret_in(result.stdout, result.stderr)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fo.REFRESH_TOKEN in path.read_text()
    # The stored grant is what the refresh grant (MSAL, over HTTPS) needs.
    context, ca_file = tls_server_context
    with fo.fake_oauth(context) as fake:
        token = asyncio.run(access_token("office365", path, base_url=fake.url, ca_file=ca_file))
    assert token == fo.ACCESS_TOKEN
    assert fake.requests[-1]["path"] == "/common/oauth2/v2.0/token"
    assert fake.requests[-1]["refresh_token"] == fo.REFRESH_TOKEN


def _login_process(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``mailcheck login`` as a user runs it, with no display unless ``env`` gives one."""
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    base.pop("BROWSER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "mailcheck", "login", "--provider", "gmail", *args],
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The rest of its output once it ended (after a readline: communicate() would lose
    what the text buffer already holds)."""
    with proc:  # closes the pipes
        proc.wait(timeout=20)
        assert proc.stdout is not None
        assert proc.stderr is not None
        return proc.stdout.read(), proc.stderr.read()


def _visit(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - 127.0.0.1 only
        assert b"signed in" in page.read()


def test_gmail_login_prints_the_page_and_the_browser_brings_the_code_back(
    tmp_path: Path,
) -> None:
    with fo.fake_oauth() as fake:
        env = _env(tmp_path, fake.url, MAILCHECK_OAUTH_CLIENT_SECRET="g-SECRET")
        proc = _login_process(env, "--lang", "vi", "--profile", "shop")
        assert proc.stdout is not None
        first = proc.stdout.readline()
        prefix = "Để đăng nhập Google, mở trang này trong trình duyệt: "
        assert first.startswith(prefix), first
        url = first.removeprefix(prefix).strip()
        assert url.startswith(f"{fake.url}/o/oauth2/v2/auth?client_id=client-1&")
        _visit(url)  # the person, in a browser
        out, err = _finish(proc)
    assert proc.returncode == 0, err
    path = tmp_path / "mailcheck" / "oauth" / "shop.json"
    assert out.splitlines() == [
        "Đang chờ bạn đăng nhập trong trình duyệt ...",
        f"Đã đăng nhập. Refresh token được lưu trong {path}, chỉ bạn đọc được;",
        "mỗi lần chạy, mailcheck dùng nó để lấy access token mới.",
    ]
    assert fake.requests[-1]["grant_type"] == "authorization_code"
    assert fake.requests[-1]["client_secret"] == "g-SECRET"
    _no_secret_in(first, out, err)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fo.REFRESH_TOKEN in path.read_text()
    # The stored grant refreshes (Google: a plain POST).
    with fo.fake_oauth() as fake:
        token = asyncio.run(access_token("gmail", path, base_url=fake.url))
    assert token == fo.ACCESS_TOKEN
    assert fake.requests[-1]["refresh_token"] == fo.REFRESH_TOKEN


def test_gmail_login_opens_the_browser_where_there_is_one(tmp_path: Path) -> None:
    browser = tmp_path / "browser"
    browser.write_text(
        f"#!{sys.executable}\nimport sys, urllib.request\n"
        "urllib.request.urlopen(sys.argv[1], timeout=10).read()\n"
    )
    browser.chmod(0o700)
    with fo.fake_oauth() as fake:
        env = _env(tmp_path, fake.url, MAILCHECK_OAUTH_CLIENT_SECRET="g-SECRET")
        with _login_process({**env, "BROWSER": str(browser)}) as proc:
            out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.splitlines()[0].startswith("To sign in to Google, open this page in your browser")
    assert len(fake.authorizations) == 1
    assert (tmp_path / "mailcheck" / "oauth" / "default.json").exists()
    _no_secret_in(out, err)


def test_gmail_consent_refused_exits_3_and_stores_nothing(tmp_path: Path) -> None:
    with fo.fake_oauth() as fake:
        fake.consent = "access_denied"
        env = _env(tmp_path, fake.url, MAILCHECK_OAUTH_CLIENT_SECRET="g-SECRET")
        proc = _login_process(env)
        assert proc.stdout is not None
        url = proc.stdout.readline().split(": ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=10) as page:  # noqa: S310 - 127.0.0.1
            assert b"not finished" in page.read()
        _, err = _finish(proc)
    assert proc.returncode == 3
    assert err == "mailcheck: error: the gmail token endpoint refused the sign-in: access_denied\n"
    assert not (tmp_path / "mailcheck" / "oauth" / "default.json").exists()


def test_gmail_without_its_client_secret_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["login", "--provider", "gmail"], env=_env(tmp_path, "http://127.0.0.1:9"))
    assert result.exit_code == 3
    assert result.stderr == (
        "mailcheck: error: Google needs the client secret of your OAuth2 client too: "
        "set MAILCHECK_OAUTH_CLIENT_SECRET\n"
    )


@pytest.mark.parametrize("error", ["expired_token", "access_denied"])
def test_a_sign_in_not_finished_exits_3_and_stores_nothing(tmp_path: Path, error: str) -> None:
    with fo.fake_oauth() as fake:
        fake.polls = ["slow_down", error] if error == "access_denied" else [error]
        result = run_cli(["login", "--provider", "office365"], env=_env(tmp_path, fake.url))
    assert result.exit_code == 3
    assert result.stderr == (
        f"mailcheck: error: the office365 token endpoint refused the sign-in: "
        f"{error} ({error} (fake))\n"
    )
    assert not (tmp_path / "mailcheck" / "oauth" / "default.json").exists()
    _no_secret_in(result.stdout, result.stderr)


def test_nothing_listening_is_one_line(tmp_path: Path) -> None:
    with fo.fake_oauth() as fake:
        url = fake.url
    result = run_cli(["login", "--provider", "office365"], env=_env(tmp_path, url))
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f"mailcheck: error: cannot reach the office365 token endpoint {url}/common/"
    )
    assert len(result.stderr.splitlines()) == 1


def test_an_endpoint_off_loopback_must_be_https(tmp_path: Path) -> None:
    result = run_cli(
        ["login", "--provider", "office365"], env=_env(tmp_path, "http://login.example.com")
    )
    assert result.exit_code == 3
    assert "is not HTTPS (only loopback may be)" in result.stderr


def test_login_is_listed_in_help() -> None:
    result = run_cli(["--help"])
    assert "login" in result.stdout
    assert "--client-id" in run_cli(["login", "--help"]).stdout
