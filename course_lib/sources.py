"""Faithful re-implementations of the published formulas, including their errors, used to measure them in notebook 11.

The five source designs S0–S4 (what each is, where it is published, its settings and the formula or code
line behind every claim) are described in the course's page docs/sources.md. Every function below implements
one formula or one piece of code exactly as its source prints it — wrong factors, wrong transposes,
indexing bugs and all — so that notebook 11 can put each claim next to course_lib (the reference) and
measure the error live. Where a source calls a helper it does not show (S4's stable sigmoid), the course's
equivalent stands in, and the function's docstring says so. Nothing here is used for training; course_lib's
own layers, losses and optimisers never call this module.

Each docstring says which source it comes from, what it computes, and what is wrong with it (or that it
is correct). Conventions follow the source, not the course: S0 and S4 use column vectors with weights of
shape (n_out, n_in), i.e. W_col = W_rowᵀ (notebook 05's equation 5.6); S1, S2 and S3 use the row-batch convention.
"""

from __future__ import annotations

import numpy as np

from .layers import Sigmoid, get_activation

# ---------------------------------------------------------------------------------------------------
# S0 — per-sample MLP with "reused" Jacobian products (column vectors, one sample at a time)
# ---------------------------------------------------------------------------------------------------


def s0_forward(Ws, bs, activations, x):
    """S0's forward pass for one sample: z_k = W_k a_{k−1} + b_k, a_k = f_k(z_k) (column convention).

    Ws[k] has shape (n_out, n_in) as in S0's `Linear`; `activations` are course_lib names ("relu", …).
    Returns (outputs, zs): outputs = [x, a_1, …, a_D], zs = [z_1, …, z_D], all 1-D. Correct.
    """
    acts = [get_activation(name) for name in activations]
    a = np.asarray(x, dtype=np.float64).ravel()
    outputs, zs = [a], []
    for W, b, act in zip(Ws, bs, acts, strict=True):
        z = W @ a + b
        a = act.fn(z)
        zs.append(z)
        outputs.append(a)
    return outputs, zs


def s0_backprop(Ws, bs, activations, x, y):
    """S0's `MLP.back_prop` without its SGD update: the gradients it steps along, ([dW_1…], [db_1…]).

    Ported line by line from S0's code (`back_prop` in nn/model/mlp.py, `MSE.derivative` in nn/loss.py; the
    README shows only the formula): `reuse` starts as the SCALAR s = −2·mean(y − ŷ) times the identity; for each
    (Linear, activation) pair from the last, the weight gradient is f'(z_k) a_{k−1}ᵀ ⊙ (row sums of
    reuse, as a column) and then reuse ← W_kᵀ diag(f'(z_k)) reuse (this is V_k of the README, times s).
    What is wrong: summing the columns of V_k replaces V_k·∂C/∂a_D by (V_k·1)·s, which is the gradient
    of (Σ residuals)²/n_out, not of the MSE. Exact for one output; with 2+ outputs it is off by O(1).
    """
    acts = [get_activation(name) for name in activations]
    outputs, zs = s0_forward(Ws, bs, activations, x)
    y = np.asarray(y, dtype=np.float64).ravel()
    y_hat = outputs[-1]
    reuse = (-2.0 * np.mean(y - y_hat)) * np.identity(y_hat.shape[0])  # S0: loss.derivative(...) * I
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for k in reversed(range(len(Ws))):
        a_der = np.atleast_2d(acts[k].derivative(zs[k])).T  # (n_k, 1)
        w_der = np.atleast_2d(outputs[k])  # (1, n_{k−1})
        precomp = np.atleast_2d(np.sum(reuse, axis=1)).T  # column sums of V_k, as a column (n_k, 1)
        dWs[k] = a_der @ w_der * precomp
        dbs[k] = (a_der * precomp)[:, 0]
        reuse = Ws[k].T @ np.diag(acts[k].derivative(zs[k])) @ reuse
    return dWs, dbs


