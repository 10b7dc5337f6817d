"""Exercises of notebook 07 (fitting sin and sinc): R², S2's learning rate, early stopping, bias-free ReLU nets.

Each checker calls the learner's function on seeded random cases and compares the result with what
course_lib computes: `MSELoss` for R² (Eq. 7.1), the gradients of an `MLP` for S2's learning rate
(Eq. 7.2), and the forward pass of a bias-free `MLP` for Eq. (7.4).
"""

from __future__ import annotations

import numpy as np

from ..data import sin_s0
from ..gradcheck import rel_error
from ..losses import MSELoss
from ..network import MLP
from .checking import (
    FAIL,
    PASS,
    Result,
    _copied,
    _not_attempted,
    _shape_hint,
    _short,
    _type_name,
    call_learner,
    check_array,
    check_arrays,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_best_epoch', 'check_bias_free_prediction', 'check_r_squared', 'check_s2_equivalent_lr')


def _recording(fn, seen: list):
    """fn, wrapped so that the arguments it is called with (call_learner's private copies) are kept in `seen`:
    the checker can then see whether the learner's code changed them (its signature is kept for messages)."""
    import functools

    @functools.wraps(fn)
    def recorded(*args):
        seen.append(args)
        return fn(*args)

    return recorded


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
    net.backward((Y_hat - Y) / B)  # S2: Δ_D = Ŷ − Y (D = depth), SGD divides by B
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
    """fn(W1, b1, lo, hi) -> a numpy array of the sorted x positions in [lo, hi] (ends included) where a 1-h-1
    ReLU network can bend, one entry per unit (two units bending at the same x give it twice), with first layer
    W1 (1 × h), b1 (h,) can bend (one kink per hidden unit, Eq. 1.2 with ReLU).

    Reference: x = −b1_j / W1_j for each unit, kept when inside [lo, hi]; tests/exercises/test_exercises_nb07.py
    checks it against the slope changes of course_lib MLPs measured on a fine grid.
    """
    def make(rng, settings):
        cases = []
        for h, lo, hi, b_scale in settings:
            W1 = rng.normal(size=(1, h)) * np.sqrt(2.0)
            b1 = rng.uniform(-b_scale, b_scale, size=h) if b_scale > 0.2 else rng.uniform(0, b_scale, size=h)
            cases.append((W1, b1, lo, hi))
        return cases

    cases = make(np.random.default_rng(705), ((3, 0.0, 1.0, 0.1), (8, -4.0, 4.0, 2.0), (20, -1.0, 1.0, 0.5)))
    # kinks exactly on both ends (x = 0 and x = 1, computed exactly in floating point): [lo, hi] is inclusive
    cases.append((np.array([[1.0, -2.0, 4.0, 0.5, 1.0]]), np.array([0.0, 2.0, -1.0, -0.25, 3.0]), 0.0, 1.0))
    # two units bending at the same x (0.5 and 0.25, exact in floating point): one entry per unit, so x twice
    cases.append((np.array([[1.0, 2.0, -4.0, 0.5, 3.0]]), np.array([-0.5, -1.0, 1.0, 0.0, 1.0]), -0.25, 1.0))
    # a unit with w = 0 and b = 0 (constant 0: it never bends, although 0 lies in range) and a unit with a tiny
    # but nonzero w whose kink x = 0.5 is in range
    cases.append((np.array([[0.0, 1e-4, 1.0, -2.0, 1.0]]), np.array([0.0, -5e-5, -0.25, 1.5, -5.0]), -1.0, 1.0))
    fresh = fresh_rng()
    extra = make(fresh, [(int(fresh.integers(2, 40)), -2.0, 3.0, 3.0)])
    name = "kink_positions"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    equation = "the kink positions of a 1-h-1 ReLU network in [lo, hi] (Eq. 1.2 with ReLU)"
    for i, args in enumerate(cases + extra):
        expected = _reference_kinks(*_copied(args))
        got, verdict = call_learner(name, fn, args)
        if verdict is not None:
            return verdict
        if not isinstance(got, np.ndarray):  # the next cell calls .max() on the answer: an array, not a list
            return Result(FAIL, f"{name} should return a numpy array (np.sort gives one), got {_type_name(got)}: "
                                "the notebook's next cells use array methods such as .max()")
        res = check_array(f"{name} (case {i + 1})", got, expected, equation, tol=1e-10)
        if res.passed:
            continue
        if got.shape == expected.shape and got.dtype.kind in "iuf" and np.all(np.isfinite(got)):
            if rel_error(np.sort(got.astype(np.float64)), expected) <= 1e-10:
                return Result(FAIL, f"{name} (case {i + 1}): the right kinks, but not sorted from left to right "
                                    "(np.sort)")
        if got.ndim == 1 and got.dtype.kind in "iuf" and got.shape == np.unique(expected).shape \
                and len(np.unique(expected)) < len(expected) and rel_error(got, np.unique(expected)) <= 1e-10:
            return Result(FAIL, f"{name} (case {i + 1}): two units here bend at the same x, and your array lists that "
                                "x once: give one entry per unit (that x twice), as the text says")
        lo, hi = args[2], args[3]
        slip = _kink_slip(got, *args)
        if slip:
            return Result(FAIL, f"{name} (case {i + 1}): {slip}")
        on_ends = int(np.sum((expected == lo) | (expected == hi)))
        if on_ends and got.ndim == 1 and got.shape[0] == expected.shape[0] - on_ends:
            return Result(FAIL, f"{name} (case {i + 1}): a kink that lies exactly on lo or on hi is missing: the "
                                "interval [lo, hi] includes its ends")
        return res
    return Result(PASS, f"{name} agrees with {equation} on {len(cases)} test cases and {len(extra)} drawn at "
                        "random (rel. error < 1e-10)")


def _kink_slip(got, W1, b1, lo, hi) -> str:
    """'' unless `got` is the answer of a usual slip of exercise 7.5 (the sign of −b/w, a unit with w = 0 counted,
    units with a small but nonzero w dropped): then the sentence that names it (never the formula)."""
    if not (isinstance(got, np.ndarray) and got.ndim == 1 and got.dtype.kind in "iuf" and np.all(np.isfinite(got))):
        return ""
    w, b = np.asarray(W1, dtype=np.float64).reshape(-1), np.asarray(b1, dtype=np.float64).reshape(-1)
    got = np.sort(got.astype(np.float64))

    def same(x):
        x = np.sort(np.asarray(x, dtype=np.float64))
        return x.shape == got.shape and (x.size == 0 or np.max(np.abs(x - got)) <= 1e-10 * max(1.0, np.max(np.abs(x))))

    right = _reference_kinks(w, b, lo, hi)
    if same(right):
        return ""
    if same(_reference_kinks(w, -b, lo, hi)):
        return ("your kinks are mirrored (the sign of x): unit j bends where x w_j + b_j = 0; solve that for x "
                "and check the sign")
    dead = (w == 0) & (b == 0)
    if np.any(dead) and lo <= 0 <= hi and same(np.concatenate([right, np.zeros(int(dead.sum()))])):
        return ("you list a kink at 0 for a unit with w = 0 and b = 0: that unit is the constant relu(0) = 0, it "
                "never bends (a unit with w = 0 has no kink at all)")
    small = (w != 0) & (np.abs(w) < 1e-2)
    if np.any(small) and same(_reference_kinks(np.where(small, 0.0, w), b, lo, hi)):
        return ("a unit with a small but nonzero w is missing: it still bends, however small w is (only a unit "
                "with w = 0 exactly never bends)")
    return ""


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
    numerically); tests/exercises/test_exercises_nb07.py also checks it against a Monte-Carlo measurement.
    """
    cases = [(0.1, 30, 1), (0.1, 30, 8), (0.5, 200, 20), (2.0, 12, 11)]
    fresh = fresh_rng()
    n = int(fresh.integers(5, 60))
    extra = [(float(fresh.uniform(0.05, 3.0)), n, int(fresh.integers(1, min(n, 12))))]
    res = check_function("train_noise_floor", fn, _reference_train_floor, cases,
                         "the expected training MSE of a least-squares fit (Eq. 7.3 on the training set)", tol=1e-8,
                         random_cases=extra)
    if res.status != FAIL:
        return res
    return _floor_slip(fn) or res


_FLOOR_SLIPS = (
    (lambda s, n, p: s**2 * p / n, "your value is σ²·p/n: that is the share of the noise the fit absorbs (trace H), "
                                   "not what stays in the residual (I − H)ε"),
    (lambda s, n, p: s * (n - p) / n, "your value grows like σ, not σ²: an MSE is in squared units, E[ε²] = σ²"),
    (lambda s, n, p: s * p / n, "your value grows like σ, not σ², and it is the share the fit absorbs (trace H), "
                                "not the residual's"),
    (lambda s, n, p: s**2, "your value is σ², Eq. (7.3) for the true function itself: it does not depend on p, but "
                           "the fit absorbs part of the noise on its own training points"),
    (lambda s, n, p: s**2 * (n + p) / n, "your value is above σ²: on its own training points the fit absorbs part "
                                         "of the noise, so its training MSE is below σ²"),
    (lambda s, n, p: s**2 * (n - p - 1) / n, "your value is off by one parameter: trace(I − H) counts the p columns "
                                             "of the design exactly"),
    (lambda s, n, p: s**2 * (n - p) / (n - 1), "your denominator is n − 1: the training MSE divides the squared "
                                               "residual by the n points"),
)
"""Exercise 7.2's usual slips, each with what it gets wrong (never the right formula)."""


