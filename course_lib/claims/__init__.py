"""Outcomes the notebooks state as general, each measured by one function of a seed set.

A sentence such as "the skip network ends about half as high as the chain" is only honest if it holds for
initialisations it was not tuned on. So every such outcome is registered here once, as

    @claim("09.skips_halve_loss", notebook="09",
           says="with skip connections the median loss is at most 0.7x the chain's",
           holds=lambda m: m["ratio"] < 0.7)
    def skips_halve_loss(seeds):
        ...                                   # train one network per seed
        return {"chain": ..., "skips": ..., "ratio": ...}

The notebook runs it on the committed seeds and shows the numbers (`check("09.skips_halve_loss")`);
`make claims` (``python -m course_lib.claims``) runs every claim on the committed seeds and on two disjoint sets
it was not tuned on, prints one table, and exits 1 if any claim fails on any set.

A measurement returns a dict of named results. Numbers (and short lists of numbers) are shown in the table;
anything else (curves, trained networks) is for the notebook's plots and is left out of the table.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The committed seed set is the one the notebooks run; the other two share no seed with it or with each other.
# A claim measured on n seeds uses the first n of each set.
SEED_SETS: dict[str, range] = {
    "committed": range(0, 10),
    "B": range(100, 110),
    "C": range(200, 210),
}


class ClaimFailed(AssertionError):
    """A registered outcome did not hold on the seeds it was measured on; the message gives the numbers."""


@dataclass(frozen=True)
class Claim:
    """One registered outcome: its key ("NN.name"), notebook, the sentence it stands for (`says`), the
    measurement (seeds -> named results), the verdict on those results (`holds`) and how many seeds it takes."""

    key: str
    notebook: str
    says: str
    measure: Callable[[Sequence[int]], Mapping[str, Any]]
    holds: Callable[[Mapping[str, Any]], bool]
    n_seeds: int = 5

    def seeds(self, seed_set: str = "committed") -> list[int]:
        if seed_set not in SEED_SETS:
            raise KeyError(f"seed set {seed_set!r} is not one of {sorted(SEED_SETS)}")
        return list(SEED_SETS[seed_set][: self.n_seeds])


@dataclass
class Measured:
    """The result of one claim on one seed set: the numbers, and whether the claim held."""

    claim: Claim
    seeds: list[int]
    values: dict[str, Any] = field(default_factory=dict)
    held: bool = False

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def numbers(self) -> str:
        """The scalar results (and short lists of them), formatted for a table row."""
        parts = []
        for name, v in self.values.items():
            text = _format(v)
            if text is not None:
                parts.append(f"{name} {text}")
        return ", ".join(parts)

    def __str__(self) -> str:
        verdict = "holds" if self.held else "DOES NOT HOLD"
        seeds = _seed_range(self.seeds)
        return f"{self.claim.says}: {verdict} on seeds {seeds}\n  {self.numbers()}"

    def __repr__(self) -> str:  # shown as a cell's last value: the same as print
        return str(self)


_REGISTRY: dict[str, Claim] = {}


def claim(key: str, *, notebook: str, says: str, holds: Callable[[Mapping[str, Any]], bool], n_seeds: int = 5):
    """Register `measure(seeds) -> dict` as the one measurement of the outcome `says` in `notebook`."""

    def register(measure):
        if key in _REGISTRY and _REGISTRY[key].measure.__qualname__ != measure.__qualname__:
            raise ValueError(f"claim {key!r} is registered twice")
        if not 1 <= n_seeds <= len(SEED_SETS["committed"]):
            raise ValueError(f"n_seeds must be between 1 and {len(SEED_SETS['committed'])}, got {n_seeds}")
        _REGISTRY[key] = Claim(key, notebook, says, measure, holds, n_seeds)
        return measure

    return register


def _load_all() -> None:
    """Import every module of this package, which registers its claims."""
    from pathlib import Path

    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{__name__}.{info.name}")


def registry() -> dict[str, Claim]:
    """Every registered claim, by key (importing each notebook's module of this package registers its claims)."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def measure(key: str, seed_set: str = "committed") -> Measured:
    """Run one claim on one seed set and return its numbers and verdict (never raises for a failed claim)."""
    claims = registry()
    if key not in claims:
        raise KeyError(f"no claim {key!r}; registered: {', '.join(claims) or 'none'}")
    c = claims[key]
    seeds = c.seeds(seed_set)
    values = dict(c.measure(seeds))
    return Measured(c, seeds, values, bool(c.holds(values)))


def check(key: str, seed_set: str = "committed") -> Measured:
    """As `measure`, but a claim that does not hold raises ClaimFailed with its numbers (the notebooks use this)."""
    m = measure(key, seed_set)
    if not m.held:
        raise ClaimFailed(f"{key} ({m.claim.notebook}): {m}")
    return m


def _format(v: Any) -> str | None:
    import numpy as np

    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _num(float(v))
    if isinstance(v, str) and len(v) <= 40:
        return v
    if isinstance(v, (list, tuple, np.ndarray)) and 0 < len(v) <= 10:
        items = [_format(x) for x in v]
        if all(isinstance(x, (int, float, np.integer, np.floating, bool, np.bool_)) for x in v) and None not in items:
            return "[" + " ".join(items) + "]"
    return None


def _num(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.3g}"
    return f"{x:.2e}"


def _seed_range(seeds: Sequence[int]) -> str:
    seeds = list(seeds)
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ", ".join(map(str, seeds))
