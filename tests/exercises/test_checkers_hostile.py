"""Hostile answers for EVERY checker: each must come back as a Result (a verdict), quickly, with a short message.

The answers: code that raises SystemExit or GeneratorExit, an exception whose
str() raises, a megabyte-long error message, an endless loop (cut off by the time limit, lowered here to keep
the suite fast), objects whose `__eq__` always says True or whose `__repr__`, `__float__`, `__iter__`,
`__len__` and `__array__` raise, 10**400, the string "1", a list of a million items, an int subclass that
equals everything. KeyboardInterrupt (the kernel's Interrupt) must still stop a checker.

Also: an answer that memorises the fixed cases fails, because every function checker draws one more case at
call time (the brief's item 2), while the verdict text of a correct answer stays the same from call to call.
"""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest
from test_checkers import CHECKERS, REGISTRY

import course_lib.exercises.checking as ex
from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, Result

LIMIT = 0.1  # seconds per learner call in these tests (TIME_LIMIT's default is 5 s)
MESSAGE_BOUND = 700  # characters: learner text is cut to 300, the checker's own words add the rest


@pytest.fixture(autouse=True)
def short_time_limit(monkeypatch):
    monkeypatch.setattr(ex, "TIME_LIMIT", LIMIT)


# --------------------------------------------------------------------------- hostile objects
class EqualsEverything:
    """`==` says True to anything, `!=` False: a checker that trusts it passes any answer."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class RaisesEverywhere:
    def _boom(self, *args, **kwargs):
        raise RuntimeError("hostile method")

    __repr__ = __str__ = __float__ = __int__ = __index__ = __iter__ = __len__ = __array__ = __bool__ = _boom
    __getitem__ = __eq__ = __lt__ = __gt__ = __mul__ = __rmul__ = __add__ = __radd__ = __getattr__ = _boom
    __hash__ = object.__hash__


class EvilInt(int):
    """A whole number (wrong for every checker) that claims to equal everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


class StrRaises(Exception):
    def __str__(self):
        raise SystemExit("str of the exception")


def _raise(exc):
    def fn(*args):
        raise exc

    return fn


def _endless(*args):
    while True:
        pass


def _endless_swallowing(*args):  # catches Exception, as careless learner code does: the limit is a BaseException
    while True:
        try:
            while True:
                pass
        except Exception:
            pass


HOSTILE_FUNCTIONS = {
    "raises SystemExit": _raise(SystemExit(3)),
    "calls exit()": lambda *a: exit(),
    "raises GeneratorExit": _raise(GeneratorExit()),
    "raises an exception whose str() raises": _raise(StrRaises()),
    "raises a megabyte-long message": _raise(ValueError("x" * 10**6)),
    "loops forever": _endless,
    "loops forever, catching Exception": _endless_swallowing,
    "returns an object equal to everything": lambda *a: EqualsEverything(),
    "returns an object whose methods raise": lambda *a: RaisesEverywhere(),
    "returns 10**400": lambda *a: 10**400,
    "returns the string '1'": lambda *a: "1",
    "returns a list of a million items": lambda *a: list(range(10**6)),
    "returns a list of objects equal to everything": lambda *a: [EqualsEverything() for _ in range(8)],
    "returns an int equal to everything": lambda *a: EvilInt(987654),
    "returns a tuple of objects whose methods raise": lambda *a: (RaisesEverywhere(), RaisesEverywhere()),
}

HOSTILE_VALUES = {
    "an object equal to everything": EqualsEverything(),
    "an object whose methods raise": RaisesEverywhere(),
    "10**400": 10**400,
    "the string '1'": "1",
    "an int equal to everything": EvilInt(987654),
    "a list of a million items": list(range(10**6)),
    "a tuple of objects whose methods raise": (RaisesEverywhere(),) * 4,
    "a dict whose values raise": {"X": RaisesEverywhere(), "n_params": RaisesEverywhere()},
}


def _cases():
    for key in sorted(REGISTRY):
        if key not in CHECKERS:
            continue
        hostile = HOSTILE_VALUES if REGISTRY[key].kind == "value" else HOSTILE_FUNCTIONS
        for what, answer in hostile.items():
            yield pytest.param(key, answer, id=f"{key}-{what}")


