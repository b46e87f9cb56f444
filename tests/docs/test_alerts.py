"""The example alerting rules for ``mailcheck serve`` (docs/examples/alerts.yml).

Checked by Prometheus's own tool: ``promtool check rules`` (syntax, PromQL) and
``promtool test rules`` on docs/examples/alerts_test.yml (each alert fires, and
stays quiet, when its test series say it should). promtool comes with Debian's
``prometheus`` package, which ``make lab-install`` installs: these tests are
marked ``lab`` like the other tests that need the lab's packages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

pytestmark = pytest.mark.lab


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: Debian's prometheus package (make lab-install)")
    return subprocess.run(
        [binary, *args], cwd=EXAMPLES, capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_check_rules_accepts_the_alerts() -> None:
    result = _promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def test_promtool_unit_tests_of_the_alerts_pass() -> None:
    result = _promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_sees_it_fire() -> None:
    rules = yaml.safe_load((EXAMPLES / "alerts.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    tests = yaml.safe_load((EXAMPLES / "alerts_test.yml").read_text(encoding="utf-8"))
    fired = {
        case["alertname"]
        for test in tests["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert fired == alerts


def test_the_alerts_use_only_metrics_the_exporter_writes() -> None:
    from mailcheck.report.prometheus import METRICS

    text = (EXAMPLES / "alerts.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\b(mailcheck_[a-z_]+)\{", text))
    assert used
    assert used <= set(METRICS) | {"mailcheck_probe_reason_info"}


def test_a_broken_rule_fails_the_unit_tests(tmp_path: Path) -> None:
    # The unit tests can fail: the same tests against a rule that never waits do.
    broken = (EXAMPLES / "alerts.yml").read_text(encoding="utf-8").replace("for: 15m", "for: 1m")
    (tmp_path / "alerts.yml").write_text(broken, encoding="utf-8")
    shutil.copy(EXAMPLES / "alerts_test.yml", tmp_path / "alerts_test.yml")
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: Debian's prometheus package (make lab-install)")
    result = subprocess.run(
        [binary, "test", "rules", "alerts_test.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "MailcheckProfileFailing" in result.stdout + result.stderr


def test_the_scrape_config_on_the_monitoring_page_is_valid(tmp_path: Path) -> None:
    text = (EXAMPLES.parent / "monitoring.md").read_text(encoding="utf-8")
    section = text[text.index("### Scrape config\n") :]
    block = section[section.index("```yaml\n") + 8 : section.index("```\n", 10)]
    config = yaml.safe_load(block)
    probe = config["scrape_configs"][0]
    assert probe["metrics_path"] == "/probe"
    # A round trip needs its time: the timeout leaves room for wait (10 s) and the cleanup.
    assert probe["scrape_timeout"] == "60s"
    (tmp_path / "prometheus.yml").write_text(block, encoding="utf-8")
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: Debian's prometheus package (make lab-install)")
    result = subprocess.run(
        [binary, "check", "config", "prometheus.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
