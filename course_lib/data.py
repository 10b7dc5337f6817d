"""Data sets for the fitting experiments: the source designs' tasks and the live-training targets.

Used from notebook 06 (training loops, minibatches) and notebook 07 (fitting sin and sinc); the targets
feed the live-training lab of notebook 08.

Everything here is seeded: every function that draws random numbers takes `seed` (an int or a
numpy.random.Generator) and never touches numpy's global random state. Arrays are float64 and follow the
row-batch convention: X is (n, 1), Y is (n, 1), one sample per row.

- `sin_s0(n, noise, seed)`: source S0's task, y = 3·sin(20 z) with z ~ U(0, 1) (three periods).
- `sinc_s2(n, noise, seed)`: source S2's task, y = sinc(x) + N(0, σ²) with the normalised sinc
  sin(πx)/(πx) (numpy's np.sinc, value 1 at x = 0) and x ~ U(−4, 4); S2 uses n = 500 and states neither
  the noise nor the range: σ = 0.1 and U(−4, 4) are the course's choice.
  `sinc_s2_train_val` draws S2's training set and a validation set the same way with another seed.
- `TARGETS`: named targets ("sin", "sinc", "step", "abs", "sin_s0"), each a callable with its x range.
- `make_dataset(target, n, noise, seed)`, `train_val_split(X, Y, val_fraction, seed)`,
  `minibatches(X, Y, batch_size, rng)`.
- `make_spiral(n_per_class, n_classes, noise, turns, seed, radii)`: notebook 12's classification task, X (n, 2)
  and integer labels y (n,); radii="random" makes two seeds two independent samples (a genuine held-out set).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .checks import as_batch, check_positive_int, unknown_name
from .init import as_generator


@dataclass(frozen=True)
class Target:
    """A 1-D regression target: `target(x)` evaluates y = fn(x) element-wise; x is drawn from U(x_range).

    name:        the key in TARGETS.
    formula:     the formula as text, e.g. "3·sin(20x)", for titles and legends.
    x_range:     (low, high): make_dataset draws x ~ U(low, high); plots use the same range.
    """

    name: str
    fn: object
    x_range: tuple
    formula: str

    def __call__(self, x):
        """y = fn(x), element-wise, same shape as x (float64)."""
        return self.fn(np.asarray(x, dtype=np.float64))


def _sin_s0(x):
    return 3.0 * np.sin(20.0 * x)


def _sin(x):
    return np.sin(2.0 * np.pi * x)


def _step(x):
    return np.where(x > 0.0, 1.0, 0.0)


TARGETS = {
    "sin": Target("sin", _sin, (-1.0, 1.0), "sin(2πx)"),
    "sinc": Target("sinc", np.sinc, (-4.0, 4.0), "sin(πx)/(πx)"),
    "step": Target("step", _step, (-1.0, 1.0), "1 if x > 0 else 0"),
    "abs": Target("abs", np.abs, (-1.0, 1.0), "|x|"),
    "sin_s0": Target("sin_s0", _sin_s0, (0.0, 1.0), "3·sin(20x)"),
}
"""Named targets, each a callable `Target` with its x range (see the table in notebook 07):

===========  ==================  ===========
name         y                   x range
===========  ==================  ===========
"sin"        sin(2πx)            [−1, 1]   (two periods)
"sinc"       sin(πx)/(πx)        [−4, 4]   (np.sinc; S2's task without noise)
"step"       1 if x > 0 else 0   [−1, 1]   (a jump: hard for smooth activations)
"abs"        |x|                 [−1, 1]   (a kink: two ReLUs fit it exactly)
"sin_s0"     3·sin(20x)          [0, 1]    (S0's task: three periods)
===========  ==================  ===========
"""


def target_fn(name) -> Target:
    """The target called `name` (a key of TARGETS); a Target is callable: target_fn("abs")(x) = |x|."""
    if isinstance(name, Target):
        return name
    try:
        return TARGETS[name]
    except (KeyError, TypeError):
        raise unknown_name("target", name, TARGETS) from None


def _check_noise(noise) -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0 (the standard deviation σ of the noise), got {noise!r}")
    return float(noise)


def make_dataset(target, n: int, noise: float = 0.0, seed=0):
    """Draw n samples of a named target: x ~ U(x_range), y = target(x) + N(0, noise²).

    target: a name from TARGETS (or a Target). n: number of samples (>= 1). noise: σ >= 0 of the
    Gaussian noise added to y (0 gives exact targets). seed: int or numpy Generator.
    The draws are, in this order, x = rng.uniform(low, high, (n, 1)) and, if noise > 0,
    rng.normal(0, noise, (n, 1)); the same seed gives the same data.
    Returns X, Y, both float64 of shape (n, 1).
    """
    tgt = target_fn(target)
    n = check_positive_int(n, "n (the number of samples)")
    noise = _check_noise(noise)
    rng = as_generator(seed)
    low, high = tgt.x_range
    X = rng.uniform(low, high, size=(n, 1))
    Y = tgt(X)
    if noise > 0.0:
        Y = Y + rng.normal(0.0, noise, size=(n, 1))
    return X, Y


def sin_s0(n: int = 100_000, noise: float = 0.0, seed=0):
    """Source S0's task: y = 3·sin(20 z) (+ N(0, noise²)), z ~ U(0, 1); X, Y of shape (n, 1).

    S0 trains on 100 000 points for 10 epochs, one sample at a time. var(y) ≈ 4.5 (the mean of
    9·sin² over three periods), the MSE of the best constant prediction.
    """
    return make_dataset("sin_s0", n, noise=noise, seed=seed)


def sinc_s2(n: int = 500, noise: float = 0.1, seed=0):
    """Source S2's task: y = sinc(x) + N(0, σ²) with sinc(x) = sin(πx)/(πx) (np.sinc) and x ~ U(−4, 4).

    S2 uses n = 500 "noisy" samples and states neither the noise nor the x range nor which sinc; the course
    chose the normalised sinc, σ = noise = 0.1 (so the best possible MSE against the noisy targets, the noise
    floor, is σ² = 0.01) and [−4, 4]: the main lobe and three side lobes on each side. The validation set is
    drawn the same way with another seed: see `sinc_s2_train_val`. Returns X, Y of shape (n, 1).
    """
    return make_dataset("sinc", n, noise=noise, seed=seed)


def sinc_s2_train_val(n_train: int = 500, n_val: int = 500, noise: float = 0.1, seed=0):
    """S2's training set and a validation set drawn the same way: `sinc_s2(n_train, noise, seed)` and
    `sinc_s2(n_val, noise, seed + 1)`. Returns (X_train, Y_train), (X_val, Y_val).

    `seed` must be an int here (the validation set uses seed + 1).
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an int here (the validation set uses seed + 1), got {seed!r}")
    return sinc_s2(n_train, noise=noise, seed=seed), sinc_s2(n_val, noise=noise, seed=int(seed) + 1)


def _check_pair(X, Y):
    X = as_batch(X, "X (inputs)")
    Y = as_batch(Y, "Y (targets)")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must have one row per sample and the same number of rows, got X {X.shape} and Y {Y.shape}"
        )
    return X, Y


def train_val_split(X, Y, val_fraction: float = 0.2, seed=0):
    """Shuffle the rows of (X, Y) and split them: returns (X_train, Y_train), (X_val, Y_val).

    The validation set gets round(val_fraction · n) rows (at least 1), the training set the rest (at least 1);
    the rows are permuted by rng.permutation(n). Same seed, same split.
    """
    X, Y = _check_pair(X, Y)
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, numbers.Real) or not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be a number strictly between 0 and 1, got {val_fraction!r}")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"train_val_split needs at least 2 samples (one for each part), got {n}")
    n_val = min(max(1, int(round(val_fraction * n))), n - 1)
    perm = as_generator(seed).permutation(n)
    val, tr = perm[:n_val], perm[n_val:]
    return (X[tr], Y[tr]), (X[val], Y[val])


