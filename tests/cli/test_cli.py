"""The command line as users meet it: help, bad input, config, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import free_port, run_cli

ENV = {"MAILCHECK_PASSWORD": "pw"}
SMTP = ["smtp", "--smtp-host", "127.0.0.1", "--username", "a@b.test"]


@pytest.mark.parametrize("command", ["smtp", "diagnose", "causes"])
def test_every_command_has_help(command: str) -> None:
    result = run_cli([command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout


def test_there_is_no_password_option() -> None:
    assert "--password " not in run_cli(["smtp", "--help"]).stdout
    result = run_cli([*SMTP, "--password", "x"])
    assert result.exit_code == 3


def test_version() -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("mailcheck, version ")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            [
                "diagnose",
                "--sender",
                "not-an-address",
                "--recipient",
                "a@b.test",
                "--smtp-host",
                "h.test",
            ],
            ENV,
            "not an e-mail address",
        ),
        (
            [
                "diagnose",
                "--sender",
                "a@b.test\r\nBcc: x@y.test",
                "--recipient",
                "a@b.test",
                "--smtp-host",
                "h.test",
            ],
            ENV,
            "control characters",
        ),
        (
            [
                "diagnose",
                "--sender",
                "a@b..test",
                "--recipient",
                "a@b.test",
                "--smtp-host",
                "h.test",
            ],
            ENV,
            "not a valid domain",
        ),
        (["diagnose", "--sender", "a@b.test", "--smtp-host", "h.test"], ENV, "missing --recipient"),
        (
            ["smtp", "--provider", "gmial", "--username", "a@b.test"],
            ENV,
            "unknown provider 'gmial' (did you mean gmail?)",
        ),
        (["smtp", "--smtp-host", "h.test", "--username", "a@b.test"], {}, "no password"),
        (
            ["smtp", "--smtp-host", "h.test", "--username", "a@b.test", "--smtp-port", "99999"],
            ENV,
            "not a port number",
        ),
        (
            ["smtp", "--smtp-host", "h.test", "--username", "a@b.test", "--timeout", "soon"],
            ENV,
            "not a number of seconds",
        ),
        (
            [
                "smtp",
                "--smtp-host",
                "h.test",
                "--username",
                "a@b.test",
                "--ca-file",
                "/nonexistent/ca.pem",
            ],
            ENV,
            "not a readable file",
        ),
        (
            [
                "smtp",
                "--smtp-host",
                "h.test",
                "--username",
                "a@b.test",
                "--dns-server",
                "resolver.test",
            ],
            ENV,
            "not IP[:PORT]",
        ),
        (["smtp", "--username", "a@b.test"], ENV, "no SMTP server"),
        (
            [
                "smtp",
                "--smtp-host",
                "h.test",
                "--username",
                "a@b.test",
                "--config",
                "/nonexistent.toml",
            ],
            ENV,
            "does not exist",
        ),
        (
            [
                "smtp",
                "--smtp-host",
                "h.test",
                "--username",
                "a@b.test",
                "--password-file",
                "/nonexistent",
            ],
            ENV,
            "cannot read the password file",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_3(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = run_cli(args, env=env)
    assert result.exit_code == 3
    assert message in result.stderr
    assert result.stderr.startswith("mailcheck: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_usage_errors_exit_3_not_2() -> None:
    result = run_cli(["smtp", "--no-such-option"])
    assert result.exit_code == 3
    assert "No such option" in result.stderr
    assert run_cli(["no-such-command"]).exit_code == 3
    assert run_cli(["smtp", "--smtp-tls", "ssl3"]).exit_code == 3


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unreadable_config_is_a_clear_error(tmp_path: Path) -> None:
    path = _config(tmp_path, "[profiles.x\nsmtp_host = ")
    result = run_cli([*SMTP, "--config", str(path)], env=ENV)
    assert result.exit_code == 3
    assert "not valid TOML" in result.stderr
    path.chmod(0)
    if subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() != "0":
        assert "cannot read config" in run_cli([*SMTP, "--config", str(path)], env=ENV).stderr


def test_profile_typo_and_password_key_are_named(tmp_path: Path) -> None:
    path = _config(tmp_path, '[profiles.billing]\nsmtp_hots = "x.test"\n')
    result = run_cli(["smtp", "--config", str(path), "--profile", "billing"], env=ENV)
    assert "unknown key 'smtp_hots' (did you mean smtp_host?)" in result.stderr
    path = _config(tmp_path, '[profiles.billing]\npassword = "x"\n')
    result = run_cli(["smtp", "--config", str(path), "--profile", "billing"], env=ENV)
    assert "password never goes in the config file" in result.stderr
    assert run_cli(["smtp", "--config", str(path), "--profile", "other"], env=ENV).exit_code == 3


def test_profile_fills_options_and_flags_override_it(tmp_path: Path) -> None:
    port = free_port()
    path = _config(
        tmp_path,
        'default_profile = "billing"\n[profiles.billing]\nsmtp_host = "127.0.0.1"\n'
        'smtp_port = 1\nusername = "billing@company.test"\nlang = "vi"\n',
    )
    result = run_cli(
        ["smtp", "--config", str(path), "--smtp-port", str(port), "--format", "json"], env=ENV
    )
    report = json.loads(result.stdout)
    assert report["target"]["smtp_port"] == port
    assert report["target"]["username"] == "billing@company.test"
    assert report["target"]["profile"] == "billing"
    assert [c["id"] for c in report["causes"]] == ["smtp-connection-refused"]
    # The profile's language is used for people.
    human = run_cli(["smtp", "--config", str(path), "--smtp-port", str(port)], env=ENV)
    assert "NGHIÊM TRỌNG" in human.stdout


def test_environment_variables_configure_the_check() -> None:
    port = free_port()
    env = {
        **ENV,
        "MAILCHECK_SMTP_HOST": "127.0.0.1",
        "MAILCHECK_SMTP_PORT": str(port),
        "MAILCHECK_USERNAME": "a@b.test",
        "MAILCHECK_FORMAT": "json",
    }
    result = run_cli(["smtp"], env=env)
    assert json.loads(result.stdout)["target"]["smtp_port"] == port


def test_provider_preset_is_picked_from_the_sender_domain(tmp_path: Path) -> None:
    # No network: only the settings are checked, through a config error raised after them.
    result = run_cli(
        [
            "diagnose",
            "--sender",
            "billing@gmail.com",
            "--recipient",
            "x@y.test",
            "--ca-file",
            str(tmp_path / "missing.pem"),
        ],
        env=ENV,
    )
    assert "--ca-file" in result.stderr  # got past the host: the gmail preset filled it


def test_password_from_stdin_and_file(tmp_path: Path) -> None:
    port = free_port()
    base = [
        "smtp",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--username",
        "a@b.test",
        "--format",
        "json",
    ]
    result = run_cli([*base, "--password-stdin"], input="from-stdin\n")
    assert json.loads(result.stdout)["target"]["password_source"] == "stdin"
    path = tmp_path / "pw"
    path.write_text("from-file\n")
    result = run_cli([*base, "--password-file", str(path)])
    assert json.loads(result.stdout)["target"]["password_source"] == f"file {path}"


def test_language_follows_the_locale() -> None:
    port = free_port()
    args = ["smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--username", "a@b.test"]
    assert "Kết quả" in run_cli(args, env={**ENV, "LANG": "vi_VN.UTF-8"}).stdout
    assert "Result" in run_cli(args, env={**ENV, "LANG": "en_US.UTF-8"}).stdout
    assert "Result" in run_cli([*args, "--lang", "en"], env={**ENV, "LANG": "vi_VN.UTF-8"}).stdout


def test_causes_command_lists_the_catalogue_as_json() -> None:
    result = run_cli(["causes", "--format", "json"])
    causes = json.loads(result.stdout)["causes"]
    assert {"password-changed", "spam-folder", "app-password-required"} <= {c["id"] for c in causes}


def test_python_dash_m_runs_and_never_shows_a_traceback() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mailcheck",
            "smtp",
            "--smtp-host",
            "127.0.0.1",
            "--sender",
            "bad address",
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MAILCHECK_PASSWORD": "x"},
        check=False,
    )
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
