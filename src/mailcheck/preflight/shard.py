"""Sharding a preflight: each of N jobs checks the addresses of its share of the domains.

A million-address list runs as N jobs (a Kubernetes Indexed Job, GNU parallel);
each reads the whole list, keeps the addresses whose recipient domain falls in
its share, and writes their rows with the row number the one-run report would
give them. :mod:`mailcheck.preflight.merge` puts the shards back together.

The share is decided by a stable hash of the normalised domain (BLAKE2b, not
Python's ``hash()``, which differs between processes), so every address of a
domain lands in the same shard and each domain is looked up in one job only.
Shards are numbered from 0, as Kubernetes' ``JOB_COMPLETION_INDEX``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO

from mailcheck.errors import ConfigError

__all__ = ["Shard", "fingerprint", "parse_shard", "shard_key", "shard_of"]

#: How a shard names itself in its output's first header cell (and how merge reads it).
_LABEL = "row (shard {index}/{count}, list {digest})"
_LABEL_RE = re.compile(r"row \(shard (\d+)/(\d+), list (sha256:[0-9a-f]{16})\)\Z")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (0-based) of ``count``, of the list with this ``digest``."""

    index: int
    count: int
    digest: str = ""
    """:func:`fingerprint` of the list: merge refuses shards of different lists."""

    def takes(self, key: str) -> bool:
        """Whether the address with this :func:`shard_key` is this shard's to check."""
        return shard_of(key, self.count) == self.index

    @property
    def label(self) -> str:
        """The first header cell of a shard's output: it names the shard and the list."""
        return _LABEL.format(index=self.index, count=self.count, digest=self.digest)

    @classmethod
    def from_label(cls, text: str) -> Shard | None:
        """The shard a header cell names, or None when it names none."""
        found = _LABEL_RE.match(text)
        if found is None:
            return None
        return cls(int(found.group(1)), int(found.group(2)), found.group(3))


def shard_of(key: str, count: int) -> int:
    """Which of ``count`` shards (0-based) ``key`` belongs to: the same in every process."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def shard_key(address: str) -> str:
    """What decides an address's shard, cheaply: its domain as it will be looked up.

    An ASCII domain is looked up lower-cased (email-validator's normalisation), so
    its lower-case form decides without validating the address: a shard does not
    pay for the syntax checks of the other shards' addresses. Anything else (an
    internationalised domain, no ``@``) returns ``""``: the caller validates the
    address and uses its ASCII domain (or, when invalid, the address itself).
    """
    _, at, domain = address.rpartition("@")
    if at and domain.isascii():
        return domain.lower()
    return ""


def parse_shard(text: str) -> Shard:
    """``I/N`` (I from 0 to N-1, as Kubernetes' ``JOB_COMPLETION_INDEX``) or ConfigError."""
    index, slash, count = text.strip().partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        raise ConfigError(
            f"--shard {text!r}: expected I/N, e.g. 0/4 for the first of four shards "
            "(I counts from 0, as Kubernetes' JOB_COMPLETION_INDEX)"
        )
    i, n = int(index), int(count)
    if n < 1 or n > 10_000:
        raise ConfigError(f"--shard {text}: N must be from 1 to 10000")
    if i >= n:
        raise ConfigError(
            f"--shard {text}: I counts from 0, so it must be 0 to {n - 1} "
            f"(as Kubernetes' JOB_COMPLETION_INDEX; with GNU parallel: ::: 0 ... {n - 1})"
        )
    return Shard(i, n)


def fingerprint(binary: BinaryIO) -> str:
    """``sha256:`` and 16 hex digits of the list's bytes; the file is rewound after."""
    digest = hashlib.sha256()
    while chunk := binary.read(1 << 20):
        digest.update(chunk)
    binary.seek(0)
    return "sha256:" + digest.hexdigest()[:16]
