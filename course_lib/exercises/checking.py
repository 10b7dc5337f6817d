"""The checker mechanism: a learner's answer gets "pass", "not attempted yet", or which equation fails and by how much.

Each notebook's checkers (`course_lib/exercises/nbNN.py`) are built from what this module provides: calling learner
code safely (`call_learner`, a time limit, private copies of the inputs), comparing arrays (`check_array`,
`check_arrays`, `check_function`) and numbers (`exact_number`, `exact_whole`), and `guard_checkers`.
An exercise cell in a notebook holds a working solution between `### BEGIN SOLUTION` and
`### END SOLUTION`; `make student` (tools/make_student.py) replaces that block with `# YOUR CODE HERE`
(plus `raise NotImplementedError()` inside a function). So a learner's untouched cell either leaves a
variable at None (assign it before the BEGIN marker) or makes a function raise NotImplementedError;
both are reported as "not attempted yet", never as an error.

The rules every checker follows (tests/exercises/test_checkers.py feeds each one wrong and odd answers):
- the learner's function gets private copies of the inputs; the reference is computed first, from other
  copies, so an answer that edits its inputs changes nothing the checker compares against;
- whatever the learner's code does (raise anything but KeyboardInterrupt, SystemExit included; loop
  forever; return None, a list, a string, the wrong shape, NaN, a complex array, 10**400, an object whose
  `__eq__` always says True or whose `__repr__`, `__float__`, `__iter__` or `__array__` raises) the
  checker returns a Result with a clear message; it never raises itself (every `check_*` is wrapped by
  `guard_checkers`) and never hangs: each call of learner code is cut off after TIME_LIMIT seconds
  (`signal.setitimer` on the main thread; elsewhere, or on a platform without SIGALRM, there is no limit
  and the kernel's Interrupt stops it). Learner-controlled text in a message is cut to 300 characters;
- a function is tried on several shapes, non-square ones among them, plus at least one case drawn at
  call time (`fresh_rng()`), so an answer hard-coded to the fixed cases fails; the pass message counts
  the fixed cases only, so its text is the same on every run;
- a failure names the equation, and for several arrays the one where the error starts (upstream in the
  backward pass), not the first one in return order;
- a hint only where it says something: the transpose of the right answer, k × the right answer (named:
  "2 ×", "−1 ×"), all zeros, a float32 answer; never a factor for a single number.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import re
import signal
import threading
import tracemalloc
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..gradcheck import rel_error

PASS, NOT_ATTEMPTED, FAIL = "pass", "not attempted yet", "fail"


TIME_LIMIT = 5.0
"""Seconds one call of learner code may take (times `slow` where a checker asks for more); tests lower it."""

MAX_TEXT = 300
"""Characters of learner-controlled text (an exception's message, a repr) a verdict quotes at most."""

MAX_MESSAGE = 1200
"""A verdict's message is never longer than this (a last guard; the messages are built far shorter)."""


class LearnerTimeout(BaseException):
    """Raised inside learner code when it runs past its time limit (a BaseException, like KeyboardInterrupt,
    so that `except Exception` in the learner's code does not swallow it)."""


_ALARM = {"armed": False}


def _on_alarm(signum, frame):
    if _ALARM["armed"]:
        raise LearnerTimeout()


def _can_time_out() -> bool:
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0)  # never take over someone else's timer


