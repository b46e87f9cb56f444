"""The OAuth2 grant's errors: what the provider said, verbatim, or why it said nothing."""

from __future__ import annotations

from mailcheck.errors import MailcheckError

__all__ = ["GrantError", "OAuthError"]


class OAuthError(MailcheckError):
    """The token endpoint could not be asked: unreachable, too slow, or not OAuth2 JSON."""


class GrantError(OAuthError):
    """The provider refused the grant and said why (RFC 6749 §5.2).

    ``error`` is the provider's code verbatim (``invalid_grant``, ``invalid_scope``,
    ``unauthorized_client``, ``consent_required``, ...); ``codes`` are Microsoft's
    ``error_codes`` as ``AADSTS50173`` and kin; ``description`` the provider's own words.
    """

    def __init__(
        self,
        *,
        provider: str,
        error: str,
        description: str = "",
        codes: tuple[str, ...] = (),
        status: int | None = None,
    ) -> None:
        self.provider = provider
        self.error = error
        self.description = description
        self.codes = codes
        self.status = status
        said = f"{error} ({description})" if description else error
        super().__init__(f"the {provider} token endpoint refused the sign-in: {said}")

    @property
    def reason(self) -> str:
        """The error and Microsoft's codes in one string, e.g. ``invalid_grant AADSTS50173``."""
        return " ".join((self.error, *self.codes))
