"""course_lib: the small numpy library that implements exactly the equations the notebooks derive.

Row-batch convention throughout (see notebooks/00_start_here.ipynb for the notation table):
X is (B, n_0), Z_l = A_{l-1} W_l + 1 b_lᵀ, A_l = f_l(Z_l), Δ_l = ∂L/∂Z_l, gradients in the shape of
what they differentiate.
"""

from .attention import SelfAttention
from .gradcheck import GradcheckReport, check_gradients, gradcheck, numerical_grad, rel_error
from .graph import Graph
from .init import INITIALISERS, get_initialiser
from .layers import ACTIVATIONS, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Tanh, get_activation
from .losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, get_loss, log_softmax, softmax
from .network import MLP, Module
from .normalization import BatchNorm1d, Dropout, LayerNorm
from .optim import SGD, Adam
from .sequential import Sequential

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "MLP",
    "SGD",
    "SelfAttention",
    "Adam",
    "BatchNorm1d",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "GradcheckReport",
    "Graph",
    "Identity",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "check_gradients",
    "get_activation",
    "get_initialiser",
    "get_loss",
    "gradcheck",
    "log_softmax",
    "numerical_grad",
    "rel_error",
    "softmax",
]
