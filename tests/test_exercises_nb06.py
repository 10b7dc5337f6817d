"""The transfer exercises of notebook 06: each checker passes its reference answer, reads None as "not attempted",
and fails the typical wrong answers. The references are checked against an independent formulation."""

import numpy as np
from exercise_support import standard_checker_tests

from course_lib.exercises import nb06


def nesterov(theta, grads, lr, mu):
    b = np.zeros_like(theta)
    for g in grads:
        b = mu * b + g
        theta = theta - lr * (g + mu * b)
    return theta


def adamw(theta, grads, lr, beta1, beta2, eps, weight_decay):
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        theta = theta * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta


def decay_prediction(theta0, lr, weight_decay, n_steps):
    # AdamW: |θ| shrinks geometrically; L2 in Adam: the gradient λθ is normalised away, each step moves ≈ η
    return [abs(theta0) * (1 - (1 - lr * weight_decay) ** n_steps), min(abs(theta0), n_steps * lr)]


# --- wrong answers a learner typically writes ------------------------------------------------------------------


def nesterov_plain_momentum(theta, grads, lr, mu):  # forgot the look-ahead: Eq. (6.3)
    v = np.zeros_like(theta)
    for g in grads:
        v = mu * v + g
        theta = theta - lr * v
    return theta


def nesterov_missing_gradient(theta, grads, lr, mu):  # steps along μb only
    b = np.zeros_like(theta)
    for g in grads:
        b = mu * b + g
        theta = theta - lr * mu * b
    return theta


def nesterov_sign(theta, grads, lr, mu):
    b = np.zeros_like(theta)
    for g in grads:
        b = mu * b + g
        theta = theta - lr * (g - mu * b)
    return theta


def adamw_l2_inside(theta, grads, lr, beta1, beta2, eps, weight_decay):  # L2 inside Adam's gradient
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta


def adamw_no_decay(theta, grads, lr, beta1, beta2, eps, weight_decay):  # missing term
    return adamw(theta, grads, lr, beta1, beta2, eps, 0.0)


def adamw_decay_without_lr(theta, grads, lr, beta1, beta2, eps, weight_decay):  # θ(1 − λ): factor η missing
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        theta = theta * (1 - weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta


def decay_both_like_adamw(theta0, lr, weight_decay, n_steps):  # "L2 and decoupled decay are the same"
    d = abs(theta0) * (1 - (1 - lr * weight_decay) ** n_steps)
    return [d, d]


def decay_swapped(theta0, lr, weight_decay, n_steps):
    return decay_prediction(theta0, lr, weight_decay, n_steps)[::-1]


def decay_l2_like_sgd(theta0, lr, weight_decay, n_steps):  # forgets Adam's normalisation for the L2 part
    d = abs(theta0) * (1 - (1 - lr * weight_decay) ** n_steps)
    return [d, n_steps * lr * weight_decay * abs(theta0)]


CASES = {
    "nesterov": (nb06.check_nesterov, nesterov,
                 [nesterov_plain_momentum, nesterov_missing_gradient, nesterov_sign]),
    "adamw": (nb06.check_adamw, adamw, [adamw_l2_inside, adamw_no_decay, adamw_decay_without_lr]),
    "decay_prediction": (nb06.check_decay_prediction, decay_prediction,
                         [decay_both_like_adamw, decay_swapped, decay_l2_like_sgd]),
}


(test_reference_answer_passes, test_none_reads_not_attempted, test_template_reads_not_attempted,
 test_typical_wrong_answers_fail) = standard_checker_tests(CASES)


def test_nesterov_reference_is_sutskevers_look_ahead_momentum():
    """Independent check: Sutskever's form, v ← μv − η∇L(θ + μv), θ ← θ + v, on L = ½θᵀAθ, stored as φ = θ + μv,
    gives the same φ as the checker's reference fed with the gradients at φ."""
    rng = np.random.default_rng(0)
    M = rng.normal(size=(4, 4))
    A = M @ M.T + np.eye(4)
    lr, mu = 0.05, 0.9
    theta, v = rng.normal(size=4), np.zeros(4)
    phi, grads = theta + mu * v, []
    for _ in range(12):
        g = A @ (theta + mu * v)  # the gradient at the look-ahead point = the stored point φ
        grads.append(g)
        v = mu * v - lr * g
        theta = theta + v
    assert np.allclose(nb06._nesterov_reference(phi, grads, lr, mu), theta + mu * v, rtol=1e-12, atol=1e-14)


def test_adamw_reference_with_zero_gradient_decays_geometrically():
    """Independent check: with g = 0, Adam's step is 0 (m = 0), so AdamW leaves θ(1 − ηλ)^n; with λ = 0 it is
    course_lib's Adam."""
    theta = np.array([[1.0, -2.0], [0.5, 3.0]])
    out = nb06._adamw_reference(theta, [np.zeros_like(theta)] * 7, 0.01, 0.9, 0.999, 1e-8, 0.3)
    assert np.allclose(out, theta * (1 - 0.01 * 0.3) ** 7, rtol=1e-14)
    grads = [np.ones_like(theta)] * 3
    assert np.array_equal(nb06._adamw_reference(theta, grads, 0.01, 0.9, 0.999, 1e-8, 0.0),
                          nb06._run_optimiser(lambda p: nb06.Adam(p, lr=0.01), theta, grads))


def test_checkers_do_not_let_the_answer_change_the_reference():
    def mutating(theta, grads, lr, mu):
        out = nesterov(theta.copy(), [g.copy() for g in grads], lr, mu)
        theta[...] = 0
        for g in grads:
            g[...] = 0
        return out

    assert nb06.check_nesterov(mutating).passed
