"""Teaching diagrams drawn by code: the pictures of the derivation, with every array's shape on them.

Used by notebooks 02 (the chain rule as a sum over paths, a batch as rows) and 05 (the delta recursion, the
row and column conventions side by side), 04 (the two-layer graph with every shape, and one sample of its worked
example on the computational graph with the computed values and gradients on it, `graph_with_numbers`), and
written to be reused by the other derivation notebooks. Each function takes the sizes to draw (so a notebook can draw
*its* network), returns a matplotlib Figure and never calls `plt.show()`. In Jupyter the figure shows itself
as a PNG; its `alt_text` attribute (also its text form) describes the picture with those sizes filled in.
Each docstring gives the same description in general form, which the notebook repeats under the picture for
readers who cannot see it.

Notation of the course (row-batch convention): X is (B, n_0), Z_l = A_{l−1} W_l + 1 b_lᵀ, A_l = f_l(Z_l),
Ŷ = A_D for a network of D weight layers, Δ_l = ∂L/∂Z_l, G_l = ∂L/∂A_l; a gradient has the shape of what it
differentiates.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from .plots import COLORS

FORWARD = COLORS["blue"]
BACKWARD = COLORS["vermillion"]
PARAM = COLORS["green"]
GRAD = COLORS["purple"]


def _shape(*dims) -> str:
    return "×".join(str(d) for d in dims)


def _check_sizes(name: str, **sizes):
    for key, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}: {key} must be a positive int, got {value!r}")


class Diagram(Figure):
    """A matplotlib Figure that shows itself in Jupyter as a PNG (whatever the plotting backend) and whose
    text form is its alt text, so the notebook's plain-text output describes the picture."""

    alt_text = ""

    def _repr_png_(self):
        buf = io.BytesIO()
        self.savefig(buf, format="png")
        return buf.getvalue()

    def __repr__(self) -> str:
        return f"[diagram] {self.alt_text}" if self.alt_text else super().__repr__()


