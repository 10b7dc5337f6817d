"""Checkers for notebook 13 · Normalisation and dropout (the ladder: predict, derive, build and verify).

- `check_null_directions_prediction` (predict): how many directions of change of one feature's batch leave
  BatchNorm's normalised output unchanged (the zero singular values of ∂x̂/∂x, measured in the next cell);
- `check_rmsnorm_backward` (derive): the backward pass of RMSNorm, a normalisation the notebook does not derive
  (LayerNorm without the mean), for any upstream gradient;
- `check_bn3d_backward` (build and verify): BatchNorm's backward pass for inputs of shape (N, C, L), statistics
  over the batch AND the length axis, which the learner then checks with their own finite differences.
The references take another route than the learner's: explicit per-sample (or per-channel) Jacobians built
entry by entry from the definition, so a compact formula is compared with something that is not a copy of it.
"""

from __future__ import annotations

import numpy as np

from .checking import (
    FAIL,
    PASS,
    Result,
    _not_attempted,
    _type_name,
    check_function,
    exact_whole,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

HINTS = {
    "null_directions_prediction": [
        "A zero singular value of ∂x̂/∂x is a direction d with ∂x̂/∂x · d = 0: a change of the batch x that leaves "
        "x̂ = (x − μ)/σ unchanged to first order. Which changes of x does the normalisation undo?",
        "Adding the same c to every sample moves μ by c and leaves x − μ alone; multiplying every deviation "
        "x_i − μ by (1 + t) multiplies σ by (1 + t) as well. Two independent directions: 1 and x − μ.",
    ],
    "rmsnorm_backward": [
        "Follow the LayerNorm derivation (13.11)–(13.12) for one row, with r = √(mean(x²) + ε) in place of the "
        "standard deviation and no mean: x̂ = x / r. Which of LayerNorm's terms disappear?",
        "∂r/∂x_j = x_j / (n r), so ∂x̂_k/∂x_j = δ_kj / r − x̂_k x̂_j / (n r). With G = dY diag(γ): "
        "dX = (G − X̂ ⊙ mean_row(G ⊙ X̂)) / r (means along each row, kept as (B, 1) columns); ∇γ = Σ_rows dY ⊙ X̂.",
    ],
    "bn3d_backward": [
        "For channel c the statistics run over every (n, l) pair: m = N·L numbers. Move the channel axis last and "
        "reshape to (N·L, C): each channel is then one column, as in BatchNorm1d.",
        "Xc = X.transpose(0, 2, 1).reshape(-1, C) (and dY the same way); apply (13.6) and (13.9) to these (m, C) "
        "arrays with means over axis 0; reshape dX back to (N, L, C) and transpose to (N, C, L).",
    ],
}


# ---------------------------------------------------------------------------------------------------
# 13.1 predict: the null directions of one feature's normalisation
# ---------------------------------------------------------------------------------------------------

NULL_B = 6
"""The batch size of the prediction (the answer does not depend on it, as long as B >= 3)."""


def check_null_directions_prediction(prediction) -> Result:
    """Exercise 13.1 (predict): the number of (numerically) zero singular values of ∂x̂/∂x, B × B, for one
    feature of BatchNorm in training with B = 6 samples: 2 (the shift 1 and the stretch x − μ; ε = 1e-5 leaves the
    second one at about 1e-5 of the largest, which the next cell counts as zero with a threshold of 1e-3)."""
    if prediction is None or prediction is Ellipsis:
        return _not_attempted("my_prediction")
    k = exact_whole(prediction)
    if k is None:
        return Result(FAIL, f"my_prediction should be a whole number (a count of singular values), got "
                            f"{_type_name(prediction)}")
    if k == 2:
        return Result(PASS, "my_prediction: two directions — the next cell measures them")
    if k == 1:
        return Result(FAIL, "my_prediction: one direction is not all of them. Shifting every sample by the same amount "
                            "is one; is there a second change of the batch that x̂ = (x − μ)/σ does not see?")
    if k == 0:
        return Result(FAIL, "my_prediction: if no direction were lost, ∂x̂/∂x would be invertible and x̂ would "
                            "determine x; but x̂ always has mean 0 and variance 1 (almost): what does it forget "
                            "about x?")
    if k in (NULL_B - 1, NULL_B - 2):
        return Result(FAIL, f"my_prediction: {k} is closer to the rank (the non-zero singular values) than to the "
                            "count of zero ones; the question asks for the directions that leave x̂ unchanged")
    if not 0 <= k <= NULL_B:
        return Result(FAIL, f"my_prediction: a {NULL_B} × {NULL_B} matrix has {NULL_B} singular values; {k} cannot be "
                            "how many of them are zero")
    return Result(FAIL, "my_prediction is not right: which changes of x leave x̂ = (x − μ)/σ unchanged?")


# ---------------------------------------------------------------------------------------------------
# 13.2 derive: RMSNorm's backward pass
# ---------------------------------------------------------------------------------------------------


def rmsnorm_forward(X, gamma, eps):
    """Y = X̂ diag(γ) with X̂ = X / r, r = √(mean of each row's squares + ε) : (B, n) → (B, n)."""
    r = np.sqrt(np.mean(X * X, axis=1, keepdims=True) + eps)
    return X / r * gamma


def _rmsnorm_reference(X, gamma, dY, eps):
    """(∂L/∂X, ∇γ) for L with ∂L/∂Y = dY: each row's explicit n × n Jacobian of x̂ = x / r from its definition."""
    B, n = X.shape
    dX = np.empty_like(X)
    for i in range(B):
        x = X[i]
        r = np.sqrt(np.dot(x, x) / n + eps)
        J = np.eye(n) / r - np.outer(x, x) / (n * r**3)  # ∂x̂_k/∂x_j, symmetric
        dX[i] = J.T @ (dY[i] * gamma)
    Xhat = X / np.sqrt(np.mean(X * X, axis=1, keepdims=True) + eps)
    return dX, np.sum(dY * Xhat, axis=0)


def _rms_cases(rng):
    return [
        (rng.normal(0.5, 2.0, (4, 3)), rng.normal(size=3), rng.standard_normal((4, 3)), 1e-5),
        (rng.normal(size=(1, 5)), rng.normal(size=5), rng.standard_normal((1, 5)), 1e-5),
        (rng.normal(size=(6, 2)), rng.normal(size=2), rng.standard_normal((6, 2)), 0.5),  # ε matters here
        (0.1 * rng.normal(size=(3, 7)), rng.normal(size=7), rng.standard_normal((3, 7)), 0.01),
    ]


def check_rmsnorm_backward(fn) -> Result:
    """Exercise 13.2 (derive): `fn(X, gamma, dY, eps) -> (dX, dgamma)` for RMSNorm, Y = X̂ diag(γ) with
    X̂ = X / r, r = √(mean_j x_ij² + ε) per row. Compared with each row's explicit Jacobian; the cases include a
    single sample, two features, an ε as large as the data (so ε must sit inside the root) and a random shape
    drawn at call time."""
    cases = _rms_cases(np.random.default_rng(1302))
    fresh = fresh_rng()
    B, n = random_sizes(fresh, 2, 2, 9)
    extra = [(fresh.normal(size=(B, n)), fresh.normal(size=n), fresh.standard_normal((B, n)), 1e-3)]
    return check_function("rmsnorm_backward", fn, _rmsnorm_reference, cases, "RMSNorm's backward pass",
                          labels=["dX", "dgamma"],
                          equations=["∂L/∂X (the route of Eq. (13.11)–(13.12) with r in place of σ)",
                                     "∇γ, Eq. (13.6) with X̂ = X / r"],
                          common="G = dY diag(γ) and X̂ = X / r", random_cases=extra)


# ---------------------------------------------------------------------------------------------------
# 13.3 build and verify: BatchNorm over (N, C, L)
# ---------------------------------------------------------------------------------------------------


def _bn3d_reference(X, gamma, dY, eps):
    """(∂L/∂X, ∇γ, ∇β) for BatchNorm over axes (0, 2) of X (N, C, L): per channel, the explicit m × m Jacobian
    of x̂ = (x − μ)/√(σ² + ε) over its m = N·L values, built from the definition."""
    N, C, L = X.shape
    m = N * L
    dX = np.empty_like(X)
    dgamma, dbeta = np.empty(C), np.empty(C)
    for c in range(C):
        x, g = X[:, c, :].reshape(-1), dY[:, c, :].reshape(-1)
        d = x - x.mean()
        var = np.dot(d, d) / m
        s = np.sqrt(var + eps)
        # ∂x̂_k/∂x_j = (δ_kj − 1/m)/s − d_k d_j/(m s³)
        J = (np.eye(m) - 1.0 / m) / s - np.outer(d, d) / (m * s**3)
        dX[:, c, :] = (J.T @ (g * gamma[c])).reshape(N, L)
        dgamma[c] = np.dot(g, d / s)
        dbeta[c] = g.sum()
    return dX, dgamma, dbeta


def bn3d_forward(X, gamma, beta, eps):
    """BatchNorm of X (N, C, L) with statistics over axes 0 and 2 (torch.nn.BatchNorm1d on 3-D input): Y (N, C, L)."""
    mu = X.mean(axis=(0, 2), keepdims=True)
    var = X.var(axis=(0, 2), keepdims=True)
    return (X - mu) / np.sqrt(var + eps) * gamma[None, :, None] + beta[None, :, None]


def check_bn3d_backward(fn) -> Result:
    """Exercise 13.3 (build): `fn(X, gamma, dY, eps) -> (dX, dgamma, dbeta)` for BatchNorm in training over an
    input X of shape (N, C, L) (C channels, statistics over the N samples and the L positions, as
    torch.nn.BatchNorm1d on 3-D input). Compared with each channel's explicit Jacobian; the cases include a batch
    of one sample (fine here: m = L values per channel), L = 1 (BatchNorm1d itself), a single channel, a large ε
    and a random shape drawn at call time."""
    rng = np.random.default_rng(1303)
    cases = [
        (rng.normal(1.0, 2.0, (2, 3, 4)), rng.normal(size=3), rng.standard_normal((2, 3, 4)), 1e-5),
        (rng.normal(size=(1, 2, 5)), rng.normal(size=2), rng.standard_normal((1, 2, 5)), 1e-5),
        (rng.normal(size=(5, 2, 1)), rng.normal(size=2), rng.standard_normal((5, 2, 1)), 1e-5),
        (rng.normal(size=(3, 1, 3)), rng.normal(size=1), rng.standard_normal((3, 1, 3)), 0.5),
    ]
    fresh = fresh_rng()
    N, C, L = random_sizes(fresh, 3, 2, 6)
    extra = [(fresh.normal(size=(N, C, L)), fresh.normal(size=C), fresh.standard_normal((N, C, L)), 1e-3)]
    return check_function("bn3d_backward", fn, _bn3d_reference, cases, "BatchNorm over (N, C, L)",
                          labels=["dX", "dgamma", "dbeta"],
                          equations=["∂L/∂X, Eq. (13.9) with means over the m = N·L values of each channel",
                                     "∇γ, Eq. (13.6) summed over axes 0 and 2",
                                     "∇β, Eq. (13.6) summed over axes 0 and 2"],
                          upstream=[2, 1, 0], common="G = dY γ (γ broadcast along axis 1)", random_cases=extra)


def my_check_report(fn, seed: int = 0):
    """The learner's own verification, run for them in the notebook: rel. errors of fn's three gradients against
    central differences (Eq. 2.5) of L = Σ R ⊙ Y on a small random case. Returns {name: rel. error}."""
    from ..gradcheck import numerical_grad, rel_error

    rng = np.random.default_rng(seed)
    X, gamma, beta = rng.normal(size=(3, 2, 4)), rng.normal(size=2), rng.normal(size=2)
    R = rng.standard_normal(X.shape)
    dX, dgamma, dbeta = fn(X.copy(), gamma.copy(), R.copy(), 1e-5)

    def loss():
        return float(np.sum(bn3d_forward(X, gamma, beta, 1e-5) * R))

    return {"dX": rel_error(dX, numerical_grad(loss, X)), "dgamma": rel_error(dgamma, numerical_grad(loss, gamma)),
            "dbeta": rel_error(dbeta, numerical_grad(loss, beta))}


guard_checkers(globals())
