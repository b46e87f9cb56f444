"""Shim: moved to :mod:`mailcheck.check.result`; remove after issue 12 integration."""

from mailcheck.check.result import *  # noqa: F403  # shim: remove after issue 12 integration
from mailcheck.check.result import __all__ as __all__
