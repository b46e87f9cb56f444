"""The machine outputs of ``mailcheck check``, read by the consumers' own rules.

Each case is a run a user meets, built from probe evidence passed through the
real rules (``runner.diagnose``), never from hand-made findings. Then each
output is read the way its consumer reads it: Nagios by the plugin guidelines'
grammar, Prometheus by prometheus_client's parser, JUnit by Jenkins' schema.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xmlschema
from prometheus_client.parser import text_string_to_metric_families

from mailcheck.check.ranges import parse_range
from mailcheck.check.result import CheckRun, ProfileResult, stage_seconds, worst
from mailcheck.diagnosis import diagnose
from mailcheck.errors import ConfigError
from mailcheck.evidence import ErrorInfo, Outcome, ProbeResult, ProbeStatus, Reply, Step
from mailcheck.report.junit import render_junit, write_junit
from mailcheck.report.nagios import render_nagios
from mailcheck.report.prometheus import render_prometheus, write_textfiles
from mailcheck.rules import Severity

STARTED = datetime(2026, 11, 27, 1, 2, 0, tzinfo=UTC)
SCHEMA = xmlschema.XMLSchema(Path(__file__).resolve().parents[2] / "schemas" / "junit-10.xsd")

# ---------------------------------------------------------------- evidence, as the probes record it


def _reply(code: int, enhanced: str | None, text: str) -> Reply:
    return Reply(code=code, enhanced=enhanced, text=text)


def _smtp(*, auth: Reply | None = None, refused: bool = False, send: bool = True) -> ProbeResult:
    steps = [
        Step(
            name="resolve", outcome=Outcome.OK, elapsed_ms=2.0, data=(("addresses", "192.0.2.10"),)
        )
    ]
    if refused:
        steps.append(
            Step(
                name="connect",
                outcome=Outcome.REFUSED,
                elapsed_ms=1.5,
                error=ErrorInfo(
                    exception="SMTPConnectError",
                    message="Error connecting to mail.example.vn on port 587: Connect call failed",
                    cause="ConnectionRefusedError",
                ),
            )
        )
    else:
        auth = auth or _reply(235, "2.7.0", "Authentication successful")
        steps += [
            Step(name="connect", outcome=Outcome.OK, elapsed_ms=11.0),
            Step(
                name="greeting",
                outcome=Outcome.OK,
                elapsed_ms=30.0,
                reply=_reply(220, None, "mail.example.vn ESMTP Postfix"),
            ),
            Step(name="ehlo", outcome=Outcome.OK, elapsed_ms=5.0),
            Step(name="starttls", outcome=Outcome.OK, elapsed_ms=40.0),
            Step(name="ehlo-tls", outcome=Outcome.OK, elapsed_ms=5.0),
            Step(
                name="auth",
                outcome=Outcome.OK if auth.code == 235 else Outcome.REJECTED,
                elapsed_ms=210.0,
                reply=auth,
                data=(("offered", "PLAIN LOGIN"),),
            ),
        ]
        if auth.code == 235 and send:
            steps += [
                Step(name=name, outcome=Outcome.OK, elapsed_ms=ms, reply=_reply(250, None, text))
                for name, ms, text in (
                    ("mail", 20.0, "2.1.0 Ok"),
                    ("rcpt", 20.0, "2.1.5 Ok"),
                    ("data", 80.0, "2.0.0 Ok: queued as 4X9abc"),
                )
            ]
    return ProbeResult(
        probe="smtp",
        status=ProbeStatus.COMPLETED,
        target="mail.example.vn:587 (starttls)",
        steps=tuple(steps),
        elapsed_ms=sum(s.elapsed_ms for s in steps),
    )


# Two hops one second apart: the headers say delivery took 1 s.
_RECEIVED = (
    "Received: from mail.example.vn by mx.example.vn; Fri, 27 Nov 2026 01:02:04 +0000\r\n"
    "Received: from [192.0.2.1] by mail.example.vn; Fri, 27 Nov 2026 01:02:03 +0000\r\n"
)


def _imap(
    placement: str, folder: str = "INBOX", *, seen_ms: float = 2500.0, deadline: bool = False
) -> ProbeResult:
    steps = [
        Step(name="connect", outcome=Outcome.OK, elapsed_ms=10.0),
        Step(name="greeting", outcome=Outcome.OK, elapsed_ms=10.0),
        Step(name="login", outcome=Outcome.OK, elapsed_ms=50.0),
        Step(
            name="junk-folder",
            outcome=Outcome.OK,
            elapsed_ms=5.0,
            data=(("found_by", "special-use"), ("folder", "Junk")),
        ),
        Step(name="select INBOX", outcome=Outcome.OK, elapsed_ms=5.0),
    ]
    if deadline:
        steps.append(Step(name="watch", outcome=Outcome.TIMEOUT, elapsed_ms=30000.0))
    elif placement in ("inbox", "junk", "other"):
        steps += [
            Step(
                name="placement",
                outcome=Outcome.OK,
                elapsed_ms=seen_ms + 100,
                data=(
                    ("folder", folder),
                    ("placement", placement),
                    ("via", "idle"),
                    ("uid", "7"),
                    ("after_submit_ms", f"{seen_ms:.1f}"),
                ),
            ),
            Step(
                name="headers", outcome=Outcome.OK, elapsed_ms=20.0, data=(("header", _RECEIVED),)
            ),
            # A complete round trip removes its test message (an OK needs that too).
            Step(
                name="cleanup",
                outcome=Outcome.OK,
                elapsed_ms=5.0,
                data=(("result", "deleted"), ("uid", "7")),
            ),
        ]
    else:
        steps.append(
            Step(
                name="placement",
                outcome=Outcome.WITHHELD,
                elapsed_ms=0.5,
                data=(("placement", placement),),
            )
        )
    return ProbeResult(
        probe="imap",
        status=ProbeStatus.DEADLINE if deadline else ProbeStatus.COMPLETED,
        target="billing@example.vn at mail.example.vn:993 (tls)",
        steps=tuple(steps),
        elapsed_ms=sum(s.elapsed_ms for s in steps),
    )


def _profile(
    name: str,
    probes: list[ProbeResult],
    *,
    warning: str | None = None,
    critical: str | None = None,
    elapsed: float = 3.2,
) -> ProfileResult:
    """What the check command makes of one profile's probes (the rules decide the causes)."""
    main = diagnose("check", {"profile": name}, probes, time.perf_counter(), STARTED)
    stages = {**stage_seconds(main), "total": elapsed}
    placement = main.facts.get("roundtrip.placement")
    status = main.severity
    summary = "all checks passed" if status is Severity.OK else main.findings[0].cause.title["en"]
    delivery = stages.get("delivery")
    for text, level in ((critical, Severity.CRITICAL), (warning, Severity.WARNING)):
        if text is not None and delivery is not None and parse_range(text).alerts(delivery):
            status = worst([status, level])
            summary += f"; delivery time {delivery:.2f} s is outside {text}"
            break
    return ProfileResult(
        profile=name,
        started_at=STARTED,
        elapsed_s=elapsed,
        status=status,
        summary=summary,
        diagnoses=(main,),
        stages=stages,
        placement=str(placement) if placement is not None else None,
        causes=tuple(dict.fromkeys(f.cause.id for f in main.findings)),
        warning=warning,
        critical=critical,
    )


