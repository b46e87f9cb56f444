"""Joining the outputs of a sharded preflight into the report one run would have written.

Each shard's rows carry their row number in the one-run report (the first
column of a CSV shard, ``row`` in a JSON one) and the shard names itself and
the list it was cut from (:mod:`mailcheck.preflight.shard`). Merging checks
that the shards belong together — one list, one N, every shard from 0 to N-1
once — and that no row is missing, then writes the rows in the list's order,
without the row numbers: byte for byte the report of one run. Every shard is
read as a stream, a row at a time, so memory stays flat.
"""

from __future__ import annotations

import csv
import heapq
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from mailcheck.errors import ConfigError
from mailcheck.preflight.output import COLUMNS, Row, RowWriter, input_keys
from mailcheck.preflight.shard import Shard
from mailcheck.terminal import printable

__all__ = ["ShardFile", "merge_shards", "open_shard"]


class ShardFile:
    """One shard's output, opened: its format, the shard it names, the list's columns it
    carries (``header``), and its rows."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = printable(path)
        try:
            self.text: TextIO = open(path, encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"cannot read {self.name}: {exc.strerror}") from None
        self.header: tuple[str, ...] = ()
        try:
            self.fmt, self.shard = self._head()
        except BaseException:
            self.text.close()
            raise

    def _not_shard(self, why: str) -> ConfigError:
        return ConfigError(
            f"{self.name} is not the output of `mailcheck preflight --shard I/N` ({why})"
        )

    def _head(self) -> tuple[str, Shard]:
        try:
            first = self.text.readline(1 << 16)
        except UnicodeDecodeError:
            raise self._not_shard("not UTF-8 text") from None
        if first.startswith("{"):
            try:
                meta = json.loads(first + "]}")["shard"]
                shard = Shard(int(meta["index"]), int(meta["count"]), str(meta["list"]))
                self.header = tuple(str(name) for name in meta.get("columns", ()))
            except (ValueError, KeyError, TypeError):
                raise self._not_shard("its first line names no shard") from None
            return "json", shard
        header = next(csv.reader([first]), [])
        named = Shard.from_label(header[0]) if header else None
        ours = len(COLUMNS)
        if named is None or len(header) < 1 + ours or tuple(header[-ours:]) != COLUMNS:
            raise self._not_shard("its header names no shard")
        self.header = tuple(header[1:-ours])
        return "csv", named

    def rows(self) -> Iterator[tuple[int, Row]]:
        """``(row number, row)``, checked to rise, as the shard wrote them."""
        last = 0
        for number, row in self._rows():
            if number <= last:
                raise ConfigError(
                    f"{self.name}: row {number} comes after row {last}; "
                    "a shard's rows are in the list's order (was the file edited or sorted?)"
                )
            last = number
            yield number, row

    def _rows(self) -> Iterator[tuple[int, Row]]:
        width = len(self.header)
        if self.fmt == "csv":
            for cells in csv.reader(self.text):
                if len(cells) != 1 + width + len(COLUMNS) or not cells[0].isdigit():
                    raise self._not_shard(
                        f"a row is not a row number and {width + len(COLUMNS)} cells"
                    )
                address, verdict, cause, suggestion, detail = cells[1 + width :]
                columns = tuple(cells[1 : 1 + width])
                yield int(cells[0]), Row(address, verdict, cause, suggestion, detail, 0, columns)
            return
        keys = input_keys(self.header)
        ended = False
        for line in self.text:
            if ended or not line.strip():
                raise self._not_shard("something follows its end")
            if line.rstrip("\r\n") == "]}":
                ended = True
                continue
            try:
                record = json.loads(line.rstrip().removesuffix(","))
                number = int(record.pop("row"))
                address, verdict, cause, suggestion, detail = (
                    str(record[k] or "") for k in COLUMNS
                )
                carried = record.get("input", {}) if width else {}
                if list(carried) != keys:
                    raise KeyError("input")
                columns = tuple(str(carried[k]) for k in keys)
                row = Row(address, verdict, cause, suggestion, detail, 0, columns)
            except (ValueError, KeyError, TypeError):
                raise self._not_shard("a line is not one of its rows") from None
            yield number, row
        if not ended:
            raise ConfigError(f"{self.name} is cut short (its closing ]}} is missing)")

    def close(self) -> None:
        self.text.close()


def open_shard(path: str) -> ShardFile:
    """A shard's output, its head read and checked (:class:`ConfigError` if it is none)."""
    return ShardFile(path)


def _check(shards: list[ShardFile]) -> str:
    """The shards' format, when they are the N shards of one list; else ConfigError."""
    first = shards[0]
    for other in shards[1:]:
        if other.fmt != first.fmt:
            raise ConfigError(
                f"{first.name} is {first.fmt.upper()} and {other.name} is "
                f"{other.fmt.upper()}: give shards written with the same --format"
            )
        if other.shard.count != first.shard.count:
            raise ConfigError(
                f"{first.name} is shard {first.shard.index}/{first.shard.count} and "
                f"{other.name} is {other.shard.index}/{other.shard.count}: "
                "shards of one run have the same N"
            )
        if other.shard.digest != first.shard.digest:
            raise ConfigError(
                f"{first.name} and {other.name} are shards of different lists "
                f"({first.shard.digest} and {other.shard.digest})"
            )
        if other.header != first.header:
            raise ConfigError(
                f"{first.name} and {other.name} carry different columns of the list "
                "(was one of them edited?)"
            )
    seen: dict[int, ShardFile] = {}
    for shard in shards:
        twin = seen.get(shard.shard.index)
        if twin is not None:
            raise ConfigError(
                f"{twin.name} and {shard.name} are both shard "
                f"{shard.shard.index}/{shard.shard.count}: give each shard once"
            )
        seen[shard.shard.index] = shard
    count = first.shard.count
    missing = [str(i) for i in range(count) if i not in seen]
    if missing:
        raise ConfigError(
            f"shard(s) {', '.join(missing)} of {count} missing (shards count from 0): "
            f"merge needs all {count}"
        )
    return first.fmt


def merge_shards(paths: list[str], out: TextIO) -> Counter[str]:
    """Write the one-run report of these shard outputs to ``out``; how many rows per cause.

    Refuses (:class:`ConfigError`), before writing anything, shards of different
    lists, formats or N, a shard given twice or missing; while writing, a row
    number missing or repeated (a shard cut short or edited): the caller writes
    to a file that replaces the output only when the merge succeeded.
    """
    if not paths:
        raise ConfigError("no shard outputs given")
    for path in paths:
        if Path(path).is_dir():
            raise ConfigError(f"{printable(path)} is a folder; give the shard files")
    shards: list[ShardFile] = []
    try:
        for path in paths:
            shards.append(open_shard(path))
        fmt = _check(shards)
        writer = RowWriter(out, fmt, header=shards[0].header)
        counts: Counter[str] = Counter()
        expected = 1
        merged = heapq.merge(*(s.rows() for s in shards), key=lambda item: item[0])
        for number, row in merged:
            if number != expected:
                what = "missing" if number > expected else "in two shards"
                row_no = expected if number > expected else number
                raise ConfigError(
                    f"row {row_no} is {what}: a shard output was cut short or edited; "
                    "run that shard again"
                )
            writer.write(row)
            counts[row.cause] += 1
            expected += 1
        writer.close()
        return counts
    finally:
        for shard in shards:
            shard.close()
