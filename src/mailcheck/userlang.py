"""The user's language when ``--lang`` is not given: ``vi`` or ``en``.

As GNU gettext chooses a message catalogue: the locale is the first set of ``LC_ALL``,
``LC_MESSAGES``, ``LANG``; ``LANGUAGE`` (a priority list, ``vi:en``) is read only when
that locale is not ``C``/``POSIX`` (``LC_ALL=C`` means "plain output", whatever
``LANGUAGE`` says), and its first entry we have a catalogue for wins. On Windows, where
none of these is usually set, the display language of the user's Windows decides: the
accounting software's users read Vietnamese Windows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

__all__ = ["LANGS", "user_lang"]

#: The languages mailcheck speaks; the first is never a fallback, ``en`` is.
LANGS = ("vi", "en")
#: LANGID's primary language (its low 10 bits) for Vietnamese: vi-VN is LCID 0x042A.
_LANG_VIETNAMESE = 0x2A


def _ours(value: str) -> str | None:
    """``vi`` for ``vi``, ``vi_VN.UTF-8``, ``vi-VN``; ``en`` likewise; else None."""
    code = value.strip().lower()[:2]
    return code if code in LANGS and value.strip()[2:3] in ("", "_", "-", ".", "@") else None


def _windows_ui_lang() -> str | None:
    """The Windows display language, when it is one of ours (never raises)."""
    if sys.platform == "win32":
        import ctypes

        try:
            langid = int(ctypes.windll.kernel32.GetUserDefaultUILanguage())
        except (AttributeError, OSError, ValueError):
            return None
        return "vi" if langid & 0x3FF == _LANG_VIETNAMESE else "en"
    return None


def user_lang(
    environ: Mapping[str, str] | None = None,
    windows: Callable[[], str | None] = _windows_ui_lang,
) -> str:
    """``vi`` or ``en`` from the environment (``environ``: for the tests, else os.environ)."""
    env = os.environ if environ is None else environ
    locale = next((env[n] for n in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(n)), None)
    if locale is None:
        # No POSIX locale at all: on Windows, its display language; elsewhere the C locale.
        return windows() or "en"
    if locale.strip().upper() in ("C", "POSIX") or locale.upper().startswith(("C.", "POSIX.")):
        return "en"
    for entry in env.get("LANGUAGE", "").split(":"):
        found = _ours(entry)
        if found is not None:
            return found
    return _ours(locale) or "en"
