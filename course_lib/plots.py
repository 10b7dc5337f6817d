"""Plots for the course: one readable, colour-blind-safe style used by every notebook and figure.

The colours are the Okabe–Ito palette. Plots of fits, loss curves and gradient norms are used from
notebook 06 (training) on and for the fits of notebook 07. Every plotting function takes a matplotlib
`ax`, draws on it and returns it; none calls plt.show() (the notebook cell does).
"""

from __future__ import annotations

import numpy as np

from .checks import check_positive_int

# Okabe & Ito (2008), distinguishable with every common form of colour-vision deficiency.
COLORS = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
CYCLE = [COLORS[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]


def use_style():
    """Apply the course style to matplotlib (modest figure size and dpi, the palette, light grid)."""
    import matplotlib as mpl
    from matplotlib import cycler  # re-exported by matplotlib; cycler itself is not a direct dependency

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 80,
            "savefig.dpi": 100,
            "axes.prop_cycle": cycler(color=CYCLE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
        }
    )
    _describe_figures_in_ipython()


def describe_figure(fig) -> str:
    """A figure's alt text, read from the figure itself: per panel its title, axis labels, scales and legend.

    `use_style()` makes this the plain-text form of every matplotlib figure a notebook shows, so the text
    output under a plot says what it draws (and the course website uses it as the image's alt text)."""
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    panels = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        name = ax.get_title() or ax.get_title("left") or ax.get_title("right")
        what = []
        if ax.get_xlabel():
            what.append(f"x: {ax.get_xlabel()}" + (" (log)" if ax.get_xscale() == "log" else ""))
        if ax.get_ylabel():
            what.append(f"y: {ax.get_ylabel()}" + (" (log)" if ax.get_yscale() == "log" else ""))
        elif ax.get_yscale() == "log":
            what.append("log y")
        legend = ax.get_legend()
        labels = [t.get_text() for t in legend.get_texts()] if legend is not None else []
        if labels:
            what.append("curves: " + ", ".join(labels))
        elif ax.images:
            what.append("an image")
        if not (name or what):
            continue  # e.g. a colour bar or an empty helper axis
        panels.append((f"“{name}”" if name else "a panel") + (" — " + "; ".join(what) if what else ""))
    head = f"“{title}”: " if title else ""
    count = f"{len(panels)} panels" if len(panels) != 1 else "1 panel"
    return f"[figure] {head}{count}: " + " | ".join(panels) if panels else f"[figure] {head}".rstrip(": ")


def _describe_figures_in_ipython():
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:  # outside Jupyter there is nothing to register
        return
    shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["text/plain"]

    def printer(fig, p, cycle):
        p.text(describe_figure(fig))

    def register(*_):
        if formatter.type_printers.get(Figure) is not printer:
            formatter.for_type(Figure, printer)

    try:  # the inline backend's one-time set-up clears every figure formatter: let it run first
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:
        pass
    register()
    # Older matplotlib runs that set-up after the first cell instead: register again before every cell.
    callbacks = shell.events.callbacks["pre_run_cell"]
    callbacks[:] = [cb for cb in callbacks if getattr(cb, "__qualname__", "") != register.__qualname__]
    shell.events.register("pre_run_cell", register)


# ---- plots of fits and of training (notebooks 06 and 07) -------------------------------------------------


