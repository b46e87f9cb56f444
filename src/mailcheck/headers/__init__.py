"""Read what the receiving side wrote into a delivered message's header block.

After mailcheck's test message arrives, the IMAP probe fetches its header block
(raw bytes). This package turns it into plain data: the receivers' authentication
verdicts (Authentication-Results, RFC 8601; ARC-Authentication-Results, RFC 8617
section 4.1), spam-filter verdicts (SpamAssassin, amavis, rspamd, Microsoft 365 /
Outlook.com, Barracuda, Gmail) and the Received trace (RFC 5321 section 4.4).

It records; it does not judge. Every parsed header keeps its raw value, and
:func:`read_headers` never raises: what it cannot read becomes ``None`` or is left out.

The modules, lowest first: ``tokens`` (the block, unfolding, words and comments),
``authres`` (Authentication-Results), ``spam`` (spam-filter verdicts), ``received``
(the Received trace, sending IP, transit time) and ``report`` (:func:`read_headers`,
which parses a block once and returns the :class:`HeaderReport` every caller shares).
"""

from __future__ import annotations

# The limits against hostile input are importable from here as they were from the single
# module (``name as name``: an explicit re-export), though not part of __all__.
from mailcheck.headers.authres import AuthResult, AuthResultsHeader
from mailcheck.headers.received import ReceivedHop
from mailcheck.headers.report import MAX_AUTH_RESULTS as MAX_AUTH_RESULTS
from mailcheck.headers.report import MAX_RECEIVED as MAX_RECEIVED
from mailcheck.headers.report import MAX_SPAM as MAX_SPAM
from mailcheck.headers.report import HeaderReport, read_headers
from mailcheck.headers.spam import SpamVerdict
from mailcheck.headers.tokens import MAX_BLOCK_BYTES as MAX_BLOCK_BYTES
from mailcheck.headers.tokens import MAX_VALUE_CHARS as MAX_VALUE_CHARS

__all__ = [
    "AuthResult",
    "AuthResultsHeader",
    "HeaderReport",
    "ReceivedHop",
    "SpamVerdict",
    "read_headers",
]
