"""docs/schema/diagnosis.schema.json describes what `--format json` really prints.

Real outputs of several commands (bounce, dns against a scripted DNS server, causes, and an
smtp and a round trip run on the lab) are validated against it, and a renamed key must fail
it: a schema that lets anything through would describe nothing.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs shipped

from tests.helpers import LAB_PASSWORD, LabHandle, run_cli, run_json
from tests.servers.fake_dns import fake_dns

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "schema" / "diagnosis.schema.json"
BOUNCES = ROOT / "fixtures" / "bounces"


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _errors(document: Any, definition: str | None = None) -> list[str]:
    """Every way ``document`` breaks the schema (or one of its ``$defs``), as messages."""
    schema = _schema()
    if definition is not None:
        schema.pop("oneOf")
        schema["$ref"] = f"#/$defs/{definition}"
    validator = Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def _bounce_report(name: str) -> tuple[int, Any]:
    result = run_cli(["bounce", str(BOUNCES / name), "--format", "json"])
    assert result.stdout, result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(_schema())


def test_docs_json_links_the_schema() -> None:
    assert "schema/diagnosis.schema.json" in (ROOT / "docs" / "json.md").read_text("utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "advisory-postponed.eml",  # a delay
        "arf-abuse.eml",  # a feedback report
        "exim-spamhaus.eml",
        "gmail-spam-blocked.eml",
        "dovecot-sieve-reject.eml",
        "forwarded-dsn.eml",
        "sendmail-expired-deferred.eml",  # gave_up_after "5 days"
    ],
)
def test_bounce_reports_match(name: str) -> None:
    _, report = _bounce_report(name)
    assert isinstance(report, dict)
    assert _errors(report) == []


def test_an_mbox_gives_a_list_of_reports_that_match() -> None:
    _, reports = _bounce_report("two-bounces.mbox")
    assert isinstance(reports, list)
    assert len(reports) == 2
    assert _errors(reports) == []


def test_a_dns_report_from_a_scripted_server_matches() -> None:
    script = {
        "example.test": {
            "MX": ["10 mail.example.test."],
            "TXT": ["v=spf1 mx -all"],
            "A": ["192.0.2.1"],
        },
        "mail.example.test": {"A": ["192.0.2.1"]},
        "_dmarc.example.test": {"TXT": ["v=DMARC1; p=reject"]},
    }
    with fake_dns(script) as (host, port):
        _, report = run_json(
            ["dns", "example.test", "--dns-server", f"{host}:{port}", "--timeout", "2"]
        )
    assert {p["probe"] for p in report["probes"]} == {"dns", "auth", "mxtls"}
    assert _errors(report) == []


def test_the_causes_listing_matches_the_catalogue_definition() -> None:
    result = run_cli(["causes", "--format", "json"])
    listing = json.loads(result.stdout)
    assert listing["causes"]
    assert _errors(listing, "catalogue") == []
    assert _errors(listing) != []  # a listing is not a diagnosis


def test_smtp_on_the_lab_matches_with_its_transcript(lab: LabHandle) -> None:
    _, report = run_json(
        ["smtp", *lab.smtp_args(), "--transcript"], env={"MAILCHECK_PASSWORD": LAB_PASSWORD}
    )
    assert report["probes"][0]["transcript"]
    assert _errors(report) == []


def test_a_round_trip_on_the_lab_matches_with_its_timings(lab: LabHandle) -> None:
    user = "sender@lab.test"
    args = [
        "roundtrip",
        "--sender",
        user,
        "--smtp-host",
        lab.host,
        "--smtp-port",
        str(lab.ports["submission"]),
        "--ca-file",
        lab.ca_file,
        "--imap-host",
        lab.host,
        "--imap-port",
        str(lab.ports["imaps"]),
        "--imap-tls",
        "tls",
        "--wait",
        "10",
        "--dns-server",
        lab.dns,
    ]
    _, report = run_json(args, env={"MAILCHECK_PASSWORD": lab.lab.info().users[user]})
    assert report["timings"]
    assert _errors(report) == []


def _renamed(document: dict[str, Any], path: list[str | int], old: str, new: str) -> dict[str, Any]:
    """A copy of ``document`` whose key ``old`` at ``path`` is called ``new``."""
    changed = copy.deepcopy(document)
    node: Any = changed
    for key in path:
        node = node[key]
    node[new] = node.pop(old)
    return changed


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ([], "facts", "fact"),
        ([], "exit_code", "exitcode"),
        (["causes", 0], "because", "since"),
        (["causes", 0, "title"], "en", "english"),
        (["causes", 0, "evidence", 0], "outcome", "result"),
        (["probes", 0], "steps", "step"),
        (["probes", 0, "steps", 0], "elapsed_ms", "elapsed"),
    ],
)
def test_a_renamed_key_fails_the_schema(path: list[str | int], old: str, new: str) -> None:
    _, report = _bounce_report("exim-spamhaus.eml")
    assert _errors(report) == []
    errors = _errors(_renamed(report, path, old, new))
    assert errors, f"renaming {old!r} at {path} went unnoticed"
