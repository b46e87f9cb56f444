"""docs/examples and docs/monitoring.md, checked against mailcheck itself.

Every example is read the way its consumer reads it (YAML by a YAML parser, the
units by ``systemd-analyze``, the config by mailcheck's own loader), every
mailcheck option an example passes must be one ``mailcheck check`` knows, and the
Nagios and Icinga command lines are run against the real mail lab. The monitoring
page must show the same lines as the files, so the two cannot drift apart.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from mailcheck.check.plan import DEFAULT_CHECKS, plan_profile
from mailcheck.cli.commands.check import command as check_command
from mailcheck.errors import SecretError
from mailcheck.history import default_history_path, default_lock_dir
from mailcheck.profiles import PROFILE_KEYS, TOP_KEYS, load_profile, profile_names
from tests.helpers import LabHandle, lab_profile, run_cli, write_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
DOCS = ROOT / "docs"
MONITORING = DOCS / "monitoring.md"
COMMANDS = DOCS / "commands.md"
CONFIG = EXAMPLES / "config.toml"
SERVICE = EXAMPLES / "mailcheck-check@.service"
TIMER = EXAMPLES / "mailcheck-check@.timer"
DROP_IN = EXAMPLES / "mailcheck-check@.service.d" / "textfile.conf"
# Where the examples say mailcheck is installed (a venv), and this checkout's own.
INSTALLED = "/opt/mailcheck/bin/mailcheck"
MAILCHECK = Path(sys.executable).parent / "mailcheck"
# The first line of a monitoring plugin: SERVICE STATE - text | perfdata
PLUGIN_LINE = re.compile(r"^MAILCHECK (OK|WARNING|CRITICAL|UNKNOWN) - [^|]+ \| \S.*$")
# Shell operators that end a mailcheck invocation inside a longer command line.
SHELL_OPERATORS = frozenset({"|", "||", "&&", ";", ")", "(", ">", ">>", "<", "&", ">&", "$("})


# ---------------------------------------------------------------- helpers


def _check_help() -> str:
    result = run_cli(["check", "--help"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _assert_check_invocation(args: list[str]) -> None:
    """``args`` (after ``mailcheck check``) uses only real options, with their values."""
    help_text = _check_help()
    options = [a.split("=", 1)[0] for a in args if a.startswith("--")]
    assert options, args
    for option in options:
        # As the help lists it: first on its line or after "/" (--color / --no-color).
        pattern = rf"(?m)(^\s+|[/,] ){re.escape(option)}(?=[ /,]|$)"
        assert re.search(pattern, help_text), option
    # And click itself parses them (an option that needs a value has one, choices are valid).
    try:
        check_command.make_context("check", list(args))
    except click.UsageError as exc:
        pytest.fail(f"mailcheck check {shlex.join(args)}: {exc.format_message()}")


def _mailcheck_args(command_line: str) -> list[str]:
    """The arguments after ``mailcheck check`` (or ``check_mailcheck check``) in a shell line."""
    lexer = shlex.shlex(command_line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    starts = [
        i
        for i, token in enumerate(tokens[:-1])
        if Path(token).name in ("mailcheck", "check_mailcheck") and tokens[i + 1] == "check"
    ]
    assert len(starts) == 1, f"not one mailcheck check in: {command_line}"
    args = []
    for token in tokens[starts[0] + 2 :]:
        if token in SHELL_OPERATORS or set(token) <= set("()<>|&;"):
            break
        args.append(token)
    # "2>&1" splits into "2", ">&", "1": a file descriptor number is no argument.
    if args and args[-1].isdigit() and command_line.count(f"{args[-1]}>"):
        args.pop()
    return args


def _option_value(args: list[str], option: str) -> str:
    assert args.count(option) == 1, (option, args)
    return args[args.index(option) + 1]


def _content_lines(path: Path, comment: str = "#") -> list[str]:
    """The file's lines without comments and blank lines, whitespace normalised."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = " ".join(line.split())
        if text and not text.startswith(comment):
            lines.append(text)
    return lines


def _unit_values(path: Path, key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in _content_lines(path)
        if line.startswith(f"{key}=") and not line.startswith("[")
    ]


def _lab_config(lab: LabHandle, tmp: Path) -> Path:
    """A config with a healthy profile ``billing`` on the lab (as in test_check_lab)."""
    profile = lab_profile(lab, tmp, "sender@lab.test", customer_domains=["customer.test"])
    return write_config(tmp, {"billing": profile})


