"""Preflight: check a whole customer address list before the invoices go out.

- :mod:`~mailcheck.preflight.lists`: read the list (CSV or one address a line, any
  encoding a spreadsheet saves), bounded and with errors that name the line; each
  address of a cell with its row's other cells (:mod:`~mailcheck.preflight.cells`);
- :mod:`~mailcheck.preflight.run`: check the addresses, each domain once, rows in order;
- :mod:`~mailcheck.preflight.output`: write one CSV or JSON row per address, safely;
- :mod:`~mailcheck.preflight.shard`: which addresses a shard (``--shard I/N``) checks;
- :mod:`~mailcheck.preflight.merge`: join the shards' outputs into the one-run report.

The click commands are :mod:`mailcheck.cli.commands.preflight` and
:mod:`mailcheck.cli.commands.preflight_merge`.
"""

from mailcheck.preflight.lists import CustomerList, Entry, ListReader, open_list, read_addresses
from mailcheck.preflight.output import FORMULA_START, Row, RowWriter, neutralise, refuse_same_file
from mailcheck.preflight.run import CAUSE_OF, run_preflight

__all__ = [
    "CAUSE_OF",
    "FORMULA_START",
    "CustomerList",
    "Entry",
    "ListReader",
    "Row",
    "RowWriter",
    "neutralise",
    "open_list",
    "read_addresses",
    "refuse_same_file",
    "run_preflight",
]
