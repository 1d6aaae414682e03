"""Text written into spreadsheets people open in Excel or LibreOffice.

openpyxl stores a string that begins with `=` as a formula, and a spreadsheet program
re-reads a cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula once someone edits it. An agency's or a person's name is typed by someone else, so
every text cell of an export goes through `sheet_text`: the value stays exactly as typed,
the cell is forced to the string type (never a formula), and a risky first character gets
Excel's quote prefix, so editing the cell does not bring the formula to life either.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sheet_text(cell: Cell, value: Any) -> Cell:
    """Put `value` in `cell`; a string is written as text whatever it begins with."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell
