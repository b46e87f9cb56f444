"""The library API against the real lab: a credential check, a round trip, DNS, a profile."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import mailcheck
from mailcheck.report.json import render_json
from tests.helpers import LabHandle, cause_ids, run_json

#: Run in a fresh interpreter: only the library, so whatever it loads shows in sys.modules.
SCRIPT = """
import json, sys
import mailcheck

lab = json.loads(sys.argv[1])
account = mailcheck.Account(
    sender=lab["user"],
    smtp_host=lab["host"],
    smtp_port=lab["submission"],
    ca_file=lab["ca_file"],
    imap_host=lab["host"],
    imap_port=lab["imaps"],
    imap_tls="tls",
    dns_server=lab["dns"],
    password=lab["password"],
)
smtp = mailcheck.check_credentials_sync(account)
trip = mailcheck.roundtrip_sync(account, wait=10)
from mailcheck.report.json import render_json

print(json.dumps({
    "smtp": [render_json(smtp, transcript=True), smtp.exit_code],
    "trip": [render_json(trip, transcript=True), trip.exit_code],
    "click": sorted(m for m in sys.modules if m == "click" or m.startswith("click.")),
}))
"""


def _ids(diagnosis: mailcheck.Diagnosis) -> list[str]:
    return cause_ids(json.loads(render_json(diagnosis)))


def test_a_credential_check_and_a_round_trip_without_click(lab: LabHandle) -> None:
    user = "sender@lab.test"
    password = lab.lab.info().users[user]
    params = {
        "user": user,
        "password": password,
        "host": lab.host,
        "submission": lab.ports["submission"],
        "imaps": lab.ports["imaps"],
        "ca_file": lab.ca_file,
        "dns": lab.dns,
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(params)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert found["click"] == []
    smtp, smtp_code = found["smtp"]
    trip, trip_code = found["trip"]
    assert (cause_ids(json.loads(smtp)), smtp_code) == (["smtp-login-ok"], 0)
    assert (cause_ids(json.loads(trip)), trip_code) == (["delivered-to-inbox"], 0)
    report = json.loads(trip)
    assert report["command"] == "roundtrip"
    assert report["facts"]["roundtrip.cleanup"] == "deleted"
    assert report["target"]["password_source"] == "given by the caller"
    # Transcripts included, the password is in neither report.
    assert password not in smtp + trip


def test_dns_checks_on_the_lab_share_one_call(lab: LabHandle) -> None:
    diagnoses = mailcheck.check_dns_sync(
        ["ketoan@customer.test", "ketoan@nosuch-customer.test"], dns_server=lab.dns
    )
    assert [_ids(d) for d in diagnoses] == [
        ["recipient-domain-ok"],
        ["recipient-domain-not-found"],
    ]
    assert [d.exit_code for d in diagnoses] == [0, 2]
    assert diagnoses[0].target["dns_server"] == lab.dns


def test_an_async_dns_check_of_a_sending_domain(lab: LabHandle) -> None:
    async def main() -> list[mailcheck.Diagnosis]:
        return await mailcheck.check_dns("spffail.test", dns_server=lab.dns, ip="127.0.0.1")

    [diagnosis] = asyncio.run(main())
    assert {"spf-fail", "dmarc-reject"} <= set(_ids(diagnosis))
    assert diagnosis.severity is mailcheck.Severity.CRITICAL
    # The command renders the same diagnosis.
    code, report = run_json(["dns", "--dns-server", lab.dns, "--ip", "127.0.0.1", "spffail.test"])
    assert (code, cause_ids(report)) == (diagnosis.exit_code, _ids(diagnosis))


def test_a_profile_check_of_customer_domains(lab: LabHandle, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.shop]\n"
        f'dns_server = "{lab.dns}"\n'
        'checks = ["customers"]\n'
        'customer_domains = ["customer.test", "ketoan@nullmx.test"]\n',
        encoding="utf-8",
    )
    result = mailcheck.check_profile_sync("shop", config=config)
    assert result.profile == "shop"
    assert result.status is mailcheck.Severity.CRITICAL
    assert result.causes == ("recipient-accepts-no-mail", "recipient-domain-ok")
    assert [d.target["domain"] for d in result.diagnoses] == ["customer.test", "nullmx.test"]
