"""How numbers and text are written into the report: one home for number formats, Markdown escapes and anchors."""
from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["fmt", "fmt3", "md_cell", "anchor", "met_text", "verdict_class"]


def fmt(x) -> str:
    """A number as the tables print it: 6 significant digits in [1e-3, 1e5), else scientific with 5."""
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, str):
        return x
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.6g}"
    return f"{x:.4e}"


def fmt3(x) -> str:
    """A ratio at a glance: three significant digits ("2.88e+17", "0.932"); strings (inf, nan) as they are."""
    if x is None:
        return "n/a"
    if isinstance(x, str):
        return x
    x = float(x)
    return f"{x:.3g}" if math.isfinite(x) else str(x)


def md_cell(text) -> str:
    """Text for a Markdown table cell: a `|` would end the cell (GFM), so it is escaped, also inside code
    spans (GFM removes the backslash there); a line break would end the row, so it becomes a space."""
    return str(text).replace("\\|", "|").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def anchor(text: str) -> str:
    """A fragment id made of [a-z0-9-] only, the same in report.html and report.md ("L3.6" -> "l3-6")."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def met_text(met) -> str:
    """hypotheses_met as words, whether the summary holds a string ("met") or a bool/None."""
    if met is True:
        return "met"
    if met is False:
        return "not met"
    if met is None:
        return "undecided"
    return str(met)


def verdict_class(verdict: str) -> str:
    """CSS class of a verdict: 'no' for a counterexample, 'warn' for a failed draw or a violation, 'yes' when the
    conclusion holds, 'und' for undecided. Accepts the phrases and their snake_case enum spellings."""
    v = str(verdict).replace("_", " ").lower()
    if "counterexample" in v:
        return "no"
    if v.startswith("failed") or v.startswith("violated"):
        return "warn"
    if v.startswith("confirmed") or v.startswith("holds"):
        return "yes"
    return "und"
