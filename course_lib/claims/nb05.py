"""Notebook 05's outcomes stated as general: what the backprop equations say about which weights learn slowly.

Section 4 of notebook 05 reads two equations, Δ_l = (Δ_{l+1} W_{l+1}ᵀ) ⊙ f_l'(Z_l) (5.5) and ∇W_l = A_{l−1}ᵀ Δ_l (5.2),
and measures what they predict on real networks:

- `saturated_units` (a): a tanh unit whose f' is near 0 on every sample gets small gradients on the weights into it;
- `quiet_units` (b): the weights out of a unit whose activation is small get small gradients;
- `dead_relu` (c): a ReLU unit with Z ≤ 0 on every sample gets exactly zero gradient, in and out, for as long as it
  stays dead; one step at a far too large learning rate kills many units of the second hidden layer.

A seed fixes the data (a teacher target on Gaussian inputs) and the network's weights and biases. Each measurement
takes well under a second per seed.
"""

from __future__ import annotations

import numpy as np

from ..losses import MSELoss
from ..network import MLP
from . import claim

SIZES = [8, 64, 64, 64, 1]  # (a) and (b): three hidden layers of 64
DEAD_SIZES = [8, 64, 64, 1]  # (c): two hidden layers of 64
SATURATED, UNSATURATED = 0.1, 0.5  # mean f' below / above: a saturated / an unsaturated unit
BIG_LR, LR, STEPS = 1.0, 0.01, 200  # (c): one step at BIG_LR, then STEPS steps at LR (0.01 to 0.1 train this net)

_loss = MSELoss()


