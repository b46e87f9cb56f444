"""``mailcheck serve``: a Prometheus exporter that runs a profile's check when scraped.

It follows blackbox_exporter's multi-target pattern: Prometheus scrapes
``/probe?profile=NAME``, the exporter runs that profile of the config file once
and answers the run's metrics (the names of ``check --format prometheus``).
``/metrics`` is the exporter's own health. Nothing here imports click.

- :mod:`~mailcheck.serve.probe`: one probe: the profile's lock, the deadline from
  the scrape's time-out, the run, and the answer's text;
- :mod:`~mailcheck.serve.webconfig`: the exporter-toolkit web-config file (TLS,
  basic auth with bcrypt hashes);
- :mod:`~mailcheck.serve.app`: the aiohttp application, its own metrics, and the
  server's life from start to graceful shutdown.
"""
