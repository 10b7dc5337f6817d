"""Exercises of notebook 08 (the live training lab): measure things with the headless `Session` and predict them.

Every checker trains a course_lib.lab.Session synchronously, seeded, so its verdict is the same on every run;
none of them touches the dashboard (its live loop keeps running).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..lab import LabConfigError, Session, decode_config, validate_config
from .checking import (
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    _cut,
    _first_line,
    _short,
    _type_name,
    call_learner,
    check_array,
    check_function,
    exact_number,
    exact_whole,
    fresh_rng,
    guard_checkers,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_vanishing_ratio',)


class _Setting(dict):
    """A module-level setting that learner code cannot change by accident (`nb08.BATCH_SETTING["lr"] = 1` raises):
    still a dict, so `Session(setting)` and `dict(setting, lr=…)` (a changed copy) work."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("nb08's settings are read-only: make a changed copy with dict(nb08.BATCH_SETTING, "
                        "batch_size=…)")

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = clear = setdefault = _read_only

    def copy(self):
        return dict(self)

    def __reduce_ex__(self, protocol):  # copy.deepcopy and pickle rebuild it without __setitem__
        return (_Setting, (dict(self),))


_SLOW = 12.0
"""The learner's functions here train networks: their time limit is _SLOW × TIME_LIMIT (a minute by default)."""

ABS_STEPS, ABS_GOAL = 1000, 1e-3
DIVERGE_STEPS = 300
DIVERGE_BASE = _Setting(target="sinc", noise=0.1, n_samples=500, hidden_layers=2, width=32, activation="tanh",
                        init="glorot", optimiser="sgd", batch_size=32, seed=0)
"""The setting of the divergence exercise: S2's noisy sinc, a 1-32-32-1 tanh net, plain SGD, batch 32."""


ABS_GRID_POINTS = 2001
ABS_OTHER_SEEDS = (11, 22, 33, 44, 55)
"""Exercise 8.1's setting is trained with its own seed and with four of these (those that differ from its own): it
must reach the target on every one, so a setting that works on some seeds only (by luck of the start) fails."""


def check_abs_config(config) -> Result:
    """config: a lab config (a dict, or a share string "lt1:…" from the dashboard's Export) with target "abs"
    and noise 0 that reaches a validation MSE below 1e-3 within 1000 steps (the checker trains it).

    The validation set is the learner's to choose (n_samples, val_fraction), and one point says little; so the
    trained network must also fit |x| on a dense grid of 2001 points across the target's range, to an MSE
    below 1e-3 (a constant, the mean of |x|, gets var(|x|) ≈ 0.08 there). A setting that fits |x| works from
    any start: the checker trains it with its own seed and with four other fixed seeds (ABS_OTHER_SEEDS) and
    requires both targets on every one of the five (about 0.1 s per session at width 16)."""
    if config is None:
        return Result(NOT_ATTEMPTED, "config is still None; write your config dict in the marked cell and run it")
    try:
        full = decode_config(config) if isinstance(config, str) else validate_config(config)
    except LabConfigError as err:
        return Result(FAIL, f"config is not a valid lab config: {_first_line(err)}")
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - anything odd a learner's value makes it raise
        return Result(FAIL, f"config is not a valid lab config: {_type_name(err)}: {_first_line(err)}")
    if full["target"] != "abs" or full["noise"] != 0.0:
        return Result(FAIL, f"the exercise is about target 'abs' without noise, got target {_short(full['target'])} "
                            f"and noise {full['noise']:g}")
    seeds = [full["seed"]] + [s for s in ABS_OTHER_SEEDS if s != full["seed"]][:4]
    for k, seed in enumerate(seeds):
        verdict = _abs_failure(dict(full, seed=seed))
        if verdict:
            which = ("with its own seed" if k == 0
                     else f"with seed {seed} (one of the four other seeds the checker uses)")
            return Result(FAIL, f"your setting fails {which}: {verdict}"
                                + ("; it must reach the target on every seed, not by luck of one start" if k else ""))
    return Result(PASS, f"after {ABS_STEPS} steps the validation MSE is below {ABS_GOAL:g}, with your seed and 4 "
                        f"others, and the network fits |x| on {ABS_GRID_POINTS} points across x")


