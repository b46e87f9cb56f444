"""run_now: a probe that never waits, run in place, ends as run_probe would have ended it."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from collections.abc import Callable

from mailcheck import interrupt
from mailcheck.evidence import Outcome, ProbeResult, ProbeStatus, Step
from mailcheck.probes.recorder import Recorder
from mailcheck.probes.run import run_now, run_probe
from mailcheck.scenarios.bounce import stream_bounce_diagnoses
from tests.helpers import ROOT


def _records(rec: Recorder) -> None:
    rec.begin("lookup")
    rec.add(Step(name="lookup", outcome=Outcome.OK, elapsed_ms=0.0, data=(("answer", "yes"),)))


def _breaks(rec: Recorder) -> None:
    rec.begin("lookup")
    raise ValueError("a slip of the parser")


async def _both(
    fn: Callable[[Recorder], None], deadline_in: float = 60.0
) -> tuple[ProbeResult, ProbeResult]:
    loop = asyncio.get_running_loop()

    async def waits(rec: Recorder) -> None:
        fn(rec)

    here = run_now("bounce", "a.eml", fn, loop.time() + deadline_in)
    task = await run_probe("bounce", "a.eml", waits, loop.time() + deadline_in)
    return here, task


def test_a_probe_that_ends_is_completed_with_its_steps_as_a_task_would_record_them() -> None:
    here, task = asyncio.run(_both(_records))
    assert here.status is task.status is ProbeStatus.COMPLETED
    assert here.steps == task.steps
    assert here.steps[0].get("answer") == "yes"


def test_a_crash_is_reported_with_the_probes_own_traceback_and_the_step_it_was_in() -> None:
    here, task = asyncio.run(_both(_breaks))
    assert here.status is task.status is ProbeStatus.CRASHED
    assert here.crash is not None
    assert "a slip of the parser" in here.crash
    assert "in _breaks" in here.crash
    assert "in run_now" not in here.crash  # starts at the probe, as a task's traceback does
    assert [s.name for s in here.steps] == [s.name for s in task.steps] == ["lookup"]
    assert here.steps[0].outcome is Outcome.TIMEOUT  # the step in flight, cut short


def test_a_probe_that_ran_past_its_deadline_says_so() -> None:
    here, _ = asyncio.run(_both(_records, deadline_in=-1.0))
    assert here.status is ProbeStatus.DEADLINE


def test_after_a_signal_the_probe_does_not_run_and_the_result_names_the_signal() -> None:
    ran: list[str] = []

    async def main() -> ProbeResult:
        stop = interrupt.current()
        assert stop is not None
        stop.trigger("SIGTERM")
        loop = asyncio.get_running_loop()
        return run_now("bounce", "a.eml", lambda rec: ran.append("ran"), loop.time() + 60)

    result = interrupt.run(main())
    assert result.status is ProbeStatus.INTERRUPTED
    assert result.skip_reason == "SIGTERM"
    assert ran == []


def test_ctrl_c_during_an_mbox_ends_the_run_one_message_later_with_an_interrupted_report() -> None:
    # A real SIGINT, through the event loop's handler: the probes never wait, so the run must
    # still give the loop its turns between messages for the signal to be seen. The message
    # already under way is still explained (as when each probe was a task); the next is not.
    one = (ROOT / "fixtures" / "bounces" / "postfix-user-unknown.eml").read_bytes()
    message = b"From MAILER-DAEMON Mon Jan  5 09:00:00 2026\n" + one.replace(b"\r\n", b"\n")
    mbox = (message + b"\n") * 8

    async def main() -> list[ProbeStatus]:
        seen: list[ProbeStatus] = []
        async for diagnosis in stream_bounce_diagnoses(io.BytesIO(mbox), "mail.mbox"):
            seen.append(diagnosis.probes[0].status)
            if len(seen) == 2:
                os.kill(os.getpid(), signal.SIGINT)
        return seen

    assert interrupt.run(main()) == [
        ProbeStatus.COMPLETED,
        ProbeStatus.COMPLETED,
        ProbeStatus.COMPLETED,
        ProbeStatus.INTERRUPTED,
    ]
