"""First contact (issue 16): a one-off check of a sender runs with nothing else given, never
borrows another mailbox's server or secret from the config's default profile, and says
what it took from a profile or how it found a server nobody named.

Every server here is on 127.0.0.1: a scripted SMTP server counts the connections it gets,
and a scripted DNS server answers for the sender domains (every other name NXDOMAIN).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    LAB_PASSWORD,
    LAB_USER,
    LabHandle,
    free_port,
    lab_profile,
    run_cli,
    write_config,
)
from tests.servers.fake_dns import fake_dns
from tests.servers.scripted_smtp import Script, scripted_smtp

ROOT = Path(__file__).resolve().parents[2]

#: A server that greets and takes any login: a password sent to it is seen in ``received``.
ANY_LOGIN = Script.parse(
    "\n".join(
        [
            "S: 220 mail.company.test ESMTP",
            "C: EHLO .*",
            "S: 250-mail.company.test",
            "S: 250 AUTH PLAIN LOGIN",
            "C: AUTH .*",
            "S: 235 2.7.0 Authentication successful",
            "C: QUIT",
            "S: 221 2.0.0 Bye",
        ]
    )
)

#: The sender domains these tests use; every other name is NXDOMAIN.
ZONES: dict[str, Any] = {
    # A hosting company's domain: no mail.<domain>, its MX host is its server.
    "hosted.vn.": {"MX": ["10 mx.hosted.vn."]},
    "mx.hosted.vn.": {"A": ["127.0.0.1"]},
    # One whose mail.<domain> exists (and is tried first).
    "cpanel.vn.": {"MX": ["10 mx.cpanel.vn."]},
    "mail.cpanel.vn.": {"A": ["127.0.0.1"]},
    "mx.cpanel.vn.": {"A": ["127.0.0.1"]},
    # A domain whose servers take nothing on the submission port (the scripted servers
    # listen on 127.0.0.1 only).
    "closed.vn.": {"MX": ["10 mx.closed.vn."]},
    "mx.closed.vn.": {"A": ["127.0.0.2"]},
    "gmail.com.": {"MX": ["5 gmail-smtp-in.l.google.com."]},
}


@pytest.fixture
def dns() -> Iterator[str]:
    with fake_dns(ZONES) as (host, port):
        yield f"{host}:{port}"


def _billing_config(tmp_path: Path, port: int, **extra: Any) -> Path:
    """The README's config shape: default profile billing on the company's server."""
    profile = {
        "sender": "billing@company.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "allow_plaintext": True,
        "password_env": "BILLING_PASSWORD",
        **extra,
    }
    kept = {key: value for key, value in profile.items() if value is not None}
    return write_config(tmp_path, {"billing": kept}, default_profile="billing")


def test_a_one_off_sender_does_not_log_in_to_the_default_profiles_server(
    tmp_path: Path, dns: str
) -> None:
    # The review's case: someone's Gmail password must never reach the company server.
    with scripted_smtp(ANY_LOGIN) as server:
        config = _billing_config(tmp_path, server.port)
        result = run_cli(
            ["smtp", "--sender", "someone@gmail.com", "--dns-server", dns, "--lang", "en"],
            env={
                "MAILCHECK_CONFIG": str(config),
                "MAILCHECK_PASSWORD": "gmail-app-password",
                "BILLING_PASSWORD": "billing-secret",
            },
        )
    assert server.connections == 0
    first = result.stdout.split("\n\n")[0]
    assert "via smtp.gmail.com:587" in first
    assert "billing" not in first
    assert "password-changed" not in result.stdout


def test_a_given_smtp_host_does_not_take_the_default_profiles_secret(
    tmp_path: Path, dns: str
) -> None:
    with scripted_smtp(ANY_LOGIN) as server:
        config = _billing_config(tmp_path, free_port())
        result = run_cli(
            [
                *("smtp", "--sender", "billing@company.test", "--smtp-host", "localhost"),
                *("--smtp-port", str(server.port), "--smtp-tls", "none", "--allow-plaintext"),
                *("--dns-server", dns, "--lang", "en"),
            ],
            env={"MAILCHECK_CONFIG": str(config), "BILLING_PASSWORD": "billing-secret"},
        )
    # No profile: no password (standard input is no terminal), and nothing sent anywhere.
    assert result.exit_code == 3
    assert "no password" in result.stderr
    assert server.connections == 0


def test_the_default_profiles_own_sender_uses_it_and_says_what_it_took(tmp_path: Path) -> None:
    with scripted_smtp(ANY_LOGIN) as server:
        config = _billing_config(tmp_path, server.port)
        result = run_cli(
            ["smtp", "--sender", "Billing@Company.test", "--lang", "en", "--format", "human"],
            env={
                "MAILCHECK_CONFIG": str(config),
                "BILLING_PASSWORD": "billing-secret",
                "COLUMNS": "300",
            },
        )
    first = result.stdout.split("\n\n")[0].replace("\n  ", " ")
    assert (
        "from profile billing: smtp_host, smtp_port, smtp_tls, allow_plaintext, password_env"
        in first
    )
    assert "password from env BILLING_PASSWORD" in first
    assert server.connections == 1


def test_profile_given_by_name_is_used_for_another_sender(tmp_path: Path) -> None:
    # --profile is the user saying so: the profile's server, this sender as the login.
    with scripted_smtp(ANY_LOGIN) as server:
        config = _billing_config(tmp_path, server.port)
        result = run_cli(
            ["smtp", "--profile", "billing", "--sender", "sales@company.test", "--lang", "vi"],
            env={"MAILCHECK_CONFIG": str(config), "BILLING_PASSWORD": "billing-secret"},
        )
    assert server.connections == 1
    assert "lấy từ hồ sơ billing: smtp_host" in result.stdout.replace("\n  ", " ")


def test_the_profiles_own_password_env_beats_mailcheck_password(tmp_path: Path) -> None:
    with scripted_smtp(ANY_LOGIN) as server:
        config = _billing_config(tmp_path, server.port)
        result = run_cli(
            ["smtp", "--lang", "en"],
            env={
                "MAILCHECK_CONFIG": str(config),
                "MAILCHECK_PASSWORD": "meant-for-another-mailbox",
                "BILLING_PASSWORD": "billing-secret",
            },
        )
    assert "password from env BILLING_PASSWORD" in result.stdout.replace("\n  ", " ")
    assert not any("meant-for" in line for line in server.received)


def test_the_profiles_oauth_grant_beats_mailcheck_password(tmp_path: Path) -> None:
    # Issue 13 left this open for `smtp`: the profile's grant is for this mailbox; a
    # password in the environment may be anyone's. No grant stored: the error says so.
    with scripted_smtp(ANY_LOGIN) as server:
        config = _billing_config(
            tmp_path,
            server.port,
            password_env=None,
            oauth_provider="office365",
            oauth_grant_file=str(tmp_path / "missing-grant.json"),
        )
        result = run_cli(
            ["smtp", "--lang", "en"],
            env={"MAILCHECK_CONFIG": str(config), "MAILCHECK_PASSWORD": "some-password"},
        )
    assert result.exit_code == 3
    assert "missing-grant.json" in result.stderr
    assert server.connections == 0


def test_a_missing_password_env_is_named(tmp_path: Path) -> None:
    config = _billing_config(tmp_path, free_port())
    result = run_cli(["smtp"], env={"MAILCHECK_CONFIG": str(config)})
    assert result.exit_code == 3
    assert "BILLING_PASSWORD" in result.stderr


# ---------------------------------------------------------------- a server nobody named


def test_a_company_domains_server_is_found_from_its_mx_and_said(dns: str) -> None:
    with scripted_smtp(ANY_LOGIN) as server:
        result = run_cli(
            [
                *("smtp", "--sender", "billing@hosted.vn", "--smtp-port", str(server.port)),
                *("--smtp-tls", "none", "--allow-plaintext", "--dns-server", dns, "--lang", "en"),
            ],
            env={"MAILCHECK_PASSWORD": "pw", "COLUMNS": "300"},
        )
    first = result.stdout.split("\n\n")[0].replace("\n  ", " ")
    assert f"via mx.hosted.vn:{server.port}" in first
    assert "server found from the MX of hosted.vn" in first
    # The probe's connection, then the real one.
    assert server.connections == 2


def test_mail_dot_domain_is_tried_before_the_mx(dns: str) -> None:
    with scripted_smtp(ANY_LOGIN) as server:
        result = run_cli(
            [
                *("smtp", "--sender", "billing@cpanel.vn", "--smtp-port", str(server.port)),
                *("--smtp-tls", "none", "--allow-plaintext", "--dns-server", dns, "--lang", "vi"),
            ],
            env={"MAILCHECK_PASSWORD": "pw", "COLUMNS": "300"},
        )
    first = result.stdout.split("\n\n")[0].replace("\n  ", " ")
    assert f"mail.cpanel.vn:{server.port}" in first
    assert "tìm thấy máy chủ mail tại mail.cpanel.vn" in first


def test_no_server_found_asks_for_the_one_missing_option(dns: str) -> None:
    port = free_port()
    result = run_cli(
        ["smtp", "--sender", "billing@closed.vn", "--smtp-port", str(port), "--dns-server", dns],
        env={"MAILCHECK_PASSWORD": "pw"},
    )
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "mailcheck: error: cannot tell closed.vn's sending server: add --smtp-host "
        "(e.g. mail.closed.vn); tried mail.closed.vn (no such name), "
        f"mx.closed.vn from its MX ({port} closed)"
    )
    assert "Traceback" not in result.output


def test_a_mistyped_provider_domain_in_the_sender_is_suggested(dns: str) -> None:
    result = run_cli(
        [
            "diagnose",
            "--sender",
            "ketoan@gmial.com",
            "--recipient",
            "a@hosted.vn",
            "--dns-server",
            dns,
        ],
        env={"MAILCHECK_PASSWORD": "pw"},
    )
    assert result.exit_code == 3
    assert "did you mean gmail.com? (--sender ketoan@gmail.com)" in result.stderr


# ---------------------------------------------------------------- the README, as written


def _readme_example() -> list[str]:
    """The README's first console block, line by line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n(.*?)```", text, re.S)
    assert block is not None, "the README has no console example"
    return block.group(1).splitlines()


