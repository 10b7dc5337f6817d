"""Notebook 08's outcomes stated as general: the lab's guided experiments (its presets) and its exercises.

Each function takes a list of seeds and returns named numbers (and, for the notebook's pictures, the session of
the first seed). A seed is the lab's one seed: it fixes the data, the train/validation split, the initial
weights and the minibatch order, so every seed is a fresh draw of the whole experiment. The presets themselves
fix seed 0; these claims say what holds when a learner changes it.

Adam's runs (5a adam, 5b wide, 5e, the default fit) leave a plateau at a moment that depends on the CPU's
rounding as well as on the seed, so their numbers change in the second digit from one BLAS kernel to another;
the notebook prints them coarsely and the claims about them are medians or counts.
"""

from __future__ import annotations

import numpy as np

from ..exercises import nb08 as ex
from ..lab import PRESETS, Session
from . import claim


def _session(name_or_config, seed, **changes):
    config = PRESETS[name_or_config] if isinstance(name_or_config, str) else name_or_config
    return Session(dict(config, seed=seed, **changes))


def _trained(name_or_config, seed, steps, **changes):
    s = _session(name_or_config, seed, **changes)
    s.train(steps, record_every=max(1, steps))  # recorded once, at the end: the same run, faster
    return s


# ---------------------------------------------------------------------------------------------------------------
# Section 3: the signal view tells Glorot from He in an 8-layer ReLU net (step 0)


@claim("08.relu_signal", notebook="08",
       says="8 ReLU layers of 32 at step 0, for every seed: std(A_8) / std(A_1) is below 0.3 under Glorot and "
            "between 0.3 and 3 under He",
       holds=lambda m: max(m["glorot"]) < 0.3 and 0.3 < min(m["he"]) and max(m["he"]) < 3)
def relu_signal(seeds):
    """std(A_8) / std(A_1) at step 0 of an 8-layer ReLU net, per seed, under Glorot and under He."""
    ratios = {}
    for init in ("glorot", "he"):
        stds = [_session(dict(hidden_layers=8, activation="relu", init=init), seed).act_std for seed in seeds]
        ratios[init] = [float(a[-1] / a[0]) for a in stds]
    return ratios


# ---------------------------------------------------------------------------------------------------------------
# Section 4: the default setting trains to the noise floor


DEFAULT_STEPS = 3000


@claim("08.default_fit", notebook="08",
       says="the default setting (noisy sinc, 1-32-32-1 tanh, Adam 0.01) after 3000 steps, for every seed: "
            "train MSE between 0.005 and 0.02 and validation MSE between 0.005 and 0.03 (σ² = 0.01)",
       holds=lambda m: (0.005 < min(m["train"]) and max(m["train"]) < 0.02
                        and 0.005 < min(m["val"]) and max(m["val"]) < 0.03))
def default_fit(seeds):
    """Train and validation MSE of the default setting after 3000 steps, per seed."""
    runs = [_trained({}, seed, DEFAULT_STEPS) for seed in seeds]
    return {"train": [s.train_loss for s in runs], "val": [s.val_loss for s in runs]}


# ---------------------------------------------------------------------------------------------------------------
# Section 5a: vanishing gradients (sigmoid), ReLU + He, Adam


SIGMOID_STEPS = 1500


@claim("08.sigmoid_vanishes", notebook="08",
       says="5a sigmoid, for every seed: at step 0 rms(∇W_1) / rms(∇W_9) is below 1e-5; after 1500 SGD steps the "
            "prediction's spread over x is below 1e-4 (flat) and the validation MSE above 5σ² = 0.05",
       holds=lambda m: max(m["ratio"]) < 1e-5 and max(m["spread"]) < 1e-4 and min(m["val"]) > 0.05)
def sigmoid_vanishes(seeds):
    """5a sigmoid per seed: the step-0 gradient ratio, the prediction's spread and the validation MSE after 1500
    steps; the first seed's session for the picture."""
    ratio, spread, val, runs = [], [], [], []
    for seed in seeds:
        s = _session("5a sigmoid", seed)
        ratio.append(float(s.grad_rms[0] / s.grad_rms[-1]))
        s.train(SIGMOID_STEPS, record_every=100)  # a loss point every 100 steps, for the picture
        spread.append(float(np.std(s.snapshot().prediction)))
        val.append(s.val_loss)
        runs.append(s)
    return {"ratio": ratio, "ratio_median": float(np.median(ratio)), "spread": spread, "val": val,
            "val_median": float(np.median(val)), "session": runs[0]}


RELU_STEPS = 3000


