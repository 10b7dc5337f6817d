"""Notebook 06's outcomes stated as general: the optimiser race and the initialisers across depth.

Each function takes a list of seeds and returns named numbers (and, for the notebook's plots, curves and
profiles). A seed fixes the initial weights and the minibatch order (the race) or the weights alone (the
depth profiles); the data of each experiment is the notebook's and does not change with the seed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..losses import MSELoss
from ..network import MLP
from ..optim import SGD, Adam
from ..train import TrainingDiverged, fit
from . import claim

# ---------------------------------------------------------------------------------------------------------------
# Section 6: SGD, momentum and Adam, each at its best rate of a small grid

RACE_GRID = {
    "SGD": (0.05, 0.1, 0.2, 0.3),
    "momentum 0.9": (0.03, 0.1, 0.2),
    "Adam": (0.01, 0.03, 0.1, 0.3),
}
RACE_EPOCHS, RACE_BATCH = 100, 40


def race_data():
    """The race's task: sinc on 200 points x ~ U(−3, 3) (generator seed 6), fixed for every seed."""
    X = np.random.default_rng(6).uniform(-3, 3, size=(200, 1))
    return X, np.sinc(X)


def _optimizer(name, net, lr):
    if name == "SGD":
        return SGD(net, lr=lr)
    if name == "momentum 0.9":
        return SGD(net, lr=lr, momentum=0.9)
    return Adam(net, lr=lr)


@lru_cache(maxsize=4)
def _race(seeds: tuple[int, ...]):
    X, T = race_data()
    loss = MSELoss()
    finals, curves = {}, {}
    for name, rates in RACE_GRID.items():
        for lr in rates:
            runs = []
            for seed in seeds:
                net = MLP([1, 32, 32, 1], activation="tanh", init="glorot", seed=seed)
                try:
                    hist = fit(net, X, T, loss=loss, optimizer=_optimizer(name, net, lr), epochs=RACE_EPOCHS,
                               batch_size=RACE_BATCH, seed=seed)
                    runs.append(hist.train_loss[-1])
                    if seed == seeds[0]:
                        curves[name, lr] = np.array(hist.train_loss)
                except TrainingDiverged:
                    runs.append(np.inf)
            finals[name, lr] = runs
    median = {key: float(np.median(v)) for key, v in finals.items()}
    best = {name: min(rates, key=lambda lr: median[name, lr]) for name, rates in RACE_GRID.items()}
    return finals, median, best, curves


def _race_numbers(seeds):
    finals, median, best, curves = _race(tuple(seeds))
    sgd, mom, adam = (median[name, best[name]] for name in RACE_GRID)
    return {
        "sgd_best": sgd, "momentum_best": mom, "adam_best": adam,
        "mom_over_sgd": mom / sgd, "adam_over_mom": adam / mom,
        "best_sgd_lr": best["SGD"], "best_mom_lr": best["momentum 0.9"], "best_adam_lr": best["Adam"],
        "sgd_0.3_diverged": sum(not np.isfinite(v) for v in finals["SGD", 0.3]),
        "mom_0.1_diverged": sum(not np.isfinite(v) for v in finals["momentum 0.9", 0.1]),
        "sgd_best_over_0.05": sgd / median["SGD", 0.05],
        "median": median, "best": best, "curves": curves,
    }


@claim("06.optimiser_ranking", notebook="06",
       says="at each optimiser's best rate (median over 5 seeds) momentum 0.9 ends below 0.4× plain SGD's loss "
            "and Adam below 0.4× momentum's",
       holds=lambda m: m["mom_over_sgd"] < 0.4 and m["adam_over_mom"] < 0.4)
def optimiser_ranking(seeds):
    """The race on `seeds`: each optimiser's median final MSE at its best rate, and their ratios."""
    return _race_numbers(seeds)


@claim("06.sgd_rates", notebook="06",
       says="plain SGD diverges at η = 0.3 for most seeds while momentum 0.9 trains at η = 0.1 for every seed; "
            "SGD's best rate is 0.1 or 0.2 and ends below 0.8× its median at 0.05",
       holds=lambda m: (m["sgd_0.3_diverged"] > m["n"] / 2 and m["mom_0.1_diverged"] == 0
                        and m["best_sgd_lr"] in (0.1, 0.2) and m["sgd_best_over_0.05"] < 0.8))