def log_y(ax):
    """Log-scale y axis; when the data span less than two decades, label the ticks as plain numbers (0.01,
    0.02, 0.05) instead of 2×10⁻², which reads badly."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    ys = [y for line in ax.lines for y in np.asarray(line.get_ydata(), dtype=float).ravel() if y > 0 and np.isfinite(y)]
    span = max(ys) / min(ys) if ys else np.inf
    if span >= 100:
        ax.yaxis.set_minor_formatter(NullFormatter())
        return
    keep = {1, 2, 3, 4, 5, 6, 7, 8, 9} if span < 3 else {2, 5}

    def minor(y, _):
        mantissa = int(round(y / 10 ** np.floor(np.log10(y) + 1e-9)))
        return f"{y:.3g}" if mantissa in keep else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:.3g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))

def _samples(values, what) -> np.ndarray:
    """`values` as a flat float64 array of finite numbers, or a ValueError naming `what` and the first bad entry."""
    try:
        flat = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as err:
        raise ValueError(f"plot_fit: {what} must be an array of numbers, got {type(values).__name__}: {err}") from None
    bad = ~np.isfinite(flat)
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(
            f"plot_fit: {what} contains {int(bad.sum())} non-finite value(s) (NaN or Inf); the first is at index "
            f"{first}: {flat[first]}. Drop those samples first, e.g. keep = np.isfinite(X).ravel() & "
            f"np.isfinite(Y).ravel(); plot_fit(ax, X[keep], Y[keep], …)"
        )
    return flat


def _predict(model, grid, what):
    """Values of a model (anything with .forward) or a function of an (n, 1) array on the grid, as a flat array.

    The grid is finite (plot_fit checked X and x_range), so a non-finite value here is the model's own."""
    fn = model.forward if hasattr(model, "forward") else model
    if not callable(fn):
        raise ValueError(f"plot_fit: the {what} must be a model (with forward) or a function of an (n, 1) array, "
                         f"got {model!r}")
    n = grid.size
    try:
        out = fn(grid.reshape(-1, 1))
    except (TypeError, ValueError) as err:
        raise ValueError(f"plot_fit evaluates the {what} on a grid of shape ({n}, 1) (one x per row), and it "
                         f"refused: {err}") from err
    try:
        out = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"plot_fit: the {what}'s output must be an array of numbers, got "
                         f"{type(out).__name__}: {err}") from None
    if out.size != n:
        raise ValueError(f"plot_fit draws one output per x: the {what}'s output for the ({n}, 1) grid has shape "
                         f"{out.shape}; expected ({n}, 1) or ({n},)")
    out = out.reshape(-1)
    bad = ~np.isfinite(out)
    if bad.any():
        first = int(np.argmax(bad))
        hint = " (did training diverge? check its parameters with np.isfinite)" if what == "model" else ""
        raise ValueError(
            f"plot_fit: the {what}'s output is NaN or Inf at {int(bad.sum())} of {n} grid points (the first at "
            f"x = {grid[first]:.4g}: {out[first]}). The grid and the data are finite, so the {what} itself "
            f"produces non-finite values{hint}"
        )
    return out


def plot_fit(ax, X, Y, model=None, true_fn=None, *, x_range=None, n_grid=500, max_points=1500, seed=0,
             label="network", title=None):
    """Draw the data (X, Y) as dots, the true function (dashed black) and the model's prediction on a grid.

    ax:          a matplotlib Axes; returned, so calls can be chained.
    X, Y:        the (noisy) samples, shape (n, 1) or (n,), finite. At most `max_points` of them are drawn (a
                 seeded random subset, so figures stay light and reproducible). Empty only with x_range.
    model:       a trained model (anything with forward(X)) or a function of an (n, 1) array; None to skip.
    true_fn:     the noise-free function, e.g. course_lib.data.TARGETS["sinc"]; None to skip.
    x_range:     (low, high) of the grid; default: the range of X.
    Raises ValueError naming the culprit for non-finite X or Y, NaN/Inf from the model or true_fn, or a
    model output that is not one value per x.
    """
    x = _samples(X, "X")
    y = _samples(Y, "Y")
    if x.shape != y.shape:
        raise ValueError(f"plot_fit: X and Y must hold the same number of samples, got {x.size} and {y.size}")
    n_grid = check_positive_int(n_grid, "plot_fit: n_grid")
    max_points = check_positive_int(max_points, "plot_fit: max_points")
    if x_range is None:
        if x.size == 0:
            raise ValueError("plot_fit: X is empty (0 samples), so there is no range for the grid; "
                             "pass x_range=(low, high)")
        low, high = float(x.min()), float(x.max())
    else:
        try:
            low, high = (float(v) for v in x_range)
        except (TypeError, ValueError):
            raise ValueError(f"plot_fit: x_range must be two numbers (low, high), got {x_range!r}") from None
        if not (np.isfinite(low) and np.isfinite(high) and low <= high):
            raise ValueError(f"plot_fit: x_range must be finite with low <= high, got {x_range!r}")
    grid = np.linspace(low, high, n_grid)
    if x.size > max_points:
        keep = np.random.default_rng(seed).choice(x.size, size=max_points, replace=False)
        x, y = x[keep], y[keep]
    ax.plot(x, y, "o", ms=2.5, color=COLORS["sky"], alpha=0.5, label="data", zorder=1)
    if true_fn is not None:
        ax.plot(grid, _predict(lambda g: true_fn(g.reshape(-1)), grid, "true function"), "--",
                color=COLORS["black"], lw=1.5, label="true function", zorder=2)
    if model is not None:
        ax.plot(grid, _predict(model, grid, "model"), "-", color=COLORS["vermillion"], lw=2, label=label, zorder=3)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def _history(history, fn):
    if not hasattr(history, "train_loss") or not hasattr(history, "grad_norms"):
        raise ValueError(f"{fn} needs a course_lib.train.History (what fit returns, with train_loss and "
                         f"grad_norms), got {type(history).__name__}")
    return history


