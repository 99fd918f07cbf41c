"""Cells of the CSV files the service and its command line write for people to open.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some read a leading
tab or carriage return the same way) as a formula: a school name typed as
``=HYPERLINK("https://evil.example", "Open")`` would become a live link in a coordinator's
spreadsheet. ``safe_cell`` writes such text with a leading apostrophe, which spreadsheets show
as plain text (OWASP's advice for CSV injection). Numbers stay numbers: int and float values, and
text that is only a number such as ``-5`` or ``+2.5``, are written unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """``value`` as it should go into a CSV cell: text a spreadsheet would run as a formula gets a
    leading apostrophe; anything else (numbers, plain text, None) is returned unchanged."""
    formula = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    if formula and not _PLAIN_NUMBER.fullmatch(str(value)):
        return "'" + str(value)
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through ``safe_cell``."""
    return [safe_cell(v) for v in values]
