"""Exercises of notebook 08 (the live training lab): measure things with `LiveTrainer.train` and predict them.

Every checker runs course_lib.widgets.LiveTrainer synchronously (`train(steps)`, no live loop), seeded,
so its verdict is the same on every run, and closes it afterwards. Creating a LiveTrainer pauses any
other one's live loop, so a checker stops the dashboard above it in the notebook (press Train again).
"""

from __future__ import annotations

import math

from ..widgets import ConfigError, LiveTrainer, validate_config
from . import FAIL, NOT_ATTEMPTED, PASS, Result, check_function

ABS_STEPS, ABS_GOAL = 1000, 1e-3
DIVERGE_STEPS = 300
DIVERGE_BASE = dict(target="sinc", noise=0.1, n_samples=500, hidden_layers=2, width=32, activation="tanh",
                    init="glorot", optimiser="sgd", batch_size=32, seed=0)
"""The setting of the divergence exercise: S2's noisy sinc, a 1-32-32-1 tanh net, plain SGD, batch 32."""


def _quiet_trainer(config):
    """A LiveTrainer for a checker (never displayed; the checker closes it)."""
    return LiveTrainer(config=config)


def check_abs_config(config) -> Result:
    """config: a LiveTrainer config dict with target "abs" and noise 0 that reaches a validation MSE below
    1e-3 within 1000 steps of `LiveTrainer.train` (the checker trains it and measures)."""
    if config is None:
        return Result(NOT_ATTEMPTED, "config is still None; write your config dict in the marked cell and run it")
    try:
        full = validate_config(config)
    except ConfigError as err:
        return Result(FAIL, f"config is not a valid LiveTrainer config: {err}")
    except Exception as err:  # anything odd a learner's value makes it raise
        return Result(FAIL, f"config is not a valid LiveTrainer config: {type(err).__name__}: {err}")
    if full["target"] != "abs" or full["noise"] != 0.0:
        return Result(FAIL, f"the exercise is about target 'abs' without noise, got target {full['target']!r} "
                            f"and noise {full['noise']:g}")
    try:
        trainer = _quiet_trainer(full)
    except Exception as err:  # a value validate_config let through but LiveTrainer refuses
        return Result(FAIL, f"config is not a valid LiveTrainer config: {type(err).__name__}: {err}")
    trainer.train(ABS_STEPS, render=False)
    val = trainer.val_loss
    trainer.close()
    if trainer.diverged or not math.isfinite(val):
        return Result(FAIL, f"training diverged: {trainer.message}")
    if val < ABS_GOAL:
        return Result(PASS, f"after {ABS_STEPS} steps the validation MSE is below {ABS_GOAL:g}")
    return Result(FAIL, f"after {ABS_STEPS} steps the validation MSE is {val:.1g}, not below {ABS_GOAL:g}: "
                        f"which activation has a kink like |x|? is the learning rate right?")


def _diverges(lr) -> bool:
    """Whether plain SGD at `lr` in the setting DIVERGE_BASE diverges within DIVERGE_STEPS steps."""
    trainer = _quiet_trainer(dict(DIVERGE_BASE, lr=lr))
    trainer.train(DIVERGE_STEPS, render=False)
    trainer.close()
    return trainer.diverged


def check_diverging_lr(lr) -> Result:
    """lr: the smallest power of ten (1e-3, 1e-2, 0.1, 1, 10) at which plain SGD in the setting DIVERGE_BASE
    diverges within 300 steps. The checker trains at lr and at lr/10: the first must diverge, the second not."""
    if lr is None:
        return Result(NOT_ATTEMPTED, "diverging_lr is still None; set it in the marked cell and run it")
    try:
        if isinstance(lr, (bool, str)):
            raise TypeError
        lr = float(lr)
    except (TypeError, ValueError):
        return Result(FAIL, f"diverging_lr should be a number, got {type(lr).__name__}")
    exponent = math.log10(lr) if lr > 0 else math.nan
    if not math.isfinite(exponent) or abs(exponent - round(exponent)) > 1e-9 or not -3 <= round(exponent) <= 1:
        return Result(FAIL, f"diverging_lr should be one of 1e-3, 1e-2, 0.1, 1, 10; got {lr!r}")
    if not _diverges(lr):
        return Result(FAIL, f"at lr = {lr:g} training does not diverge within {DIVERGE_STEPS} steps: go higher")
    if _diverges(lr / 10):
        return Result(FAIL, f"lr = {lr:g} diverges, but so does lr = {lr / 10:g}: look for a smaller one")
    return Result(PASS, f"lr = {lr:g} diverges within {DIVERGE_STEPS} steps and lr = {lr / 10:g} does not")


def vanishing_ratio_reference(hidden_layers: int) -> float:
    """‖∇W_1‖ / ‖∇W_L‖ at step 0 for a width-32 sigmoid network (Glorot init, default data, seed 0)."""
    trainer = _quiet_trainer(dict(hidden_layers=hidden_layers, width=32, activation="sigmoid", init="glorot"))
    g = trainer.grad_norms
    trainer.close()
    return float(g[0] / g[-1])


def check_vanishing_ratio(fn) -> Result:
    """fn(hidden_layers) -> ‖∇W_1‖ / ‖∇W_L‖ at step 0 (before any training) for a LiveTrainer with
    `hidden_layers` sigmoid layers of width 32 and Glorot init (other settings default). Compared with
    `vanishing_ratio_reference` for 1, 3 and 6 hidden layers."""
    return check_function("vanishing_ratio", fn, vanishing_ratio_reference, [(1,), (3,), (6,)],
                          "LiveTrainer.grad_norms", tol=1e-8)


__all__ = ["check_abs_config", "check_diverging_lr", "check_vanishing_ratio", "vanishing_ratio_reference",
           "DIVERGE_BASE", "PASS", "FAIL"]
