"""The round trip's time, split into what the user can act on."""

from __future__ import annotations

from collections.abc import Iterable

from mailcheck.evidence import ProbeId, ProbeResult
from mailcheck.facts.imap import ImapStep
from mailcheck.facts.smtp import SEND_STEPS, SmtpStep

__all__ = ["roundtrip_timings"]


def _transit_seconds(header: str) -> float | None:
    from mailcheck.headers import read_headers

    return read_headers(header.encode("utf-8", "surrogateescape")).transit_seconds


def roundtrip_timings(results: Iterable[ProbeResult]) -> dict[str, float]:
    """The round trip's time, split: submit, delivery (Received headers), seen after submit.

    ``submit_ms``: MAIL FROM to the 250 after DATA. ``delivery_s``: oldest to newest
    Received header (whole seconds: that is their resolution). ``seen_after_submit_ms``:
    from the 250 to the moment mailcheck saw the message. ``detection_ms``: that,
    less the delivery time, when the headers give one.
    """
    timings: dict[str, float] = {}
    for result in results:
        if result.kind is ProbeId.SMTP:
            sent = [s.elapsed_ms for s in result.steps if s.name in SEND_STEPS]
            if sent and result.step(SmtpStep.DATA) is not None:
                timings["submit_ms"] = round(sum(sent), 1)
        elif result.kind is ProbeId.IMAP:
            placement = result.step(ImapStep.PLACEMENT)
            seen = placement.get("after_submit_ms") if placement is not None else None
            if seen:
                timings["seen_after_submit_ms"] = float(seen)
            headers = result.step(ImapStep.HEADERS)
            header = headers.get("header") if headers is not None else None
            transit = _transit_seconds(header) if header else None
            if transit is not None:
                timings["delivery_s"] = transit
    if "seen_after_submit_ms" in timings and "delivery_s" in timings:
        detection = timings["seen_after_submit_ms"] - timings["delivery_s"] * 1000
        timings["detection_ms"] = round(max(detection, 0.0), 1)
    return timings
