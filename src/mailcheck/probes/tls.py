"""TLS context and the reading of TLS failures, shared by SMTP and IMAP.

Certificates are always verified: against the system's CAs, or against the
file given with ``--ca-file`` (a lab or company CA). There is no switch that
turns verification off.
"""

from __future__ import annotations

import ssl

__all__ = ["TlsFailure", "classify_tls_error", "find_ssl_error", "make_context"]


class TlsFailure:
    """Names for what went wrong in a TLS handshake (the step's ``detail``)."""

    UNTRUSTED = "cert-untrusted"
    EXPIRED = "cert-expired"
    NOT_YET_VALID = "cert-not-yet-valid"
    HOSTNAME = "cert-hostname"
    NOT_TLS = "not-tls"
    HANDSHAKE = "handshake"


def make_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context; ``ca_file`` replaces the system CAs when given."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


# OpenSSL X509_V_ERR_* numbers (x509_vfy.h) that Python reports in verify_code.
_VERIFY_CODES = {
    10: TlsFailure.EXPIRED,  # CERT_HAS_EXPIRED
    9: TlsFailure.NOT_YET_VALID,  # CERT_NOT_YET_VALID
    62: TlsFailure.HOSTNAME,  # HOSTNAME_MISMATCH
    64: TlsFailure.HOSTNAME,  # IP_ADDRESS_MISMATCH
    18: TlsFailure.UNTRUSTED,  # DEPTH_ZERO_SELF_SIGNED_CERT
    19: TlsFailure.UNTRUSTED,  # SELF_SIGNED_CERT_IN_CHAIN
    20: TlsFailure.UNTRUSTED,  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: TlsFailure.UNTRUSTED,  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
    2: TlsFailure.UNTRUSTED,  # UNABLE_TO_GET_ISSUER_CERT
}


def find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    """Find an ``ssl.SSLError`` in ``exc`` or its chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def classify_tls_error(error: ssl.SSLError) -> tuple[str, str]:
    """Return ``(failure name, human text)`` for a handshake error."""
    if isinstance(error, ssl.SSLCertVerificationError):
        failure = _VERIFY_CODES.get(error.verify_code, TlsFailure.UNTRUSTED)
        return failure, error.verify_message or str(error)
    reason = getattr(error, "reason", None) or ""
    if reason in (
        "WRONG_VERSION_NUMBER",
        "HTTP_REQUEST",
        "UNKNOWN_PROTOCOL",
        "RECORD_LAYER_FAILURE",
    ):
        return TlsFailure.NOT_TLS, reason
    return TlsFailure.HANDSHAKE, reason or str(error)
