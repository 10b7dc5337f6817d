"""Optimisers: `SGD` (with momentum and weight decay) and `Adam`. Derived in notebook 06 (Eq. 6.1–6.7).

An optimiser takes a model — anything with `parameters()` returning (value, gradient) array pairs — and
`step()` updates every value in place from the gradient held next to it. Optimiser state (velocities,
moments) is kept per parameter, in the order parameters() lists them.
"""

from __future__ import annotations

import numpy as np


def _check_model(model):
    if not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"an optimiser takes a model with a parameters() method returning (value, gradient) pairs, "
            f"got {type(model).__name__}"
        )
    return model


def _positive(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}") from None
    if not number > 0.0 or not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


class SGD:
    """Stochastic gradient descent, Eq. (6.1); weight decay Eq. (6.2); momentum Eq. (6.3).

    g ← ∇θ + λθ (weight decay λ);  v ← μv + g (momentum μ, v starts at 0);  θ ← θ − η·v
    With μ = 0 this is θ ← θ − η·g. Same update as PyTorch's torch.optim.SGD (dampening 0).
    """

    def __init__(self, model, lr, momentum: float = 0.0, weight_decay: float = 0.0):
        self.model = _check_model(model)
        self.lr = _positive("lr", lr)
        if not 0.0 <= float(momentum) < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
        if not 0.0 <= float(weight_decay) or not np.isfinite(weight_decay):
            raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.velocities = None
        self.steps = 0

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, weight_decay={self.weight_decay:g})"

    def step(self):
        """Apply one update to every parameter of the model, in place."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        params = self.model.parameters()
        if mu == 0.0 and wd == 0.0:
            for value, grad in params:
                value -= lr * grad
        else:
            if self.velocities is None:
                self.velocities = [np.zeros_like(v) for v, _ in params]
            for (value, grad), vel in zip(params, self.velocities):
                g = grad + wd * value if wd else grad
                if mu:
                    vel *= mu
                    vel += g
                    g = vel
                value -= lr * g
        self.steps += 1


class Adam:
    """Adam, Eq. (6.4)–(6.7), as in Kingma & Ba (2015) and torch.optim.Adam.

    m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);  θ ← θ − η·m̂/(√v̂ + ε)
    """

    def __init__(self, model, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.model = _check_model(model)
        self.lr = _positive("lr", lr)
        try:
            b1, b2 = (float(b) for b in betas)
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair of numbers in [0, 1), got {betas!r}") from None
        for name, b in (("betas[0]", b1), ("betas[1]", b2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name} must lie in [0, 1), got {b!r}")
        self.betas = (b1, b2)
        self.eps = _positive("eps", eps)
        self.m = None
        self.v = None
        self.steps = 0

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr:g}, betas={self.betas}, eps={self.eps:g})"

    def step(self):
        """Apply one Adam update to every parameter of the model, in place."""
        params = self.model.parameters()
        if self.m is None:
            self.m = [np.zeros_like(v) for v, _ in params]
            self.v = [np.zeros_like(v) for v, _ in params]
        self.steps += 1
        b1, b2 = self.betas
        c1 = 1.0 - b1**self.steps
        c2 = 1.0 - b2**self.steps
        for (value, grad), m, v in zip(params, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * grad
            v *= b2
            v += (1.0 - b2) * grad * grad
            value -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


OPTIMISERS = {"sgd": SGD, "adam": Adam}
