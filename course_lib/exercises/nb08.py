"""Exercises of notebook 08 (the live training lab): measure things with the headless `Session` and predict them.

Every checker trains a course_lib.lab.Session synchronously, seeded, so its verdict is the same on every run;
none of them touches the dashboard (its live loop keeps running).
"""

from __future__ import annotations

import math

import numpy as np

from ..lab import LabConfigError, Session, decode_config, validate_config
from . import (
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    _cut,
    _first_line,
    _short,
    _type_name,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
)

_SLOW = 12.0
"""The learner's functions here train networks: their time limit is _SLOW × TIME_LIMIT (a minute by default)."""

ABS_STEPS, ABS_GOAL = 1000, 1e-3
DIVERGE_STEPS = 300
DIVERGE_BASE = dict(target="sinc", noise=0.1, n_samples=500, hidden_layers=2, width=32, activation="tanh",
                    init="glorot", optimiser="sgd", batch_size=32, seed=0)
"""The setting of the divergence exercise: S2's noisy sinc, a 1-32-32-1 tanh net, plain SGD, batch 32."""


ABS_GRID_POINTS = 2001


def check_abs_config(config) -> Result:
    """config: a lab config (a dict, or a share string "lt1:…" from the dashboard's Export) with target "abs"
    and noise 0 that reaches a validation MSE below 1e-3 within 1000 steps (the checker trains it).

    The validation set is the learner's to choose (n_samples, val_fraction), and one point says little; so the
    trained network must also fit |x| on a dense grid of 2001 points across the target's range, to an MSE
    below 1e-3 (a constant, the mean of |x|, gets var(|x|) ≈ 0.08 there)."""
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
    session = Session(full)
    session.train(ABS_STEPS)
    val = session.val_loss
    if session.diverged or not math.isfinite(val):
        return Result(FAIL, f"training diverged at step {session.diverged_at}: lower the learning rate")
    if val >= ABS_GOAL:
        return Result(FAIL, f"after {ABS_STEPS} steps the validation MSE is {val:.1g}, not below {ABS_GOAL:g}: "
                            f"which activation has a kink like |x|? is the learning rate right?")
    lo, hi = session.target.x_range
    grid = np.linspace(lo, hi, ABS_GRID_POINTS).reshape(-1, 1)
    truth = session.target(grid)
    with np.errstate(all="ignore"):
        grid_mse = float(np.mean((session.model.forward(grid) - truth) ** 2))
    if not grid_mse < ABS_GOAL:
        n_val = session.X_val.shape[0]
        return Result(FAIL, f"the validation MSE is below {ABS_GOAL:g}, but only on {n_val} validation point"
                            f"{'s' if n_val != 1 else ''}: on {ABS_GRID_POINTS} points across x the MSE is "
                            f"{grid_mse:.2g}, where a constant (the mean of |x|) gets var(|x|) = "
                            f"{float(np.var(truth)):.2g}. The network has not learnt |x|: use more data and a "
                            "network that can bend")
    return Result(PASS, f"after {ABS_STEPS} steps the validation MSE is below {ABS_GOAL:g}")


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


def vanishing_ratio_reference(hidden_layers: int) -> float:
    """RMS(∇W_1) / RMS(∇W_L) at step 0 for a width-32 sigmoid network (Glorot init, default data, seed 0)."""
    g = Session(dict(hidden_layers=hidden_layers, width=32, activation="sigmoid", init="glorot")).grad_rms
    return float(g[0] / g[-1])


def check_vanishing_ratio(fn) -> Result:
    """fn(hidden_layers) -> RMS(∇W_1) / RMS(∇W_L) at step 0 (before any training) for a Session with
    `hidden_layers` sigmoid layers of width 32 and Glorot init (other settings default). Compared with
    `vanishing_ratio_reference` for 1, 3 and 6 hidden layers."""
    extra = [(int(fresh_rng().choice([2, 4, 5, 7, 8, 9, 10])),)]
    return check_function("vanishing_ratio", fn, vanishing_ratio_reference, [(1,), (3,), (6,)],
                          "Session.grad_rms", tol=1e-8, random_cases=extra, slow=_SLOW)


# ---------------------------------------------------------------------------------------------------------
# Transfer exercises (predict, then measure)
# ---------------------------------------------------------------------------------------------------------

KINK_SETTING = dict(target="sin_s0", noise=0.0, n_samples=100_000, hidden_layers=1, width=64, activation="relu",
                    init="he", optimiser="adam", lr=0.003, batch_size=32)
"""Exercise 4's setting: S0's data on [0, 1] with one hidden layer of 64 ReLU units."""


def relu_kinks_reference(W1, b1, lo, hi) -> int:
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
    ]