@claim("08.relu_trains", notebook="08",
       says="5a relu (SGD lr 0.001), for every seed: the std of A_l stays within 3× across the 8 layers at step 0, "
            "and 3000 steps do not diverge and bring the validation MSE below 0.1 (median below 0.06)",
       holds=lambda m: (max(m["signal_spread"]) < 3 and m["diverged"] == 0 and max(m["val"]) < 0.1
                        and m["val_median"] < 0.06))
def relu_trains(seeds):
    """5a relu per seed: the step-0 signal spread, the validation MSE at step 0 and after 3000 steps, and how many
    runs diverged."""
    spread, start, val, diverged = [], [], [], 0
    for seed in seeds:
        s = _session("5a relu", seed)
        spread.append(float(s.act_std.max() / s.act_std.min()))
        start.append(s.val_loss)
        s.train(RELU_STEPS, record_every=RELU_STEPS)
        diverged += s.diverged
        val.append(s.val_loss)
    return {"signal_spread": spread, "val_start": start, "val": val, "val_median": float(np.median(val)),
            "diverged": diverged}


TOO_LARGE_STEPS = 100


@claim("08.relu_lr_too_large", notebook="08",
       says="5a relu with plain SGD: at lr 0.1 every seed diverges within 10 steps; at lr 0.01 some do (at least "
            "1 of 5), within 10 steps",
       holds=lambda m: (m["diverged_0.1"] == m["n"] and m["latest_0.1"] <= 10
                        and m["diverged_0.01"] >= 1 and m["latest_0.01"] <= 10))
def relu_lr_too_large(seeds):
    """5a relu at lr 0.003, 0.01 and 0.1: how many seeds diverge within 100 steps, and the latest step they do."""
    m = {"n": len(seeds)}
    for lr in (0.003, 0.01, 0.1):
        runs = [_trained("5a relu", seed, TOO_LARGE_STEPS, lr=lr) for seed in seeds]
        at = [s.diverged_at for s in runs if s.diverged]
        m[f"diverged_{lr:g}"] = len(at)
        m[f"latest_{lr:g}"] = max(at, default=0)
    return m


@claim("08.adam_leaves_plateau", notebook="08",
       says="5a adam (the sigmoid net with Adam 0.01), 1500 steps: the median validation MSE over 5 seeds is below "
            "0.04 and at least 3 of 5 runs are below 0.04",
       holds=lambda m: m["val_median"] < 0.04 and m["below_0.04"] >= 3)
def adam_leaves_plateau(seeds):
    """5a adam's validation MSE after 1500 steps, per seed, their median and how many are below 0.04."""
    val = [_trained("5a adam", seed, SIGMOID_STEPS).val_loss for seed in seeds]
    return {"val": val, "val_median": float(np.median(val)), "below_0.04": sum(v < 0.04 for v in val)}


# ---------------------------------------------------------------------------------------------------------------
# Section 5b: S0's 1-3-1 net stalls; two layers of 64 with Adam fit


@claim("08.s0_stalls", notebook="08",
       says="S0's preset (1-3-1 ReLU, per-sample SGD) after 5000 steps, for every seed: train MSE above 2 "
            "(var(y) ≈ 4.5)",
       holds=lambda m: min(m["train"]) > 2)
def s0_stalls(seeds):
    """S0's train MSE after 5000 steps, per seed; the first seed's session for the picture."""
    runs = [_session("S0", seed) for seed in seeds]
    for s in runs:
        s.train(5000, record_every=250)
    return {"train": [s.train_loss for s in runs], "session": runs[0]}


WIDE_STEPS = 15_000


@claim("08.wide_fits", notebook="08",
       says="5b wide (two layers of 64, Adam 0.003, batch 32) on S0's data after 15 000 steps: median train MSE "
            "below 0.02 and at least 4 of 5 seeds below 0.05",
       holds=lambda m: m["train_median"] < 0.02 and m["below_0.05"] >= 4)
def wide_fits(seeds):
    """5b wide's train MSE after 15 000 steps, per seed, their median and count below 0.05; the first seed's
    session."""
    runs = [_session("5b wide", seed) for seed in seeds]
    for s in runs:
        s.train(WIDE_STEPS, record_every=500)
    train = [s.train_loss for s in runs]
    return {"train": train, "train_median": float(np.median(train)), "below_0.05": sum(t < 0.05 for t in train),
            "session": runs[0]}


# ---------------------------------------------------------------------------------------------------------------
# Section 5c: SGD at lr 10 diverges; after Reset at lr 0.1 it trains


@claim("08.lr10_diverges", notebook="08",
       says="5c diverge (SGD lr 10 on the default net), for every seed: the run diverges before step 100, and "
            "after Reset with lr 0.1 it trains 200 steps without diverging",
       holds=lambda m: m["diverged"] == m["n"] and m["latest"] < 100 and m["lr_0.1_diverged"] == 0)
