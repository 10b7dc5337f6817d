"""Notebook 14's outcome stated as general: one attention head learns to copy the flagged token; an MLP of no
more parameters, reading the whole flattened sequence, does not.

The task ("copy the flagged token"): a sequence of T tokens, each x_t = (v_t, f_t, 1) with a value v_t ~ N(0, I)
of D_VALUE numbers, a flag f_t (exactly one token of the sequence has f_t = 1) and a constant 1 (attention has no
bias, so the constant gives the query something to point with). Every output row should be the flagged token's
value. A seed fixes the initial weights, the training sequences and the held-out ones.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..attention import SelfAttention
from ..losses import MSELoss
from ..network import MLP
from ..optim import Adam
from . import claim

T_TRAIN, D_VALUE = 8, 4
D_IN = D_VALUE + 2
STEPS, BATCH, N_TEST = 300, 16, 200
LR = 0.05


def flag_sequences(rng, n, T=T_TRAIN):
    """n sequences (n, T, D_IN) and their targets (n, D_VALUE): the value of each sequence's flagged token."""
    X = np.zeros((n, T, D_IN))
    X[:, :, :D_VALUE] = rng.standard_normal((n, T, D_VALUE))
    where = rng.integers(0, T, size=n)
    X[np.arange(n), where, D_VALUE] = 1.0
    X[:, :, D_VALUE + 1] = 1.0
    return X, X[np.arange(n), where, :D_VALUE].copy()


def n_parameters(model) -> int:
    """The number of trained numbers of a model (every array its parameters() lists)."""
    return int(sum(W.size for W, _ in model.parameters()))


def mlp_width(T=T_TRAIN):
    """The widest one-hidden-layer MLP (T·(D_VALUE + 1) inputs → h → D_VALUE) with no more parameters than the head."""
    n_in, budget = T * (D_VALUE + 1), 3 * D_IN * D_VALUE
    return max(1, (budget - D_VALUE) // (n_in + 1 + D_VALUE))


def attention_mse(layer, X, targets):
    """Mean squared error of every output row against the flagged value, over the sequences of X."""
    return float(np.mean([np.mean((layer.forward(x) - t) ** 2) for x, t in zip(X, targets)]))


def train_attention(seed, steps=STEPS):
    """One head on T_TRAIN-token sequences, Adam on minibatches of BATCH sequences; returns (layer, loss curve)."""
    rng = np.random.default_rng(seed)
    layer = SelfAttention(D_IN, D_VALUE, seed=rng)
    opt = Adam(layer, lr=LR)
    total = [np.zeros_like(W) for W, _ in layer.parameters()]
    curve = []
    for _ in range(steps):
        X, targets = flag_sequences(rng, BATCH)
        for g in total:
            g[...] = 0.0
        loss = 0.0
        for x, t in zip(X, targets):
            Y = layer.forward(x)
            loss += np.mean((Y - t) ** 2) / BATCH
            layer.backward(2.0 * (Y - t) / (Y.size * BATCH))  # ∂L/∂Y of the batch's mean squared error
            for g, (_, dW) in zip(total, layer.parameters()):
                g += dW
        for g, (_, dW) in zip(total, layer.parameters()):
            dW[...] = g  # the batch's gradient, where Adam reads it
        opt.step()
        curve.append(loss)
    return layer, curve


WIDE, WIDE_LR = 16, 0.01
"""The wide MLP: 16 hidden units, 724 parameters (10 × the head's 72), Adam at a rate that suits its width."""


def train_mlp(seed, steps=STEPS, width=None, lr=LR):
    """The flattened sequence (flags included, the constant left out: the MLP has biases) → the flagged value.

    width: hidden units (default: the widest with no more parameters than the head, `mlp_width()`)."""
    rng = np.random.default_rng(seed)
    net = MLP([T_TRAIN * (D_VALUE + 1), width or mlp_width(), D_VALUE], activation="relu", seed=rng)
    opt, loss_fn = Adam(net, lr=lr), MSELoss()
    curve = []
    for _ in range(steps):
        X, targets = flag_sequences(rng, BATCH)
        flat = X[:, :, : D_VALUE + 1].reshape(BATCH, -1)
        Y = net.forward(flat)
        curve.append(loss_fn(Y, targets))
        net.backward(loss_fn.grad(Y, targets))
        opt.step()
    return net, curve


def mlp_mse(net, X, targets):
    """Mean squared error of the MLP on the flattened sequences of X (the constant column left out)."""
    return float(np.mean((net.forward(X[:, :, : D_VALUE + 1].reshape(len(X), -1)) - targets) ** 2))


@lru_cache(maxsize=4)
def _copy_flagged(seeds: tuple[int, ...]):
    att, att_long, mlp, wide, curves_att, curves_mlp = [], [], [], [], [], []
    for seed in seeds:
        layer, c_att = train_attention(seed)
        net, c_mlp = train_mlp(seed)
        net_wide, _ = train_mlp(seed, width=WIDE, lr=WIDE_LR)
        test = np.random.default_rng(10_000 + seed)
        X, targets = flag_sequences(test, N_TEST)
        X_long, t_long = flag_sequences(test, N_TEST, T=2 * T_TRAIN)
        att.append(attention_mse(layer, X, targets))
        att_long.append(attention_mse(layer, X_long, t_long))
        mlp.append(mlp_mse(net, X, targets))
        wide.append(mlp_mse(net_wide, X, targets))
        curves_att.append(c_att)
        curves_mlp.append(c_mlp)
    head = SelfAttention(D_IN, D_VALUE)
    small = MLP([T_TRAIN * (D_VALUE + 1), mlp_width(), D_VALUE])
    return {
        "attention_mse": float(np.median(att)),
        "attention_mse_T16": float(np.median(att_long)),
        "mlp_mse": float(np.median(mlp)),
        "wide_mlp_mse": float(np.median(wide)),
        "attention_worst": float(np.max(att)),
        "mlp_best": float(np.min(mlp)),
        "attention_params": n_parameters(head),
        "mlp_params": n_parameters(small),
        "wide_mlp_params": n_parameters(MLP([T_TRAIN * (D_VALUE + 1), WIDE, D_VALUE])),
        "curves_attention": curves_att,
        "curves_mlp": curves_mlp,
    }


@claim("14.copy_flagged", notebook="14",
       says="one attention head copies the flagged token (median held-out MSE < 0.05, also at twice the trained "
            "length); an MLP with no more parameters, and one with 10 × as many, stay above 0.5 (predicting 0 scores "
            "1) after the same training",
       holds=lambda m: m["attention_mse"] < 0.05 and m["attention_mse_T16"] < 0.05 and m["mlp_mse"] > 0.5
       and m["wide_mlp_mse"] > 0.5 and m["attention_params"] >= m["mlp_params"])
def copy_flagged(seeds):
    """Held-out MSE (median over seeds) of one head, of it at twice the length, and of the two MLPs; loss curves."""
    return _copy_flagged(tuple(seeds))
