"""Writing preflight's results: one CSV or JSON row per address, as they come.

A CSV cell that a spreadsheet would run as a formula is written as text; the
results are never written over the list being checked.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import sys
from dataclasses import dataclass
from typing import TextIO

from mailcheck.errors import ConfigError
from mailcheck.report.json import dump_json
from mailcheck.terminal import printable

__all__ = ["FORMULA_START", "Row", "RowWriter", "neutralise", "refuse_same_file"]

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
    """CSV or JSON rows, written as they come."""

    def __init__(self, out: TextIO, fmt: str) -> None:
        self.out = out
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self.csv = csv.writer(out)
            self.csv.writerow(["address", "verdict", "cause", "suggestion", "detail"])
        else:
            out.write("[\n")

    def write(self, row: Row) -> None:
        if self.fmt == "csv":
            cells = (row.address, row.verdict, row.cause, row.suggestion, row.detail)
            self.csv.writerow([neutralise(cell) for cell in cells])
        else:
            sep = ",\n" if self.count else ""
            record = {
                "address": row.address,
                "verdict": row.verdict,
                "cause": row.cause,
                "suggestion": row.suggestion or None,
                "detail": row.detail or None,
            }
            self.out.write(sep + dump_json(record, indent=None))
        self.count += 1

    def close(self) -> None:
        if self.fmt != "csv":
            self.out.write("\n]\n" if self.count else "]\n")
        self.out.flush()
