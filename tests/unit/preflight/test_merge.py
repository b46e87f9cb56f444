"""Merging shard outputs: the one-run report byte for byte, or a refusal that says why."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest

from mailcheck.errors import ConfigError
from mailcheck.preflight.merge import merge_shards
from mailcheck.preflight.output import Row, RowWriter
from mailcheck.preflight.shard import Shard

DIGEST = "sha256:00112233aabbccdd"

ROWS = [
    Row("ketoan@cong-ty.test", "ok", "recipient-domain-ok", "", ""),
    Row("=cmd|' /C calc'!A0@x.test", "invalid", "recipient-address-invalid", "", "bad"),
    Row("a@gmial.com", "nxdomain", "recipient-domain-not-found", "gmail.com", "no such domain"),
    Row("b@cong-ty.test", "ok", "recipient-domain-ok", "", ""),
    Row("c@null.test", "null-mx", "recipient-accepts-no-mail", "", 'null MX, "quoted"\nline'),
]


#: The list's own columns, as a spreadsheet has them: a repeated name, an empty one, a formula.
HEADER = ("Mã KH", "Tên khách hàng", "=Email", "", "Tên khách hàng")
COLUMNS = [
    ("KH1", "Công ty A", "ketoan@cong-ty.test", "", "x"),
    ("KH2", '=HYPERLINK("http://x";"y")', "=cmd|' /C calc'!A0@x.test", "-", ""),
    ("KH3", 'Công ty "B", chi nhánh\nHà Nội', "a@gmial.com; b@cong-ty.test", "", ""),
    ("KH3", 'Công ty "B", chi nhánh\nHà Nội', "a@gmial.com; b@cong-ty.test", "", ""),
    ("KH4", "", "c@null.test", "@", "+1"),
]


def rows(header: tuple[str, ...]) -> list[Row]:
    """ROWS, carrying the list's columns when the list has them."""
    if not header:
        return ROWS
    return [replace(row, columns=cells) for row, cells in zip(ROWS, COLUMNS, strict=True)]


def one_run(fmt: str, header: tuple[str, ...] = ()) -> str:
    out = io.StringIO()
    writer = RowWriter(out, fmt, header=header)
    for row in rows(header):
        writer.write(row)
    writer.close()
    return out.getvalue()


