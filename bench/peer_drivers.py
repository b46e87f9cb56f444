"""Peer tools for `bench/run.py`, run in their own virtualenv (bench/.peers).

    bench/.peers/bin/python bench/peer_drivers.py checkdmarc HOST PORT DOMAINS_FILE
    bench/.peers/bin/python bench/peer_drivers.py email-validator HOST PORT ADDRESSES_FILE

Both are pointed at the lab's DNS server on 127.0.0.1 and print how many items
they checked. They live apart from mailcheck's own environment: checkdmarc
pulls in some 26 packages mailcheck does not need.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any


def _lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def _checkdmarc(host: str, port: int, path: str) -> int:
    import checkdmarc  # type: ignore[import-not-found, unused-ignore]
    import dns.nameserver

    domains = _lines(path)
    server = dns.nameserver.Do53Nameserver(host, port)
    # No TLS probing of MX hosts (it would connect to port 25); DNS checks only.
    results: Any = checkdmarc.check_domains(
        domains, nameservers=[server], skip_tls=True, timeout=1.0
    )
    return len(results) if isinstance(results, list) else 1


def _email_validator(host: str, port: int, path: str) -> int:
    import dns.resolver
    import email_validator  # type: ignore[import-not-found, unused-ignore]

    # The lab's domains are under .test, which email-validator refuses as special-use.
    if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = port
    resolver.cache = dns.resolver.Cache()
    addresses = _lines(path)
    for address in addresses:
        with contextlib.suppress(email_validator.EmailNotValidError):
            email_validator.validate_email(
                address, check_deliverability=True, dns_resolver=resolver
            )
    return len(addresses)


def main() -> int:
    tool, host, port, path = sys.argv[1:5]
    run = {"checkdmarc": _checkdmarc, "email-validator": _email_validator}[tool]
    print(run(host, int(port), path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
