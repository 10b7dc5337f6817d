"""Exercise checkers: a learner's answer gets "pass", "not attempted yet", or which equation fails and by how much.

The mechanism lives here; each notebook's exercises live in `course_lib/exercises/nbNN.py`.
An exercise cell in a notebook holds a working solution between `### BEGIN SOLUTION` and
`### END SOLUTION`; `make student` (tools/make_student.py) replaces that block with `# YOUR CODE HERE`
(plus `raise NotImplementedError()` inside a function). So a learner's untouched cell either leaves a
variable at None (assign it before the BEGIN marker) or makes a function raise NotImplementedError;
both are reported as "not attempted yet", never as an error.

The rules every checker follows (tests/test_checkers.py feeds each one wrong and odd answers):
- the learner's function gets private copies of the inputs; the reference is computed first, from other
  copies, so an answer that edits its inputs changes nothing the checker compares against;
- whatever the learner's code does (raise, return None, a list, a string, the wrong shape, NaN, a
  complex array) the checker returns a Result with a clear message; it never raises itself;
- a failure names the equation, and for several arrays the one where the error starts (upstream in the
  backward pass), not the first one in return order;
- a hint only where it says something: the transpose of the right answer, k × the right answer (named:
  "2 ×", "−1 ×"), all zeros, a float32 answer; never a factor for a single number.

`show_solution("05", 2)` prints the solution of exercise 2 of notebook 05 (for learners working in the
copies `make lab` opens, where the solutions are removed).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from fractions import Fraction

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
        mark = {PASS: "✔ pass", NOT_ATTEMPTED: "… not attempted yet", FAIL: "✘ fail"}.get(self.status, self.status)
        return f"{mark}: {self.message}"

    __str__ = __repr__


def _not_attempted(name: str) -> Result:
    return Result(NOT_ATTEMPTED, f"{name} is still empty; write your code in the marked cell and run it again")


def _copied(args):
    """Deep copies of the arguments (arrays, also inside lists, tuples and dicts); other values as they are."""
    if isinstance(args, np.ndarray):
        return args.copy()
    if isinstance(args, list):
        return [_copied(a) for a in args]
    if isinstance(args, tuple):
        return tuple(_copied(a) for a in args)
    if isinstance(args, dict):
        return {k: _copied(v) for k, v in args.items()}
    return args


def _describe(x) -> str:
    shape = getattr(x, "shape", None)
    if isinstance(shape, tuple):
        return str(shape)
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)}"
    return type(x).__name__


def _arg_shapes(fn, args) -> str:
    """'G (4, 2), W (3, 2)': the learner's parameter names with the shapes they received."""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    names += [f"argument {i + 1}" for i in range(len(names), len(args))]
    return ", ".join(f"{n} {_describe(a)}" for n, a in zip(names, args))


def _explain_exception(name: str, fn, args, exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, ValueError) and ("matmul" in text or "not aligned" in text or "core dimension" in text):
        return (f"{name} hit a shape mismatch in a matrix product (a missing transpose?). "
                f"Your inputs: {_arg_shapes(fn, args)}; numpy says: {text}")
    if isinstance(exc, ValueError) and "broadcast" in text:
        return (f"{name} combined arrays whose shapes do not fit (a missing transpose or sum?). "
                f"Your inputs: {_arg_shapes(fn, args)}; numpy says: {text}")
    return f"{name} raised {type(exc).__name__}: {text}"


def call_learner(name: str, fn, args):
    """Call a learner's `fn(*args)` on private copies of args. Returns (answer, None) or (None, Result).

    The Result says "not attempted yet" for None or NotImplementedError (the student template), and
    fails clearly for anything that is not a function, any exception (a shape mismatch in a matrix
    product is named as such, with the shapes of the inputs), and a None return (a forgotten `return`).
    """
    if fn is None or fn is Ellipsis:
        return None, _not_attempted(name)
    if not callable(fn):
        return None, Result(FAIL, f"{name} should be a function, got {type(fn).__name__}")
    args = tuple(_copied(tuple(args)))
    try:
        got = fn(*args)
    except NotImplementedError:
        return None, _not_attempted(name)
    except Exception as exc:  # a learner's bug: report it, do not crash the notebook
        return None, Result(FAIL, _explain_exception(name, fn, args, exc))
    if got is None:
        return None, Result(FAIL, f"{name} returned None (did you forget `return`?)")
    return got, None


