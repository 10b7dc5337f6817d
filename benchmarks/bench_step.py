"""How fast is one course_lib training step, against references measured in the same run?

A step = forward, loss gradient (MSELoss mean), backward, SGD update. Timings are interleaved (every
implementation runs one block in turn, many rounds), and the table shows, for each implementation, its
best block's time per step (the minimum over rounds, as `timeit` recommends: noise only ever adds time)
and the ratios course_lib / reference. Medians are printed too, for comparison.
Before timing, course_lib's weights are checked against the plain
reference's after the same steps on the same batches.

Workloads: (a) 1-3-1 ReLU, one sample per step, on 3·sin(20z); (b) [1, 50×9, 1] ReLU, batch 20 (S2);
(c) 1-64-64-1 tanh, batch 64. Run: `make bench` or `python benchmarks/bench_step.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from references import PlainMLP, TunedMLP, per_sample_step_131  # noqa: E402

from course_lib import MLP, SGD, MSELoss  # noqa: E402

GOALS = {"b": (1.05, 1.4), "c": (1.05, 1.4), "a": 3.0}


def course_setup(sizes, act, seed=0):
    model = MLP(sizes, activation=act, seed=seed)
    return model, MSELoss(), SGD(model, lr=LR[act])


LR = {"relu": 1e-3, "tanh": 1e-3}


def course_step(model, loss, opt, X, T):
    Y = model.forward(X)
    model.backward(loss.grad(Y, T))
    opt.step()


def make_batches(n_in, batch, count, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, size=(count, batch, n_in))
    return X, 3.0 * np.sin(20.0 * X[..., :1])


def check_same_weights(sizes, act, batch, steps=50):
    """course_lib and the plain reference take the same steps from the same start: same weights."""
    model, loss, opt = course_setup(sizes, act)
    lin = model.linears
    plain = PlainMLP([m.W for m in lin], [m.b for m in lin], [act] * (len(lin) - 1) + ["identity"])
    tuned = TunedMLP([m.W for m in lin], [m.b for m in lin], [act] * (len(lin) - 1) + ["identity"], batch)
    Xs, Ts = make_batches(sizes[0], batch, steps, seed=1)
    for X, T in zip(Xs, Ts):
        course_step(model, loss, opt, X, T)
        plain.step(X, T, opt.lr)
        tuned.step(X, T, opt.lr)
    worst_plain = max(
        float(np.max(np.abs(m.W - W) / (np.abs(W) + 1e-300))) for m, W in zip(lin, plain.Ws)
    )
    worst_tuned = max(
        float(np.max(np.abs(m.W - W) / (np.abs(W) + 1e-300))) for m, (W, _) in zip(lin, tuned.weights())
    )
    assert all(np.isfinite(m.W).all() for m in lin), "the benchmark learning rate made the run diverge"
    assert worst_plain <= 1e-12, f"course_lib and the plain reference disagree after {steps} steps: {worst_plain:.1e}"
    assert worst_tuned <= 1e-9, f"the tuned reference disagrees after {steps} steps: {worst_tuned:.1e}"
    return worst_plain


def time_interleaved(fns, rounds, block):
    """(best, median) seconds per call of each fn, run in interleaved blocks of `block` calls."""
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(block):
                fn()
            samples[name].append((time.perf_counter() - t0) / block)
    return {name: (float(np.min(v)), float(np.median(v))) for name, v in samples.items()}


def workload(sizes, act, batch, rounds, block, per_sample=False):
    check_same_weights(sizes, act, batch)
    model, loss, opt = course_setup(sizes, act)
    lin = model.linears
    acts = [act] * (len(lin) - 1) + ["identity"]
    plain = PlainMLP([m.W for m in lin], [m.b for m in lin], acts)
    tuned = TunedMLP([m.W for m in lin], [m.b for m in lin], acts, batch)
    n = 4096
    Xs, Ts = make_batches(sizes[0], batch, n, seed=2)
    state = {"i": 0}

    def nxt():
        i = state["i"] = (state["i"] + 1) % n
        return Xs[i], Ts[i]

    fns = {
        "course_lib": lambda: course_step(model, loss, opt, *nxt()),
        "plain numpy": lambda: plain.step(*nxt(), opt.lr),
        "tuned numpy": lambda: tuned.step(*nxt(), opt.lr),
    }
    if per_sample:
        W1, b1, W2, b2 = (lin[0].W.copy(), lin[0].b.copy(), lin[1].W.copy(), lin[1].b.copy())
        xs, ts = Xs[:, 0, 0].copy(), Ts[:, 0, 0].copy()

        def hand():
            i = state["i"] = (state["i"] + 1) % n
            per_sample_step_131(W1, b1, W2, b2, xs[i], ts[i], opt.lr)

        fns["hand-written per-sample"] = hand
    return time_interleaved(fns, rounds, block)


def main():
    rows = []
    res = workload([1, 3, 1], "relu", 1, rounds=30, block=2000, per_sample=True)
    rows.append(("(a) 1-3-1 ReLU, B=1", res, "hand-written per-sample", GOALS["a"]))
    res = workload([1] + [50] * 9 + [1], "relu", 20, rounds=30, block=200)
    rows.append(("(b) [1, 50×9, 1] ReLU, B=20", res, "plain numpy", GOALS["b"]))
    res = workload([1, 64, 64, 1], "tanh", 64, rounds=30, block=300)
    rows.append(("(c) 1-64-64-1 tanh, B=64", res, "plain numpy", GOALS["c"]))

    print("One training step (forward, MSE gradient, backward, SGD): µs per step, best of 30 interleaved blocks")
    print("course_lib's weights equal the plain reference's after 50 identical steps (max rel. diff <= 1e-12)\n")
    head = f"{'workload':<30}{'course_lib':>11}{'plain':>9}{'tuned':>9}{'hand':>9}   {'ratios (goal)':<44}met"
    print(head)
    print("-" * len(head))
    all_met = True
    medians = []
    for name, res, _, goal in rows:
        medians.append((name, {k: v[1] for k, v in res.items()}))
        res = {k: v[0] for k, v in res.items()}
        c, p, t = res["course_lib"], res["plain numpy"], res["tuned numpy"]
        h = res.get("hand-written per-sample")
        if h is not None:
            ratios = f"/hand {c / h:.2f} (<= {goal})  /plain {c / p:.2f}"
            met = c / h <= goal
        else:
            ratios = f"/plain {c / p:.2f} (<= {goal[0]})  /tuned {c / t:.2f} (<= {goal[1]})"
            met = c / p <= goal[0] and c / t <= goal[1]
        all_met &= met
        hs = f"{h * 1e6:9.1f}" if h is not None else f"{'':>9}"
        print(f"{name:<30}{c * 1e6:11.1f}{p * 1e6:9.1f}{t * 1e6:9.1f}{hs}   {ratios:<44}{'yes' if met else 'NO'}")
    print("\nmedians (µs): " + "; ".join(
        f"{n.split(')')[0]})" + " ".join(f"{k.split()[0]} {v * 1e6:.1f}" for k, v in m.items()) for n, m in medians
    ))
    print("\nall goals met" if all_met else "\nsome goals NOT met")


if __name__ == "__main__":
    main()
