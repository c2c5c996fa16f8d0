"""Numbers and names as the stepper writes them: three significant digits, cells, LaTeX.

A table shows ``-0.142``; a written-out sum names the entries it reads
(``A1[0,2]``, ``b1[1]``) and then the same numbers plugged in, so a reader
can redo every sum with a pencil (and a test does, from the printed text).
"""

from __future__ import annotations

import numpy as np


def number(value: float) -> str:
    """Three significant digits, as in the tables: ``-0.142``, ``0.00351``, ``0``."""
    value = float(value)
    return "0" if value == 0 else f"{value:.3g}"


def factor(value: float) -> str:
    """A number as a factor of a product: negative ones in parentheses."""
    text = number(value)
    return f"({text})" if text.startswith("-") else text


def terms_sum(terms: list[str], limit: int = 8) -> str:
    """``a + b + c``, shortened in the middle beyond `limit` terms."""
    if len(terms) > limit:
        terms = [*terms[: limit - 2], "…", terms[-1]]
    return " + ".join(terms)


def cell(name: str, row: int, col: int) -> str:
    """How a sum names a table's entry: ``A1ᵀ[2,0]`` is ``A1[0,2]``; a bias row's is ``b1[j]``."""
    if name.endswith("ᵀ"):
        return f"{name[:-1]}[{col},{row}]"
    if name.lstrip("d").startswith("b"):
        return f"{name}[{col}]"
    return f"{name}[{row},{col}]"


def written(name: str, i: int, j: int, symbols: str, values: str, result: float) -> str:
    """Two lines: the entry as symbols, then with the numbers plugged in, then its value."""
    head = f"{cell(name, i, j)} = "
    return f"{head}{symbols}\n{' ' * (len(head) - 2)}= {values} = {number(result)}"


def tex(name: str) -> str:
    """A name as LaTeX: ``dW2`` -> ``dW_{2}``, ``A1ᵀ`` -> ``A_{1}^\\top``."""
    transposed, core = name.endswith("ᵀ"), name.rstrip("ᵀ")
    digits = len(core) - len(core.rstrip("0123456789"))
    if 0 < digits < len(core):
        core = f"{core[:-digits]}_{{{core[-digits:]}}}"
    return core + ("^\\top" if transposed else "")


def tex_function(name: str) -> str:
    """A function's name as LaTeX: ``σ`` -> ``\\sigma``, ``relu`` -> ``\\mathrm{relu}``."""
    return "\\sigma" if name == "σ" else f"\\mathrm{{{name}}}"


def shape(array: np.ndarray) -> str:
    """``(4, 3)``."""
    return f"({', '.join(map(str, array.shape))})"


__all__ = ["cell", "factor", "number", "shape", "terms_sum", "tex", "tex_function", "written"]
