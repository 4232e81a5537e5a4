"""The one error shape for input that cannot be used: every problem at once."""

from __future__ import annotations

from collections.abc import Iterable


class InputProblems(ValueError):
    """An input (file, table) that cannot be used.

    Parameters
    ----------
    source : str
        The input's name, shown first (usually the file name).
    problems : iterable of str
        Every problem found, each naming the entry and the field.
    """

    def __init__(self, source: str, problems: Iterable[str]):
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))
