"""Exercises of notebook 06 (training): optimiser updates Eq. (6.1)–(6.7) and initialiser scales Eq. (6.8)–(6.10).

Each checker calls the learner's function on seeded random cases and compares the result with
course_lib (`course_lib.optim.SGD`, `course_lib.optim.Adam`) or with the formula the library's
initialisers implement. Inputs are copied before every call, so a function that updates its arguments
in place cannot spoil the reference.
"""

from __future__ import annotations

import numpy as np

from ..optim import SGD, Adam
from . import FAIL, PASS, Result, check_function, fresh_rng, guard_checkers, random_sizes


class _Params:
    """The smallest "model" an optimiser accepts: one parameter array and its gradient."""

    def __init__(self, theta):
        self.theta = np.array(theta, dtype=np.float64)
        self.grad = np.zeros_like(self.theta)

    def parameters(self):
        return [(self.theta, self.grad)]


def _run_optimiser(make_opt, theta, grads):
    """θ after one optimiser step per gradient in `grads`, using course_lib's optimiser."""
    params = _Params(theta)
    opt = make_opt(params)
    for g in grads:
        params.grad[...] = g
        opt.step()
    return params.theta


def _theta_and_grads(rng, n_steps, shape=(3, 2)):
    theta = rng.normal(size=shape)
    grads = [rng.normal(size=shape) for _ in range(n_steps)]
    return theta, grads


def check_sgd_step(fn) -> object:
    """fn(theta, grad, lr, weight_decay) -> θ after one SGD step with weight decay, Eq. (6.1) and (6.2).

    θ ← θ − η (∇θ + λθ), returned as a NEW array (the notebook asks for one): an update of the θ passed in
    (`theta -= …`) fails. Reference: course_lib.optim.SGD(lr=η, weight_decay=λ). Three seeded cases and
    one of a random shape drawn at call time.
    """
    rng = np.random.default_rng(601)
    cases = []
    for lr, wd in ((0.1, 0.0), (0.05, 0.01), (0.3, 0.5)):
        theta, (grad,) = _theta_and_grads(rng, 1)
        cases.append((theta, grad, lr, wd))
    fresh = fresh_rng()
    theta, (grad,) = _theta_and_grads(fresh, 1, tuple(random_sizes(fresh, 2, 1, 7)))
    extra = [(theta, grad, float(fresh.uniform(0.01, 0.5)), float(fresh.uniform(0.0, 0.5)))]

    def reference(theta, grad, lr, wd):
        return _run_optimiser(lambda p: SGD(p, lr=lr, weight_decay=wd), theta, [grad])

    if fn is None or fn is Ellipsis or not callable(fn):
        return check_function("sgd_step", fn, reference, cases, "Eq. (6.1)–(6.2)")
    in_place = []

    def spy(theta, *rest):  # the learner's call, watched: does it change the θ it was given?
        before = np.array(theta, copy=True)
        out = fn(theta, *rest)
        if out is theta or (isinstance(out, np.ndarray) and np.shares_memory(out, theta)) \
                or not np.array_equal(theta, before):
            in_place.append(True)
        return out

    spy.__signature__ = _signature(fn)
    res = check_function("sgd_step", spy, reference, cases, "Eq. (6.1)–(6.2)", random_cases=extra)
    if res.passed and in_place:
        return Result(FAIL, "sgd_step gives the right values, but it changes the θ it was given (an in-place "
                            "update such as `theta -= …`): the exercise asks for a new array, so return "
                            "`theta - …` instead")
    return res


