"""Training benchmarks: the source designs' runs reproduced with course_lib.train.fit, and speed goals.

(i)   S2 exactly as published: [1, 50×9, 1] ReLU, S2's init (√2 × Glorot normal), SGD lr 0.01 in S2's
      scaling, batch 20, 1000 epochs, 500 noisy sinc samples (the course's data: S2 states no noise or range;
      σ = 0.1, x ~ U(−4, 4)): final train MSE and time.
(ii)  S0's 1-3-1 ReLU per-sample run (10 epochs over 100 000 points, its own initial weights and data
      stream): the last-sample loss it prints next to the full-data MSE and R².
(iii) Goals, each within 10 s: a 1-64-64-1 tanh MLP with Adam reaches train MSE <= 0.01 on 3·sin(20z);
      on S2's noisy sinc, validation MSE within 15 % of the noise floor σ² = 0.01.
(iv)  What fit's bookkeeping costs against the bare four-line loop.

Prints a table; asserts only correctness (never a time). Takes a few minutes (S0's run is 1 M steps).
BLAS runs on one thread (set below, before numpy loads): for these small networks threads only add
overhead, and on a shared machine a multi-threaded BLAS can be many times slower.
Run: .venv/bin/python benchmarks/bench_training.py   (add --quick for a shortened S0 run)
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from course_lib import MLP, SGD, Adam, MSELoss  # noqa: E402
from course_lib.data import minibatches, sin_s0, sinc_s2, sinc_s2_train_val  # noqa: E402
from course_lib.train import fit, train_step  # noqa: E402

ROWS = []


def row(name, measured, goal, met, seconds):
    ROWS.append((name, measured, goal, met, seconds))
    print(f"  done: {name}: {measured} ({seconds:.1f} s)", flush=True)


def bench_s2():
    """(i) S2 as published."""
    (X, Y), (Xv, Yv) = sinc_s2_train_val(seed=0)
    noise_floor = float(np.mean((Y - np.sinc(X)) ** 2))  # MSE of the true function on this training sample
    model = MLP([1] + [50] * 9 + [1], activation="relu", init="sqrt2_glorot_normal", seed=0)
    # S2's step: Δ_L = Ŷ − Y, ∇W_l = A_{l−1}ᵀΔ_l, then W −= 0.01·∇W/B. That is 0.01 × the gradient of
    # ½·mean((ŷ − y)²). Our MSELoss("mean") is mean((ŷ − y)²), whose gradient 2(Ŷ − Y)/B is twice S2's, so
    # S2's update is SGD with lr = 0.01/2 = 0.005 on MSELoss("mean"): the same step, and the loss we record
    # is the MSE S2 reports (not ½ of it).
    opt = SGD(model, lr=0.005)
    t = time.perf_counter()
    h = fit(model, X, Y, loss=MSELoss("mean"), optimizer=opt, epochs=1000, batch_size=20, val=(Xv, Yv), seed=0)
    sec = time.perf_counter() - t
    mse = h.train_loss[-1]
    assert np.isfinite(mse) and mse < 0.02, f"S2's network should fit sinc, got train MSE {mse}"
    row("(i) S2 as published: final train MSE", f"{mse:.4f}", f"S2 reports no value; noise floor {noise_floor:.4f}",
        "—", sec)
    row("(i) S2 as published: final val MSE", f"{h.val_loss[-1]:.4f}",
        f"noise floor of the val sample {np.mean((Yv - np.sinc(Xv)) ** 2):.4f}", "—", 0.0)
    row("(i) S2: time per step", f"{sec / h.steps * 1e6:.0f} µs", "S2 ≈180 µs (plain numpy)", "—", 0.0)


def s0_model_and_data(n):
    """S0's exact start: np.random.seed(1), then Linear(1,3), Linear(3,1) (He-normal weights, biases
    U(0, 0.1)), then X = rand(n, 1) — drawn here from a local RandomState(1) in the same order."""
    rs = np.random.RandomState(1)
    W1 = rs.randn(3, 1) * np.sqrt(2 / 1)
    b1 = rs.rand(3) / 10
    W2 = rs.randn(1, 3) * np.sqrt(2 / 3)
    b2 = rs.rand(1) / 10
    X = rs.rand(n, 1)
    model = MLP([1, 3, 1], activation="relu", seed=0)
    for lin, W, b in zip(model.linears, (W1, W2), (b1, b2), strict=True):
        lin.W[:] = W.T  # S0 stores W in the column convention (out × in); ours is its transpose
        lin.b[:] = b
    return model, X, 3 * np.sin(20 * X)


def bench_s0(n):
    """(ii) S0's per-sample run: rows in stored order (S0 loops over zip(X, y)), lr 0.0110115 (S0's default)."""
    model, X, Y = s0_model_and_data(n)
    t = time.perf_counter()
    h = fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.0110115), epochs=10, batch_size=1,
            shuffle=False)
    sec = time.perf_counter() - t
    mse, var = h.train_loss[-1], float(np.var(Y))
    r2 = 1 - mse / var
    assert r2 < 0.6, f"a 1-3-1 ReLU net cannot fit three periods of the sine, yet R² = {r2}"
    row(f"(ii) S0 1-3-1 per sample, {n} pts × 10: last-sample loss", f"{h.last_batch_loss[-1]:.3f}",
        "the README shows no value", "—", sec)
    row("(ii) S0: full-data MSE / var(y)", f"{mse:.2f} / {var:.2f}", "≈3.7 / ≈4.4", "—", 0.0)
    row("(ii) S0: R² = 1 − MSE/var(y)", f"{r2:.2f}", "≈0.17", "—", 0.0)
    row("(ii) S0: time per per-sample step", f"{sec / h.steps * 1e6:.1f} µs", "S0 ≈50 µs, plain numpy ≈7 µs",
        "—", 0.0)


def goal_sin():
    """(iii a) 1-64-64-1 tanh + Adam reaches train MSE <= 0.01 on 3·sin(20z) within 10 s."""
    X, Y = sin_s0(2000, seed=0)
    model = MLP([1, 64, 64, 1], activation="tanh", init="glorot", seed=0)
    t = time.perf_counter()
    h = fit(model, X, Y, loss=MSELoss(), optimizer=Adam(model, lr=0.01), epochs=2000, batch_size=32,
            callbacks=[lambda e, h: h.train_loss[-1] <= 0.01 or time.perf_counter() - t > 10])
    sec = time.perf_counter() - t
    mse = h.train_loss[-1]
    row(f"(iii) sin: 1-64-64-1 tanh Adam, train MSE after {h.epochs} epochs", f"{mse:.4f}", "<= 0.01 in 10 s",
        "yes" if mse <= 0.01 and sec <= 10 else "no", sec)


def goal_sinc():
    """(iii b) on S2's data, validation MSE within 15 % of σ² = 0.01 within 10 s (fixed budget, no peeking)."""
    (X, Y), (Xv, Yv) = sinc_s2_train_val(seed=0)
    X_big, Y_big = sinc_s2(5000, seed=1)  # a larger validation set drawn the same way
    model = MLP([1, 64, 64, 1], activation="tanh", init="glorot", seed=0)
    t = time.perf_counter()
    fit(model, X, Y, loss=MSELoss(), optimizer=Adam(model, lr=0.003), epochs=600, batch_size=100)
    sec = time.perf_counter() - t
    loss = MSELoss()
    val500, val5000 = loss(model(Xv), Yv), loss(model(X_big), Y_big)
    floor500 = loss(np.sinc(Xv), Yv)
    row("(iii) sinc: 1-64-64-1 tanh Adam, 600 epochs: val MSE (5000 val pts)", f"{val5000:.4f}",
        "<= 0.0115 in 10 s", "yes" if val5000 <= 0.0115 and sec <= 10 else "no", sec)
    row("(iii) sinc: same model, val MSE on S2-size val set (500 pts)", f"{val500:.4f}",
        f"its own noise floor is {floor500:.4f}", "yes" if val500 <= 1.15 * floor500 else "no", 0.0)
    row("(iii) sinc: MSE against the noise-free sinc", f"{loss(model(X_big), np.sinc(X_big)):.5f}", "—", "—", 0.0)


