"""Spreadsheet cells that stay values: no formula from a participant's name (OWASP CSV
injection advice)."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a text that a spreadsheet would run as a formula prefixed by an
    apostrophe so it is shown as the text it is; numbers and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
