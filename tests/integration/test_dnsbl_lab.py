"""The blocklist check on the lab's DNS (Knot on 127.0.0.1): listed, not listed, refused,
rate-limited, and the built-in sets, whose real zones the lab refuses (it does not recurse)."""

from __future__ import annotations

from typing import Any

import pytest

from mailcheck.auth.dnsbl import ALL_DNSBLS
from tests.helpers import LabHandle, cause_ids, run_json


def _dnsbl_steps(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        step["data"]["zone"]: step["data"]
        for probe in report["probes"]
        for step in probe["steps"]
        if step["name"] == "dnsbl"
    }


@pytest.mark.parametrize(
    ("ip", "zone", "listed", "cause", "code"),
    [
        ("127.0.0.1", "bl.test", "yes", "sender-blocklisted", 2),
        ("127.0.0.2", "bl.test", "no", None, 0),
        ("127.0.0.1", "refuse-bl.test", "unknown", "blocklist-inconclusive", 3),
        ("127.0.0.1", "rl.bl.test", "unknown", "blocklist-inconclusive", 3),
    ],
)
def test_listed_not_listed_refused_rate_limited(
    lab: LabHandle, ip: str, zone: str, listed: str, cause: str | None, code: int
) -> None:
    # lab.test's SPF passes for 127.0.0.1 and 127.0.0.2 is outside it: judge the lists alone.
    exit_code, report = run_json(
        ["dns", "--dns-server", lab.dns, "--ip", ip, "--dnsbl", zone, "lab.test"]
    )
    step = _dnsbl_steps(report)[zone]
    assert step["listed"] == listed
    assert report["facts"]["sender.blocklisted"] is (listed == "yes")
    if cause is not None:
        assert cause in cause_ids(report)
    assert "sender-blocklisted" not in cause_ids(report) or listed == "yes"
    if ip == "127.0.0.1":
        assert exit_code == code


def test_all_lists_through_a_resolver_that_refuses_them_are_inconclusive(lab: LabHandle) -> None:
    exit_code, report = run_json(
        ["dns", "--dns-server", lab.dns, "--ip", "127.0.0.1", "--dnsbl", "all", "lab.test"]
    )
    steps = _dnsbl_steps(report)
    assert set(steps) == set(ALL_DNSBLS)
    # The lab serves com. itself (NXDOMAIN for surriel.com): PSBL reads "not listed" there.
    answered = {z: s["listed"] for z, s in steps.items() if s["listed"] != "unknown"}
    assert answered == {"psbl.surriel.com": "no"}
    assert "registered" in steps["b.barracudacentral.org"]["inconclusive"]
    assert "blocklist-inconclusive" in cause_ids(report)
    assert "sender-blocklisted" not in cause_ids(report)
    assert exit_code == 3