def _not_run(name: str, *, skipped: str | None = None, error: str | None = None) -> ProfileResult:
    return ProfileResult(
        profile=name,
        started_at=STARTED,
        elapsed_s=0.0,
        status=Severity.UNKNOWN,
        summary=skipped or error or "",
        skipped=skipped,
        error=error,
    )


def healthy(name: str = "billing") -> ProfileResult:
    return _profile(name, [_smtp(), _imap("inbox")])


def junk() -> ProfileResult:
    return _profile("billing", [_smtp(), _imap("junk", "Junk")])


def bad_credentials(name: str = "billing") -> ProfileResult:
    rejected = _reply(535, "5.7.8", "Error: authentication failed: authentication failure")
    return _profile(name, [_smtp(auth=rejected), _imap("not-sent")])


def unreachable() -> ProfileResult:
    return _profile("billing", [_smtp(refused=True), _imap("not-sent")])


def deadline_hit() -> ProfileResult:
    return _profile("billing", [_smtp(), _imap("inbox", deadline=True)])


LOCKED = "another mailcheck check of profile 'billing' is running (lock held)"
BAD_CONFIG = "profile 'billing': unknown key 'hots' (did you mean host?)"


def skipped() -> ProfileResult:
    return _not_run("billing", skipped=LOCKED)


def config_error() -> ProfileResult:
    return _not_run("billing", error=BAD_CONFIG)


