"""A tiny HTTPS server on 127.0.0.1 that serves MTA-STS policies, for tests.

The lab's DNS names ``mta-sts.<domain>`` 127.0.0.1 for its MTA-STS cases
(templates/knot/sts.test.zone); this server answers
``GET /.well-known/mta-sts.txt`` for each of them by its Host header, with a
certificate for all of those names from a CA of its own (``ca_file``: give
mailcheck a bundle of it and the lab's CA with ``--ca-file``). A host it has no
answer for gets 404, as a web server without the file would.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["PolicyAnswer", "PolicyServer", "policy_server"]


@dataclass(frozen=True)
class PolicyAnswer:
    """What one host answers."""

    body: str
    status: int = 200
    content_type: str = "text/plain"
    location: str | None = None


@dataclass(frozen=True)
class PolicyServer:
    port: int
    ca_file: str
    """The PEM of the CA that signed the server's certificate."""


@contextmanager
def policy_server(answers: Mapping[str, PolicyAnswer], folder: Path) -> Iterator[PolicyServer]:
    """Serve ``answers`` (host name -> answer) over HTTPS on a free port of 127.0.0.1."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert(*answers)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = folder / "policy-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            answer = answers.get(host)
            if answer is None or self.path != "/.well-known/mta-sts.txt":
                answer = PolicyAnswer("not found\n", status=404)
            data = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            if answer.location:
                self.send_header("Location", answer.location)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the tests' output is not the place for an access log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield PolicyServer(port=server.server_address[1], ca_file=str(ca_file))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