def sgd_rates(seeds):
    """The race on `seeds`: divergence counts at SGD 0.3 and momentum 0.1, SGD's best rate and its gain."""
    m = _race_numbers(seeds)
    keep = ("sgd_0.3_diverged", "mom_0.1_diverged", "best_sgd_lr", "sgd_best_over_0.05")
    return {"n": len(seeds), **{k: m[k] for k in keep}}


# ---------------------------------------------------------------------------------------------------------------
# Section 4: He, Glorot and S2's scheme across the ten layers of S2's network

INITS = ("he", "glorot", "sqrt2_glorot_normal")
DEPTH_SIZES = [1] + [50] * 9 + [1]


def depth_profile(init, activation, seed):
    """(std of A_l for l = 1…10, ‖∇W_l‖ for l = 1…10) of a fresh [1, 50×9, 1] network built from `seed`,
    on 1 000 inputs x ~ N(0, 1) (generator seed 1) and a random output gradient (generator seed 2)."""
    X = np.random.default_rng(1).normal(size=(1000, 1))
    dY = np.random.default_rng(2).normal(size=(1000, 1)) / 1000
    net = MLP(DEPTH_SIZES, activation=activation, init=init, seed=seed)
    A, stds = X, []
    for i, layer in enumerate(net.layers):
        A = layer.forward(A)
        if i % 2 == 1:  # after each activation: A_l
            stds.append(A.std())
    net(X)
    net.backward(dY)
    return np.array(stds), np.array([np.linalg.norm(lin.dW) for lin in net.linears])


@claim("06.relu_init", notebook="06",
       says="ReLU, for every seed: under Glorot the activations' std shrinks by 0.6–0.8 per layer (over 8-fold in "
            "nine layers) while ‖∇W_l‖ stays within 4× across the ten layers; under He the ninth layer's std is "
            "within 3× of the first's",
       holds=lambda m: (0.6 < min(m["glorot_shrink"]) and max(m["glorot_shrink"]) < 0.8
                        and min(m["glorot_fall"]) > 8 and max(m["glorot_grad_spread"]) < 4
                        and max(m["he_drift"]) < 3 and min(m["he_drift"]) > 1 / 3))
def relu_init(seeds):
    """Per seed, ReLU: Glorot's shrink per layer and 9-layer fall, its ‖∇W_l‖ spread, He's 9-layer drift."""
    shrink, fall, spread, drift = [], [], [], []
    for seed in seeds:
        g_std, g_norm = depth_profile("glorot", "relu", seed)
        h_std, _ = depth_profile("he", "relu", seed)
        shrink.append(float((g_std[8] / g_std[0]) ** (1 / 8)))
        fall.append(float(g_std[0] / g_std[8]))
        spread.append(float(g_norm.max() / g_norm.min()))
        drift.append(float(h_std[8] / h_std[0]))
    return {"glorot_shrink": shrink, "glorot_fall": fall, "glorot_grad_spread": spread, "he_drift": drift}


@claim("06.tanh_init", notebook="06",
       says="tanh: the spread (largest / smallest ‖∇W_l‖ over the ten layers) has its lowest median under "
            "Glorot and its highest under He (median over 5 seeds)",
       holds=lambda m: m["glorot_median"] < m["sqrt2_median"] < m["he_median"])
def tanh_init(seeds):
    """Per seed, tanh: largest / smallest ‖∇W_l‖ over the ten layers under each initialiser, and medians."""
    spreads = {init: [] for init in INITS}
    for seed in seeds:
        for init in INITS:
            _, norms = depth_profile(init, "tanh", seed)
            spreads[init].append(float(norms.max() / norms.min()))
    flattest = [min(INITS, key=lambda init: spreads[init][i]) for i in range(len(seeds))]
    return {
        "he_median": float(np.median(spreads["he"])), "glorot_median": float(np.median(spreads["glorot"])),
        "sqrt2_median": float(np.median(spreads["sqrt2_glorot_normal"])),
        "he": spreads["he"], "glorot": spreads["glorot"], "sqrt2": spreads["sqrt2_glorot_normal"],
        "glorot_flattest": sum(f == "glorot" for f in flattest),
    }