def readme_first_command() -> list[str]:
    """The README's first example: the first ``$ mailcheck`` line of its first console block."""
    line = next(ln for ln in _readme_example() if ln.startswith("$ mailcheck "))
    return shlex.split(line.removeprefix("$ "))


def test_the_readme_example_is_short() -> None:
    argv = readme_first_command()
    assert argv[:2] == ["mailcheck", "diagnose"]
    assert len(argv) <= 6  # --sender S --recipient R, nothing a new user must look up


def test_the_readme_first_example_runs_as_written_against_the_lab(lab: LabHandle) -> None:
    # The lab's DNS answers for the README's domains: company.vn's MX is the lab's server.
    # The environment carries only what the lab differs in from a real hosting company
    # (its port, its CA, its DNS) and a password that is not the mailbox's: the README
    # shows a changed password.
    argv = readme_first_command()
    result = run_cli(
        argv[1:],
        env={
            "MAILCHECK_DNS_SERVER": lab.dns,
            "MAILCHECK_SMTP_PORT": str(lab.ports["submission"]),
            "MAILCHECK_IMAP_PORT": str(lab.ports["imaps"]),
            "MAILCHECK_CA_FILE": lab.ca_file,
            "MAILCHECK_PASSWORD": "not-the-password",
            "MAILCHECK_LANG": "en",
        },
    )
    assert "no SMTP server" not in result.stderr
    assert result.exit_code == 2, result.output
    # The README shows what the command prints: its first line word for word.
    shown = _readme_example()
    command_line = next(i for i, ln in enumerate(shown) if ln.startswith("$ mailcheck "))
    assert result.stdout.splitlines()[0] == shown[command_line + 1]
    assert "server found from the MX of company.vn" in result.stdout.replace("\n  ", " ")


