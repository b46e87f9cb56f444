"""`mailcheck bounce` on an mbox: each report printed as its message is read, same bytes."""

from __future__ import annotations

import asyncio
import io
import json

import click
import pytest

from mailcheck.cli.commands.output import StreamPrinter
from mailcheck.diagnosis import Diagnosis
from mailcheck.report import render_diagnoses
from mailcheck.scenarios.bounce import bounce_diagnoses, stream_bounce_diagnoses
from tests.helpers import ROOT, cause_ids, run_cli

BOUNCES = ROOT / "fixtures" / "bounces"
MESSAGES = ["postfix-user-unknown.eml", "postfix-delayed.eml", "out-of-office.eml"]


def _mbox(names: list[str]) -> bytes:
    out = b""
    for name in names:
        out += b"From MAILER-DAEMON Mon Jan  5 09:00:00 2026\n"
        out += (BOUNCES / name).read_bytes().replace(b"\r\n", b"\n") + b"\n"
    return out


def _diagnoses(names: list[str]) -> list[Diagnosis]:
    raw = _mbox(names) if len(names) > 1 else (BOUNCES / names[0]).read_bytes()
    return asyncio.run(bounce_diagnoses(raw, "mail.mbox"))


@pytest.mark.parametrize("count", [1, 2, 3])
@pytest.mark.parametrize("fmt", ["json", "human"])
def test_streamed_output_is_byte_for_byte_the_whole_output(
    count: int, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    diagnoses = _diagnoses(MESSAGES[:count])
    printer = StreamPrinter(fmt=fmt, lang="en", color=False)
    for diagnosis in diagnoses:
        printer.add(diagnosis)
    code = printer.close()
    whole = render_diagnoses(diagnoses, fmt, lang="en")
    assert capsys.readouterr().out == whole
    assert code == max(diagnoses, key=lambda d: d.severity.rank).exit_code
    assert code == 2  # the worst: the failure, whatever comes after it
    if fmt == "json" and count > 1:
        assert [cause_ids(r) for r in json.loads(whole)][:2] == [
            ["recipient-unknown"],
            ["delivery-delayed"],
        ]


def test_a_report_is_printed_before_the_next_message_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    large = b"From MAILER-DAEMON Mon Jan  5 09:00:00 2026\nSubject: x\n\n" + b"text\n" * 200_000
    stream = io.BytesIO(_mbox(MESSAGES) + large)
    printer = StreamPrinter(fmt="human", lang="en", color=False)

    async def first_only() -> int:
        async for diagnosis in stream_bounce_diagnoses(stream, "mail.mbox"):
            printer.add(diagnosis)
            return stream.tell()
        return -1

    read = asyncio.run(first_only())
    assert "mail.mbox #1" in capsys.readouterr().out
    assert 0 < read < len(stream.getvalue()) // 2


def test_an_mbox_on_standard_input_gives_one_array_and_the_worst_exit_code() -> None:
    mbox = _mbox(MESSAGES).decode("utf-8", errors="replace")
    result = run_cli(["bounce", "-", "--format", "json"], input=mbox)
    reports = json.loads(result.stdout)
    assert [cause_ids(r) for r in reports] == [
        ["recipient-unknown"],
        ["delivery-delayed"],
        ["auto-reply"],
    ]
    assert result.exit_code == 2
    assert click.unstyle(result.stdout) == result.stdout


def test_a_missing_file_is_a_message_not_a_traceback(tmp_path: object) -> None:
    result = run_cli(["bounce", "/nonexistent/bounces.mbox"])
    assert result.exit_code == 3
    assert "cannot read" in result.stderr


def _without_times(report: object) -> object:
    if isinstance(report, dict):
        skip = {"elapsed_ms", "started_at"}
        return {k: _without_times(v) for k, v in report.items() if k not in skip}
    if isinstance(report, list):
        return [_without_times(v) for v in report]
    return report


def test_a_large_mbox_parsed_ahead_by_a_worker_gives_the_same_reports() -> None:
    from mailcheck.report.json import report_dict
    from mailcheck.scenarios import bounce

    names = sorted(p.name for p in BOUNCES.glob("*.eml"))
    count = bounce.WORKER_FROM + 40
    raw = _mbox((names * 5)[:count])
    ahead = asyncio.run(bounce_diagnoses(raw, "big.mbox", parallel=True))
    here = asyncio.run(bounce_diagnoses(raw, "big.mbox"))  # every message parsed in this process
    assert len(ahead) == len(here) == count
    assert [_without_times(report_dict(d)) for d in ahead] == [
        _without_times(report_dict(d)) for d in here
    ]
    assert ahead[-1].target["target"] == f"big.mbox #{count}"
