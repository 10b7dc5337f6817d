"""Write the course's figures into figures/ (run by `make figures`). Seeded and deterministic.

figures/s0_sin_fit.png      S0's task 3·sin(20z): S0's 1-3-1 ReLU net trained per sample (as S0 does, on a
                            shorter run) next to a 1-64-64-1 tanh net trained with Adam, which fits it.
figures/s0_losses.png       S0's printed last-sample loss against the distribution of per-sample losses and
                            their mean (the MSE); the loss curve of the tanh network.
figures/s2_sinc_fit.png     S2's network as published on its noisy sinc task: the fit, and the training and
                            validation loss curves against the noise floor.
figures/s2_grad_norms.png   The gradient norms of S2's weight matrices over training and across depth.
figures/lab.png             The live lab's picture (notebook 08) after training its default network: what the
                            course website shows in place of the widgets, which need a live kernel.

Takes well under two minutes on one core. Run: .venv/bin/python tools/make_figures.py
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small networks: one BLAS thread is fastest

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import MLP, SGD, Adam, MSELoss  # noqa: E402
from course_lib.data import TARGETS, sin_s0, sinc_s2_train_val  # noqa: E402
from course_lib.plots import COLORS, log_y, plot_fit, plot_grad_norms, plot_losses, use_style  # noqa: E402
from course_lib.train import fit  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "figures"
S0_EPOCHS = 2  # S0 runs 10 epochs over its 100 000 points (1 M per-sample steps); 2 keep this script quick
SAVE = dict(dpi=100, metadata={"Software": None})  # no version string: the same input gives the same bytes


def s0_start(n):
    """S0's exact start: np.random.seed(1), Linear(1,3), Linear(3,1) (He-normal weights, biases U(0, 0.1)),
    then X = rand(n, 1); drawn from a local RandomState(1) in S0's order. S0 stores W as (out × in)."""
    rs = np.random.RandomState(1)
    W1, b1 = rs.randn(3, 1) * np.sqrt(2 / 1), rs.rand(3) / 10
    W2, b2 = rs.randn(1, 3) * np.sqrt(2 / 3), rs.rand(1) / 10
    X = rs.rand(n, 1)
    model = MLP([1, 3, 1], activation="relu", seed=0)
    for lin, W, b in zip(model.linears, (W1, W2), (b1, b2), strict=True):
        lin.W[:] = W.T
        lin.b[:] = b
    return model, X, 3 * np.sin(20 * X)


def r2(model, X, Y):
    """Coefficient of determination 1 − MSE/var(y)."""
    return 1 - float(np.mean((model(X) - Y) ** 2) / np.var(Y))


def s0_figures():
    model, X, Y = s0_start(100_000)
    h0 = fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.0110115), epochs=S0_EPOCHS, batch_size=1,
             shuffle=False)
    Xs, Ys = sin_s0(2000, seed=0)
    good = MLP([1, 64, 64, 1], activation="tanh", init="glorot", seed=0)
    h1 = fit(good, Xs, Ys, loss=MSELoss(), optimizer=Adam(good, lr=0.005), epochs=300, batch_size=64, seed=0)

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    plot_fit(a, X, Y, model, true_fn=TARGETS["sin_s0"], label="1-3-1 ReLU", max_points=600,
             title=f"S0's 1-3-1 ReLU net, per-sample SGD\n(S0's 100k points, {S0_EPOCHS} epochs; S0 ran 10)")
    a.text(0.02, 0.03, f"last-sample loss {h0.last_batch_loss[-1]:.2g}   MSE {h0.train_loss[-1]:.2f}   "
           f"R² {r2(model, X, Y):.2f}", transform=a.transAxes, fontsize=8,
           bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))
    plot_fit(b, Xs, Ys, good, true_fn=TARGETS["sin_s0"], label="1-64-64-1 tanh", max_points=600,
             title="1-64-64-1 tanh, Adam (lr 0.005, batch 64)\n(2000 points × 300 epochs)")
    b.text(0.02, 0.03, f"MSE {h1.train_loss[-1]:.2g}   R² {r2(good, Xs, Ys):.4f}", transform=b.transAxes,
           fontsize=8, bbox=dict(facecolor="white", edgecolor="none", alpha=0.85))
    for ax in (a, b):
        ax.set_xlabel("z")
        ax.set_ylim(-4.6, 4.6)
        ax.legend(loc="upper right", fontsize=8, ncol=3)
    fig.suptitle("Fitting 3·sin(20z) on [0, 1]", fontsize=11)
    fig.tight_layout()
    fig.savefig(OUT / "s0_sin_fit.png", **SAVE)
    plt.close(fig)

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    # What S0 prints is the loss of ONE sample (its last); the fit is judged by the mean over all samples.
    per_sample = ((model(X) - Y) ** 2).ravel()
    bins = np.logspace(-6, np.log10(per_sample.max()) + 0.05, 60)
    a.hist(np.maximum(per_sample, 1e-6), bins=bins, color=COLORS["sky"], alpha=0.8, label="loss of each sample")
    a.set_xscale("log")
    a.axvline(h0.last_batch_loss[-1], color=COLORS["purple"], lw=2,
              label=f"last-sample loss {h0.last_batch_loss[-1]:.2g} (S0 prints this)")
    a.axvline(h0.train_loss[-1], color=COLORS["blue"], lw=2, label=f"MSE over all points {h0.train_loss[-1]:.2f}")
    a.axvline(float(np.var(Y)), color=COLORS["black"], ls=":", lw=1.5,
              label=f"var(y) {np.var(Y):.2f}: predicting the mean")
    a.set_xlabel("squared error of one sample (log scale)")
    a.set_ylabel("number of samples")
    a.set_title("S0's 1-3-1 net after training: per-sample losses", fontsize=10)
    a.legend(loc="upper left", fontsize=7.5)
    plot_losses(b, h1, title="1-64-64-1 tanh with Adam: training loss")
    b.title.set_fontsize(10)
    b.axhline(0.01, ls=":", color=COLORS["black"], lw=1.2, label="MSE 0.01")
    b.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "s0_losses.png", **SAVE)
    plt.close(fig)
    return h0, h1, r2(model, X, Y), r2(good, Xs, Ys)