def plot_losses(ax, history, *, last_batch=False, noise_floor=None, title=None):
    """Loss per epoch on a log scale: training loss (whole set), validation loss if recorded.

    history:      a course_lib.train.History.
    last_batch:   also draw the loss of each epoch's last batch (S0's "last-sample loss") as faint dots.
    noise_floor:  draw a dotted horizontal line at this loss (e.g. σ² for data with Gaussian noise σ).
    Returns ax.
    """
    history = _history(history, "plot_losses")
    epochs = np.arange(1, len(history.train_loss) + 1)
    if last_batch and history.last_batch_loss:
        ax.plot(epochs, history.last_batch_loss, ".", color=COLORS["purple"], ms=4, alpha=0.8,
                label="last-batch loss")
    ax.plot(epochs, history.train_loss, "-", color=COLORS["blue"], lw=1.8, label="training loss")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, "-", color=COLORS["orange"], lw=1.8, label="validation loss")
    if noise_floor is not None:
        ax.axhline(noise_floor, ls=":", color=COLORS["black"], lw=1.2, label=f"noise floor {noise_floor:g}")
    log_y(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_grad_norms(ax, history, *, layers=None, smooth: int = 1, title=None):
    """Gradient norm ‖∇W_l‖_F per weight matrix and epoch on a log scale (History.grad_norms), one line per layer.

    layers:  names to draw (e.g. ["W1", "W5", "W10"]); default all.
    smooth:  draw the running mean over this many epochs (the norms of single minibatches are noisy);
             the first point is at epoch `smooth`.
    Layers take the Okabe–Ito colours in order; beyond seven layers the colours repeat with a dashed line.
    Returns ax.
    """
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1:
        raise ValueError(f"smooth must be a positive integer (a number of epochs), got {smooth!r}")
    history = _history(history, "plot_grad_norms")
    names = list(history.grad_norms) if layers is None else list(layers)
    unknown = [n for n in names if n not in history.grad_norms]
    if unknown:
        raise ValueError(f"no gradient norms recorded for {unknown}; History has {list(history.grad_norms)}")
    colors = [c for c in CYCLE if c not in (COLORS["yellow"],)]  # yellow is too faint on white for lines
    for k, name in enumerate(names):
        norms = np.asarray(history.grad_norms[name], dtype=np.float64)
        if smooth > 1:
            norms = np.convolve(norms, np.ones(smooth) / smooth, mode="valid")
        epochs = np.arange(smooth, smooth + len(norms))
        style = "-" if k < len(colors) else "--"
        ax.plot(epochs, norms, style, color=colors[k % len(colors)], lw=1.5, label=f"‖∇{name}‖")
    log_y(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("gradient norm (Frobenius)")
    ax.legend(loc="best", fontsize=7, ncol=2 if len(names) > 5 else 1)
    if title:
        ax.set_title(title)
    return ax