def _floor_slip(fn):
    """The usual slip a failing train_noise_floor answer makes, as a failing Result, or None."""
    case = (0.3, 40, 7)  # σ ≠ σ², p/n ≠ 1 − p/n, and no two slips give the same number here
    got, verdict = call_learner("train_noise_floor", fn, case)
    value = exact_number(got) if verdict is None else None
    if value is None and isinstance(got, np.ndarray) and got.shape in ((), (1,)) and got.dtype.kind in "iuf":
        value = float(got.reshape(-1)[0])
    if value is None or not np.isfinite(value):
        return None
    for slip, why in _FLOOR_SLIPS:
        expected = slip(*case)
        if abs(value - expected) <= 1e-9 * abs(expected):
            return Result(FAIL, f"train_noise_floor: {why}")
    return None


# ---------------------------------------------------------------------------------------------------------------
# The ladder: derive a learning rate for another loss convention, show how biases must scale for a
# ReLU network to stay homogeneous, predict the error on fresh noise, and train the gated network to a target.


def _sum_loss_ratio(B, n_out, seed=0):
    """⟨g_sum, g⟩/⟨g, g⟩ measured with course_lib: the gradient of L_sum = ½ Σ (Ŷ − Y)² over a minibatch of B
    rows, in units of the MSELoss() gradient (both on the same course_lib MLP)."""
    rng = np.random.default_rng(seed)
    X, Y = rng.uniform(-4, 4, size=(B, 2)), rng.normal(size=(B, n_out))
    net = MLP([2, 5, n_out], seed=seed)
    Y_hat = net(X)
    net.backward(Y_hat - Y)  # ∂(½ Σ (Ŷ − Y)²)/∂Ŷ = Ŷ − Y, no 1/B
    g_sum = np.concatenate([g.ravel() for _, g in net.parameters()])
    net.backward(MSELoss().grad(Y_hat, Y))
    g = np.concatenate([g.ravel() for _, g in net.parameters()])
    return float(g_sum @ g / (g @ g))