def lr10_diverges(seeds):
    """5c diverge: the step each seed diverges at, and how many runs diverge at lr 0.1 within 200 steps."""
    runs = [_trained("5c diverge", seed, 500) for seed in seeds]
    at = [s.diverged_at for s in runs if s.diverged]
    calm = [_trained("5c diverge", seed, 200, lr=0.1) for seed in seeds]
    return {"n": len(seeds), "diverged": len(at), "diverged_at": at, "earliest": min(at, default=0),
            "latest": max(at, default=0), "lr_0.1_diverged": sum(s.diverged for s in calm)}


# ---------------------------------------------------------------------------------------------------------------
# Section 5e: 25 noisy points overfit; weight decay trades train loss for validation loss


@claim("08.overfit_decay", notebook="08",
       says="5e, 1500 steps, medians over 5 seeds: without decay train MSE < σ² = 0.09 < validation MSE; with "
            "decay 0.01 a higher train MSE and a lower validation MSE, for at least 3 of 5 seeds",
       holds=lambda m: (m["train_median"] < 0.09 < m["val_median"]
                        and m["decay_val_median"] < m["val_median"] and m["decay_train_median"] > m["train_median"]
                        and m["decay_lowers_val"] >= 3))
def overfit_decay(seeds):
    """5e overfit and 5e decay after 1500 steps: median train and validation MSEs, and for how many seeds decay
    lowers the validation MSE; 5e decay's first session."""
    runs = {}
    for name in ("5e overfit", "5e decay"):
        runs[name] = [_session(name, seed) for seed in seeds]
        for s in runs[name]:
            s.train(1500, record_every=100)
    tr0, va0 = ([getattr(s, k) for s in runs["5e overfit"]] for k in ("train_loss", "val_loss"))
    tr1, va1 = ([getattr(s, k) for s in runs["5e decay"]] for k in ("train_loss", "val_loss"))
    return {"train_median": float(np.median(tr0)), "val_median": float(np.median(va0)),
            "decay_train_median": float(np.median(tr1)), "decay_val_median": float(np.median(va1)),
            "decay_lowers_val": sum(b < a for a, b in zip(va0, va1)), "session": runs["5e decay"][0]}


# ---------------------------------------------------------------------------------------------------------------
# The exercises' settings: their answers (checked at seed 0) do not depend on the seed. The claims do not say
# the answers, so that the notebook can show them without giving the exercises away.

_POWERS = (1e-3, 1e-2, 0.1, 1.0, 10.0)


@claim("08.diverging_lr_same", notebook="08",
       says="exercise 8.2: the smallest diverging learning rate of the five is the same for every seed",
       holds=lambda m: len(set(m["smallest"])) == 1)
def diverging_lr_same(seeds):
    """Exercise 8.2's answer, the smallest of the five rates that diverges within 300 steps, per seed."""
    smallest = []
    for seed in seeds:
        for lr in _POWERS:
            if _trained(ex.DIVERGE_BASE, seed, ex.DIVERGE_STEPS, lr=lr).diverged:
                smallest.append(lr)
                break
        else:
            smallest.append(float("inf"))
    return {"smallest": smallest}


@claim("08.kinks_move", notebook="08",
       says="exercise 8.5: the count of kinks inside (0, 1) at step 0 is the same for every seed, and after 2000 "
            "Adam steps at least 10 of the 64 lie inside for every seed",
       holds=lambda m: len(set(m["at_start"])) == 1 and min(m["after_2000"]) >= 10)
def kinks_move(seeds):
    """Exercise 8.5's kink count inside (0, 1) at step 0 and after 2000 steps, per seed."""
    return {"at_start": [ex.kinks_measured(0, seed) for seed in seeds],
            "after_2000": [ex.kinks_measured(2000, seed) for seed in seeds]}


@claim("08.batch_winner_same", notebook="08",
       says="exercise 8.6: the batch size (1 or 32) with the lower validation MSE after 3200 examples is the same "
            "for every seed, and it wins by more than 2×",
       holds=lambda m: len(set(m["winner"])) == 1 and min(m["margin"]) > 2)
def batch_winner_same(seeds):
    """Exercise 8.6's winning batch size after 3200 examples, per seed, and by what factor it wins."""
    winner, margin = [], []
    for seed in seeds:
        v1, v32 = (_trained(ex.BATCH_SETTING, seed, 3200 // b, batch_size=b).val_loss for b in (1, 32))
        winner.append(1 if v1 < v32 else 32)
        margin.append(float(max(v1, v32) / min(v1, v32)))
    return {"winner": winner, "margin": margin}