def run_limited(fn, args=(), seconds: float | None = None):
    """fn(*args), stopped by LearnerTimeout after `seconds` (default TIME_LIMIT).

    Uses SIGALRM through signal.setitimer, so only on the main thread (where a Jupyter cell runs) and only
    if no other interval timer is running; otherwise fn runs without a limit. The alarm repeats every
    0.1 s until fn returns, so code that catches the first LearnerTimeout is stopped again.
    """
    seconds = TIME_LIMIT if seconds is None else seconds
    if not (seconds and seconds > 0 and _can_time_out()):
        return fn(*args)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _ALARM["armed"] = True
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        return fn(*args)
    finally:
        _ALARM["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def _shown(x, show, what: str) -> str:
    """show(x) (str or repr) that never raises (a hostile __str__/__repr__) and is never longer than MAX_TEXT."""
    try:
        text = show(x)
    except BaseException as exc:  # noqa: BLE001 - learner-controlled
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = f"<a {_type_name(x)} whose {what} raises>"
    return _cut(text)


def _text(x) -> str:
    """str(x) that never raises and is never longer than MAX_TEXT characters."""
    return _shown(x, str, "str()")


def _short(x) -> str:
    """repr(x) that never raises and is never longer than MAX_TEXT characters."""
    return _shown(x, repr, "repr()")


def _cut(text, n: int = MAX_TEXT) -> str:
    text = text if isinstance(text, str) else object.__repr__(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _type_name(x) -> str:
    try:
        name = type(x).__name__
    except BaseException:  # noqa: BLE001
        name = "object"
    return _cut(name if isinstance(name, str) else "object", 60)


def fresh_rng() -> np.random.Generator:
    """An unseeded generator: the cases drawn from it differ on every call (answers hard-coded to the fixed
    cases fail), while verdict texts stay the same (they never quote a random case)."""
    return np.random.default_rng()


def random_sizes(rng, k: int, low: int = 1, high: int = 7, distinct: bool = True) -> list[int]:
    """k sizes in [low, high]; distinct (so no matrix is square by chance) when there are enough values."""
    if distinct and high - low + 1 >= k:
        return [int(v) for v in rng.choice(np.arange(low, high + 1), size=k, replace=False)]
    return [int(v) for v in rng.integers(low, high + 1, size=k)]


def exact_number(x):
    """x as a plain Python int or float if it is one of the ordinary number types (int, float, numpy's
    integer and floating scalars, bool excluded), else None. Subclasses are not trusted: their `__eq__`
    could say True to anything; the value is read through numpy, which ignores overridden methods."""
    if isinstance(x, bool) or isinstance(x, np.bool_):
        return None
    if type(x) in (int, float) or (isinstance(x, (np.integer, np.floating)) and type(x).__module__ == "numpy"):
        if type(x) is int and abs(x) > 2**63:
            return None  # 10**400: not a number a checker can compare
        return x.item() if isinstance(x, np.generic) else x
    if type(x) is Fraction:  # Fraction(1, 9) is an exact answer; read its two ints, never its methods
        num, den = int.__int__(x.numerator), int.__int__(x.denominator)
        if max(abs(num), den) > 2**63:
            return None
        return num / den
    return None


def exact_whole(x):
    """x as a Python int if it is a whole number of an ordinary type (1, np.int64(1), 1.0, Fraction(2, 1)),
    else None: a count may be written as 3.0."""
    value = exact_number(x)
    if value is None or not np.isfinite(value) or value != int(value):
        return None
    return int(value)


def guard_checkers(namespace: dict) -> None:
    """Wrap every `check_*` function defined in a checker module (its globals()) so it never raises.

    Whatever escapes a checker (an answer object whose methods raise, SystemExit, a LearnerTimeout in code
    the checker runs on the answer) becomes a failing Result; KeyboardInterrupt still stops it. Messages
    longer than MAX_MESSAGE are cut.
    """
    module = namespace.get("__name__")
    for key, fn in list(namespace.items()):
        if key.startswith("check_") and inspect.isfunction(fn) and fn.__module__ == module \
                and not getattr(fn, "_guarded", False):
            namespace[key] = _guarded(fn)


def _guarded(fn):
    @functools.wraps(fn)
    def checker(*args, **kwargs):
        try:
            res = fn(*args, **kwargs)
        except KeyboardInterrupt:
            raise
        except LearnerTimeout:
            return Result(FAIL, f"{fn.__name__}: your answer took longer than {_seconds()} to check "
                                "(an endless loop?)")
        except BaseException as exc:  # noqa: BLE001 - an answer that breaks the checker is a failing answer
            return Result(FAIL, f"{fn.__name__} could not read your answer: {_type_name(exc)}: "
                                f"{_first_line(exc)}")
        if not isinstance(res, Result):
            return Result(FAIL, f"{fn.__name__} could not judge your answer")
        if len(res.message) > MAX_MESSAGE:
            res = Result(res.status, res.message[: MAX_MESSAGE - 1] + "…")
        return res

    checker._guarded = True
    return checker


def _seconds(slow: float = 1.0) -> str:
    return f"{TIME_LIMIT * slow:g} s"


def _first_line(exc) -> str:
    text = _text(exc)
    return text.splitlines()[0] if text else ""


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
    shape = getattr(x, "shape", None) if isinstance(x, np.ndarray) else None
    if isinstance(shape, tuple):
        return str(shape)
    if isinstance(x, (list, tuple)):
        return f"a {_type_name(x)} of {len(x)}"
    return _type_name(x)


def _arg_shapes(fn, args) -> str:
    """'G (4, 2), W (3, 2)': the learner's parameter names with the shapes they received."""
    try:
        names = [_cut(str(n), 40) for n in inspect.signature(fn).parameters]
    except BaseException as exc:  # noqa: BLE001 - not a plain function (a callable object, a builtin)
        if isinstance(exc, KeyboardInterrupt):
            raise
        names = []
    names += [f"argument {i + 1}" for i in range(len(names), len(args))]
    return ", ".join(f"{n} {_describe(a)}" for n, a in zip(names, args))


def _dropped_axis(numpy_text: str) -> bool:
    """True if numpy's broadcast error pairs a (B,) array with a (B, n) one, n ≠ B: a row sum without keepdims."""
    shapes = [tuple(int(v) for v in m.split(",") if v.strip())
              for m in re.findall(r"\((\d+(?:,\s*\d+)*),?\)", numpy_text)]
    rows = {sh[0] for sh in shapes if len(sh) == 2 and sh[0] != sh[1]}
    return any(len(sh) == 1 and sh[0] in rows for sh in shapes)


def _explain_exception(name: str, fn, args, exc: BaseException, slow: float = 1.0) -> str:
    if isinstance(exc, LearnerTimeout):
        return f"{name} did not finish within {_seconds(slow)} (an endless loop?)"
    text = _first_line(exc)
    if isinstance(exc, ValueError) and ("matmul" in text or "not aligned" in text or "core dimension" in text):
        return (f"{name} hit a shape mismatch in a matrix product (a missing transpose?). "
                f"Your inputs: {_arg_shapes(fn, args)}; numpy says: {text}")
    if isinstance(exc, ValueError) and "broadcast" in text:
        if _dropped_axis(text):
            return (f"{name} combined a (B,) array with a (B, n) one: a sum or mean over axis=1 drops that axis, "
                    f"and numpy then lines the B values up with the n columns. Keep it as a (B, 1) column with "
                    f"keepdims=True (or [:, None]) so it broadcasts along each row. "
                    f"Your inputs: {_arg_shapes(fn, args)}; numpy says: {text}")
        return (f"{name} combined arrays whose shapes do not fit (a missing transpose or sum?). "
                f"Your inputs: {_arg_shapes(fn, args)}; numpy says: {text}")
    if isinstance(exc, SystemExit):
        return f"{name} called exit() (SystemExit{': ' + text if text else ''}): return the answer instead"
    return f"{name} raised {_type_name(exc)}" + (f": {text}" if text else "")


def call_learner(name: str, fn, args, slow: float = 1.0):
    """Call a learner's `fn(*args)` on private copies of args. Returns (answer, None) or (None, Result).

    The Result says "not attempted yet" for None or NotImplementedError (the student template), and
    fails clearly for anything that is not a function, any exception (SystemExit included; a shape
    mismatch in a matrix product is named as such, with the shapes of the inputs), a call that runs past
    TIME_LIMIT × slow seconds, and a None return (a forgotten `return`). Only KeyboardInterrupt (the
    kernel's Interrupt) passes through.
    """
    if fn is None or fn is Ellipsis:
        return None, _not_attempted(name)
    if not callable(fn):
        return None, Result(FAIL, f"{name} should be a function, got {_type_name(fn)}")
    args = tuple(_copied(tuple(args)))
    try:
        got = run_limited(fn, args, TIME_LIMIT * slow)
    except NotImplementedError:
        return None, _not_attempted(name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a learner's bug: report it, do not crash the notebook
        return None, Result(FAIL, _explain_exception(name, fn, args, exc, slow))
    if got is None:
        return None, Result(FAIL, f"{name} returned None (did you forget `return`?)")
    return got, None


def call_learner_measuring_memory(name: str, fn, args):
    """call_learner, also measuring the peak memory numpy allocates while fn runs (tracemalloc), in bytes.

    Returns (verdict or None, peak bytes). For exercises that forbid a large intermediate (an n × n Jacobian):
    measured, not guessed from the code."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        _, verdict = call_learner(name, fn, args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if started:
            tracemalloc.stop()
    return verdict, peak


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


def check_array(name: str, answer, expected, equation: str, tol: float = 1e-8, *,
                entrywise: float | None = None) -> Result:
    """Compare a learner's array (or number) with the value `equation` gives (e.g. "Eq. (5.2)").

    None or Ellipsis means not attempted; anything that is not numeric, a complex array, a wrong shape
    (with a transpose or reshape hint where it fits), NaN or Inf fails with a message saying so;
    otherwise the relative error (Eq. 2.6) must be <= tol. With `entrywise`, every nonzero entry must
    also be within that relative error of its own value (the norm-wise error cannot see a wrong 1e-18
    next to a 1; zeros and subnormal values are left to the norm-wise error). Never raises on the learner's answer.
    """
    if answer is None or answer is Ellipsis:
        return _not_attempted(name)
    expected = np.asarray(expected, dtype=np.float64)
    want = "a number" if expected.ndim == 0 else f"a numeric array of shape {expected.shape}"
    if isinstance(answer, (str, bytes, dict, set)) or (callable(answer) and not isinstance(answer, np.ndarray)):
        return Result(FAIL, f"{name} should be {want}, got {_type_name(answer)}")
    try:
        raw = run_limited(np.asarray, (answer,))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - an object whose __array__ raises, a ragged list, …
        return Result(FAIL, f"{name} should be {want}, got {_type_name(answer)} "
                            f"({_type_name(exc)}: {_first_line(exc)})")
    if raw.dtype.kind == "c":
        return Result(FAIL, f"{name} has complex values; {equation} gives real ones")
    if raw.dtype.kind not in "biuf":
        what = "a list of arrays of different shapes?" if isinstance(answer, (list, tuple)) else f"dtype {raw.dtype}"
        return Result(FAIL, f"{name} should be {want}, got {_type_name(answer)} ({what})")
    got = raw.astype(np.float64)
    if got.shape != expected.shape and expected.ndim == 0:
        return Result(FAIL, f"{name} should be a single number ({equation}), got an array of shape {got.shape}")
    if got.shape != expected.shape:
        return Result(FAIL, f"{name} has shape {got.shape}, but {equation} gives shape {expected.shape}"
                            f"{_shape_hint(got, expected)}")
    finite = np.isfinite(got)
    if not np.all(finite):
        return Result(FAIL, f"{name} contains NaN or Inf ({int(np.sum(~finite))} of {got.size} entries); "
                            f"{equation} gives finite values")
    err = rel_error(got, expected)
    if err <= tol and entrywise is not None:
        nonzero = np.abs(expected) >= np.finfo(np.float64).tiny  # subnormals carry too few digits to compare
        worst = np.max(np.abs(got - expected)[nonzero] / np.abs(expected[nonzero]), initial=0.0)
        if worst > entrywise:
            i = np.unravel_index(int(np.argmax(np.where(nonzero, np.abs(got - expected) / np.where(nonzero, np.abs(
                expected), 1.0), 0.0))), expected.shape)
            return Result(FAIL, f"{name} fails {equation} entry by entry: where it gives {expected[i]:.3g} you have "
                                f"{got[i]:.3g} (rel. error {worst:.2g}); small values must be accurate too")
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


def _shape_hint(got: np.ndarray, expected: np.ndarray) -> str:
    """Why a shape may be wrong: a transpose (2-D, or axes in another order) or a missing reshape; a
    reshape is suggested only when the entries are already in the right order."""
    if expected.ndim == 2 and got.shape == expected.shape[::-1]:
        return " (a missing or extra transpose?)"
    if got.size != expected.size:
        return ""
    if np.all(np.isfinite(got)) and rel_error(got.reshape(expected.shape), expected) < 1e-6:
        return f" (the right entries in the right order: reshape it to {expected.shape}?)"
    if 2 <= expected.ndim <= 4 and got.ndim == expected.ndim and np.all(np.isfinite(got)):
        for perm in itertools.permutations(range(expected.ndim)):
            moved = np.transpose(expected, perm)
            if moved.shape == got.shape and rel_error(got, moved) < 1e-6:
                back = tuple(int(a) for a in np.argsort(perm))
                return (f" (the right values with the axes in another order: np.transpose(your answer, {back}) "
                        "would fix it; which index should come first?)")
    return f" (the right number of entries, but reshaping it to {expected.shape} would not give the right values)"


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
                   equations=None, upstream=None, common: str | None = None, random_cases=(),
                   entrywise: float | None = None, slow: float = 1.0) -> Result:
    """Call a learner's function `fn(*args)` on each case and compare with `reference(*args)`.

    The reference is computed first, from private copies of the case; the learner's function gets other
    copies, so an answer that edits its inputs in place (an optimiser step, say) neither fails nor spoils
    the reference. A NotImplementedError (the student template) means not attempted; any other exception
    or a None return fails with a clear message; the first case that disagrees is reported.
    For a function returning several arrays give `labels` (and `equations`, `upstream`, `common`: see
    check_arrays); each may be a list or a function of the case's args.
    random_cases: more cases, drawn at call time (fresh_rng()), tried after the fixed ones; the pass message
    counts them apart ("on 4 test cases and 1 drawn at random"), so it reads the same on every run.
    entrywise: see check_array. slow: the learner's time limit in units of TIME_LIMIT.
    """
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    cases = list(cases)
    for i, args in enumerate(cases + list(random_cases)):
        expected = reference(*_copied(tuple(args)))
        got, verdict = call_learner(name, fn, args, slow)
        if verdict is not None:
            if verdict.status == FAIL:  # say what the equation gives, so the message names it
                shape = getattr(expected, "shape", None)
                gives = f"an array of shape {shape}" if shape else "the values compared"
                verdict = Result(FAIL, f"{verdict.message} ({equation} gives {gives})")
            return verdict
        where = f"(case {i + 1})"
        if labels is None:
            res = check_array(f"{name} {where}", got, expected, equation, tol, entrywise=entrywise)
        else:
            labs = labels(args) if callable(labels) else labels
            eqs = equations(args) if callable(equations) else (equations or [equation] * len(labs))
            order = upstream(args) if callable(upstream) else upstream
            res = check_arrays(f"{name} {where}", got, expected, labs, eqs, tol, order, common)
        if not res.passed:
            return res
    drawn = len(list(random_cases))
    extra = f" and {drawn} drawn at random" if drawn else ""
    return Result(PASS, f"{name} agrees with {equation} on {len(cases)} test cases{extra} (rel. error < {tol:.0e})")