def _signature(fn):
    import inspect

    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def check_momentum(fn) -> object:
    """fn(theta, grads, lr, mu) -> θ after len(grads) SGD-with-momentum steps, Eq. (6.3).

    v starts at 0; for each g in grads: v ← μv + g, θ ← θ − ηv. Reference: course_lib.optim.SGD(momentum=μ).
    """
    rng = np.random.default_rng(603)
    cases = []
    for n_steps, lr, mu in ((1, 0.1, 0.9), (5, 0.05, 0.9), (8, 0.2, 0.5)):
        theta, grads = _theta_and_grads(rng, n_steps)
        cases.append((theta, grads, lr, mu))
    fresh = fresh_rng()
    theta, grads = _theta_and_grads(fresh, int(fresh.integers(2, 9)), tuple(random_sizes(fresh, 2, 1, 7)))
    extra = [(theta, grads, float(fresh.uniform(0.01, 0.3)), float(fresh.uniform(0.3, 0.95)))]

    def reference(theta, grads, lr, mu):
        return _run_optimiser(lambda p: SGD(p, lr=lr, momentum=mu), theta, grads)

    return check_function("momentum", fn, reference, cases, "Eq. (6.3)", random_cases=extra)


def check_adam(fn) -> object:
    """fn(theta, grads, lr, beta1, beta2, eps) -> θ after len(grads) Adam steps, Eq. (6.4)–(6.7).

    m, v start at 0 and the step counter t at 1. Reference: course_lib.optim.Adam.
    """
    rng = np.random.default_rng(604)
    cases = []
    settings = ((1, 0.01, 0.9, 0.999, 1e-8), (6, 0.1, 0.9, 0.999, 1e-8), (10, 0.05, 0.8, 0.99, 1e-3))
    for n_steps, lr, b1, b2, eps in settings:
        theta, grads = _theta_and_grads(rng, n_steps)
        cases.append((theta, grads, lr, b1, b2, eps))
    fresh = fresh_rng()
    theta, grads = _theta_and_grads(fresh, int(fresh.integers(2, 9)), tuple(random_sizes(fresh, 2, 1, 7)))
    extra = [(theta, grads, float(fresh.uniform(0.01, 0.1)), 0.9, 0.999, 1e-8)]

    def reference(theta, grads, lr, b1, b2, eps):
        return _run_optimiser(lambda p: Adam(p, lr=lr, betas=(b1, b2), eps=eps), theta, grads)

    return check_function("adam", fn, reference, cases, "Eq. (6.4)–(6.7)", random_cases=extra)


_INIT_STD = {
    "he": lambda fi, fo: np.sqrt(2.0 / fi),
    "glorot": lambda fi, fo: np.sqrt(2.0 / (fi + fo)),
    "sqrt2_glorot_normal": lambda fi, fo: np.sqrt(4.0 / (fi + fo)),
}


def check_init_std(fn) -> object:
    """fn(name, fan_in, fan_out) -> the standard deviation of the normal initialiser `name`, Eq. (6.8)–(6.10).

    name is "he", "glorot" or "sqrt2_glorot_normal" (the names course_lib.init uses). Reference: the
    formulas course_lib.init.he_normal, glorot_normal and sqrt2_glorot_normal draw with.
    """
    cases = [(name, fi, fo) for name in _INIT_STD for fi, fo in ((1, 50), (50, 50), (50, 1), (784, 100))]
    fresh = fresh_rng()
    extra = [(name, *random_sizes(fresh, 2, 2, 999)) for name in _INIT_STD]

    def reference(name, fan_in, fan_out):
        return np.float64(_INIT_STD[name](fan_in, fan_out))

    return check_function("init_std", fn, reference, cases, "Eq. (6.8)–(6.10)", tol=1e-12, random_cases=extra)


# ---------------------------------------------------------------------------------------------------------------
# Transfer exercises: Nesterov momentum, AdamW, and a prediction of how AdamW and L2-inside-Adam decay a weight.


def _nesterov_reference(theta, grads, lr, mu):
    """PyTorch's SGD(nesterov=True, dampening=0): b ← μb + g, θ ← θ − η(g + μb), with b starting at 0.

    It is Sutskever's look-ahead momentum (v ← μv − η∇L(θ + μv), θ ← θ + v) written for the stored point
    φ = θ + μv, where the gradient is taken; tests/test_exercises_nb06.py checks that equivalence on a quadratic.
    """
    theta = np.array(theta, dtype=np.float64)
    buf = np.zeros_like(theta)
    for g in grads:
        buf = mu * buf + g
        theta = theta - lr * (g + mu * buf)
    return theta


