"""Optimizers: `SGD` (with momentum and weight decay) and `Adam`. Derived in notebook 06 (Eq. 6.1–6.7).

An optimizer takes a model — anything with `parameters()` returning (value, gradient) array pairs — and
`step()` updates every value in place from the gradient held next to it. Its state (velocities, moments)
is kept per parameter; `state_dict()` / `load_state_dict()` save and restore it as plain numbers and
arrays, in one flat dict.

What matches PyTorch, exactly: the update (see SGD and Adam), and the hyperparameters' names (lr, momentum,
weight_decay, betas, eps: the keys of a torch param_group). What does not: the state's names and layout. Here
`velocities`, `m`, `v` are lists in the order of model.parameters() and `steps` is one counter; torch.optim nests
{"state": {index: {"momentum_buffer"} or {"step", "exp_avg", "exp_avg_sq"}}, "param_groups": [...]} with a step
per parameter. So neither state_dict loads into the other without translating it.
"""

from __future__ import annotations

import numbers

import numpy as np


def _number(name, value, low, high=np.inf, *, low_open=False, high_open=True):
    """value as a float after checking it is a real number (not a bool) in the interval; the error names it."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    x = float(value)
    ok = (x > low if low_open else x >= low) and (x < high if high_open else x <= high)
    if not ok or not np.isfinite(x):
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    return x


class Optimizer:
    """What SGD and Adam share: the model, the step counter, per-parameter state, and its saving."""

    HYPER: tuple = ()  # the constructor's hyperparameters, e.g. ("lr", "momentum", "weight_decay")
    STATE: tuple = ()  # the per-parameter state arrays, e.g. ("velocities",)

    def __init__(self, model, lr):
        if isinstance(model, type) or not callable(getattr(model, "parameters", None)):
            raise TypeError(
                f"an optimizer takes a model (an instance) with a parameters() method returning "
                f"(value, gradient) pairs, got {model!r:.80}"
            )
        self.model = model
        self.lr = _number("lr", lr, 0.0, low_open=True)
        self.steps = 0
        for name in type(self).STATE:
            setattr(self, name, None)
        self._flat = None
        self._flat_slots = None  # (flat buffers, state names, slots) of a flat model: its slots never change

    def _state(self):
        """The names of the state arrays this optimizer keeps (plain SGD keeps none)."""
        return self.STATE

    def _slots(self):
        """[(value, gradient, *state), …] for one step: one entry per parameter, or a single entry for the
        whole model when it keeps all its parameters in one flat buffer (an MLP), which updates every
        parameter with the same element-wise arithmetic in one go. State arrays start at zero; a state this
        optimizer does not keep (plain SGD's velocity) is None."""
        flat = getattr(self.model, "_flat", None)
        names = self._state()
        cached = self._flat_slots
        if cached is not None and cached[0] is flat and cached[1] == names:
            return cached[2]  # the same buffers and state arrays as last step: no need to list them again
        params = [flat] if flat is not None else self.model.parameters()
        if not names:
            return self._keep(flat, names, [(v, g) + (None,) * len(self.STATE) for v, g in params])
        state = [getattr(self, name) for name in names]
        if state[0] is None:
            state = [[np.zeros_like(v) for v, _ in params] for _ in names]
            for name, arrays in zip(names, state, strict=True):
                setattr(self, name, arrays)
            self._flat = flat is not None
        elif len(state[0]) != len(params):
            raise RuntimeError(
                f"{self!r}: the model now has {len(params)} parameter arrays, but this optimizer's state was "
                f"built for {len(state[0])} (a layer or connection was added after training started); "
                f"build a new optimizer for the grown model"
            )
        return self._keep(flat, names, [(v, g, *(arrays[i] for arrays in state)) for i, (v, g) in enumerate(params)])

    def _keep(self, flat, names, slots):
        """Remember a flat model's slots for the next step (a model without flat buffers may grow: not kept)."""
        self._flat_slots = (flat, names, slots) if flat is not None else None
        return slots

    def state_dict(self) -> dict:
        """The hyperparameters, the step count and copies of the state arrays (one list per kind, in the
        order of model.parameters(); None before the first step)."""
        state = {key: getattr(self, key) for key in self.HYPER}
        state["steps"] = self.steps
        for name in self._state():
            arrays = getattr(self, name)
            state[name] = None if arrays is None else [a.copy() for a in self._per_parameter(arrays)]
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict()` returned (arrays are copied in; shapes must match the model)."""
        missing = [k for k in (*self.HYPER, "steps") if k not in state]
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: missing {', '.join(missing)}")
        shapes = [v.shape for v, _ in self.model.parameters()]
        for name in type(self).STATE:
            arrays = state.get(name)
            if arrays is not None and [np.shape(a) for a in arrays] != shapes:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {name} have shapes {[np.shape(a) for a in arrays]}, "
                    f"the model's parameters {shapes}"
                )
        type(self).__init__(self, self.model, **{k: state[k] for k in self.HYPER})
        self.steps = int(state["steps"])
        names = self._state()
        if names and state.get(names[0]) is not None:
            self._slots()  # allocate the state in this model's layout, then copy the saved values in
            for name in names:
                for mine, saved in zip(self._per_parameter(getattr(self, name)), state[name], strict=True):
                    mine[...] = saved

    def _per_parameter(self, arrays):
        """The state arrays split per parameter (views of the flat buffer when the model has one)."""
        if not self._flat:
            return arrays
        views, offset = [], 0
        for value, _ in self.model.parameters():
            views.append(arrays[0][offset : offset + value.size].reshape(value.shape))
            offset += value.size
        return views


class SGD(Optimizer):
    """Stochastic gradient descent, Eq. (6.1); weight decay Eq. (6.2); momentum Eq. (6.3).

    g ← ∇θ + λθ (weight decay λ);  v ← μv + g (momentum μ, v starts at 0);  θ ← θ − η·v
    With μ = 0 this is θ ← θ − η·g. The same update as torch.optim.SGD with its defaults dampening=0 and
    nesterov=False; weight_decay is, as there, λθ added to the gradient (L2), biases included. Write PyTorch's
    with keywords, torch.optim.SGD(model.parameters(), lr=η, momentum=μ, weight_decay=λ): its 4th positional
    parameter is dampening, not weight_decay. No dampening or Nesterov option here (notebook 06 derives Nesterov).
    """

    HYPER = ("lr", "momentum", "weight_decay")
    STATE = ("velocities",)

    def __init__(self, model, lr, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(model, lr)
        self.momentum = _number("momentum", momentum, 0.0, 1.0)
        self.weight_decay = _number("weight_decay", weight_decay, 0.0)

    def _state(self):
        return self.STATE if self.momentum else ()

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, weight_decay={self.weight_decay:g})"

    def step(self):
        """Apply one update to every parameter θ of the model, in place."""
        for value, grad, velocity in self._slots():
            g = grad + self.weight_decay * value if self.weight_decay else grad  # Eq. (6.2)
            if self.momentum:
                velocity *= self.momentum  # Eq. (6.3): v ← μv + g
                velocity += g
                g = velocity
            value -= self.lr * g  # Eq. (6.1): θ ← θ − η g
        self.steps += 1


class Adam(Optimizer):
    """Adam, Eq. (6.4)–(6.7), as in Kingma & Ba (2015); weight decay as L2 in the gradient, Eq. (6.2).

    g ← ∇θ + λθ;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);  θ ← θ − η·m̂/(√v̂ + ε)
    The same update as torch.optim.Adam(model.parameters(), lr=η, betas=(β₁, β₂), eps=ε, weight_decay=λ) with its
    default amsgrad=False. weight_decay is L2 *inside* Adam, as torch's Adam does it: λθ joins the gradient before
    the moments, so Adam rescales it like any gradient. That is not AdamW (torch.optim.AdamW), which decays θ
    directly, outside the moments; notebook 06 derives the difference (exercises 6.4 and 6.5).
    """

    HYPER = ("lr", "betas", "eps", "weight_decay")
    STATE = ("m", "v")

    def __init__(self, model, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(model, lr)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (_number("betas[0]", betas[0], 0.0, 1.0), _number("betas[1]", betas[1], 0.0, 1.0))
        self.eps = _number("eps", eps, 0.0, low_open=True)
        self.weight_decay = _number("weight_decay", weight_decay, 0.0)

    def __repr__(self) -> str:
        decay = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        return f"Adam(lr={self.lr:g}, betas={self.betas}, eps={self.eps:g}{decay})"

    def step(self):
        """Apply one Adam update to every parameter θ of the model, in place."""
        self.steps += 1
        t, (b1, b2) = self.steps, self.betas
        for value, g, m, v in self._slots():
            if self.weight_decay:
                g = g + self.weight_decay * value  # Eq. (6.2): L2 in the gradient, before the moments
            m *= b1  # Eq. (6.4): m ← β₁m + (1−β₁)g
            m += (1.0 - b1) * g
            v *= b2  # Eq. (6.5): v ← β₂v + (1−β₂)g⊙g
            v += (1.0 - b2) * g * g
            m_hat = m / (1.0 - b1**t)  # Eq. (6.6)
            v_hat = v / (1.0 - b2**t)
            value -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # Eq. (6.7)