def _abs_failure(full) -> str:
    """'' if the setting `full` reaches exercise 8.1's target (validation MSE and the dense grid), else why not."""
    session = Session(full)
    session.train(ABS_STEPS)
    val = session.val_loss
    if session.diverged or not math.isfinite(val):
        return f"training diverged at step {session.diverged_at}: lower the learning rate"
    if val >= ABS_GOAL:
        return (f"after {ABS_STEPS} steps the validation MSE is {val:.1g}, not below {ABS_GOAL:g}: which activation "
                "has a kink like |x|? is the learning rate right? are there enough units?")
    lo, hi = session.target.x_range
    grid = np.linspace(lo, hi, ABS_GRID_POINTS).reshape(-1, 1)
    truth = session.target(grid)
    with np.errstate(all="ignore"):
        grid_mse = float(np.mean((session.model.forward(grid) - truth) ** 2))
    if not grid_mse < ABS_GOAL:
        n_val = session.X_val.shape[0]
        return (f"the validation MSE is below {ABS_GOAL:g}, but only on {n_val} validation point"
                f"{'s' if n_val != 1 else ''}: on {ABS_GRID_POINTS} points across x the MSE is {grid_mse:.2g}, where "
                f"a constant (the mean of |x|) gets var(|x|) = {float(np.var(truth)):.2g}. The network has not learnt "
                "|x|: use more data and a network that can bend")
    return ""


def _diverges(lr) -> bool:
    """Whether plain SGD at `lr` in the setting DIVERGE_BASE diverges within DIVERGE_STEPS steps."""
    session = Session(dict(DIVERGE_BASE, lr=lr))
    session.train(DIVERGE_STEPS)
    return session.diverged


def check_diverging_lr(lr) -> Result:
    """lr: the smallest power of ten (1e-3, 1e-2, 0.1, 1, 10) at which plain SGD in the setting DIVERGE_BASE
    diverges within 300 steps. The checker trains at lr and at lr/10: the first must diverge, the second not."""
    if lr is None:
        return Result(NOT_ATTEMPTED, "diverging_lr is still None; set it in the marked cell and run it")
    number = exact_number(lr)
    if number is None:
        return Result(FAIL, f"diverging_lr should be one of the numbers 1e-3, 1e-2, 0.1, 1, 10; got {_type_name(lr)} "
                            f"{_cut(_short(lr), 40)}")
    lr = float(number)
    exponent = math.log10(lr) if lr > 0 and math.isfinite(lr) else math.nan
    powers = {k: 10.0**k for k in range(-3, 2)}
    k = round(exponent) if math.isfinite(exponent) else None
    if k not in powers or abs(lr - powers[k]) > 1e-15 * powers[k]:
        return Result(FAIL, f"diverging_lr should be one of 1e-3, 1e-2, 0.1, 1, 10; got {_short(lr)}")
    lr = powers[k]
    if not _diverges(lr):
        return Result(FAIL, f"at lr = {lr:g} training does not diverge within {DIVERGE_STEPS} steps: go higher")
    if _diverges(lr / 10):
        return Result(FAIL, f"lr = {lr:g} diverges, but so does lr = {lr / 10:g}: look for a smaller one")
    return Result(PASS, f"lr = {lr:g} diverges within {DIVERGE_STEPS} steps and lr = {lr / 10:g} does not")


def _vanishing_ratio(hidden_layers: int) -> float:
    """RMS(∇W_1) / RMS(∇W_D) at step 0 for a width-32 sigmoid network (Glorot init, default data, seed 0)."""
    g = Session(dict(hidden_layers=hidden_layers, width=32, activation="sigmoid", init="glorot")).grad_rms
    return float(g[0] / g[-1])


def check_vanishing_ratio(fn) -> Result:
    """fn(hidden_layers) -> RMS(∇W_1) / RMS(∇W_D) at step 0 (before any training) for a Session with
    `hidden_layers` sigmoid layers of width 32 and Glorot init (other settings default). Compared with
    `_vanishing_ratio` for 1, 3 and 6 hidden layers."""
    extra = [(int(fresh_rng().choice([2, 4, 5, 7, 8, 9, 10])),)]
    return check_function("vanishing_ratio", fn, _vanishing_ratio, [(1,), (3,), (6,)],
                          "Session.grad_rms", tol=1e-8, random_cases=extra, slow=_SLOW)