def _new_figure(width: float, height: float):
    fig = Diagram(figsize=(width, height), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    return fig, ax


def _node(ax, x, y, label, shape=None, color=FORWARD, w=1.1, h=0.66, fontsize=14, fill=0.12):
    """A rounded box centred at (x, y) with a label and, below it inside the box, a shape."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=_tint(color, fill), edgecolor=color, lw=1.6))
    if shape is None:
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize)
    else:
        ax.text(x, y + 0.12, label, ha="center", va="center", fontsize=fontsize)
        ax.text(x, y - 0.18, shape, ha="center", va="center", fontsize=fontsize - 2.5, color="0.2")


def _arrow(ax, p, q, color, label=None, offset=(0.0, 0.12), fontsize=10, lw=1.5, rad=0.0, style="-|>", at=0.5):
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle=style, mutation_scale=13, color=color, lw=lw,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))
    if label:
        mx = p[0] + at * (q[0] - p[0]) + offset[0]
        my = p[1] + at * (q[1] - p[1]) + offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color=color,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5, alpha=0.9))


def _tint(color: str, amount: float):
    """`color` mixed with white: amount 0 is white, 1 is the colour."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (1 - amount + amount * r, 1 - amount + amount * g, 1 - amount + amount * b)


def figure_texts(fig) -> list[str]:
    """Every piece of text drawn on `fig` (used by the tests and handy for checking a figure's labels)."""
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


# ---- (a) the multivariable chain rule as a sum over paths ---------------------------------------------------


def chain_rule_paths(n_paths: int = 3) -> Figure:
    """One input x_j feeding `n_paths` intermediate variables z_1 … z_K, each feeding the scalar loss L.

    Alt text: "A graph with x_j on the left, K intermediate nodes z_1 … z_K in a column in the middle and
    the loss L on the right. An arrow from x_j to each z_k is labelled ∂z_k/∂x_j and an arrow from each z_k
    to L is labelled ∂L/∂z_k. One path is highlighted. The caption reads: a change in x_j reaches L along
    every path; multiply the local derivatives along a path and add the paths:
    ∂L/∂x_j = Σ_k ∂L/∂z_k · ∂z_k/∂x_j, the chain rule of notebook 02."
    """
    _check_sizes("chain_rule_paths", n_paths=n_paths)
    K = n_paths
    # the nodes drawn: all of them up to 4, else z_1, z_2, ⋮, z_K
    names = [str(k + 1) for k in range(K)] if K <= 4 else ["1", "2", None, "K"]
    S = len(names)
    height = max(3.4, 1.05 * S + 1.6)
    fig, ax = _new_figure(7.6, height)
    ys = [(S - 1) / 2 - k for k in range(S)] if S > 1 else [0.0]
    x_in, x_mid, x_out = 0.0, 3.0, 6.0
    _node(ax, x_in, 0, r"$x_j$", color=PARAM, w=0.8)
    _node(ax, x_out, 0, r"$L$", color=BACKWARD, w=0.8)
    for k, (y, sub) in enumerate(zip(ys, names, strict=True)):
        if sub is None:
            ax.text(x_mid, y, "⋮", ha="center", va="center", fontsize=16)
            continue
        hi = k == 0
        _node(ax, x_mid, y, f"$z_{{{sub}}}$", color=FORWARD, w=0.8, fill=0.35 if hi else 0.12)
        lw = 2.8 if hi else 1.3
        _arrow(ax, (x_in + 0.42, 0), (x_mid - 0.42, y), FORWARD, rf"$\partial z_{{{sub}}}/\partial x_j$",
               offset=(0, 0.2), lw=lw, fontsize=12.5, at=0.62)
        _arrow(ax, (x_mid + 0.42, y), (x_out - 0.42, 0), BACKWARD, rf"$\partial L/\partial z_{{{sub}}}$",
               offset=(0, 0.2), lw=lw, fontsize=12.5, at=0.38)
    top = ys[0] + 0.75
    ax.text(3.0, top, "a nudge in $x_j$ reaches $L$ along every path:", ha="center", va="bottom", fontsize=12.5)
    ax.text(3.0, ys[-1] - 0.75,
            r"$\dfrac{\partial L}{\partial x_j} = \sum_{k=1}^{K} \dfrac{\partial L}{\partial z_k}\,"
            r"\dfrac{\partial z_k}{\partial x_j}$   (product along a path, sum over paths)",
            ha="center", va="top", fontsize=13)
    ax.set_xlim(-0.7, 6.7)
    ax.set_ylim(ys[-1] - 1.55, top + 0.45)
    fig.alt_text = (f"x_j feeds {K} intermediate variables z_1 … z_{K}, each of which feeds the loss L; the "
                    "arrows carry the local derivatives ∂z_k/∂x_j and ∂L/∂z_k, one path is highlighted, and "
                    "the caption gives ∂L/∂x_j = Σ_k ∂L/∂z_k · ∂z_k/∂x_j.")
    return fig


# ---- (b) the computational graph of a two-layer network -----------------------------------------------------


def two_layer_graph(B: int = 4, n0: int = 3, n1: int = 5, n2: int = 2) -> Figure:
    """The forward and backward pass of a two-layer network, every array drawn with its shape.

    Alt text: "Top row, forward (blue arrows): X (B×n0) → Z1 = X W1 + 1b1ᵀ (B×n1) → A1 = f1(Z1) (B×n1) →
    Z2 = A1 W2 + 1b2ᵀ (B×n2) → Ŷ = f2(Z2) (B×n2) → L (scalar), with W1 (n0×n1), b1 (n1), W2 (n1×n2) and
    b2 (n2) feeding in from above. Bottom row, backward (red arrows, right to left): ∂L/∂Ŷ (B×n2) →
    Δ2 = ∂L/∂Ŷ ⊙ f2′(Z2) (B×n2) → G1 = Δ2 W2ᵀ (B×n1) → Δ1 = G1 ⊙ f1′(Z1) (B×n1). From Δ2 and Δ1, purple
    arrows branch down to the parameter gradients ∇W2 = A1ᵀΔ2 (n1×n2), ∇b2 = Δ2ᵀ1 (n2), ∇W1 = XᵀΔ1
    (n0×n1), ∇b1 = Δ1ᵀ1 (n1): each gradient has the shape of its parameter. Dotted lines join each cached
    forward array to the backward step that reads it: Z1 to Δ1, Z2 to Δ2, Ŷ to ∂L/∂Ŷ, A1 to ∇W2, X to ∇W1."
    """
    _check_sizes("two_layer_graph", B=B, n0=n0, n1=n1, n2=n2)
    fig, ax = _new_figure(12.0, 6.4)
    xs = {"X": 0.0, "Z1": 2.2, "A1": 4.4, "Z2": 6.6, "Y": 8.8, "L": 10.8}
    y_f, y_p, y_b, y_g = 2.6, 4.25, 0.85, -0.85
    w = 1.3
    fw = [("X", r"$X$", _shape(B, n0)), ("Z1", r"$Z_1$", _shape(B, n1)), ("A1", r"$A_1$", _shape(B, n1)),
          ("Z2", r"$Z_2$", _shape(B, n2)), ("Y", r"$\hat Y$", _shape(B, n2)), ("L", r"$L$", "scalar")]
    for key, label, shape in fw:
        _node(ax, xs[key], y_f, label, shape, FORWARD, w=w)
    ops = [r"$XW_1+\mathbf{1}b_1^\top$", r"$f_1(Z_1)$", r"$A_1W_2+\mathbf{1}b_2^\top$", r"$f_2(Z_2)$",
           r"loss$(\hat Y, T)$"]
    keys = list(xs)
    for (a, b), op in zip(zip(keys[:-1], keys[1:], strict=True), ops, strict=True):
        _arrow(ax, (xs[a] + w / 2, y_f), (xs[b] - w / 2, y_f), FORWARD, op, offset=(0, -0.62), fontsize=12)
    # parameters above the Linear steps
    for key, wl, bl, ws, bs in [("Z1", r"$W_1$", r"$b_1$", _shape(n0, n1), _shape(n1)),
                                ("Z2", r"$W_2$", r"$b_2$", _shape(n1, n2), _shape(n2))]:
        xw, xb = xs[key] - 1.45, xs[key] - 0.35
        _node(ax, xw, y_p, wl, ws, PARAM, w=0.95)
        _node(ax, xb, y_p, bl, bs, PARAM, w=0.75)
        _arrow(ax, (xw + 0.3, y_p - 0.31), (xs[key] - 0.35, y_f + 0.31), PARAM, lw=1.2)
        _arrow(ax, (xb + 0.1, y_p - 0.31), (xs[key] - 0.05, y_f + 0.31), PARAM, lw=1.2)
    _node(ax, xs["L"], y_p, r"$T$", _shape(B, n2), "#777777", w=0.85)
    _arrow(ax, (xs["L"], y_p - 0.31), (xs["L"], y_f + 0.31), "#777777", lw=1.2)
    # backward row
    bw = [("Y", r"$\partial L/\partial\hat Y$", _shape(B, n2)), ("Z2", r"$\Delta_2$", _shape(B, n2)),
          ("A1", r"$G_1$", _shape(B, n1)), ("Z1", r"$\Delta_1$", _shape(B, n1))]
    for key, label, shape in bw:
        _node(ax, xs[key], y_b, label, shape, BACKWARD, w=w + 0.1)
    _node(ax, xs["L"], y_b, r"$1$", r"$\partial L/\partial L$", BACKWARD, w=w)
    bops = [("L", "Y", "loss.grad"), ("Y", "Z2", r"$\odot f_2'(Z_2)$"), ("Z2", "A1", r"$\Delta_2 W_2^\top$"),
            ("A1", "Z1", r"$\odot f_1'(Z_1)$")]
    for a, b, op in bops:
        left = w / 2 + 0.05
        _arrow(ax, (xs[a] - left, y_b), (xs[b] + left, y_b), BACKWARD, op, offset=(0, 0.6), fontsize=12)
    # dotted: which cached forward array each backward step reads
    for key in ("Z1", "Z2", "Y"):  # Δ1 reads Z1 (f1'), Δ2 reads Z2 (f2'), loss.grad reads Ŷ
        ax.plot([xs[key], xs[key]], [y_f - 0.31, y_b + 0.31], ls=":", color="0.45", lw=1.3)
    x_w2 = xs["Z2"] - 0.95  # ∇W2 = A1ᵀΔ2 reads A1
    ax.plot([xs["A1"] + 0.6, x_w2 - 0.45], [y_f - 0.31, y_g + 0.31], ls=":", color="0.45", lw=1.3)
    x_w1 = xs["Z1"] - 0.95  # ∇W1 = XᵀΔ1 reads X
    ax.plot([xs["X"] - 0.4, xs["X"] - 0.4, x_w1 - 0.9], [y_f - 0.31, y_g, y_g], ls=":", color="0.45", lw=1.3)
    ax.text(xs["X"] + 0.45, y_b - 0.05, "dotted: the cached\nforward array that\na backward step reads",
            ha="center", va="center", fontsize=9.5, color="0.35")
    # parameter gradients
    grads = [("Z2", r"$\nabla W_2 = A_1^\top\Delta_2$", _shape(n1, n2), r"$\nabla b_2 = \Delta_2^\top\mathbf{1}$",
              _shape(n2)),
             ("Z1", r"$\nabla W_1 = X^\top\Delta_1$", _shape(n0, n1), r"$\nabla b_1 = \Delta_1^\top\mathbf{1}$",
              _shape(n1))]
    for key, wl, ws, bl, bs in grads:
        xw, xb = xs[key] - 0.95, xs[key] + 0.95
        _node(ax, xw, y_g, wl, ws, GRAD, w=1.8, fontsize=13)
        _node(ax, xb, y_g, bl, bs, GRAD, w=1.7, fontsize=13)
        _arrow(ax, (xs[key] - 0.2, y_b - 0.31), (xw + 0.3, y_g + 0.31), GRAD, lw=1.2)
        _arrow(ax, (xs[key] + 0.2, y_b - 0.31), (xb - 0.3, y_g + 0.31), GRAD, lw=1.2)
    ax.text(-0.7, y_f + 0.62, "forward →", color=FORWARD, fontsize=13, fontweight="bold", ha="left")
    ax.text(-0.7, y_b + 0.62, "← backward", color=BACKWARD, fontsize=13, fontweight="bold", ha="left")
    ax.text(10.3, y_g, f"B = {B} samples;\neach gradient has\nthe shape of its\nparameter", ha="center",
            va="center", fontsize=11, color=GRAD)
    ax.set_xlim(-0.9, 11.6)
    ax.set_ylim(y_g - 0.6, y_p + 0.55)
    fig.alt_text = (f"Forward: X ({_shape(B, n0)}) → Z1 ({_shape(B, n1)}) → A1 ({_shape(B, n1)}) → "
                    f"Z2 ({_shape(B, n2)}) → Ŷ ({_shape(B, n2)}) → L, with W1 ({_shape(n0, n1)}), b1 ({n1}), "
                    f"W2 ({_shape(n1, n2)}), b2 ({n2}) feeding in. Backward: ∂L/∂Ŷ → Δ2 → G1 = Δ2W2ᵀ → Δ1, "
                    f"with ∇W2 = A1ᵀΔ2 ({_shape(n1, n2)}), ∇b2 ({n2}), ∇W1 = XᵀΔ1 ({_shape(n0, n1)}), "
                    f"∇b1 ({n1}) branching off. Dotted lines: Δ1 reads Z1, Δ2 reads Z2, ∂L/∂Ŷ reads Ŷ, "
                    "∇W2 reads A1, ∇W1 reads X.")
    return fig


# ---- (c) the delta recursion, layer by layer ---------------------------------------------------------------


def delta_recursion(sizes=(3, 5, 4, 2), B: int = 8) -> Figure:
    """The backward recursion Δ_D → G_{D−1} → Δ_{D−1} → … → Δ_1 for a network with layer widths `sizes`.

    `sizes` = (n_0, n_1, …, n_D): D = len(sizes) − 1 weight layers.

    Alt text: "A row of boxes read from right to left. On the right, ∂L/∂Ŷ (B×n_D) becomes
    Δ_D = ∂L/∂Ŷ ⊙ f_D′(Z_D). Each step to the left alternates two operations: multiply by W_lᵀ on the right
    (Δ_l W_lᵀ = G_{l−1}, B×n_{l−1}), then multiply entry by entry with f′_{l−1}(Z_{l−1}) (giving Δ_{l−1},
    B×n_{l−1}). Below every Δ_l a purple box gives ∇W_l = A_{l−1}ᵀ Δ_l with shape n_{l−1}×n_l."
    """
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(f"delta_recursion: sizes must list at least n_0 and n_1, got {sizes!r}")
    _check_sizes("delta_recursion", B=B, **{f"n_{i}": n for i, n in enumerate(sizes)})
    D = len(sizes) - 1
    # boxes from left to right: Δ_1, G_1, Δ_2, G_2, …, Δ_D, ∂L/∂Ŷ
    boxes = []
    for l in range(1, D + 1):
        boxes.append(("delta", l))
        if l < D:
            boxes.append(("G", l))
    boxes.append(("dY", D))
    step = 1.75
    width = step * len(boxes) + 0.6
    fig, ax = _new_figure(max(7.0, 0.92 * width), 3.5)
    y, y_g = 1.0, -0.75
    for i, (kind, l) in enumerate(boxes):
        x = i * step
        if kind == "delta":
            _node(ax, x, y, rf"$\Delta_{{{l}}}$", _shape(B, sizes[l]), BACKWARD, w=1.15)
            _node(ax, x, y_g, rf"$\nabla W_{{{l}}}=A_{{{l - 1}}}^\top\Delta_{{{l}}}$", _shape(sizes[l - 1], sizes[l]),
                  GRAD, w=1.68, fontsize=12.5)
            _arrow(ax, (x, y - 0.31), (x, y_g + 0.31), GRAD, lw=1.2)
        elif kind == "G":
            _node(ax, x, y, rf"$G_{{{l}}}$", _shape(B, sizes[l]), BACKWARD, w=1.15, fill=0.05)
        else:
            _node(ax, x, y, r"$\partial L/\partial\hat Y$", _shape(B, sizes[D]), BACKWARD, w=1.3, fill=0.05)
    for i in range(len(boxes) - 1, 0, -1):
        kind, l = boxes[i]
        x0, x1 = i * step - 0.62, (i - 1) * step + 0.62
        if kind == "dY":
            op = rf"$\odot f_{{{D}}}'(Z_{{{D}}})$"
        elif kind == "G":
            op = rf"$\odot f_{{{l}}}'(Z_{{{l}}})$"
        else:  # Δ_l → G_{l−1}
            op = rf"$\cdot W_{{{l}}}^\top$"
        _arrow(ax, (x0, y), (x1, y), BACKWARD, op, offset=(0, 0.5), fontsize=13)
    ax.text(-0.6, y + 1.05, "backward: read right to left", color=BACKWARD, fontsize=12, ha="left",
            fontweight="bold")
    ax.text((len(boxes) - 1) * step + 0.7, y + 1.05,
            r"$\Delta_l = (\Delta_{l+1}W_{l+1}^\top)\odot f_l'(Z_l)$", ha="right", fontsize=13)
    ax.set_xlim(-1.0, (len(boxes) - 1) * step + 0.85)
    ax.set_ylim(y_g - 0.55, y + 1.45)
    fig.alt_text = (f"The delta recursion for widths {sizes} and B = {B}: from ∂L/∂Ŷ ({_shape(B, sizes[-1])}) "
                    "on the right, alternately ⊙ f′(Z_l) (giving Δ_l) and · W_lᵀ (giving G_{l−1}), down to "
                    f"Δ_1 ({_shape(B, sizes[1])}); under each Δ_l, ∇W_l = A_{{l−1}}ᵀΔ_l.")
    return fig


# ---- matrices as rectangles (for (d) and (e)) ----------------------------------------------------------------


def _matrix(ax, x, y, rows, cols, label, color, cell=0.32, row_colors=None, col_colors=None):
    """A rows×cols matrix drawn as a grid with its top-left corner at (x, y); label above, shape below."""
    for i in range(rows):
        for j in range(cols):
            face = _tint(color, 0.15)
            if row_colors is not None:
                face = _tint(row_colors[i % len(row_colors)], 0.45)
            if col_colors is not None:
                face = _tint(col_colors[j % len(col_colors)], 0.45)
            ax.add_patch(Rectangle((x + j * cell, y - (i + 1) * cell), cell, cell, facecolor=face,
                                   edgecolor="white", lw=1))
    ax.add_patch(Rectangle((x, y - rows * cell), cols * cell, rows * cell, fill=False, edgecolor=color, lw=1.6))
    cx = x + cols * cell / 2
    ax.text(cx, y + 0.12, label, ha="center", va="bottom", fontsize=12)
    ax.text(cx, y - rows * cell - 0.12, _shape(rows, cols), ha="center", va="top", fontsize=10, color="0.25")
    return x + cols * cell


def conventions_side_by_side(B: int = 4, n_in: int = 3, n_out: int = 2) -> Figure:
    """The same layer in the row-batch convention (the course's) and the column convention, drawn to scale.

    Alt text: "Left, row-batch convention: X (B×n_in) times W (n_in×n_out) equals Z (B×n_out), one sample per
    row. Right, column convention: W_col (n_out×n_in) times X_col (n_in×B) equals Z_col (n_out×B), one sample
    per column. Below: W_col = W_rowᵀ, X_col = Xᵀ, Z_col = Zᵀ, and every gradient is transposed with its
    array: ∇W_col = (∇W_row)ᵀ."
    """
    _check_sizes("conventions_side_by_side", B=B, n_in=n_in, n_out=n_out)
    cell = 0.36
    fig, ax = _new_figure(11.0, 4.2)
    samples = [COLORS[k] for k in ("blue", "orange", "green", "purple", "sky", "vermillion", "yellow")]
    top = 0.0
    # row convention
    x = 0.0
    ax.text(x, 1.1, "row-batch (course_lib): a sample per row", fontsize=12.5,
            fontweight="bold", color=FORWARD)
    x = _matrix(ax, x, top, B, n_in, r"$X$", FORWARD, cell, row_colors=samples)
    ax.text(x + 0.2, top - min(B, n_in) * cell / 2, "·", fontsize=18, ha="center", va="center")
    x = _matrix(ax, x + 0.4, top, n_in, n_out, r"$W^{\mathrm{row}}$", PARAM, cell)
    ax.text(x + 0.25, top - min(B, n_in) * cell / 2, "=", fontsize=16, ha="center", va="center")
    x_end_row = _matrix(ax, x + 0.5, top, B, n_out, r"$Z = XW$", FORWARD, cell, row_colors=samples)
    # column convention
    x0 = max(x_end_row + 1.2, 5.6)
    x = x0
    ax.text(x, 1.1, "column convention: a sample per column", fontsize=12.5,
            fontweight="bold", color=COLORS["orange"])
    x = _matrix(ax, x, top, n_out, n_in, r"$W^{\mathrm{col}}$", PARAM, cell)
    ax.text(x + 0.2, top - min(B, n_in) * cell / 2, "·", fontsize=18, ha="center", va="center")
    x = _matrix(ax, x + 0.4, top, n_in, B, r"$X^{\mathrm{col}}$", COLORS["orange"], cell, col_colors=samples)
    ax.text(x + 0.25, top - min(B, n_in) * cell / 2, "=", fontsize=16, ha="center", va="center")
    x_end = _matrix(ax, x + 0.5, top, n_out, B, r"$Z^{\mathrm{col}} = W^{\mathrm{col}}X^{\mathrm{col}}$",
                    COLORS["orange"], cell, col_colors=samples)
    depth = max(B, n_in, n_out) * cell
    ax.text((x_end) / 2, -depth - 0.75,
            r"$W^{\mathrm{col}} = (W^{\mathrm{row}})^\top,\quad X^{\mathrm{col}} = X^\top,\quad"
            r"Z^{\mathrm{col}} = Z^\top,\quad \nabla W^{\mathrm{col}} = (\nabla W^{\mathrm{row}})^\top$"
            "   (same numbers, transposed)",
            ha="center", va="top", fontsize=12)
    ax.text(x_end / 2, -depth - 1.35, "a colour is one sample: a row on the left, a column on the right",
            ha="center", va="top", fontsize=11, color="0.35")
    ax.set_xlim(-0.3, max(x_end + 0.3, 11.0))
    ax.set_ylim(-depth - 1.8, 1.6)
    fig.alt_text = (f"Row convention: X ({_shape(B, n_in)}) · W ({_shape(n_in, n_out)}) = Z ({_shape(B, n_out)}); "
                    f"column convention: W_col ({_shape(n_out, n_in)}) · X_col ({_shape(n_in, B)}) = "
                    f"Z_col ({_shape(n_out, B)}); W_col = W_rowᵀ and every array and gradient is transposed.")
    return fig


def batch_as_rows(B: int = 4, n_in: int = 3, n_out: int = 2) -> Figure:
    """A batch of B samples stacked as the rows of X, every row multiplied by the same W.

    Alt text: "X drawn as B coloured rows (one per sample, each of length n_in). The same W (n_in×n_out) sits
    in the middle. Z (B×n_out) has the same coloured rows: row r of Z is row r of X times W,
    z_rᵀ = x_rᵀ W. An arrow runs from each row of X through W to the same row of Z. Caption: the batch adds a
    dimension to X and Z, never to W."
    """
    _check_sizes("batch_as_rows", B=B, n_in=n_in, n_out=n_out)
    cell = 0.42
    samples = [COLORS[k] for k in ("blue", "orange", "green", "purple", "sky", "vermillion", "yellow")]
    fig, ax = _new_figure(8.6, max(3.4, 0.42 * B + 2.2))
    xX = 0.0
    x_after_X = _matrix(ax, xX, 0, B, n_in, r"$X$  (rows = samples)", FORWARD, cell, row_colors=samples)
    xW = x_after_X + 1.4
    x_after_W = _matrix(ax, xW, 0, n_in, n_out, r"$W$ (shared)", PARAM, cell)
    xZ = x_after_W + 1.4
    x_end = _matrix(ax, xZ, 0, B, n_out, r"$Z = XW$", FORWARD, cell, row_colors=samples)
    for r in range(B):
        yr = -(r + 0.5) * cell
        color = samples[r % len(samples)]
        _arrow(ax, (x_after_X + 0.05, yr), (xW - 0.05, -min(n_in, B) * cell / 2), color, lw=1.1, style="-")
        _arrow(ax, (x_after_W + 0.05, -min(n_in, B) * cell / 2), (xZ - 0.05, yr), color, lw=1.1)
    depth = max(B, n_in) * cell
    ax.text(x_end / 2, -depth - 0.55, r"row $r$ of $Z$ = (row $r$ of $X$) $\cdot\, W$:   "
            r"$\mathbf{z}_r^\top = \mathbf{x}_r^\top W$ for every sample $r = 1, \dots, B$",
            ha="center", va="top", fontsize=12)
    ax.text(x_end / 2, -depth - 1.15, f"B = {B}: the batch adds a dimension to X and Z, never to W",
            ha="center", va="top", fontsize=10, color="0.35")
    ax.set_xlim(-0.4, x_end + 0.4)
    ax.set_ylim(-depth - 1.6, 0.75)
    fig.alt_text = (f"X ({_shape(B, n_in)}) as {B} coloured rows, one per sample; each row goes through the same "
                    f"W ({_shape(n_in, n_out)}) to the same-coloured row of Z ({_shape(B, n_out)}): z_rᵀ = x_rᵀ W.")
    return fig


# ---- (f) one sample on the computational graph, with its numbers -------------------------------------------


def _num(v) -> str:
    """A number as drawn on the graph: up to 4 significant digits, no "-0"."""
    v = float(v)
    text = f"{v:.4g}"
    return "0" if text in ("-0", "0") else text


def _per_sample_pass(model, X, T, loss, sample):
    """Run course_lib's own forward and backward pass, layer by layer, on row `sample` of X alone.

    Works on a copy of `model` (the caller's gradients are left as they were). Returns the node values
    [X, Z_1, A_1, Z_2, Ŷ] (each 1×n), the gradients ∂ℓ/∂ of the same nodes, the loss ℓ of this sample,
    and the parameter gradients [(∇W_1, ∇b_1), (∇W_2, ∇b_2)] of ℓ.
    """
    from .network import MLP  # a local import: network does not depend on the diagrams

    net = MLP.from_config(model.get_config())
    for mine, theirs in zip(net.linears, model.linears, strict=True):
        mine.W[...] = theirs.W
        if theirs.b is not None:
            mine.b[...] = theirs.b
    A = X[sample : sample + 1].astype(float)
    values = [A]
    for layer in net.layers:  # Linear, activation, Linear, activation: Eq. (1.2)–(1.4)
        A = layer.forward(A)
        values.append(A)
    t = T[sample : sample + 1].astype(float)
    ell = float(loss(A, t))
    G = loss.grad(A, t)
    grads = [G]
    for layer in reversed(net.layers[1:]):  # the delta recursion, as in MLP.backward
        G = layer.backward(G)
        grads.append(G)
    grads.append(net.layers[0].backward(G, input_grad=True))
    grads.reverse()  # now aligned with values: ∂ℓ/∂X, ∂ℓ/∂Z_1, ∂ℓ/∂A_1, ∂ℓ/∂Z_2, ∂ℓ/∂Ŷ
    params = [(lin.W.copy(), None if lin.b is None else lin.b.copy(), lin.dW.copy(),
               None if lin.b is None else lin.db.copy()) for lin in net.linears]
    return values, grads, ell, params


def graph_with_numbers(model, X, T, loss, sample: int = 0) -> Figure:
    """One sample of a small two-layer network on its computational graph, with the real numbers on it.

    `model` is an `MLP([n_0, n_1, 1])` with n_0, n_1 ∈ {1, 2}; X is (B, n_0), T is (B, 1), `loss` a course_lib
    loss. Every number is computed by course_lib's own layers (forward, then backward) on row `sample` of X
    alone, on a copy of the model: nothing is typed in. Each node shows its value above it (blue) and the
    derivative of this sample's loss ℓ with respect to it below it (red); each weight and bias shows its value
    (green) and this sample's share of its gradient (purple). With a summed loss, L = Σ_r ℓ_r, so a node's
    red number is ∂L/∂(that entry) and a parameter's gradient is the sum of its purple numbers over the samples.

    Alt text (filled in with the numbers on the figure): "The computational graph of sample r: inputs, then
    the pre-activations (Z_1), the activations (A_1), the output Ŷ = Z_2 and the loss ℓ_r, left to right.
    Weighted edges carry the entries of W_1 and W_2, bias nodes feed each pre-activation. Every node lists
    its value and its gradient; every weight and bias lists its value and its gradient share."
    """
    sizes = list(getattr(model, "sizes", []))
    if len(sizes) != 3 or sizes[0] not in (1, 2) or sizes[1] not in (1, 2) or sizes[2] != 1:
        raise ValueError(f"graph_with_numbers: the model must be an MLP([n_0, n_1, 1]) with n_0 and n_1 in {{1, 2}} "
                         f"(a graph small enough to read), got sizes {sizes}")
    X = np.asarray(X, dtype=float)
    T = np.asarray(T, dtype=float)
    if X.ndim != 2 or X.shape[1] != sizes[0] or T.shape != (X.shape[0], 1):
        raise ValueError(f"graph_with_numbers: X must be (B, {sizes[0]}) and T (B, 1), got {X.shape} and {T.shape}")
    if not isinstance(sample, (int, np.integer)) or not 0 <= sample < X.shape[0]:
        raise ValueError(f"graph_with_numbers: sample must be a row index of X in [0, {X.shape[0] - 1}], "
                         f"got {sample!r}")
    values, grads, ell, params = _per_sample_pass(model, X, T, loss, int(sample))
    (W1, b1, dW1, db1), (W2, b2, dW2, db2) = params
    n0, n1 = sizes[0], sizes[1]
    r = int(sample) + 1  # samples are numbered from 1 in the text
    act = model.activations[0]

    fig, ax = _new_figure(12.5, 6.8)
    cols = {"x": 0.0, "z": 3.6, "a": 6.0, "y": 8.6, "l": 11.0}
    rows = {1: [0.0], 2: [1.15, -1.15]}
    w, h = 1.2, 0.55

    def node(x, y, label, value, grad, color=FORWARD):
        _node(ax, x, y, label, color=color, w=w, h=h, fontsize=12.5)
        ax.text(x, y + h / 2 + 0.08, _num(value), ha="center", va="bottom", fontsize=12, color=FORWARD,
                fontweight="bold")
        ax.text(x, y - h / 2 - 0.08, _num(grad), ha="center", va="top", fontsize=12, color=BACKWARD,
                fontweight="bold")

    def param_label(x, y, label, value, grad):
        ax.text(x, y + 0.03, f"{label} = {_num(value)}", ha="center", va="bottom", fontsize=10.5, color=PARAM,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.3, alpha=0.9))
        ax.text(x, y - 0.03, f"∇ {_num(grad)}", ha="center", va="top", fontsize=10.5, color=GRAD,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.3, alpha=0.9))

    X1, Z1, A1, Z2, Yh = (v[0] for v in values[:3] + values[3:5])
    gX, gZ1, gA1, gZ2, gY = (g[0] for g in grads[:5])
    # inputs and the first layer
    for i, yi in enumerate(rows[n0]):
        node(cols["x"], yi, f"$X_{{{r}{i + 1}}}$", X1[i], gX[i], color="#777777")
    for j, yj in enumerate(rows[n1]):
        node(cols["z"], yj, f"$(Z_1)_{{{r}{j + 1}}}$", Z1[j], gZ1[j])
        node(cols["a"], yj, f"$(A_1)_{{{r}{j + 1}}}$", A1[j], gA1[j])
        _arrow(ax, (cols["z"] + w / 2, yj), (cols["a"] - w / 2, yj), FORWARD, act, offset=(0, 0.2), fontsize=10.5)
        for i, yi in enumerate(rows[n0]):
            p, q = (cols["x"] + w / 2, yi), (cols["z"] - w / 2, yj)
            _arrow(ax, p, q, FORWARD, lw=1.2)
            at = 0.5 if yi == yj else 0.3
            param_label(p[0] + at * (q[0] - p[0]), p[1] + at * (q[1] - p[1]), f"$(W_1)_{{{i + 1}{j + 1}}}$",
                        W1[i, j], dW1[i, j])
        if b1 is not None:
            yb = yj + (1.05 if yj >= 0 else -1.05)
            xb = cols["z"] - 1.0
            _arrow(ax, (xb + 0.2, yb - np.sign(yb - yj) * 0.3), (cols["z"] - 0.2, yj + np.sign(yb - yj) * h / 2),
                   PARAM, lw=1.1)
            param_label(xb, yb, f"$(b_1)_{{{j + 1}}}$", b1[j], db1[j])
    # the output layer and the loss
    node(cols["y"], 0.0, rf"$\hat Y_{{{r}1}}$", Yh[0], gY[0])
    for j, yj in enumerate(rows[n1]):
        p, q = (cols["a"] + w / 2, yj), (cols["y"] - w / 2, 0.0)
        _arrow(ax, p, q, FORWARD, lw=1.2)
        param_label(p[0] + 0.5 * (q[0] - p[0]), p[1] + 0.5 * (q[1] - p[1]), f"$(W_2)_{{{j + 1}1}}$",
                    W2[j, 0], dW2[j, 0])
    if b2 is not None:
        _arrow(ax, (cols["y"], 1.5), (cols["y"], h / 2 + 0.42), PARAM, lw=1.1)
        param_label(cols["y"], 1.75, "$b_2$", b2[0], db2[0])
    node(cols["l"], 0.0, rf"$\ell_{{{r}}}$", ell, 1.0, color=BACKWARD)
    _arrow(ax, (cols["y"] + w / 2, 0.0), (cols["l"] - w / 2, 0.0), FORWARD, f"loss, t = {_num(T[sample, 0])}",
           offset=(0, 0.22), fontsize=10.5)
    ax.text(-0.6, 3.05, f"sample {r}: its value above each node, ∂L/∂(node) below it", fontsize=13, ha="left",
            color="0.15", fontweight="bold")
    ax.text(-0.6, 2.68, "blue (above): forward value    vermillion (below): gradient    green: parameter    "
            "purple: this sample's share of its gradient", fontsize=10.5, ha="left", color="0.3")
    ax.text(5.5, -2.75, f"{act} hidden layer, identity output ($\\hat Y = Z_2$); "
            r"with a summed loss $L = \sum_r \ell_r$, each parameter's gradient is the sum of its shares",
            ha="center", va="center", fontsize=10.5, color="0.3")
    ax.set_xlim(-0.9, 11.9)
    ax.set_ylim(-3.05, 3.35)

    def vec(v):
        return "(" + ", ".join(_num(x) for x in v) + ")"

    parts = [f"Sample {r} on the computational graph of a {n0}-{n1}-1 network ({act} hidden layer, identity "
             f"output); each node gives value and gradient ∂L/∂node.",
             f"Inputs (row {r} of X) = {vec(X1)}, gradient {vec(gX)}.",
             f"Pre-activations (row {r} of Z1) = {vec(Z1)}, gradient {vec(gZ1)}.",
             f"Activations (row {r} of A1) = {vec(A1)}, gradient {vec(gA1)}.",
             f"Output Ŷ = {_num(Yh[0])}, gradient {_num(gY[0])}; target T = {_num(T[sample, 0])}; "
             f"this sample's loss ℓ = {_num(ell)}, gradient 1.",
             "Weights on the edges, with this sample's gradient share: W1 = "
             + "; ".join(vec(row) for row in W1) + " with ∇ " + "; ".join(vec(row) for row in dW1)
             + ", W2 = " + vec(W2[:, 0]) + " with ∇ " + vec(dW2[:, 0]) + "."]
    if b1 is not None:
        parts.append(f"Biases b1 = {vec(b1)} with ∇ {vec(db1)}, b2 = {_num(b2[0])} with ∇ {_num(db2[0])}.")
    fig.alt_text = " ".join(parts)
    fig.numbers = {"values": values, "grads": grads, "loss": ell, "params": params}
    return fig


