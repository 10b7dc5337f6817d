"""Count outcomes of the property tests' strategies over many more examples; prints the closing table.

    OPENBLAS_NUM_THREADS=1 python tools/hostile_sweep.py [scale [word]]
scale 1 (default) takes a few minutes; `word` keeps only the areas whose name contains it (e.g. gradcheck).

Uses the strategies and judges of tests/library/test_properties.py (random hostile files, random MLPs and Graphs),
with hypothesis derandomized (the same examples every run) and without shrinking, and never stops at a
failure: each attempt is counted as
    clear error   refused with the documented error type, the message naming the file (or the bad key);
    silent wrong  accepted but wrong: a loaded model that differs from the file, a round trip that is not
                  bit-exact, a gradcheck FAIL verdict;
    crash         any other exception type, or more than the memory bound of allocations (tracemalloc);
    worked        loaded correctly / bit-exact / gradcheck passed / config accepted.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "library"), str(ROOT)]
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import hostile_files  # noqa: E402
import numpy as np  # noqa: E402
import test_properties as tp  # noqa: E402
from autograd import grad as ag_grad  # noqa: E402
from autograd_oracle import AG_ACT, ag_loss_terms  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_graph import ag_graph_loss  # noqa: E402

from course_lib import rel_error  # noqa: E402

COLUMNS = ("worked", "clear error", "silent wrong", "crash")


def sweep(strategy, judge, n):
    """Run judge(example) -> outcome on n derandomized examples; returns (Counter, [first odd examples])."""
    tally, odd = Counter(), []

    @settings(derandomize=True, database=None, deadline=None, max_examples=n, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(example=strategy)
    def run(example):
        try:
            outcome, detail = judge(example)
        except Exception as err:  # noqa: BLE001 - counted, never raised
            outcome, detail = "crash", err
        tally[outcome] += 1
        if outcome not in ("worked", "clear error") and len(odd) < 5:
            odd.append((outcome, str(detail)[:1500]))

    run()
    return tally, odd


def judge_hostile(case):
    content, _attack = case
    return tp.judge_bytes(content)


def judge_round_trip(build, inputs_of):
    def judge(args):
        spec, data = args
        model = build(spec)
        tp.fill(model, data.draw)
        try:
            tp.assert_round_trip(model, inputs_of(spec, model))
        except AssertionError as err:
            return "silent wrong", err
        return "worked", None

    return judge


def mlp_inputs(spec, model):
    return np.random.default_rng(spec["seed"]).normal(size=(spec["batch"], spec["sizes"][0]))


def graph_inputs(spec, g):
    rng = np.random.default_rng(spec["seed"])
    return {n: rng.normal(size=(spec["batch"], g.nodes[n].size)) for n in g.inputs}


def ag_mlp_loss(spec, values, X, T):
    """The MLP's loss written from its spec in autograd.numpy (no course_lib code): the independent oracle."""
    A, k = X, 0
    acts = spec["activation"] + [spec["output_activation"]]
    for act in acts:
        Z = A @ values[k]
        k += 1
        if spec["bias"]:
            Z = Z + values[k]
            k += 1
        A = AG_ACT[act](Z)
    ell = ag_loss_terms(spec["loss"], A, T)
    return ell.sum() / A.size if spec["reduction"] == "mean" else ell.sum()


def verdict(report, analytic, oracle, what):
    """A FAIL is split by the oracle: the library's gradient wrong, or gradcheck's false alarm on a right one."""
    if report.passed:
        return "worked", None
    agree = all(rel_error(a, b) <= 1e-9 or np.max(np.abs(a - b)) <= 1e-15 for a, b in zip(analytic, oracle))
    reason = "gradcheck false alarm: autograd agrees with the analytic gradient" if agree else "gradient WRONG"
    return "silent wrong", f"{reason}: {what}\n{report}"


def judge_mlp_gradcheck(spec):
    model, X, T, loss, report = tp.mlp_gradient_case(spec)
    if report.kinks:
        return "no kink-free inputs", spec
    values = [v.copy() for v, _ in model.parameters()]
    model.backward(loss.grad(model.forward(X), T))
    analytic = [g.copy() for _, g in model.parameters()]
    oracle = ag_grad(lambda vals: ag_mlp_loss(spec, vals, X, T))(values)
    return verdict(report, analytic, oracle, f"{model} {spec}")


def judge_graph_gradcheck(spec):
    g, inputs, goal, report = tp.graph_gradient_case(spec)
    if report.kinks:
        return "no kink-free inputs", spec
    values = [v.copy() for v, _ in g.parameters()]
    g.forward(inputs)
    g.backward(goal)
    analytic = [grad.copy() for _, grad in g.parameters()]
    config, names = g.get_config(), g.parameter_names()
    oracle = ag_grad(lambda vals: ag_graph_loss(config, names, vals, inputs, goal))(values)
    return verdict(report, analytic, oracle, f"{g} {spec}")


def main(scale: float = 1.0, only: str = ""):
    n = lambda k: max(1, int(k * scale))  # noqa: E731
    areas = [
        ("hostile files (io.load)", tp.hostile_files(), judge_hostile, n(2000)),
        ("random save → load, MLP", st.tuples(tp.mlp_specs(4, 8), st.data()),
         judge_round_trip(tp.build_mlp, mlp_inputs), n(400)),
        ("random save → load, Graph", st.tuples(tp.graph_specs(), st.data()),
         judge_round_trip(tp.build_graph, graph_inputs), n(200)),
        ("random MLPs, gradcheck", tp.mlp_specs(), judge_mlp_gradcheck, n(400)),
        ("random Graphs, gradcheck (check_gradients)", tp.graph_specs(), judge_graph_gradcheck, n(200)),
    ]
    if hasattr(tp, "lab_configs"):  # present once the lab's configuration module is merged
        areas.append(("lab config dicts / JSON", tp.lab_configs(), tp.judge_lab_config, n(1000)))
    rows = []
    for name, strategy, judge, count in [a for a in areas if only in a[0]]:
        start = time.perf_counter()
        tally, odd = sweep(strategy, judge, count)
        rows.append((name, tally))
        print(f"{name}: {sum(tally.values())} attempts in {time.perf_counter() - start:.0f} s: {dict(tally)}",
              flush=True)
        for outcome, detail in odd:
            print(f"    {outcome}: {detail}")
        if hostile_files.PEAKS:
            peaks = np.array(hostile_files.PEAKS) / 2**20
            print(f"    io.load allocations (tracemalloc peak): median {np.median(peaks):.2f} MiB, "
                  f"max {peaks.max():.2f} MiB (bound {hostile_files.MEMORY_BOUND / 2**20:.0f} MiB)")
            hostile_files.PEAKS.clear()
    print("\n| area | attempts | clear errors | silent wrong | crashes | worked |")
    print("|---|---|---|---|---|---|")
    for name, tally in rows:
        other = {k: v for k, v in tally.items() if k not in COLUMNS}  # e.g. "unclear error"
        extra = f" (+ {other})" if other else ""
        print(f"| {name} | {sum(tally.values())} | {tally['clear error']}{extra} | {tally['silent wrong']} | "
              f"{tally['crash']} | {tally['worked']} |")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0, sys.argv[2] if len(sys.argv) > 2 else "")