def s0_readme_grad_W(fprime_k, a_prev, V_k):
    """The course's numpy transcription of S0's README formula ∂C/∂W_k = (f'(z_k) a_{k−1}ᵀ) ⊙ Σ_i V_k[:, i].

    fprime_k (n_k,), a_prev (n_{k−1},), V_k (n_k, n_D). What is wrong in the formula itself: ∂C/∂a_D is
    missing (V_k must multiply it, not be summed over its columns). This transcription also lets numpy
    broadcast the length-n_k column sum along the last axis (scaling COLUMNS); S0's own code reshapes it
    to a column and scales the rows, as the formula means, so that broadcast is not an error of S0 and
    notebook 11 does not count it. Kept for comparisons only; s0_backprop is S0's code.
    Corrected (notebook 11's equation 11.3): ∂C/∂W_k = [f'(z_k) ⊙ (V_k ∂C/∂a_D)] a_{k−1}ᵀ.
    """
    return np.outer(fprime_k, a_prev) * np.sum(V_k, axis=1)


def s0_reuse_matrix(Ws, zs, activations, k):
    """V_k = Π_{i=k+1}^{D} W_iᵀ diag(f'(z_i)) of S0's README (column convention), shape (n_k, n_D).

    Layers are numbered 1…D (D = len(Ws), the depth; S0's README writes the product's upper limit as
    "Last Layer"); Ws[i−1] is W_i. V_D is the identity. Correct as a definition.
    """
    acts = [get_activation(name) for name in activations]
    D = len(Ws)
    V = np.identity(zs[-1].shape[0])
    for i in range(D, k, -1):  # i = D, D−1, …, k+1
        V = Ws[i - 1].T @ np.diag(acts[i - 1].derivative(zs[i - 1])) @ V
    return V


# ---------------------------------------------------------------------------------------------------
# S1 — two-layer network, matrix-calculus derivation (row batch, no biases, ReLU, L = Σ(y − t)²)
# ---------------------------------------------------------------------------------------------------


def s1_forward(X, W, S):
    """S1's forward pass in row-batch form: U = XW, H = ReLU(U), Y = HS. Returns (U, H, Y). Correct."""
    U = X @ W
    H = np.maximum(U, 0.0)
    return U, H, H @ S


def s1_grad_S(H, grad_Y):
    """S1: ∇_S L = h·∇_{yᵀ}L, batched Hᵀ ∇_Y L (n_h×B)(B×n_y). Correct for any B and n_y (Eq. (2.7))."""
    return H.T @ grad_Y


def s1_grad_W(X, grad_U):
    """S1: ∇_W L = x·∇_{uᵀ}L, batched Xᵀ ∇_U L. Correct for any B (Eq. (2.7))."""
    return X.T @ grad_U


def s1_outer_product_sum(X, G):
    """S1's key insight: the batch gradient Xᵀ G is Σ_r x_r g_rᵀ, a sum of outer products. Correct."""
    return sum(np.outer(x, g) for x, g in zip(X, G, strict=True))


def s1_grad_H_as_printed(grad_Y, S):
    """S1 as printed: ∇_{hᵀ}L = ∇_{yᵀ}L · S. A typo for · Sᵀ (Eq. (2.8)).

    (B×n_y)(n_h×n_y) is a shape error unless n_h = n_y; when it runs, the result is wrong.
    """
    return grad_Y @ S


def s1_grad_U_as_printed(grad_h, u):
    """S1 as printed, for ONE sample: ∇_{uᵀ}L = diag(∇f)·∇_{hᵀ}L, with ∇_{hᵀ}L a row vector.

    grad_h: the row ∇_{hᵀ}L of shape (1, n_h); u: the pre-activation, n_h entries; f = ReLU as in S1's
    code, so ∇f = (u > 0). The printed order multiplies an (n_h × n_h) matrix by a (1 × n_h) row: a
    shape error (numpy raises ValueError) unless n_h = 1. The other order, g·diag(f'), is g ⊙ f' and is
    right; a batch has one diagonal per row, so its only form is ∇_U L = ∇_H L ⊙ f'(U), Eq. (5.1).
    """
    grad_h = np.atleast_2d(np.asarray(grad_h, dtype=np.float64))
    diag_fprime = np.diag((np.asarray(u, dtype=np.float64).ravel() > 0).astype(np.float64))
    return diag_fprime @ grad_h


