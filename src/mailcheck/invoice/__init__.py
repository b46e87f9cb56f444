"""The test invoice: a message shaped like what Vietnamese accounting software sends.

mailcheck mails it to the sender's own mailbox and then finds it by IMAP and
deletes exactly it, so it carries a unique token in three places a search can
use: the ``X-Mailcheck-Token`` header, the ``Message-ID`` local part, and
(only when the subject template asks for it) the subject.

The shape follows real e-invoice mail: multipart/mixed holding a Vietnamese
text/html alternative, the invoice as PDF (the human-readable copy) and as XML
(the legal copy, after the General Department of Taxation's format). Nothing in
it looks like bulk mail: no List-Unsubscribe, no links, no remote images.

Every part is quoted-printable or base64, so the bytes are the same whether or
not the server offers 8BITMIME (aiosmtplib then generates with ``cte_type``
``8bit`` or ``7bit``) and ``size`` is what goes over the wire.

- :mod:`~mailcheck.invoice.message`: the message, its headers and token (:func:`build_invoice`);
- :mod:`~mailcheck.invoice.documents`: the bodies, the XML and the PDF it carries.
"""

from mailcheck.invoice.message import (
    DEFAULT_SUBJECT,
    MAX_ATTACHMENT_SIZE,
    TEST_SUBJECT_PREFIX,
    TOKEN_HEADER,
    TestInvoice,
    build_invoice,
    check_header_value,
    new_token,
)

__all__ = [
    "DEFAULT_SUBJECT",
    "MAX_ATTACHMENT_SIZE",
    "TEST_SUBJECT_PREFIX",
    "TOKEN_HEADER",
    "TestInvoice",
    "build_invoice",
    "check_header_value",
    "new_token",
]
