"""Reading a customer list: CSV with the e-mail column found or named, or one address a line.

Any list a spreadsheet or an accounting program saves must read: a BOM or not,
UTF-8 or Windows-1258, commas, semicolons or tabs, doubled quotes. A list that
is not one (a gigabyte-long line, an unclosed quote, bytes in no known
encoding) stops with a :class:`~mailcheck.errors.ConfigError` that names the
file and the line, without reading the rest into memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from mailcheck.errors import ConfigError
from mailcheck.preflight.cells import CARRIED_MAX, cap, split_addresses
from mailcheck.terminal import printable

__all__ = [
    "EMAIL_HEADERS",
    "HEAD",
    "MAX_LINE",
    "CustomerList",
    "Entry",
    "ListReader",
    "open_list",
    "read_addresses",
]

#: Header names that mark the e-mail column of a CSV file (compared lower-cased).
EMAIL_HEADERS = (
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "địa chỉ email",
    "dia chi email",
    "thư điện tử",
    "recipient",
    "to",
)
#: A header cell that names e-mail in more words ("Email nhận hóa đơn"), when none is exact.
_EMAILISH = re.compile(r"e-?mail|thư điện tử")
#: A physical line longer than this is no address list (the csv module's own
#: field limit is 131072 characters); reading stops there instead of holding
#: a gigabyte-long line in memory.
MAX_LINE = 1 << 20
#: How much of a list that cannot be rewound (a pipe) decides its encoding.
HEAD = 1 << 16


def _sniff(sample: str) -> csv.Dialect | type[csv.Dialect]:
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        # Rows of different widths (a cell of addresses cut at the delimiter they share)
        # defeat the sniffer: a header line still shows the delimiter. A first line with
        # an address is no header: "a@x.vn; b@x.vn" of a plain list is one cell.
        first = sample.partition("\n")[0]
        counts = {d: first.count(d) for d in ",;\t"}
        best = max(counts, key=lambda d: counts[d])
        if "@" in first or not counts[best] or best == ",":
            return csv.excel
        return type("_Delimited", (csv.excel,), {"delimiter": best})
    # Spreadsheets write a quote inside a quoted cell as two (""); the sniffer
    # often guesses otherwise when the sample has few of them, and then reads
    # 'Công ty ""ABC""' wrong. Nothing that writes customer lists uses another way.
    dialect.doublequote = True
    return dialect


@dataclass(frozen=True, slots=True)
class Entry:
    """One address of the list, and the cells of its row that the output carries beside it."""

    address: str
    columns: tuple[str, ...] = ()


class CustomerList:
    """The addresses of a list, one :class:`Entry` each, in order, and its columns' names.

    A CSV file's e-mail column is found by its header, named (``column``: a header
    name or a 1-based number), or found by content when there is no header. A cell
    holding several addresses gives one entry each
    (:func:`~mailcheck.preflight.cells.split_addresses`), each with the cells of its
    row. ``header`` names those carried columns, in the list's order: the header
    row's names, or ``column 1`` ... for a CSV without one; it is empty for a plain
    list (one address, or one cell, a line), which carries nothing.

    ``stream`` gives lines with their line ends (a text file opened with
    ``newline=""``, or a :class:`ListReader`). The first row is read here; a file
    the csv module cannot read ends in :class:`ConfigError` naming ``name`` and the line.
    """

    def __init__(self, stream: Iterable[str], column: str | None = None, *, name: str = "the list"):
        lines = iter(stream)
        head = _sample(lines)  # whole lines: a row is never cut between the sample and the rest
        tracked = _Tracked(_chain(head, lines))
        reader = csv.reader(tracked, _sniff("".join(head)))
        self._delimiter: str = reader.dialect.delimiter
        self._rows = _rows(reader, tracked, name)
        self.header: tuple[str, ...] = ()
        self._first: list[str] | None = None  # the first row when it is data, not a header
        self._index = 0
        first = next(self._rows, None)
        if first is None:
            self._rows = iter(())
            return
        names = [cell.strip() for cell in first]
        index = _named_column(column, names) if column is not None else _email_column(names)
        if index is None:
            # No header: the first row is data; take the first column that holds an address.
            index = next((i for i, cell in enumerate(first) if "@" in cell), 0)
            self._first = first
            names = [f"column {i}" for i in range(1, len(first) + 1)]
        self._index = index
        if len(first) > 1:
            self.header = tuple(cap(n) for n in names)

    def __iter__(self) -> Iterator[Entry]:
        # One loop, no generator per row: this runs once per row of lists of millions.
        rows = self._rows if self._first is None else itertools.chain([self._first], self._rows)
        width = len(self.header)
        index = self._index
        columns: tuple[str, ...] = ()
        for row in rows:
            if not width:
                # A plain list: the line is the cell (a sniffed delimiter may have cut it).
                cell = self._delimiter.join(row)
            else:
                if len(row) != width:
                    row = self._fit(row)
                cell = row[index] if index < width else ""
                long = max(map(len, row)) > CARRIED_MAX
                columns = tuple(map(cap, row)) if long else tuple(row)
            for address in split_addresses(cell):
                yield Entry(address, columns)

    def _fit(self, row: list[str]) -> list[str]:
        """A row as wide as the header: a short row's missing cells are empty; a wider row's
        cells past the header are dropped (they have no name to go under), unless the e-mail
        column is the last: then its unquoted list of addresses ("1;a@x.vn;b@x.vn") was cut
        at the delimiter they share, and the rest of the row is its cell."""
        width = len(self.header)
        if len(row) < width:
            return row + [""] * (width - len(row))
        if self._index == width - 1:
            return [*row[: width - 1], self._delimiter.join(row[width - 1 :])]
        return row[:width]


def _named_column(column: str, names: list[str]) -> int:
    """The index of ``--column`` (a 1-based number or a header name); ConfigError if none."""
    if column.isdigit():
        if int(column) < 1:
            raise ConfigError(f"--column {column}: columns count from 1")
        if int(column) > len(names):
            raise ConfigError(f"--column {column}: the first row has {len(names)} columns")
        return int(column) - 1
    lowered = [n.lower() for n in names]
    if column.lower() in lowered:
        return lowered.index(column.lower())
    raise ConfigError(f"--column: no column {column!r} in the header ({', '.join(names)})")


def _email_column(names: list[str]) -> int | None:
    """The e-mail column of a header row; None when the row is no header (it is data)."""
    lowered = [n.lower() for n in names]
    found = next((i for i, n in enumerate(lowered) if n in EMAIL_HEADERS), None)
    if found is None and len(names) > 1 and not any("@" in n for n in lowered):
        # "Email nhận hóa đơn", "Địa chỉ email khách hàng": a header naming e-mail in more words.
        found = next((i for i, n in enumerate(lowered) if _EMAILISH.search(n)), None)
    return found


def read_addresses(
    stream: Iterable[str], column: str | None = None, *, name: str = "the list"
) -> Iterator[str]:
    """The addresses of a CSV file (column detected or named) or of a one-per-line file.

    The addresses of :class:`CustomerList`, without their rows' other cells.
    """
    for entry in CustomerList(stream, column, name=name):
        yield entry.address


class ListReader:
    """The lines of a customer list file, decoded, bounded and counted.

    Text encodings met in the field: UTF-8 (with or without Excel's BOM),
    UTF-16 with a BOM (Excel's "Unicode Text"), and Windows-1258 (Excel's
    "CSV" on a Vietnamese Windows). A list that is not UTF-8 is read as
    Windows-1258 and :attr:`note` says so. A NUL byte, a line over
    :data:`MAX_LINE` or a byte the encoding cannot read ends in a one-line
    :class:`ConfigError` naming the file and the line.
    """

    def __init__(self, binary: BinaryIO, name: str, encoding: str, note: str | None) -> None:
        self.binary = binary
        self.name = name
        self.encoding = encoding
        self.note = note
        self.line = 0
        self.text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
        try:
            self.size = os.fstat(binary.fileno()).st_size
        except (OSError, ValueError, io.UnsupportedOperation):
            self.size = 0

    def __iter__(self) -> ListReader:
        return self

    def __next__(self) -> str:
        try:
            line = self.text.readline(MAX_LINE + 1)
        except UnicodeDecodeError as exc:
            raise ConfigError(self._not_text(exc)) from None
        if not line:
            raise StopIteration
        self.line += 1
        if len(line) > MAX_LINE:
            raise ConfigError(
                f"{self.name}, line {self.line}: longer than {MAX_LINE} characters; "
                "this is not a list of addresses (one address or CSV row per line)"
            )
        if "\x00" in line:
            raise ConfigError(
                f"{self.name}, line {self.line}: contains NUL bytes, so it is not a text "
                "file; save the list as CSV UTF-8"
            )
        return line

    def fraction(self) -> float | None:
        """How much of the file was read (for the progress bar); None when unknown."""
        if not self.size:
            return None
        try:
            return self.binary.tell() / self.size
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        """Close the file (never standard input)."""
        if self.binary is sys.stdin.buffer:
            self.text.detach()  # standard input stays open for whoever runs after us
        else:
            self.text.close()

    def _not_text(self, exc: UnicodeDecodeError) -> str:
        line = self.line + 1
        byte = f"byte 0x{exc.object[exc.start]:02x}" if exc.start < len(exc.object) else "the end"
        if self.encoding == "utf-16":
            what = "broken UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8"
        elif self.encoding == "cp1258":
            what = "not UTF-8 and not Windows-1258 text either"
        else:
            what = "not UTF-8 text"
        return f"{self.name}, line {line} or near it: {what} ({byte}); save the list as CSV UTF-8"


def open_list(path: str) -> ListReader:
    """Open a customer list (``-`` for standard input) and choose its text encoding."""
    name = "standard input" if path == "-" else printable(path)
    if path == "-":
        binary: BinaryIO = sys.stdin.buffer
    else:
        try:
            binary = open(path, "rb")  # noqa: SIM115 - the ListReader closes it
        except OSError as exc:
            raise ConfigError(f"cannot read {name}: {exc.strerror}") from None
    try:
        source, encoding, where = _choose_encoding(binary, name)
    except BaseException as exc:
        if binary is not sys.stdin.buffer:
            binary.close()
        if isinstance(exc, OSError):
            raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None
        raise
    return ListReader(source, name, encoding, _note(name, encoding, where))


def _choose_encoding(binary: BinaryIO, name: str) -> tuple[BinaryIO, str, str]:
    """Where to read the list from, and its encoding (from its BOM or from its bytes).

    A file is read through once beforehand (bounded memory; stopping at the
    first byte that is not UTF-8) so a list is never half read as one
    encoding and half as another. A pipe cannot be rewound: its first
    :data:`HEAD` bytes decide, and are put back in front of the rest.
    """
    try:
        seekable = binary.seekable()
    except (OSError, ValueError):
        seekable = False
    if not seekable:
        head = _read_head(binary)
        utf8 = _is_utf8(head, final=len(head) < HEAD)
        encoding = _bom(head) or ("utf-8-sig" if utf8 else "cp1258")
        return io.BufferedReader(_Rejoined(head, binary)), encoding, "in its first bytes"
    start = binary.read(4)
    binary.seek(0)
    marked = _bom(start)
    if marked is not None:
        return binary, marked, ""
    encoding, where = _scan(binary, name)
    binary.seek(0)
    return binary, encoding, where


def _read_head(binary: BinaryIO) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < HEAD and (chunk := binary.read(HEAD - size)):
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


class _Rejoined(io.RawIOBase):
    """The bytes already read from a pipe, then the rest of the pipe."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _bom(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _is_utf8(data: bytes, *, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


# The bytes Windows-1258 leaves undefined: a list holding one is in no encoding we know.
_NOT_CP1258 = re.compile(b"[\x81\x8a\x8d\x8e\x8f\x90\x9a\x9d\x9e]")


def _scan(binary: BinaryIO, name: str) -> tuple[str, str]:
    """UTF-8 or Windows-1258, from every byte of the file; and where UTF-8 failed.

    A byte that neither can read is a :class:`ConfigError` naming its line.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0  # line feeds before the chunk being read
    where = ""  # where the file stopped being UTF-8
    unreadable = ""  # where Windows-1258 could not read it
    while chunk := binary.read(1 << 20):
        if not where:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder may hold up to 3 bytes of the chunk before: close enough.
                at = max(exc.start - len(exc.object) + len(chunk), 0)
                where = _position(lines, chunk, at)
        if not unreadable and (bad := _NOT_CP1258.search(chunk)):
            unreadable = _position(lines, chunk, bad.start())
        lines += chunk.count(b"\n")
    if not where:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            where = f"line {lines + 1}, at the end"
    if not where:
        return "utf-8-sig", ""
    if unreadable:
        raise ConfigError(
            f"{name} is not UTF-8 text ({where}) and not Windows-1258 either "
            f"({unreadable}); save the list as CSV UTF-8"
        )
    return "cp1258", where


def _position(lines: int, chunk: bytes, at: int) -> str:
    line = lines + chunk.count(b"\n", 0, at) + 1
    return f"line {line}, byte 0x{chunk[at]:02x}"


def _note(name: str, encoding: str, where: str) -> str | None:
    if encoding == "cp1258":
        return (
            f"{name} is not UTF-8 text ({where}); read it as Windows-1258 "
            "(Vietnamese Windows). If names look wrong, save the list as CSV UTF-8"
        )
    return None


def _sample(lines: Iterator[str], size: int = 8192) -> list[str]:
    head: list[str] = []
    taken = 0
    for line in lines:
        head.append(line)
        taken += len(line)
        if taken >= size:
            break
    return head


def _chain(head: list[str], tail: Iterator[str]) -> Iterator[str]:
    yield from head
    yield from tail


class _Tracked:
    """The lines of the row being read, to tell an unclosed quote at the end of the file."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.row: list[str] = []
        self.size = 0

    def __iter__(self) -> _Tracked:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        if self.size < MAX_LINE:  # a bounded copy: only the start of a long row matters
            self.row.append(line)
            self.size += len(line)
        return line

    def new_row(self) -> None:
        self.row.clear()
        self.size = 0


def _rows(reader: Any, tracked: _Tracked, name: str) -> Iterator[list[str]]:
    """The csv reader's rows; its errors and an unclosed quote become a one-line ConfigError."""
    # A row that spans lines is held back one row: only at the end of the file
    # can it be told whether its quote was ever closed.
    held: tuple[list[str], int, int, str] | None = None
    while True:
        start = reader.line_num + 1
        tracked.new_row()
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ConfigError(_csv_error(name, start, reader.line_num, str(exc))) from None
        if held is not None:
            yield held[0]
            held = None
        if reader.line_num > start:
            held = (row, start, reader.line_num, "".join(tracked.row))
        else:
            yield row
    if held is not None:
        row, start, end, raw = held
        if _unclosed_quote(raw, reader.dialect):
            raise ConfigError(
                f'{name}, line {start}: a quote (") opened in this row is never closed, so '
                f"every line after it (to line {end}, the end) would be one cell; "
                "close the quote or remove it"
            )
        yield row


def _unclosed_quote(raw: str, dialect: Any) -> bool:
    """Whether the last row of a file ran into the end of the file inside a quote."""
    try:
        list(csv.reader(io.StringIO(raw), dialect, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_error(name: str, start: int, end: int, message: str) -> str:
    if "field larger than field limit" in message:
        return (
            f"{name}, line {start}: a cell is longer than {csv.field_size_limit()} characters "
            f'(read to line {end}); an unclosed quote (") makes the rest of the file one cell'
        )
    return f"{name}, line {start}: not readable as CSV ({message})"