def check_relu_kinks(fn) -> Result:
    """fn(W1, b1, lo, hi) -> the number of first-layer units whose kink x = −b_1[j] / W_1[0, j] lies strictly
    between lo and hi (W1 of shape (1, n), b1 of shape (n,)). Compared with relu_kinks_reference."""
    rng = fresh_rng()
    n = int(rng.integers(2, 40))
    extra = [(rng.normal(size=(1, n)), rng.normal(size=n), float(rng.uniform(-3, 0)), float(rng.uniform(0.5, 3)))]
    return check_function("relu_kinks", fn, relu_kinks_reference, _kink_cases(), "x = −b_j / W_1[0, j]", tol=1e-12,
                          random_cases=extra)


def kinks_measured(steps: int, seed: int = 0) -> int:
    """Kinks strictly inside S0's data range (0, 1) after `steps` steps in KINK_SETTING."""
    s = Session(dict(KINK_SETTING, seed=seed))
    s.train(steps, record_every=max(1, steps))
    lin = s.model.linears[0]
    return relu_kinks_reference(lin.W, lin.b, *s.target.x_range)


def check_kinks_prediction(at_start) -> Result:
    """at_start: your prediction, before measuring, of how many of the 64 kinks lie strictly inside (0, 1) at
    step 0 in KINK_SETTING. The checker measures it."""
    if at_start is None:
        return Result(NOT_ATTEMPTED, "kinks_at_start is still None; write your prediction in the marked cell")
    number = exact_number(at_start)
    if number is None or not isinstance(number, int):
        return Result(FAIL, f"kinks_at_start should be a whole number, got {_short(at_start)}")
    at_start = number
    measured = kinks_measured(0)
    if at_start == measured:
        return Result(PASS, f"at step 0, {measured} kinks lie inside (0, 1): every bias starts at 0, so every "
                            f"kink starts at x = 0, the edge of the data")
    return Result(FAIL, f"the measured count is not {at_start}: where is x W_1[0, j] + b_1[j] = 0 when b_1 = 0?")


BATCH_SETTING = dict(target="sinc", noise=0.1, n_samples=500, hidden_layers=2, width=32, activation="tanh",
                     init="glorot", optimiser="sgd", lr=0.05, seed=0)
"""Exercise 5's setting: the default sinc data and 1-32-32-1 tanh net with plain SGD at lr 0.05."""


def val_after_examples_reference(batch_size: int, examples: int) -> float:
    """Validation MSE after `examples` training examples seen in BATCH_SETTING with `batch_size` (examples //
    batch_size steps)."""
    s = Session(dict(BATCH_SETTING, batch_size=batch_size))
    steps = examples // batch_size
    s.train(steps, record_every=max(1, steps))
    return s.val_loss


def check_val_after_examples(fn) -> Result:
    """fn(batch_size, examples) -> the validation MSE after `examples` examples (examples // batch_size steps)
    in BATCH_SETTING. Compared with val_after_examples_reference for batch sizes 1, 8 and 32."""
    extra = [(int(fresh_rng().choice([2, 4, 16, 20, 64])), 640)]  # batch sizes the lab offers
    return check_function("val_after_examples", fn, val_after_examples_reference,
                          [(1, 640), (8, 640), (32, 640)], "Session.train(examples // batch_size)", tol=1e-9,
                          random_cases=extra, slow=_SLOW)


def check_batch_prediction(better) -> Result:
    """better: your prediction, before measuring, of which batch size (1 or 32) reaches the lower validation MSE
    in BATCH_SETTING after the same 3200 examples. The checker measures both."""
    if better is None:
        return Result(NOT_ATTEMPTED, "better_batch is still None; write your prediction in the marked cell")
    number = exact_number(better)
    if number is None or not isinstance(number, int) or number not in (1, 32):
        return Result(FAIL, f"better_batch should be 1 or 32, got {_short(better)}")
    better = number
    v1, v32 = val_after_examples_reference(1, 3200), val_after_examples_reference(32, 3200)
    winner = 1 if v1 < v32 else 32
    if better == winner:
        return Result(PASS, f"batch {winner} reaches the lower validation MSE after 3200 examples: it takes "
                            f"{3200 // winner} steps, the other {3200 // (33 - winner)}")
    return Result(FAIL, "measure both with your val_after_examples: how many steps does each take for 3200 "
                        "examples?")


__all__ = ["check_abs_config", "check_diverging_lr", "check_vanishing_ratio", "vanishing_ratio_reference",
           "DIVERGE_BASE", "PASS", "FAIL", "KINK_SETTING", "relu_kinks_reference", "check_relu_kinks",
           "kinks_measured", "check_kinks_prediction", "BATCH_SETTING", "val_after_examples_reference",
           "check_val_after_examples", "check_batch_prediction"]

guard_checkers(globals())
