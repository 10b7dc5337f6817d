"""Exercise checkers: a learner's answer gets "pass", "not attempted yet", or which equation fails and by how much.

- `checking`: the mechanism every checker is built from, and the rules they all follow (read its docstring);
- `nb01` … `nb14`: each notebook's checkers, hints (HINTS) and the references they compare against;
- `solutions`: `hint("05", "gated_backward")` prints a nudge, then the key step, then the solution;
  `show_solution("05", "gated_backward")` prints the solution of that exercise (for learners working in the copies
  `make lab` opens, where the solutions are removed).

A checker kept for learner copies made before an exercise was replaced stays in its module, called by no notebook,
and says in its docstring which exercise replaced it.
"""

from .checking import (  # noqa: F401  (re-exported: the names notebooks and tests use; settings such as
    # TIME_LIMIT are read from .checking, so change them there)
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    call_learner,
    call_learner_measuring_memory,
    check_array,
    check_arrays,
    check_function,
    exact_number,
    exact_whole,
    fresh_rng,
    guard_checkers,
    random_sizes,
    run_limited,
)


def show_solution(notebook, exercise=None):
    """Show the solution of an exercise from the full notebook in notebooks/ (read as JSON, never run).

    notebook: "05" or 5 (or a notebook file name); exercise: its stable id ("gated_backward"), or the number
    the first learner copies used (None lists them). Prints the solution code.
    """
    from .solutions import show_solution as _show

    return _show(notebook, exercise)


def hint(notebook, exercise, tier=None):
    """Print the next hint of an exercise: first a nudge, then the key step, then the solution."""
    from .solutions import hint as _hint

    return _hint(notebook, exercise, tier)