# ---------------------------------------------------------------------------------------------------
# S2 — deep MLP with biases on noisy sinc (row batch, ReLU hidden, identity output)
# ---------------------------------------------------------------------------------------------------


def s2_init(layer_sizes, rng):
    """S2's initialisation: W ~ N(0, 4/(fan_in + fan_out)), b = 0 of shape (1, n), called "He" in the text.

    It is √2 × Glorot normal (Eq. (6.10)), not He (std √(2/fan_in), Eq. (6.8)); the two agree only when
    fan_in = fan_out. On the first 1→50 layer: std 0.28 instead of He's 1.41.
    """
    pairs = zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    Ws = [rng.normal(size=(m, n)) * np.sqrt(4.0 / (m + n)) for m, n in pairs]
    bs = [np.zeros((1, n)) for n in layer_sizes[1:]]
    return Ws, bs


def s2_forward(X, Ws, bs):
    """S2's forward pass: Z = A W + b, ReLU on hidden layers, identity on the last. Returns (Ŷ, As, Zs).

    As = [A_0 = X, A_1, …], Zs = [Z_1, …, Z_D]. Correct.
    """
    A, As, Zs = X, [X], []
    for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        Z = A @ W + b
        A = Z if i == len(Ws) - 1 else np.maximum(Z, 0.0)
        Zs.append(Z)
        As.append(A)
    return A, As, Zs


def s2_backward(Y, As, Zs, Ws):
    """S2's backward pass and its division by B: the step direction per unit learning rate, ([dW…], [db…]).

    Δ_D = Ŷ − Y; ∇W_l = A_{l−1}ᵀΔ_l; ∇b_l = Σ_rows Δ_l; Δ_l = (Δ_{l+1}W_{l+1}ᵀ) ⊙ f'(Z_l); then /B.
    Correct for the loss ½Σ(ŷ − y)²/B. Against the loss it reports, mean((ŷ − y)²) (s2_reported_loss),
    it is (n_out/2)× the true gradient: 0.5× for one output.
    """
    B = Y.shape[0]
    Delta = As[-1] - Y
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for l in reversed(range(len(Ws))):
        dWs[l] = As[l].T @ Delta / B
        dbs[l] = np.sum(Delta, axis=0, keepdims=True) / B
        if l > 0:
            Delta = (Delta @ Ws[l].T) * (Zs[l - 1] > 0)
    return dWs, dbs


def s2_reported_loss(Y_hat, Y) -> float:
    """The loss S2 prints and plots: mean((ŷ − y)²). Its gradient is 2(Ŷ − Y)/(B·n_out), Eq. (3.7)."""
    return float(np.mean((Y_hat - Y) ** 2))