@pytest.mark.parametrize("key, answer", list(_cases()))
def test_hostile_answer_gets_a_verdict(key, answer):
    entry, checker = REGISTRY[key], CHECKERS[key]
    call = entry.call or (lambda c, a: c(a))
    start = time.perf_counter()
    res = call(checker, answer)  # any exception here fails the test: checkers never raise
    elapsed = time.perf_counter() - start
    assert isinstance(res, Result), res
    assert res.status == FAIL, f"{key}: {res!r}"
    assert 0 < len(res.message) <= MESSAGE_BOUND, (len(res.message), res.message[:400])
    assert elapsed < 30, f"{key} took {elapsed:.1f} s"  # learner calls are cut off at LIMIT × (1 or 12)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0, "a checker left its timer running"
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None) or \
        signal.getsignal(signal.SIGALRM) is not ex._on_alarm, "a checker left its SIGALRM handler installed"


def test_endless_loop_is_cut_off_with_a_clear_message():
    from course_lib.exercises import nb02

    start = time.perf_counter()
    res = nb02.check_grad_W(_endless)
    assert time.perf_counter() - start < 2.0
    assert res.status == FAIL and "did not finish within 0.1 s" in res.message and "endless loop" in res.message


def test_keyboard_interrupt_still_stops_a_checker():
    from course_lib.exercises import nb02, nb09, nb10

    def interrupted(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        nb02.check_grad_W(interrupted)
    with pytest.raises(KeyboardInterrupt):
        nb09.check_topological_order(interrupted)
    with pytest.raises(KeyboardInterrupt):
        nb10.check_jacobian(interrupted)


def test_system_exit_is_named():
    from course_lib.exercises import nb01

    res = nb01.check_layer_forward(lambda *a: exit(2))
    assert res.status == FAIL and "exit()" in res.message and "SystemExit" in res.message


def test_time_limit_keeps_an_outer_timer_alone():
    """With someone else's interval timer running, run_limited runs the code without a limit and leaves the
    timer and its handler as they were."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        assert ex.run_limited(lambda: 42, (), 0.01) == 42
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def test_correct_answers_keep_their_pass_message():
    """nbval compares the committed notebooks' printed verdicts: a pass reads the same on every call, although
    each call draws a new random case."""
    for key in ("nb01.check_layer_forward", "nb04.check_two_layer_grads", "nb05.check_rank_prediction",
                "nb09.check_topological_order", "nb12.check_softmax_vjp",
                "nb12.check_log_softmax_vjp"):
        entry, checker = REGISTRY[key], CHECKERS[key]
        first, second = checker(entry.ref), checker(entry.ref)
        assert first.status == PASS and first.message == second.message, (first, second)


# --------------------------------------------------------------------------- answers hard-coded to the cases
def _key(x):
    if isinstance(x, np.ndarray):
        return ("array", x.shape, x.tobytes())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_key(a) for a in x))
    return ("value", repr(x))


def _memorisable():
    for key in sorted(REGISTRY):
        entry = REGISTRY[key]
        if key in CHECKERS and entry.kind in ("function", "slow function") and entry.call is None:
            yield key


@pytest.mark.parametrize("key", list(_memorisable()))
def test_an_answer_memorising_the_fixed_cases_fails(key, monkeypatch):
    """Record the right answer for every input the checker shows in one call; an answer that replays those and
    returns None for anything new would pass a checker with fixed cases only. The case drawn at call time makes
    it fail (checked on up to 5 calls: a few checkers draw from small sets)."""
    entry, checker = REGISTRY[key], CHECKERS[key]
    table = {}
    # This test is about replayed answers, not time: the learner's full time limit, so that a reference that
    # trains (12.5's classifier) passes on a loaded machine too
    monkeypatch.setattr(ex, "TIME_LIMIT", 5.0)

    def recorder(*args):
        got = entry.ref(*args)
        table[_key(args)] = got
        return got

    assert checker(recorder).status == PASS

    def memoriser(*args):
        return table.get(_key(args))

    verdicts = [checker(memoriser) for _ in range(5)]
    assert any(v.status == FAIL for v in verdicts), f"{key}: a memorised answer passed 5 times: {verdicts[0]!r}"
    assert all(v.status in (PASS, FAIL) for v in verdicts)


def test_not_attempted_still_reads_not_attempted():
    for key in sorted(REGISTRY):
        if key in CHECKERS and REGISTRY[key].kind != "value":
            entry, checker = REGISTRY[key], CHECKERS[key]
            call = entry.call or (lambda c, a: c(a))
            assert call(checker, None).status == NOT_ATTEMPTED, key