# ---------------------------------------------------------------------------------------------------------
# Transfer exercises (predict, then measure)
# ---------------------------------------------------------------------------------------------------------

KINK_SETTING = _Setting(target="sin_s0", noise=0.0, n_samples=100_000, hidden_layers=1, width=64,
                        activation="relu", init="he", optimiser="adam", lr=0.003, batch_size=32)
"""Exercise 8.5's setting: S0's data on [0, 1] with one hidden layer of 64 ReLU units."""


def _relu_kinks(W1, b1, lo, hi) -> int:
    """How many first-layer ReLU units bend strictly inside (lo, hi): unit j of Z = x W_1 + b_1 (one input)
    bends where x W_1[0, j] + b_1[j] = 0, at x = −b_1[j] / W_1[0, j]; a unit with W_1[0, j] = 0 never bends."""
    W1, b1 = np.asarray(W1, dtype=np.float64).reshape(-1), np.asarray(b1, dtype=np.float64).reshape(-1)
    w = np.where(W1 != 0, W1, np.nan)
    with np.errstate(invalid="ignore"):
        x = -b1 / w
        return int(np.sum((x > lo) & (x < hi)))


def _kink_cases():
    """Cases for check_relu_kinks: zero biases (S0's start), random biases, a zero weight, kinks near edges."""
    rng = np.random.default_rng(8)
    W = rng.normal(size=(1, 16))
    return [
        (W, np.zeros(16), 0.0, 1.0),
        (W, rng.normal(size=16), 0.0, 1.0),
        (W, rng.normal(size=16), -4.0, 4.0),
        (np.array([[1.0, -2.0, 0.0, 0.5]]), np.array([-0.5, 1.0, 0.3, -1.0]), 0.0, 1.0),
        (np.array([[1.0, -1.0, 2.0]]), np.array([-1.0, 0.0, -1.0]), 0.0, 1.0),
        # a unit with w = 0 and b = 0 (constant: no kink, although 0 lies inside) and one with a tiny but real w
        # whose kink x = 0.5 lies inside
        (np.array([[0.0, 1e-4, 1.0, 1.0]]), np.array([0.0, -5e-5, -0.25, -5.0]), -1.0, 1.0),
    ]


def _kinks_inclusive(W1, b1, lo, hi) -> int:
    """The count with the ends included, lo ≤ x ≤ hi: exercise 8.5's usual slip (7.5's positions include them)."""
    W1, b1 = np.asarray(W1, dtype=np.float64).reshape(-1), np.asarray(b1, dtype=np.float64).reshape(-1)
    x = -b1[W1 != 0] / W1[W1 != 0]
    return int(np.sum((x >= lo) & (x <= hi)))


