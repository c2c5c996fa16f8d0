"""A stage: one operation of the training step, with every matrix it reads and makes.

A stage is data: its phase, its formula (plain text and LaTeX), the tables it
shows (operands first, the result last) and a way to write any entry of the
result out as the sum that makes it. Three kinds of sum cover the whole step:
a matrix product (``Z = X @ W + b``, ``dW = Xᵀ @ dZ``), an entry-by-entry
formula (``A = relu(Z)``, ``W ← W − η dW``) and a column sum (``db = Σ rows``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .text import cell, factor, terms_sum, written


class Entry(NamedTuple):
    """One entry of a stage's result written out, and where its numbers are."""

    text: str  # "dW2[0,1] = A1[0,0]·dZ2[0,1] + ...\n = 0.5·(-0.1) + ... = 0.0123"
    cells: dict[str, list[tuple[int, int]]]  # table name -> the (row, column) cells it reads
    arrows: list[tuple[int, int, int]]  # (dense layer, i, j): the picture's arrows it uses
    units: list[tuple[int, int]]  # (column, unit): the picture's circles it uses


@dataclass
class Stage:
    """One operation of the training step: its formula and every matrix it reads and makes.

    ``arrays`` holds the tables shown, operands first and the result last (a
    bias, or the loss, is a one-row matrix); ``layout`` reads them as an
    equation, names and operators in order. ``layer`` (a Dense layer, 0 is the
    first) and ``column`` (a column of units, 0 is the inputs) say where the
    stage works on the picture; ``weights`` are the parameters as they are at
    this stage (the update stages change them one by one); ``arrow_values``,
    when set, are the numbers the arrows of ``layer`` carry instead of their
    weights (a weight gradient ``dW``, one number per arrow).
    """

    phase: str  # "forward", "loss", "backward" or "update"
    name: str  # plain text: "dW2 = A1ᵀ @ dZ2"
    formula: str  # LaTeX
    arrays: dict[str, np.ndarray]
    layout: list[str]
    shapes: str
    note: str
    explain: Callable[[int, int], Entry] = field(repr=False)
    layer: int | None = None
    column: int | None = None
    backward: bool = False
    weights: list[np.ndarray] = field(default_factory=list, repr=False)
    arrow_values: np.ndarray | None = field(default=None, repr=False)

    @property
    def result(self) -> str:
        """The name of the matrix this stage computes (the last of `arrays`)."""
        return list(self.arrays)[-1]

    @property
    def scale(self) -> float:
        """The largest size of any number on show: one colour scale for all its tables."""
        return max((float(np.max(np.abs(a))) for a in self.arrays.values() if a.size), default=1.0)

    def entry(self, i: int, j: int) -> Entry:
        """Entry ``[i, j]`` of the result, written out as the sum that makes it."""
        rows, cols = self.arrays[self.result].shape
        if not (0 <= i < rows and 0 <= j < cols):
            raise IndexError(f"{self.result} is {rows}×{cols}: it has no entry [{i}, {j}]")
        return self.explain(i, j)

    def written_out(self, i: int, j: int) -> str:
        return self.entry(i, j).text


Where = Callable[[int, int], list] | None  # entry (i, j) -> the picture's arrows or units


def _where(pick: Where, i: int, j: int) -> list:
    return pick(i, j) if pick else []


def product(result, left, right, bias=None, arrows: Where = None, units: Where = None):
    """Entry (i, j) of ``left @ right (+ bias)``: row i of left times column j of right.

    Each of `result`, `left`, `right`, `bias` is a pair (name, matrix).
    """
    (c_name, C), (a_name, A), (b_name, B) = result, left, right

    def explain(i: int, j: int) -> Entry:
        inner = range(A.shape[1])
        symbols = [f"{cell(a_name, i, m)}·{cell(b_name, m, j)}" for m in inner]
        values = [f"{factor(A[i, m])}·{factor(B[m, j])}" for m in inner]
        cells = {a_name: [(i, m) for m in inner], b_name: [(m, j) for m in inner]}
        if bias is not None:
            symbols.append(cell(bias[0], 0, j))
            values.append(factor(bias[1][0, j]))
            cells[bias[0]] = [(0, j)]
        cells[c_name] = [(i, j)]
        text = written(c_name, i, j, terms_sum(symbols), terms_sum(values), C[i, j])
        return Entry(text, cells, _where(arrows, i, j), _where(units, i, j))

    return explain


def elementwise(result, operands, pattern: str, arrows: Where = None, units: Where = None):
    """Entry (i, j) from entry (i, j) of each operand, by `pattern` (``"{0}·{1}"``)."""
    c_name, C = result

    def explain(i: int, j: int) -> Entry:
        symbols = pattern.format(*(cell(name, i, j) for name, _ in operands))
        values = pattern.format(*(factor(array[i, j]) for _, array in operands))
        cells = {name: [(i, j)] for name, _ in [*operands, result]}
        text = written(c_name, i, j, symbols, values, C[i, j])
        return Entry(text, cells, _where(arrows, i, j), _where(units, i, j))

    return explain


def column_sum(result, operand, units: Where = None):
    """Entry j of the sum over the rows of `operand` (a bias gradient)."""
    (c_name, C), (a_name, A) = result, operand

    def explain(i: int, j: int) -> Entry:
        rows = range(len(A))
        symbols = terms_sum([cell(a_name, r, j) for r in rows])
        values = terms_sum([factor(A[r, j]) for r in rows])
        cells = {a_name: [(r, j) for r in rows], c_name: [(0, j)]}
        text = written(c_name, i, j, symbols, values, C[0, j])
        return Entry(text, cells, [], _where(units, i, j))

    return explain


__all__ = ["Entry", "Stage", "column_sum", "elementwise", "product"]
