"""Notebook 13's measured outcome: BatchNorm revives the lab's deep sigmoid network (notebook 08, §5a).

The network is notebook 08's vanishing-gradient case: 8 hidden sigmoid layers of 32 units, Glorot
initialisation, plain SGD on minibatches of 32, S2's noisy sinc (400 training and 100 validation points).
"with BatchNorm" puts a BatchNorm1d between every hidden Linear and its sigmoid (the Linear then has no bias:
BatchNorm's β takes its place, as the mean subtraction would cancel it). Both networks get the same seed, data,
minibatch order, learning rate (0.3) and number of steps (1500). The validation loss is measured in evaluation
mode (BatchNorm with its running statistics, Eq. 13.10). Smaller than the lab's run (400 points instead of 500)
so that one seed set takes about 10 s.
"""

from __future__ import annotations

import numpy as np

from ..data import minibatches, sinc_s2_train_val
from ..layers import Linear, Sigmoid
from ..losses import MSELoss
from ..normalization import BatchNorm1d
from ..optim import SGD
from ..sequential import Sequential
from . import claim

DEPTH, WIDTH, LR, STEPS, BATCH = 8, 32, 0.3, 1500, 32
N_TRAIN, N_VAL, RECORD_EVERY = 400, 100, 100


def deep_sigmoid(seed: int, batchnorm: bool) -> Sequential:
    """[Linear, (BatchNorm1d,) Sigmoid] × DEPTH, then Linear(WIDTH → 1); Glorot weights drawn from `seed`."""
    rng = np.random.default_rng(seed)
    layers, n = [], 1
    for _ in range(DEPTH):
        layers.append(Linear(n, WIDTH, init="glorot", seed=rng, bias=not batchnorm))
        if batchnorm:
            layers.append(BatchNorm1d(WIDTH))
        layers.append(Sigmoid())
        n = WIDTH
    layers.append(Linear(n, 1, init="glorot", seed=rng))
    return Sequential(*layers)


def first_to_last_grad_rms(model: Sequential, X, Y) -> float:
    """rms(∇W_1) / rms(∇W_9) (Eq. 8.2) of the MSE on (X, Y) at the model's current weights."""
    loss = MSELoss()
    model.backward(loss.grad(model.forward(X), Y))
    rms = [float(np.sqrt(np.mean(g * g))) for name, (_, g) in model.named_parameters() if name.endswith(".W")]
    return rms[0] / rms[-1]


def train_run(seed: int, batchnorm: bool):
    """(step-0 gradient ratio, validation MSE every RECORD_EVERY steps, final validation MSE) for one seed."""
    (X, Y), (X_val, Y_val) = sinc_s2_train_val(N_TRAIN, N_VAL, seed=seed)
    model, loss = deep_sigmoid(seed, batchnorm), MSELoss()
    ratio = first_to_last_grad_rms(model, X, Y)
    opt, rng = SGD(model, lr=LR), np.random.default_rng(seed)
    curve, step = [], 0
    while step < STEPS:
        for Xb, Yb in minibatches(X, Y, BATCH, rng):  # 400 = 12·32 + 16: every batch has at least 2 rows
            model.backward(loss.grad(model.forward(Xb), Yb))
            opt.step()
            step += 1
            if step % RECORD_EVERY == 0:
                curve.append(loss(model.eval().forward(X_val), Y_val))
                model.train()
            if step == STEPS:
                break
    return ratio, curve, curve[-1]


@claim("13.batchnorm_revives_deep_sigmoid", notebook="13",
       says="8 sigmoid layers, SGD lr 0.3, 1500 steps on sinc: with BatchNorm the median validation MSE is below "
            "0.06 and under half the plain net's, better on at least 4 of 5 seeds; at step 0 the plain net's "
            "rms(∇W1)/rms(∇W9) is below 1e-4 on every seed, with BatchNorm above 1e-3",
       holds=lambda m: (m["median_bn"] < 0.06 and m["median_bn"] < 0.5 * m["median_plain"] and m["bn_better"] >= 4
                        and m["max_ratio_plain"] < 1e-4 and m["min_ratio_bn"] > 1e-3))
def batchnorm_revives_deep_sigmoid(seeds):
    """Train the plain and the BatchNorm network on each seed; medians of the final validation MSE, how many seeds
    BatchNorm wins, the step-0 gradient ratios' extremes, and the validation curves for the notebook's plot."""
    plain = [train_run(s, False) for s in seeds]
    bn = [train_run(s, True) for s in seeds]
    val_plain, val_bn = [r[2] for r in plain], [r[2] for r in bn]
    return {
        "median_plain": float(np.median(val_plain)),
        "median_bn": float(np.median(val_bn)),
        "bn_better": int(sum(b < p for b, p in zip(val_bn, val_plain))),
        "max_ratio_plain": float(max(r[0] for r in plain)),
        "min_ratio_bn": float(min(r[0] for r in bn)),
        "curves": {"plain": [r[1] for r in plain], "bn": [r[1] for r in bn], "every": RECORD_EVERY},
    }
