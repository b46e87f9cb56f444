"""``mailcheck dns ADDRESS|DOMAIN ...``: can the domain receive mail, and does it authenticate?"""

from __future__ import annotations

import sys
from typing import Any

import click

from mailcheck.cli.options import (
    color_option,
    detail_options,
    dns_server_option,
    format_option,
    lang_option,
)


@click.command("dns")
@click.argument("targets", nargs=-1, required=True, metavar="ADDRESS|DOMAIN...")
@dns_server_option("DNS server [system resolver].")
@click.option(
    "--ip",
    "sending_ip",
    metavar="IP",
    help="The sending IP: evaluate SPF for it and check blocklists.",
)
@click.option("--dkim-selector", metavar="SELECTOR", help="Check this DKIM selector's key record.")
@click.option(
    "--dnsbl",
    "dnsbls",
    multiple=True,
    metavar="ZONE",
    help="Blocklists to check --ip against: default, all, or a zone (repeatable).",
)
@click.option(
    "--mx-tls",
    is_flag=True,
    default=False,
    help="Also connect to the recipient's mail server (port 25): STARTTLS and its certificate.",
)
@click.option(
    "--ca-file",
    envvar="MAILCHECK_CA_FILE",
    metavar="PATH",
    type=click.Path(exists=True, dir_okay=False),
    help="Trust this CA file instead of the system's (a private or lab CA).",
)
@click.option(
    "--mx-port", hidden=True, help="Port of the recipient's MX for --mx-tls [25] (the lab)."
)
@click.option("--https-port", hidden=True, help="Port MTA-STS policies are fetched from [443].")
@click.option(
    "--timeout",
    envvar="MAILCHECK_TIMEOUT",
    default="5",
    show_default=True,
    metavar="SECONDS",
    help="Per lookup.",
)
@format_option("diagnoses")
@lang_option
@color_option()
@detail_options
def command(
    targets: tuple[str, ...], fmt: str, lang: str | None, color: bool | None, **options: Any
) -> int:
    """Check domains (or the domains of addresses) in the DNS.

    Recipient side: does the domain exist, has it MX (or a null MX, or only an
    address), do the MX hosts resolve, is it a likely typo of a common mail
    domain. Sender side: SPF (evaluated for --ip), DKIM key (--dkim-selector),
    DMARC policy, blocklists (--ip). TLS for incoming mail: the domain's
    MTA-STS policy and TLS-RPT record, and with --mx-tls its mail server's
    STARTTLS and certificate. A DNS server that does not answer, or a port 25
    that cannot be reached, is "could not check" (exit 3), never a fault of
    the domain.
    """
    from mailcheck import interrupt
    from mailcheck.cli.commands.output import emit_all
    from mailcheck.config import default_lang
    from mailcheck.scenarios.dns import DnsOptions, dns_diagnoses
    from mailcheck.values import parse_dns_server, parse_port, parse_seconds

    server = parse_dns_server(options["dns_server"]) if options.get("dns_server") else None
    seconds = parse_seconds(options.get("timeout") or 5, "--timeout")
    given = DnsOptions(
        sending_ip=options.get("sending_ip"),
        dkim_selector=options.get("dkim_selector"),
        dnsbls=tuple(options.get("dnsbls") or ()),
        mx_tls=bool(options.get("mx_tls")),
        mx_port=parse_port(options.get("mx_port") or 25, "--mx-port"),
        https_port=parse_port(options.get("https_port") or 443, "--https-port"),
        ca_file=options.get("ca_file"),
        timeout=seconds,
    )
    diagnoses = interrupt.run(dns_diagnoses(targets, server, seconds, given))
    code = emit_all(diagnoses, fmt=fmt, lang=lang or default_lang(), color=color)
    sys.stdout.flush()
    return code