def s2_figures():
    (X, Y), (Xv, Yv) = sinc_s2_train_val(seed=0)
    model = MLP([1] + [50] * 9 + [1], activation="relu", init="sqrt2_glorot_normal", seed=0)
    # S2's update, W −= 0.01·Aᵀ(Ŷ − Y)/B, is SGD with lr 0.005 on mean((ŷ − y)²) (whose gradient has a 2).
    h = fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.005), epochs=1000, batch_size=20,
            val=(Xv, Yv), seed=0)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    plot_fit(a, X, Y, model, true_fn=TARGETS["sinc"], label="[1, 50×9, 1] ReLU",
             title="S2's network on noisy sinc (500 points, σ = 0.1)")
    a.set_ylim(-0.55, 1.35)
    a.legend(loc="upper right", fontsize=8)
    plot_losses(b, h, noise_floor=0.01, title="S2: SGD (S2's lr 0.01), batch 20, 1000 epochs")
    b.text(0.98, 0.62, f"final: train {h.train_loss[-1]:.4f}, validation {h.val_loss[-1]:.4f}",
           transform=b.transAxes, ha="right", fontsize=8)
    b.set_ylim(0.007, None)
    fig.tight_layout()
    fig.savefig(OUT / "s2_sinc_fit.png", **SAVE)
    plt.close(fig)

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    plot_grad_norms(a, h, layers=["W1", "W4", "W7", "W10"], smooth=20,
                    title="S2's network: ‖∇W_l‖ of the last batch per epoch\n(running mean over 20 epochs)")
    depth = np.arange(1, len(h.grad_norms) + 1)
    for epochs, color, label in ((slice(0, 10), COLORS["orange"], "epochs 1–10"),
                                 (slice(-100, None), COLORS["blue"], "last 100 epochs")):
        med = [np.median(norms[epochs]) for norms in h.grad_norms.values()]
        b.plot(depth, med, "o-", color=color, label=label)
    log_y(b)
    b.set_xticks(depth, [f"W{k}" for k in depth])
    b.set_xlabel("weight matrix (input side → output side)")
    b.set_ylabel("median gradient norm")
    b.set_title("Gradient norm across depth", fontsize=10)
    b.legend(fontsize=8)
    a.title.set_fontsize(10)
    a.set_ylim(top=0.45)
    a.legend(loc="upper center", ncol=4, fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "s2_grad_norms.png", **SAVE)
    plt.close(fig)
    return h, float(np.mean((Y - TARGETS["sinc"](X)) ** 2))


# The numbers README.md quotes next to these figures, as the figures print them. main() recomputes each one and
# stops if it no longer rounds to what the README says (then fix the README, or the figure).
README_NUMBERS = {
    "tanh R²": "0.9999",  # "a 1-64-64-1 tanh network fits it (R² 0.9999)": R² on its 2000 training points, .4f
    "S2 train MSE": "0.0089",  # "train MSE 0.0089 against the noise floor 0.01": after S2's 1000 epochs, .4f
}


def lab_figure(steps=3000):
    """The lab's own renderer (course_lib.lab.frame) on a Session trained with the default settings."""
    from course_lib.lab.frame import Frame
    from course_lib.lab.session import Session

    session = Session()
    session.train(steps)
    (OUT / "lab.png").write_bytes(Frame().render(session.snapshot()))
    return session


def main():
    start = time.perf_counter()
    use_style()
    OUT.mkdir(exist_ok=True)
    if sys.argv[1:] == ["lab"]:  # only the lab's picture (quick)
        lab_figure()
        return
    h0, h1, r2_s0, r2_tanh = s0_figures()
    print(f"S0 figures: 1-3-1 MSE {h0.train_loss[-1]:.2f}, R² {r2_s0:.2f} ({S0_EPOCHS} of S0's 10 epochs), "
          f"last-sample {h0.last_batch_loss[-1]:.3g}; tanh MSE {h1.train_loss[-1]:.4f}, R² {r2_tanh:.4f} "
          f"({time.perf_counter() - start:.0f} s)")
    h, floor_train = s2_figures()
    print(f"S2 figures: train {h.train_loss[-1]:.4f}, val {h.val_loss[-1]:.4f}, noise floor σ² = 0.01 "
          f"(on the training set {floor_train:.4f}) ({time.perf_counter() - start:.0f} s)")
    lab_figure()
    print(f"lab figure ({time.perf_counter() - start:.0f} s)")
    measured = {"tanh R²": f"{r2_tanh:.4f}", "S2 train MSE": f"{h.train_loss[-1]:.4f}"}
    for name, quoted in README_NUMBERS.items():
        assert measured[name] == quoted, f"README quotes {name} = {quoted}, the figure now gives {measured[name]}"
    assert r2_s0 < 0.3, f"S0's 1-3-1 net should stay near the mean (R² < 0.3), got {r2_s0:.2f}"
    assert floor_train < h.train_loss[-1] < 0.01, "S2's training MSE should end between its floor and σ² = 0.01"
    print("README numbers reproduced: " + ", ".join(f"{k} {v}" for k, v in measured.items()))
    for p in sorted(OUT.glob("*.png")):
        print(f"  {p.relative_to(OUT.parent)}  {p.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
