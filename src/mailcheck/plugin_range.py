"""Shim: moved to :mod:`mailcheck.check.ranges`; remove after issue 12 integration."""

from mailcheck.check.ranges import *  # noqa: F403  # shim: remove after issue 12 integration
from mailcheck.check.ranges import __all__ as __all__
