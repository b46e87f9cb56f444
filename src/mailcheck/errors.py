"""mailcheck's own exceptions: bad usage and bad configuration.

What a server does is never an exception here; it is evidence. These are for
input mailcheck cannot work with. The CLI turns them into a one-line message
and exit code 3 (UNKNOWN).
"""

from __future__ import annotations

__all__ = ["ConfigError", "MailcheckError", "SecretError", "did_you_mean"]


class MailcheckError(Exception):
    """Base class: something the user can fix, told in one line."""


class ConfigError(MailcheckError):
    """A bad option, profile, provider name, address or config file."""


class SecretError(MailcheckError):
    """No password source, or the source could not be read."""


def did_you_mean(word: str, choices: list[str]) -> str:
    """``" (did you mean X?)"`` for the closest choice, or ``""``: for error messages."""
    import difflib  # only needed when there is an error to explain

    hint = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {hint[0]}?)" if hint else ""
