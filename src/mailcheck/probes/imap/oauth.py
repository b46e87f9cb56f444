"""IMAP AUTHENTICATE with an OAuth2 access token: OAUTHBEARER or XOAUTH2, one attempt.

The mechanism is chosen from the server's ``AUTH=`` capabilities (probes/sasl.py);
with ``SASL-IR`` (RFC 4959) the initial response goes on the command line, else
after the server's empty ``+``. A refused token first gets a ``+`` challenge
holding a base64 JSON error (RFC 7628 §3.2.2): it is kept for the step's data and
answered as the mechanism wants (RFC 7628 §3.2.3: ``AQ==``; XOAUTH2: an empty
line), so that the server ends the command with its tagged NO.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import aioimaplib

from mailcheck.evidence import Outcome, Step
from mailcheck.probes.failure import failure_step
from mailcheck.probes.imap.wire import imap_reply
from mailcheck.probes.net import elapsed_ms
from mailcheck.probes.recorder import REDACTED
from mailcheck.probes.sasl import (
    OAuthMechanism,
    choose_mechanism,
    decode_error,
    error_answer,
    initial_response,
)
from mailcheck.secret import Secret

if TYPE_CHECKING:
    from mailcheck.probes.imap.session import ImapSession

__all__ = ["CREDENTIAL_TOKEN", "authenticate", "login_with_token", "offered_mechanisms"]

#: The login step's ``credential`` when an access token signed in (not a password).
CREDENTIAL_TOKEN = "oauth2-token"  # noqa: S105 - a label, not a token


def offered_mechanisms(capabilities: set[str]) -> str:
    """The SASL mechanisms in the capability list, e.g. ``PLAIN OAUTHBEARER XOAUTH2``."""
    return " ".join(sorted(c[5:] for c in capabilities if c.startswith("AUTH=")))


class _Authenticate(aioimaplib.Command):  # type: ignore[misc]
    """AUTHENTICATE that answers the server's ``+`` lines itself (aioimaplib does not)."""

    def __init__(
        self, protocol: Any, mechanism: OAuthMechanism, initial: str, sasl_ir: bool
    ) -> None:
        args = (mechanism.value, initial) if sasl_ir else (mechanism.value,)
        super().__init__("AUTHENTICATE", protocol.new_tag(), *args, loop=protocol.loop)
        self._transport = protocol.transport
        self._to_send = [] if sasl_ir else [initial]
        self._answer = error_answer(mechanism)
        self.challenge: str | None = None
        """The server's error challenge (base64), when it sent one."""

    def append_to_resp(self, line: bytes, result: str = "Pending") -> None:
        """aioimaplib hands this command each line; a ``+`` line is the server's turn."""
        if not bytes(line).startswith(b"+"):
            super().append_to_resp(line, result)
            return
        self._reset_timer()
        if self._to_send:
            self._transport.write(self._to_send.pop(0).encode("ascii") + b"\r\n")
        elif self.challenge is None:
            self.challenge = bytes(line).decode("ascii", "replace").removeprefix("+").strip()
            self._transport.write(self._answer.encode("ascii") + b"\r\n")
        else:
            self._transport.write(b"*\r\n")  # a third round: cancel (RFC 3501 §6.2.2)


async def authenticate(
    client: aioimaplib.IMAP4, mechanism: OAuthMechanism, initial: str, sasl_ir: bool
) -> tuple[Any, str | None]:
    """Run AUTHENTICATE; the tagged response and the error challenge (or ``None``)."""
    protocol = client.protocol
    command = _Authenticate(protocol, mechanism, initial, sasl_ir)
    async with protocol.state_condition:
        # The line holds the initial response: aioimaplib logs it with that part starred.
        response = await protocol.execute(command, scrub=initial)
        if response.result == "OK":
            protocol.state = aioimaplib.AUTH
        protocol.state_condition.notify_all()
    await asyncio.sleep(0)
    return response, command.challenge


async def login_with_token(session: ImapSession, secret: Secret, start: float) -> bool:
    """AUTHENTICATE with the access token as the session's login step."""
    client, rec, prefix, settings = session.client, session.rec, session.prefix, session.settings
    name = f"{prefix}login"
    offered = offered_mechanisms(session.capabilities)
    mechanism = choose_mechanism(offered)
    data: list[tuple[str, str]] = [("credential", CREDENTIAL_TOKEN)]
    if mechanism is None:
        rec.note(f"{prefix}AUTHENTICATE not tried: no OAUTHBEARER or XOAUTH2 in the capabilities")
        rec.add(
            Step(
                name=name,
                outcome=Outcome.NOT_OFFERED,
                elapsed_ms=0.0,
                data=(("offered", offered), *data),
            )
        )
        return False
    if secret.deferred:  # a stored refresh grant: its access token is fetched now
        from mailcheck.probes.oauthgrant import fetch_token

        if not await fetch_token(secret, rec, name, data, start):
            return False
    token = secret.reveal()
    rec.add_secret(settings.username, token)
    rec.note(f"{prefix}signing in with an OAuth2 access token ({secret.source}), not a password")
    rec.note(f"{prefix}AUTHENTICATE {mechanism.value} {REDACTED}")
    initial = initial_response(mechanism, settings.username, token, settings.host, settings.port)
    data.insert(0, ("mechanism", mechanism.value))
    sasl_ir = "SASL-IR" in session.capabilities
    try:
        response, challenge = await asyncio.wait_for(
            authenticate(client, mechanism, initial, sasl_ir), settings.timeout
        )
    except Exception as exc:  # noqa: BLE001 - the I/O edge: every library error is an outcome
        rec.add(failure_step(name, exc, start))
        return False
    error = decode_error(challenge) if challenge else None
    if error is not None:
        data.extend(error.data())
    if response.result != "OK":
        lines = getattr(response, "lines", None) or [b""]
        last = lines[-1] if isinstance(lines[-1], bytes | bytearray) else b""
        reply = imap_reply(str(response.result), bytes(last))
        rec.add(
            Step(
                name=name,
                outcome=Outcome.REJECTED,
                elapsed_ms=elapsed_ms(start),
                reply=reply,
                data=tuple(data),
            )
        )
        return False
    session.login_data = tuple(data)
    return True
