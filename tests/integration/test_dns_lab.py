"""`mailcheck dns` and `preflight` against the lab's real DNS server (Knot on 127.0.0.1)."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LabHandle, cause_ids, free_port, run_cli, run_json
from tests.servers.fake_dns import Behaviour, FakeDnsServer, fake_dns


def run_cli_json(args: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """Several targets: the exit code and the list of reports."""
    result = run_cli([*args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def _dns(lab: LabHandle, *args: str) -> tuple[int, dict[str, Any]]:
    return run_json(["dns", "--dns-server", lab.dns, *args])


@pytest.mark.parametrize(
    ("address", "cause", "code"),
    [
        ("ketoan@customer.test", "recipient-domain-ok", 0),
        ("ketoan@nosuch-customer.test", "recipient-domain-not-found", 2),
        ("ketoan@nullmx.test", "recipient-accepts-no-mail", 2),
        ("ketoan@nomail.test", "recipient-accepts-no-mail", 2),
        ("ketoan@mxgone.test", "recipient-mx-unresolvable", 2),
        ("ketoan@nomx.test", "recipient-implicit-mx", 0),
        ("ketoan@servfail.test", "recipient-dns-unknown", 3),
        # Outside every lab zone Knot refuses, the root too: as a resolver it does not work.
        ("ketoan@example.org", "resolver-not-working", 3),
    ],
)
def test_recipient_domains(lab: LabHandle, address: str, cause: str, code: int) -> None:
    exit_code, report = _dns(lab, address)
    assert cause_ids(report) == [cause]
    assert exit_code == code


def test_typo_gets_a_suggestion_only_when_the_suggestion_takes_mail(lab: LabHandle) -> None:
    _, report = _dns(lab, "ketoan@gmial.com")
    assert cause_ids(report) == ["recipient-domain-not-found"]
    assert report["facts"]["recipient.suggestion"] == "gmail.com"
    human = run_cli(["dns", "--dns-server", lab.dns, "ketoan@gmial.com"])
    assert "Did you mean gmail.com?" in human.stdout
    # nosuch-customer.test is no typo of a known provider: no suggestion at all.
    _, report = _dns(lab, "ketoan@nosuch-customer.test")
    assert "recipient.suggestion" not in report["facts"]


@pytest.mark.parametrize(
    ("args", "expected", "code"),
    [
        (["--ip", "127.0.0.1", "lab.test"], {"sender-authentication-ok"}, 0),
        (["--ip", "127.0.0.1", "spffail.test"], {"spf-fail", "dmarc-reject"}, 2),
        (["--ip", "127.0.0.1", "spfperm.test"], {"spf-permerror", "dmarc-reject"}, 2),
        (["--ip", "127.0.0.1", "spfvoid.test"], {"spf-permerror", "dmarc-reject"}, 2),
        (["--ip", "192.0.2.99", "dmarcquar.test"], {"spf-fail", "dmarc-quarantine"}, 1),
        (["--ip", "192.0.2.99", "dmarcnone.test"], {"spf-fail"}, 1),
        (["--ip", "127.0.0.1", "nodmarc.test"], {"dmarc-missing"}, 1),
        (["--dkim-selector", "lab", "dkimbad.test"], {"dkim-key-missing"}, 1),
        (["--dkim-selector", "lab", "dkimnone.test"], {"dkim-key-missing"}, 1),
        (["--dkim-selector", "lab", "dkimweak.test"], {"dkim-weak-key"}, 1),
        (
            ["--ip", "127.0.0.1", "--dnsbl", "bl.test", "lab.test"],
            {"sender-authentication-ok", "sender-blocklisted"},
            2,
        ),
        (["--ip", "127.0.0.2", "--dnsbl", "bl.test", "dmarcnone.test"], {"spf-fail"}, 1),
        (
            ["--ip", "127.0.0.1", "--dnsbl", "refuse-bl.test", "lab.test"],
            {"sender-authentication-ok", "blocklist-inconclusive"},
            3,
        ),
    ],
)
def test_sender_domains(lab: LabHandle, args: list[str], expected: set[str], code: int) -> None:
    exit_code, report = _dns(lab, *args)
    found = set(cause_ids(report)) - {"recipient-domain-ok", "sender-records-ok"}
    assert found == expected
    assert exit_code == code


def test_refused_blocklist_answer_is_never_listed(lab: LabHandle) -> None:
    _, report = _dns(lab, "--ip", "127.0.0.1", "--dnsbl", "refuse-bl.test", "lab.test")
    assert report["facts"].get("sender.blocklisted") is False
    assert report["facts"]["sender.blocklist_inconclusive"] is True


def test_a_dead_dns_server_is_a_resolver_that_does_not_work(lab: LabHandle) -> None:
    code, report = run_json(
        ["dns", "--dns-server", f"127.0.0.1:{free_port()}", "--timeout", "1", "a@customer.test"]
    )
    assert cause_ids(report) == ["resolver-not-working"]
    assert code == 3


def test_timeout_and_servfail_from_a_scripted_server_read_as_could_not_check() -> None:
    # The resolver answers the root: the domain's own DNS is what failed.
    script: dict[str, Behaviour] = {
        ".": {"NS": ["a.root-servers.net."]},
        "slow.test.": "DROP",
        "broken.test.": "SERVFAIL",
    }
    with fake_dns(script) as (host, port):
        for domain in ("slow.test", "broken.test"):
            code, report = run_json(
                ["dns", "--dns-server", f"{host}:{port}", "--timeout", "1", f"a@{domain}"]
            )
            assert cause_ids(report) == ["recipient-dns-unknown"]
            assert code == 3


def test_several_targets_give_a_json_list(lab: LabHandle) -> None:
    result = run_cli(
        ["dns", "--dns-server", lab.dns, "--format", "json", "a@customer.test", "a@nullmx.test"]
    )
    reports = json.loads(result.stdout)
    assert [cause_ids(r) for r in reports] == [
        ["recipient-domain-ok"],
        ["recipient-accepts-no-mail"],
    ]
    assert result.exit_code == 2


def test_preflight_csv(lab: LabHandle, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text(
        "Tên khách hàng,Email,MST\n"
        "A,ketoan@customer.test,1\n"
        "B,hd@gmial.com,2\n"
        "C,not an address,3\n"
        "D,a@nullmx.test,4\n"
        "E,b@customer.test,5\n",
        encoding="utf-8",
    )
    result = run_cli(["preflight", str(source), "--dns-server", lab.dns])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["address"], r["verdict"], r["cause"], r["suggestion"]) for r in rows] == [
        ("ketoan@customer.test", "ok", "recipient-domain-ok", ""),
        ("hd@gmial.com", "nxdomain", "recipient-domain-not-found", "gmail.com"),
        ("not an address", "invalid", "recipient-address-invalid", ""),
        ("a@nullmx.test", "null-mx", "recipient-accepts-no-mail", ""),
        ("b@customer.test", "ok", "recipient-domain-ok", ""),
    ]
    assert result.exit_code == 2
    assert "5 addresses" in result.stderr


def test_preflight_json_one_per_line(lab: LabHandle, tmp_path: Path) -> None:
    source = tmp_path / "list.txt"
    source.write_text("a@customer.test\nb@nomx.test\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = run_cli(
        ["preflight", str(source), "--dns-server", lab.dns, "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["verdict"] for r in rows] == ["ok", "implicit-mx"]


def test_preflight_bad_input(tmp_path: Path) -> None:
    result = run_cli(["preflight", str(tmp_path / "missing.csv")])
    assert result.exit_code == 3
    assert "cannot read" in result.stderr
    binary = tmp_path / "list.csv"
    binary.write_bytes(b"\xff\xfe\x00a\x00@\x00")
    result = run_cli(["preflight", str(binary), "--dns-server", "127.0.0.1:9"])
    assert result.exit_code == 3
    assert "not UTF-8" in result.stderr


# ------------------------------------------------------- a broken resolver (issue 11 item 7)


@pytest.mark.parametrize(
    ("default", "address"),
    [
        ("NXDOMAIN", "ketoan@nosuch-customer.test"),  # "no such domain" for every name
        ("NODATA", "ketoan@customer.test"),  # "no records" for every name: no mail server?
        ("SERVFAIL", "ketoan@customer.test"),
        ("REFUSED", "ketoan@customer.test"),
    ],
)
def test_a_resolver_that_fails_everything_is_not_a_recipient_cause(
    default: str, address: str
) -> None:
    with fake_dns({}, default=default) as (host, port):
        code, report = run_json(
            ["dns", "--dns-server", f"{host}:{port}", "--timeout", "1", address]
        )
    assert cause_ids(report) == ["resolver-not-working"]
    assert report["facts"]["recipient.resolver"] == "not-working"
    assert code == 3


def test_a_silent_resolver_is_not_working_and_the_run_keeps_to_its_timeout() -> None:
    # A UDP port that drops everything: the run ends in about --timeout (the resolver
    # check runs beside the slow MX lookup, not after it), and what was never asked
    # says "skipped", not "ok (0 ms)".
    with fake_dns({}, default="DROP") as (host, port):
        start = time.monotonic()
        result = run_cli(
            ["dns", "x@example.test", "--dns-server", f"{host}:{port}", "--timeout", "2"]
        )
        took = time.monotonic() - start
        _, report = run_json(
            ["dns", "x@example.test", "--dns-server", f"{host}:{port}", "--timeout", "2"]
        )
    assert took < 4.0
    assert result.exit_code == 3
    assert "ok (0 ms)" not in result.stdout
    assert "recipient A/AAAA skipped" in result.stdout
    assert cause_ids(report) == ["resolver-not-working"]
    steps = {s["name"]: s for p in report["probes"] for s in p["steps"]}
    assert steps["recipient MX"]["outcome"] == "timeout"
    assert steps["recipient A/AAAA"]["outcome"] == "skipped"
    assert steps["recipient"]["outcome"] != "ok"


def test_the_lab_resolver_is_vouched_for_by_the_tld_and_negatives_stand(lab: LabHandle) -> None:
    # Knot serves test., com. and vn. and refuses the root: the TLD's SOA vouches for it.
    for address, cause in [
        ("ketoan@nosuch-customer.test", "recipient-domain-not-found"),
        ("ketoan@gmial.com", "recipient-domain-not-found"),
        ("ketoan@nomail.test", "recipient-accepts-no-mail"),
    ]:
        _, report = _dns(lab, address)
        assert cause_ids(report) == [cause]
        assert report["facts"]["recipient.resolver"] == "working"
    # A healthy answer needs no check: no resolver lookups, no fact.
    _, report = _dns(lab, "ketoan@customer.test")
    assert "recipient.resolver" not in report["facts"]
    names = [s["name"] for p in report["probes"] for s in p["steps"]]
    assert not [n for n in names if n.startswith("resolver")]


def test_a_working_resolver_and_a_failing_domain_stays_recipient_dns_unknown() -> None:
    # The root answers, the domain's DNS fails: the customer's DNS, not ours.
    script: dict[str, Behaviour] = {".": {"NS": ["a.root-servers.net."]}, "broken.test": "SERVFAIL"}
    with fake_dns(script) as (host, port):
        code, report = run_json(
            ["dns", "--dns-server", f"{host}:{port}", "--timeout", "1", "a@broken.test"]
        )
    assert cause_ids(report) == ["recipient-dns-unknown"]
    assert report["facts"]["recipient.resolver"] == "working"
    assert code == 3


def test_the_resolver_is_checked_once_per_run() -> None:
    script = {".": {"NS": ["a.root-servers.net."]}}
    server = FakeDnsServer(script)  # every other name: NXDOMAIN
    host, port = server.start()
    try:
        code, reports = run_cli_json(
            ["dns", "--dns-server", f"{host}:{port}", "a@one.test", "b@two.test", "c@three.test"]
        )
    finally:
        server.stop()
    assert [cause_ids(r) for r in reports] == [["recipient-domain-not-found"]] * 3
    asked = [(name, rdtype) for _, name, rdtype in server.queries]
    assert asked.count((".", "NS")) == 1
    assert code == 2
