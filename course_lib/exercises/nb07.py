"""Exercises of notebook 07 (fitting sin and sinc): R², S2's learning rate, early stopping, bias-free ReLU nets.

Each checker calls the learner's function on seeded random cases and compares the result with what
course_lib computes: `MSELoss` for R² (Eq. 7.1), the gradients of an `MLP` for S2's learning rate
(Eq. 7.2), and the forward pass of a bias-free `MLP` for Eq. (7.4).
"""

from __future__ import annotations

import numpy as np

from ..losses import MSELoss
from ..network import MLP
from . import FAIL, Result, _type_name, call_learner, check_function, fresh_rng, guard_checkers


def _reference_r_squared(Y, Y_hat):
    return np.float64(1.0 - MSELoss()(Y_hat, Y) / np.var(Y))


def check_r_squared(fn) -> object:
    """fn(Y, Y_hat) -> R² = 1 − MSE(Ŷ, Y) / var(Y), Eq. (7.1), for Y, Ŷ of shape (n, 1).

    Reference: course_lib.MSELoss() (mean reduction) and the population variance np.var(Y).
    """
    def make(rng, settings):
        cases = []
        for n, quality in settings:
            Y = 3.0 * np.sin(20.0 * rng.uniform(0, 1, size=(n, 1)))
            cases.append((Y, Y + quality * rng.normal(size=(n, 1))))
        return cases

    fresh = fresh_rng()
    return check_function("r_squared", fn, _reference_r_squared,
                          make(np.random.default_rng(701), ((50, 0.1), (200, 1.0), (1000, 0.5))), "Eq. (7.1)",
                          tol=1e-10, random_cases=make(fresh, [(int(fresh.integers(5, 500)), fresh.uniform(0.1, 2))]))


def _s2_ratio(n_out, seed=0, B=20):
    """⟨g_S2, g⟩/⟨g, g⟩ measured with course_lib: S2's step direction in units of the MSELoss() gradient."""
    rng = np.random.default_rng(seed)
    X, Y = rng.uniform(-4, 4, size=(B, 1)), rng.normal(size=(B, n_out))
    net = MLP([1, 8, n_out], seed=seed)
    Y_hat = net(X)
    net.backward((Y_hat - Y) / B)  # S2: Δ_L = Ŷ − Y, SGD divides by B
    g_s2 = np.concatenate([g.ravel() for _, g in net.parameters()])
    net.backward(MSELoss().grad(Y_hat, Y))
    g = np.concatenate([g.ravel() for _, g in net.parameters()])
    return float(g_s2 @ g / (g @ g))


def check_s2_equivalent_lr(fn) -> object:
    """fn(lr_s2, n_out) -> the learning rate that makes SGD on MSELoss() take S2's step, Eq. (7.2).

    Reference: lr_s2 × (S2's gradient / MSELoss() gradient), the ratio measured with a course_lib MLP.
    """
    cases = [(0.01, 1), (0.01, 3), (0.1, 2), (0.003, 10)]
    fresh = fresh_rng()
    extra = [(float(fresh.uniform(0.001, 0.2)), int(fresh.integers(4, 13)))]

    def reference(lr_s2, n_out):
        return np.float64(lr_s2 * _s2_ratio(n_out))

    return check_function("s2_equivalent_lr", fn, reference, cases, "Eq. (7.2)", tol=1e-9, random_cases=extra)


def check_best_epoch(fn) -> object:
    """fn(val_loss) -> the epoch (counted from 1) with the smallest validation loss: where early stopping stops.

    val_loss is a list of per-epoch losses, like History.val_loss. Reference: 1 + argmin (the first one on ties).
    """
    def make(rng, lengths):
        cases = []
        for n in lengths:
            epochs = np.arange(1, n + 1)
            curve = 0.01 + 1.0 / epochs + 1e-4 * epochs + 0.002 * rng.random(n)  # falls, then rises (overfitting)
            cases.append((list(curve),))
        return cases

    cases = make(np.random.default_rng(703), (5, 40, 300)) + [([0.3, 0.2, 0.2, 0.4],)]
    fresh = fresh_rng()

    def reference(val_loss):
        return np.float64(1 + int(np.argmin(val_loss)))

    return check_function("best_epoch", fn, reference, cases, "early stopping (the epoch of the smallest val. loss)",
                          tol=1e-12, random_cases=make(fresh, [int(fresh.integers(2, 200))]))


