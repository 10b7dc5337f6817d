"""Weight initialisers: He/Kaiming, Glorot/Xavier, and source S2's scheme under an honest name.

Derived and compared (activation and gradient variance across depth) in notebook 06.
Every initialiser takes (fan_in, fan_out, rng) and returns a float64 array of shape (fan_in, fan_out).
"""

from __future__ import annotations

import numpy as np

from .checks import unknown_name


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He/Kaiming normal: N(0, 2/fan_in), Eq. (6.8). Keeps ReLU activations' variance across depth."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He/Kaiming uniform: U(-√(6/fan_in), √(6/fan_in)), same variance as he_normal, Eq. (6.8)."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot/Xavier normal: N(0, 2/(fan_in+fan_out)), Eq. (6.9)."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot/Xavier uniform: U(-√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))), Eq. (6.9)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def sqrt2_glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Source S2's scheme: N(0, 4/(fan_in+fan_out)), i.e. √2 × Glorot normal, Eq. (6.10).

    S2 calls it "He"; it equals He only when fan_in == fan_out (std 0.28 vs He's 1.41 on a 1→50 layer).
    """
    return rng.normal(0.0, np.sqrt(4.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


INITIALISERS = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "glorot": glorot_normal,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "sqrt2_glorot_normal": sqrt2_glorot_normal,
}


def get_initialiser(name: str):
    """Return the initialiser function called `name` (see INITIALISERS for the valid names)."""
    if callable(name):
        return name
    try:
        return INITIALISERS[name]
    except (KeyError, TypeError):
        raise unknown_name("initialiser", name, INITIALISERS) from None


def as_generator(seed) -> np.random.Generator:
    """A numpy Generator from an int seed >= 0, or the Generator itself; the course never uses global state."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(
            f"seed must be an int >= 0 or a numpy.random.Generator (everything is seeded), got {seed!r}"
        )
    return np.random.default_rng(int(seed))
