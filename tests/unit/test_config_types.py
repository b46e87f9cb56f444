"""Config values are type-checked where they are read; pathological files are one-line errors.

Every command that reads a config file is run through the CLI (``MAILCHECK_CONFIG``) with a
value of the wrong type: each ends with exit 3 and one line naming the file, profile and
key, before anything is sent (the SMTP host is a port nobody listens on).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli

BASE = {
    "sender": '"billing@example.com"',
    "smtp_host": '"127.0.0.1"',
    "smtp_port": "9",
    "imap_host": '"127.0.0.1"',
    "imap_port": "9",
    "password_env": '"BILLING_PASSWORD"',
}
#: Every command that reads a profile, and the arguments it needs.
COMMANDS = {
    "smtp": ["smtp", "--profile", "x"],
    "roundtrip": ["roundtrip", "--profile", "x"],
    "diagnose": ["diagnose", "--profile", "x", "--recipient", "ap@customer.example"],
    "watch": ["watch", "--profile", "x", "--invoice-number", "HD-1"],
    "check": ["check", "--profile", "x"],
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _profile(tmp_path: Path, **overrides: str) -> Path:
    values = {**BASE, **overrides}
    body = "".join(f"{k} = {v}\n" for k, v in values.items())
    return _write(tmp_path, f"[profiles.x]\n{body}")


def _run(args: list[str], config: Path, tmp_path: Path) -> tuple[int, str]:
    env = {
        "MAILCHECK_CONFIG": str(config),
        "BILLING_PASSWORD": "not-used",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    result = run_cli([*args, "--format", "json"] if args[0] == "check" else args, env=env)
    if args[0] == "check":
        # check reports a profile that cannot run as UNKNOWN, with the reason.
        report = json.loads(result.stdout)
        return result.exit_code, report["profiles"][0]["error"]
    return result.exit_code, result.stderr


# (key, TOML value, words the message must contain)
WRONG = [
    ("allow_plaintext", '"false"', "allow_plaintext must be true or false, not the string 'false'"),
    ("allow_plaintext", "1", "allow_plaintext must be true or false, not the number 1"),
    ("smtp_port", '"587"', "smtp_port must be a port number (1-65535), not the string '587'"),
    ("smtp_port", "70000", "smtp_port must be a port number (1-65535), not the number 70000"),
    ("imap_port", "true", "imap_port must be a port number (1-65535), not the boolean true"),
    ("smtp_port", "587.0", "smtp_port must be a port number"),
    ("timeout", "0", "timeout must be a number of seconds"),
    ("timeout", '"10"', "timeout must be a number of seconds (more than 0, at most 3600), not the"),
    ("deadline", "-5", "deadline must be a number of seconds"),
    ("wait", "nan", "wait must be a number of seconds"),
    ("wait", "inf", "wait must be a number of seconds"),
    ("username", "42", "username must be a string, not the number 42"),
    ("smtp_host", "[1, 2]", "smtp_host must be a string, not a list"),
    ("ca_file", "{a = 1}", "ca_file must be a string, not a table"),
    ("lang", "1979-05-27", "lang must be a string, not a date value"),
    ("checks", "5", "checks must be a string or a list of strings"),
    ("customer_domains", '"customer.vn"', "customer_domains must be a list of strings"),
    ("dnsbls", "[1]", "dnsbls must be a string or a list of strings, not a list"),
    ("delivery_warning", "true", "delivery_warning must be a number or a range string"),
    ("attachment_size", "-5", "attachment_size must be a size"),
]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(("key", "value", "words"), WRONG, ids=[f"{k}={v}" for k, v, _ in WRONG])
def test_a_wrong_type_is_a_one_line_error_naming_file_profile_and_key(
    tmp_path: Path, command: str, key: str, value: str, words: str
) -> None:
    config = _profile(tmp_path, **{key: value})
    code, message = _run(COMMANDS[command], config, tmp_path)
    assert code == 3, message
    assert words in message
    assert str(config) in message
    assert "profile 'x'" in message
    assert len(message.strip().splitlines()) == 1
    assert "Traceback" not in message


TOP_WRONG = [
    ("default_profile = 1\n", "default_profile must be a string, not the number 1"),
    ('history = ["a"]\n', "history must be a string, not a list"),
    ("profiles = 5\n", "'profiles' must be a table, not the number 5"),
    ('[profiles]\nx = "smtp"\n', "profile 'x' must be a table, not the string 'smtp'"),
]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(("text", "words"), TOP_WRONG)
def test_wrong_top_level_types_are_one_line_errors(
    tmp_path: Path, command: str, text: str, words: str
) -> None:
    config = _write(tmp_path, text)
    code, message = _run(COMMANDS[command], config, tmp_path)
    assert code == 3
    assert words in message
    assert len(message.strip().splitlines()) == 1


DEPTH = 10_000
PATHOLOGICAL = {
    "deep-arrays": "history = " + "[" * DEPTH + "]" * DEPTH + "\n",
    "deep-inline-tables": "history = " + "{a = " * DEPTH + "1" + "}" * DEPTH + "\n",
    "deep-array-in-profile": "[profiles.x]\nchecks = " + "[" * DEPTH + "]" * DEPTH + "\n",
    "deep-table-headers": "[profiles.x" + ".a" * DEPTH + "]\nb = 1\n",
    "deep-inline-profile": "[profiles]\nx = " + "{a = " * DEPTH + "1" + "}" * DEPTH + "\n",
    "huge-key": "[profiles.x]\n" + "k" * 500_000 + " = 1\n",
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(PATHOLOGICAL))
def test_pathological_files_are_one_line_errors(tmp_path: Path, command: str, case: str) -> None:
    config = _write(tmp_path, PATHOLOGICAL[case])
    code, message = _run(COMMANDS[command], config, tmp_path)
    assert code == 3
    assert str(config) in message
    assert len(message.strip().splitlines()) == 1
    assert len(message) < 500  # a key or a value is never quoted whole


def test_a_file_larger_than_a_megabyte_is_not_read(tmp_path: Path) -> None:
    config = _write(tmp_path, "# padding\n" * 120_000)
    code, message = _run(COMMANDS["smtp"], config, tmp_path)
    assert code == 3
    assert "larger than 1 MB" in message


def test_binary_and_directory_configs_are_one_line_errors(tmp_path: Path) -> None:
    binary = tmp_path / "config.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, message = _run(COMMANDS["smtp"], binary, tmp_path)
    assert (code, "is not UTF-8 text" in message) == (3, True)
    code, message = _run(COMMANDS["smtp"], tmp_path, tmp_path)
    assert (code, "cannot read config file" in message) == (3, True)


def test_the_right_types_pass_the_check(tmp_path: Path) -> None:
    # Every typed key with a value of its type: the run gets past the config (to the
    # unreachable port 9), so the check is not stricter than the documented file.
    config = _profile(
        tmp_path,
        allow_plaintext="false",
        timeout="2",
        deadline="3.5",
        wait="1",
        attachment_size='"5M"',
        dnsbls='"default"',
        checks='["credentials"]',
        delivery_warning='"10:"',
        delivery_critical="30",
        lang='"en"',
    )
    code, message = _run(COMMANDS["smtp"], config, tmp_path)
    assert code == 2, message  # the server is unreachable: CRITICAL, not a config error


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("MAILCHECK_ALLOW_PLAINTEXT", "maybe", "is not a valid boolean"),
        ("MAILCHECK_SMTP_PORT", "abc", "--smtp-port: 'abc' is not a port number"),
        ("MAILCHECK_SMTP_PORT", "0", "--smtp-port: 0 is not a port number"),
        ("MAILCHECK_TIMEOUT", "0", "--timeout: 0 is out of range"),
        ("MAILCHECK_DEADLINE", "nan", "--deadline: nan is out of range"),
        ("MAILCHECK_WAIT", "-1", "--wait: -1 is out of range"),
    ],
)
def test_wrong_environment_values_are_one_line_errors(
    tmp_path: Path, name: str, value: str, words: str
) -> None:
    config = _profile(tmp_path)
    result = run_cli(
        ["roundtrip", "--profile", "x"],
        env={"MAILCHECK_CONFIG": str(config), "BILLING_PASSWORD": "x", name: value},
    )
    assert result.exit_code == 3
    assert words in result.stderr
