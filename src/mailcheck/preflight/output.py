"""Writing preflight's results: one CSV or JSON row per address, as they come.

A CSV cell that a spreadsheet would run as a formula is written as text; the
results are never written over the list being checked.

A shard's output (``--shard I/N``) has one more column first: the row number the
address has in the one-run report, which :mod:`mailcheck.preflight.merge` puts
the shards back in order by. It stays a plain CSV a spreadsheet opens: the
shard and the list it was cut from are named in that column's header cell,
``row (shard 0/4, list sha256:...)``, not in a comment line a spreadsheet would
show as a row. A JSON shard is an object: ``{"shard": {...}, "rows": [...]}``,
one row a line.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from mailcheck.errors import ConfigError
from mailcheck.report.json import dump_json
from mailcheck.terminal import printable

if TYPE_CHECKING:
    from mailcheck.preflight.shard import Shard

__all__ = ["COLUMNS", "FORMULA_START", "Row", "RowWriter", "neutralise", "refuse_same_file"]

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


class RowWriter:
    """CSV or JSON rows, written as they come; a shard's with their row numbers."""

    def __init__(self, out: TextIO, fmt: str, shard: Shard | None = None) -> None:
        self.out = out
        self.fmt = fmt
        self.shard = shard
        self.count = 0
        if fmt == "csv":
            self.csv = csv.writer(out)
            first = [shard.label] if shard is not None else []
            self.csv.writerow([*first, *COLUMNS])
        elif shard is not None:
            meta = {"index": shard.index, "count": shard.count, "list": shard.digest}
            out.write('{"shard": ' + dump_json(meta, indent=None) + ', "rows": [\n')
        else:
            out.write("[\n")

    def write(self, row: Row) -> None:
        if self.fmt == "csv":
            cells = (row.address, row.verdict, row.cause, row.suggestion, row.detail)
            first = [str(row.number)] if self.shard is not None else []
            self.csv.writerow([*first, *(neutralise(cell) for cell in cells)])
        else:
            sep = ",\n" if self.count else ""
            record: dict[str, object] = {"row": row.number} if self.shard is not None else {}
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