def check_sum_loss_lr(fn) -> object:
    """fn(lr_sum, B, n_out) -> the learning rate for SGD on MSELoss() that takes the step SGD takes with lr_sum on
    L_sum = ½ Σ_{r,j} (Ŷ − Y)²_{rj}, summed over a minibatch of B rows (Eq. 7.2's question for another convention).

    Reference: lr_sum × (the L_sum gradient / the MSELoss() gradient), measured with a course_lib MLP. A wrong
    answer is told which factor it misses (B, n_out or the ½) when it is off by exactly that.
    """
    name = "sum_loss_lr"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    # B·n_out odd in three fixed cases (15, 1, 9): an integer division B·n_out // 2 fails on every run
    cases = [(0.01, 20, 1), (0.001, 32, 3), (0.05, 1, 2), (0.002, 7, 10), (0.02, 5, 3), (0.004, 1, 1), (0.01, 9, 1)]
    fresh = fresh_rng()
    cases.append((float(fresh.uniform(1e-4, 0.1)), int(fresh.integers(2, 65)), int(fresh.integers(2, 9))))
    for i, (lr, B, n_out) in enumerate(cases):
        expected = lr * _sum_loss_ratio(B, n_out, seed=i)
        got, verdict = call_learner(name, fn, (lr, B, n_out))
        if verdict is not None:
            return verdict
        res = check_array(f"{name} (case {i + 1})", got, expected, "η ∇L_sum = η_mean ∇MSE", tol=1e-9)
        if res.passed:
            continue
        value = exact_number(got) if not isinstance(got, np.ndarray) else (
            float(got) if got.shape == () and got.dtype.kind in "iuf" else None)
        if value is not None and expected != 0:
            k = value / expected
            for factor, why in ((1 / B, "1/B ×: L_sum adds the B rows' losses, MSELoss averages them"),
                                (1 / n_out, "1/n_out ×: MSELoss also averages over the n_out outputs"),
                                (2.0, "2 ×: the ½ in L_sum and the 2 in the derivative of a square"),
                                (0.5, "1/2 ×: the ½ in L_sum cancels the 2 of the square's derivative, the "
                                      "mean's 2/(B·n_out) does not"),
                                (1 / expected**2 * lr**2, "the inverse of the ratio: which of the two losses has "
                                                          "the larger gradient?")):
                if abs(k - factor) < 1e-9 * max(1.0, abs(factor)):
                    return Result(FAIL, f"{name} (case {i + 1}): your rate is {why}")
        return res
    return Result(PASS, f"{name} takes L_sum's step on MSELoss() on {len(cases) - 1} test cases and 1 drawn at random "
                        "(rel. error < 1e-09)")


