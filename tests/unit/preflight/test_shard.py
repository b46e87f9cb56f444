"""Which shard an address belongs to: stable across processes, balanced, one domain one shard."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from mailcheck.errors import ConfigError
from mailcheck.preflight.shard import Shard, parse_shard, shard_key, shard_of


def test_a_domain_lands_in_the_same_shard_in_another_process() -> None:
    # Python's hash() of a str changes with PYTHONHASHSEED: a shard choice built on it
    # would differ between the Kubernetes pods and look a domain up twice.
    keys = [f"cong-ty-{i}.example.vn" for i in range(200)]
    here = [shard_of(k, 7) for k in keys]
    code = (
        "import sys; from mailcheck.preflight.shard import shard_of; "
        "print(' '.join(str(shard_of(k, 7)) for k in sys.argv[1:]))"
    )
    for seed in ("1", "2"):
        other = subprocess.run(
            [sys.executable, "-c", code, *keys],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        assert [int(x) for x in other.stdout.split()] == here


@pytest.mark.parametrize("count", [2, 4, 7])
def test_shards_share_the_domains_evenly(count: int) -> None:
    sizes = Counter(shard_of(f"khach-hang-{i}.test", count) for i in range(20_000))
    assert set(sizes) == set(range(count))
    even = 20_000 / count
    assert all(abs(n - even) < 0.05 * even for n in sizes.values()), sizes


def test_every_key_is_in_exactly_one_shard() -> None:
    shards = [Shard(i, 4) for i in range(4)]
    for i in range(1000):
        assert sum(s.takes(f"d{i}.test") for s in shards) == 1


def test_the_key_is_the_domain_as_it_will_be_looked_up() -> None:
    # Upper or lower case, the same domain: the same shard, so it is looked up once.
    assert shard_key("Ke.Toan@Cong-Ty.VN") == shard_key("ketoan@cong-ty.vn") == "cong-ty.vn"
    # An internationalised domain needs the address checked first: no cheap key.
    assert shard_key("ketoan@bücher.example") == ""
    assert shard_key("no at sign") == ""


@pytest.mark.parametrize(
    ("text", "index", "count"), [("0/4", 0, 4), ("3/4", 3, 4), (" 2/3 ", 2, 3), ("0/1", 0, 1)]
)
def test_shard_i_of_n_counts_from_zero(text: str, index: int, count: int) -> None:
    assert parse_shard(text) == Shard(index, count)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("4/4", "I counts from 0"),
        ("1", "expected I/N"),
        ("a/4", "expected I/N"),
        ("-1/4", "expected I/N"),
        ("0/0", "N must be"),
        ("1/", "expected I/N"),
    ],
)
def test_a_shard_that_is_none_is_refused_with_words(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_shard(text)


def test_the_header_label_names_the_shard_and_reads_back() -> None:
    shard = Shard(2, 5, "sha256:0123456789abcdef")
    assert shard.label == "row (shard 2/5, list sha256:0123456789abcdef)"
    assert Shard.from_label(shard.label) == shard
    assert Shard.from_label("address") is None
    assert Shard.from_label("row (shard 2/5, list sha256:xyz)") is None
