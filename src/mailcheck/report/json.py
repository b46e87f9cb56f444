"""The JSON report (``--format json``). Its shape is a contract: see README, "JSON output".

Dicts are built explicitly, not with ``dataclasses.asdict``, so that a change
to an internal type cannot silently change the schema.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from mailcheck import __version__
from mailcheck.evidence import ProbeResult, Step

if TYPE_CHECKING:  # preflight writes JSON lines through dump_json without the rule engine
    from mailcheck.diagnosis import Diagnosis

__all__ = ["SCHEMA", "dump_json", "render_json", "report_dict"]

#: Bumped on any incompatible change of the report's shape.
SCHEMA = 1


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dump_json(data: Any, *, indent: int | None = 2) -> str:
    """JSON text for every machine-readable output: UTF-8, and always encodable.

    A server's non-UTF-8 byte survives decoding as a lone surrogate, which no
    UTF-8 stream can write; it becomes U+FFFD here (the raw bytes are not
    mailcheck's to invent), so a hostile reply cannot crash the report.
    """
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _LONE_SURROGATE.sub("\ufffd", text)


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


def render_json(diagnosis: Diagnosis, *, transcript: bool = False) -> str:
    """The report as a JSON document (one object, UTF-8, indented)."""
    return dump_json(report_dict(diagnosis, transcript=transcript))


def report_dict(diagnosis: Diagnosis, *, transcript: bool = False) -> dict[str, Any]:
    """The report as plain data (schema 1)."""
    from mailcheck.diagnosis import evidence_steps

    return {
        "schema": SCHEMA,
        "mailcheck": __version__,
        "command": diagnosis.command,
        "started_at": diagnosis.started_at.isoformat(timespec="seconds"),
        "elapsed_ms": diagnosis.elapsed_ms,
        "status": diagnosis.severity.value,
        "exit_code": diagnosis.exit_code,
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
