"""Collect a probe's steps and transcript, with every secret scrubbed out.

The recorder belongs to the runner, not to the probe, so that when the
overall deadline cancels a probe the steps it already took survive and the
step that was in flight is reported as timed out.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import replace

from mailcheck.evidence import (
    ErrorInfo,
    Outcome,
    ProbeResult,
    ProbeStatus,
    Reply,
    Step,
    TranscriptLine,
)
from mailcheck.probes.net import elapsed_ms

__all__ = ["REDACTED", "Recorder"]

REDACTED = "***"


def _secret_forms(username: str, password: str) -> list[str]:
    """The password as it may appear on the wire: clear, and in every base64 AUTH form."""
    forms = {password}
    for raw in (
        password,
        f"\0{username}\0{password}",
        f"{username}\0{username}\0{password}",
    ):
        forms.add(base64.b64encode(raw.encode("utf-8")).decode("ascii"))
    # Longest first, so a form that contains another is replaced whole.
    return sorted((f for f in forms if f), key=len, reverse=True)


class Recorder:
    """Steps and transcript lines of one probe run."""

    def __init__(self, probe: str, target: str) -> None:
        self.probe = probe
        self.target = target
        self.steps: list[Step] = []
        self.transcript: list[TranscriptLine] = []
        self._secrets: list[str] = []
        self._current: tuple[str, float] | None = None
        self._start = time.perf_counter()
        self.on_begin: Callable[[str], None] | None = None
        """Told the name of each step as it begins (the progress line)."""

    def add_secret(self, username: str, password: str) -> None:
        """Register a secret: it is scrubbed from everything recorded afterwards."""
        self._secrets = _secret_forms(username, password)

    def scrub(self, text: str) -> str:
        """Replace every known secret form in ``text``."""
        for form in self._secrets:
            text = text.replace(form, REDACTED)
        return text

    def begin(self, name: str) -> float:
        """Mark step ``name`` as in flight; return its start time."""
        start = time.perf_counter()
        self._current = (name, start)
        if self.on_begin is not None:
            self.on_begin(name)
        return start

    def add(self, step: Step) -> Step:
        """Record a finished step (its texts scrubbed)."""
        if self._secrets:
            step = _scrub_step(step, self.scrub)
        self.steps.append(step)
        self._current = None
        return step

    def client(self, line: str) -> None:
        """Record a line the client sent."""
        self.transcript.append(TranscriptLine(direction="C", text=self.scrub(line)))

    def server(self, reply: Reply) -> None:
        """Record a reply, one transcript line per reply line (``250-...``, ``250 ...``)."""
        lines = reply.text.split("\n") if reply.text else [""]
        prefix = f"{reply.enhanced} " if reply.enhanced else ""
        for i, line in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            text = f"{reply.code}{sep}{prefix}{line}".rstrip()
            self.transcript.append(TranscriptLine(direction="S", text=self.scrub(text)))

    def note(self, text: str) -> None:
        """Record what mailcheck did that is not a protocol line (TLS started, ...)."""
        self.transcript.append(TranscriptLine(direction="*", text=self.scrub(text)))

    def result(self, status: ProbeStatus = ProbeStatus.COMPLETED) -> ProbeResult:
        """Finish: a step still in flight (deadline hit) is recorded as timed out."""
        if self._current is not None:
            name, start = self._current
            self.add(
                Step(
                    name=name,
                    outcome=Outcome.TIMEOUT,
                    elapsed_ms=elapsed_ms(start),
                    error=ErrorInfo(
                        exception="DeadlineExceeded",
                        message="the overall deadline ended this step",
                    ),
                )
            )
        return ProbeResult(
            probe=self.probe,
            status=status,
            target=self.target,
            steps=tuple(self.steps),
            transcript=tuple(self.transcript),
            elapsed_ms=elapsed_ms(self._start),
        )


def _scrub_step(step: Step, scrub: Callable[[str], str]) -> Step:
    reply = step.reply
    if reply is not None:
        reply = replace(reply, text=scrub(reply.text))
    error = step.error
    if error is not None:
        error = replace(error, message=scrub(error.message))
    data = tuple((k, scrub(v)) for k, v in step.data)
    return replace(step, reply=reply, error=error, data=data)