def check_nesterov(fn) -> object:
    """fn(theta, grads, lr, mu) -> the stored parameters after one Nesterov step per gradient in `grads`.

    Nesterov momentum takes the gradient at the look-ahead point: v ← μv − η∇L(θ + μv), θ ← θ + v (v starts at
    0). A library stores φ = θ + μv instead, so the gradient it is handed (g = ∇L(φ)) is the one at the stored
    point. The learner derives the update of φ from the look-ahead form; `grads` are the gradients at the
    successive stored points. Reference: PyTorch's form, b ← μb + g, φ ← φ − η(g + μb).
    """
    rng = np.random.default_rng(606)
    cases = []
    for n_steps, lr, mu in ((1, 0.1, 0.9), (4, 0.05, 0.9), (7, 0.2, 0.5)):
        theta, grads = _theta_and_grads(rng, n_steps)
        cases.append((theta, grads, lr, mu))
    fresh = fresh_rng()
    theta, grads = _theta_and_grads(fresh, int(fresh.integers(2, 9)), tuple(random_sizes(fresh, 2, 1, 7)))
    extra = [(theta, grads, float(fresh.uniform(0.01, 0.3)), float(fresh.uniform(0.3, 0.95)))]
    return check_function("nesterov", fn, _nesterov_reference, cases,
                          "Nesterov momentum (look-ahead form rewritten for φ = θ + μv)", random_cases=extra)


def _adamw_reference(theta, grads, lr, beta1, beta2, eps, weight_decay):
    """AdamW (PyTorch's torch.optim.AdamW): θ ← θ(1 − ηλ), then course_lib's Adam step, Eq. (6.4)–(6.7)."""
    params = _Params(theta)
    opt = Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)
    for g in grads:
        params.theta *= 1.0 - lr * weight_decay  # decoupled weight decay: not part of the gradient
        params.grad[...] = g
        opt.step()
    return params.theta


def check_adamw(fn) -> object:
    """fn(theta, grads, lr, beta1, beta2, eps, weight_decay) -> θ after one AdamW step per gradient in `grads`.

    AdamW decouples the decay from the gradient: each step first shrinks θ by the factor (1 − ηλ), then takes
    Adam's step, Eq. (6.4)–(6.7), with the loss gradient alone (m, v start at 0, t at 1). Reference: course_lib's
    Adam after the shrink, the order torch.optim.AdamW uses.
    """
    rng = np.random.default_rng(607)
    cases = []
    settings = ((1, 0.01, 0.9, 0.999, 1e-8, 0.1), (6, 0.1, 0.9, 0.999, 1e-8, 0.5), (10, 0.05, 0.8, 0.99, 1e-3, 2.0))
    for n_steps, lr, b1, b2, eps, wd in settings:
        theta, grads = _theta_and_grads(rng, n_steps)
        cases.append((theta, grads, lr, b1, b2, eps, wd))
    fresh = fresh_rng()
    theta, grads = _theta_and_grads(fresh, int(fresh.integers(2, 9)), tuple(random_sizes(fresh, 2, 1, 7)))
    extra = [(theta, grads, float(fresh.uniform(0.01, 0.1)), 0.9, 0.999, 1e-8, float(fresh.uniform(0.05, 1.0)))]
    return check_function("adamw", fn, _adamw_reference, cases, "AdamW (decay θ by 1 − ηλ, then Eq. 6.4–6.7)",
                          random_cases=extra)


_CHECKING = {"learner": False}


class _AnswerLeak(Exception):
    """Raised when a prediction handed to check_decay_prediction calls the measurement it is compared with."""


