"""The independent oracle's vocabulary: each activation written in autograd.numpy (not course_lib).

Shared by the MLP and graph gradient tests; autograd differentiates these, so nothing of course_lib's
derivatives is involved.
"""

import autograd.numpy as anp

AG_ACT = {
    "relu": lambda z: anp.maximum(z, 0.0),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": anp.tanh,
    "identity": lambda z: z,
}


def ag_loss_terms(kind: str, Y, T):
    """Per-entry loss terms: squared error for "mse", softplus(y) − t·y (BCE from logits) otherwise."""
    return (Y - T) ** 2 if kind == "mse" else anp.logaddexp(0.0, Y) - T * Y
