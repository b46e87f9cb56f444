"""No OK from an incomplete run: every step outcome of every probe, against every command.

Each command first runs for real against the lab and must be OK (so the test
can fail). Its probes are then read back from the JSON report, and every way
a probe can stop short is played through the same diagnosis code: each step
in turn ending with each non-OK outcome (the probe stopping there), each probe
ended by the deadline, a crash or a signal, or missing altogether. None of
those runs may come out OK.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mailcheck.diagnosis import diagnose
from mailcheck.evidence import ErrorInfo, Outcome, ProbeResult, ProbeStatus, Reply, Step
from mailcheck.rules import Severity
from mailcheck.verdict import COMMAND_PROBES
from tests.helpers import ROOT, LabHandle, cause_ids, run_cli, run_json

BOUNCES = ROOT / "fixtures" / "bounces"
#: Steps after the run's own verdict that only tidy up after earlier runs: removing an
#: older run's leftover test message (that run already said it may have left one).
HOUSEKEEPING = {"leftovers"}


def _step(raw: dict[str, Any]) -> Step:
    reply = raw.get("reply")
    error = raw.get("error")
    return Step(
        name=raw["name"],
        outcome=Outcome(raw["outcome"]),
        elapsed_ms=raw["elapsed_ms"],
        reply=Reply(
            code=reply["code"],
            enhanced=reply["enhanced"],
            text=reply["text"],
            status=reply.get("status"),
        )
        if reply
        else None,
        error=ErrorInfo(**error) if error else None,
        data=tuple((raw.get("data") or {}).items()),
    )


def _probes(report: dict[str, Any]) -> list[ProbeResult]:
    """The report's probes as the evidence records the diagnosis reads."""
    return [
        ProbeResult(
            probe=p["probe"],
            status=ProbeStatus(p["status"]),
            target=p["target"],
            steps=tuple(_step(s) for s in p["steps"]),
            elapsed_ms=p["elapsed_ms"],
        )
        for p in report["probes"]
    ]


def _variants(command: str, probes: list[ProbeResult]) -> list[tuple[str, list[ProbeResult]]]:
    """Every way one probe of the run can stop short, named for the failure message."""
    out: list[tuple[str, list[ProbeResult]]] = []
    always = COMMAND_PROBES.get(command, ())
    for index, probe in enumerate(probes):

        def swap(result: ProbeResult | None, index: int = index) -> list[ProbeResult]:
            rest = probes[:index] + probes[index + 1 :]
            return rest if result is None else [*rest[:index], result, *rest[index:]]

        if probe.probe in always:  # a probe the command always runs, absent from its run
            out.append((f"{probe.probe} missing", swap(None)))
        for status in (
            ProbeStatus.DEADLINE,
            ProbeStatus.CRASHED,
            ProbeStatus.INTERRUPTED,
            ProbeStatus.NOT_RUN,
        ):
            out.append((f"{probe.probe} {status.value}", swap(replace(probe, status=status))))
        out.append((f"{probe.probe} no steps", swap(replace(probe, steps=()))))
        for i, step in enumerate(probe.steps):
            if step.name in HOUSEKEEPING:
                continue
            for outcome in Outcome:
                if outcome is Outcome.OK:
                    continue
                cut = (*probe.steps[:i], replace(step, outcome=outcome))
                name = f"{probe.probe}/{step.name} {outcome.value}"
                out.append((name, swap(replace(probe, steps=cut))))
            if i:  # stopped after step i-1, with nothing recorded for the rest
                name = f"{probe.probe} stopped before {step.name}"
                out.append((name, swap(replace(probe, steps=probe.steps[:i]))))
    return out