def _bias_factors(c):
    return np.cumprod(np.asarray(c, dtype=np.float64))


def check_bias_scaling(fn) -> object:
    """fn(c) -> β (D,), a new array (c unchanged): with W_l scaled by c_l > 0 and b_l by β_l in every layer of a
    ReLU MLP with biases (D
    layers, linear output), the output is scaled by exactly ∏ c_l for every x.

    Reference: β_l = c_1 c_2 ⋯ c_l (A_{l−1} carries the factor of the layers below it, Eq. 1.2 with relu(cz) =
    c relu(z)); the checker also applies the learner's β to course_lib MLPs and measures the output.
    """
    name = "bias_scaling"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    rng = np.random.default_rng(707)
    cases = [np.array([2.0, 0.5]), np.array([3.0, 0.25, 5.0]), np.array([0.7, 1.3, 2.0, 0.4, 1.1])]
    fresh = fresh_rng()
    cases.append(fresh.uniform(0.2, 3.0, size=int(fresh.integers(2, 7))))
    for i, c in enumerate(cases):
        expected = _bias_factors(c)
        seen = []
        got, verdict = call_learner(name, _recording(fn, seen) if callable(fn) else fn, (c.copy(),))
        if verdict is not None:
            return verdict
        if seen and not (isinstance(seen[0][0], np.ndarray) and np.array_equal(seen[0][0], c)):
            return Result(FAIL, f"{name} (case {i + 1}) changed the array c it was given: return a new array of "
                                "factors and leave c as it was (the next cell still needs c)")
        res = check_array(f"{name} (case {i + 1})", got, expected, "Z_l = A_{l−1} W_l + 1 b_lᵀ in every layer",
                          tol=1e-10)
        if not res.passed:
            try:
                beta = np.asarray(got)
            except Exception:  # an object whose __array__ raises: check_array's verdict says so
                return res
            if beta.dtype.kind not in "biuf":
                return res
            beta = beta.astype(np.float64).reshape(-1)
            if beta.shape == expected.shape and np.all(np.isfinite(beta)):
                l = int(np.argmax(np.abs(beta - expected) > 1e-10 * np.abs(expected))) + 1
                return Result(FAIL, f"{name} (case {i + 1}): with your β the output is not ∏ c_l × the original; "
                                    f"it goes wrong first at b_{l}. In Z_{l} = A_{l - 1} W_{l} + 1 b_{l}ᵀ, by what "
                                    f"factor is A_{l - 1} W_{l} scaled?")
            return res
        D = len(c)  # the property itself, on a network with random biases: f → ∏ c · f
        sizes = [2] + [int(n) for n in rng.integers(2, 6, size=D - 1)] + [1]
        net = MLP(sizes, activation="relu", seed=i)
        for lin in net.linears:
            lin.b[:] = rng.normal(0, 0.5, size=lin.b.shape)
        X = rng.normal(size=(9, 2))
        before = net(X)
        for lin, cl, bl in zip(net.linears, c, np.asarray(got, dtype=np.float64).reshape(-1), strict=True):
            lin.W *= cl
            lin.b *= bl
        if rel_error(net(X), np.prod(c) * before) > 1e-10:  # cannot happen when β passed: the reference is right
            return Result(FAIL, f"{name} (case {i + 1}): the scaled network's output is not ∏ c_l × the original")
    return Result(PASS, f"{name}: with your β every tested ReLU network's output scales by ∏ c_l "
                        f"({len(cases) - 1} test cases, rel. error < 1e-10)")


FRESH_N, FRESH_P = 30, 8
"""Exercise 7.3's setting: a least-squares model with p = 8 parameters fitted to n = 30 noisy points."""


