"""`Sequential(*layers)`: any layers in a row, as one model the optimizers and `fit` can train (notebook 13).

The MLP (notebook 01/05) fixes its layers to [Linear, activation, …]; a network with BatchNorm, LayerNorm or
Dropout between them needs a free list. The forward pass runs the layers in order, the backward pass runs
their `backward` in reverse, each layer applying its own equation (the delta recursion, Eq. (5.5), with more
kinds of layer). `parameters()` lists every layer's (value, gradient) pairs in order, named "<index>.<name>"
as PyTorch names them ("0.W", "1.gamma", …). `train()` / `eval()` set the mode of every layer that has one.
"""

from __future__ import annotations

from .checks import as_batch
from .layers import Activation, Linear
from .network import Module

_NAMES = {"Linear": ("W", "b"), "BatchNorm1d": ("gamma", "beta"), "LayerNorm": ("gamma", "beta")}


class Sequential(Module):
    """Layers applied in order: Y = layer_k(… layer_1(X)). Each layer needs forward, backward, parameters."""

    def __init__(self, *layers):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential needs at least one layer, got none")
        for i, layer in enumerate(layers):
            if isinstance(layer, type):
                raise TypeError(f"layer {i} is the class {layer.__name__}, not a layer: write {layer.__name__}(…)")
            missing = [m for m in ("forward", "backward", "parameters") if not callable(getattr(layer, m, None))]
            if missing:
                raise TypeError(f"layer {i} ({layer!r:.60}) has no {', '.join(missing)} method")
        if len({id(layer) for layer in layers}) != len(layers):
            raise ValueError("the same layer object appears twice: each position needs its own layer (it caches "
                             "its forward pass)")
        self.layers = list(layers)
        self.training = True
        names, pairs = [], []
        for i, layer in enumerate(self.layers):
            own = _NAMES.get(type(layer).__name__, ())
            for k, pair in enumerate(layer.parameters()):
                names.append(f"{i}.{own[k] if k < len(own) else k}")
                pairs.append(pair)
        self._set_parameters(names, pairs)
        self._out_shape = None

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"

    def train(self, mode: bool = True):
        """Set every layer that has a mode (BatchNorm1d, Dropout, LayerNorm) to training; returns the model."""
        self.training = bool(mode)
        for layer in self.layers:
            if callable(getattr(layer, "train", None)):
                layer.train(self.training)
        return self

    def eval(self):
        """Evaluation mode for every layer: train(False)."""
        return self.train(False)

    def forward(self, X):
        """Ŷ = the last layer's output; X is (B, n_0). The input and output are copies (safe to edit)."""
        A = as_batch(X, lambda: f"{type(self).__name__} input")
        A = A.copy() if A is X else A
        for layer in self.layers:
            A = layer.forward(A)
        self._out_shape = A.shape
        return A.copy()

    __call__ = forward

    def backward(self, dY, *, input_grad: bool = True):
        """Backpropagate dY = ∂L/∂Ŷ through every layer in reverse; fills each layer's gradients and returns
        ∂L/∂X (B, n_0), or None with input_grad=False."""
        if self._out_shape is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: run forward first")
        if getattr(dY, "shape", None) != self._out_shape:
            raise ValueError(f"{type(self).__name__}.backward expects ∂L/∂Ŷ of shape {self._out_shape} (the last "
                             f"output's shape), got {getattr(dY, 'shape', type(dY).__name__)}")
        G = dY
        for layer in reversed(self.layers[1:]):
            G = layer.backward(G)
        first = self.layers[0]
        if isinstance(first, Linear):
            return first.backward(G, input_grad=input_grad)
        G = first.backward(G)
        return G if input_grad else None

    def _activation_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Activation)]
