"""Notebook 12's outcomes stated as general: what a held-out spiral shows, and cross-entropy's learning speed.

- `spiral_held_out` (section 5): a spiral drawn afresh (new radii and new angles, `make_spiral(radii="random")`
  with another seed) scores the MLP on points it never saw. With 100 points per arm the held-out accuracy stays
  close to the training accuracy; with 10 per arm the same network still fits every training point but the
  held-out accuracy falls: only the second number tells the two apart.
- `ce_learning_speed` (section 6): the same network and data trained by full-batch gradient descent with two output
  layers, sigmoid + MSELoss against one-hot targets (Δ_D carries σ′(Z_D), Eq. (12.8)) and softmax +
  CrossEntropyLoss (Δ_D = (P − T)/B, Eq. 12.7), counted in steps to 90 % training accuracy, from an ordinary start
  and from a confidently wrong one.

A seed fixes the training spiral (`seed`), the held-out spiral (`seed + HELD_OUT_OFFSET`) and the initial weights
(`seed`). Each measurement takes a few seconds per seed set.
"""

from __future__ import annotations

import numpy as np

from ..data import make_spiral
from ..losses import CrossEntropyLoss, MSELoss
from ..network import MLP
from ..optim import SGD, Adam
from ..train import fit, train_step
from . import claim

SPIRAL = dict(n_classes=3, noise=0.2, turns=1.0, radii="random")
HELD_OUT_OFFSET = 1000  # held-out spiral of seed s: make_spiral(..., seed=s + 1000): disjoint from every seed set
N_TEST = 100  # held-out points per arm
SIZES = [2, 32, 32, 3]


def spiral(seed, n_per_class=100):
    """The training spiral of section 5 for this seed: (X, y) with n_per_class points per arm."""
    return make_spiral(n_per_class, seed=seed, **SPIRAL)


def held_out_spiral(seed):
    """An independent draw of the same distribution: new radii and angles (seed + HELD_OUT_OFFSET)."""
    return make_spiral(N_TEST, seed=seed + HELD_OUT_OFFSET, **SPIRAL)


def accuracy(model, X, y) -> float:
    """Fraction of samples whose largest output is the true class."""
    return float(np.mean(model.forward(X).argmax(axis=1) == y))


def train_spiral_model(sizes, X, y, seed):
    """Section 5's training: CrossEntropyLoss, Adam(lr 0.01), batches of 32, 100 epochs; the trained model."""
    model = MLP(sizes, "relu", seed=seed)
    fit(model, X, y[:, None], loss=CrossEntropyLoss(), optimizer=Adam(model, lr=0.01), epochs=100, batch_size=32,
        seed=seed)
    return model


@claim("12.spiral_held_out", notebook="12",
       says="trained on 100 points per arm, MLP([2, 32, 32, 3]) scores a median of at least 0.95 on a freshly drawn "
            "held-out spiral, within 0.05 of its training accuracy; trained on 10 per arm it fits its training "
            "points (median 1.0) but its median held-out accuracy falls below 0.9",
       holds=lambda m: (m["held_out_100"] >= 0.95 and m["train_100"] - m["held_out_100"] <= 0.05
                        and m["train_10"] >= 0.99 and m["held_out_10"] < 0.9))
def spiral_held_out(seeds):
    """Per seed: MLP(SIZES) trained as in section 5 on 100 and on 10 points per arm, scored on its training points
    and on the held-out spiral of that seed; medians over the seeds, and the range of the held-out accuracies."""
    rows = {"train_100": [], "held_out_100": [], "train_10": [], "held_out_10": []}
    for seed in seeds:
        X_test, y_test = held_out_spiral(seed)
        X, y = spiral(seed)
        mlp = train_spiral_model(SIZES, X, y, seed)
        X_small, y_small = spiral(seed, n_per_class=10)
        small = train_spiral_model(SIZES, X_small, y_small, seed)
        rows["train_100"].append(accuracy(mlp, X, y))
        rows["held_out_100"].append(accuracy(mlp, X_test, y_test))
        rows["train_10"].append(accuracy(small, X_small, y_small))
        rows["held_out_10"].append(accuracy(small, X_test, y_test))
    out = {name: float(np.median(v)) for name, v in rows.items()}
    out["held_out_100_range"] = [round(min(rows["held_out_100"]), 3), round(max(rows["held_out_100"]), 3)]
    out["held_out_10_range"] = [round(min(rows["held_out_10"]), 3), round(max(rows["held_out_10"]), 3)]
    return out


