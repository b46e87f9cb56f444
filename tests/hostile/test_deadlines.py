"""Every wait keeps the overall --deadline, the password command's time included."""

from __future__ import annotations

import ssl
import time

from tests.helpers import cause_ids, run_json
from tests.servers.scripted_smtp import Script, scripted_smtp


def test_the_password_commands_time_counts_against_the_deadline(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    # The server never greets; the password command takes 2 s of a 3 s deadline, so the
    # greeting gets about 1 s, not the whole --timeout of 10 s nor a fresh 3 s.
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("stall-greeting")) as server:
        start = time.monotonic()
        code, report = run_json(
            [
                "smtp",
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                str(server.port),
                "--smtp-tls",
                "starttls",
                "--ca-file",
                ca_file,
                "--username",
                "billing@example.test",
                "--password-command",
                "sh -c 'sleep 2; echo secret'",
                "--timeout",
                "10",
                "--deadline",
                "3",
            ]
        )
        took = time.monotonic() - start
    assert code == 3, cause_ids(report)
    # Cut by the deadline, the greeting says nothing about the server: UNKNOWN, not CRITICAL.
    assert "deadline-exceeded" in cause_ids(report)
    assert "smtp-greeting-timeout" not in cause_ids(report)
    assert took < 4.5