def _assert_never_ok(command: str, report: dict[str, Any]) -> int:
    probes = _probes(report)
    baseline = diagnose(command, report["target"], probes, time.perf_counter())
    assert baseline.severity is Severity.OK, cause_ids(report)
    false_ok = []
    variants = _variants(command, probes)
    for name, variant in variants:
        result = diagnose(command, report["target"], variant, time.perf_counter())
        if result.severity is Severity.OK:
            false_ok.append((name, [f.cause.id for f in result.findings]))
    assert not false_ok, f"{len(false_ok)} incomplete runs came out OK: {false_ok[:10]}"
    return len(variants)


def _env(lab: LabHandle, user: str = "sender@lab.test") -> dict[str, str]:
    return {"MAILCHECK_PASSWORD": lab.lab.info().users[user]}


def _roundtrip_args(lab: LabHandle) -> list[str]:
    return [
        "--sender",
        "sender@lab.test",
        *lab.smtp_args(),
        *lab.imap_args(),
        "--wait",
        "10",
        "--dns-server",
        lab.dns,
    ]


def test_smtp_is_never_ok_when_incomplete(lab: LabHandle) -> None:
    code, report = run_json(["smtp", *lab.smtp_args()], env=_env(lab))
    assert code == 0
    assert _assert_never_ok("smtp", report) > 50


def test_roundtrip_is_never_ok_when_incomplete(lab: LabHandle) -> None:
    code, report = run_json(["roundtrip", *_roundtrip_args(lab)], env=_env(lab))
    assert code == 0, cause_ids(report)
    assert _assert_never_ok("roundtrip", report) > 300


def test_diagnose_is_never_ok_when_incomplete(lab: LabHandle) -> None:
    args = ["diagnose", *_roundtrip_args(lab), "--recipient", "rcpt@customer.test"]
    code, report = run_json(args, env=_env(lab))
    assert code == 0, cause_ids(report)
    assert _assert_never_ok("diagnose", report) > 400
    # A profile's check runs the same probes: its parts are judged the same way.
    assert _assert_never_ok("check", report) > 400


def test_dns_is_never_ok_when_incomplete(lab: LabHandle) -> None:
    for target, command in (("lab.test", "dns"), ("customer.test", "check-customer")):
        code, report = run_json(["dns", target, "--dns-server", lab.dns])
        assert code == 0, cause_ids(report)
        if command == "check-customer":  # a customer domain is checked as a recipient only
            report["probes"] = [p for p in report["probes"] if p["probe"] == "dns"]
        assert _assert_never_ok(command, report) > 20