def s2_validation_loss(predict, X_val, Y_val, n_train: int, batch_size: int) -> float:
    """S2's validation loop: validation batches reuse the TRAINING batch indices.

    As in S2's fit loop, the batch start indices are those of the n_train // batch_size training
    batches, and they slice the validation arrays. Three cases:
    - len(X_val) shorter: once a start index passes len(X_val) the slice is empty, the mean of an empty
      batch is NaN (numpy warns "Mean of empty slice"), and so is the average over batches;
    - len(X_val) longer: only the first (n_train // batch_size)·batch_size validation rows are ever
      used; the result is a finite, wrong number, with no warning;
    - equal (a multiple of batch_size): correct.
    Correct: iterate over range(0, len(X_val), batch_size) and weight batches by their length.
    """
    losses = []
    for batch in range(n_train // batch_size):
        start = batch * batch_size
        Xb = X_val[start : start + batch_size]
        Yb = Y_val[start : start + batch_size]
        losses.append(np.mean((predict(Xb) - Yb) ** 2))
    return float(np.mean(losses))


# ---------------------------------------------------------------------------------------------------
# S3 — graph-structured network (losses and activations as printed)
# ---------------------------------------------------------------------------------------------------


def s3_mse(y, t):
    """S3's MSE as printed: ((y − t)/2)², element-wise. Its true derivative is (y − t)/2."""
    return ((y - t) / 2.0) ** 2


def s3_mse_grad(y, t):
    """S3's MSE gradient as printed: 2(y − t). 4× the derivative of s3_mse; the consistent pair is ½(y − t)², y − t."""
    return 2.0 * (y - t)


def s3_sigmoid(z):
    """S3's sigmoid: 1/(1 + e^(−z)). Rounds to exactly 1.0 for z ≳ 37 in float64 (saturation)."""
    return 1.0 / (1.0 + np.exp(-z))


def s3_sigmoid_grad(y):
    """S3's sigmoid derivative s(1 − s). Correct (Eq. (3.3)); 0 when s rounds to 1.

    S3's `Sigmoid.gradient(x)` takes the pre-activation and recomputes s = σ(x) first; this function takes s = y
    directly, which gives the same numbers without a second exponential.
    """
    return y * (1.0 - y)


def s3_bce(y, t):
    """S3's binary cross-entropy on probabilities: −[t log y + (1 − t) log(1 − y)].

    Correct, but log(0) = −inf once σ saturates.
    """
    return -(t * np.log(y) + (1.0 - t) * np.log(1.0 - y))


def s3_bce_grad(y, t):
    """S3's cross-entropy derivative w.r.t. the probability y, as printed: (t − y)/((y − 1)·y).

    Correct mathematically (it equals −t/y + (1 − t)/(1 − y)). Chained separately with s3_sigmoid_grad, it gives
    inf·0 or 0/0 = NaN once σ saturates to 1.0; the product simplifies to y − t (Eq. (3.10)), which never fails.
    """
    return (t - y) / ((y - 1.0) * y)


# ---------------------------------------------------------------------------------------------------
# S4 — vectorised backprop, column convention, sigmoid everywhere, no biases, L = ½(y − t)ᵀ(y − t)
# ---------------------------------------------------------------------------------------------------


def s4_forward(Ws, o0):
    """S4's forward pass, column convention: a_l = W_l o_{l−1}, o_l = σ(a_l). Returns (os, as_). Correct.

    S4's sigmoid comes from its series' helper script (`conv_utils.stable_sigmoid`), whose code the post does not
    show; this port uses course_lib's stable sigmoid (Eq. (3.4)) in its place, the course's choice.

    Ws[l] has shape (n_l, n_{l−1}); o0 is (n_0, N) — N samples stacked as columns (N = 1 for one sample).
    """
    os_, as_ = [o0], []
    for W in Ws:
        a = W @ os_[-1]
        as_.append(a)
        os_.append(Sigmoid.fn(a))  # S4 calls conv_utils.stable_sigmoid, not shown in its text: course_lib's, Eq. (3.4)
    return os_, as_


def s4_backward(Ws, os_, as_, t):
    """S4's backward pass: g = y − t; for l = D…1: g ← g ⊙ σ'(a_l); ∇W_l = g o_{l−1}ᵀ; g ← W_lᵀ g. Correct.

    (S4 writes the loop as l = L, …, 1, its L being both the number of layers and the loss; in the course's
    notation the depth is D.) It is Eq. (5.5) in the column convention (notebook 05's equation 5.6) for
    L = ½(y − t)ᵀ(y − t).
    """
    g = os_[-1] - t
    grads = [None] * len(Ws)
    for l in reversed(range(len(Ws))):
        s = Sigmoid.fn(as_[l])
        g = g * s * (1.0 - s)
        grads[l] = g @ os_[l].T
        g = Ws[l].T @ g
    return grads


def s4_loss_text(y, t) -> float:
    """The loss helper in S4's text: ½ eᵀe with e = y − t, written for one column vector.

    With N samples stacked as the columns of a (1, N) row, eᵀe is an N×N matrix and taking its first
    entry returns only sample 0's loss, ½e_0². Correct only for one sample.
    Correct for a stack: ½ Σ_n e_n² (or its mean).
    """
    error = y - t
    loss = np.matmul(error.T, error) / 2  # as S4's text, which then returns the entry [0][0]
    return float(loss[0][0])


def s4_loss_listing(y, t):
    """The loss helper in S4's full listing: np.sum(error.T, error).

    It passes an array as np.sum's `axis` argument, which numpy refuses (TypeError for a stack of
    samples). Correct: 0.5 * np.sum(error * error).
    """
    error = y - t
    return 0.5 * np.sum(error.T, error)
