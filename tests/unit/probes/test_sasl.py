"""SASL strings for OAuth2 tokens: RFC 7628's examples and the XOAUTH2 format."""

from __future__ import annotations

import base64

from mailcheck.probes.sasl import (
    OAuthMechanism,
    choose_mechanism,
    decode_error,
    error_answer,
    initial_response,
    oauthbearer,
    xoauth2,
)

# RFC 7628 §4.1 (SMTP example): the token and the client's AUTH argument.
RFC_TOKEN = "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg=="
RFC_AUTH = (
    "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVy"
    "IHZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2c9PQEB"
)
# RFC 7628 §4.3 (failed authentication): the server's 334 challenge.
RFC_ERROR = (
    "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3Vy"
    "YXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0="
)


def test_oauthbearer_matches_rfc_7628_example() -> None:
    got = initial_response(
        OAuthMechanism.OAUTHBEARER, "user@example.com", RFC_TOKEN, "server.example.com", 587
    )
    assert got == RFC_AUTH
    raw = oauthbearer("user@example.com", RFC_TOKEN, "server.example.com", 587)
    assert raw == (
        b"n,a=user@example.com,\x01host=server.example.com\x01port=587\x01"
        b"auth=Bearer " + RFC_TOKEN.encode() + b"\x01\x01"
    )


def test_oauthbearer_escapes_the_gs2_name_and_may_omit_host_and_port() -> None:
    assert oauthbearer("a,b=c@x.test", "t") == b"n,a=a=2Cb=3Dc@x.test,\x01auth=Bearer t\x01\x01"


# Google's XOAUTH2 document, initial client response example (line breaks removed),
# https://developers.google.com/gmail/imap/xoauth2-protocol#initial_client_response
GOOGLE_XOAUTH2 = (
    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52"
    "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
)


def test_xoauth2_matches_googles_example() -> None:
    token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
    assert initial_response(OAuthMechanism.XOAUTH2, "someuser@example.com", token) == (
        GOOGLE_XOAUTH2
    )


def test_xoauth2_string() -> None:
    assert xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg") == (
        b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
        b"\x01\x01"
    )
    encoded = initial_response(OAuthMechanism.XOAUTH2, "u@x.test", "tok")
    assert base64.b64decode(encoded) == b"user=u@x.test\x01auth=Bearer tok\x01\x01"


def test_mechanism_preference_follows_the_server_offer() -> None:
    assert choose_mechanism("PLAIN LOGIN XOAUTH2 OAUTHBEARER") is OAuthMechanism.OAUTHBEARER
    assert choose_mechanism(["plain", "xoauth2"]) is OAuthMechanism.XOAUTH2
    assert choose_mechanism("PLAIN LOGIN") is None


def test_rfc_7628_error_challenge_decodes_to_step_data() -> None:
    error = decode_error(RFC_ERROR)
    assert error is not None
    assert error.data() == (
        ("oauth_status", "invalid_token"),
        ("oauth_error", "invalid_token"),
        ("oauth_scope", "example_scope"),
    )
    assert error_answer(OAuthMechanism.OAUTHBEARER) == "AQ=="
    assert base64.b64decode("AQ==") == b"\x01"


def test_xoauth2_http_status_error_and_garbage() -> None:
    # What Dovecot 2.3 sends for a refused XOAUTH2 token (seen on the lab).
    error = decode_error("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=")
    assert error is not None
    assert dict(error.data()) == {
        "oauth_status": "401",
        "oauth_error": "invalid_token",
        "oauth_scope": "mail",
    }
    assert error_answer(OAuthMechanism.XOAUTH2) == ""
    assert decode_error("") is None
    assert decode_error("not base64!") is None
    assert decode_error(base64.b64encode(b"[1, 2]").decode()) is None


def test_the_redactor_finds_the_token_in_every_sasl_form() -> None:
    from mailcheck.secret import Redactor

    user, token = "sender@lab.test", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    redactor = Redactor(user, token)
    for mechanism in OAuthMechanism:
        encoded = initial_response(mechanism, user, token, "mail.lab.test", 587)
        assert redactor.contains(encoded)
        assert redactor.contains(f"334 {encoded}")
        assert redactor.contains(base64.b64decode(encoded).decode())
    assert redactor.contains(f"C: AUTH XOAUTH2 {base64.b64encode(xoauth2(user, token)).decode()}")
    assert not redactor.contains(
        "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0="
    )
