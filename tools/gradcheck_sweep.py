"""Measure gradcheck's false-FAIL rate and its teeth on seeded random MLPs (`make sweeps`).

Usage: nice python tools/gradcheck_sweep.py [N]   (default N = 3000 networks; a few minutes on one core)

Two thirds of the networks are random (depth 1–6, widths 1–12, every activation, MSE or BCE-with-logits,
random init, non-zero biases, batch 1–9); one third are deep sigmoid networks (6–10 sigmoid layers of
width 2–6, Glorot init, sinc data), where gradients vanish, plus the deep sigmoid case that once gave false FAILs,
MLP([1, 8×9, 1], sigmoid) on sinc. course_lib's backward pass is correct (it matches autograd in
tests/library/test_gradients.py), so every FAIL verdict on these networks is a false FAIL.

Teeth: on every second network (both kinds) a bug is planted in one layer's backward pass: dW doubled, the sign of db
(or dW) flipped, W instead of Wᵀ in ∂L/∂A_prev (a square layer), or the activation's f'(Z) left out. A
planted bug that gradcheck passes is a miss. A plant that leaves the gradient unchanged (×2 on the exactly zero
gradient of a dead ReLU layer, say) or changes it by less than the noise floor (ROUNDING_FACTOR·ε·|L|/h) is
counted separately: no finite-difference check at this h can see it. Prints both rates and every false FAIL
and miss.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from course_lib import ACTIVATIONS, MLP, BCEWithLogitsLoss, MSELoss, gradcheck  # noqa: E402
from course_lib.data import make_dataset  # noqa: E402
from course_lib.gradcheck import EPS, ROUNDING_FACTOR  # noqa: E402

ACTS = sorted(ACTIVATIONS)
LOSSES = [MSELoss("mean"), MSELoss("sum"), BCEWithLogitsLoss("mean"), BCEWithLogitsLoss("sum")]
INITS = ["he", "glorot", "he_uniform", "glorot_uniform", "sqrt2_glorot_normal"]


def random_net(rng, seed):
    depth = int(rng.integers(1, 7))
    sizes = [int(n) for n in rng.integers(1, 13, size=depth + 1)]
    if depth >= 2 and rng.random() < 0.5:  # a square hidden layer, so a missing transpose can run
        k = int(rng.integers(1, depth))
        sizes[k + 1] = sizes[k] = max(sizes[k], 2)
    hidden = [ACTS[int(i)] for i in rng.integers(0, len(ACTS), size=depth - 1)]
    loss = LOSSES[int(rng.integers(0, len(LOSSES)))]
    out_act = "identity" if isinstance(loss, BCEWithLogitsLoss) else ACTS[int(rng.integers(0, len(ACTS)))]
    model = MLP(sizes, activation=hidden, output_activation=out_act, init=INITS[seed % 5], seed=seed)
    for lin in model.linears:
        lin.b[:] = rng.normal(0, 0.5, size=lin.b.shape)
    batch = int(rng.integers(1, 10))
    X = rng.normal(size=(batch, sizes[0]))
    T = rng.uniform(size=(batch, sizes[-1])) if isinstance(loss, BCEWithLogitsLoss) else rng.normal(
        size=(batch, sizes[-1]))
    return model, loss, X, T


def deep_sigmoid_net(rng, seed):
    depth, width = int(rng.integers(6, 11)), int(rng.integers(2, 7))
    model = MLP([1] + [width] * depth + [1], activation="sigmoid", init="glorot", seed=seed)
    X, T = make_dataset("sinc", int(rng.integers(4, 17)), noise=0.1, seed=seed)
    return model, MSELoss(), X, T


def plant(model, rng):
    """Plant one bug in one layer's backward pass (instance attribute); return its description."""
    lins, acts = model.linears, model.layers[1::2]
    square = [i for i, lin in enumerate(lins) if i > 0 and lin.W.shape[0] == lin.W.shape[1] > 1]
    curved = [i for i, a in enumerate(acts) if a.name != "identity"]
    kinds = ["dW ×2", "sign"] + (["W instead of Wᵀ"] if square else []) + (["no f'(Z)"] if curved else [])
    kind = kinds[int(rng.integers(0, len(kinds)))]
    if kind == "W instead of Wᵀ":
        i = square[int(rng.integers(0, len(square)))]
        lin = lins[i]
        orig = lin.backward

        def backward(Delta, lin=lin, orig=orig):
            orig(Delta)
            return Delta @ lin.W
    elif kind == "no f'(Z)":
        i = curved[int(rng.integers(0, len(curved)))]
        lin = acts[i]

        def backward(G):
            return G
    else:
        i = int(rng.integers(0, len(lins)))
        lin = lins[i]
        orig = lin.backward

        def backward(Delta, lin=lin, orig=orig, kind=kind):
            out = orig(Delta)
            if kind == "dW ×2":
                lin.dW *= 2.0
            elif lin.bias:
                lin.db *= -1.0
            else:
                lin.dW *= -1.0
            return out
    lin.backward = backward
    return f"{kind} in layer {i + 1}"


