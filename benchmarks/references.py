"""Reference implementations of one training step, written out for the benchmarks (not used by the course).

A training step = forward, loss gradient (MSE, mean), backward, SGD update. Three references:

- `PlainMLP`: the straightforward vectorised numpy MLP a learner would write — a forward loop caching
  Z and A, a backward loop of matmuls, in-place `W -= lr * dW`, no checks.
- `TunedMLP`: biases folded into the weights (a column of ones appended to each layer's input), all
  parameters in one flat vector with per-layer views, `out=` buffers everywhere, no checks.
- `per_sample_step_131`: a hand-written step for the 1-3-1 ReLU net on one sample, scalar-sized numpy.
"""

from __future__ import annotations

import numpy as np

ACT = {
    "relu": (lambda Z: np.maximum(Z, 0.0), lambda Z, A: Z > 0),
    "tanh": (np.tanh, lambda Z, A: 1.0 - A * A),
    "identity": (lambda Z: Z, None),
}


class PlainMLP:
    """A plain vectorised numpy MLP with the same parameters as a course_lib MLP (copied at creation)."""

    def __init__(self, Ws, bs, acts):
        self.Ws = [W.copy() for W in Ws]
        self.bs = [b.copy() for b in bs]
        self.acts = acts

    def step(self, X, T, lr):
        """One SGD step on MSE(mean); returns nothing (weights change in place)."""
        Zs, As = [], [X]
        A = X
        for W, b, act in zip(self.Ws, self.bs, self.acts):
            Z = A @ W + b
            A = ACT[act][0](Z)
            Zs.append(Z)
            As.append(A)
        G = (2.0 / A.size) * (A - T)
        for i in reversed(range(len(self.Ws))):
            der = ACT[self.acts[i]][1]
            D = G if der is None else G * der(Zs[i], As[i + 1])
            dW = As[i].T @ D
            db = D.sum(axis=0)
            if i:
                G = D @ self.Ws[i].T
            self.Ws[i] -= lr * dW
            self.bs[i] -= lr * db


class TunedMLP:
    """Biases folded into the weights, one flat parameter vector, preallocated buffers, `out=` everywhere.

    Layer i's parameters are a view P_i of shape (n_in + 1, n_out) into the flat vector; the input of
    each layer carries a trailing column of ones, so Z = [A, 1] P_i.
    """

    def __init__(self, Ws, bs, acts, batch):
        shapes = [(W.shape[0] + 1, W.shape[1]) for W in Ws]
        sizes = [r * c for r, c in shapes]
        self.theta = np.empty(sum(sizes))
        self.grad = np.empty_like(self.theta)
        self.P, self.dP = [], []
        off = 0
        for (r, c), n, W, b in zip(shapes, sizes, Ws, bs):
            P = self.theta[off : off + n].reshape(r, c)
            P[:-1] = W
            P[-1] = b
            self.P.append(P)
            self.dP.append(self.grad[off : off + n].reshape(r, c))
            off += n
        self.acts = acts
        self.B = batch
        # inputs with a ones column: H[i] is (B, n_in + 1), its last column stays 1
        self.H = [np.ones((batch, r)) for r, _ in shapes]
        self.Z = [np.empty((batch, c)) for _, c in shapes]
        self.out = np.empty((batch, shapes[-1][1]))
        self.G = [np.empty((batch, c)) for _, c in shapes]
        self.D = [np.empty((batch, c)) for _, c in shapes]
        self.Ps = [P[:-1] for P in self.P]  # weight part, for the backward matmul

    def step(self, X, T, lr):
        """One SGD step on MSE(mean)."""
        L = len(self.P)
        self.H[0][:, :-1] = X
        for i in range(L):
            Z = np.matmul(self.H[i], self.P[i], out=self.Z[i])
            dst = self.H[i + 1][:, :-1] if i + 1 < L else self.out
            act = self.acts[i]
            if act == "relu":
                np.maximum(Z, 0.0, out=dst)
            elif act == "tanh":
                np.tanh(Z, out=dst)
            else:
                dst[...] = Z
        G = self.G[L - 1]
        np.subtract(self.out, T, out=G)
        G *= 2.0 / self.out.size
        for i in reversed(range(L)):
            G, D = self.G[i], self.D[i]
            act = self.acts[i]
            A = self.H[i + 1][:, :-1] if i + 1 < L else self.out
            if act == "relu":
                np.greater(self.Z[i], 0.0, out=D)
                D *= G
            elif act == "tanh":
                np.multiply(A, A, out=D)
                np.subtract(1.0, D, out=D)
                D *= G
            else:
                D[...] = G
            np.matmul(self.H[i].T, D, out=self.dP[i])
            if i:
                np.matmul(D, self.Ps[i].T, out=self.G[i - 1])
        self.theta -= lr * self.grad

    def weights(self):
        """[(W, b), ...] copies, for comparing with other implementations."""
        return [(P[:-1].copy(), P[-1].copy()) for P in self.P]


def per_sample_step_131(W1, b1, W2, b2, x, t, lr):
    """Hand-written SGD step for the 1-3-1 ReLU net on one sample (x, t scalars), MSE; in place."""
    z = x * W1[0] + b1  # (3,)
    a = np.maximum(z, 0.0)
    y = a @ W2[:, 0] + b2[0]
    g = 2.0 * (y - t)
    d1 = g * W2[:, 0] * (z > 0)
    W2[:, 0] -= lr * g * a
    b2[0] -= lr * g
    W1[0] -= lr * x * d1
    b1 -= lr * d1