def test_bounce_is_never_ok_when_incomplete() -> None:
    result = run_cli(["bounce", str(BOUNCES / "out-of-office.eml"), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, cause_ids(report)
    assert _assert_never_ok("bounce", report) > 5


def test_watch_is_never_ok_when_incomplete(lab: LabHandle) -> None:
    import smtplib
    import ssl

    user = "sender@lab.test"
    password = _env(lab, user)["MAILCHECK_PASSWORD"]
    argv = [sys.executable, "-m", "mailcheck", "watch", "--mailbox", user]
    argv += [*lab.imap_args(), "--ca-file", lab.ca_file, "--subject-contains", "HD-9001"]
    proc = subprocess.Popen(
        [*argv, "--wait", "15", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "MAILCHECK_PASSWORD": password},
    )
    time.sleep(1.5)  # watching has begun; the accounting software sends now
    context = ssl.create_default_context(cafile=lab.ca_file)
    with smtplib.SMTP(lab.host, lab.ports["submission"], timeout=10) as smtp:
        smtp.starttls(context=context)
        smtp.login(user, password)
        smtp.sendmail(user, [user], b"From: <sender@lab.test>\r\nSubject: HD-9001\r\n\r\nx\r\n")
    out, _ = proc.communicate(timeout=40)
    report = json.loads(out)
    lab.lab.reset_mailboxes()
    assert proc.returncode == 0, cause_ids(report)
    assert _assert_never_ok("watch", report) > 100


@pytest.mark.parametrize(
    ("steps", "unchecked"),
    [
        # The IMAP login withheld (no encryption): nothing was sent, and no finding said why.
        ("login-withheld", "not-checked-mailbox"),
        # DATA's reply never came: the message may or may not have gone out.
        ("data-timeout", "not-checked-send"),
        # Found in INBOX, then the connection died before the cleanup.
        ("no-cleanup", "not-checked-cleanup"),
    ],
)
def test_the_unchecked_part_is_named(lab: LabHandle, steps: str, unchecked: str) -> None:
    code, report = run_json(["roundtrip", *_roundtrip_args(lab)], env=_env(lab))
    assert code == 0
    probes = _probes(report)
    smtp = next(p for p in probes if p.probe == "smtp")
    imap = next(p for p in probes if p.probe == "imap")
    if steps == "login-withheld":
        login = next(i for i, s in enumerate(imap.steps) if s.name == "login")
        cut = replace(imap.steps[login], outcome=Outcome.WITHHELD, data=())
        imap = replace(imap, steps=(*imap.steps[:login], cut))
        smtp = replace(smtp, steps=tuple(s for s in smtp.steps if s.name != "data"))
    elif steps == "data-timeout":
        data = next(i for i, s in enumerate(smtp.steps) if s.name == "data")
        smtp = replace(
            smtp, steps=(*smtp.steps[:data], replace(smtp.steps[data], outcome=Outcome.TIMEOUT))
        )
    else:
        imap = replace(imap, steps=tuple(s for s in imap.steps if s.name != "cleanup"))
    result = diagnose("roundtrip", report["target"], [smtp, imap], time.perf_counter())
    assert result.severity is Severity.UNKNOWN
    assert result.exit_code == 3
    assert unchecked in [f.cause.id for f in result.findings]


def test_a_sender_domain_only_profile_reports_like_mailcheck_dns(
    lab: LabHandle, tmp_path: Path
) -> None:
    from tests.helpers import write_config

    config = write_config(
        tmp_path,
        {"records": {"sender": "sender@lab.test", "checks": ["sender-dns"], "dns_server": lab.dns}},
    )
    result = run_cli(
        ["check", "--config", str(config), "--profile", "records", "--dns-server", lab.dns]
    )
    assert result.stdout.startswith("OK "), result.stdout
    assert result.exit_code == 0
    code, report = run_json(["dns", "lab.test", "--dns-server", lab.dns])
    assert code == 0
    assert "sender-records-ok" in cause_ids(report)


def _plaintext_imap_roundtrip(lab: LabHandle, *extra: str) -> tuple[int, dict[str, Any]]:
    args = ["roundtrip", "--sender", "sender@lab.test", *lab.smtp_args()]
    args += ["--imap-host", lab.host, "--imap-port", str(lab.ports["imap"]), "--imap-tls", "none"]
    return run_json([*args, "--wait", "5", *extra], env=_env(lab))


def test_a_withheld_imap_login_is_unknown_not_ok(lab: LabHandle) -> None:
    """The false OK of issue 11, on the real lab (it said OK, exit 0, and sent nothing).

    IMAP over plaintext without --allow-plaintext: the password is withheld, the mailbox
    cannot be watched, so nothing is sent; the run is UNKNOWN and names what it missed.
    """
    code, report = _plaintext_imap_roundtrip(lab)
    assert code == 3, cause_ids(report)
    assert "not-checked-mailbox" in cause_ids(report)
    assert "smtp.data" not in report["facts"]  # nothing was sent


def test_logindisabled_on_the_second_family_is_unknown_not_ok(lab2: LabHandle) -> None:
    # Courier says LOGINDISABLED before STARTTLS: even allowed, no password can be sent.
    code, report = _plaintext_imap_roundtrip(lab2, "--allow-plaintext")
    imap = next(p for p in report["probes"] if p["probe"] == "imap")
    login = next(s for s in imap["steps"] if s["name"] == "login")
    assert login["outcome"] == "not-offered"
    assert code == 3, cause_ids(report)
    assert "not-checked-mailbox" in cause_ids(report)
