"""Each refusal a token endpoint documents, recorded as a sign-in step's oauth_error, names its
cause (data/causes/14-oauth-grant.toml): what the integrator's wiring will produce."""

from __future__ import annotations

from typing import Any

import pytest

from mailcheck.oauth.http import grant_error
from mailcheck.rules import catalogue, evaluate
from tests.servers import fake_oauth as fo


def _ms(error: str, code: int) -> dict[str, Any]:
    return {"error": error, "error_description": f"AADSTS{code}: ...", "error_codes": [code]}


CASES = [
    (fo.GOOGLE_INVALID_GRANT, "oauth-grant-revoked"),
    (fo.MS_PASSWORD_CHANGED, "oauth-grant-revoked"),
    (_ms("invalid_grant", 700082), "oauth-grant-revoked"),
    (fo.MS_INVALID_SCOPE, "oauth-scope-missing"),
    ({"error": "invalid_scope"}, "oauth-scope-missing"),
    ({"error": "consent_required"}, "oauth-scope-missing"),
    (_ms("invalid_grant", 65001), "oauth-scope-missing"),
    ({"error": "unauthorized_client"}, "oauth-app-not-allowed"),
    (_ms("invalid_grant", 50105), "oauth-app-not-allowed"),
    (_ms("invalid_grant", 53003), "oauth-app-not-allowed"),
    (_ms("unauthorized_client", 700016), "oauth-app-not-allowed"),
]


@pytest.mark.parametrize(("answer", "cause"), CASES)
@pytest.mark.parametrize("fact", ["smtp.auth.oauth_error", "imap.login.oauth_error"])
def test_each_refusal_names_one_cause(answer: dict[str, Any], cause: str, fact: str) -> None:
    reason = grant_error("office365", answer).reason
    cat = catalogue()
    facts: dict[str, Any] = {fact: reason}
    if fact.startswith("smtp"):
        facts["smtp.auth.credential"] = "oauth2-token"
    assert [f.cause.id for f in evaluate(list(cat.rules), cat.causes, facts)] == [cause]


def test_the_revoked_grant_is_the_password_changed_cause_in_oauth_form() -> None:
    cause = catalogue().causes["oauth-grant-revoked"]
    assert "password" in cause.title["en"]
    assert "mailcheck login" in cause.fix["en"]
    assert "mailcheck login" in cause.fix["vi"]