def _fraction(k: float) -> str:
    """k as a short exact-looking number: "2", "−1", "1/2", "−3/4", else 3 significant digits."""
    f = Fraction(k).limit_denominator(12)
    if abs(float(f) - k) <= 1e-6 * abs(k):
        text = str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    else:
        text = f"{k:.3g}"
    return text.replace("-", "−")


def _factor(answer: np.ndarray, expected: np.ndarray):
    """k with answer = k · expected (to 1e-6), or None. Never for a single number: any number is a multiple."""
    if expected.size < 2 or not np.any(answer):
        return None
    ee = float(np.vdot(expected, expected))
    if ee == 0.0:
        return None
    k = float(np.vdot(answer, expected)) / ee
    if abs(k - 1.0) > 1e-3 and rel_error(answer, k * expected) < 1e-6:
        return k
    return None


def _factor_hint(k: float) -> str:
    if abs(k + 1.0) < 1e-6:
        return "it is −1 × the right answer (a sign error?)"
    why = "a factor and a sign?" if k < 0 else "a missing or extra factor?"
    return f"it is {_fraction(k)} × the right answer ({why})"


def check_array(name: str, answer, expected, equation: str, tol: float = 1e-8) -> Result:
    """Compare a learner's array (or number) with the value `equation` gives (e.g. "Eq. (5.2)").

    None or Ellipsis means not attempted; anything that is not numeric, a complex array, a wrong shape
    (with a transpose or reshape hint where it fits), NaN or Inf fails with a message saying so;
    otherwise the relative error (Eq. 2.4) must be <= tol. Never raises on the learner's answer.
    """
    if answer is None or answer is Ellipsis:
        return _not_attempted(name)
    expected = np.asarray(expected, dtype=np.float64)
    want = "a number" if expected.ndim == 0 else f"a numeric array of shape {expected.shape}"
    if isinstance(answer, (str, bytes, dict, set)) or (callable(answer) and not isinstance(answer, np.ndarray)):
        return Result(FAIL, f"{name} should be {want}, got {type(answer).__name__}")
    try:
        raw = np.asarray(answer)
    except Exception as exc:  # an object whose __array__ raises, a ragged list, …
        return Result(FAIL, f"{name} should be {want}, got {type(answer).__name__} ({type(exc).__name__}: {exc})")
    if raw.dtype.kind == "c":
        return Result(FAIL, f"{name} has complex values; {equation} gives real ones")
    if raw.dtype.kind not in "biuf":
        what = "a list of arrays of different shapes?" if isinstance(answer, (list, tuple)) else f"dtype {raw.dtype}"
        return Result(FAIL, f"{name} should be {want}, got {type(answer).__name__} ({what})")
    got = raw.astype(np.float64)
    if got.shape != expected.shape and expected.ndim == 0:
        return Result(FAIL, f"{name} should be a single number ({equation}), got an array of shape {got.shape}")
    if got.shape != expected.shape:
        if expected.ndim == 2 and got.shape == expected.shape[::-1]:
            hint = " (a missing or extra transpose?)"
        elif got.size == expected.size:
            hint = f" (the right number of entries: reshape it to {expected.shape}?)"
        else:
            hint = ""
        return Result(FAIL, f"{name} has shape {got.shape}, but {equation} gives shape {expected.shape}{hint}")
    finite = np.isfinite(got)
    if not np.all(finite):
        return Result(FAIL, f"{name} contains NaN or Inf ({int(np.sum(~finite))} of {got.size} entries); "
                            f"{equation} gives finite values")
    err = rel_error(got, expected)
    if err <= tol:
        return Result(PASS, f"{name} agrees with {equation} (rel. error < {tol:.0e})")
    msg = f"{name} fails {equation}: rel. error {err:.2g}"
    k = _factor(got, expected)
    if expected.ndim == 0:
        msg += f" (you have {float(got):.6g})"
    elif not np.any(got):
        msg += "; it is all zeros"
    elif expected.ndim == 2 and expected.shape[0] == expected.shape[1] > 1 and rel_error(got, expected.T) < 1e-6:
        msg += "; it is the transpose of the right answer (a missing or extra transpose?)"
    elif k is not None:
        msg += "; " + _factor_hint(k)
    if raw.dtype.itemsize < 8 and raw.dtype.kind == "f" and err < 1e-3:
        msg += f" (your answer is {raw.dtype}: compute in float64)"
    return Result(FAIL, msg)