def chain_rule_with_numbers(x, z, loss, dz_dx, dL_dz) -> Figure:
    """A small chain-rule example x → z → L drawn with its numbers: values above the nodes, gradients below.

    x (n,), z (K,) and the scalar `loss` are the forward values; dz_dx (K, n) holds the local derivatives
    ∂z_k/∂x_j (row k, column j, numerator layout, Eq. 2.1) and dL_dz (K,) the local derivatives ∂L/∂z_k, all as
    computed by the caller. The gradients drawn below the nodes are computed here: ∂L/∂z = dL_dz, and
    ∂L/∂x = dz_dxᵀ dL_dz, the chain rule (2.2)/(2.3): each edge's local derivative times the gradient at its
    head, summed over the edges that leave a node. n and K are at most 3.

    Alt text (filled in with the numbers): "x_1 … x_n on the left, z_1 … z_K in the middle, L on the right;
    every node shows its value above and ∂L/∂(node) below; every edge shows its local derivative; the
    gradient of x_j is the sum over its edges of (local derivative × gradient of the node it feeds)."
    """
    x, z = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(z, dtype=float))
    dz_dx, dL_dz = np.asarray(dz_dx, dtype=float), np.atleast_1d(np.asarray(dL_dz, dtype=float))
    n, K = x.size, z.size
    if x.ndim != 1 or z.ndim != 1 or not (1 <= n <= 3 and 1 <= K <= 3):
        raise ValueError(f"chain_rule_with_numbers: x and z must be 1-D with 1 to 3 entries, got shapes {x.shape} "
                         f"and {z.shape}")
    if dz_dx.shape != (K, n) or dL_dz.shape != (K,):
        raise ValueError(f"chain_rule_with_numbers: dz_dx must be (K, n) = ({K}, {n}) and dL_dz ({K},), got "
                         f"{dz_dx.shape} and {dL_dz.shape}")
    grad_x = dz_dx.T @ dL_dz  # Eq. (2.3), right: a sum over the paths x_j → z_k → L
    fig, ax = _new_figure(9.0, 4.6)
    xs_, xz, xl = 0.0, 4.0, 8.0

    def ys(m):
        return [0.85 * (m - 1) - 1.7 * i for i in range(m)]

    w, h = 0.9, 0.55

    def node(cx, cy, label, value, grad, color):
        _node(ax, cx, cy, label, color=color, w=w, h=h, fontsize=14)
        ax.text(cx, cy + h / 2 + 0.07, _num(value), ha="center", va="bottom", fontsize=12.5, color=FORWARD,
                fontweight="bold")
        ax.text(cx, cy - h / 2 - 0.07, _num(grad), ha="center", va="top", fontsize=12.5, color=BACKWARD,
                fontweight="bold")

    for j, yj in enumerate(ys(n)):
        node(xs_, yj, f"$x_{{{j + 1}}}$", x[j], grad_x[j], PARAM)
    for k, yk in enumerate(ys(K)):
        node(xz, yk, f"$z_{{{k + 1}}}$", z[k], dL_dz[k], FORWARD)
        for j, yj in enumerate(ys(n)):
            p, q = (xs_ + w / 2, yj), (xz - w / 2, yk)
            at = 0.55 if yj == yk else 0.3
            _arrow(ax, p, q, "0.45", lw=1.2)
            ax.text(p[0] + at * (q[0] - p[0]), p[1] + at * (q[1] - p[1]) + 0.02,
                    rf"$\partial z_{{{k + 1}}}/\partial x_{{{j + 1}}}$ = {_num(dz_dx[k, j])}", ha="center",
                    va="bottom", fontsize=10.5, color="0.25",
                    bbox=dict(facecolor="white", edgecolor="none", pad=0.3, alpha=0.9))
        _arrow(ax, (xz + w / 2, yk), (xl - w / 2, 0.0), "0.45", lw=1.2)
        ax.text(xz + w / 2 + 0.55 * (xl - xz - w), yk + 0.55 * (0.0 - yk) + 0.02,
                rf"$\partial L/\partial z_{{{k + 1}}}$ = {_num(dL_dz[k])}", ha="center", va="bottom", fontsize=10.5,
                color="0.25", bbox=dict(facecolor="white", edgecolor="none", pad=0.3, alpha=0.9))
    node(xl, 0.0, "$L$", loss, 1.0, BACKWARD)
    top = max(ys(max(n, K))[0], 0.0)
    ax.text(-0.6, top + 1.05, "value above each node (blue), ∂L/∂(node) below it (vermillion), local derivative on "
            "each edge", fontsize=11, ha="left", color="0.25")
    bottom = min(ys(max(n, K))[-1], 0.0)
    ax.text(4.0, bottom - 0.95,
            r"$\partial L/\partial x_j = \sum_k \partial L/\partial z_k \cdot \partial z_k/\partial x_j$"
            ": multiply along each path, add the paths", ha="center", va="center", fontsize=11.5, color="0.2")
    ax.set_xlim(-0.7, 8.7)
    ax.set_ylim(bottom - 1.3, top + 1.4)

    def vec(v):
        return "(" + ", ".join(_num(t) for t in v) + ")"

    fig.alt_text = (f"x = {vec(x)} on the left feeds z = {vec(z)} in the middle, which feeds L = {_num(loss)} on the "
                    f"right. Local derivatives on the edges: ∂z_k/∂x_j = " + "; ".join(vec(r) for r in dz_dx)
                    + f" (row k), ∂L/∂z = {vec(dL_dz)}. Gradients below the nodes: ∂L/∂z = {vec(dL_dz)}, "
                    f"∂L/∂x = {vec(grad_x)}, each the sum over its paths.")
    fig.numbers = {"grad_x": grad_x, "grad_z": dL_dz.copy()}
    return fig