def slow(warning: str = "10", critical: str = "30") -> ProfileResult:
    return _profile(
        "billing", [_smtp(), _imap("inbox", seen_ms=12000.0)], warning=warning, critical=critical
    )


def _run(
    *results: ProfileResult, warning: str | None = None, critical: str | None = None
) -> CheckRun:
    return CheckRun(results=results, warning=warning, critical=critical)


def test_the_cases_are_what_the_rules_make_of_the_evidence() -> None:
    # Guard for the rest: each case gives the status and causes a user would see.
    assert (healthy().status, healthy().causes) == (Severity.OK, ("delivered-to-inbox",))
    assert (junk().status, junk().causes) == (Severity.WARNING, ("spam-folder",))
    assert bad_credentials().status is Severity.CRITICAL
    assert bad_credentials().causes[0] == "password-changed"
    assert unreachable().causes[0] == "smtp-connection-refused"
    assert slow().status is Severity.WARNING
    assert set(healthy().stages) == {"auth", "submit", "delivery", "detection", "total"}
    assert set(bad_credentials().stages) == {"auth", "total"}


# ---------------------------------------------------------------- Nagios

_STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
_FIRST = re.compile(r"^MAILCHECK (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]+?)(?: \| (.+))?$")
# 'label'=value[UOM];[warn];[crit];[min];[max], labels quoted with '' for a quote, no '='.
_ITEM = re.compile(
    r"(?P<label>'(?:[^'=]|'')+'|[^'=\s]+)=(?P<value>-?[0-9.]+|U)(?P<uom>s|ms|us|%|[KMGT]?B|c)?"
    r"(?:;(?P<warn>[^;\s]*)(?:;(?P<crit>[^;\s]*)(?:;(?P<min>-?[0-9.]*)(?:;(?P<max>-?[0-9.]*))?)?)?)?"
)


@dataclass
class Perf:
    value: float
    uom: str
    warn: str
    crit: str
    min: str
    max: str


@dataclass
class PluginOutput:
    state: str
    text: str
    long_text: list[str]
    perf: dict[str, Perf]


def _perf_items(part: str, into: dict[str, Perf]) -> None:
    pos = 0
    part = part.strip()
    while pos < len(part):
        match = _ITEM.match(part, pos)
        assert match, f"not perfdata at {part[pos:]!r}"
        label = match["label"]
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        assert label not in into, f"duplicate label {label}"
        for threshold in (match["warn"], match["crit"]):
            if threshold:
                parse_range(threshold)  # warn and crit are in the range format
        into[label] = Perf(
            float(match["value"]),
            match["uom"] or "",
            match["warn"] or "",
            match["crit"] or "",
            match["min"] or "",
            match["max"] or "",
        )
        pos = match.end()
        if pos < len(part):
            assert part[pos] == " ", f"perfdata items must be space-separated: {part!r}"
            pos += 1


def parse_plugin_output(output: str) -> PluginOutput:
    """Read plugin output as Nagios 3+ does (first line, long text, perfdata after '|')."""
    assert output.endswith("\n")
    lines = output[:-1].split("\n")
    first = _FIRST.match(lines[0])
    assert first, f"first line not in plugin format: {lines[0]!r}"
    perf: dict[str, Perf] = {}
    if first[3]:
        _perf_items(first[3], perf)
    long_text: list[str] = []
    rest = lines[1:]
    for i, line in enumerate(rest):
        if "|" in line:
            text, _, more = line.partition("|")
            long_text.append(text.rstrip())
            # Nagios glues this part to the first without a space: we must bring one.
            assert more.startswith(" ")
            _perf_items(" ".join([more, *rest[i + 1 :]]), perf)
            break
        long_text.append(line)
    return PluginOutput(first[1], first[2], long_text, perf)


def test_nagios_healthy_profile() -> None:
    run = _run(healthy())
    out = parse_plugin_output(render_nagios(run))
    assert _STATES[out.state] == run.exit_code == 0
    assert out.text.startswith("billing: ")
    assert list(out.perf) == [
        "auth_time",
        "submit_time",
        "delivery_time",
        "detection_time",
        "placement",
        "total_time",
    ]
    assert out.perf["delivery_time"] == Perf(2.5, "s", "", "", "0", "")
    assert out.perf["detection_time"].value == 1.5
    assert out.perf["placement"] == Perf(0, "", "", "", "0", "4")
    assert out.perf["total_time"].value == 3.2
    assert "  OK delivered-to-inbox: The test invoice reached your own inbox" in "\n".join(
        out.long_text
    )


