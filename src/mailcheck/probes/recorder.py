"""Collect a probe's steps and transcript, with every secret kept out.

The recorder belongs to the runner, not to the probe, so that when the
overall deadline cancels a probe the steps it already took survive and the
step that was in flight is reported as timed out.

Once a password is registered, every text recorded (transcript lines, step
replies, error messages, observations, crash tracebacks) is searched for it in
every wire form (:class:`mailcheck.secret.Redactor`). A text that holds it is
not shown at all: a ``***`` in its place would tell the password's length and
position; a fixed notice tells neither.
"""

from __future__ import annotations

import re
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
from mailcheck.secret import WITHHELD_SERVER, WITHHELD_TEXT, Redactor

__all__ = [
    "CUT_BY_DEADLINE",
    "CUT_BY_SIGNAL",
    "REDACTED",
    "WITHHELD_SERVER",
    "WITHHELD_TEXT",
    "Recorder",
]

#: What mailcheck writes for the password in its own lines (``AUTH PLAIN ***``): always
#: the same three characters, whatever the password.
REDACTED = "***"
#: ``ErrorInfo.exception`` of a step that mailcheck cut short: the server did not time out.
CUT_BY_DEADLINE = "DeadlineExceeded"
CUT_BY_SIGNAL = "Interrupted"
#: A codec error's message quotes the characters it failed on, the password's included.
_CODEC_ERROR = re.compile(r"^(\s*)(Unicode(?:En|De)codeError|UnicodeError)\b.*$", re.MULTILINE)
_STATUS_CODE = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
_CODEC_SENTENCE = "a text could not be converted (its characters are not shown)"


def _codec_safe(text: str) -> str:
    return _CODEC_ERROR.sub(lambda m: f"{m.group(1)}{m.group(2)}: {_CODEC_SENTENCE}", text)


class Recorder:
    """Steps and transcript lines of one probe run."""

    def __init__(self, probe: str, target: str) -> None:
        self.probe = probe
        self.target = target
        self.steps: list[Step] = []
        self.transcript: list[TranscriptLine] = []
        self._redactor: Redactor | None = None
        self._current: tuple[str, float] | None = None
        self._start = time.perf_counter()
        self.on_begin: Callable[[str], None] | None = None
        """Told the name of each step as it begins (the progress line)."""

    def add_secret(self, username: str, password: str) -> None:
        """Register a secret: it is kept out of everything recorded afterwards."""
        self._redactor = Redactor(username, password)

    def contains_secret(self, text: str) -> bool:
        """Whether ``text`` holds the registered password in any known form."""
        return self._redactor is not None and self._redactor.contains(text)

    def scrub(self, text: str) -> str:
        """``text`` with each line that holds the password withheld (for tracebacks)."""
        text = _codec_safe(text)
        if self._redactor is None:
            return text
        return self._redactor.withhold_lines(text)

    def withhold(self, text: str, notice: str = WITHHELD_TEXT) -> str:
        """``text``, or ``notice`` in its place when it holds the password."""
        return notice if self.contains_secret(text) else text

    def begin(self, name: str) -> float:
        """Mark step ``name`` as in flight; return its start time."""
        start = time.perf_counter()
        self._current = (name, start)
        if self.on_begin is not None:
            self.on_begin(name)
        return start

    def add(self, step: Step) -> Step:
        """Record a finished step (any text that held the password withheld)."""
        # Without a password (a bounce, a DNS lookup) only an error's codec message is
        # rewritten: a step without an error is kept as it is (no copy per step).
        if self._redactor is not None or step.error is not None:
            step = _safe_step(step, self)
        self.steps.append(step)
        self._current = None
        return step

    def client(self, line: str) -> None:
        """Record a line the client sent."""
        self.transcript.append(TranscriptLine(direction="C", text=self.withhold(line)))

    def server(self, reply: Reply) -> None:
        """Record a reply, one transcript line per reply line (``250-...``, ``250 ...``).

        The reply is judged whole (its lines joined): a password split across two
        lines is in neither line alone.
        """
        safe = self.safe_reply(reply)
        prefix = f"{safe.enhanced} " if safe.enhanced else ""
        if safe is not reply:  # withheld: one line, the notice after the codes
            line = f"{safe.code} {prefix}{WITHHELD_SERVER}"
            self.transcript.append(TranscriptLine(direction="S", text=line))
            return
        lines = reply.text.split("\n") if reply.text else [""]
        notice = f"{reply.code} {WITHHELD_SERVER}"
        for i, line in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            text = f"{reply.code}{sep}{prefix}{line}".rstrip()
            self.transcript.append(TranscriptLine(direction="S", text=self.withhold(text, notice)))

    def note(self, text: str) -> None:
        """Record what mailcheck did that is not a protocol line (TLS started, ...)."""
        self.transcript.append(TranscriptLine(direction="*", text=self.withhold(text)))

    def safe_reply(self, reply: Reply) -> Reply:
        """The reply, or (when it held the password) its codes and a notice."""
        # An SMTP status code (5.7.8) is a field of digits, kept so the diagnosis stands;
        # an IMAP response code is a word the server chose, searched like its text.
        enhanced = reply.enhanced or ""
        searched = "" if _STATUS_CODE.fullmatch(enhanced) else enhanced
        if not self.contains_secret(f"{searched}\n{reply.text}"):
            return reply
        keep = reply.enhanced if not self.contains_secret(searched) else None
        return replace(reply, text=WITHHELD_SERVER, enhanced=keep)

    def cut(self, exception: str = CUT_BY_SIGNAL, message: str = "the run was interrupted") -> None:
        """Record the step in flight, if any, as cut short by mailcheck (not by the server)."""
        if self._current is None:
            return
        name, start = self._current
        error = ErrorInfo(exception=exception, message=message)
        self.add(
            Step(name=name, outcome=Outcome.TIMEOUT, elapsed_ms=elapsed_ms(start), error=error)
        )

    def result(self, status: ProbeStatus = ProbeStatus.COMPLETED) -> ProbeResult:
        """Finish: a step still in flight (deadline or signal) is recorded as cut short."""
        if status is ProbeStatus.INTERRUPTED:
            self.cut(CUT_BY_SIGNAL, "a signal stopped this step")
        else:
            self.cut(CUT_BY_DEADLINE, "the overall deadline ended this step")
        return ProbeResult(
            probe=self.probe,
            status=status,
            target=self.target,
            steps=tuple(self.steps),
            transcript=tuple(self.transcript),
            elapsed_ms=elapsed_ms(self._start),
        )


def _safe_error(error: ErrorInfo, rec: Recorder) -> ErrorInfo:
    message = error.message
    if error.exception in ("UnicodeEncodeError", "UnicodeDecodeError", "UnicodeError"):
        message = _CODEC_SENTENCE
    return replace(
        error,
        message=rec.withhold(message),
        detail=rec.withhold(error.detail) if error.detail is not None else None,
    )


def _safe_step(step: Step, rec: Recorder) -> Step:
    """The step with each text that holds the password withheld."""
    reply = rec.safe_reply(step.reply) if step.reply is not None else None
    error = _safe_error(step.error, rec) if step.error is not None else None
    data = tuple((k, rec.withhold(v)) for k, v in step.data)
    return replace(step, reply=reply, error=error, data=data)
