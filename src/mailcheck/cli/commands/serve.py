"""``mailcheck serve``: the Prometheus exporter (``/probe?profile=NAME``, ``/metrics``)."""

from __future__ import annotations

from typing import Any

import click

from mailcheck.cli import say
from mailcheck.cli.options import dns_server_option


@click.command("serve")
@click.option(
    "--config",
    envvar="MAILCHECK_CONFIG",
    metavar="PATH",
    help="Config file whose profiles may be probed [default: ~/.config/mailcheck/config.toml].",
)
@click.option(
    "--listen",
    envvar="MAILCHECK_LISTEN",
    default="127.0.0.1:9786",
    show_default=True,
    metavar="HOST:PORT",
    help="Address to listen on; 0.0.0.0:9786 for every interface (a container).",
)
@click.option(
    "--web-config",
    envvar="MAILCHECK_WEB_CONFIG",
    metavar="FILE",
    help="TLS and basic auth, in the Prometheus exporter-toolkit web-config format.",
)
@click.option(
    "--max-concurrent",
    default=64,
    show_default=True,
    type=click.IntRange(1, 10000),
    metavar="N",
    help="Probes that may run at once; more wait for a slot within their deadline.",
)
@click.option(
    "--deadline",
    "default_deadline",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    metavar="SECONDS",
    help="A probe's deadline when the scrape sends no X-Prometheus-Scrape-Timeout-Seconds.",
)
@click.option(
    "--max-deadline",
    default=300.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    metavar="SECONDS",
    help="The longest deadline a scrape may ask for.",
)
@dns_server_option("Resolve names with this DNS server [the profile's, else the system's].")
def command(
    config: str | None,
    listen: str,
    web_config: str | None,
    max_concurrent: int,
    default_deadline: float,
    max_deadline: float,
    dns_server: str | None,
    **_: Any,
) -> int:
    """Serve Prometheus metrics: each scrape of /probe?profile=NAME checks that profile.

    Like blackbox_exporter: Prometheus scrapes /probe with one parameter, the
    name of a profile of the config file, and gets that run's metrics (the names
    of check --format prometheus). Servers, users and passwords come from the
    config file only. The deadline is the scrape's time-out less 0.5 s. A profile
    already being checked (by a probe or by mailcheck check) answers at once
    with mailcheck_success 0 and reason busy. /metrics is the exporter's own.
    SIGTERM stops it: running probes clean up their test messages, exit 0.
    """
    from mailcheck import interrupt
    from mailcheck.history import default_lock_dir
    from mailcheck.profiles import profile_names, read_config
    from mailcheck.serve.app import ServeOptions, parse_listen, serve
    from mailcheck.serve.webconfig import load_web_config

    host, port = parse_listen(listen)
    # The file is named once, so the exporter can notice when it changes.
    path = str(read_config(config)[0])
    profile_names(path)  # a missing or broken config stops here, not at the first scrape
    options = ServeOptions(
        config=path,
        host=host,
        port=port,
        lock_dir=default_lock_dir(),
        max_concurrent=max_concurrent,
        default_deadline=default_deadline,
        max_deadline=max(max_deadline, default_deadline),
        dns_server=dns_server,
        web_config=load_web_config(web_config) if web_config else None,
        log=lambda line: say("warning", line),
    )
    interrupt.run(serve(options, lambda line: say("info", line)))
    return 0
