"""``mailcheck serve`` without the lab: its start-up errors, the web config, the deadline,
and the HTTP answers that need no mail server (refusals, busy, no slot, auth).

The HTTP tests run the real aiohttp application in-process on 127.0.0.1; the
profiles point at loopback ports where nothing useful answers.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from mailcheck.errors import ConfigError
from mailcheck.history import default_lock_dir, profile_lock
from mailcheck.serve.app import ServeOptions, make_app, parse_listen
from mailcheck.serve.probe import probe_deadline
from mailcheck.serve.webconfig import WebConfig, load_web_config
from tests.helpers import run_cli


def _config(tmp_path: Path, smtp_port: int = 9, **extra: str) -> Path:
    path = tmp_path / "config.toml"
    lines = [
        "[profiles.billing]",
        'sender = "billing@example.com"',
        'checks = ["credentials"]',
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nsmtp_tls = "starttls"',
        'password_env = "BILLING_PASSWORD"',
        "timeout = 30",
        *(f'{k} = "{v}"' for k, v in extra.items()),
        "",
        "[profiles.other]",
        'sender = "other@example.com"',
        'checks = ["credentials"]',
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}',
        'password_env = "OTHER_PASSWORD"',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the deadline ---------------------------------------------------------------------------


def test_deadline_is_the_scrape_timeout_less_half_a_second() -> None:
    assert probe_deadline("10", 60, 300) == 9.5
    assert probe_deadline("4.5", 60, 300) == 4.0


def test_deadline_without_the_header_is_the_default_and_never_above_the_max() -> None:
    assert probe_deadline(None, 60, 300) == 60
    assert probe_deadline("3600", 60, 300) == 300
    assert probe_deadline(None, 600, 120) == 120
    # A tiny time-out still leaves the check a second, not a negative deadline.
    assert probe_deadline("0.6", 60, 300) == 1.0


@pytest.mark.parametrize("header", ["soon", "", "-5", "0", "inf", "nan"])
def test_a_header_that_is_not_seconds_is_refused(header: str) -> None:
    with pytest.raises(ConfigError, match="X-Prometheus-Scrape-Timeout-Seconds"):
        probe_deadline(header, 60, 300)


def test_listen_address_forms() -> None:
    assert parse_listen("127.0.0.1:9786") == ("127.0.0.1", 9786)
    assert parse_listen("0.0.0.0:9786") == ("0.0.0.0", 9786)  # noqa: S104 - parsing only
    assert parse_listen("[::1]:9786") == ("::1", 9786)
    for bad in ("9786", "localhost", "127.0.0.1:", "127.0.0.1:99999", ":80"):
        with pytest.raises(ConfigError, match="--listen must be HOST:PORT"):
            parse_listen(bad)


# -- the web config -------------------------------------------------------------------------


def _tls_files(tmp_path: Path) -> None:
    import trustme

    cert = trustme.CA().issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "server.crt"))


def _hash(password: str) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def test_web_config_with_tls_and_users_relative_to_its_file(tmp_path: Path) -> None:
    _tls_files(tmp_path)
    web = tmp_path / "web.yml"
    web.write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        "  min_version: TLS13\n"
        f"basic_auth_users:\n  prom: '{_hash('pw')}'\n",
        encoding="utf-8",
    )
    loaded = load_web_config(web)
    assert loaded.ssl_context is not None
    assert loaded.basic_auth is not None
    assert set(loaded.basic_auth.users) == {"prom"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("basic_auth_users:\n  prom: hunter2\n", "must be a bcrypt hash"),
        ("http_server_config:\n  http2: false\n", "http_server_config are not supported"),
        ("tls_server_config:\n  cert_file: a.crt\n", "needs both cert_file and key_file"),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n",
            "cannot load cert_file missing.crt",
        ),
        ("tls_server_config:\n  cipher_suites: [x]\n", "cipher_suites are not supported"),
        ("- just\n- a list\n", "must be a mapping"),
        ("key: [unclosed\n", "is not valid YAML"),
    ],
)
def test_a_bad_web_config_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    web = tmp_path / "web.yml"
    web.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_web_config(web)


# -- start-up errors: a line and exit 3, nothing listening --------------------------------------


def test_start_up_errors_are_one_line_and_exit_3(tmp_path: Path) -> None:
    config = _config(tmp_path)
    web = tmp_path / "web.yml"
    web.write_text("basic_auth_users:\n  prom: plain-password\n", encoding="utf-8")
    cases = [
        (["--config", str(config), "--listen", "nowhere"], "--listen must be HOST:PORT"),
        (["--config", str(tmp_path / "missing.toml")], "missing.toml"),
        (["--config", str(config), "--web-config", str(web)], "must be a bcrypt hash"),
        (["--config", str(config), "--max-concurrent", "0"], "--max-concurrent"),
    ]
    for args, message in cases:
        result = run_cli(["serve", *args])
        assert result.exit_code == 3, (args, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr
        assert "plain-password" not in result.stderr


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli(
            ["serve", "--config", str(_config(tmp_path)), "--listen", f"127.0.0.1:{port}"]
        )
    assert result.exit_code == 3
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


# -- HTTP, in-process ---------------------------------------------------------------------------


@pytest.fixture
async def silent_smtp() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word: an SMTP probe waits there."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in writers:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


Client = TestClient[web.Request, web.Application]


async def _client(
    config: Path, max_concurrent: int = 64, web_config: WebConfig | None = None
) -> Client:
    options = ServeOptions(
        config=str(config),
        host="127.0.0.1",
        port=0,
        lock_dir=default_lock_dir(),
        max_concurrent=max_concurrent,
        web_config=web_config,
    )
    client: Client = TestClient(TestServer(make_app(options)))
    await client.start_server()
    return client


def _sample(text: str, line_start: str) -> str | None:
    for line in text.splitlines():
        if line.startswith(line_start):
            return line.rsplit(" ", 1)[1]
    return None


async def test_refusals_and_pages(tmp_path: Path) -> None:
    client = await _client(_config(tmp_path))
    try:
        response = await client.get("/probe", params={"profile": "nobody"})
        assert response.status == 400
        assert await response.text() == "unknown profile 'nobody': not in the config file\n"
        response = await client.get(
            "/probe", params={"profile": "billing", "smtp_host": "203.0.113.1"}
        )
        assert response.status == 400
        assert "refused: 'smtp_host'" in await response.text()
        response = await client.post("/probe", params={"profile": "billing"})
        assert response.status == 404
        assert (await client.get("/favicon.ico")).status == 404
        index = await client.get("/")
        assert index.status == 200
        assert "/probe?profile=NAME" in await index.text()
        metrics = await client.get("/metrics")
        assert metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await metrics.text()
        refused = 'mailcheck_exporter_probe_requests_refused_total{reason="unknown-profile"}'
        assert _sample(text, refused) == "1.0"
        assert _sample(text, "mailcheck_exporter_probes_in_flight") == "0.0"
    finally:
        await client.close()


async def test_a_profile_held_by_check_is_busy_without_reading_its_password(
    tmp_path: Path,
) -> None:
    # BILLING_PASSWORD is not set: a probe that got past the lock would answer config-error.
    client = await _client(_config(tmp_path))
    try:
        with profile_lock(default_lock_dir(), "billing"):
            response = await client.get("/probe", params={"profile": "billing"})
            text = await response.text()
        assert response.status == 200
        assert _sample(text, 'mailcheck_success{profile="billing"}') == "0"
        assert _sample(text, 'mailcheck_status{profile="billing"}') == "3"
        assert _sample(text, 'mailcheck_skipped{profile="billing"}') == "1"
        assert 'mailcheck_probe_reason_info{profile="billing",reason="busy"} 1.0' in text
        # Released: the same profile now gets as far as its (missing) password.
        response = await client.get("/probe", params={"profile": "billing"})
        text = await response.text()
        assert 'reason="config-error"' in text
        assert 'mailcheck_skipped{profile="billing"} 0' in text
    finally:
        await client.close()


async def test_no_free_slot_within_the_deadline_answers_no_slot(
    tmp_path: Path, silent_smtp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLING_PASSWORD", "x")
    monkeypatch.setenv("OTHER_PASSWORD", "y")
    client = await _client(_config(tmp_path, smtp_port=silent_smtp), max_concurrent=1)
    try:
        # billing takes the only slot and waits on the silent server for its 5 s deadline.
        first = asyncio.ensure_future(
            client.get(
                "/probe",
                params={"profile": "billing"},
                headers={"X-Prometheus-Scrape-Timeout-Seconds": "5.5"},
            )
        )
        await asyncio.sleep(0.5)
        response = await client.get(
            "/probe",
            params={"profile": "other"},
            headers={"X-Prometheus-Scrape-Timeout-Seconds": "2.5"},
        )
        text = await response.text()
        assert 'mailcheck_probe_reason_info{profile="other",reason="no-slot"} 1.0' in text
        assert _sample(text, 'mailcheck_status{profile="other"}') == "3"
        answer = await first
        first_text = await answer.text()
        # The first probe ended at its deadline: UNKNOWN, not a hang.
        assert _sample(first_text, 'mailcheck_status{profile="billing"}') == "3"
        metrics = await (await client.get("/metrics")).text()
        assert _sample(metrics, 'mailcheck_exporter_probes_total{profile="other",result="no-slot"}')
    finally:
        await client.close()


async def test_basic_auth_guards_every_page(tmp_path: Path) -> None:
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  prom: '{_hash('s3cret')}'\n", encoding="utf-8")
    client = await _client(_config(tmp_path), web_config=load_web_config(web))

    def auth(user: str, password: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    try:
        for path in ("/", "/metrics", "/probe?profile=billing", "/nothing"):
            response = await client.get(path)
            assert response.status == 401, path
            assert response.headers["WWW-Authenticate"] == 'Basic realm="mailcheck"'
        assert (await client.get("/metrics", headers=auth("prom", "wrong"))).status == 401
        assert (await client.get("/metrics", headers=auth("other", "s3cret"))).status == 401
        bad = {"Authorization": "Basic !!not-base64"}
        assert (await client.get("/metrics", headers=bad)).status == 401
        for _ in range(2):  # the second is answered from the cache of accepted logins
            assert (await client.get("/metrics", headers=auth("prom", "s3cret"))).status == 200
    finally:
        await client.close()


async def test_a_profile_added_to_the_config_is_probed_without_a_restart(tmp_path: Path) -> None:
    config = _config(tmp_path)
    client = await _client(config)
    try:
        response = await client.get("/probe", params={"profile": "late"})
        assert response.status == 400
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text + '\n[profiles.late]\nsender = "late@example.com"\nchecks = ["credentials"]\n'
            'smtp_host = "127.0.0.1"\nsmtp_port = 9\npassword_env = "LATE_PASSWORD"\n',
            encoding="utf-8",
        )
        response = await client.get("/probe", params={"profile": "late"})
        assert response.status == 200
        assert 'mailcheck_probe_reason_info{profile="late",reason="config-error"}' in (
            await response.text()
        )
    finally:
        await client.close()


async def test_a_lock_directory_that_cannot_be_made_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the state directory should be\n")
    logged: list[str] = []
    options = ServeOptions(
        config=str(_config(tmp_path)),
        host="127.0.0.1",
        port=0,
        lock_dir=tmp_path / "state" / "mailcheck" / "locks",
        log=logged.append,
    )
    client: Client = TestClient(TestServer(make_app(options)))
    await client.start_server()
    try:
        response = await client.get("/probe", params={"profile": "billing"})
        text = await response.text()
        assert response.status == 200
        assert 'mailcheck_probe_reason_info{profile="billing",reason="config-error"}' in text
        assert _sample(text, 'mailcheck_status{profile="billing"}') == "3"
        # The metrics carry the reason; the exporter's log says what to fix.
        assert len(logged) == 1
        assert logged[0].startswith("probe of profile 'billing': cannot create the lock file")
    finally:
        await client.close()