def check_relu_kinks(fn) -> Result:
    """fn(W1, b1, lo, hi) -> the number of first-layer units whose kink x = −b_1[j] / W_1[0, j] lies strictly
    between lo and hi (W1 of shape (1, n), b1 of shape (n,)): exercise 8.5's count_kinks_inside. Compared with
    _relu_kinks; a count that includes the ends is told so."""
    name = "count_kinks_inside"
    if fn is None or fn is Ellipsis:
        return Result(NOT_ATTEMPTED, f"{name} is still empty; write your code in the marked cell and run it again")
    rng = fresh_rng()
    n = int(rng.integers(2, 40))
    extra = [(rng.normal(size=(1, n)), rng.normal(size=n), float(rng.uniform(-3, 0)), float(rng.uniform(0.5, 3)))]
    equation = "the number of kinks strictly inside (lo, hi)"
    ambiguous = None  # a case where "every unit" and "the ends included" give the same wrong count
    for i, args in enumerate(_kink_cases() + extra):
        expected = _relu_kinks(*args)
        got, verdict = call_learner(name, fn, args)
        if verdict is not None:
            return verdict
        value = exact_whole(got)
        if value is None and isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
            value = exact_whole(got.item())
        if not isinstance(value, int):
            return Result(FAIL, f"{name} (case {i + 1}) should return a whole number (a count), got "
                                f"{_cut(_short(got), 60)}")
        if value == expected:
            continue
        every, inclusive = value == args[0].size, value == _kinks_inclusive(*args)
        if every and inclusive:  # case 1: every kink sits on lo; a later case tells the two slips apart
            ambiguous = i if ambiguous is None else ambiguous
            continue
        if inclusive:
            return Result(FAIL, f"{name} (case {i + 1}): you also count kinks that lie exactly on lo or hi; the count "
                                "is of the kinks strictly inside (lo, hi)")
        if every:
            return Result(FAIL, f"{name} (case {i + 1}): your count is every unit, so it also counts units whose kink "
                                f"lies outside (lo, hi); count only the units whose kink lies strictly inside "
                                f"({equation})")
        W1, b1, lo, hi = (np.asarray(a, dtype=np.float64).reshape(-1) if k < 2 else a for k, a in enumerate(args))
        dead = int(np.sum((W1 == 0) & (b1 == 0))) if lo < 0 < hi else 0
        if dead and value == expected + dead:
            return Result(FAIL, f"{name} (case {i + 1}): you count a kink at 0 for a unit with w = 0 and b = 0: that "
                                "unit is the constant relu(0) = 0 and never bends (a unit with w = 0 has no kink)")
        small = (W1 != 0) & (np.abs(W1) < 1e-2)
        if np.any(small) and value == _relu_kinks(np.where(small, 0.0, W1), b1, lo, hi):
            return Result(FAIL, f"{name} (case {i + 1}): you leave out a unit with a small but nonzero weight: it "
                                "still bends, however small w is (only w = 0 exactly never bends)")
        more = "more" if value > expected else "fewer"
        return Result(FAIL, f"{name} (case {i + 1}): you count {more} kinks than there are strictly inside (lo, hi): "
                            "where does unit j's pre-activation x W_1[0, j] + b_1[j] change sign?")
    if ambiguous is not None:
        return Result(FAIL, f"{name} (case {ambiguous + 1}): you count every kink, also those exactly on lo or hi; "
                            "the count is of the kinks strictly inside (lo, hi)")
    return Result(PASS, f"{name} agrees with x_j = −b_1[j] / W_1[0, j], counted strictly inside (lo, hi), on "
                        f"{len(_kink_cases())} test cases and 1 drawn at random")


def kinks_measured(steps: int, seed: int = 0) -> int:
    """Kinks strictly inside S0's data range (0, 1) after `steps` steps in KINK_SETTING."""
    s = Session(dict(KINK_SETTING, seed=seed))
    s.train(steps, record_every=max(1, steps))
    lin = s.model.linears[0]
    return _relu_kinks(lin.W, lin.b, *s.target.x_range)


def check_kinks_prediction(at_start) -> Result:
    """at_start: your prediction, before measuring, of how many of the 64 kinks lie strictly inside (0, 1) at
    step 0 in KINK_SETTING. The checker measures it."""
    if at_start is None:
        return Result(NOT_ATTEMPTED, "kinks_at_start is still None; write your prediction in the marked cell")
    number = exact_whole(at_start)
    if number is None:
        return Result(FAIL, f"kinks_at_start should be a whole number, got {_short(at_start)}")
    at_start = number
    measured = kinks_measured(0)
    if at_start == measured:
        return Result(PASS, f"at step 0, {measured} kinks lie inside (0, 1): every bias starts at 0, so every "
                            f"kink starts at x = 0, the edge of the data")
    return Result(FAIL, f"the measured count is not {at_start}: where is x W_1[0, j] + b_1[j] = 0 when b_1 = 0?")


BATCH_SETTING = _Setting(target="sinc", noise=0.1, n_samples=500, hidden_layers=2, width=32, activation="tanh",
                         init="glorot", optimiser="sgd", lr=0.05, seed=0)
"""Exercise 8.6's setting: the default sinc data and 1-32-32-1 tanh net with plain SGD at lr 0.05."""


def _val_after_examples(batch_size: int, examples: int) -> float:
    """Validation MSE after `examples` training examples seen in BATCH_SETTING with `batch_size` (examples //
    batch_size steps)."""
    s = Session(dict(BATCH_SETTING, batch_size=batch_size))
    steps = examples // batch_size
    s.train(steps, record_every=max(1, steps))
    return s.val_loss


