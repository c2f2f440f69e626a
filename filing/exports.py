"""Safe spreadsheet exports (QUALITY.md §5): no cell may start with = + - @ (or a tab / carriage return)
unescaped, or Excel evaluates it as a formula (CSV injection)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Literal values the domain prints that begin with "-" but cannot be formulas.
LITERALS = frozenset({"--"})


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text in LITERALS:
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text