def _fresh_noise_mse(n, p, seed=0):
    """E[MSE against fresh targets f(x) + ε' at the same x] / σ² for a least-squares fit with p parameters on n
    points: the fit is f + Hε, so the error is Hε − ε' and E = σ² (trace H + n) / n; trace H computed numerically
    from a random polynomial design."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(np.vander(rng.uniform(-1, 1, size=n), p, increasing=True))
    return float((np.trace(Q @ Q.T) + n) / n)


def check_fresh_noise_prediction(value) -> Result:
    """value: the predicted E[MSE] of the fit of exercise 7.3 against fresh targets at the same x, in units of σ²,
    for n = FRESH_N, p = FRESH_P. Accepted within 0.5 %."""
    name = "fresh_noise_prediction"
    if value is None or value is Ellipsis:
        return _not_attempted(name)
    number = exact_number(value)
    if number is None or not np.isfinite(number):
        return Result(FAIL, f"{name} should be a number (in units of σ²), got {_short(value)}")
    expected = _fresh_noise_mse(FRESH_N, FRESH_P)
    if abs(number / expected - 1) <= 5e-3:
        return Result(PASS, f"{name}: your prediction is within 0.5 % of the expected value")
    n, p = FRESH_N, FRESH_P
    known = {1.0: "that is σ², the true function's own error (Eq. 7.3); the fit also carries part of the old noise",
             (n - p) / n: "that is the training MSE of exercise 7.2; here the targets' noise is new",
             p / n: "that is only the fit's own error Hε; the new targets bring their own noise ε' too"}
    for k, why in known.items():
        if abs(number / k - 1) <= 5e-3:
            return Result(FAIL, f"{name}: {why}")
    sigma = 0.1  # the noise level of exercise 7.2's and the measuring cell's fits
    if abs(number / (expected * sigma**2) - 1) <= 5e-3:
        return Result(FAIL, f"{name}: your value looks like the MSE itself for σ = {sigma:g}; the answer is asked in "
                            "units of σ² (the MSE divided by σ²)")
    side = "too high" if number > expected else "too low"
    return Result(FAIL, f"{name}: {side}. Write the error as (fit − f) − ε' and take E of its squared norm term by "
                        "term")


# --- Exercise 7.6: train the gated network ---------------------------------------------------------------------

GATED_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
GATED_TARGET = 0.05
"""Exercise 7.6's target: MSE below this on 2 000 fresh points of S0's task (var(y) ≈ 4.5, so R² > 0.988)."""
GATED_TRAIN_N = 256


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _gated_forward(params, X):
    P = np.tanh(X @ params["W1"] + params["b1"])
    S = _sigmoid(X @ params["W2"] + params["b2"])
    return (P * S) @ params["W3"] + params["b3"]


def _gated_backward(params, X, T):
    P = np.tanh(X @ params["W1"] + params["b1"])
    S = _sigmoid(X @ params["W2"] + params["b2"])
    H = P * S
    G = 2.0 * (H @ params["W3"] + params["b3"] - T) / T.size
    G_H = G @ params["W3"].T
    D1, D2 = G_H * S * (1.0 - P**2), G_H * P * S * (1.0 - S)
    return {"W1": X.T @ D1, "b1": D1.sum(axis=0), "W2": X.T @ D2, "b2": D2.sum(axis=0),
            "W3": H.T @ G, "b3": G.sum(axis=0)}


def _gated_case(rng, B, n_in, h, n_out):
    params = {"W1": rng.normal(size=(n_in, h)), "b1": rng.normal(size=h), "W2": rng.normal(size=(n_in, h)),
              "b2": rng.normal(size=h), "W3": rng.normal(size=(h, n_out)), "b3": rng.normal(size=n_out)}
    return params, rng.normal(size=(B, n_in)), rng.normal(size=(B, n_out))


_GATED_EQ = {"W1": "Eq. (5.2) for W1 of the gated network (5.8), through its tanh branch",
             "b1": "Eq. (5.3) for b1 of the gated network (5.8), through its tanh branch",
             "W2": "Eq. (5.2) for W2 of the gated network (5.8), through its sigmoid gate",
             "b2": "Eq. (5.3) for b2 of the gated network (5.8), through its sigmoid gate",
             "W3": "Eq. (5.2) for the output layer W3 of the gated network (5.8)",
             "b3": "Eq. (5.3) for the output layer b3 of the gated network (5.8)"}
"""Where each gradient of Eq. (5.8)'s gated network comes from: the equation's number, never its formula (a stub
in exercise 7.6 must not be shown exercise 5.5's answer)."""


def _as_params(name, got, shapes):
    """The learner's parameter dict checked: the six keys, numeric arrays of the given shapes, finite."""
    if not isinstance(got, dict):
        return None, Result(FAIL, f"{name} should return a dict with keys {', '.join(GATED_KEYS)}, "
                                  f"got {_type_name(got)}")
    missing = [k for k in GATED_KEYS if k not in got]
    if missing:
        return None, Result(FAIL, f"{name} returned a dict without {', '.join(missing)}")
    out = {}
    for k in GATED_KEYS:
        try:
            a = np.asarray(got[k])
        except BaseException as exc:  # noqa: BLE001 - an object whose __array__ raises
            if isinstance(exc, KeyboardInterrupt):
                raise
            return None, Result(FAIL, f"{name}: {k} is not an array ({_type_name(got[k])})")
        if a.dtype.kind not in "biuf":
            return None, Result(FAIL, f"{name}: {k} should be a real numeric array, got dtype {a.dtype}")
        if shapes is not None and a.shape != shapes[k]:
            return None, Result(FAIL, f"{name}: {k} has shape {a.shape}, expected {shapes[k]}"
                                      f"{' (a missing transpose?)' if a.shape[::-1] == shapes[k] else ''}")
        if not np.all(np.isfinite(a)):
            return None, Result(FAIL, f"{name}: {k} contains NaN or Inf")
        out[k] = a.astype(np.float64)
    return out, None


def _check_gated_forward_backward(gated_forward, gated_backward):
    rng = np.random.default_rng(706)
    fresh = fresh_rng()
    cases = [_gated_case(rng, 4, 3, 5, 2), _gated_case(rng, 7, 1, 6, 1), _gated_case(rng, 2, 4, 3, 3),
             _gated_case(fresh, *random_sizes(fresh, 4, 1, 8))]
    res = check_function("gated_forward", gated_forward, lambda p, X: _gated_forward(p, X),
                         [c[:2] for c in cases[:3]], "Eq. (5.8), Ŷ = (tanh(XW1 + b1) ⊙ σ(XW2 + b2)) W3 + b3", tol=1e-10,
                         random_cases=[cases[3][:2]])
    if not res.passed:
        return res
    order = ["W3", "b3", "W1", "b1", "W2", "b2"]  # where an error starts: the output layer first
    deferred = None  # (case, message) of an ambiguous mean-divisor slip
    for i, (params, X, T) in enumerate(cases):
        expected = _gated_backward(_copied(params), X.copy(), T.copy())
        seen = []
        got, verdict = call_learner("gated_backward", _recording(gated_backward, seen) if callable(gated_backward)
                                   else gated_backward, (params, X, T))
        if verdict is not None:
            return verdict
        changed = _changed_params(seen[0][0], params) if seen else []
        if changed:
            return Result(FAIL, f"gated_backward (case {i + 1}) changed params[{changed[0]!r}]: a backward pass only "
                                "computes the gradients and leaves params unchanged; the training loop updates "
                                "them after the whole backward pass")
        shapes = {k: v.shape for k, v in expected.items()}
        grads, verdict = _as_params(f"gated_backward (case {i + 1})", got, None)
        if verdict is not None:
            return verdict
        bad = [k for k in order if grads[k].shape != shapes[k]]
        if bad:
            k = bad[0]
            return Result(FAIL, f"gated_backward (case {i + 1}): ∇{k} has shape {grads[k].shape}, but {k} has "
                                f"shape {shapes[k]}{_shape_hint(grads[k], expected[k])}")
        slip = _mean_divisor_slip(grads, expected, *T.shape)
        if slip and slip[1]:  # one factor, which on this case's B and n_out could be two slips: a later case decides
            deferred = deferred or (i, slip[0])
            continue
        if slip:
            return Result(FAIL, f"gated_backward (case {i + 1}): {slip[0]}")
        res = check_arrays(f"gated_backward (case {i + 1})", [grads[k] for k in order],
                           [expected[k] for k in order], [f"∇{k}" for k in order], [_GATED_EQ[k] for k in order],
                           tol=1e-8, upstream=range(6), common="∂L/∂Ŷ of MSELoss() (Eq. 3.7) or Eq. (5.1)")
        if not res.passed:
            return res
    if deferred:
        return Result(FAIL, f"gated_backward (case {deferred[0] + 1}): {deferred[1]}")
    return Result(PASS, "gated_forward and gated_backward agree with the reference on 3 test cases")


def _mean_divisor_slip(grads, expected, B, n_out):
    """None unless every gradient is the same factor c × the right one with c one of the divisors of the mean
    (n_out, B, B·n_out), the 2 of the square's derivative, or their inverses: then (the sentence that names it,
    ambiguous), ambiguous when on this case's B and n_out two of those give the same c (n_out = 2, say)."""
    a = np.concatenate([grads[k].reshape(-1) for k in GATED_KEYS])
    e = np.concatenate([expected[k].reshape(-1) for k in GATED_KEYS])
    if not np.any(e) or not np.all(np.isfinite(a)):
        return None
    c = float(a @ e / (e @ e))
    if c == 0 or np.linalg.norm(a - c * e) > 1e-8 * np.linalg.norm(a):
        return None
    mean = "MSELoss() is the mean over all B·n_out entries of Ŷ (Eq. 3.7)"
    named = [(B * n_out, "B·n_out × the right one (the sum of the squares, not their mean)", "1/(B·n_out)"),
             (n_out, "n_out × the right one (divided by B only)", "1/n_out"),
             (B, "B × the right one (divided by n_out only)", "1/B"),
             (2, "2 × the right one (the 2 of the square's derivative counted twice?)", "½")]
    for k, inverse in ((c, False), (1.0 / c, True)):
        hits = [(f, what, inv) for f, what, inv in named if f > 1 and abs(k - f) <= 1e-6 * f]
        if len(hits) > 1:  # e.g. n_out = 2: the 2 of the square's derivative or a divisor of the mean
            if inverse:
                return (f"every gradient is 1/{hits[0][0]:g} × the right one (the 2 of the square's derivative "
                        "missing, or an extra division?)"), True
            return (f"every gradient is {hits[0][0]:g} × the right one (a divisor of the mean missing, or a "
                    "factor counted twice?)"), True
        if hits:
            f, what, inv = hits[0]
            if inverse and f == 2:
                return "every gradient is ½ × the right one: the derivative of the square (Ŷ − T)² has a 2", False
            if inverse:
                return f"every gradient is {inv} × the right one (divided twice?): {mean}", False
            return f"every gradient is {what}" + ("" if f == 2 else f": {mean}"), False
    return None


def _changed_params(handed, original) -> list:
    """The keys of `original` whose arrays the learner's code changed in `handed` (its private copy)."""
    if not isinstance(handed, dict):
        return ["params"]
    out = []
    for k, v in original.items():
        got = handed.get(k)
        if not (isinstance(got, np.ndarray) and got.shape == v.shape and np.array_equal(got, v)):
            out.append(k)
    return out


def check_train_gated(gated_forward, gated_backward, train_gated) -> Result:
    """Exercise 7.6: gated_forward(params, X), gated_backward(params, X, T) (notebook 05's gated network, Eq. 5.8) and
    train_gated(X, T, seed) -> params, trained on S0's task to an MSE below GATED_TARGET on fresh points.

    The checker first compares the forward and backward passes with its own reference on several shapes (one
    drawn at call time), then draws training data with a seed chosen at call time, runs train_gated itself
    (time limit 6 × TIME_LIMIT) and measures the returned network with its own forward pass on 2 000 fresh points.
    """
    for label, fn in (("gated_forward", gated_forward), ("gated_backward", gated_backward),
                      ("train_gated", train_gated)):
        if fn is None or fn is Ellipsis:
            return _not_attempted(label)
    res = _check_gated_forward_backward(gated_forward, gated_backward)
    if not res.passed:
        return res
    seed = int(fresh_rng().integers(1_000, 10**6))
    X, T = sin_s0(GATED_TRAIN_N, seed=seed)
    X_new, T_new = sin_s0(2000, seed=seed + 1)
    seen = []
    got, verdict = call_learner("train_gated", _recording(train_gated, seen) if callable(train_gated) else train_gated,
                                (X, T, seed), slow=6.0)
    if verdict is not None:
        return verdict
    changed = [label for label, handed, original in zip(("X", "T"), seen[0][:2] if seen else (), (X, T))
               if not (isinstance(handed, np.ndarray) and handed.shape == original.shape
                       and np.array_equal(handed, original))]
    if not isinstance(got, dict) or "W1" not in got:
        return _as_params("train_gated", got, None)[1] or Result(FAIL, "train_gated should return the params dict")
    h = np.shape(got["W1"])[-1] if np.ndim(got["W1"]) == 2 else 0
    shapes = {"W1": (1, h), "b1": (h,), "W2": (1, h), "b2": (h,), "W3": (h, 1), "b3": (1,)}
    params, verdict = _as_params("train_gated", got, shapes)
    if verdict is not None:
        return verdict
    mse = float(np.mean((_gated_forward(params, X_new) - T_new) ** 2))
    if mse < GATED_TARGET:
        return Result(PASS, f"train_gated: forward and backward agree with the reference, and the trained network's "
                            f"MSE on 2 000 fresh points of S0's task is below {GATED_TARGET} (R² > 0.988)")
    start = float(np.var(T_new))
    if changed:
        return Result(FAIL, f"train_gated changed its input {changed[0]} in place, and the trained network misses the "
                            f"target (MSE below {GATED_TARGET} on 2 000 fresh points of the original x): the network "
                            "must predict from x as it is given; rescale a copy (and fold the scale into the "
                            "first-layer weights), leave X and T unchanged")
    return Result(FAIL, f"train_gated: the trained network's MSE on 2 000 fresh points is {mse:.2g}, the target is "
                        f"below {GATED_TARGET} (predicting the mean scores {start:.2g})"
                        + ("; it is no better than the mean: is it training at all?" if mse > 0.9 * start else ""))


HINTS = {
    "sum_loss_lr": [
        "Write both gradients with respect to Ŷ. The two SGD steps are equal when η_sum · ∂L_sum/∂Ŷ = "
        "η_mean · ∂MSE/∂Ŷ; everything after Ŷ (the backward pass) is the same linear map for both.",
        "∂L_sum/∂Ŷ = Ŷ − Y (the ½ cancels the 2), while MSELoss gives ∂L/∂Ŷ = 2(Ŷ − Y)/(B·n_out), Eq. (3.7). "
        "Divide one by the other.",
    ],
    "train_noise_floor": [
        "The fitted values are the projection H y of the targets onto the model's p-dimensional column space; the "
        "true function already lies in that space. What is left of y − Hy?",
        "y − Hy = (I − H)ε, and E[εᵀAε] = σ² trace(A) for any fixed matrix A. A projection onto a p-dimensional "
        "space has trace p (its eigenvalues are p ones and n − p zeros). Divide the sum by n.",
    ],
    "fresh_noise_prediction": [
        "The fit is the same as in exercise 7.2: f + Hε. The new targets are f + ε' with ε' independent of ε. "
        "Write the error vector and expand its squared norm.",
        "The error is Hε − ε'. The cross term has mean 0 (ε' is independent of ε); E‖Hε‖² = σ² trace(HᵀH) = "
        "σ² trace(H) = σ² p, and E‖ε'‖² = σ² n. Divide by n σ² and put in n = 30, p = 8.",
    ],
    "bias_scaling": [
        "Follow the factor layer by layer: if A_{l−1} is c × what it was, what is A_{l−1}(c_l W_l)? For the whole "
        "of Z_l to scale by one number, b_l must scale by that same number, and then relu passes it on.",
        "By induction A_l is scaled by c_1 c_2 ⋯ c_l (relu(kz) = k relu(z) for k > 0), so Z_l = A_{l−1}W_l + "
        "1b_lᵀ scales uniformly only if b_l is multiplied by the same running product.",
    ],
    "relu_kinks": [
        "relu(z) bends at z = 0 only. For unit j, z = x w_j + b_j: solve for x.",
        "x_j = −b_j / w_j for every unit with w_j ≠ 0 (a unit with w_j = 0 is constant in x). Keep those with "
        "lo ≤ x_j ≤ hi and return them sorted as a numpy array.",
    ],
    "train_gated": [
        "Paste your gated_forward and gated_backward from exercise 5.5 (they passed your own gradient check in "
        "exercise 5.6). The training loop is yours: initialise, then repeat forward, backward, update. Look at "
        "section 1: which network fitted S0's sine, with which optimiser and how many steps?",
        "S0's x lies in [0, 1] and the sine has frequency 20: the first-layer weights must become large (tens) "
        "before the units can bend often enough, so start them large (a normal with std about 10, biases spread "
        "over a similar range) rather than Glorot-small. Adam (Eq. 6.4–6.7, written in numpy over the six "
        "arrays) with a learning rate around 0.01–0.02, full batch, 1000–2000 steps, about 50 hidden units.",
    ],
}
"""Hints in tiers for each exercise of notebook 07: a nudge, then the key step (the solution is the third tier)."""


guard_checkers(globals())