def test_nagios_junk_is_warning_with_the_cause_in_the_chosen_language() -> None:
    run = _run(junk())
    out = parse_plugin_output(render_nagios(run, lang="vi"))
    assert (out.state, run.exit_code) == ("WARNING", 1)
    assert out.perf["placement"].value == 2
    text = "\n".join(out.long_text)
    assert "WARNING spam-folder: " in text
    assert "Tìm thấy trong: Junk" in text  # where it landed, quoted in Vietnamese
    assert "probe roundtrip: WARNING" in text


def test_nagios_bad_credentials_quote_the_server_and_fake_no_stages() -> None:
    run = _run(bad_credentials())
    out = parse_plugin_output(render_nagios(run))
    assert (out.state, run.exit_code) == ("CRITICAL", 2)
    # The login was timed; nothing was sent, so no submit/delivery/detection values at all.
    assert set(out.perf) == {"auth_time", "placement", "total_time"}
    assert out.perf["placement"].value == 4  # not-sent
    text = "\n".join(out.long_text)
    assert "CRITICAL password-changed:" in text
    assert "535 5.7.8 Error: authentication failed" in text
    assert "probe credentials: CRITICAL" in text


def test_nagios_unreachable_server_says_what_the_connection_did() -> None:
    out = parse_plugin_output(render_nagios(_run(unreachable())))
    assert out.state == "CRITICAL"
    assert "auth_time" not in out.perf
    assert "Connect call failed" in "\n".join(out.long_text)


@pytest.mark.parametrize(
    ("result", "words"),
    [(skipped(), f"skipped: {LOCKED}"), (config_error(), f"configuration error: {BAD_CONFIG}")],
)
def test_nagios_skipped_or_misconfigured_profile_is_unknown_with_the_reason(
    result: ProfileResult, words: str
) -> None:
    run = _run(result)
    out = parse_plugin_output(render_nagios(run))
    assert (out.state, run.exit_code) == ("UNKNOWN", 3)
    assert out.text == f"billing: {words}"
    assert out.perf == {}


def test_nagios_two_profiles_prefix_labels_and_continue_perfdata_after_the_long_text() -> None:
    run = _run(healthy("billing"), bad_credentials("shop"))
    output = render_nagios(run)
    out = parse_plugin_output(output)
    assert (out.state, run.exit_code) == ("CRITICAL", 2)
    assert out.text.startswith("shop CRITICAL: ")  # the worst profile first
    assert "billing_delivery_time" in output.splitlines()[0]
    assert set(out.perf) == {
        "billing_auth_time",
        "billing_submit_time",
        "billing_delivery_time",
        "billing_detection_time",
        "billing_placement",
        "billing_total_time",
        "shop_auth_time",
        "shop_placement",
        "shop_total_time",
    }
    assert out.long_text[0] == "billing: OK - all checks passed"


def test_nagios_quotes_labels_with_spaces_and_drops_equals_signs() -> None:
    run = _run(healthy("main office"), healthy("a=b's"))
    out = parse_plugin_output(render_nagios(run))
    assert "main office_total_time" in out.perf
    assert "a_b's_total_time" in out.perf
    assert "'main office_total_time'=3.2s;;;0" in render_nagios(run)


def test_nagios_delivery_time_carries_the_thresholds() -> None:
    run = _run(slow("10", "@30:60"), warning="10", critical="@30:60")
    out = parse_plugin_output(render_nagios(run))
    assert (out.state, run.exit_code) == ("WARNING", 1)
    assert out.perf["delivery_time"] == Perf(12.0, "s", "10", "@30:60", "0", "")
    assert "outside 10" in out.text


def test_nagios_text_never_contains_a_pipe() -> None:
    rejected = _reply(535, "5.7.8", "bad | credentials\nsecond line")
    run = _run(_profile("billing", [_smtp(auth=rejected), _imap("not-sent")]))
    output = render_nagios(run)
    out = parse_plugin_output(output)
    assert set(out.perf) == {"auth_time", "placement", "total_time"}
    assert "bad / credentials / second line" in "\n".join(out.long_text)


def test_nagios_refuses_an_unknown_language() -> None:
    with pytest.raises(ConfigError, match="unknown language 'de'"):
        render_nagios(_run(healthy()), lang="de")


