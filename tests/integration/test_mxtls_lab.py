"""The recipient's TLS for incoming mail against the lab: its MX's STARTTLS and certificate
(``mailcheck dns --mx-tls``), MTA-STS policies from a local HTTPS server, TLS-RPT records.

The lab's ports stand in for a recipient's port 25 (``--mx-port``): the inbound MX offers
no STARTTLS, submission offers it with a certificate for mail.lab.test (the MX of lab.test
and of every sts.test case), and the expired / wrong-name / untrusted ports offer it with
those certificates. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LabHandle, cause_ids, free_port, run_cli, run_json
from tests.servers.mtasts_https import PolicyAnswer, PolicyServer, policy_server

ENFORCE = "version: STSv1\nmode: enforce\nmx: mail.lab.test\nmax_age: 86400\n"
OTHER_MX = "version: STSv1\r\nmode: enforce\r\nmx: *.other.test\r\nmax_age: 604800\r\n"


@pytest.fixture(scope="module")
def policies(lab: LabHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicyServer]:
    folder = tmp_path_factory.mktemp("mtasts")
    answers = {
        "mta-sts.enforce.sts.test": PolicyAnswer(ENFORCE),
        "mta-sts.mismatch.sts.test": PolicyAnswer(OTHER_MX),
        "mta-sts.nopolicy.sts.test": PolicyAnswer("<h1>Not Found</h1>", 404, "text/html"),
    }
    with policy_server(answers, folder) as server:
        yield server


@pytest.fixture(scope="module")
def both_cas(lab: LabHandle, policies: PolicyServer) -> str:
    """One bundle: the lab's CA (the MX certificates) and the policy server's."""
    bundle = Path(policies.ca_file).with_name("bundle.pem")
    bundle.write_text(Path(lab.ca_file).read_text() + Path(policies.ca_file).read_text())
    return str(bundle)


def _dns(lab: LabHandle, target: str, *args: str) -> tuple[int, dict[str, Any]]:
    return run_json(["dns", "--dns-server", lab.dns, target, *args])


def _mx(lab: LabHandle, port: str | int, ca_file: str | None = None) -> list[str]:
    number = lab.ports[port] if isinstance(port, str) else port
    return ["--mx-tls", "--mx-port", str(number), "--ca-file", ca_file or lab.ca_file]


def _step(report: dict[str, Any], name: str) -> dict[str, Any]:
    for result in report["probes"]:
        for step in result["steps"]:
            if step["name"] == name:
                return dict(step)
    raise AssertionError(f"no step {name}")


@pytest.mark.parametrize(
    ("port", "result", "cause", "code"),
    [
        ("submission", "ok", "recipient-mx-tls-ok", 0),
        ("mx", "no-starttls", "recipient-mx-no-starttls", 1),
        ("submission_expired", "cert-expired", "recipient-mx-certificate-invalid", 0),
        ("submission_wrongname", "cert-hostname", "recipient-mx-certificate-invalid", 0),
        ("submission_untrusted", "cert-untrusted", "recipient-mx-certificate-invalid", 0),
    ],
)
def test_the_recipients_mx_starttls_and_certificate(
    lab: LabHandle, port: str, result: str, cause: str, code: int
) -> None:
    exit_code, report = _dns(lab, "ketoan@lab.test", *_mx(lab, port))
    assert report["facts"]["mx_tls.result"] == result
    assert set(cause_ids(report)) == {cause, "recipient-domain-ok"}
    assert exit_code == code


def test_a_good_starttls_reports_protocol_cipher_and_the_certificates_last_day(
    lab: LabHandle,
) -> None:
    _, report = _dns(lab, "ketoan@lab.test", *_mx(lab, "submission"))
    data = dict(_step(report, "mx-tls")["data"])
    assert data["host"] == "mail.lab.test"
    assert data["tls_version"].startswith("TLSv1.")
    assert data["cipher"]
    assert int(data["days_left"]) > 300  # the lab's certificates last ten years
    # EHLO, STARTTLS, QUIT: never MAIL or RCPT.
    names = [s["name"] for r in report["probes"] for s in r["steps"]]
    assert not [n for n in names if n.endswith(("mail", "rcpt"))]


def test_a_port_25_that_cannot_be_reached_is_could_not_check_never_a_fault(
    lab: LabHandle,
) -> None:
    exit_code, report = _dns(lab, "ketoan@lab.test", *_mx(lab, free_port()))
    assert report["facts"]["mx_tls.result"] == "could-not-connect"
    assert "recipient-mx-tls-not-checked" in cause_ids(report)
    assert exit_code == 3


def test_without_mx_tls_mailcheck_dns_connects_to_no_mail_server(lab: LabHandle) -> None:
    exit_code, report = _dns(lab, "ketoan@customer.test")
    assert "mx_tls.result" not in report["facts"]
    assert report["facts"]["mta_sts.state"] == "none"
    assert report["facts"]["tls_rpt.state"] == "none"
    assert cause_ids(report) == ["recipient-domain-ok"]
    assert exit_code == 0


def test_mta_sts_enforce_with_a_good_mx_and_tls_rpt(
    lab: LabHandle, policies: PolicyServer, both_cas: str
) -> None:
    exit_code, report = _dns(
        lab,
        "ketoan@enforce.sts.test",
        *_mx(lab, "submission", both_cas),
        "--https-port",
        str(policies.port),
    )
    facts = report["facts"]
    assert (facts["mta_sts.state"], facts["mta_sts.mode"], facts["mta_sts.mx_match"]) == (
        "ok",
        "enforce",
        "all",
    )
    assert facts["tls_rpt.state"] == "present"
    assert {"mta-sts-published", "tls-rpt-published", "recipient-mx-tls-ok"} <= set(
        cause_ids(report)
    )
    assert dict(_step(report, "tls-rpt")["data"])["rua"] == "mailto:tlsrpt@enforce.sts.test"
    assert exit_code == 0


def test_mta_sts_enforce_and_an_mx_without_starttls_is_critical(
    lab: LabHandle, policies: PolicyServer, both_cas: str
) -> None:
    exit_code, report = _dns(
        lab,
        "ketoan@enforce.sts.test",
        *_mx(lab, "mx", both_cas),
        "--https-port",
        str(policies.port),
    )
    assert cause_ids(report)[0] == "mta-sts-enforce-mx-without-tls"
    assert "recipient-mx-no-starttls" not in cause_ids(report)  # the critical one says it
    assert exit_code == 2
    human = run_cli(
        [
            "dns",
            "--dns-server",
            lab.dns,
            "ketoan@enforce.sts.test",
            *_mx(lab, "mx", both_cas),
            "--https-port",
            str(policies.port),
            "--lang",
            "vi",
        ]
    )
    assert "MTA-STS enforce" in human.stdout
    assert "không có TLS hợp lệ" in human.stdout


def test_mta_sts_enforce_with_a_certificate_for_another_name_is_critical(
    lab: LabHandle, policies: PolicyServer, both_cas: str
) -> None:
    exit_code, report = _dns(
        lab,
        "ketoan@enforce.sts.test",
        *_mx(lab, "submission_wrongname", both_cas),
        "--https-port",
        str(policies.port),
    )
    assert report["facts"]["mx_tls.result"] == "cert-hostname"
    assert cause_ids(report)[0] == "mta-sts-enforce-mx-without-tls"
    assert exit_code == 2


def test_mta_sts_enforce_naming_other_mx_hosts_is_critical_without_connecting(
    lab: LabHandle, policies: PolicyServer, both_cas: str
) -> None:
    exit_code, report = _dns(
        lab,
        "mismatch.sts.test",
        "--ca-file",
        both_cas,
        "--https-port",
        str(policies.port),
    )
    assert report["facts"]["mta_sts.mx_match"] == "none"
    assert "mta-sts-enforce-mx-not-listed" in cause_ids(report)
    assert dict(_step(report, "mta-sts")["data"])["patterns"] == "*.other.test"
    assert exit_code == 2


@pytest.mark.parametrize("domain", ["nopolicy.sts.test", "nohost.sts.test"])
def test_an_mta_sts_record_without_a_policy_to_fetch_is_a_warning(
    lab: LabHandle, policies: PolicyServer, both_cas: str, domain: str
) -> None:
    exit_code, report = _dns(
        lab, f"ketoan@{domain}", "--ca-file", both_cas, "--https-port", str(policies.port)
    )
    assert report["facts"]["mta_sts.state"] == "policy-unavailable"
    assert cause_ids(report)[0] == "mta-sts-policy-unavailable"
    assert exit_code == 1


def test_a_policy_host_with_an_untrusted_certificate_serves_no_policy(
    lab: LabHandle, policies: PolicyServer
) -> None:
    # The lab's CA alone does not trust the policy server's certificate.
    exit_code, report = _dns(
        lab,
        "ketoan@enforce.sts.test",
        "--ca-file",
        lab.ca_file,
        "--https-port",
        str(policies.port),
    )
    assert report["facts"]["mta_sts.state"] == "policy-unavailable"
    assert dict(_step(report, "mta-sts:policy")["data"])["cert"] == "cert-untrusted"
    assert exit_code == 1


@pytest.mark.parametrize(
    ("recipient", "cause"),
    [
        ("ketoan@customer.test", None),  # no MTA-STS: nothing more to say, no extra line
        ("ketoan@nohost.sts.test", "mta-sts-policy-unavailable"),
    ],
)
def test_diagnose_reads_the_recipients_mta_sts_beside_the_round_trip(
    lab: LabHandle, recipient: str, cause: str | None
) -> None:
    from tests.integration.test_roundtrip_lab import _args, _env

    user = "sender@lab.test"
    exit_code, report = run_json(
        ["diagnose", *_args(lab, user), "--recipient", recipient], env=_env(lab, user)
    )
    mxtls = next(p for p in report["probes"] if p["probe"] == "mxtls")
    # DNS only: diagnose never connects to the customer's port 25 for this.
    assert not [s for s in mxtls["steps"] if s["name"].startswith("mx-tls")]
    tls_causes = [
        c for c in cause_ids(report) if c.startswith(("mta-sts", "tls-rpt", "recipient-mx"))
    ]
    assert tls_causes == ([cause] if cause else [])
    assert exit_code == (1 if cause else 0)


def test_the_library_reports_the_recipients_mta_sts(lab: LabHandle) -> None:
    import mailcheck

    [diagnosis] = mailcheck.check_dns_sync("ketoan@nohost.sts.test", dns_server=lab.dns)
    assert diagnosis.facts["mta_sts.state"] == "policy-unavailable"
    assert "mta-sts-policy-unavailable" in [f.cause.id for f in diagnosis.findings]