def overhead():
    """(iv) fit against the bare loop (same batches, same steps), S2's network, 100 epochs."""
    (X, Y), _ = sinc_s2_train_val(seed=0)
    times = {}
    for kind in ("bare", "fit"):
        model = MLP([1] + [50] * 9 + [1], init="sqrt2_glorot_normal", seed=0)
        opt = SGD(model, lr=0.005)
        t = time.perf_counter()
        if kind == "fit":
            fit(model, X, Y, loss=MSELoss(), optimizer=opt, epochs=100, batch_size=20, seed=0)
        else:
            rng = np.random.default_rng(0)
            for _ in range(100):
                for Xb, Yb in minibatches(X, Y, 20, rng):
                    train_step(model, MSELoss(), opt, Xb, Yb, check=False)
        times[kind] = time.perf_counter() - t
        params = [v.copy() for v, _ in model.parameters()]
        if kind == "bare":
            bare_params = params
    for a, b in zip(bare_params, params, strict=True):
        assert np.array_equal(a, b), "fit must take exactly the bare loop's steps"
    row("(iv) fit vs bare loop, S2 net, 100 epochs (no val)", f"+{100 * (times['fit'] / times['bare'] - 1):.0f} %",
        "whole-set loss per epoch costs ≈ 1/3 epoch", "—", times["fit"])


def main():
    quick = "--quick" in sys.argv
    start = time.perf_counter()
    bench_s2()
    bench_s0(20_000 if quick else 100_000)
    goal_sin()
    goal_sinc()
    overhead()
    widths = [max(len(str(r[i])) for r in ROWS) for i in range(4)]
    head = ("benchmark", "measured", "goal / reference", "met")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " | seconds")
    print("-+-".join("-" * w for w in widths) + "-+--------")
    for r in ROWS:
        print(" | ".join(str(x).ljust(w) for x, w in zip(r[:4], widths, strict=True)) + f" | {r[4]:7.1f}")
    print(f"\ntotal {time.perf_counter() - start:.0f} s; OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")


if __name__ == "__main__":
    main()
