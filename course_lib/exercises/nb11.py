"""Checkers for notebook 11 · Reading derivations critically: fix the sources' formulas.

Each checker compares a learner's corrected formula with the course's reference on seeded random cases
and says pass, not attempted yet, or which equation fails and by how much.
"""

from __future__ import annotations

import numpy as np

from . import Result, check_array, check_function, fresh_rng, guard_checkers, random_sizes


def _rng(seed=11):
    return np.random.default_rng(seed)


def check_s1_grad_H(fn) -> Result:
    """Exercise 1: fix S1's ∇_{hᵀ}L = ∇_{yᵀ}L·S. `fn(grad_Y, S)` must return ∇_H L = ∇_Y L Sᵀ, Eq. (11.4).

    Cases use n_h ≠ n_y (where the printed formula is a shape error) and n_h = n_y (where it runs wrong).
    """
    def make(rng, shapes):  # (B, n_h, n_y)
        return [(rng.normal(size=(B, n_y)), rng.normal(size=(n_h, n_y))) for B, n_h, n_y in shapes]

    fresh = fresh_rng()
    return check_function("∇_H L", fn, lambda G, S: G @ S.T, make(_rng(), ((4, 5, 3), (1, 2, 6), (7, 4, 4))),
                          "Eq. (11.4)", random_cases=make(fresh, [random_sizes(fresh, 3, 1, 8)]))


def check_s0_layer_grad(fn) -> Result:
    """Exercise 2: fix S0's layer gradient. `fn(fprime_k, a_prev, V_k, dC_da)` → ∂C/∂W_k, Eq. (11.3).

    Column convention: fprime_k (n_k,), a_prev (n_{k−1},), V_k (n_k, n_L), dC_da (n_L,); the answer is
    [f'(z_k) ⊙ (V_k ∂C/∂a_L)] a_{k−1}ᵀ of shape (n_k, n_{k−1}).
    """
    def make(rng, sizes):
        return [(rng.uniform(0, 1, n_k), rng.normal(size=n_prev), rng.normal(size=(n_k, n_L)), rng.normal(size=n_L))
                for n_k, n_prev, n_L in sizes]

    cases = make(_rng(12), ((3, 4, 2), (5, 5, 3), (2, 1, 4)))
    fresh = fresh_rng()
    extra = make(fresh, [random_sizes(fresh, 3, 1, 8)])

    def reference(fprime, a_prev, V, dC):
        return np.outer(fprime * (V @ dC), a_prev)

    return check_function("∂C/∂W_k", fn, reference, cases, "Eq. (11.3)", random_cases=extra)


def check_s3_mse_grad(fn) -> Result:
    """Exercise 3: the derivative of S3's loss ((y − t)/2)² with respect to y, Eq. (11.6). `fn(y, t)` → array."""
    rng, fresh = _rng(13), fresh_rng()
    cases = [(rng.normal(size=(n, 2)), rng.normal(size=(n, 2))) for n in (1, 5, 9)]
    shape = tuple(random_sizes(fresh, 2, 3, 9))
    extra = [(fresh.normal(size=shape), fresh.normal(size=shape))]
    return check_function("∂ℓ/∂y", fn, lambda y, t: (y - t) / 2.0, cases, "Eq. (11.6)", random_cases=extra)


def check_s4_floor(answer, T) -> Result:
    """Exercise 4: the lowest loss ½·mean((y − t)²) any output y ∈ [0, 1] can reach on labels T, Eq. (11.7)."""
    T = np.asarray(T, dtype=np.float64)
    expected = 0.5 * np.mean((T - np.clip(T, 0.0, 1.0)) ** 2)
    return check_array("the loss floor", answer, expected, "Eq. (11.7)")


# ---------------------------------------------------------------------------------------------------
# Transfer exercises: an unseen derivation with one error, and S3's effective learning rate
# ---------------------------------------------------------------------------------------------------


def _excerpt_reference(X, W1, b1, W2, T):
    """∇W₁ of L = mean over the batch of (ŷ − t)² for Ŷ = tanh(XW₁ + 1b₁ᵀ)W₂ (one output), by course_lib's MLP."""
    from ..losses import MSELoss
    from ..network import MLP

    net = MLP([W1.shape[0], W1.shape[1], 1], activation="tanh", seed=0)
    net.linears[0].W[...] = W1
    net.linears[0].b[...] = b1
    net.linears[1].W[...] = W2
    net.linears[1].b[...] = 0.0  # the excerpt's output has no bias
    loss = MSELoss()  # mean over B·n_out = B entries, the excerpt's (1/B)Σ(ŷ − t)²
    net.backward(loss.grad(net.forward(X), T))
    return net.linears[0].dW.copy()


def check_excerpt_grad_W1(fn) -> Result:
    """Exercise 5: the corrected ∇W₁ of the fictional excerpt. `fn(X, W1, b1, W2, T)` → ∇W₁ (n_0, n_1).

    Network: Z₁ = XW₁ + 1b₁ᵀ, A₁ = tanh(Z₁), Ŷ = A₁W₂ (one output, no output bias), L = (1/B)Σ(ŷ − t)².
    Reference: course_lib's MLP (Eq. 5.1–5.5, checked against autograd in notebook 10) with the same
    weights and a zero output bias. The excerpt's own line Δ₁ = G₁ ⊙ (1 − Z₁²) fails.
    """
    def make(rng, sizes):
        return [(rng.normal(size=(B, n0)), rng.normal(size=(n0, n1)), rng.normal(scale=0.5, size=n1),
                 rng.normal(size=(n1, 1)), rng.normal(size=(B, 1))) for B, n0, n1 in sizes]

    fresh = fresh_rng()
    return check_function("∇W₁", fn, _excerpt_reference, make(_rng(15), ((6, 2, 4), (3, 3, 3), (9, 1, 5))),
                          "the chain rule through tanh (Eq. 5.1 with Eq. 3.5)",
                          random_cases=make(fresh, [random_sizes(fresh, 3, 1, 9)]))


def _s3_factors():
    """Measured, not typed: S3's printed gradient divided by (a) the derivative of its printed loss, by
    central finite differences, and (b) y − t, the gradient of ½(y − t)²."""
    from ..gradcheck import numerical_grad
    from ..sources import s3_mse, s3_mse_grad

    y, t = np.array([[0.7], [-1.2], [2.5]]), np.array([[0.1], [0.4], [-0.3]])
    g = s3_mse_grad(y, t)
    fd = numerical_grad(lambda: float(np.sum(s3_mse(y, t))), y)  # perturbs y in place and restores it
    return float(np.vdot(g, fd) / np.vdot(fd, fd)), float(np.vdot(g, y - t) / np.vdot(y - t, y - t))


def check_s3_learning_rates(fn) -> Result:
    """Exercise 6: `fn(lr)` → (effective lr on S3's reported loss, lr for the pair ½(y − t)², y − t).

    S3 steps θ ← θ − lr·g with g = 2(y − t), while its loss is ((y − t)/2)². Against that loss the step is
    lr·k_a times its gradient, and the consistent pair ½(y − t)² / (y − t) makes the same step with
    learning rate lr·k_b. The factors k_a, k_b are measured here by finite differences (Eq. 2.3).
    """
    k_a, k_b = _s3_factors()

    def reference(lr):
        return np.array([k_a * lr, k_b * lr])

    cases = [(1.0,), (0.1,), (0.03,)]
    extra = [(float(fresh_rng().uniform(0.001, 0.5)),)]
    return check_function("(effective lr, equivalent lr)", fn, reference, cases, "Eq. (11.6)", tol=1e-6,
                          random_cases=extra)


guard_checkers(globals())