def check_val_after_examples(fn) -> Result:
    """fn(batch_size, examples) -> the validation MSE after `examples` examples (examples // batch_size steps)
    in BATCH_SETTING. Compared with _val_after_examples for batch sizes 1, 8 and 32, also with a remainder
    (650 examples in batches of 32 is 20 steps, not 21)."""
    extra = [(int(fresh_rng().choice([2, 4, 16, 20, 64])), 640)]  # batch sizes the lab offers
    return check_function("val_after_examples", fn, _val_after_examples,
                          [(1, 640), (8, 640), (32, 640), (32, 650), (8, 203)],
                          "Session.train(examples // batch_size)", tol=1e-9,
                          random_cases=extra, slow=_SLOW)


def check_batch_prediction(better) -> Result:
    """better: your prediction, before measuring, of which batch size (1 or 32) reaches the lower validation MSE
    in BATCH_SETTING after the same 3200 examples. The checker measures both."""
    if better is None:
        return Result(NOT_ATTEMPTED, "better_batch is still None; write your prediction in the marked cell")
    number = exact_whole(better)  # 1.0 is the batch size 1, as in exercise 8.2
    if number is None or number not in (1, 32):
        return Result(FAIL, f"better_batch should be 1 or 32, got {_short(better)}")
    better = number
    v1, v32 = _val_after_examples(1, 3200), _val_after_examples(32, 3200)
    winner = 1 if v1 < v32 else 32
    if better == winner:
        return Result(PASS, f"batch {winner} reaches the lower validation MSE after 3200 examples: it takes "
                            f"{3200 // winner} steps, the other {3200 // (33 - winner)}")
    return Result(FAIL, "measure both with your val_after_examples: how many steps does each take for 3200 "
                        "examples?")


# ---------------------------------------------------------------------------------------------------------
# The ladder: predict how the largest stable learning rate of gradient descent on a linear
# model's MSE scales with the data, then derive it (a "show that" with the measurement beside it).
# ---------------------------------------------------------------------------------------------------------


def _critical_lr(X) -> float:
    """The largest stable learning rate of full-batch gradient descent on L(w) = MSELoss()(X w, t) = ‖Xw − t‖²/B:
    the error follows e ← (I − η·(2/B) XᵀX) e, which shrinks iff η·(2/B)·λ < 2 for every eigenvalue λ of XᵀX,
    so η* = B / λ_max(XᵀX)."""
    X = np.asarray(X, dtype=np.float64)
    return float(X.shape[0] / np.linalg.eigvalsh(X.T @ X)[-1])


_EIG_UNSORTED = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [1.0, 1.0, 0.0]])
"""A fixed X (4 × 3) whose XᵀX has eigenvalues ≈ 1.70, 5.30, 9 in the order np.linalg.eig returns them (checked in
tests/exercises/test_exercises_nb08.py): `np.linalg.eig(X.T @ X)[0][0]` is not the largest."""


def _lr_cases(rng, shapes, scale=1.0):
    return [(scale * rng.normal(size=shape) + 0.5 * rng.normal(size=(1, shape[1])),) for shape in shapes]


