"""One head of scaled dot-product self-attention on one sequence: `SelfAttention`. Derived in notebook 14.

X is one sequence of T tokens, one token per row: (T, d_in). Forward, Eq. (14.1)–(14.4):
Q = X W_q, K = X W_k, V = X W_v (each T×d_k), S = Q Kᵀ/√d_k (T×T), P = softmax(S) row by row (Eq. 12.1),
Y = P V (T×d_k). With causal=True, S_ij = −∞ for j > i before the softmax, Eq. (14.10): token i sees only
tokens 0…i. Backward, Eq. (14.5)–(14.9): the softmax is differentiated row by row with notebook 12's
Jacobian (Eq. 12.3), without building any T×T×T array.

The rows of X are tokens of ONE sequence, not samples of a batch: a token's output depends on every other
token, so this layer is not a row-wise MLP layer (use it on one sequence, loop over sequences for a batch).
"""

from __future__ import annotations

import numpy as np

from .checks import as_real, check_finite, check_positive_int
from .init import as_generator


class SelfAttention:
    """Y = softmax(Q Kᵀ/√d_k [+ causal mask]) V with Q, K, V = X W_q, X W_k, X W_v, Eq. (14.1)–(14.4), (14.10).

    Parameters W_q, W_k, W_v, each (d_in, d_k), drawn from N(0, 1/d_in) with `seed` (an int or a Generator).
    After `backward(dY)`, dW_q, dW_k, dW_v hold ∂L/∂W (Eq. 14.8; overwritten, not accumulated, and the same
    array objects for the layer's whole life) and the return value is ∂L/∂X (Eq. 14.9). `P` holds the
    attention weights of the last forward pass (T×T, each row sums to 1; zero above the diagonal if causal).
    """

    def __init__(self, d_in: int, d_k: int, seed=0, causal: bool = False):
        self.d_in = check_positive_int(d_in, "SelfAttention d_in")
        self.d_k = check_positive_int(d_k, "SelfAttention d_k")
        if not isinstance(causal, (bool, np.bool_)):
            raise TypeError(f"causal must be True or False, got {causal!r}")
        self.causal = bool(causal)
        rng = as_generator(seed)
        scale = 1.0 / np.sqrt(self.d_in)
        self.W_q, self.W_k, self.W_v = (scale * rng.standard_normal((self.d_in, self.d_k)) for _ in range(3))
        self.dW_q, self.dW_k, self.dW_v = (np.zeros((self.d_in, self.d_k)) for _ in range(3))
        self.P = None
        self._cache = None

    def __repr__(self) -> str:
        extra = ", causal=True" if self.causal else ""
        return f"SelfAttention({self.d_in}→{self.d_k}{extra})"

    def parameters(self):
        """[(W_q, dW_q), (W_k, dW_k), (W_v, dW_v)]: each parameter next to its gradient, same shapes."""
        return [(self.W_q, self.dW_q), (self.W_k, self.dW_k), (self.W_v, self.dW_v)]

    def forward(self, X) -> np.ndarray:
        """Y = P V for one sequence X (T, d_in) → (T, d_k); caches X, Q, K, V and P for backward."""
        X = self._check_input(X).copy()  # backward reads X: a copy, so editing the caller's array changes nothing
        Q, K, V = X @ self.W_q, X @ self.W_k, X @ self.W_v  # Eq. (14.1): (T×d_in)(d_in×d_k) → T×d_k
        S = (Q @ K.T) / np.sqrt(self.d_k)  # Eq. (14.2): (T×d_k)(d_k×T) → T×T
        if self.causal:
            S[np.triu_indices(len(S), k=1)] = -np.inf  # Eq. (14.10): token i does not see tokens j > i
        E = np.exp(S - S.max(axis=1, keepdims=True))  # the diagonal is never masked, so each max is finite
        P = E / E.sum(axis=1, keepdims=True)  # Eq. (14.3): softmax row by row, Eq. (12.1)
        self.P = P
        self._cache = (X, Q, K, V, P)
        return P @ V  # Eq. (14.4): (T×T)(T×d_k) → T×d_k

    __call__ = forward

    def backward(self, dY) -> np.ndarray:
        """Given dY = ∂L/∂Y (T, d_k), fill dW_q, dW_k, dW_v and return ∂L/∂X (T, d_in)."""
        if self._cache is None:
            raise RuntimeError(f"{self!r}.backward was called before forward: run forward first")
        X, Q, K, V, P = self._cache
        if getattr(dY, "shape", None) != V.shape:
            raise ValueError(f"{self!r}.backward expects ∂L/∂Y of shape {V.shape} (the last output's shape), "
                             f"got {getattr(dY, 'shape', type(dY).__name__)}")
        dY = as_real(dY, "∂L/∂Y")
        dV = P.T @ dY  # Eq. (14.5): (T×T)(T×d_k) → T×d_k
        dP = dY @ V.T  # Eq. (14.5): (T×d_k)(d_k×T) → T×T
        dS = P * (dP - np.sum(P * dP, axis=1, keepdims=True))  # Eq. (14.6): each row's Jacobian (12.3); 0 where P = 0
        r = 1.0 / np.sqrt(self.d_k)
        dQ = r * (dS @ K)  # Eq. (14.7): (T×T)(T×d_k) → T×d_k
        dK = r * (dS.T @ Q)  # Eq. (14.7): (T×T)(T×d_k) → T×d_k
        np.matmul(X.T, dQ, out=self.dW_q)  # Eq. (14.8): (d_in×T)(T×d_k) → d_in×d_k
        np.matmul(X.T, dK, out=self.dW_k)
        np.matmul(X.T, dV, out=self.dW_v)
        return dQ @ self.W_q.T + dK @ self.W_k.T + dV @ self.W_v.T  # Eq. (14.9): three paths from X, summed

    def _check_input(self, X) -> np.ndarray:
        X = as_real(X, f"{self!r} input")
        if X.ndim != 2:
            raise ValueError(f"{self!r} expects one sequence as a 2-D array (T, {self.d_in}), one token per row, "
                             f"got an array of shape {X.shape} ({X.ndim}-D); loop over the sequences of a batch")
        if X.shape[0] == 0:
            raise ValueError(f"{self!r} got an empty sequence (shape {X.shape}); it needs T >= 1 tokens")
        if X.shape[1] != self.d_in:
            raise ValueError(f"{self!r} expects tokens with {self.d_in} features (shape (T, {self.d_in})), "
                             f"got an array of shape {X.shape}")
        check_finite(X, f"{self!r} input")
        return X