# ---------------------------------------------------------------- Prometheus

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge"
        assert family.documentation
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in samples, f"duplicate series {key}"
            samples[key] = sample.value
    return samples


def _get(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_prometheus_healthy_profile() -> None:
    samples = _scrape(render_prometheus(_run(healthy())))
    who = {"profile": "billing"}
    assert _get(samples, "mailcheck_success", **who) == 1
    assert _get(samples, "mailcheck_status", **who) == 0
    assert _get(samples, "mailcheck_skipped", **who) == 0
    assert _get(samples, "mailcheck_placement", **who, placement="inbox") == 1
    assert _get(samples, "mailcheck_placement", **who, placement="junk") == 0
    assert _get(samples, "mailcheck_stage_duration_seconds", **who, stage="delivery") == 2.5
    assert _get(samples, "mailcheck_stage_duration_seconds", **who, stage="auth") == 0.21
    assert (
        _get(samples, "mailcheck_cause_info", **who, cause="delivered-to-inbox", severity="ok") == 1
    )
    assert _get(samples, "mailcheck_last_run_timestamp_seconds", **who) == STARTED.timestamp()
    assert _get(samples, "mailcheck_check_duration_seconds", **who) == 3.2


def test_prometheus_placement_is_a_state_set_with_one_current_state() -> None:
    samples = _scrape(render_prometheus(_run(junk())))
    states = {
        dict(labels)["placement"]: value
        for (name, labels), value in samples.items()
        if name == "mailcheck_placement"
    }
    assert {"inbox", "junk", "other", "not-arrived", "not-sent"} <= set(states)
    assert [s for s, v in states.items() if v == 1] == ["junk"]
    assert _get(samples, "mailcheck_status", profile="billing") == 1
    assert _get(samples, "mailcheck_success", profile="billing") == 0


def test_prometheus_bad_credentials_has_no_round_trip_series() -> None:
    samples = _scrape(render_prometheus(_run(bad_credentials())))
    assert _get(samples, "mailcheck_status", profile="billing") == 2
    stages = {dict(lab)["stage"] for n, lab in samples if n == "mailcheck_stage_duration_seconds"}
    assert stages == {"auth", "total"}
    severity = _get(
        samples,
        "mailcheck_cause_info",
        profile="billing",
        cause="password-changed",
        severity="critical",
    )
    assert severity == 1


def test_prometheus_unreachable_has_no_placement_series_without_a_round_trip() -> None:
    result = replace(unreachable(), placement=None)
    samples = _scrape(render_prometheus(_run(result)))
    assert not [key for key in samples if key[0] == "mailcheck_placement"]
    assert _get(samples, "mailcheck_status", profile="billing") == 2


def test_prometheus_skipped_and_misconfigured_profiles() -> None:
    samples = _scrape(render_prometheus(_run(skipped(), replace(config_error(), profile="shop"))))
    assert _get(samples, "mailcheck_skipped", profile="billing") == 1
    assert _get(samples, "mailcheck_skipped", profile="shop") == 0
    for profile in ("billing", "shop"):
        assert _get(samples, "mailcheck_status", profile=profile) == 3
        assert _get(samples, "mailcheck_success", profile=profile) == 0
    assert not [key for key in samples if key[0] == "mailcheck_stage_duration_seconds"]


def test_prometheus_two_profiles_share_one_family_each() -> None:
    text = render_prometheus(_run(healthy("billing"), bad_credentials("shop")))
    assert text.count("# TYPE mailcheck_status gauge") == 1
    samples = _scrape(text)
    assert _get(samples, "mailcheck_status", profile="billing") == 0
    assert _get(samples, "mailcheck_status", profile="shop") == 2


def test_prometheus_escapes_label_values() -> None:
    name = 'odd "name"\\with\nnewline'
    samples = _scrape(render_prometheus(_run(healthy(name))))
    assert _get(samples, "mailcheck_success", profile=name) == 1


def test_prometheus_names_follow_the_conventions() -> None:
    text = render_prometheus(_run(healthy(), replace(skipped(), profile="other")))
    names = {m.name for m in text_string_to_metric_families(text)}
    assert all(n.startswith("mailcheck_") for n in names)
    assert "mailcheck_stage_duration_seconds" in names
    assert "mailcheck_cause_info" in names
    assert "mailcheck_last_run_timestamp_seconds" in names
    assert not re.search(r"_ms\b|millis", text)


# ---------------------------------------------------------------- node_exporter textfiles


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """An empty directory of our own (the test session puts other things in tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def test_textfiles_one_file_per_profile_with_safe_names(outdir: Path) -> None:
    run = _run(healthy("billing"), bad_credentials("shop/main office"))
    paths = write_textfiles(run, outdir)
    assert [p.name for p in paths] == ["mailcheck_billing.prom", "mailcheck_shop_main_office.prom"]
    assert sorted(p.name for p in outdir.iterdir()) == sorted(p.name for p in paths)
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o644
    shop = _scrape(paths[1].read_text(encoding="utf-8"))
    assert _get(shop, "mailcheck_status", profile="shop/main office") == 2
    assert not [key for key in shop if dict(key[1]).get("profile") == "billing"]


def test_textfile_write_is_atomic(outdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given last run's file
    write_textfiles(_run(bad_credentials()), outdir)
    target = outdir / "mailcheck_billing.prom"
    old = target.read_text(encoding="utf-8")
    new = render_prometheus(_run(healthy()))
    seen: list[tuple[str, str, int]] = []
    real_replace = os.replace

    def watching_replace(src: str, dst: str) -> None:
        # At the moment of the swap, a reader of the target still sees the whole old file,
        # and the file about to take its place is complete, synced and not a *.prom.
        assert not src.endswith(".prom")
        assert Path(src).parent == outdir
        seen.append(
            (
                Path(dst).read_text(encoding="utf-8"),
                Path(src).read_text(encoding="utf-8"),
                stat.S_IMODE(os.stat(src).st_mode),
            )
        )
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    # When this run writes
    write_textfiles(_run(healthy()), outdir)
    # Then the swap was one rename of a finished file, and nothing else is left behind
    assert seen == [(old, new, 0o644)]
    assert target.read_text(encoding="utf-8") == new
    assert [p.name for p in outdir.iterdir()] == ["mailcheck_billing.prom"]


def test_textfile_failed_write_keeps_the_old_file_and_leaves_no_temp(
    outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_textfiles(_run(healthy()), outdir)
    old = (outdir / "mailcheck_billing.prom").read_text(encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ConfigError, match=r"cannot write the Prometheus textfile .*No space left"):
        write_textfiles(_run(bad_credentials()), outdir)
    assert (outdir / "mailcheck_billing.prom").read_text(encoding="utf-8") == old
    assert [p.name for p in outdir.iterdir()] == ["mailcheck_billing.prom"]


def test_textfile_directory_missing_or_not_a_directory(outdir: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist or is not a directory"):
        write_textfiles(_run(healthy()), outdir / "nope")
    (outdir / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"textfile directory .*file does not exist"):
        write_textfiles(_run(healthy()), outdir / "file")


def test_textfile_directory_not_writable(outdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Permission bits do not stop root (CI runs as root), so the refusal is simulated.
    def refused(**kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(
        ConfigError, match=r"cannot write the Prometheus textfile .*Permission denied"
    ):
        write_textfiles(_run(healthy()), outdir)


def test_textfile_names_that_collide_are_refused(outdir: Path) -> None:
    with pytest.raises(ConfigError, match=r"would both write mailcheck_a_b\.prom"):
        write_textfiles(_run(healthy("a b"), healthy("a_b")), outdir)
    assert list(outdir.iterdir()) == []


# ---------------------------------------------------------------- JUnit


def _suites(xml: str) -> dict[str, ET.Element]:
    SCHEMA.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))  # noqa: S314 - our own output, not untrusted input
    assert root.tag == "testsuites"
    return {s.get("name", ""): s for s in root.iter("testsuite")}


def _counts(suite: ET.Element) -> tuple[int, int, int, int]:
    counts = tuple(int(suite.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped"))
    cases = suite.findall("testcase")
    assert counts == (
        len(cases),
        sum(c.find("failure") is not None for c in cases),
        sum(c.find("error") is not None for c in cases),
        sum(c.find("skipped") is not None for c in cases),
    )
    return counts


def test_junit_healthy_profile_passes_every_probe() -> None:
    suites = _suites(render_junit(_run(healthy()), hostname="ci-runner-1"))
    suite = suites["mailcheck.billing"]
    assert _counts(suite) == (2, 0, 0, 0)
    assert suite.get("timestamp") == "2026-11-27T01:02:00"
    assert suite.get("hostname") == "ci-runner-1"
    assert [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")] == [
        ("mailcheck.billing", "credentials"),
        ("mailcheck.billing", "roundtrip"),
    ]


def test_junit_bad_credentials_fail_with_title_fix_and_server_words() -> None:
    suite = _suites(render_junit(_run(bad_credentials())))["mailcheck.billing"]
    assert _counts(suite) == (2, 1, 0, 0)
    failure = suite.find("testcase[@name='credentials']/failure")
    assert failure is not None
    assert failure.get("type") == "password-changed"
    assert "password" in (failure.get("message") or "").lower()
    body = failure.text or ""
    assert "Fix: " in body
    assert "Server said (auth): 535 5.7.8 Error: authentication failed" in body


def test_junit_junk_is_a_failure_of_the_round_trip() -> None:
    suite = _suites(render_junit(_run(junk())))["mailcheck.billing"]
    assert _counts(suite) == (2, 1, 0, 0)
    failure = suite.find("testcase[@name='roundtrip']/failure")
    assert failure is not None
    assert failure.get("type") == "spam-folder"


def test_junit_probe_cut_short_is_an_error() -> None:
    suite = _suites(render_junit(_run(deadline_hit())))["mailcheck.billing"]
    error = suite.find("testcase[@name='roundtrip']/error")
    assert error is not None
    assert "deadline" in (error.get("message") or "")
    assert _counts(suite)[2] == 1


def test_junit_skipped_and_misconfigured_profiles() -> None:
    xml = render_junit(_run(skipped(), replace(config_error(), profile="shop")))
    suites = _suites(xml)
    assert _counts(suites["mailcheck.billing"]) == (1, 0, 0, 1)
    skipped_el = suites["mailcheck.billing"].find("testcase/skipped")
    assert skipped_el is not None
    assert skipped_el.get("message") == LOCKED
    assert _counts(suites["mailcheck.shop"]) == (1, 0, 1, 0)
    error = suites["mailcheck.shop"].find("testcase[@name='configuration']/error")
    assert error is not None
    assert error.get("message") == BAD_CONFIG


def test_junit_two_profiles_and_totals() -> None:
    xml = render_junit(_run(healthy("billing"), bad_credentials("shop")))
    suites = _suites(xml)
    assert set(suites) == {"mailcheck.billing", "mailcheck.shop"}
    root = ET.fromstring(xml.encode("utf-8"))  # noqa: S314 - our own output
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")


def test_junit_threshold_crossing_is_a_failing_test() -> None:
    suite = _suites(render_junit(_run(slow(), warning="10", critical="30")))["mailcheck.billing"]
    assert _counts(suite) == (3, 1, 0, 0)
    failure = suite.find("testcase[@name='delivery-time']/failure")
    assert failure is not None
    assert failure.get("type") == "delivery-time-warning"
    assert "12.00 s, outside the warning range 10" in (failure.get("message") or "")


def test_junit_escapes_hostile_server_text() -> None:
    hostile = _reply(535, "5.7.8", 'no <b>&"login"</b> ]]> \x01\x1b[31m')
    xml = render_junit(_run(_profile("billing", [_smtp(auth=hostile), _imap("not-sent")])))
    failure = _suites(xml)["mailcheck.billing"].find("testcase/failure")
    assert failure is not None
    assert 'no <b>&"login"</b> ]]>' in (failure.text or "")


def test_write_junit_is_atomic_and_errors_are_clear(outdir: Path) -> None:
    path = outdir / "report.xml"
    write_junit(_run(junk()), path)
    SCHEMA.validate(str(path))
    assert [p.name for p in outdir.iterdir()] == ["report.xml"]
    with pytest.raises(ConfigError, match=r"cannot write the JUnit report .*missing"):
        write_junit(_run(junk()), outdir / "missing" / "report.xml")


def test_json_text_never_carries_a_lone_surrogate() -> None:
    from mailcheck.report.json import dump_json

    # A byte decoded with surrogateescape (a server's non-UTF-8 reply) cannot be written as
    # UTF-8; every JSON output goes through dump_json, which shows it as U+FFFD instead.
    text = dump_json({"reply": "535 bad \udc9b byte"})
    text.encode("utf-8")
    assert json.loads(text)["reply"] == "535 bad \ufffd byte"
