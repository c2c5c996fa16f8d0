"""Exercises: checkers that give instant, friendly feedback, and student copies of the notebooks.

Workshop mode
-------------
Some notebook cells are exercises (cell tag ``exercise``). Each one defines a
function, with the solution between two marker lines, and then hands the
function to a checker::

    def dense_forward(x, weights, bias):
        \"\"\"Return x @ weights + bias for a whole batch.\"\"\"
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

    check.dense_forward(dense_forward)

The checker runs your function on several seeded cases, compares every
output with what `demystify` itself computes, and either prints
``✅ dense_forward passed 6 checks.`` or raises `ExerciseFailed` with plain
words: which output is wrong, the expected and received shapes, the first
entry that differs (with its index), and -- when the answer matches a known
mistake such as transposed weights, a bias gradient not summed over the
batch, a mean where a sum belongs, a softmax that overflows, or momentum
applied in the wrong order -- a hint naming it. The checkers never show a
solution.

For a workshop, make copies with the solutions taken out::

    python -m demystify.exercises student notebooks workshop     # or: make workshop

Each solution becomes ``raise NotImplementedError("not implemented yet — your turn")``
(the ``def`` line, the docstring and the checker call stay), and the
exercise cells lose their stored outputs. Running such a cell says
"not implemented yet — your turn: write the body of `dense_forward` ..."
until the learner fills it in. From Python: `make_student_copies(src, out)`.

Self-study
----------
Working alone through the full notebooks in JupyterLab, you can keep a
solution out of sight until you want it: click the blue bar to the left of
an exercise cell to collapse its input (click again to open it), or put the
cursor inside the function's body and choose View → Code Folding → Fold
Current, which folds the body (the solution) away under the ``def`` line.
Write your own version in a new cell above, call the checker on it, and
unfold the solution only to compare. Or simply work in the student copies.
"""

from . import check
from .check import ExerciseFailed, NotImplementedYet
from .student import make_student_copies, strip_solutions, student_notebook

__all__ = [
    "check",
    "ExerciseFailed",
    "NotImplementedYet",
    "make_student_copies",
    "strip_solutions",
    "student_notebook",
]
