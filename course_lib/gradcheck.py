"""Gradient checking by central finite differences. Built step by step in notebook 02 (Eq. 2.3, 2.4).

`numerical_grad(f, x)` estimates ∂f/∂x entry by entry; `rel_error(a, b)` is the relative error measure
that gradient checkers use; `check_gradients` compares analytic gradients with the estimates for any set
of parameters; `gradcheck(model, loss, X, T)` does it for every parameter of a model in one call and
returns a readable per-parameter report.

Kinks (ReLU, LeakyReLU at z = 0): if a ±h step moves a pre-activation across 0, the difference quotient
measures neither one-sided derivative. `gradcheck` detects every such entry by comparing the on/off
pattern of the kinked units at θ+h and θ−h, leaves it out of the comparison, and counts it in the report
(`kinks`); it never hides a mismatch by loosening the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_H = 1e-6
DEFAULT_TOL = 1e-6


def numerical_grad(f, x: np.ndarray, h: float = DEFAULT_H, kink_pattern=None):
    """Central differences, Eq. (2.3): ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h).

    f() takes no argument and reads x, which is perturbed in place and restored exactly. Returns the
    estimate in x's shape. With `kink_pattern` (a function returning an array of booleans describing
    which side of each kink every unit is on), also returns a boolean mask of the entries whose ±h
    steps crossed a kink.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    crossed = np.zeros(x.shape, dtype=bool)
    if not (isinstance(x, np.ndarray) and x.flags.c_contiguous and x.flags.writeable):
        raise ValueError("numerical_grad perturbs x in place: it needs a writeable, C-contiguous numpy array")
    flat = x.reshape(-1)  # a view: writes go to x
    gflat, cflat = grad.reshape(-1), crossed.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f()
        pat_plus = kink_pattern() if kink_pattern else None
        flat[i] = old - h
        f_minus = f()
        if kink_pattern and not np.array_equal(pat_plus, kink_pattern()):
            cflat[i] = True
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * h)
    return (grad, crossed) if kink_pattern else grad


def rel_error(a, b, tiny: float = 1e-300) -> float:
    """Relative error, Eq. (2.4): ‖a − b‖ / max(‖a‖ + ‖b‖, tiny), with Euclidean norms over all entries.

    0 for identical arrays, 1 when one is zero and the other is not, 1 when b = −a; below 1e-6 means the
    two agree to about six significant digits.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error compares arrays of the same shape, got {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), tiny))


@dataclass
class ParamCheck:
    """One row of a gradient-check report."""

    name: str
    shape: tuple
    rel_error: float
    max_abs_diff: float
    kinks: int
    passed: bool


@dataclass
class GradcheckReport:
    """Per-parameter comparison of analytic and finite-difference gradients."""

    rows: list = field(default_factory=list)
    tol: float = DEFAULT_TOL
    h: float = DEFAULT_H

    @property
    def passed(self) -> bool:
        """True when every parameter's relative error is at most tol."""
        return all(r.passed for r in self.rows)

    @property
    def max_rel_error(self) -> float:
        """The largest relative error over all parameters."""
        return max((r.rel_error for r in self.rows), default=0.0)

    @property
    def kinks(self) -> int:
        """How many entries were left out because their ±h step crossed a kink."""
        return sum(r.kinks for r in self.rows)

    def failures(self):
        """The rows that did not pass."""
        return [r for r in self.rows if not r.passed]

    def __str__(self) -> str:
        lines = [f"{'parameter':<10} {'shape':<10} {'rel. error':>10} {'max |diff|':>10}  result"]
        for r in self.rows:
            shape = "×".join(map(str, r.shape)) or "scalar"
            note = "ok" if r.passed else "FAIL"
            if r.kinks:
                note += f" ({r.kinks} entries skipped: the ±h step crossed a ReLU kink)"
            lines.append(f"{r.name:<10} {shape:<10} {r.rel_error:>10.1e} {r.max_abs_diff:>10.1e}  {note}")
        verdict = "PASSED" if self.passed else f"FAILED ({len(self.failures())} of {len(self.rows)})"
        lines.append(f"{verdict}: max rel. error {self.max_rel_error:.1e} (tolerance {self.tol:g}, h = {self.h:g})")
        return "\n".join(lines)

    __repr__ = __str__


def check_gradients(f, params, names=None, h: float = DEFAULT_H, tol: float = DEFAULT_TOL, kink_pattern=None):
    """Compare analytic gradients with central differences for any parameters.

    f():      the loss as a float at the current parameter values (it must read the arrays in params).
    params:   [(value, analytic_gradient), …] — each value is perturbed in place and restored.
    Returns a GradcheckReport. The analytic gradients must be computed before calling.
    """
    names = names or [f"p{i}" for i in range(len(params))]
    report = GradcheckReport(tol=tol, h=h)
    for name, (value, grad) in zip(names, params):
        grad = np.array(grad, dtype=np.float64)  # a copy: f() may overwrite the model's gradient arrays
        if grad.shape != value.shape:
            raise ValueError(f"gradient of {name} has shape {grad.shape}, but {name} has shape {value.shape}")
        if kink_pattern is not None:
            num, crossed = numerical_grad(f, value, h, kink_pattern)
        else:
            num, crossed = numerical_grad(f, value, h), np.zeros(value.shape, dtype=bool)
        keep = ~crossed
        err = rel_error(grad[keep], num[keep])
        diff = float(np.max(np.abs(grad[keep] - num[keep]), initial=0.0))
        report.rows.append(ParamCheck(name, value.shape, err, diff, int(crossed.sum()), err <= tol))
    return report


def _kink_pattern(model):
    kinked = [layer for layer in getattr(model, "layers", []) if getattr(layer, "has_kink", False)]
    if not kinked:
        return None
    return lambda: np.concatenate([(layer._Z > 0).ravel() for layer in kinked])


def gradcheck(model, loss, X, T, h: float = DEFAULT_H, tol: float = DEFAULT_TOL) -> GradcheckReport:
    """Check every parameter of `model` (anything with forward, backward, parameters) for `loss` on (X, T).

    Runs forward and backward once for the analytic gradients, then perturbs each entry of each
    parameter by ±h. Returns a GradcheckReport; `print(report)` shows one row per parameter.
    """
    Y = model.forward(X)
    model.backward(loss.grad(Y, T))
    params = model.parameters()
    names = model.parameter_names() if hasattr(model, "parameter_names") else None

    def f():
        return loss(model.forward(X), T)

    return check_gradients(f, params, names, h=h, tol=tol, kink_pattern=_kink_pattern(model))
