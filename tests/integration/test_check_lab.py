"""``mailcheck check`` against the real lab: what cron, CI and Nagios see.

Each profile lives in a real config file; passwords come from files named by
the profile, as on a server. The outputs are read with their consumers' own
parsers where one exists (prometheus_client, the JUnit schema).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import LabHandle, free_port, lab_profile, run_cli, write_config

TOKEN_HEADER = b"X-Mailcheck-Token"
ROOT = Path(__file__).resolve().parents[2]
# The first line of a monitoring plugin: SERVICE STATE - text | perfdata
NAGIOS_LINE = re.compile(r"^MAILCHECK (OK|WARNING|CRITICAL|UNKNOWN) - [^|]+(\| .+)?$")
STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def _check(config: Path, lab: LabHandle, *args: str) -> tuple[int, str, str, float]:
    start = time.monotonic()
    result = run_cli(["check", "--config", str(config), "--dns-server", lab.dns, *args])
    return result.exit_code, result.stdout, result.stderr, time.monotonic() - start


def _nagios_state(output: str) -> str:
    first = output.splitlines()[0]
    match = NAGIOS_LINE.match(first)
    assert match, first
    return match.group(1)


def _perfdata(output: str) -> dict[str, list[str]]:
    """Every ``label=value;warn;crit;min;max`` of the output, first line and long text."""
    found = {}
    for part in output.split("|")[1:]:
        for item in part.splitlines()[0].split():
            label, _, rest = item.partition("=")
            found[label.strip("'")] = rest.split(";")
    return found


def _test_messages(lab: LabHandle, user: str) -> list[bytes]:
    return [
        m
        for folder in ("INBOX", "Junk")
        for m in lab.lab.list_messages(user, folder)
        if TOKEN_HEADER in m
    ]


def test_healthy_profile_is_ok_with_perfdata(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "billing": lab_profile(
                lab, tmp_path, "sender@lab.test", customer_domains=["customer.test"]
            )
        },
    )
    code, out, err, took = _check(
        config, lab, "--profile", "billing", "--format", "nagios", "--warning", "10",
        "--critical", "20", "--deadline", "30",
    )  # fmt: skip
    assert _nagios_state(out) == "OK", out + err
    assert code == 0
    assert "delivered to INBOX" in out.splitlines()[0]
    perf = _perfdata(out)
    assert perf["delivery_time"][0].endswith("s")
    assert 0 < float(perf["delivery_time"][0].rstrip("s")) < 10
    assert perf["delivery_time"][1:4] == ["10", "20", "0"]
    for label in ("auth_time", "submit_time", "total_time"):
        assert float(perf[label][0].rstrip("s")) > 0
    assert perf["placement"][0] == "0"
    assert took < 30
    assert _test_messages(lab, "sender@lab.test") == []


def test_password_changed_profile_is_critical_naming_the_cause(
    lab: LabHandle, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, {"billing": lab_profile(lab, tmp_path, "sender@lab.test", password="old-one")}
    )
    code, out, _, took = _check(config, lab, "--profile", "billing", "--format", "json")
    report = json.loads(out)
    assert code == 2
    profile = report["profiles"][0]
    assert profile["status"] == "critical"
    assert "password-changed" in profile["causes"]
    assert "auth" in profile["stages"]
    assert "delivery" not in profile["stages"]
    assert took < 20
    # Nothing was sent: a wrong password stops the round trip before DATA.
    assert _test_messages(lab, "sender@lab.test") == []


def test_junk_placement_is_a_warning(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"junk": lab_profile(lab, tmp_path, "junked@lab.test")})
    code, out, _, _ = _check(config, lab, "--profile", "junk", "--format", "nagios")
    assert _nagios_state(out) == "WARNING"
    assert code == 1
    assert _perfdata(out)["placement"][0] == "2"
    assert _test_messages(lab, "junked@lab.test") == []


def test_unreachable_submission_server_is_critical(lab: LabHandle, tmp_path: Path) -> None:
    profile = lab_profile(lab, tmp_path, "sender@lab.test", smtp_port=free_port())
    config = write_config(tmp_path, {"down": profile})
    code, out, _, took = _check(config, lab, "--profile", "down", "--format", "nagios")
    assert _nagios_state(out) == "CRITICAL"
    assert code == 2
    assert "refused" in out.lower()
    assert took < 15


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[profiles.billing\nsender = 'x'", "not valid TOML"),
        ("[profiles.billing]\nsender = 'sender@lab.test'\npasword = 'x'\n", "unknown key"),
        ("[profiles.other]\nsender = 'sender@lab.test'\n", "no profile 'billing'"),
        (
            "[profiles.billing]\nsender = 'sender@lab.test'\nsmtp_host = '127.0.0.1'\n"
            "checks = ['credentials', 'teleport']\n",
            "unknown check 'teleport'",
        ),
    ],
)
def test_broken_config_is_unknown_on_every_output(
    lab: LabHandle, tmp_path: Path, content: str, words: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    code, out, _, took = _check(config, lab, "--profile", "billing", "--format", "nagios")
    assert code == 3
    assert _nagios_state(out) == "UNKNOWN"
    assert words in out
    assert took < 5


def test_missing_password_is_unknown_and_never_prompts(lab: LabHandle, tmp_path: Path) -> None:
    profile = lab_profile(lab, tmp_path, "sender@lab.test")
    del profile["password_file"]
    config = write_config(tmp_path, {"billing": profile})
    # A terminal-less run with nothing on stdin: it must say what is missing, not wait.
    code, out, _, took = _check(config, lab, "--profile", "billing", "--format", "json")
    assert code == 3
    assert "no password" in json.loads(out)["profiles"][0]["error"]
    assert took < 5


def test_slow_delivery_crosses_the_critical_threshold(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"billing": lab_profile(lab, tmp_path, "sender@lab.test")})
    # Any delivery takes more than 0 s: the range "~:0" alerts on every positive time.
    code, out, _, _ = _check(config, lab, "--profile", "billing", "--format", "nagios",
                             "--critical", "~:0")  # fmt: skip
    assert _nagios_state(out) == "CRITICAL"
    assert code == 2
    assert "--critical ~:0" in out


def test_several_profiles_report_the_worst_and_each_one(lab: LabHandle, tmp_path: Path) -> None:
    profiles = {
        "billing": lab_profile(lab, tmp_path, "sender@lab.test"),
        "junk": lab_profile(lab, tmp_path, "junked@lab.test"),
        "dnsonly": {
            "sender": "sender@lab.test",
            "checks": ["sender-dns", "customers"],
            "customer_domains": ["customer.test", "no-mx.test"],
        },
    }
    config = write_config(tmp_path, profiles)
    code, out, _, _ = _check(config, lab, "--all", "--format", "json")
    report = json.loads(out)
    statuses = {p["profile"]: p["status"] for p in report["profiles"]}
    assert statuses["billing"] == "ok"
    assert statuses["junk"] == "warning"
    assert code == max(1, STATES[statuses["dnsonly"].upper()])
    names = {p["name"] for p in report["profiles"][2]["probes"]}
    assert {"sender-dns", "customer-dns:customer.test", "customer-dns:no-mx.test"} <= names


def test_prometheus_textfile_and_junit_files(lab: LabHandle, tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    config = write_config(tmp_path, {"billing": lab_profile(lab, tmp_path, "sender@lab.test")})
    metrics = tmp_path / "textfile"
    metrics.mkdir()
    junit = tmp_path / "junit.xml"
    code, out, _, _ = _check(config, lab, "--profile", "billing", "--format", "prometheus",
                             "--textfile", str(metrics), "--junit", str(junit))  # fmt: skip
    assert code == 0
    families = {f.name: f for f in text_string_to_metric_families(out)}
    success = families["mailcheck_success"].samples[0]
    assert success.labels["profile"] == "billing"
    assert success.value == 1
    written = (metrics / "mailcheck_billing.prom").read_text()
    assert {f.name for f in text_string_to_metric_families(written)} == set(families)
    import xmlschema

    schema = xmlschema.XMLSchema(str(next((ROOT / "tests" / "schemas").glob("*.xsd"))))
    schema.validate(str(junit))
    assert 'name="credentials"' in junit.read_text()


def test_history_records_each_run(lab: LabHandle, tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    config = write_config(tmp_path, {"junk": lab_profile(lab, tmp_path, "junked@lab.test")})
    for _ in range(2):
        _check(config, lab, "--profile", "junk", "--history", str(history))
    shown = run_cli(["history", "--history", str(history), "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    runs = json.loads(shown.stdout)["runs"]
    assert [r["status"] for r in runs] == ["warning", "warning"]
    assert all(r["placement"] == "junk" for r in runs)


def test_two_runs_at_once_one_runs_one_skips(lab: LabHandle, tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite3"
    config = write_config(
        tmp_path, {"billing": lab_profile(lab, tmp_path, "sender@lab.test")}, history=str(history)
    )
    env = {**os.environ, "MAILCHECK_DNS_SERVER": lab.dns}
    argv = [sys.executable, "-m", "mailcheck", "check", "--config", str(config),
            "--profile", "billing", "--format", "nagios"]  # fmt: skip
    runs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [(p.communicate(timeout=60)[0], p.returncode) for p in runs]
    codes = sorted(code for _, code in outputs)
    assert codes == [0, 3], outputs
    skipped = next(out for out, code in outputs if code == 3)
    assert _nagios_state(skipped) == "UNKNOWN"
    assert "another mailcheck run is already checking" in skipped
    # `history` finds the file through the same config key that `check` wrote by.
    shown = run_cli(["history", "--config", str(config), "--format", "json"])
    runs_seen = json.loads(shown.stdout)["runs"]
    assert len(runs_seen) == 2
    assert sum(1 for r in runs_seen if r.get("skipped")) == 1
    assert _test_messages(lab, "sender@lab.test") == []


def test_deadline_bounds_a_message_that_never_arrives(lab: LabHandle, tmp_path: Path) -> None:
    profile = lab_profile(lab, tmp_path, "lost@lab.test", wait=60)
    config = write_config(tmp_path, {"lost": profile})
    code, out, _, took = _check(
        config, lab, "--profile", "lost", "--deadline", "6", "--format", "nagios"
    )
    assert took < 9
    assert code in (2, 3)
    assert _nagios_state(out) in ("CRITICAL", "UNKNOWN")


def test_the_profiles_thresholds_apply_and_show_in_perfdata(lab: LabHandle, tmp_path: Path) -> None:
    profile = lab_profile(
        lab, tmp_path, "sender@lab.test", delivery_warning="~:0", delivery_critical="60"
    )
    config = write_config(tmp_path, {"billing": profile})
    code, out, _, _ = _check(config, lab, "--profile", "billing", "--format", "nagios")
    assert _nagios_state(out) == "WARNING"
    assert code == 1
    assert "outside delivery_warning ~:0" in out
    assert _perfdata(out)["delivery_time"][1:3] == ["~:0", "60"]
    # A flag on the command line wins over the profile's range.
    code, out, _, _ = _check(
        config, lab, "--profile", "billing", "--format", "nagios", "--warning", "30"
    )
    assert code == 0
    assert _perfdata(out)["delivery_time"][1:3] == ["30", "60"]
