"""Exercise checkers: a learner's answer gets "pass", "not attempted yet", or which equation fails and by how much.

The mechanism lives here; each notebook's exercises live in `course_lib/exercises/nbNN.py`.
An exercise cell in a notebook holds a working solution between `### BEGIN SOLUTION` and
`### END SOLUTION`; `make student` (tools/make_student.py) replaces that block with `# YOUR CODE HERE`
(plus `raise NotImplementedError()` inside a function). So a learner's untouched cell either leaves a
variable at None (assign it before the BEGIN marker) or makes a function raise NotImplementedError;
both are reported as "not attempted yet", never as an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import rel_error

PASS, NOT_ATTEMPTED, FAIL = "pass", "not attempted yet", "fail"


@dataclass
class Result:
    """The verdict of a checker. Its text is stable across machines (errors are shown rounded)."""

    status: str
    message: str

    @property
    def passed(self) -> bool:
        """True for a pass."""
        return self.status == PASS

    def __repr__(self) -> str:
        mark = {PASS: "✔ pass", NOT_ATTEMPTED: "… not attempted yet", FAIL: "✘ fail"}[self.status]
        return f"{mark}: {self.message}"

    __str__ = __repr__


def _not_attempted(name: str) -> Result:
    return Result(NOT_ATTEMPTED, f"{name} is still empty; write your code in the marked cell and run it again")


def check_array(name: str, answer, expected, equation: str, tol: float = 1e-8) -> Result:
    """Compare a learner's array with the value `equation` gives (e.g. "Eq. (5.2)").

    None or Ellipsis means not attempted; a wrong shape names both shapes (and hints at a transpose when
    the shapes are each other's reverse); otherwise the relative error (Eq. 2.4) must be <= tol.
    """
    if answer is None or answer is Ellipsis:
        return _not_attempted(name)
    expected = np.asarray(expected, dtype=np.float64)
    try:
        answer = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return Result(FAIL, f"{name} should be a numeric array of shape {expected.shape}, got {type(answer).__name__}")
    if answer.shape != expected.shape:
        hint = " (a missing or extra transpose?)" if answer.shape == expected.shape[::-1] else ""
        return Result(FAIL, f"{name} has shape {answer.shape}, but {equation} gives shape {expected.shape}{hint}")
    if not np.all(np.isfinite(answer)):
        return Result(FAIL, f"{name} contains NaN or Inf")
    err = rel_error(answer, expected)
    if err <= tol:
        return Result(PASS, f"{name} agrees with {equation} (rel. error < {tol:.0e})")
    ratio = ""
    if np.vdot(expected, expected) > 0:
        k = float(np.vdot(answer, expected) / np.vdot(expected, expected))
        if abs(k - 1.0) > 1e-3 and rel_error(answer, k * expected) < 1e-6:
            ratio = f"; it is {k:.3g} × the right answer (a factor or sign?)"
    return Result(FAIL, f"{name} fails {equation}: rel. error {err:.2g}{ratio}")


def _copied(args):
    """Copies of the array arguments (and of arrays inside lists), so no call can change another's inputs."""
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(a.copy())
        elif isinstance(a, list):
            out.append([x.copy() if isinstance(x, np.ndarray) else x for x in a])
        else:
            out.append(a)
    return out


def check_function(name: str, fn, reference, cases, equation: str, tol: float = 1e-8) -> Result:
    """Call a learner's function `fn(*args)` on each case and compare with `reference(*args)`.

    Each call gets its own copies of the array arguments, so a function that updates its inputs in place
    (an optimiser step, say) cannot spoil the reference's inputs. A NotImplementedError (the student
    template) means not attempted; any other exception fails with its message; the first case that
    disagrees is reported with its relative error.
    """
    if fn is None:
        return _not_attempted(name)
    for i, args in enumerate(cases):
        try:
            got = fn(*_copied(args))
        except NotImplementedError:
            return _not_attempted(name)
        except Exception as exc:  # a learner's bug: report it, do not crash the notebook
            return Result(FAIL, f"{name} raised {type(exc).__name__}: {exc}")
        res = check_array(f"{name} (case {i + 1})", got, reference(*_copied(args)), equation, tol)
        if not res.passed:
            if res.status == NOT_ATTEMPTED:
                return Result(FAIL, f"{name} returned None (did you forget `return`?)")
            return res
    return Result(PASS, f"{name} agrees with {equation} on {len(cases)} test cases (rel. error < {tol:.0e})")
