"""Evidence a fix refers to is printed beside it, in every format (issue 16).

Every cause of the catalogue with an ``example`` is rendered as a finding, its
example facts backed by steps like the probes record (a server reply, an SPF
record and the sending IP, ...). Where the fix text promises quoted evidence
("quoted in this report", "the server's words", "nguyên văn", ...), the human,
Markdown and JSON reports must show that evidence; no fix may point "below"
at evidence the reports print above it.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest

from mailcheck import __version__
from mailcheck.diagnosis import Diagnosis
from mailcheck.evidence import Outcome, ProbeId, ProbeResult, ProbeStatus, Reply, Step
from mailcheck.facts.auth import AuthStep
from mailcheck.facts.registry import FACTS
from mailcheck.report.human import render_human
from mailcheck.report.i18n import HUMAN, LAYOUT
from mailcheck.report.json import render_json
from mailcheck.report.markdown import render_markdown
from mailcheck.rules import Cause, Finding, Severity, catalogue

# Words written for this test: they must reach the reports verbatim.
REPLY = "5.7.1 Refused by the test's own server, reason 4711"
SPF_RECORD = "v=spf1 ip4:192.0.2.10 include:_spf.test-only.example -all"
DMARC_RECORD = "v=DMARC1; p=reject; rua=mailto:dmarc@test-only.example"
SENDING_IP = "198.51.100.77"
DKIM_RECORD_ERROR = "body hash did not verify (test 4711)"
LISTING = "Listed for test 4711, see https://bl.test-only.example/198.51.100.77"

#: A fix promises quoted evidence when it says one of these.
PROMISES = re.compile(
    r"quoted|in this report|its words|own words|server's words|the reply|reply below"
    r"|error is|trong báo cáo|nguyên văn|trích",
    re.IGNORECASE,
)
#: Evidence is printed above the fix in every report, so a fix never says it is below
#: (the Steps block, printed last, may be).
BELOW = re.compile(r"\bbelow\b|dưới đây|bên dưới", re.IGNORECASE)


def _auth_step(name: str) -> Step:
    records: dict[str, dict[str, str]] = {
        AuthStep.SPF: {
            "domain": "company.test",
            "ip": SENDING_IP,
            "result": "fail",
            "record": SPF_RECORD,
        },
        AuthStep.DKIM: {
            "domain": "company.test",
            "selector": "s4711",
            "state": "fail",
            "error": DKIM_RECORD_ERROR,
        },
        AuthStep.DMARC: {"from_domain": "company.test", "record": DMARC_RECORD},
        AuthStep.DNSBL: {
            "zone": "bl.test-only.example",
            "ip": SENDING_IP,
            "listed": "yes",
            "reason": LISTING,
        },
    }
    data = records.get(name, {})
    return Step(name=name, outcome=Outcome.OK, elapsed_ms=1.0, data=tuple(data.items()))


def _steps(fact: str) -> tuple[ProbeId, list[Step]] | None:
    spec = FACTS.get(fact)
    quote = spec.evidence if spec is not None else None
    if quote is None:
        return None
    if quote.probe is ProbeId.AUTH:
        return quote.probe, [_auth_step(name) for name in quote.steps]
    outcome = Outcome.REJECTED if quote.failed_only else Outcome.OK
    reply = Reply(code=550, enhanced=None, text=REPLY)
    if quote.carrying is not None:
        data = ((quote.carrying, "test-value"),)
        return quote.probe, [
            Step(name="tls", outcome=outcome, elapsed_ms=1.0, reply=reply, data=data)
        ]
    return quote.probe, [
        Step(name=name, outcome=outcome, elapsed_ms=1.0, reply=reply) for name in quote.steps
    ]


def _diagnosis(cause: Cause) -> Diagnosis:
    probes: dict[ProbeId, list[Step]] = {}
    for fact in cause.example:
        found = _steps(fact)
        if found is not None:
            probes.setdefault(found[0], []).extend(found[1])
    results = tuple(
        ProbeResult(
            probe=probe.value.rstrip(":") or "imap",
            status=ProbeStatus.COMPLETED,
            target="test",
            steps=tuple(steps),
        )
        for probe, steps in probes.items()
        if probe is not ProbeId.PROBE_MAILBOX
    )
    return Diagnosis(
        command="diagnose",
        target={"sender": "billing@company.test"},
        started_at=datetime(2026, 12, 4, 8, 0, tzinfo=UTC),
        elapsed_ms=10.0,
        probes=results,
        facts=dict(cause.example),
        findings=(Finding(cause=cause, because=tuple(cause.example.items())),),
    )


def _causes() -> list[Cause]:
    return [c for c in catalogue().causes.values() if c.example]


def _promising() -> list[Cause]:
    return [c for c in _causes() if any(PROMISES.search(c.fix[lang]) for lang in ("en", "vi"))]


def _expected(diagnosis: Diagnosis) -> list[str]:
    """What the reports must quote: the reply, or the record and the IP."""
    names = {s.name for p in diagnosis.probes for s in p.steps}
    wanted = []
    if any(s.reply is not None for p in diagnosis.probes for s in p.steps):
        wanted.append(REPLY)
    if AuthStep.SPF in names:
        wanted += [SPF_RECORD, SENDING_IP]
    if AuthStep.DMARC in names:
        wanted.append(DMARC_RECORD)
    if AuthStep.DNSBL in names:
        wanted.append(LISTING)
    if AuthStep.DKIM in names:
        wanted.append(DKIM_RECORD_ERROR)
    return wanted


def test_the_walk_covers_the_promising_causes() -> None:
    ids = {c.id for c in _promising()}
    # The review's example, and causes quoting a server: the walk would notice them going.
    assert {"spf-fail", "smtp-auth-rejected"} <= ids


@pytest.mark.parametrize("cause", _promising(), ids=lambda c: c.id)
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_fix_that_promises_evidence_has_it_beside_it(cause: Cause, lang: str) -> None:
    diagnosis = _diagnosis(cause)
    wanted = _expected(diagnosis)
    if not wanted:
        pytest.fail(f"{cause.id}: its example names no fact with evidence, yet the fix quotes")
    human = render_human(diagnosis, lang=lang, detail="verbose", width=100)
    label = LAYOUT[lang]["next"] if cause.severity is Severity.OK else HUMAN[lang]["fix"]
    before_fix = human[: human.index(f"\n  {label}: ")]
    markdown = render_markdown(diagnosis, lang=lang)
    report = json.loads(render_json(diagnosis))
    evidence = json.dumps(report["causes"][0]["evidence"])
    # Not only with -v: the default report keeps an OK finding to one line, but not the
    # evidence its advice points to.
    short = render_human(diagnosis, lang=lang, width=100)
    short_before_fix = short[: short.index(f"\n  {label}: ")]
    for text in wanted:
        assert text in before_fix.replace("\n", " "), (cause.id, text, human)
        assert text in short_before_fix.replace("\n", " "), (cause.id, text, short)
        assert text in markdown, (cause.id, text, markdown)
        assert json.dumps(text)[1:-1] in evidence, (cause.id, text)


@pytest.mark.parametrize("cause", _causes(), ids=lambda c: c.id)
def test_no_fix_points_below_at_evidence_printed_above(cause: Cause) -> None:
    for lang in ("en", "vi"):
        fix = cause.fix[lang]
        for match in BELOW.finditer(fix):
            around = fix[max(0, match.start() - 60) : match.end()].lower()
            # Only the Steps are printed after the fix (human report, not OK or -v).
            assert "step" in around or "bước" in around, (cause.id, lang, fix)


# ---------------------------------------------------------------- the Markdown report


def _two_findings() -> Diagnosis:
    causes = catalogue().causes
    spf = _auth_step(AuthStep.SPF)
    auth = ProbeResult(probe="auth", status=ProbeStatus.COMPLETED, target="t", steps=(spf,))
    return Diagnosis(
        command="diagnose",
        target={
            "smtp_host": "smtp.company.test",
            "smtp_port": 587,
            "sender": "billing@company.test",
            "token": "mc-4711",
            "message_id": "<mailcheck.mc-4711@company.test>",
            "password_source": "env MAILCHECK_PASSWORD",
        },
        started_at=datetime(2026, 12, 4, 8, 13, 28, tzinfo=UTC),
        elapsed_ms=10.0,
        probes=(auth,),
        facts={},
        findings=(
            Finding(cause=causes["recipient-server-blocks"], because=()),
            Finding(cause=causes["delivered-to-inbox"], because=()),
        ),
    )


def test_the_markdown_report_speaks_the_reports_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    try:
        text = render_markdown(_two_findings(), lang="vi")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert "### Nghiêm trọng: " in text
    assert "### Ổn: " in text
    assert "CRITICAL" not in text
    assert "- Máy chủ mail (SMTP): `smtp.company.test`" in text
    assert "smtp_host" not in text
    assert "password" not in text.lower()
    # Local time with its offset, as history prints it; the version; what admins grep for.
    assert "2026-12-04 15:13:28+07:00" in text
    assert f"Phiên bản mailcheck: {__version__}" in text
    assert "`<mailcheck.mc-4711@company.test>` (mã thư thử nằm trong đó)" in text
    assert f"IP gửi thư: `{SENDING_IP}`" in text
    assert "**Cách khắc phục:**" in text


def test_an_ok_finding_gives_no_advice_beside_a_failure() -> None:
    text = render_markdown(_two_findings(), lang="en")
    ok_section = text[text.index("### OK: ") :]
    assert "What to do" not in ok_section
    assert "spam folder" not in ok_section
    assert text.count("**What to do:**") == 1