def minibatches(X, Y, batch_size: int, rng=None, shuffle: bool = True):
    """An iterator over minibatches (X_b, Y_b) covering every row once: one epoch.

    With shuffle=True (the default) the rows are taken in the order rng.permutation(n), where rng is a
    numpy Generator (or an int seed); each call draws a new order, so passing the same Generator epoch after
    epoch reshuffles every epoch. With shuffle=False the rows keep their order and rng is not used.
    Batches hold batch_size rows; the last one holds the n mod batch_size left over (it is kept, not dropped).
    """
    X, Y = _check_pair(X, Y)
    batch_size = check_positive_int(batch_size, "batch_size")
    n = X.shape[0]
    if shuffle:
        if rng is None:
            raise ValueError("minibatches(shuffle=True) needs rng: a numpy Generator or an int seed")
        perm = as_generator(rng).permutation(n)
        X, Y = X[perm], Y[perm]
    return _batches(X, Y, batch_size)


def _batches(X, Y, batch_size):
    # A separate generator so that minibatches() checks its arguments when called, not at the first next().
    for start in range(0, X.shape[0], batch_size):
        yield X[start : start + batch_size], Y[start : start + batch_size]


def make_spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, turns: float = 0.75, seed=0,
                radii: str = "even"):
    """A 2-D spiral classification task for notebook 12: X (n, 2) floats and y (n,) integer class indices.

    Class k's points lie on the arm r·(sin θ, cos θ) with θ = 2π·(k/n_classes + turns·r) + N(0, noise²) (noise in
    radians) and r in [0, 1]:
    - radii="even" (the default): r = i/(n_per_class − 1), the same n_per_class evenly spaced radii on every arm
      and for every seed; only the angle noise is random. Two seeds then give the same radii, so a second
      draw is *not* an independent sample: each of its points has a training point at its own radius.
    - radii="random": r ~ U(0, 1), drawn afresh for every point (then sorted within each arm), so two seeds give
      two independent samples of one distribution: use this for a held-out set.
    Per arm the draws are, in this order, the radii (if "random") and the angle noise, all from one Generator.
    Rows are ordered class by class (n = n_per_class·n_classes), each arm from the centre out; `fit` shuffles them.
    """
    n_per_class = check_positive_int(n_per_class, "n_per_class")
    n_classes = check_positive_int(n_classes, "n_classes")
    if n_per_class < 2 or n_classes < 2:
        raise ValueError(f"make_spiral needs n_per_class >= 2 and n_classes >= 2, got {n_per_class} and {n_classes}")
    noise = _check_noise(noise)
    if radii not in ("even", "random"):
        raise ValueError(f"radii must be 'even' (evenly spaced, the same for every seed) or 'random' (drawn from "
                         f"U(0, 1)), got {radii!r}")
    rng = as_generator(seed)
    X, y = [], []
    for k in range(n_classes):
        r = np.sort(rng.uniform(0.0, 1.0, n_per_class)) if radii == "random" else np.linspace(0.0, 1.0, n_per_class)
        theta = 2.0 * np.pi * (k / n_classes + turns * r) + noise * rng.standard_normal(n_per_class)
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y.append(np.full(n_per_class, k, dtype=np.int64))
    return np.concatenate(X), np.concatenate(y)