def measure_decay(theta0, lr, weight_decay, n_steps):
    """Measured with course_lib: how far a weight whose loss gradient is 0 moves in n_steps, under
    AdamW (decoupled decay) and under Adam with L2 inside the gradient (g = 0 + λθ, Eq. 6.2).

    For the notebook's "then measure" step; a prediction checked by check_decay_prediction may not call it."""
    if _CHECKING["learner"]:
        raise _AnswerLeak("measure_decay is the measurement your prediction is compared with")
    return _measured_decay(theta0, lr, weight_decay, n_steps)


def _measured_decay(theta0, lr, weight_decay, n_steps):
    if _CHECKING["learner"]:
        raise _AnswerLeak("the checker's measurement is not a prediction")
    theta0 = np.array([float(theta0)])
    adamw = _adamw_reference(theta0, [np.zeros(1)] * n_steps, lr, 0.9, 0.999, 1e-8, weight_decay)
    params = _Params(theta0)
    opt = Adam(params, lr=lr)
    for _ in range(n_steps):
        params.grad[...] = weight_decay * params.theta  # Eq. (6.2) with ∇L = 0
        opt.step()
    return np.array([abs(theta0[0] - adamw[0]), abs(theta0[0] - params.theta[0])])


_DECAY_EQ = ("the measured decay (AdamW: shrink by 1 − ηλ per step; L2 in Adam: the step Adam takes on the gradient "
             "λθ)")


def check_decay_prediction(fn) -> object:
    """fn(theta0, lr, weight_decay, n_steps) -> [distance moved under AdamW, distance moved under L2-inside-Adam],
    predicted for one weight whose loss gradient is 0 (default betas, ε = 1e-8), from the update equations alone.

    Reference: the two distances measured by running course_lib's Adam (L2: the gradient λθ, Eq. 6.2) and the
    AdamW reference. The prediction may be approximate: EACH distance must be within 5 % of its own measured
    value (rel. error, Eq. 2.4), on four seeded settings and one drawn at call time (η n ≤ |θ0| / 4). A
    prediction that calls `measure_decay` (the measurement itself) fails.
    """
    cases = [(1.0, 1e-3, 0.01, 100), (2.0, 1e-3, 0.1, 100), (0.5, 1e-3, 1.0, 50), (-1.5, 2e-3, 0.05, 200)]
    fresh = fresh_rng()
    theta0 = float(fresh.choice([-1.0, 1.0]) * fresh.uniform(0.5, 3.0))
    n_steps = int(fresh.integers(20, 201))
    extra = [(theta0, float(fresh.uniform(0.1, 0.25)) * abs(theta0) / n_steps, float(fresh.uniform(0.01, 1.0)),
              n_steps)]
    if fn is None or fn is Ellipsis or not callable(fn):
        return check_function("decay_prediction", fn, _measured_decay, cases, _DECAY_EQ, tol=0.05)

    def watched(*args):  # the learner's call: measure_decay refuses while it runs
        _CHECKING["learner"] = True
        try:
            return fn(*args)
        finally:
            _CHECKING["learner"] = False

    watched.__signature__ = _signature(fn)
    res = check_function("decay_prediction", watched, _measured_decay, cases, _DECAY_EQ, tol=0.05,
                         random_cases=extra)
    if not res.passed:
        if "_AnswerLeak" in res.message:
            return Result(FAIL, "decay_prediction calls nb06.measure_decay, the measurement it is compared with: "
                                "predict the two distances from the update equations instead")
        return res
    for k, what in enumerate(("your AdamW distance", "your L2-inside-Adam distance")):
        def part(*args, k=k):
            got = watched(*args)
            try:
                return np.asarray(got, dtype=np.float64).reshape(-1)[k]
            except Exception as exc:  # noqa: BLE001 - the pair passed above, so this does not happen
                raise TypeError("return the two distances") from exc

        part.__signature__ = _signature(fn)
        one = check_function(what, part, lambda *a, k=k: _measured_decay(*a)[k], cases, _DECAY_EQ, tol=0.05,
                             random_cases=extra)
        if not one.passed:
            return Result(FAIL, one.message + " (each distance is judged on its own)")
    return Result(PASS, res.message)


guard_checkers(globals())
