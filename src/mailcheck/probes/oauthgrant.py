"""The refresh grant at sign-in: fetch the access token, or record why there is none.

A :class:`~mailcheck.secret.Secret` from a stored refresh grant (mailcheck.oauth.source)
gets its access token when the SMTP AUTH or IMAP login step needs it. The provider's
refusal (``invalid_grant``, ``invalid_scope``, AADSTS codes) becomes that step, REJECTED
and never sent, with ``oauth_error`` in its data: data/causes/14-oauth-grant.toml reads it
there. A token endpoint that cannot be asked is an ERROR step with the error's words:
nothing was learnt about the mailbox, so the run is UNKNOWN.
"""

from __future__ import annotations

from mailcheck.evidence import ErrorInfo, Outcome, Step
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import Secret

__all__ = ["fetch_token"]


async def fetch_token(
    secret: Secret, rec: Recorder, name: str, data: list[tuple[str, str]], start: float
) -> bool:
    """Make ``secret`` ready; False (with the step ``name`` recorded) when it cannot be."""
    if not secret.deferred:
        return True
    from mailcheck.oauth.errors import GrantError, OAuthError

    error: OAuthError
    try:
        await secret.ready()
    except GrantError as exc:
        rec.note(f"{name} not sent: {exc}")
        outcome = Outcome.REJECTED
        error = exc
        data = [*data, ("oauth_error", exc.reason)]
    except OAuthError as exc:
        rec.note(f"{name} not sent: no access token: {exc}")
        outcome = Outcome.ERROR
        error = exc
    else:
        rec.note(f"access token fetched with the {secret.source}")
        return True
    rec.add(
        Step(
            name=name,
            outcome=outcome,
            elapsed_ms=elapsed_ms(start),
            error=ErrorInfo(exception=type(error).__name__, message=str(error)),
            data=(*data, ("sent", "no")),
        )
    )
    return False