def check_critical_lr(fn) -> Result:
    """fn(X) -> η* (X left unchanged): the largest learning rate at which full-batch gradient descent on the MSE
    of the linear
    model Ŷ = X w (X: B × n, w: n × 1, L = MSELoss(), Eq. 3.7) still converges from every start.

    Reference: B / λ_max(XᵀX), from the error recursion e ← (I − η (2/B) XᵀX) e; tests/exercises/test_exercises_nb08.py
    checks it by running gradient descent just below and just above it. A wrong answer off by exactly B, 2 or
    their inverses is told which factor.
    """
    name = "critical_lr"
    if fn is None or fn is Ellipsis:
        return Result(NOT_ATTEMPTED, f"{name} is still empty; write your code in the marked cell and run it again")
    rng = np.random.default_rng(808)
    cases = _lr_cases(rng, [(40, 1), (50, 3), (7, 5), (200, 2)])
    cases.append((_EIG_UNSORTED.copy(),))  # np.linalg.eig lists XᵀX's eigenvalues unsorted: its first is not λ_max
    fresh = fresh_rng()
    B, n = int(fresh.integers(3, 60)), int(fresh.integers(1, 6))
    cases += _lr_cases(fresh, [(B, n)], scale=float(fresh.uniform(0.2, 5.0)))
    equation = "η*, the edge of stability of gradient descent (exercise 8.4)"
    for i, args in enumerate(cases):
        expected = _critical_lr(args[0])
        seen = []

        def recorded(*a, _fn=fn, _seen=seen):  # keeps the X it was handed (call_learner's copy) in `seen`
            _seen.append(a[0] if a else None)
            return _fn(*a)

        if callable(fn):
            recorded = functools.wraps(fn)(recorded)  # messages name the learner's own parameters

        got, verdict = call_learner(name, recorded if callable(fn) else fn, args)
        if verdict is not None:
            return verdict
        if seen and not (isinstance(seen[0], np.ndarray) and seen[0].shape == args[0].shape
                         and np.array_equal(seen[0], args[0])):
            return Result(FAIL, f"{name} (case {i + 1}) changed the X it was given: leave X unchanged (compute on a "
                                "new array); the cell after the checker runs gradient descent on the same X")
        res = check_array(f"{name} (case {i + 1})", got, expected, equation, tol=1e-8)
        if res.passed:
            continue
        value = exact_number(got)
        if value is None and isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "iuf":
            value = float(got.reshape(-1)[0])
        if value is not None and np.isfinite(value) and value != 0:
            k, B = value / expected, args[0].shape[0]
            lam = np.linalg.eigvalsh(args[0].T @ args[0])
            for factor, why in ((1.0 / B, "1/B × the right one: MSELoss divides by B, so the curvature is XᵀX/B"),
                                (float(B), "B × the right one: is the 1/B of the mean counted twice?"),
                                (2.0, "2 × the right one: the gradient of ‖Xw − t‖²/B is (2/B) Xᵀ(Xw − t)"),
                                (0.5, "1/2 × the right one: the step may grow the error up to 2 (|1 − ηκ| ≤ 1)")):
                if B > 1 and abs(k - factor) < 1e-6 * max(1.0, factor):
                    return Result(FAIL, f"{name} (case {i + 1}): your η* is {why}")
            if len(lam) > 1 and lam[0] > 0 and abs(value - B / lam[0]) < 1e-6 * value:
                return Result(FAIL, f"{name} (case {i + 1}): you used the smallest eigenvalue of XᵀX; which direction "
                                    "of the error grows first when η is too large?")
        return res
    return Result(PASS, f"{name} agrees with B / λ_max(XᵀX) on {len(cases) - 1} test cases and 1 drawn at random "
                        "(rel. error < 1e-08)")


LR_SCALE, LR_REPEAT = 3.0, 2
"""Exercise 8.3's change of the data: every input multiplied by LR_SCALE, every point used LR_REPEAT times."""


