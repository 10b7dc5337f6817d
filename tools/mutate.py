"""Plant one-line bugs in the library, one at a time, and check that the unit tests catch each of them.

Each mutant replaces one exact piece of one line (a flipped sign, a dropped factor, an off-by-one, a
transpose, validation run on the training data, …) in a scratch copy of `course_lib/` and `tests/`, then
runs the unit tests that cover that module, with a timeout. A mutant is "caught" when the tests fail.
Survivors that are consciously accepted carry their reason in ACCEPTED. Prints a table and the score, and
exits 1 when a bug survived or when a mutant could not be planted (its text is gone from the library, so the
score would silently cover less than the table lists).

Run: `make mutate` or `python tools/mutate.py [--only WORD] [--timeout SECONDS]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module → the test files that cover it (paths under tests/)
TESTS = {
    "layers": ["library/test_core.py", "library/test_gradients.py", "library/test_arguments.py"],
    "losses": ["library/test_core.py", "library/test_gradients.py", "library/test_arguments.py"],
    "network": ["library/test_core.py", "library/test_gradients.py", "library/test_arguments.py",
                "library/test_train.py"],
    "optim": ["library/test_optim.py", "library/test_arguments.py", "library/test_train.py"],
    "train": ["library/test_train.py", "library/test_arguments.py"],
    "graph": ["library/test_graph.py", "library/test_arguments.py"],
    "init": ["library/test_core.py"],
    "data": ["library/test_data.py", "library/test_train.py"],
    "lab/session": ["lab/test_widgets.py"],  # the lab's headless session
    "lab/config": ["lab/test_widgets.py", "library/test_properties.py"],  # the table of controls
    "lab/dashboard": ["lab/test_widgets.py"],
    "lab/pace": ["lab/test_widgets.py"],
    "lab/panel": ["lab/test_widgets.py"],
    "gradcheck": ["library/test_gradcheck.py", "library/test_gradients.py"],
    "io": ["library/test_io.py", "library/test_core.py"],
    "exercises/checking": ["exercises/test_checkers.py", "exercises/test_checkers_false_passes.py",
                           "exercises/test_checkers_hostile.py"],
}

# (module, what the bug is, exact text in the module, its replacement)
MUTANTS = [
    ("layers", "Linear forward drops the bias", "Z += self.b  # + 1 bᵀ", "pass"),
    (
        "layers",
        "∇W with a factor 2",
        "np.matmul(A_prev.T, Delta, out=self.dW)",
        "np.matmul(2 * A_prev.T, Delta, out=self.dW)",
    ),
    (
        "layers",
        "∇W from the transposed input rows (A_prev reversed)",
        "np.matmul(A_prev.T, Delta,",
        "np.matmul(A_prev[::-1].T, Delta,",
    ),
    (
        "layers",
        "∇b averaged over the batch (Δᵀ1/B)",
        "Delta.sum(axis=0, out=self.db)",
        "Delta.mean(axis=0, out=self.db)",
    ),
    ("layers", "∂L/∂A_prev with the sign flipped", "return Delta @ self.W.T", "return -Delta @ self.W.T"),
    ("layers", "ReLU'(0) = 1 (off by one at the kink)", "return (Z > 0).astype(np.float64)",
     "return (Z >= 0).astype(np.float64)"),
    ("layers", "sigmoid' = A(1 + A)", "return self._A * (1.0 - self._A)", "return self._A * (1.0 + self._A)"),
    ("layers", "tanh' = 1 − A", "return 1.0 - self._A * self._A", "return 1.0 - self._A"),
    (
        "layers",
        "LeakyReLU' = 0 for z <= 0",
        "return np.where(Z > 0, 1.0, self.negative_slope)",
        "return np.where(Z > 0, 1.0, 0.0)",
    ),
    ("layers", "stable sigmoid: branches swapped", "np.where(Z >= 0, 1.0, e)", "np.where(Z >= 0, e, 1.0)"),
    (
        "layers",
        "backward adds f' instead of multiplying",
        "return G * self.local_grad()",
        "return G + self.local_grad()",
    ),
    (
        "losses",
        "MSE gradient without the factor 2",
        'return 2.0 / R.size if self.reduction == "mean" else 2.0',
        'return 1.0 / R.size if self.reduction == "mean" else 2.0',
    ),
    (
        "losses",
        "sum-reduced MSE gradient without the factor 2",
        'R.size if self.reduction == "mean" else 2.0',
        'R.size if self.reduction == "mean" else 1.0',
    ),
    ("losses", "MSE value divided by n − 1", "return total / R.size if", "return total / (R.size - 1) if"),
    ("losses", "MSE residual T − Y", "R = Y - T  # the common case", "R = T - Y  # the common case"),
    ("losses", "BCE gradient uses the logit, not σ", "return s * (Sigmoid.fn(Z) - T)", "return s * (Z - T)"),
    (
        "losses",
        "BCE value: log(1 + e^(−z)) instead of the stable form",
        "np.log1p(np.exp(-np.abs(Z)))",
        "np.log1p(np.exp(-Z))",
    ),
    ("network", "MLP forward does not copy the caller's X", "return A.copy() if A is X else A", "return A"),
    (
        "network",
        "MLP forward returns the array the last activation keeps",
        "return A.copy() if self.layers[-1].reads_output else A",
        "return A",
    ),
    ("network", "parameter names in the wrong order", 'kinds = ("W", "b") if', 'kinds = ("b", "W") if'),
    ("network", "flat buffers not filled with the initial weights", "views[-1][0][...] = value", "pass"),
    ("network", "zero_grad leaves the gradients", "grad.fill(0.0)", "grad.fill(1.0)"),
    ("network", "backward skips the first activation", "reversed(self.layers[1:])", "reversed(self.layers[2:])"),
    (
        "network",
        "backward ignores input_grad=True",
        "backward(G, input_grad=input_grad)",
        "backward(G, input_grad=False)",
    ),
    ("layers", "the first layer computes ∂L/∂X when nobody asked", "        if input_grad:\n", "        if True:\n"),
    (
        "optim",
        "a loaded optimizer steps with its old state arrays",
        "        self._flat_slots = None  #",
        "        pass  #",
    ),
    ("optim", "SGD climbs the gradient", "value -= self.lr * g  # Eq. (6.1)", "value += self.lr * g  # Eq. (6.1)"),
    ("optim", "SGD momentum with dampening", "velocity *= self.momentum", "velocity *= 1 - self.momentum"),
    (
        "optim",
        "weight decay with the wrong sign",
        "grad + self.weight_decay * value",
        "grad - self.weight_decay * value",
    ),
    ("optim", "Adam without bias correction of m", "m_hat = m / (1.0 - b1**t)", "m_hat = m"),
    ("optim", "Adam second moment of g, not g²", "v += (1.0 - b2) * g * g", "v += (1.0 - b2) * g"),
    (
        "optim",
        "Adam step counter off by one",
        "t, (b1, b2) = self.steps, self.betas",
        "t, (b1, b2) = self.steps + 1, self.betas",
    ),
    (
        "optim",
        "state_dict shares its arrays with the optimizer",
        "[a.copy() for a in self._per_parameter(arrays)]",
        "list(self._per_parameter(arrays))",
    ),
    ("optim", "a grown model's stale state is used", "elif len(state[0]) != len(params):", "elif False:"),
    (
        "train",
        "val loss measured on the training set",
        "history.val_loss.append(evaluate(model, loss, *val))",
        "history.val_loss.append(evaluate(model, loss, X, Y))",
    ),
    (
        "train",
        "batch_loss_mean is the last batch's loss",
        "history.batch_loss_mean.append(math.fsum(losses) / len(losses))",
        "history.batch_loss_mean.append(losses[-1])",
    ),
    ("train", "grad norms squared", "math.sqrt(float(np.vdot(grad, grad)))", "float(np.vdot(grad, grad))"),
    ("train", "step count off by one per epoch", "history.steps += len(batches)", "history.steps += len(batches) - 1"),
    ("train", "shuffle=False ignored", "rng, shuffle=shuffle))", "rng, shuffle=True))"),
    (
        "train",
        "divergence names the step before the bad one",
        "step = history.steps + i + 1",
        "step = history.steps + i",
    ),
    ("train", "replay starts from the diverged model", "    checkpoint.restore()\n    last =", "    last ="),
    (
        "train",
        "train_step returns the loss after the update",
        "    return value\n\n\ndef fit(",
        "    return loss(model.forward(Xb), Yb)\n\n\ndef fit(",
    ),
    ("train", "a foreign optimizer is accepted", 'if getattr(optimizer, "model", model) is not model:', "if False:"),
    (
        "train",
        "a checked step does not undo a bad update",
        "    checkpoint.restore()\n    raise TrainingDiverged(f",
        "    raise TrainingDiverged(f",
    ),
    ("graph", "Graph forward drops the bias", "for u in node.parents) + node.b", "for u in node.parents)"),
    ("graph", "an output's consumers' gradients dropped", "G = G + node.loss.grad(", "G = 0 * G + node.loss.grad("),
    (
        "graph",
        "Graph ∇b from the first row only",
        "Delta[name].sum(axis=0, out=node.db)",
        "Delta[name][:1].sum(axis=0, out=node.db)",
    ),
    (
        "graph",
        "Graph forward returns the arrays backward reads",
        "return {name: A[name].copy() for",
        "return {name: A[name] for",
    ),
    (
        "graph",
        "parameter names of a layer's weights swapped (bias first)",
        'names.append(f"b[{name}]")\n',
        'names.insert(len(names) - len(node.parents), f"b[{name}]")\n',
    ),
    ("init", "He with variance 1/fan_in", "np.sqrt(2.0 / fan_in), size", "np.sqrt(1.0 / fan_in), size"),
    ("init", "Glorot with fan_in only", "np.sqrt(2.0 / (fan_in + fan_out))", "np.sqrt(2.0 / fan_in)"),
    (
        "data",
        "the last partial minibatch dropped",
        "for start in range(0, X.shape[0], batch_size):",
        "for start in range(0, X.shape[0] - batch_size + 1, batch_size):",
    ),
]

# The divergence guard, the gradient checker, save/load, and the exercise checkers' common mechanism.
MUTANTS += [
    ("optim", "SGD's weight decay with the wrong sign", "g = grad + self.weight_decay * value if",
     "g = grad - self.weight_decay * value if"),
    ("optim", "Adam's weight decay with the wrong sign", "g = g + self.weight_decay * value",
     "g = g - self.weight_decay * value"),
    ("train", "divergence guard: a partly non-finite array passes (any for all)",
     "or bool(np.isfinite(values).all())", "or bool(np.isfinite(values).any())"),
    ("gradcheck", "finite differences one-sided: (f(x+h) − f(x−h)) / h", "(f_plus - f_minus) / (2.0 * h)",
     "(f_plus - f_minus) / h"),
    ("gradcheck", "relative error without the norm of b", "max(np.linalg.norm(a) + np.linalg.norm(b), tiny)",
     "max(np.linalg.norm(a), tiny)"),
    ("gradcheck", "gradcheck passes at 100× its tolerance", "if err <= tol:", "if err <= 100 * tol:"),
    ("io", "save() writes the gradients, not the values",
     "could not rebuild\n    params = [value for value, _ in model.parameters()]",
     "could not rebuild\n    params = [grad for _, grad in model.parameters()]"),
    ("io", "save() accepts a model holding NaN or Inf", "    if not np.isfinite(value).all():\n        bad =",
     "    if not np.isfinite(value).any():\n        bad ="),
    ("exercises/checking", "checkers' default tolerance loosened to 1e-3",
     "fn, reference, cases, equation: str, tol: float = 1e-8,",
     "fn, reference, cases, equation: str, tol: float = 1e-3,"),
    ("exercises/checking", "check_array's default tolerance loosened to 1e-3",
     "answer, expected, equation: str, tol: float = 1e-8, *,",
     "answer, expected, equation: str, tol: float = 1e-3, *,"),
]

# The lab's headless session (course_lib/lab/session.py).
MUTANTS += [
    (
        "lab/session",
        "validation loss measured on the training points",
        "Yv = self._forward(self._eval_val[0])\n                if np.isfinite(Yv).all():\n"
        "                    va = self.loss(Yv, self._eval_val[1])",
        "Yv = self._forward(self._eval_train[0])\n                if np.isfinite(Yv).all():\n"
        "                    va = self.loss(Yv, self._eval_train[1])",
    ),
    ("lab/session", "gradient norms: chunk weighting dropped", "a += Xc.shape[0] * lin.dW", "a += lin.dW"),
    (
        "lab/session",
        "training loss: chunk weighting dropped",
        "total += loss(Yhat, Yc) * Xc.shape[0]",
        "total += loss(Yhat, Yc)",
    ),
    ("lab/session", "on-the-fly settings (lr, weight decay) never reach the optimizer",
     "setattr(self.optimizer, k, new[k])", "pass"),
    ("lab/session", "a changed batch size waits for the next epoch", "self._batches = None\n        return strongest",
     "return strongest"),
    ("lab/config", "changing the width keeps the old network", '"width", "int", (1, 128), 32, "Network", "reset"',
     '"width", "int", (1, 128), 32, "Network", "display"'),
    ("lab/config", "a value above its range is accepted", "if not low <= value <= high:", "if not low <= value:"),
    ("lab/panel", "a slider's range is not its row's", "return slider(value=value, min=low, max=high,",
     "return slider(value=value, min=low, max=high / 2,"),
    ("lab/dashboard", "a moved control is shown but never applied",
     "effect = self.session.set(**{k: config[k] for k in changes})", 'effect = "none"'),
    ("lab/dashboard", "a locked control is overwritten by a preset",
     "for k, v in config.items() if k not in self.hidden_controls}", "for k, v in config.items()}"),
    ("lab/pace", "a paced loop takes every step it ever owed (a burst after a stall)",
     "speed * MAX_CATCH_UP)", "math.inf)"),
    ("lab/session", "divergence not recorded", "self._diverge(value)\n                    break", "break"),
    ("lab/session", "activation spread: mean not squared", "s2 / counts - mean**2", "s2 / counts - mean"),
]

# Survivors we accept, with the reason (keyed by the bug's description).
ACCEPTED: dict[str, str] = {}


def run_tests(scratch: Path, files, timeout: float, show_failures: bool = False) -> tuple[str, float]:
    env = dict(os.environ, PYTHONPATH=str(scratch), OPENBLAS_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-x",
        "-q",
        "-m",
        "not browser",
        *[str(scratch / "tests" / f) for f in files],
    ]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=scratch, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "caught (timeout)", time.perf_counter() - start
    if done.returncode != 0 and show_failures:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
    return ("survived" if done.returncode == 0 else "caught"), time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only mutants whose module or description contains this")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant's test run")
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if args.only in m[0] or args.only in m[1]]
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        scratch = Path(tmp)
        shutil.copytree(ROOT / "course_lib", scratch / "course_lib")
        shutil.copytree(ROOT / "tests", scratch / "tests")
        shutil.copy(ROOT / "pyproject.toml", scratch / "pyproject.toml")  # rootdir, markers, tests/conftest.py
        shutil.copytree(ROOT / "notebooks", scratch / "notebooks")  # the exercise tests read the solutions there
        check = subprocess.run(
            [sys.executable, "-c", "import course_lib; print(course_lib.__file__)"],
            cwd=scratch,
            env=dict(os.environ, PYTHONPATH=str(scratch)),
            capture_output=True,
            text=True,
        )
        assert check.stdout.strip().startswith(str(scratch)), f"tests would not import the scratch copy: {check}"
        present = [m for m in mutants if (scratch / "course_lib" / f"{m[0]}.py").exists()]
        baseline = sorted({f for m in present for f in TESTS[m[0]] if (scratch / "tests" / f).exists()})
        if baseline:
            verdict, seconds = run_tests(scratch, baseline, args.timeout * 4, show_failures=True)
            if verdict != "survived":
                print("FAILED: the unit tests fail without any mutant (above): fix them first", file=sys.stderr)
                return 1
            print(f"unmutated: {len(baseline)} test files pass ({seconds:.0f} s)\n", flush=True)
        rows = []
        for module, what, old, new in mutants:
            path = scratch / "course_lib" / f"{module}.py"
            if not path.exists():
                rows.append((module, what, f"NOT PLANTED (no file course_lib/{module}.py)", 0.0))
                print(f"  {module:<8} {what:<62} NOT PLANTED: no such file", flush=True)
                continue
            text = path.read_text()
            count = text.count(old)
            if count != 1:
                rows.append((module, what, f"NOT PLANTED ({count} matches of its text)", 0.0))
                print(f"  {module:<8} {what:<62} NOT PLANTED: its text occurs {count} times", flush=True)
                continue
            path.write_text(text.replace(old, new))
            try:
                verdict, seconds = run_tests(scratch, TESTS[module], args.timeout)
            finally:
                path.write_text(text)
            if verdict == "survived" and what in ACCEPTED:
                verdict = f"accepted: {ACCEPTED[what]}"
            rows.append((module, what, verdict, seconds))
            print(f"  {module:<8} {what:<62} {verdict} ({seconds:.0f} s)", flush=True)
    unplanted = [r for r in rows if r[2].startswith("NOT PLANTED")]
    planted = [r for r in rows if r not in unplanted]
    caught = [r for r in planted if r[2].startswith("caught")]
    survived = [r for r in planted if r[2] == "survived"]
    print("\n| module | planted bug | result |\n|---|---|---|")
    for module, what, verdict, _ in rows:
        print(f"| {module} | {what} | {verdict} |")
    print(f"\ncaught {len(caught)} / planted {len(planted)} ({100 * len(caught) / max(len(planted), 1):.0f} %)"
          f"; {len(survived)} survived; {len(unplanted)} of {len(rows)} could not be planted")
    if unplanted:  # the library changed under a mutant: the run measured less than it claims, so it fails
        print("FAILED: a mutant whose text is no longer in the library must be updated or removed: "
              + "; ".join(f"{m}: {w}" for m, w, _, _ in unplanted), file=sys.stderr)
    if survived:
        print("FAILED: planted bugs the unit tests did not catch: " + "; ".join(f"{m}: {w}" for m, w, _, _ in survived),
              file=sys.stderr)
    return 1 if unplanted or survived else 0


if __name__ == "__main__":
    sys.exit(main())
