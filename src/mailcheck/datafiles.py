"""Read the TOML data files shipped with mailcheck (the cause catalogue, providers).

tomllib is pure Python: parsing the catalogue costs about 30 ms, as much as
the whole SMTP dialogue with a nearby server. So the parsed data is kept as
JSON in the user's cache folder, keyed by the file's size and modification
time, and read back with the C JSON parser. A cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["DATA_DIR", "read_data"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def _cache_dir() -> Path | None:
    if os.environ.get("MAILCHECK_NO_CACHE"):
        return None
    from mailcheck.paths import cache_dir

    return cache_dir()


def read_data(name: str) -> dict[str, Any]:
    """Parse ``data/NAME`` (TOML; NAME may name a subfolder), through the cache when possible."""
    path = DATA_DIR / name
    stat = path.stat()
    cache = _cache_dir()
    # The cache is one flat folder: ``causes/01-faq.toml`` is kept as ``causes--01-faq.toml-...``.
    stem = name.replace("/", "--")
    key = f"{stem}-{stat.st_size}-{stat.st_mtime_ns}.json"
    if cache is not None:
        try:
            cached: dict[str, Any] = json.loads((cache / key).read_text("utf-8"))
            return cached
        except (OSError, ValueError):
            pass
    import tomllib

    data = tomllib.loads(path.read_text("utf-8"))
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            for old in cache.glob(f"{stem}-*.json"):
                old.unlink(missing_ok=True)
            tmp = cache / f".{key}.{os.getpid()}"
            tmp.write_text(json.dumps(data), "utf-8")
            tmp.replace(cache / key)  # atomic: a concurrent run never reads half a file
        except OSError:
            pass
    return data
