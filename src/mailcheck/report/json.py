"""The JSON report (``--format json``). Its shape is a contract: see README, "JSON output".

Dicts are built explicitly, not with ``dataclasses.asdict``, so that a change
to an internal type cannot silently change the schema.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mailcheck import __version__
from mailcheck.evidence import ProbeResult, Step

if TYPE_CHECKING:  # preflight writes JSON lines through dump_json without the rule engine
    from mailcheck.diagnosis import Diagnosis

__all__ = ["SCHEMA", "dump_json", "render_json", "report_dict"]

#: Bumped on any incompatible change of the report's shape.
SCHEMA = 1


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dump_json(data: Any, *, indent: int | None = 2, newline: str = "\n") -> str:
    """JSON text for every machine-readable output: UTF-8, and always encodable.

    A server's non-UTF-8 byte survives decoding as a lone surrogate, which no
    UTF-8 stream can write; it becomes U+FFFD here (the raw bytes are not
    mailcheck's to invent), so a hostile reply cannot crash the report.
    ``newline`` is written for each line break (``"\n  "``: the text indented one more
    level, as an element of an array).
    """
    text = None
    if indent == 2:
        with contextlib.suppress(_Unusual):
            text = _indented(data, newline)
    if text is None:
        text = json.dumps(data, ensure_ascii=False, indent=indent)
        if newline != "\n":  # JSON strings hold no raw newline: each is the layout's
            text = text.replace("\n", newline)
    return _LONE_SURROGATE.sub("\ufffd", text)


# --- indented JSON, faster ----------------------------------------------------------------------
# json.dumps with an indent runs the pure-Python encoder (CPython's C encoder is compact only),
# and writing the reports was a third of `mailcheck bounce`'s own time on a large mbox. This
# writes the same text for the plain data a report is (dict, list, tuple, str, int, float,
# bool, None) in one recursive pass; anything else is left to json.dumps (_Unusual).

_encode_str = (
    getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
)


class _Unusual(Exception):
    """Data json.dumps must handle itself (another type, a non-string key, ...)."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str:
    """What json.dumps writes for a value that is not a container (same order of tests)."""
    if isinstance(value, str):
        return str(_encode_str(value))
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    raise _Unusual


def _indented(data: Any, newline: str = "\n") -> str:
    out: list[str] = []
    try:
        _write(data, out, newline, 0)
    except TypeError:  # the C string encoder refused a key that is not a string
        raise _Unusual from None
    return "".join(out)


def _write(value: Any, out: list[str], newline: str, depth: int) -> None:
    """Append ``value`` to ``out``; ``newline`` is a line break and the current indentation.

    One string per member where it can (a key with its string or scalar value): appending is
    most of the time here. A key that is not a string makes ``_encode_str`` raise TypeError,
    which :func:`_indented` leaves to json.dumps (it turns numbers and constants into keys).
    """
    if depth > 200:  # json.dumps reports a circular or too deep structure its own way
        raise _Unusual
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        comma = "," + inner
        for key, item in value.items():
            if isinstance(item, str):
                out.append(separator + _encode_str(key) + ": " + _encode_str(item))
            elif isinstance(item, (dict, list, tuple)):
                out.append(separator + _encode_str(key) + ": ")
                _write(item, out, inner, depth + 1)
            else:
                out.append(separator + _encode_str(key) + ": " + _scalar(item))
            separator = comma
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        comma = "," + inner
        for item in value:
            if isinstance(item, str):
                out.append(separator + _encode_str(item))
            elif isinstance(item, (dict, list, tuple)):
                out.append(separator)
                _write(item, out, inner, depth + 1)
            else:
                out.append(separator + _scalar(item))
            separator = comma
        out.append(newline + "]")
    else:
        out.append(_scalar(value))


def _step(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": step.name,
        "outcome": step.outcome.value,
        "elapsed_ms": step.elapsed_ms,
    }
    if step.reply is not None:
        out["reply"] = {
            "code": step.reply.code,
            "enhanced": step.reply.enhanced,
            "text": step.reply.text,
        }
        if step.reply.status is not None:
            out["reply"]["status"] = step.reply.status
    if step.error is not None:
        out["error"] = {
            "exception": step.error.exception,
            "message": step.error.message,
            "cause": step.error.cause,
            "detail": step.error.detail,
        }
    if step.data:
        out["data"] = dict(step.data)
    return out


def _probe(result: ProbeResult, transcript: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "probe": result.probe,
        "status": result.status.value,
        "target": result.target,
        "elapsed_ms": result.elapsed_ms,
        "steps": [_step(s) for s in result.steps],
    }
    if result.skip_reason:
        out["skip_reason"] = result.skip_reason
    if result.crash:
        out["crash"] = result.crash
    if transcript:
        out["transcript"] = [f"{line.direction}: {line.text}" for line in result.transcript]
    return out


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _bounces(probes: Sequence[ProbeResult]) -> list[dict[str, Any]]:
    """One record per bounced recipient: mailcheck's names, and Sisimai's beside them.

    A projection of the bounce probe's steps (docs/json.md, "bounces"); Sisimai's fields are
    strings with ``""`` for "not known", as Sisimai writes them.
    """
    from mailcheck.facts.bounce import BounceStep

    records: list[dict[str, Any]] = []
    for result in probes:
        if result.probe != "bounce":
            continue
        message: Step | None = None
        for step in result.steps:
            if step.name == BounceStep.BOUNCE:
                message = step
                continue
            if step.name != BounceStep.BOUNCED_RECIPIENT or message is None:
                continue
            records.append(_bounce_record(message, step))
    return records


def _bounce_record(message: Step, step: Step) -> dict[str, Any]:
    def text(source: Step, key: str) -> str:
        return source.get(key) or ""

    softbounce = _int(step.get("softbounce"))
    return {
        # mailcheck's own names
        "kind": text(message, "kind"),
        "style": text(message, "style"),
        "reporting_mta": message.get("reporting_mta"),
        "recipient": step.get("recipient"),
        "action": text(step, "action"),
        "status": step.get("status"),
        "reason": text(step, "reason"),
        "party": text(step, "party") or "unknown",
        "diagnostic": step.get("diagnostic"),
        "remote_mta": step.get("remote_mta"),
        "gave_up_after": step.get("gave_up_after"),
        # Sisimai's names for the same facts, and what only Sisimai's records have
        "sisimai_reason": text(step, "sisimai_reason") or "undefined",
        "deliverystatus": text(step, "status"),
        "diagnosticcode": text(step, "diagnostic"),
        "rhost": text(step, "remote_mta"),
        "lhost": text(message, "reporting_mta"),
        "smtpcommand": text(step, "smtp_command"),
        "replycode": text(step, "reply_code"),
        "softbounce": -1 if softbounce is None else softbounce,
        "hardbounce": softbounce == 0,  # Sisimai 5's name for softbounce 0
        "timestamp": _int(message.get("timestamp")),
        "addresser": text(message, "addresser"),
        "subject": text(message, "original_subject"),
        "messageid": text(message, "original_message_id").strip("<>"),
    }


def render_json(diagnosis: Diagnosis, *, transcript: bool = False) -> str:
    """The report as a JSON document (one object, UTF-8, indented)."""
    return dump_json(report_dict(diagnosis, transcript=transcript))


def report_dict(diagnosis: Diagnosis, *, transcript: bool = False) -> dict[str, Any]:
    """The report as plain data (schema 1)."""
    from mailcheck.diagnosis import evidence_steps

    severity = diagnosis.severity  # decided from the findings on each call: once here
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "mailcheck": __version__,
        "command": diagnosis.command,
        "started_at": diagnosis.started_at.isoformat(timespec="seconds"),
        "elapsed_ms": diagnosis.elapsed_ms,
        "status": severity.value,
        "exit_code": severity.exit_code,
        "target": diagnosis.target,
        "causes": [
            {
                "id": f.cause.id,
                "faq": f.cause.faq,
                "severity": f.cause.severity.value,
                "title": dict(f.cause.title),
                "fix": dict(f.cause.fix),
                "because": dict(f.because),
                "evidence": [_step(s) for s in evidence_steps(f, diagnosis.probes)],
            }
            for f in diagnosis.findings
        ],
        "timings": diagnosis.timings,
        "not_checked": list(diagnosis.not_checked),
        "probes": [_probe(p, transcript) for p in diagnosis.probes],
        "facts": diagnosis.facts,
    }
    bounces = _bounces(diagnosis.probes)
    if bounces:  # only a report that read a bounce naming recipients has this key
        out["bounces"] = bounces
    return out