def check_arrays(name: str, answers, expected, labels, equations, tol: float = 1e-8, upstream=None,
                 common: str | None = None) -> Result:
    """Compare a learner's sequence of arrays with the expected ones, reporting where the error STARTS.

    labels/equations: one per array (e.g. "dW", "Eq. (4.9)"). upstream: the indices in the order errors
    propagate (for gradients, the backward pass: the last layer first); the first failing array in that
    order is reported, and the others that fail are named as downstream of it. common: the equation all
    arrays come from (e.g. "Eq. (4.5)"): named when every array is off by the same factor.
    """
    n = len(expected)
    labels, equations = list(labels), list(equations)
    what = ", ".join(labels)
    if isinstance(answers, np.ndarray) or not isinstance(answers, (tuple, list)):
        return Result(FAIL, f"{name} should return a tuple of {n} arrays ({what}), got {_describe(answers)}")
    if len(answers) != n:
        return Result(FAIL, f"{name} should return {n} arrays ({what}), got {len(answers)}")
    results = []
    for label, eq, a, e in zip(labels, equations, answers, expected):
        res = check_array(label, a, e, eq, tol)
        if res.status == NOT_ATTEMPTED:
            res = Result(FAIL, f"{label} is None")
        results.append(res)
    failing = [i for i in (upstream if upstream is not None else range(n)) if not results[i].passed]
    if not failing:
        return Result(PASS, f"{name}: {what} agree with {', '.join(dict.fromkeys(equations))}")
    if common and len(failing) == n > 1:
        ks = []
        for a, e in zip(answers, expected):
            try:
                a = np.asarray(a)
                real = a.dtype.kind in "biuf" and a.shape == np.shape(e)
                ks.append(_factor(a.astype(np.float64), np.asarray(e, dtype=np.float64)) if real else None)
            except Exception:  # a malformed entry: no common factor to report
                ks.append(None)
        if all(k is not None for k in ks) and max(ks) - min(ks) <= 1e-6 * max(abs(k) for k in ks):
            return Result(FAIL, f"{name}: every array ({what}) is {_fraction(ks[0])} × the right answer; "
                                f"the error starts upstream of all of them, in {common}")
    first = failing[0]
    msg = f"{name}: {results[first].message}"
    if len(failing) > 1:
        rest = ", ".join(labels[i] for i in failing[1:])
        verb = "also fails" if len(failing) == 2 else "also fail"
        if upstream is not None:
            msg += f". {rest} {verb}, but {labels[first]} comes first in the backward pass: fix it first"
        else:
            msg += f". {rest} {verb}"
    return Result(FAIL, msg)


def check_function(name: str, fn, reference, cases, equation: str, tol: float = 1e-8, *, labels=None,
                   equations=None, upstream=None, common: str | None = None) -> Result:
    """Call a learner's function `fn(*args)` on each case and compare with `reference(*args)`.

    The reference is computed first, from private copies of the case; the learner's function gets other
    copies, so an answer that edits its inputs in place (an optimiser step, say) neither fails nor spoils
    the reference. A NotImplementedError (the student template) means not attempted; any other exception
    or a None return fails with a clear message; the first case that disagrees is reported.
    For a function returning several arrays give `labels` (and `equations`, `upstream`, `common`: see
    check_arrays); each may be a list or a function of the case's args.
    """
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    for i, args in enumerate(cases):
        expected = reference(*_copied(tuple(args)))
        got, verdict = call_learner(name, fn, args)
        if verdict is not None:
            if verdict.status == FAIL:  # say what the equation gives, so the message names it
                shape = getattr(expected, "shape", None)
                gives = f"an array of shape {shape}" if shape else "the values compared"
                verdict = Result(FAIL, f"{verdict.message} ({equation} gives {gives})")
            return verdict
        where = f"(case {i + 1})"
        if labels is None:
            res = check_array(f"{name} {where}", got, expected, equation, tol)
        else:
            labs = labels(args) if callable(labels) else labels
            eqs = equations(args) if callable(equations) else (equations or [equation] * len(labs))
            order = upstream(args) if callable(upstream) else upstream
            res = check_arrays(f"{name} {where}", got, expected, labs, eqs, tol, order, common)
        if not res.passed:
            return res
    return Result(PASS, f"{name} agrees with {equation} on {len(cases)} test cases (rel. error < {tol:.0e})")


def show_solution(notebook, exercise: int | None = None):
    """Show the solution of an exercise from the full notebook in notebooks/ (read as JSON, never run).

    notebook: "05" or 5 (or a notebook file name); exercise: 1, 2, … in the order the exercises appear
    (None lists them). Displays the solution code; returns it as a string.
    """
    from .solutions import show_solution as _show

    return _show(notebook, exercise)