def test_on_a_terminal_the_one_missing_thing_is_asked_for(
    dns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import run_on_terminal

    monkeypatch.setenv("MAILCHECK_PASSWORD", "pw")
    with scripted_smtp(ANY_LOGIN) as server:
        code, output, answered = run_on_terminal(
            [
                *("smtp", "--sender", "billing@closed.vn", "--smtp-port", str(server.port)),
                *("--smtp-tls", "none", "--allow-plaintext", "--dns-server", dns, "--lang", "vi"),
            ],
            prompt=b"(vd. mail.closed.vn):",
            answer="127.0.0.1",
        )
    assert answered, output
    assert "mailcheck: đã thử mail.closed.vn (không có tên này), mx.closed.vn (theo MX)" in output
    assert f"qua 127.0.0.1:{server.port}" in output
    assert "máy chủ mail do bạn nhập" in output
    # The typed-in server got the one login.
    assert server.connections == 1
    assert code == 0, output


def test_the_one_line_ask_is_vietnamese_under_lang_vi(dns: str) -> None:
    port = free_port()
    result = run_cli(
        ["smtp", "--sender", "billing@closed.vn", "--smtp-port", str(port), "--dns-server", dns],
        env={"MAILCHECK_PASSWORD": "pw", "MAILCHECK_LANG": "vi"},
    )
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "mailcheck: lỗi: không tìm ra máy chủ mail gửi đi của closed.vn: hãy thêm --smtp-host "
        "(vd. mail.closed.vn); đã thử mail.closed.vn (không có tên này), "
        f"mx.closed.vn (theo MX) ({port} không mở)"
    )


def test_the_reviews_case_against_the_lab(lab: LabHandle, tmp_path: Path) -> None:
    # The review's own run: the default profile is a lab mailbox; a one-off Gmail check with
    # a password in the environment must not log in to the lab (it used to, and then said
    # "password-changed" about the lab mailbox).
    profile = lab_profile(lab, tmp_path, LAB_USER)
    config = write_config(tmp_path, {"billing": profile}, default_profile="billing")
    result = run_cli(
        ["smtp", "--sender", "someone@gmail.com", "--dns-server", lab.dns, "--lang", "en"],
        env={"MAILCHECK_CONFIG": str(config), "MAILCHECK_PASSWORD": LAB_PASSWORD},
    )
    first = result.stdout.split("\n\n")[0]
    assert "via smtp.gmail.com:587" in first
    assert "billing" not in first
    assert f":{lab.ports['submission']}" not in result.stdout
    assert "password-changed" not in result.stdout
    assert "smtp-login-ok" not in result.stdout
    # With --profile, the same run is the profile's: the lab mailbox, logged in.
    named = run_cli(
        ["smtp", "--profile", "billing", "--lang", "en"], env={"MAILCHECK_CONFIG": str(config)}
    )
    assert named.exit_code == 0, named.output
    assert "from profile billing:" in named.stdout