def check_bias_free_prediction(fn) -> object:
    """fn(f_plus, f_minus, x) -> predictions of a bias-free ReLU network on x (n, 1), Eq. (7.4).

    f_plus = f(1) and f_minus = f(−1) are the network's outputs at x = 1 and x = −1. Reference: the forward
    pass of bias-free course_lib MLPs (bias=False) with seeded random weights.
    """
    rng = np.random.default_rng(704)
    cases, nets = [], []
    fresh = fresh_rng()
    random_net = (int(fresh.integers(10, 10**6)), [1] + [int(n) for n in fresh.integers(2, 30, fresh.integers(1, 4))]
                  + [1])
    for seed, sizes in ((1, [1, 3, 1]), (2, [1, 50, 50, 1]), (3, [1, 20, 20, 20, 1]), random_net):
        net = MLP(sizes, seed=seed, bias=False)
        f_plus = float(net(np.array([[1.0]]))[0, 0])
        f_minus = float(net(np.array([[-1.0]]))[0, 0])
        x = rng.uniform(-4, 4, size=(25, 1))
        cases.append((f_plus, f_minus, x))
        nets.append(net)
    by_outputs = {case[:2]: net for case, net in zip(cases, nets, strict=True)}  # f(1), f(−1) name the net

    def reference(f_plus, f_minus, x):
        return by_outputs[(f_plus, f_minus)](x)

    return check_function("bias_free_prediction", fn, reference, cases[:3], "Eq. (7.4)", tol=1e-10,
                          random_cases=cases[3:])


# ---------------------------------------------------------------------------------------------------------------
# Transfer exercises: where a 1-h-1 ReLU network can bend, and the training-set noise floor of a model with p
# parameters.


def _reference_kinks(W1, b1, lo, hi):
    """Kinks of x ↦ Σ_j c_j relu(x W1[0, j] + b1[j]) + d: unit j bends where x W1[0, j] + b1[j] = 0, i.e. at
    x = −b1[j] / W1[0, j] (units with W1[0, j] = 0 never bend). Sorted, only those with lo ≤ x ≤ hi."""
    w = np.asarray(W1, dtype=np.float64).reshape(-1)
    b = np.asarray(b1, dtype=np.float64).reshape(-1)
    x = -b[w != 0] / w[w != 0]
    return np.sort(x[(x >= lo) & (x <= hi)])


def check_relu_kinks(fn) -> object:
    """fn(W1, b1, lo, hi) -> the sorted x positions in [lo, hi] where a 1-h-1 ReLU network with first layer
    W1 (1 × h), b1 (h,) can bend (one kink per hidden unit, Eq. 1.2 with ReLU).

    Reference: x = −b1_j / W1_j for each unit, kept when inside [lo, hi]; tests/test_exercises_nb07.py checks it
    against the slope changes of course_lib MLPs measured on a fine grid.
    """
    def make(rng, settings):
        cases = []
        for h, lo, hi, b_scale in settings:
            W1 = rng.normal(size=(1, h)) * np.sqrt(2.0)
            b1 = rng.uniform(-b_scale, b_scale, size=h) if b_scale > 0.2 else rng.uniform(0, b_scale, size=h)
            cases.append((W1, b1, lo, hi))
        return cases

    cases = make(np.random.default_rng(705), ((3, 0.0, 1.0, 0.1), (8, -4.0, 4.0, 2.0), (20, -1.0, 1.0, 0.5)))
    fresh = fresh_rng()
    extra = make(fresh, [(int(fresh.integers(2, 40)), -2.0, 3.0, 3.0)])
    name = "relu_kinks"
    if callable(fn):  # the next cell calls .max() on the answer: it must be an array, not a list
        got, verdict = call_learner(name, fn, cases[0])
        if verdict is None and not isinstance(got, np.ndarray):
            return Result(FAIL, f"{name} should return a numpy array (np.sort gives one), got {_type_name(got)}: "
                                "the notebook's next cells use array methods such as .max()")
    return check_function(name, fn, _reference_kinks, cases,
                          "the kinks x = −b_j / w_j of a 1-h-1 ReLU network", tol=1e-10, random_cases=extra)


def _reference_train_floor(sigma, n, p, seed=0):
    """E[training MSE] of least squares with p parameters on n points y = (a model in the class) + N(0, σ²):
    the residual is (I − H)ε with H the hat matrix of an n × p design, so E = σ² · trace(I − H) / n.
    Computed from a random polynomial design (trace taken numerically, not from a formula)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=n)
    D = np.vander(x, p, increasing=True)  # n × p, full column rank for distinct x
    Q, _ = np.linalg.qr(D)
    H = Q @ Q.T
    return np.float64(sigma**2 * np.trace(np.eye(n) - H) / n)


def check_train_noise_floor(fn) -> object:
    """fn(sigma, n, p) -> the expected training MSE of a least-squares fit with p free parameters on n noisy
    points, when the model class contains the true function (noise N(0, σ²)): a training-set version of Eq. (7.3).

    Reference: σ² · trace(I − H) / n with H the hat matrix of a random n × p polynomial design (computed
    numerically); tests/test_exercises_nb07.py also checks it against a Monte-Carlo measurement.
    """
    cases = [(0.1, 30, 1), (0.1, 30, 8), (0.5, 200, 20), (2.0, 12, 11)]
    fresh = fresh_rng()
    n = int(fresh.integers(5, 60))
    extra = [(float(fresh.uniform(0.05, 3.0)), n, int(fresh.integers(1, min(n, 12))))]
    return check_function("train_noise_floor", fn, _reference_train_floor, cases,
                          "the expected training MSE of a least-squares fit (Eq. 7.3 on the training set)", tol=1e-8,
                          random_cases=extra)


guard_checkers(globals())