def lr_scaling_data(seed: int = 0):
    """Exercise 8.3's data: X (40 × 3) and targets t (40 × 1) for the linear model Ŷ = X w."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3)) + np.array([[1.0, 0.0, -0.5]])
    return X, X @ np.array([[0.5], [-1.0], [2.0]]) + 0.1 * rng.normal(size=(40, 1))


def check_lr_scaling_prediction(ratio) -> Result:
    """ratio: your prediction of η*(changed data) / η*(original data) for exercise 8.3 (inputs × 3, every point
    twice). Accepted within 1 %. The checker computes both with its own reference."""
    name = "lr_ratio"
    if ratio is None or ratio is Ellipsis:
        return Result(NOT_ATTEMPTED, f"{name} is still None; write your prediction in the marked cell")
    value = exact_number(ratio)
    if value is None or not np.isfinite(value) or value <= 0:
        return Result(FAIL, f"{name} should be a positive number, got {_short(ratio)}")
    X, _ = lr_scaling_data()
    changed = LR_SCALE * np.vstack([X] * LR_REPEAT)
    expected = _critical_lr(changed) / _critical_lr(X)
    if abs(value / expected - 1) <= 0.01:
        return Result(PASS, f"{name}: your prediction is within 1 % of the ratio of the two critical learning rates")
    s, r = LR_SCALE, LR_REPEAT
    known = {1 / s: "the inputs enter the curvature XᵀX twice, not once",
             r / s**2: "using every point twice changes B and XᵀX alike",
             1 / (r * s**2): "using every point twice doubles XᵀX, but MSELoss also divides by the doubled B",
             s**2: "that is the inverse: larger inputs make the loss steeper, so the step must be smaller",
             1.0: "the inputs' scale does change the curvature"}
    for k, why in known.items():
        if abs(value / k - 1) <= 0.01:
            return Result(FAIL, f"{name}: not {value:.4g}: {why}")
    return Result(FAIL, f"{name}: {'too large' if value > expected else 'too small'}. How does XᵀX/B change?")


HINTS = {
    "abs_config": [
        "|x| has one sharp corner at 0. Which activation makes corners? How many hidden units does it take to "
        "write |x| exactly (the table of section 2 has it)?",
        "relu with He initialisation, one hidden layer of a few units (|x| = relu(x) + relu(−x) needs two; give "
        "it more, say 8–16), Adam at about 0.01, noise 0, target \"abs\": try it on the dashboard, then copy "
        "the keys into a dict.",
    ],
    "diverging_lr": [
        "Measure, don't guess: a Session with nb08.DIVERGE_BASE and your lr, train(300), then read .diverged.",
        "Loop over the candidates from the smallest up and stop at the first one whose Session reports "
        ".diverged after 300 steps.",
    ],
    "lr_scaling_prediction": [
        "Gradient descent on a quadratic loss is stable while the step is small against the loss's curvature. "
        "Write the gradient of ‖Xw − t‖²/B: which matrix multiplies w in it?",
        "The gradient is (2/B) Xᵀ(Xw − t), so the curvature is the matrix (2/B) XᵀX and the largest stable η is "
        "inversely proportional to its largest eigenvalue. Multiplying X by 3 multiplies XᵀX by 9; using every "
        "point twice doubles both XᵀX and B.",
    ],
    "critical_lr": [
        "Let w* minimise the loss and e = w − w*. Write one gradient-descent step as a recursion for e alone.",
        "e ← (I − η (2/B) XᵀX) e. In the eigenvectors of XᵀX each component is multiplied by 1 − η(2/B)λ; it "
        "shrinks iff |1 − η(2/B)λ| < 1, i.e. η < B/λ. The largest eigenvalue gives the tightest bound "
        "(np.linalg.eigvalsh returns the eigenvalues in ascending order).",
    ],
    "kinks_prediction": [
        "Unit j bends where x W_1[0, j] + b_1[j] = 0. At step 0 every bias is 0: where is that x?",
        "With b_1 = 0 the kink is at x = 0 for every unit with W_1[0, j] ≠ 0: on the edge of (0, 1), not "
        "strictly inside. For the function: x_j = −b_1[j] / W_1[0, j] for w ≠ 0, count lo < x_j < hi.",
    ],
    "batch_prediction": [
        "Count the steps: 3200 examples are how many updates with batch 1, and how many with batch 32? "
        "Each batch-32 step is less noisy, but is it 32 times better?",
        "Batch 1 makes 3200 updates, batch 32 only 100; at this learning rate a less noisy gradient does not "
        "make up for 32× fewer steps. val_after_examples: a Session with BATCH_SETTING and the batch size, "
        "train(examples // batch_size), return .val_loss.",
    ],
}
"""Hints in tiers for each exercise of notebook 08: a nudge, then the key step (the solution is the third tier)."""


__all__ = ["check_abs_config", "check_diverging_lr", "check_vanishing_ratio",
           "DIVERGE_BASE", "PASS", "FAIL", "KINK_SETTING", "check_relu_kinks",
           "kinks_measured", "check_kinks_prediction", "BATCH_SETTING",
           "check_val_after_examples", "check_batch_prediction", "check_critical_lr", "LR_SCALE", "LR_REPEAT",
           "lr_scaling_data", "check_lr_scaling_prediction", "HINTS"]

guard_checkers(globals())