def main(n):
    t0 = time.time()
    seconds = {"random": 0.0, "deep sigmoid": 0.0, "reproducer": 0.0}
    false_fail, unchecked, noisy_rows, passed = [], [], 0, 0
    teeth_tried, misses, worst, no_effect, below_floor = 0, [], 0.0, 0, 0
    cases = [("reproducer", None)] + [("deep sigmoid" if s % 3 == 2 else "random", s) for s in range(n - 1)]
    for kind, seed in cases:
        if seed is None:
            X, T = make_dataset("sinc", 32, noise=0.1, seed=0)
            model, loss = MLP([1] + [8] * 9 + [1], activation="sigmoid", init="glorot", seed=0), MSELoss()
            seed = -1
        else:
            rng = np.random.default_rng(seed)
            model, loss, X, T = (deep_sigmoid_net if kind == "deep sigmoid" else random_net)(rng, seed)
        t1 = time.time()
        report = gradcheck(model, loss, X, T)
        seconds[kind] += time.time() - t1
        noisy_rows += sum(r.status == "ok within noise" for r in report.rows)
        scale = EPS * abs(loss(model.forward(X), T)) / report.h
        worst = max(worst, max((r.max_abs_diff / scale for r in report.rows if r.status != "NOT CHECKED"),
                               default=0.0))
        if report.failures():
            false_fail.append((seed, kind, repr(model), str(report)))
        elif report.not_checked():
            unchecked.append(seed)
        else:
            passed += 1
        if seed % 2 == 0:
            correct = [g.copy() for _, g in model.parameters()]
            what = plant(model, np.random.default_rng(10_000 + seed))
            model.backward(loss.grad(model.forward(X), T))
            effect = max(float(np.max(np.abs(g - c), initial=0.0)) for (_, g), c in zip(model.parameters(), correct))
            if effect <= 1e-12 * max(float(np.max(np.abs(c), initial=0.0)) for c in correct):
                no_effect += 1  # e.g. ×2 on the gradient of a dead ReLU layer, which is exactly 0
                continue
            if effect <= ROUNDING_FACTOR * scale:
                below_floor += 1  # the bug changes the gradient by less than the noise floor allows
                continue
            teeth_tried += 1
            bad = gradcheck(model, loss, X, T)
            if bad.passed:
                misses.append((seed, f"{what} (changes the gradient by {effect / scale:.0f} ε·|L|/h)", repr(model),
                               str(bad)))
    for seed, kind, model, report in false_fail:
        print(f"FALSE FAIL seed {seed} ({kind}) {model}\n{report}\n")
    for seed, what, model, report in misses:
        print(f"MISS seed {seed}: {what} in {model}\n{report}\n")
    print(f"networks: {len(cases)} ({sum(k == 'deep sigmoid' for k, _ in cases)} deep sigmoid), "
          f"{time.time() - t0:.0f} s (correct nets: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()) + ")")
    print(f"passed: {passed}; false FAIL: {len(false_fail)} ({len(false_fail) / len(cases):.2%}); "
          f"not checked (every entry of a parameter at a kink): {len(unchecked)}")
    print(f"parameters that passed only within the finite-difference noise: {noisy_rows}; largest "
          f"|analytic − numeric| on a correct gradient: {worst:.1f} ε·|L|/h (the floor allows {ROUNDING_FACTOR:g})")
    print(f"teeth: {teeth_tried - len(misses)} of {teeth_tried} planted bugs that change the gradient by more than "
          f"the noise floor failed ({(teeth_tried - len(misses)) / max(teeth_tried, 1):.2%}); misses: {len(misses)}")
    print(f"not counted: {no_effect} planted bugs that leave the gradient unchanged (a dead or saturated unit), "
          f"{below_floor} that change it by less than {ROUNDING_FACTOR:g} ε·|L|/h (below what finite differences "
          "at this h resolve)")
    return 1 if false_fail or misses else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
