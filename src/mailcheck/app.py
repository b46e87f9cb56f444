"""Moved: the scenarios are in :mod:`mailcheck.scenarios`.

Only what modules not yet updated import remains here (check/plan.py).
"""

from __future__ import annotations

from mailcheck.diagnosis import Diagnosis

# shim: remove after issue 12 integration
from mailcheck.scenarios.common import recipient_domain_probe as recipient_domain_probe
from mailcheck.scenarios.common import sender_domain_probe as sender_domain_probe
from mailcheck.scenarios.roundtrip import RoundtripSteps
from mailcheck.scenarios.roundtrip import roundtrip_diagnosis as _roundtrip
from mailcheck.scenarios.smtp import smtp_diagnosis as smtp_diagnosis
from mailcheck.secret import Secret
from mailcheck.settings import Settings

__all__ = [
    "recipient_domain_probe",
    "roundtrip_diagnosis",
    "sender_domain_probe",
    "smtp_diagnosis",
]


async def roundtrip_diagnosis(
    command: str, settings: Settings, secret: Secret, *, sender_dns: bool = False
) -> Diagnosis:
    """shim: the old signature, as check/plan.py calls it; remove after issue 12 integration.

    New code passes a :class:`~mailcheck.scenarios.roundtrip.RoundtripSteps`.
    """
    return await _roundtrip(command, settings, secret, RoundtripSteps(sender_dns=sender_dns))