def _lab_env(lab: LabHandle) -> dict[str, str]:
    # The autouse clean_environ fixture points MAILCHECK_DNS_SERVER at a closed port;
    # a child process inherits it, so it must name the lab's DNS (env beats the profile).
    return {**os.environ, "MAILCHECK_DNS_SERVER": lab.dns}


def _assert_plugin_ok(output: str, code: int, profile: str) -> None:
    first = output.splitlines()[0] if output else ""
    match = PLUGIN_LINE.match(first)
    assert match, output
    assert match.group(1) == "OK", output
    assert first.startswith(f"MAILCHECK OK - {profile}: "), first
    assert code == 0, output


# ---------------------------------------------------------------- CI YAML


def _github() -> dict[Any, Any]:
    data = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _pip_requirements(command_line: str, env: Mapping[str, str]) -> list[str]:
    words = shlex.split(command_line)
    assert "install" in words, command_line
    out = []
    for word in words[words.index("install") + 1 :]:
        if word.startswith("-"):
            continue
        match = re.fullmatch(r"\$\{?(\w+)\}?", word)
        out.append(env[match.group(1)] if match else word)
    return out


def _assert_not_pypi_mailcheck(requirements: list[str]) -> None:
    # "mailcheck" on PyPI is an unrelated package (a MailCheck.ai API client).
    assert requirements, requirements
    for requirement in requirements:
        assert re.fullmatch(r"mailcheck-invoice\s*@\s*\S+", requirement), requirement


