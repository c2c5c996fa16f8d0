"""Checkers for the exercises of notebook 02 that are newer than those in `check`.

Each is written with the harness (`demystify.exercises.harness`): `checker`
turns ``name(run, *functions)`` into the public ``check.name(function)``.
"""

__all__: list[str] = []