# ---- section 6: cross-entropy's learning speed -------------------------------------------------------------------

TARGET = 0.9  # training accuracy to reach
MAX_STEPS = 600  # a run that has not reached TARGET by then is counted as MAX_STEPS (so ratios are lower bounds)
EVERY = 5  # accuracy is read every EVERY steps
PLOT_STEPS = 400  # the first seed's curves, for the notebook's figure, run this long
LRS = (0.1, 1.0, 10.0)  # the learning rates tried for the confidently wrong start, the same for both losses
WRONG_SCALE = 3.0  # the wrong start: a trained network's output layer multiplied by −WRONG_SCALE
PRETRAIN_STEPS = 300  # steps of softmax + cross-entropy (η = 1) that train the network before it is turned round


def output_model(kind, seed):
    """MLP(SIZES) with the output layer of `kind`: "mse" = sigmoid outputs scored by MSELoss on one-hot targets,
    "ce" = logits scored by CrossEntropyLoss (softmax inside). The same seed gives the same initial weights."""
    return MLP(SIZES, "relu", output_activation="sigmoid" if kind == "mse" else "identity", seed=seed)


def _loss_and_target(kind, y):
    return (MSELoss(), np.eye(SIZES[-1])[y]) if kind == "mse" else (CrossEntropyLoss(), y[:, None])


def wrong_start(seed, X, y):
    """Weights that are confidently wrong: train with cross-entropy, then multiply the output layer by −3.

    The hidden layers keep features that separate the arms; only the output layer has to turn round. Returns the
    list of (W, b) per layer and the accuracy before and after the turn."""
    model = output_model("ce", seed)
    loss, T = _loss_and_target("ce", y)
    opt = SGD(model, lr=1.0)
    for _ in range(PRETRAIN_STEPS):
        train_step(model, loss, opt, X, T, check=False)
    before = accuracy(model, X, y)
    model.linears[-1].W[...] *= -WRONG_SCALE
    model.linears[-1].b[...] *= -WRONG_SCALE
    return [(lin.W.copy(), lin.b.copy()) for lin in model.linears], before, accuracy(model, X, y)


def run(kind, seed, X, y, lr, start=None, max_steps=MAX_STEPS, stop=True):
    """Full-batch gradient descent from the seed's initial weights (or `start`); returns (steps to TARGET, or
    max_steps if it is not reached, and the accuracy curve read every EVERY steps, up to there or, with
    stop=False, up to max_steps)."""
    model = output_model(kind, seed)
    if start is not None:
        for lin, (W, b) in zip(model.linears, start, strict=True):
            lin.W[...], lin.b[...] = W, b
    loss, T = _loss_and_target(kind, y)
    opt = SGD(model, lr=lr)
    curve, reached = [], max_steps
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(max_steps + 1):
            Y_hat = model.forward(X)
            if step % EVERY == 0:  # the accuracy after `step` steps, read off this step's forward pass
                curve.append(float(np.mean(Y_hat.argmax(axis=1) == y)))
                if curve[-1] >= TARGET and reached == max_steps:
                    reached = step
                    if stop:
                        break
            if step == max_steps or not np.all(np.isfinite(Y_hat)):  # a diverged run never reaches the target
                break
            model.backward(loss.grad(Y_hat, T))  # Eq. (5.5), from Δ_D of (3.7) with (3.3), or of (12.7)
            opt.step()  # Eq. (6.1)
    return reached, curve