def test_github_actions_job_runs_check_and_uploads_its_junit_report_always() -> None:
    data = _github()
    # YAML 1.1 reads the bare key "on" as the boolean true; GitHub reads it as "on".
    triggers = data.get("on", data.get(True))
    assert isinstance(triggers, dict)
    assert "schedule" in triggers
    assert data["concurrency"]["group"]
    job = data["jobs"]["mailcheck"]
    steps = job["steps"]
    runs = [(i, s) for i, s in enumerate(steps) if "mailcheck check" in s.get("run", "")]
    assert len(runs) == 1, steps
    index, check = runs[0]
    args = _mailcheck_args(check["run"])
    _assert_check_invocation(args)
    assert "--all" in args
    junit = _option_value(args, "--junit")
    uploads = [
        (i, s)
        for i, s in enumerate(steps)
        if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert len(uploads) == 1, steps
    upload_index, upload = uploads[0]
    assert upload_index > index
    assert upload["if"] == "always()"
    assert upload["with"]["path"] == junit
    # The config file the check reads is the one the step before wrote from the secret.
    config = check["env"]["MAILCHECK_CONFIG"]
    assert config == "${{ runner.temp }}/mailcheck.toml"
    writers = [s for s in steps[:index] if "$RUNNER_TEMP/mailcheck.toml" in s.get("run", "")]
    assert len(writers) == 1
    assert writers[0]["env"]["MAILCHECK_CONFIG_TOML"].startswith("${{ secrets.")
    installs = [s["run"] for s in steps[:index] if "pip install" in s.get("run", "")]
    assert len(installs) == 1
    _assert_not_pypi_mailcheck(_pip_requirements(installs[0], job["env"]))


def test_gitlab_job_runs_check_and_reports_its_junit_file_always() -> None:
    data = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    job = data["mailcheck"]
    checks = [line for line in job["script"] if "mailcheck check" in line]
    assert len(checks) == 1, job["script"]
    args = _mailcheck_args(checks[0])
    _assert_check_invocation(args)
    assert "--all" in args
    junit = _option_value(args, "--junit")
    assert job["artifacts"]["reports"]["junit"] == junit
    assert job["artifacts"]["when"] == "always"
    assert job["resource_group"]
    installs = [line for line in job["before_script"] if "pip install" in line]
    assert len(installs) == 1
    _assert_not_pypi_mailcheck(_pip_requirements(installs[0], job["variables"]))


# ---------------------------------------------------------------- systemd


@pytest.fixture
def unit_dir(tmp_path: Path) -> Path:
    """The units and the drop-in, with ExecStart pointing at this checkout's mailcheck.

    ``systemd-analyze verify`` refuses a unit whose ExecStart binary does not exist
    ("Command ... is not executable"), and /opt/mailcheck is where the examples
    install mailcheck, not where the tests run it. Only that path is rewritten.
    """
    assert MAILCHECK.is_file(), MAILCHECK
    target = tmp_path / "units"
    (target / DROP_IN.parent.name).mkdir(parents=True)
    for source in (SERVICE, TIMER, DROP_IN):
        text = source.read_text(encoding="utf-8")
        if source is not TIMER:
            assert INSTALLED in text, source
            text = text.replace(INSTALLED, str(MAILCHECK))
        destination = target / source.relative_to(EXAMPLES)
        destination.write_text(text, encoding="utf-8")
    return target


def _verify(unit_dir: Path) -> subprocess.CompletedProcess[str]:
    systemd_analyze = shutil.which("systemd-analyze")
    assert systemd_analyze, "systemd-analyze is missing (Debian package: systemd)"
    # An instance name loads the template, the way systemctl start ...@billing would.
    return subprocess.run(
        [
            systemd_analyze,
            "verify",
            str(unit_dir / "mailcheck-check@billing.service"),
            str(unit_dir / "mailcheck-check@billing.timer"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _unit_messages(stderr: str, unit_dir: Path) -> list[str]:
    # verify may also talk about the host's own units; only ours count here.
    return [
        line for line in stderr.splitlines() if str(unit_dir) in line or "mailcheck-check@" in line
    ]


def test_systemd_units_pass_verify_without_warnings(unit_dir: Path) -> None:
    done = _verify(unit_dir)
    assert done.returncode == 0, done.stderr
    assert _unit_messages(done.stderr, unit_dir) == []


def test_verify_would_see_a_mistake_in_the_drop_in(unit_dir: Path) -> None:
    # The control for the test above: the drop-in is read, and a typo there is reported.
    drop_in = unit_dir / DROP_IN.parent.name / DROP_IN.name
    drop_in.write_text(drop_in.read_text(encoding="utf-8") + "ReadWritePath=/tmp\n")
    done = _verify(unit_dir)
    assert any("ReadWritePath" in line for line in _unit_messages(done.stderr, unit_dir))


def test_systemd_hardening_is_rated_ok(unit_dir: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager",
         str(unit_dir / "mailcheck-check@billing.service")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", done.stdout)
    assert match, done.stdout + done.stderr
    # systemd's scale: 0 is fully locked down, 10 is a service with no protection at all.
    assert float(match.group(1)) < 2.0, done.stdout
    assert match.group(2) in ("PERFECT", "SAFE", "OK"), done.stdout


def test_service_runs_check_and_keeps_history_and_locks_in_its_state_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (exec_start,) = _unit_values(SERVICE, "ExecStart")
    assert exec_start.startswith(f"{INSTALLED} check ")
    args = _mailcheck_args(exec_start.replace("%i", "billing"))
    _assert_check_invocation(args)
    assert _option_value(args, "--profile") == "billing"
    _assert_check_invocation(
        _mailcheck_args(_unit_values(DROP_IN, "ExecStart")[-1].replace("%i", "billing"))
    )
    assert _unit_values(DROP_IN, "ExecStart")[0] == ""  # replaces, not adds, the command
    assert _unit_values(SERVICE, "User") == ["mailcheck"]
    environment = dict(v.split("=", 1) for v in _unit_values(SERVICE, "Environment"))
    (state,) = _unit_values(SERVICE, "StateDirectory")
    # Where mailcheck itself puts history and locks under the unit's environment:
    monkeypatch.setenv("XDG_STATE_HOME", environment["XDG_STATE_HOME"])
    state_dir = Path("/var/lib") / state
    assert default_history_path().parent == state_dir
    assert default_lock_dir().parent == state_dir
    (cache,) = _unit_values(SERVICE, "CacheDirectory")
    assert Path(environment["XDG_CACHE_HOME"]) / "mailcheck" == Path("/var/cache") / cache
    textfile = _option_value(_mailcheck_args(_unit_values(DROP_IN, "ExecStart")[-1]), "--textfile")
    assert _unit_values(DROP_IN, "ReadWritePaths") == [textfile]


def test_timer_fires_every_15_minutes_spread_and_persistent() -> None:
    (calendar,) = _unit_values(TIMER, "OnCalendar")
    done = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=3", calendar],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", done.stdout)
    times = [datetime.fromisoformat(t) for t in found[-3:]]
    assert len(times) == 3, done.stdout
    assert {(b - a).total_seconds() for a, b in itertools.pairwise(times)} == {900.0}
    assert _unit_values(TIMER, "Persistent") == ["true"]
    assert _unit_values(TIMER, "RandomizedDelaySec")
    assert _unit_values(TIMER, "WantedBy") == ["timers.target"]


# ---------------------------------------------------------------- config.toml


@pytest.fixture
def fake_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``pass`` on PATH that answers the example's exact question, as the real one would."""
    password = "app-password-from-pass"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pass"
    answer = '[ "$1 $2" = "show mail/billing-app-password" ] || exit 1'
    script.write_text(f"#!/bin/sh\n{answer}\necho {password}\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return password


def test_example_config_profiles_load_and_plan_up_to_the_password(
    fake_pass: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = str(CONFIG)
    assert profile_names(config) == ["billing", "inhouse"]
    for name in ("billing", "inhouse"):
        profile, loaded = load_profile(config, name)
        assert loaded == name
        assert profile

    billing = plan_profile("billing", {"config": config}, (None, None))
    assert billing.secret is not None
    assert billing.secret.reveal() == fake_pass
    assert billing.secret.source == "password command"
    assert billing.checks == DEFAULT_CHECKS
    assert billing.settings is not None
    assert billing.settings.smtp.host == "smtp.gmail.com"

    # The password file lives on the server, not here: planning stops exactly there.
    with pytest.raises(SecretError) as missing:
        plan_profile("inhouse", {"config": config}, (None, None))
    assert str(missing.value) == (
        "cannot read the password file /etc/mailcheck/inhouse.password: No such file or directory"
    )
    # MAILCHECK_PASSWORD does not stand in for a profile's own source (several profiles, one
    # run); with the file where the profile says, it plans fully.
    monkeypatch.setenv("MAILCHECK_PASSWORD", "from-env")
    with pytest.raises(SecretError):
        plan_profile("inhouse", {"config": config}, (None, None))
    secret_file = tmp_path / "inhouse.password"
    secret_file.write_text("from-file\n", encoding="utf-8")
    moved = tmp_path / "config.toml"
    moved.write_text(
        CONFIG.read_text(encoding="utf-8").replace(
            "/etc/mailcheck/inhouse.password", str(secret_file)
        ),
        encoding="utf-8",
    )
    inhouse = plan_profile("inhouse", {"config": str(moved)}, (None, None))
    assert inhouse.secret is not None
    assert inhouse.secret.reveal() == "from-file"
    assert inhouse.checks == ("credentials", "roundtrip", "sender-dns", "customers")
    assert inhouse.customer_domains == ("customer.vn", "ketoan-abc.com.vn")
    assert inhouse.thresholds.warning is not None
    assert inhouse.thresholds.warning.text == "10"
    assert inhouse.thresholds.critical is not None
    assert inhouse.thresholds.critical.text == "30"
    assert inhouse.settings is not None
    assert (inhouse.settings.smtp.port, inhouse.settings.smtp.tls.value) == (465, "tls")
    assert inhouse.settings.roundtrip.wait < 60  # below the default --deadline


def test_commented_out_keys_of_the_example_config_are_real_keys() -> None:
    commented = re.findall(r"(?m)^#\s*([a-z_]+)\s*=\s*\S", CONFIG.read_text(encoding="utf-8"))
    assert commented  # the history key is shown commented out
    for key in commented:
        assert key in PROFILE_KEYS | TOP_KEYS, key


# ---------------------------------------------------------------- cron

_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                      "nov", "dec")),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)  # fmt: skip


def _valid_cron_field(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    def number(value: str) -> int | None:
        if value.lower() in names:
            return names.index(value.lower()) + (1 if low == 1 else 0)
        return int(value) if value.isdigit() and low <= int(value) <= high else None

    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and 0 < int(step) <= high):
            return False
        if base == "*":
            continue
        first, _, last = base.partition("-")
        start, end = number(first), number(last) if last else None
        if start is None or (last and (end is None or end < start)):
            return False
    return True


def _cron_job() -> tuple[list[str], str, dict[str, str]]:
    env: dict[str, str] = {}
    jobs = []
    for line in _content_lines(EXAMPLES / "cron"):
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", line):
            key, _, value = line.partition("=")
            env[key] = value
        else:
            jobs.append(line)
    assert len(jobs) == 1, jobs
    parts = jobs[0].split(maxsplit=5)
    assert len(parts) == 6, jobs[0]
    return parts[:5], parts[5], env


def test_cron_line_has_valid_times_and_a_real_mailcheck_command() -> None:
    fields, command, env = _cron_job()
    for text, (what, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        assert _valid_cron_field(text, low, high, names), f"{what}: {text}"
    assert fields[0] == "*/15"
    # cron turns an unescaped % into a new line (and what follows into stdin).
    assert re.search(r"(?<!\\)%", command) is None, command
    _assert_check_invocation(_mailcheck_args(command))
    assert env["MAILCHECK_CONFIG"] == "/etc/mailcheck/config.toml"
    assert "@" in env["MAILTO"]


def test_cron_command_mails_nothing_when_ok_and_the_report_when_not(
    lab: LabHandle, tmp_path: Path
) -> None:
    """What the cron line prints is what cron mails: nothing when OK, the report otherwise."""
    _, command, _ = _cron_job()
    assert INSTALLED in command
    config = _lab_config(lab, tmp_path)
    env = {**_lab_env(lab), "MAILCHECK_CONFIG": str(config)}
    # cron runs the command with /bin/sh.
    line = command.replace(INSTALLED, str(MAILCHECK))
    healthy = subprocess.run(
        ["/bin/sh", "-c", line], env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert healthy.returncode == 0
    assert healthy.stdout == "", healthy.stdout
    assert healthy.stderr == "", healthy.stderr
    # The password was changed on the server (the profile still has the old one, in the file
    # lab_profile wrote): the whole human report comes out.
    (tmp_path / "sender@lab.test.password").write_text("old-one\n", encoding="utf-8")
    broken = subprocess.run(
        ["/bin/sh", "-c", line], env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert re.search(r"(?m)^CRITICAL +billing ", broken.stdout), broken.stdout + broken.stderr
    assert "[password-changed]" in broken.stdout, broken.stdout


# ---------------------------------------------------------------- Nagios and Icinga


def _nagios_objects(kind: str) -> list[dict[str, str]]:
    text = (EXAMPLES / "nagios.cfg").read_text(encoding="utf-8")
    objects = []
    for body in re.findall(rf"(?ms)^define {kind}\s*\{{(.*?)^\}}", text):
        fields = {}
        for line in body.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                fields[key] = value.strip()
        objects.append(fields)
    return objects


def _nagios_command_line(plugins: str) -> str:
    """The service's check_command, with the command's macros substituted as Nagios does."""
    (definition,) = _nagios_objects("command")
    (service,) = _nagios_objects("service")
    name, *arguments = service["check_command"].split("!")
    assert name == definition["command_name"]
    line = definition["command_line"].replace("$USER1$", plugins)
    for number, value in enumerate(arguments, start=1):
        line = line.replace(f"$ARG{number}$", value)
    assert "$" not in line, line  # every macro the command uses was given
    return line


def test_nagios_command_uses_real_check_options() -> None:
    args = _mailcheck_args(_nagios_command_line("/usr/lib/nagios/plugins"))
    _assert_check_invocation(args)
    assert _option_value(args, "--format") == "nagios"
    assert (_option_value(args, "--warning"), _option_value(args, "--critical")) == ("10", "30")
    assert float(_option_value(args, "--deadline")) < 60  # Nagios' service_check_timeout


def test_nagios_command_against_the_lab_prints_a_plugin_ok(lab: LabHandle, tmp_path: Path) -> None:
    # $USER1$ is the plugin directory; the install step links check_mailcheck there.
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "check_mailcheck").symlink_to(MAILCHECK)
    line = _nagios_command_line(str(plugins))
    # The config path is the server's; here the lab's config stands in for it.
    assert line.count("/etc/mailcheck/config.toml") == 1
    line = line.replace("/etc/mailcheck/config.toml", str(_lab_config(lab, tmp_path)))
    # Nagios hands a command line with quotes to /bin/sh.
    done = subprocess.run(
        ["/bin/sh", "-c", line],
        env=_lab_env(lab),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    _assert_plugin_ok(done.stdout, done.returncode, "billing")
    assert re.search(r" delivery_time=[\d.]+s;10;30;0( |$)", done.stdout.splitlines()[0])


def _icinga() -> tuple[list[str], list[tuple[str, str, bool]], dict[str, str], dict[str, str]]:
    """The CheckCommand's command, its (option, value, required), its vars, the Service's vars."""
    text = (EXAMPLES / "icinga2.conf").read_text(encoding="utf-8")
    command_block = re.search(r'(?ms)^object CheckCommand "mailcheck" \{(.*?)^\}', text)
    service_block = re.search(r"(?ms)^object Service \"[^\"]+\" \{(.*?)^\}", text)
    assert command_block
    assert service_block
    body = command_block.group(1)
    command_match = re.search(r"(?m)^\s*command = \[(.*)\]$", body)
    assert command_match
    command = json.loads(f"[{command_match.group(1)}]")
    arguments = []
    for option, block in re.findall(r'(?ms)^\s*"(--[a-z-]+)" = \{(.*?)\}', body):
        value = re.search(r'value = "([^"]*)"', block)
        assert value, option
        arguments.append((option, value.group(1), "required = true" in block))

    def variables(block: str) -> dict[str, str]:
        found = re.findall(r"(?m)^\s*vars\.(\w+) = (.+)$", block)
        return {k: str(json.loads(v)) if v.startswith('"') else v for k, v in found}

    return command, arguments, variables(body), variables(service_block.group(1))


def _icinga_argv(overrides: Mapping[str, str] | None = None) -> list[str]:
    """The argv Icinga builds: an argument whose macro has no value is left out."""
    command, arguments, command_vars, service_vars = _icinga()
    values = {**command_vars, **service_vars, **(overrides or {})}
    argv = list(command)
    for option, value, required in arguments:
        macro = re.fullmatch(r"\$(\w+)\$", value)
        if macro is None:
            argv += [option, value]
        elif macro.group(1) in values:
            argv += [option, values[macro.group(1)]]
        else:
            assert not required, f"{option} is required but {value} has no value"
    return argv


def test_icinga_check_command_uses_real_check_options() -> None:
    argv = _icinga_argv()
    assert argv[:2] == [INSTALLED, "check"]
    _assert_check_invocation(argv[2:])
    assert _option_value(argv, "--profile") == "billing"
    assert _option_value(argv, "--format") == "nagios"
    assert float(_option_value(argv, "--deadline")) < 60  # below the command's timeout = 1m


def test_icinga_check_command_against_the_lab_prints_a_plugin_ok(
    lab: LabHandle, tmp_path: Path
) -> None:
    # A host or service sets mailcheck_config the same way to use another config file.
    argv = _icinga_argv({"mailcheck_config": str(_lab_config(lab, tmp_path))})
    argv[0] = str(MAILCHECK)
    done = subprocess.run(
        argv, env=_lab_env(lab), capture_output=True, text=True, timeout=90, check=False
    )
    _assert_plugin_ok(done.stdout, done.returncode, "billing")


# ---------------------------------------------------------------- docs/monitoring.md


def _monitoring_section() -> Iterator[str]:
    text = MONITORING.read_text(encoding="utf-8")
    start = text.index("## Monitoring, cron and CI\n")
    end = text.index("\n## ", start + 1)
    yield from text[start:end].splitlines()


def test_monitoring_section_sits_between_config_file_and_exit_codes() -> None:
    text = MONITORING.read_text(encoding="utf-8")
    config = text.index("### Config file\n")
    monitoring = text.index("## Monitoring, cron and CI\n")
    exit_codes = text.index("## Exit codes\n")
    assert config < monitoring < exit_codes
    # The command table that lists check and history is in docs/commands.md.
    text = COMMANDS.read_text(encoding="utf-8")
    commands = text[text.index("## Commands\n") : text.index("### Bounces")]
    assert "| `mailcheck check --profile NAME \\| --all` |" in commands
    assert "| `mailcheck history` |" in commands


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        (EXAMPLES / "cron", None),
        (TIMER, None),
        (EXAMPLES / "nagios.cfg", None),
        (EXAMPLES / "github-actions.yml", None),
        (EXAMPLES / "gitlab-ci.yml", None),
        (DROP_IN, None),
        (
            SERVICE,
            ("Type=", "User=", "Group=", "Environment=", "StateDirectory=", "CacheDirectory=",
             "ExecStart=", "ProtectSystem=", "ProtectHome=", "RestrictAddressFamilies="),
        ),
        (
            EXAMPLES / "icinga2.conf",
            ("command = [", "vars.mailcheck_profile", "vars.mailcheck_warning",
             "vars.mailcheck_critical", "check_command =", "check_interval ="),
        ),
    ],
    ids=["cron", "timer", "nagios", "github", "gitlab", "drop-in", "service", "icinga"],
)  # fmt: skip
def test_monitoring_page_shows_the_same_lines_as_the_example_files(
    path: Path, keys: tuple[str, ...] | None
) -> None:
    comment = "//" if path.name == "icinga2.conf" else "#"
    lines = _content_lines(path, comment)
    if keys is not None:
        lines = [line for line in lines if line.startswith(keys)]
        assert len(lines) >= len(keys), lines
    shown = {" ".join(line.split()) for line in _monitoring_section()}
    missing = [line for line in lines if line not in shown]
    assert missing == [], f"docs/monitoring.md does not show these lines of {path.name}: {missing}"