def write_shards(
    tmp: Path,
    fmt: str,
    owners: list[int],
    count: int,
    digest: str = DIGEST,
    header: tuple[str, ...] = (),
) -> list[str]:
    """Shard outputs as `preflight --shard` writes them: row i goes to shard owners[i]."""
    paths = []
    for index in range(count):
        out = io.StringIO()
        writer = RowWriter(out, fmt, Shard(index, count, digest), header)
        for number, (row, owner) in enumerate(zip(rows(header), owners, strict=True), 1):
            if owner == index:
                writer.write(replace(row, number=number))
        writer.close()
        path = tmp / f"shard-{index}.{fmt}"
        path.write_text(out.getvalue(), encoding="utf-8", newline="")
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("header", [(), HEADER], ids=["plain list", "list's columns"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_merged_shards_are_the_one_run_report_byte_for_byte(
    tmp_path: Path, fmt: str, header: tuple[str, ...]
) -> None:
    # Shard 2 holds no row at all (a short list): it still counts as given.
    paths = write_shards(tmp_path, fmt, [1, 0, 3, 1, 0], 4, header=header)
    out = io.StringIO()
    counts = merge_shards(list(reversed(paths)), out)
    assert out.getvalue() == one_run(fmt, header)
    assert counts["recipient-domain-ok"] == 2
    assert sum(counts.values()) == len(ROWS)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_shards_carrying_other_columns_are_refused(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_shards(tmp_path / "a", fmt, [1, 0, 1, 1, 0], 2, header=HEADER)
    other = write_shards(tmp_path / "b", fmt, [1, 0, 1, 1, 0], 2)
    with pytest.raises(ConfigError, match="carry different columns"):
        merge_shards([first[0], other[1]], io.StringIO())


def test_a_missing_shard_is_refused(tmp_path: Path) -> None:
    paths = write_shards(tmp_path, "csv", [1, 0, 2, 1, 0], 4)
    with pytest.raises(ConfigError, match=r"shard\(s\) 3 of 4 missing"):
        merge_shards(paths[:3], io.StringIO())


def test_a_shard_given_twice_is_refused(tmp_path: Path) -> None:
    paths = write_shards(tmp_path, "csv", [1, 0, 1, 1, 0], 2)
    with pytest.raises(ConfigError, match="both shard 0/2"):
        merge_shards([paths[0], paths[1], paths[0]], io.StringIO())


def test_shards_of_another_n_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    two = write_shards(tmp_path / "a", "csv", [1, 0, 1, 1, 0], 2)
    three = write_shards(tmp_path / "b", "csv", [1, 0, 2, 1, 0], 3)
    with pytest.raises(ConfigError, match="same N"):
        merge_shards([two[0], three[1], three[2]], io.StringIO())


def test_shards_of_another_list_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_shards(tmp_path / "a", "csv", [1, 0, 1, 1, 0], 2)
    other = write_shards(tmp_path / "b", "csv", [1, 0, 1, 1, 0], 2, "sha256:ffffffffffffffff")
    with pytest.raises(ConfigError, match="different lists"):
        merge_shards([first[0], other[1]], io.StringIO())


def test_shards_of_two_formats_are_refused(tmp_path: Path) -> None:
    csv_paths = write_shards(tmp_path, "csv", [1, 0, 1, 1, 0], 2)
    json_paths = write_shards(tmp_path, "json", [1, 0, 1, 1, 0], 2)
    with pytest.raises(ConfigError, match="same --format"):
        merge_shards([csv_paths[0], json_paths[1]], io.StringIO())


def test_a_plain_report_is_not_a_shard(tmp_path: Path) -> None:
    plain = tmp_path / "checked.csv"
    plain.write_text(one_run("csv"), encoding="utf-8", newline="")
    with pytest.raises(ConfigError, match="not the output of `mailcheck preflight --shard"):
        merge_shards([str(plain)], io.StringIO())


def test_a_row_cut_from_a_csv_shard_is_found(tmp_path: Path) -> None:
    paths = write_shards(tmp_path, "csv", [1, 0, 1, 1, 0], 2)
    lines = Path(paths[1]).read_text(encoding="utf-8").splitlines(keepends=True)
    Path(paths[1]).write_text("".join(lines[:2] + lines[3:]), encoding="utf-8", newline="")
    with pytest.raises(ConfigError, match="row 3 is missing"):
        merge_shards(paths, io.StringIO())


def test_a_json_shard_cut_short_is_refused(tmp_path: Path) -> None:
    paths = write_shards(tmp_path, "json", [1, 0, 1, 1, 0], 2)
    text = Path(paths[0]).read_text(encoding="utf-8")
    Path(paths[0]).write_text(text.removesuffix("]}\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match="cut short"):
        merge_shards(paths, io.StringIO())


def test_a_shard_edited_out_of_order_is_refused(tmp_path: Path) -> None:
    paths = write_shards(tmp_path, "csv", [1, 1, 1, 1, 1], 2)
    lines = Path(paths[1]).read_text(encoding="utf-8").splitlines(keepends=True)
    swapped = lines[0] + lines[2] + lines[1] + "".join(lines[3:])
    Path(paths[1]).write_text(swapped, encoding="utf-8", newline="")
    with pytest.raises(ConfigError, match="row 1 is missing"):
        merge_shards(paths, io.StringIO())


def test_a_row_repeated_in_a_shard_is_refused(tmp_path: Path) -> None:
    paths = write_shards(tmp_path, "csv", [1, 1, 1, 1, 1], 2)
    lines = Path(paths[1]).read_text(encoding="utf-8").splitlines(keepends=True)
    repeated = lines[0] + lines[1] + lines[1] + "".join(lines[2:])
    Path(paths[1]).write_text(repeated, encoding="utf-8", newline="")
    with pytest.raises(ConfigError, match="row 1 comes after row 1"):
        merge_shards(paths, io.StringIO())