def teacher_data(seed, B=256, n_in=8):
    """B Gaussian inputs (B, n_in) and targets sin(2 x·w) (B, 1) for a random unit vector-ish w; seeded."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, n_in))
    w = rng.standard_normal(n_in) / np.sqrt(n_in)
    return X, np.sin(2.0 * X @ w)[:, None]


def _net_with_biases(activation, seed, bias_std, init="he"):
    """MLP(SIZES) with hidden biases drawn from N(0, bias_std²) (they start at 0 in course_lib)."""
    net = MLP(SIZES, activation=activation, init=init, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for lin in net.linears[:-1]:
        lin.b[...] = bias_std * rng.standard_normal(lin.b.shape)
    return net


def _hidden(net):
    """The hidden activation layers, in order (layers[1], layers[3], …, without the output's)."""
    return net.layers[1:-1:2]


def saturation_profile(seed):
    """One backward pass of a tanh network whose biases were drawn too large (N(0, 3²)).

    Returns, for every hidden unit of every hidden layer, its mean f'(Z) over the batch and the norm of the
    gradient of everything that feeds it (its column of ∇W_l and its entry of ∇b_l).
    """
    X, T = teacher_data(seed)
    net = _net_with_biases("tanh", seed, bias_std=3.0, init="glorot")
    net.backward(_loss.grad(net.forward(X), T))
    mean_fp, grad_in = [], []
    for act, lin in zip(_hidden(net), net.linears, strict=False):
        mean_fp.append(act.local_grad().mean(axis=0))
        grad_in.append(np.sqrt(np.sum(lin.dW**2, axis=0) + lin.db**2))
    return np.concatenate(mean_fp), np.concatenate(grad_in)


@claim("05.saturated_units", notebook="05",
       says="in a tanh network with biases drawn from N(0, 3²), the weights into saturated units (mean f′ < 0.1) "
            "get gradients over 30× smaller than those into unsaturated units (mean f′ > 0.5), median ratio, "
            "in every seed",
       holds=lambda m: m["min_ratio"] > 30)
def saturated_units(seeds):
    """Reading (a): per seed, median gradient into unsaturated units ÷ into saturated ones."""
    ratios, shares, points = [], [], []
    for seed in seeds:
        fp, g = saturation_profile(seed)
        sat, unsat = fp < SATURATED, fp > UNSATURATED
        ratios.append(float(np.median(g[unsat]) / np.median(g[sat])))
        shares.append(float(np.mean(sat)))
        points.append((fp, g))
    return {"ratios": ratios, "min_ratio": min(ratios), "saturated_share": float(np.median(shares)),
            "points": points}


def activity_profile(seed):
    """One backward pass of a ReLU network with biases drawn from N(0, 1).

    Returns, for every live hidden unit (one that fires on at least one sample), the root mean square of its
    activation over the batch and the norm of the gradient of the weights out of it (its row of ∇W_{l+1}).
    """
    X, T = teacher_data(seed)
    net = _net_with_biases("relu", seed, bias_std=1.0)
    net.backward(_loss.grad(net.forward(X), T))
    rms, grad_out = [], []
    for act, lin_next in zip(_hidden(net), net.linears[1:], strict=True):
        r = np.sqrt(np.mean(act._A**2, axis=0))
        live = r > 0
        rms.append(r[live])
        grad_out.append(np.linalg.norm(lin_next.dW, axis=1)[live])
    return np.concatenate(rms), np.concatenate(grad_out)


@claim("05.quiet_units", notebook="05",
       says="in a ReLU network with biases drawn from N(0, 1), the weights out of the quietest quarter of the "
            "live units (by RMS activation) get gradients over 10× smaller than those out of the loudest quarter "
            "(median ratio), in every seed",
       holds=lambda m: m["min_ratio"] > 10)
def quiet_units(seeds):
    """Reading (b): per seed, median gradient out of the loudest quarter ÷ the quietest quarter."""
    ratios, points = [], []
    for seed in seeds:
        rms, g = activity_profile(seed)
        quiet, loud = rms <= np.quantile(rms, 0.25), rms >= np.quantile(rms, 0.75)
        ratios.append(float(np.median(g[loud]) / np.median(g[quiet])))
        points.append((rms, g))
    return {"ratios": ratios, "min_ratio": min(ratios), "points": points}


def _dead(net, X):
    """Boolean masks, one per hidden layer: True for a unit with Z ≤ 0 on every sample of X."""
    net.forward(X)
    return [np.all(act._Z <= 0, axis=0) for act in _hidden(net)]


def dead_relu_run(seed):
    """One step at BIG_LR, then STEPS steps at LR, on a fresh ReLU MLP(DEAD_SIZES); everything about dead units.

    At every step, checks (5.1)-(5.2) exactly: a unit dead on the whole batch has a zero column of ∇W_l and zero
    ∇b_l entry (nothing flows in) and a zero row of ∇W_{l+1} (nothing flows out of it).
    """
    X, T = teacher_data(seed)
    net = MLP(DEAD_SIZES, seed=seed)
    at_init = [int(m.sum()) for m in _dead(net, X)]
    loss_before = _loss(net.forward(X), T)
    net.backward(_loss.grad(net.forward(X), T))
    for value, grad in net.parameters():  # the one far too large step, θ ← θ − η∇θ
        value -= BIG_LR * grad
    killed = _dead(net, X)
    W2, b2 = net.linears[1].W.copy(), net.linears[1].b.copy()
    dead_throughout = killed[1].copy()
    zero_grads = True
    for _ in range(STEPS):
        net.backward(_loss.grad(net.forward(X), T))
        dead = [np.all(act._Z <= 0, axis=0) for act in _hidden(net)]
        for l, mask in enumerate(dead):  # layer l + 1: its Linear is linears[l], the next one linears[l + 1]
            lin, nxt = net.linears[l], net.linears[l + 1]
            zero_grads &= bool(np.all(lin.dW[:, mask] == 0) and np.all(lin.db[mask] == 0)
                               and np.all(nxt.dW[mask, :] == 0))
        dead_throughout &= dead[1]
        for value, grad in net.parameters():
            value -= LR * grad
    after = _dead(net, X)
    unchanged = bool(np.all(net.linears[1].W[:, dead_throughout] == W2[:, dead_throughout])
                     and np.all(net.linears[1].b[dead_throughout] == b2[dead_throughout]))
    return {
        "dead_at_init": at_init, "killed": [int(m.sum()) for m in killed],
        "dead_throughout": int(dead_throughout.sum()), "revived": int((killed[1] & ~after[1]).sum()),
        "dead_after": [int(m.sum()) for m in after], "zero_grads": zero_grads, "unchanged": unchanged,
        "loss_before": loss_before, "loss_after": _loss(net.forward(X), T),
    }


@claim("05.dead_relu", notebook="05",
       says="one step at η = 1 leaves a median of over 10% of the second hidden layer's 64 ReLU units dead and "
            "none of the first layer's (at most 1 of 128 units dead at initialisation); while dead, a unit's "
            "gradients in and out are exactly 0 and its incoming weights do not move; some come back within "
            "200 steps at η = 0.01 (median over seeds above 0), as the first layer changes their input",
       holds=lambda m: (m["median_killed_share"] > 0.1 and max(m["killed_layer1"]) == 0
                        and m["max_dead_at_init"] <= 1 and m["exact_zeros"] and m["weights_still"]
                        and m["median_revived"] > 0))
def dead_relu(seeds):
    """Reading (c): dead units after one large step, and what happens to them in 200 more steps."""
    runs = [dead_relu_run(seed) for seed in seeds]
    n = DEAD_SIZES[2]
    return {
        "killed_layer2": [r["killed"][1] for r in runs],
        "median_killed_share": float(np.median([r["killed"][1] / n for r in runs])),
        "killed_layer1": [r["killed"][0] for r in runs],
        "max_dead_at_init": max(sum(r["dead_at_init"]) for r in runs),
        "dead_throughout": [r["dead_throughout"] for r in runs],
        "revived": [r["revived"] for r in runs],
        "median_revived": float(np.median([r["revived"] for r in runs])),
        "exact_zeros": all(r["zero_grads"] for r in runs),
        "weights_still": all(r["unchanged"] for r in runs),
        "runs": runs,
    }
