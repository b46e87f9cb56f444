"""The headers probe's steps and facts (mailcheck headers), and watch's timing words: no lab.

Each header block is written for its test.
"""

from __future__ import annotations

from mailcheck.evidence import Outcome, ProbeId, ProbeResult, ProbeStatus, Step
from mailcheck.facts import PROBES
from mailcheck.facts.imap import ImapStep
from mailcheck.report.quote import quote_lines
from mailcheck.scenarios.headers import header_steps, headers_diagnosis
from mailcheck.scenarios.watch import _timed

BLOCK = (
    b"Received: from mx.nhan.example by store.nhan.example with LMTP;"
    b" Fri, 4 Dec 2026 15:00:09 +0700\r\n"
    b"Authentication-Results: mx.nhan.example; dkim=pass header.d=hoadon-saas.example;"
    b" spf=pass smtp.mailfrom=bounce@hoadon-saas.example; dmarc=fail header.from=congty.vn\r\n"
    b"X-Spam-Status: Yes, score=6.1 required=5.0 tests=DMARC_FAIL,HTML_ONLY autolearn=no\r\n"
    b"Received: from out.hoadon-saas.example (out.hoadon-saas.example [198.51.100.9])"
    b" by mx.nhan.example with ESMTPS; Fri, 4 Dec 2026 15:00:02 +0700\r\n"
    b"From: Cong ty <ketoan@congty.vn>\r\n"
    b"Subject: HD0009\r\n\r\nbody\r\n"
)


def _steps() -> dict[str, Step]:
    return {step.name: step for step in header_steps(BLOCK, "paste")}


def test_the_route_is_oldest_first_with_the_delay_at_each_hop() -> None:
    hops = _steps()["hops"]
    assert hops.get("count") == "2"
    assert hops.get("hop 1") == (
        "from out.hoadon-saas.example [198.51.100.9] by mx.nhan.example with ESMTPS"
        " 2026-12-04 08:00:02 UTC"
    )
    assert (hops.get("hop 2") or "").endswith("2026-12-04 08:00:09 UTC +7 s")
    assert hops.get("transit_s") == "7"


def test_the_facts_are_the_receivers_readings() -> None:
    result = ProbeResult(
        probe="headers",
        status=ProbeStatus.COMPLETED,
        target="paste",
        steps=header_steps(BLOCK, "p"),
    )
    facts = PROBES[ProbeId.HEADERS].extract(result)
    assert facts == {
        "message.read": "ok",
        "message.hops": 2,
        "message.spf": "pass",
        "message.dkim": "pass",
        "message.dmarc": "fail",
        "message.auth": "unaligned",
        "message.spam_flagged": True,
    }
    assert [f.cause.id for f in headers_diagnosis(BLOCK, "p").findings] == [
        "message-filed-as-spam",
        "message-not-aligned",
    ]


def test_escape_sequences_in_a_header_never_reach_the_terminal() -> None:
    hostile = BLOCK.replace(b"out.hoadon-saas.example (", b"\x1b]0;owned\x07\x1b[31mred (", 1)
    steps = {step.name: step for step in header_steps(hostile, "paste")}
    lines = quote_lines(steps["hops"], "en") + quote_lines(steps["authentication"], "en")
    assert lines
    assert not any("\x1b" in line or "\x07" in line for line in lines)


def _watched(*data: tuple[str, str], header: str | None = None) -> ProbeResult:
    steps = [Step(name=ImapStep.PLACEMENT, outcome=Outcome.OK, elapsed_ms=1.0, data=data)]
    if header is not None:
        steps.append(
            Step(
                name=ImapStep.HEADERS,
                outcome=Outcome.OK,
                elapsed_ms=1.0,
                data=(("header", header),),
            )
        )
    return ProbeResult(probe="imap", status=ProbeStatus.COMPLETED, target="t", steps=tuple(steps))


def test_watch_counts_from_its_own_start_and_gives_the_acceptance_beside_it() -> None:
    found = (("folder", "INBOX"), ("placement", "inbox"), ("via", "idle"))
    timed = _timed(_watched(*found, ("after_submit_ms", "4433.0"), header=BLOCK.decode()))
    placement = timed.step(ImapStep.PLACEMENT)
    assert placement is not None
    assert placement.get("after_submit_ms") is None  # mailcheck submitted nothing
    assert placement.get("after_start_ms") == "4433.0"
    assert placement.get("transit_s") == "7"
    assert (placement.get("accepted_at") or "").count(":") == 2
    line = quote_lines(placement, "en")[0]
    assert line.startswith("Found in: INBOX (idle, 4.4 s after watch started); its Received")
    assert "in the mailbox 7 s later" in line
    vi = quote_lines(placement, "vi")[0]
    assert "4.4 s sau khi bắt đầu watch" in vi


def test_watch_without_received_times_says_only_its_own_clock() -> None:
    found = (("folder", "Junk"), ("placement", "junk"), ("via", "poll"))
    timed = _timed(_watched(*found, ("after_submit_ms", "900.0")))
    placement = timed.step(ImapStep.PLACEMENT)
    assert placement is not None
    assert quote_lines(placement, "en") == ["Found in: Junk (poll, 0.9 s after watch started)"]


def test_a_not_spam_verdict_without_authentication_results_judges_nothing() -> None:
    block = (
        b"Received: from mail.congty.vn (mail.congty.vn [203.0.113.7]) by mx.nhan.example"
        b" with ESMTPS; Fri, 4 Dec 2026 15:00:02 +0700\r\n"
        b"X-MS-Exchange-Organization-SCL: 1\r\nFrom: ketoan@congty.vn\r\n\r\n"
    )
    diagnosis = headers_diagnosis(block, "paste")
    assert [f.cause.id for f in diagnosis.findings] == ["message-no-verdict"]
    assert diagnosis.exit_code == 3
