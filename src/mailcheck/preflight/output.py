"""Writing preflight's results: one CSV or JSON row per address, as they come.

A row carries the list's own columns (customer code, name, the e-mail cell as it
was) first, under the list's header names, then mailcheck's :data:`COLUMNS`: the
list as the user knows it, with the results added on the right, as they would add
columns to it in a spreadsheet; and a program reading the CSV by header name gets
mailcheck's ``address`` even when the list has a column of that name (the last
column of a name wins in ``csv.DictReader``). In JSON the list's columns are the
object ``"input"`` (header name: cell), so that no list can shadow mailcheck's keys.
A plain list (one address a line) carries nothing: its rows are mailcheck's columns.

A CSV cell that a spreadsheet would run as a formula is written as text, the
list's own cells and header names too; the results are never written over the
list being checked.

A shard's output (``--shard I/N``) has one more column first: the row number the
address has in the one-run report, which :mod:`mailcheck.preflight.merge` puts
the shards back in order by. It stays a plain CSV a spreadsheet opens: the
shard and the list it was cut from are named in that column's header cell,
``row (shard 0/4, list sha256:...)``, not in a comment line a spreadsheet would
show as a row. A JSON shard is an object: ``{"shard": {...}, "rows": [...]}``,
one row a line; the shard object names the list's carried columns (``"columns"``).
"""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from mailcheck.errors import ConfigError
from mailcheck.report.json import dump_json
from mailcheck.terminal import printable

if TYPE_CHECKING:
    from mailcheck.preflight.shard import Shard

__all__ = [
    "COLUMNS",
    "FORMULA_START",
    "Row",
    "RowWriter",
    "input_keys",
    "neutralise",
    "refuse_same_file",
]

#: The columns of the report, in order.
COLUMNS = ("address", "verdict", "cause", "suggestion", "detail")

#: A CSV cell starting with one of these is a formula to Excel and LibreOffice
#: (OWASP "CSV injection"); a leading ' makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Row:
    """One address's result."""

    address: str
    verdict: str
    cause: str
    suggestion: str
    detail: str
    number: int = 0
    """Its row in the one-run report (1 = the list's first address); written by shards."""
    columns: tuple[str, ...] = ()
    """The cells of its row in the list, one per carried column (the writer's ``header``)."""


def refuse_same_file(source: str, output: str | None) -> None:
    """Raise :class:`ConfigError` when ``output`` is the list itself, under any name.

    Called before anything is opened for writing: writing the results over
    the customer list would lose it. The same path spelt another way
    (``./x``, ``a/../x``), a symlink to it and a hard link to it are all the
    same file: same device and inode once symlinks are followed.
    """
    if not output or output == "-":
        return
    try:
        listed = os.fstat(sys.stdin.fileno()) if source == "-" else os.stat(source)
    except (OSError, ValueError, io.UnsupportedOperation):
        return  # nothing to compare with: reading it will say what is wrong
    if source == "-" and not stat.S_ISREG(listed.st_mode):
        return  # a pipe or a terminal is no file the output could overwrite
    try:
        target = os.stat(output)
    except OSError:
        same = source != "-" and os.path.realpath(source) == os.path.realpath(output)
    else:
        same = (target.st_dev, target.st_ino) == (listed.st_dev, listed.st_ino)
    if same:
        shown = "standard input" if source == "-" else printable(source)
        raise ConfigError(
            f"--output {printable(output)} is the list being checked ({shown}); "
            "writing the results there would overwrite it: give another file"
        )


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def input_keys(header: Sequence[str]) -> list[str]:
    """The JSON keys of the carried columns: their header names, made unique and non-empty.

    An empty header cell is ``column N`` (its 1-based position); a name met again gets
    its position too (``Email (4)``), so no cell of a row is lost to a repeated key.
    """
    keys: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(header, 1):
        key = name or f"column {position}"
        while key in seen:
            key = f"{key} ({position})"
        seen.add(key)
        keys.append(key)
    return keys


class RowWriter:
    """CSV or JSON rows, written as they come; a shard's with their row numbers.

    ``header`` names the list's columns each row carries (:attr:`Row.columns`);
    empty for a plain list.
    """

    def __init__(
        self, out: TextIO, fmt: str, shard: Shard | None = None, header: Sequence[str] = ()
    ) -> None:
        self.out = out
        self.fmt = fmt
        self.shard = shard
        self.header = tuple(header)
        self.keys = input_keys(self.header)
        self.count = 0
        if fmt == "csv":
            self.csv = csv.writer(out)
            first = [shard.label] if shard is not None else []
            self.csv.writerow([*first, *(neutralise(n) for n in self.header), *COLUMNS])
        elif shard is not None:
            meta: dict[str, object] = {
                "index": shard.index,
                "count": shard.count,
                "list": shard.digest,
            }
            if self.header:
                meta["columns"] = list(self.header)
            out.write('{"shard": ' + dump_json(meta, indent=None) + ', "rows": [\n')
        else:
            out.write("[\n")

    def write(self, row: Row) -> None:
        width = len(self.header)
        carried = (row.columns + ("",) * width)[:width]
        if self.fmt == "csv":
            cells = (*carried, row.address, row.verdict, row.cause, row.suggestion, row.detail)
            first = [str(row.number)] if self.shard is not None else []
            self.csv.writerow([*first, *(neutralise(cell) for cell in cells)])
        else:
            sep = ",\n" if self.count else ""
            record: dict[str, object] = {"row": row.number} if self.shard is not None else {}
            if width:
                record["input"] = dict(zip(self.keys, carried, strict=True))
            record.update(
                address=row.address,
                verdict=row.verdict,
                cause=row.cause,
                suggestion=row.suggestion or None,
                detail=row.detail or None,
            )
            self.out.write(sep + dump_json(record, indent=None))
        self.count += 1

    def close(self) -> None:
        if self.fmt != "csv":
            end = "]}\n" if self.shard is not None else "]\n"
            self.out.write("\n" + end if self.count else end)
        self.out.flush()