def saturated_share(start, X):
    """Share of the sigmoid outputs with σ′(z) = a(1 − a) < 0.01 (|z| > 4.6) for the weights `start`."""
    model = output_model("mse", 0)
    for lin, (W, b) in zip(model.linears, start, strict=True):
        lin.W[...], lin.b[...] = W, b
    A = model.forward(X)
    return float(np.mean(A * (1 - A) < 0.01))


def _best(kind, seed, X, y, start):
    """The fewest steps to TARGET over the learning rates LRS, and that rate. A run is stopped once it has taken as
    many steps as the best so far (it cannot be the best then), so the order of the tries changes the cost, not the
    result: the squared error, whose gradient is the smaller, tries the largest rate first."""
    best, best_lr = MAX_STEPS, LRS[0]
    for lr in (sorted(LRS, reverse=True) if kind == "mse" else sorted(LRS)):
        steps = run(kind, seed, X, y, lr, start, max_steps=best)[0]
        if steps < best:
            best, best_lr = steps, lr
    return best, best_lr


@claim("12.ce_learning_speed", notebook="12",
       says="to 90 % training accuracy on the spiral (full-batch gradient descent), sigmoid + MSE needs at least 2× "
            "the steps of softmax + cross-entropy at the same η = 1, but at most 2× at η = 10 (most of that gap is a "
            "constant factor that a larger η absorbs); from a confidently wrong start, each at its best η of 0.1, "
            "1, 10, it still needs at least 2× (median ratios)",
       holds=lambda m: m["ratio_same_lr"] >= 2 and m["ratio_mse_lr10"] <= 2 and m["ratio_wrong_start"] >= 2)
def ce_learning_speed(seeds):
    """Per seed: steps to TARGET for sigmoid + MSE and softmax + cross-entropy at η = 1, for the squared error at
    η = 10, and from the seed's confidently wrong start at each loss's best η of LRS; the medians of the ratios
    (squared error / cross-entropy), their ranges, the share of saturated outputs at the wrong start, and the first
    seed's accuracy curves (PLOT_STEPS steps) for the figure."""
    same, lr10, wrong, wrong_lrs, saturated = [], [], [], [], []
    curves = {}
    for seed in seeds:
        X, y = spiral(seed)
        mse_1 = run("mse", seed, X, y, 1.0)[0]
        ce_1 = run("ce", seed, X, y, 1.0)[0]
        mse_10 = run("mse", seed, X, y, 10.0)[0]
        start, before, after = wrong_start(seed, X, y)
        mse_w, lr_mse = _best("mse", seed, X, y, start)
        ce_w, lr_ce = _best("ce", seed, X, y, start)
        saturated.append(saturated_share(start, X))
        same.append(mse_1 / ce_1)
        lr10.append(mse_10 / ce_1)
        wrong.append(mse_w / ce_w)
        wrong_lrs.append((lr_mse, lr_ce))
        if not curves:  # the first seed's accuracy curves, every run to MAX_STEPS, for the notebook's figure
            full = dict(max_steps=PLOT_STEPS, stop=False)
            curves = {"ordinary, η = 1": {k: run(k, seed, X, y, 1.0, **full)[1] for k in ("mse", "ce")},
                      "ordinary, MSE at η = 10": {"mse": run("mse", seed, X, y, 10.0, **full)[1]},
                      "confidently wrong start": {"mse": run("mse", seed, X, y, lr_mse, start, **full)[1],
                                                  "ce": run("ce", seed, X, y, lr_ce, start, **full)[1]},
                      "wrong_lrs": (lr_mse, lr_ce), "wrong_accuracy": (before, after)}
    return {"ratio_same_lr": float(np.median(same)), "ratio_mse_lr10": float(np.median(lr10)),
            "ratio_wrong_start": float(np.median(wrong)),
            "ratio_same_lr_range": [round(min(same), 2), round(max(same), 2)],
            "ratio_wrong_range": [round(min(wrong), 2), round(max(wrong), 2)],
            "wrong_start_saturated": float(np.median(saturated)),
            "curves": curves, "best_lrs": wrong_lrs}
