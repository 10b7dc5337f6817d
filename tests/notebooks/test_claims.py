"""The claims registry: a registered outcome is measured by one function, shown by exactly one notebook, and a
claim that fails is reported with its numbers (not swallowed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_lib import claims
from course_lib.claims import SEED_SETS, ClaimFailed
from course_lib.claims.__main__ import main as claims_main

ROOT = Path(__file__).resolve().parents[2]
CHECK = re.compile(r"""claims\.(?:check|measure)\(\s*["']([\w.]+)["']""")


def _notebook_uses() -> dict[str, list[str]]:
    uses: dict[str, list[str]] = {}
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                for key in CHECK.findall("".join(cell["source"])):
                    uses.setdefault(key, []).append(nb.name[:2])
    return uses


def test_seed_sets_are_disjoint():
    sets = [set(r) for r in SEED_SETS.values()]
    for i, a in enumerate(sets):
        for b in sets[i + 1:]:
            assert not a & b


def test_every_claim_is_shown_by_its_own_notebook_exactly_once_and_every_shown_claim_exists():
    reg = claims.registry()
    uses = _notebook_uses()
    for key in uses:
        assert key in reg, f"a notebook checks {key!r}, which is not registered"
    for key, c in reg.items():
        assert uses.get(key) == [c.notebook], f"{key} is registered for notebook {c.notebook}, shown in {uses.get(key)}"
        assert key.startswith(c.notebook + "."), f"{key}: a claim's key starts with its notebook number"


def test_every_claim_states_its_outcome_and_takes_at_least_five_seeds():
    for key, c in claims.registry().items():
        assert len(c.says) > 20, f"{key}: say what outcome is claimed"
        assert c.n_seeds >= 5 or "one seed" in c.says or "each seed" in c.says, f"{key}: medians need ≥ 5 seeds"


@pytest.fixture
def toy_claims():
    before = dict(claims._REGISTRY)

    @claims.claim("99.toy", notebook="99", says="the toy's mean seed is below 150", holds=lambda m: m["mean"] < 150)
    def toy(seeds):
        return {"mean": sum(seeds) / len(seeds), "seeds": list(seeds), "curve": list(range(50))}

    yield
    claims._REGISTRY.clear()
    claims._REGISTRY.update(before)


def test_a_claim_is_measured_on_each_seed_set_and_fails_loudly_where_it_does_not_hold(toy_claims):
    ok = claims.check("99.toy")
    assert ok.seeds == [0, 1, 2, 3, 4] and ok["mean"] == 2 and ok.held
    assert "mean 2" in ok.numbers() and "curve" not in ok.numbers()  # long lists stay out of the table
    assert claims.measure("99.toy", "B").held and claims.measure("99.toy", "B").seeds == [100, 101, 102, 103, 104]
    with pytest.raises(ClaimFailed, match=r"(?s)DOES NOT HOLD.*mean 202"):
        claims.check("99.toy", "C")
    with pytest.raises(KeyError, match="no claim"):
        claims.measure("99.nothing")


def test_make_claims_prints_a_row_per_claim_and_exits_1_on_a_failure(toy_claims, capsys):
    assert claims_main(["99.toy", "--sets", "committed", "B", "--jobs", "1"]) == 0
    assert claims_main(["99.toy", "--jobs", "1"]) == 1
    out = capsys.readouterr()
    assert "| 99.toy: the toy's mean seed is below 150 | 99 |" in out.out and "**FAILS**" in out.out
    assert "does not hold: 99.toy" in out.err
    assert claims_main(["99.nothing"]) == 2
