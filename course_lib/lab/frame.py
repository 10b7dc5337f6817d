"""Drawing one frame of the lab from a `Snapshot`: one reused matplotlib Agg figure, six views, PNG bytes.

`Frame(scale=1.0, font_scale=1.0).render(snapshot) -> bytes` never calls the model: everything it draws is
in the snapshot (course_lib.lab.session). The six views:

    fit (data, true function, prediction)   | loss (train, validation; log)  | the network (weights)
    last hidden layer's units' outputs      | gradient RMS per layer (log)   | signal: std of A_l (log)

Speed: the figure is made once. Everything that changes every frame is an "animated" artist; a full draw
(ticks, labels, data points) leaves them out and is cached as the background; a frame restores the
background, draws only the animated artists and encodes the PNG. Axis limits snap to coarse values
(decades; 1-1.5-2-3-5-7 steps), so they rarely move; when one does, only that panel is drawn again: each panel
owns a cell of the picture (its ticks, labels, title and legend inside), the cell is cleared and the panel
redrawn into the cached background (about a fifth of a full draw, same pixels). A full draw happens after a
reset, a new data set or architecture, or when a panel's labels would leave its cell. In the dashboard's live
frames (`draw(snapshot, live=True)`) the network's weight lines, the costliest artist and a slow one, are
drawn at most every EDGE_REFRESH seconds and otherwise come from a cached copy of the background with them.
`draw(snapshot)` returns the pixels; `encode_png` and `encode_jpeg` turn them into a file (the dashboard
encodes its live frames as JPEG in a worker thread while the next steps train); `render(snapshot)` is
`encode_png(draw(snapshot))`; `picture(snapshot)` is that PNG with a description, for a notebook (a `Picture`,
whose text form "[figure] the lab after N steps: …" is the picture's alt text on the course website).

Projector: `scale` multiplies the pixel size (the dpi), so text grows with the picture and stays sharp;
`font_scale` enlarges the text further. The default picture is 832×480 pixels; scale=2 gives 1664×960.
"""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np

from ..plots import COLORS
from .config import LabConfigError

__all__ = ["Frame", "Picture", "encode_png", "encode_jpeg", "FIGSIZE", "BASE_DPI"]

FIGSIZE = (10.4, 6.0)  # inches
BASE_DPI = 80
EDGE_REFRESH = 0.25  # seconds between redraws of the network's weight lines in live frames
POSITIVE, NEGATIVE = COLORS["blue"], COLORS["orange"]  # the network view: weight signs (colour-blind safe)


def _scale_arg(name, value, low, high):
    """A finite number in [low, high] or LabConfigError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise LabConfigError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


class Frame:
    """One figure for a dashboard's whole life (see the module docstring).

    Attributes: `size` (width, height) in pixels; `full_redraws` and `panel_redraws` (how many full draws and
    single-panel redraws so far).
    """

    def __init__(self, scale: float = 1.0, font_scale: float = 1.0):
        """See the class docstring."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.scale = _scale_arg("scale", scale, 0.5, 3.0)
        self.font_scale = _scale_arg("font_scale", font_scale, 0.5, 3.0)
        dpi = BASE_DPI * self.scale
        self.size = (int(round(FIGSIZE[0] * dpi)), int(round(FIGSIZE[1] * dpi)))
        fig = Figure(figsize=FIGSIZE, dpi=dpi)
        self.canvas = FigureCanvasAgg(fig)
        self.figure = fig
        self.full_redraws = 0
        self.panel_redraws = 0
        self._background = None
        self._with_edges = None  # the background with the weight lines last drawn by a live frame
        self._edges_at = 0.0
        self._stale = set()  # panels whose axis limits or labels changed since the background was drawn
        self._cells = None  # {axes: (x0, row0, x1, row1)} in buffer pixels (rows from the top), after a full draw
        self._limits = {}
        self._key = None
        self._build()

    # ----- building -----------------------------------------------------------------------------------
    def _fs(self, points):
        """A font size in points, times font_scale."""
        return points * self.font_scale

    def _build(self):
        """The six axes and every artist the frames update."""
        fig, fs = self.figure, self._fs
        f = self.font_scale
        fig.subplots_adjust(left=0.06 * f ** 0.5, right=0.99, bottom=0.09 * f ** 0.5, top=0.93 - 0.02 * (f - 1),
                            wspace=0.28 * f, hspace=0.45 * f)
        axes = fig.subplots(2, 3)
        (self.ax_fit, self.ax_loss, self.ax_net), (self.ax_hidden, self.ax_grad, self.ax_act) = axes
        self._grid = [list(row) for row in axes]  # the panels as laid out: two rows of three
        for ax in axes.flat:
            ax.grid(True, alpha=0.3)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.tick_params(labelsize=fs(8.5))
        ax = self.ax_fit
        (self.l_train_pts,) = ax.plot([], [], "o", ms=2.5, color=COLORS["sky"], alpha=0.6, label="train")
        (self.l_val_pts,) = ax.plot([], [], "o", ms=2.5, color=COLORS["orange"], alpha=0.8, label="validation")
        (self.l_true,) = ax.plot([], [], "-", lw=1.5, color=COLORS["black"], alpha=0.7, label="true")
        (self.l_pred,) = ax.plot([], [], "-", lw=2.2, color=COLORS["vermillion"], label="prediction")
        self._legend(ax, loc="upper right", ncol=2, handlelength=1.2, columnspacing=0.8)
        ax.set_xlabel("x", fontsize=fs(8), labelpad=1)

        ax = self.ax_loss
        ax.set_title("loss (MSE, log scale)", fontsize=fs(11))
        _plain_log_axis(ax)
        _step_axis(ax)
        (self.l_loss_tr,) = ax.plot([], [], "-", lw=1.5, color=COLORS["blue"], label="train")
        (self.l_loss_val,) = ax.plot([], [], "-", lw=1.5, color=COLORS["orange"], label="validation")
        (self.l_loss_tr_now,) = ax.plot([], [], "o", ms=4, color=COLORS["blue"])  # the latest points, visible
        (self.l_loss_val_now,) = ax.plot([], [], "o", ms=4, color=COLORS["orange"])  # even at step 0
        self.l_diverged = ax.axvline(0.0, color=COLORS["vermillion"], lw=2, ls="--", visible=False)
        self.t_diverged = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                                  fontsize=fs(11), color=COLORS["vermillion"], fontweight="bold")
        self._legend(ax, loc="upper right")
        ax.set_xlabel("step", fontsize=fs(8), labelpad=1)

        ax = self.ax_net
        ax.set_axis_off()
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylim(-0.08, 1.08)
        from matplotlib.collections import LineCollection

        self.c_edges = LineCollection([], linewidths=0.5, capstyle="round")
        ax.add_collection(self.c_edges)
        (self.l_nodes,) = ax.plot([], [], "o", ms=4.5, color="0.25", zorder=3)
        self.t_net_note = ax.text(0.5, -0.08, "", transform=ax.transAxes, ha="center", va="top", fontsize=fs(7.5),
                                  color="0.35")

        ax = self.ax_hidden
        colors = [COLORS[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow")] + ["0.3"]
        self._hidden_colors = colors
        # one collection for the (up to 8) units' curves: one draw call a frame instead of eight
        self.c_hidden = LineCollection([], linewidths=1.2)
        ax.add_collection(self.c_hidden)
        self.t_hidden_note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                                     fontsize=fs(9), color="0.4")
        ax.set_xlabel("x", fontsize=fs(8), labelpad=1)

        ax = self.ax_grad
        ax.set_title("gradient RMS per entry of ∇W_l", fontsize=fs(11))
        _plain_log_axis(ax)
        (self.l_grad0,) = ax.plot([], [], "o--", ms=3, lw=1, color="0.6", label="step 0")
        (self.l_grad,) = ax.plot([], [], "o-", ms=4, lw=1.8, color=COLORS["green"], label="now")
        self._legend(ax, loc="lower right")
        ax.set_xlabel("layer l (1 = first)", fontsize=fs(8), labelpad=1)

        ax = self.ax_act
        ax.set_title("signal: std of A_l (hidden layers)", fontsize=fs(11))
        _plain_log_axis(ax)
        (self.l_act0,) = ax.plot([], [], "o--", ms=3, lw=1, color="0.6", label="step 0")
        (self.l_act,) = ax.plot([], [], "o-", ms=4, lw=1.8, color=COLORS["purple"], label="now")
        self._legend(ax, loc="lower right")
        ax.set_xlabel("hidden layer l", fontsize=fs(8), labelpad=1)

        self._animated = [self.l_pred, self.l_loss_tr, self.l_loss_val, self.l_loss_tr_now, self.l_loss_val_now,
                          self.l_diverged, self.t_diverged, self.c_edges, self.l_grad, self.l_act, self.c_hidden]
        for artist in self._animated:
            artist.set_animated(True)

    def _legend(self, ax, **kwargs):
        """A frameless legend in 7.5-point type (times font_scale), made smaller until it fits inside its panel:
        large fonts must not push it off the picture or over a neighbour (its labels never change)."""
        renderer = self.canvas.get_renderer()

        def width_at(size):
            return ax.legend(fontsize=size, frameon=False, **kwargs).get_window_extent(renderer).width

        _shrink_to_fit(self._fs(7.5), 0.95 * ax.bbox.width, width_at)
        return ax.get_legend()

    def _setup(self, s):
        """The static parts for a new data set or architecture (data points, true function, node positions)."""
        fs = self._fs
        L = len(s.sizes) - 1
        self.ax_grad.set_xlim(0.5, L + 0.5)
        self.ax_grad.set_xticks(range(1, L + 1))
        self.l_grad0.set_data(np.arange(1, L + 1), _positive_or_nan(s.grad_rms0))
        self.ax_act.set_xlim(0.5, max(L - 1, 1) + 0.5)
        self.ax_act.set_xticks(range(1, L))
        self.l_act0.set_data(np.arange(1, L), _positive_or_nan(s.act_std0))
        self.l_train_pts.set_data(s.x_train, s.y_train)
        self.l_val_pts.set_data(s.x_val, s.y_val)
        self.l_true.set_data(s.grid, s.truth)
        lo, hi = s.x_range
        ys = np.concatenate([s.y_train, s.truth])
        pad = 0.1 * (ys.max() - ys.min() + 1e-9)
        self.ax_fit.set_xlim(lo, hi)
        self.ax_fit.set_ylim(ys.min() - pad, ys.max() + 3 * pad)  # fixed: a wild prediction leaves the frame
        self.ax_fit.set_title(f"fit: {s.title}", fontsize=fs(11))
        self.ax_hidden.set_xlim(lo, hi)
        shown = min(s.hidden_width, len(self._hidden_colors))
        self.ax_hidden.set_title(f"last hidden layer: {shown} of {s.hidden_width} units", fontsize=fs(11))
        # the network: one column of nodes per layer; a node stands for a group of units when a layer is wide
        cols = len(s.sizes)
        self._node_xy = []
        xs, ys_ = [], []
        for i, groups in enumerate(s.groups):
            x = i / (cols - 1)
            k = len(groups)
            if k > 3:
                y = np.linspace(0.0, 1.0, k)
            else:  # one to three nodes: near the middle
                y = 0.5 + (np.arange(k) - (k - 1) / 2) * 0.3
            self._node_xy.append((x, y))
            xs.extend([x] * k)
            ys_.extend(y)
        self.l_nodes.set_data(xs, ys_)
        self.l_nodes.set_markersize(max(2.0, 5.0 - 0.2 * cols))
        segments = []
        for i in range(cols - 1):
            (x0, y0), (x1, y1) = self._node_xy[i], self._node_xy[i + 1]
            for a in y0:
                for b in y1:
                    segments.append(((x0, a), (x1, b)))
        self.c_edges.set_segments(segments)
        grouped = max(max(g) for g in s.groups) > 1
        self.ax_net.set_title("network: weights, blue + orange −", fontsize=fs(11))
        how = " · circle = a group of units,\nline = their mean weight" if grouped else " · line width = |weight|"
        hidden = s.sizes[1:-1]
        if len(hidden) > 2 and len(set(hidden)) == 1:
            name = f"{s.sizes[0]}-{hidden[0]}×{len(hidden)}-{s.sizes[-1]}"
        else:
            name = "-".join(map(str, s.sizes))
        self.t_net_note.set_text(name + how)
        self._limits = {}
        self._background = None

    def _set_limits(self, key, setter, limits):
        """Set an axis range if it changed; its panel is drawn again in the next frame."""
        if self._limits.get(key) != limits:
            self._limits[key] = limits
            setter(*limits)
            self._stale.add(setter.__self__)

    # ----- a frame ------------------------------------------------------------------------------------
    def update(self, s):
        """Put a snapshot's values into the artists (no drawing)."""
        if s.key != self._key:
            self._key = s.key
            self._setup(s)
        with np.errstate(all="ignore"):
            self.l_pred.set_data(s.grid, np.where(np.isfinite(s.prediction), s.prediction, np.nan))
            steps, tr, va = s.steps, s.train_losses, s.val_losses
            self.l_loss_tr.set_data(steps, _positive_or_nan(tr))
            self.l_loss_val.set_data(steps, _positive_or_nan(va))
            self.l_loss_tr_now.set_data(steps[-1:], _positive_or_nan(tr[-1:]))
            self.l_loss_val_now.set_data(steps[-1:], _positive_or_nan(va[-1:]))
            last = max(steps[-1] if len(steps) else 0.0, s.diverged_at or 0)
            self._set_limits("loss_x", self.ax_loss.set_xlim, (0.0, _nice_ceiling(last)))
            self._set_limits("loss_y", self.ax_loss.set_ylim,
                             _decades(np.concatenate([tr, va]), self._limits.get("loss_y"), cap=(1e-8, 1e6)))
            if s.diverged:
                self.l_diverged.set_xdata([s.diverged_at, s.diverged_at])
                self.t_diverged.set_text(f"diverged at step {s.diverged_at}\n(NaN/Inf loss): Reset")
            self.l_diverged.set_visible(s.diverged)
            if not s.diverged:
                self.t_diverged.set_text("")

            L = len(s.grad_rms)
            self.l_grad.set_data(np.arange(1, L + 1), _positive_or_nan(s.grad_rms))
            self._set_limits("grad_y", self.ax_grad.set_ylim,
                             _decades(np.concatenate([s.grad_rms, s.grad_rms0]), self._limits.get("grad_y")))
            self.l_act.set_data(np.arange(1, L), _positive_or_nan(s.act_std))
            self._set_limits("act_y", self.ax_act.set_ylim,
                             _decades(np.concatenate([s.act_std, s.act_std0]), self._limits.get("act_y"),
                                      default=(1e-2, 10.0)))

            self._update_edges(s)

            note = "" if s.hidden is not None else "tick 'show hidden units' to see them"
            if self.t_hidden_note.get_text() != note:
                self.t_hidden_note.set_text(note)
                self._stale.add(self.ax_hidden)
            H = s.hidden if s.hidden is not None else np.zeros((len(s.grid), 0))
            units = [i for i in range(min(H.shape[1], len(self._hidden_colors))) if np.isfinite(H[:, i]).all()]
            self.c_hidden.set_segments([np.column_stack([s.grid, H[:, i]]) for i in units])
            self.c_hidden.set_color([self._hidden_colors[i] for i in units])
            finite = H[np.isfinite(H)]
            if finite.size:
                new = _stable_range(float(finite.min()), float(finite.max()), self._limits.get("hidden_y"))
                self._set_limits("hidden_y", self.ax_hidden.set_ylim, new)

    def _update_edges(self, s):
        """Colour (sign) and width (size) of every drawn weight."""
        weights = [np.asarray(W, dtype=np.float64).ravel() for W in s.diagram]
        w = np.concatenate(weights) if weights else np.zeros(0)
        w = np.where(np.isfinite(w), w, 0.0)
        top = float(np.percentile(np.abs(w), 98)) if w.size else 0.0
        size = np.clip(np.abs(w) / top, 0.0, 1.0) if top > 0 else np.zeros_like(w)
        n_edges = w.size
        dense = n_edges > 400
        self.c_edges.set_linewidths((0.15 if dense else 0.3) + (1.6 if dense else 3.0) * size * self.scale)
        rgba = np.empty((n_edges, 4))
        rgba[:, :3] = np.where((w >= 0)[:, None], _rgb(POSITIVE), _rgb(NEGATIVE))
        rgba[:, 3] = 0.25 + 0.75 * size
        self.c_edges.set_color(rgba)

    def draw(self, snapshot, live=False) -> np.ndarray:
        """Draw the snapshot into the one figure; return a copy of its (height, width, 4) RGBA pixels.

        `live` (the dashboard's training loop): the network's weight lines, which move slowly and are the
        costliest artist, are drawn again at most every EDGE_REFRESH seconds; in between the frame starts from a
        cached copy of the background with the last drawn weight lines. Otherwise every artist is drawn now."""
        import time

        self.update(snapshot)
        canvas = self.canvas
        if self._background is None:
            self._full_draw()
        else:
            canvas.restore_region(self._background)
            if self._stale:
                self._redraw_panels()
        now = time.perf_counter()
        if live and self._with_edges is not None and now - self._edges_at < EDGE_REFRESH:
            canvas.restore_region(self._with_edges)
        else:
            self.figure.draw_artist(self.c_edges)
            self._with_edges = canvas.copy_from_bbox(self.figure.bbox) if live else None
            self._edges_at = now
        for artist in self._animated:
            if artist is not self.c_edges:
                self.figure.draw_artist(artist)
        return np.array(canvas.buffer_rgba())

    def render(self, snapshot) -> bytes:
        """Draw the snapshot and return the picture as PNG bytes."""
        return encode_png(self.draw(snapshot))

    def picture(self, snapshot, about=None) -> Picture:
        """The snapshot drawn as a `Picture`: PNG bytes plus a description built from the snapshot (and `about`,
        e.g. `Session.describe()`), so a notebook can show it with its alt text."""
        return Picture(self.render(snapshot), describe_snapshot(snapshot, about))

    def invalidate(self, panel=None):
        """Forget the cached background: the next frame is a full redraw (same pixels). With `panel` (one of
        the figure's axes, e.g. `frame.ax_loss`) only that panel is drawn again."""
        if panel is None:
            self._background = None
        elif panel in self.figure.axes:
            self._stale.add(panel)
        else:
            raise LabConfigError(f"panel must be one of this frame's axes (e.g. frame.ax_loss), got {panel!r}")

    def _full_draw(self):
        """Draw everything except the animated artists, cache it, and find each panel's cell."""
        self.full_redraws += 1
        self._fit_texts()
        self.canvas.draw()
        self._cells = self._find_cells()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._with_edges = None
        self._stale.clear()

    def _fit_texts(self):
        """Shrink a panel title (or the network's note) that is wider than its panel allows, so that large
        fonts (font_scale) never run into a neighbour's title or off the picture. A title may reach a quarter
        of the gap into its neighbour's side (an outer one: most of the margin)."""
        renderer = self.canvas.get_renderer()
        width = self.size[0]
        for row in self._grid:
            boxes = [ax.bbox for ax in row]
            for c, ax in enumerate(row):
                left = 0.25 * (boxes[c].x0 - boxes[c - 1].x1) if c else 0.8 * boxes[c].x0
                right = 0.25 * (boxes[c + 1].x0 - boxes[c].x1) if c < 2 else 0.8 * (width - boxes[c].x1)
                room = boxes[c].width + 2 * max(0.0, min(left, right))
                texts = [ax.title] + ([self.t_net_note] if ax is self.ax_net else [])
                for text, points in zip(texts, (11.0, 7.5)):

                    def width_at(size, text=text):
                        text.set_fontsize(size)
                        return text.get_window_extent(renderer).width if text.get_text() else 0.0

                    _shrink_to_fit(self._fs(points), room, width_at)

    def _find_cells(self):
        """Each panel's cell: the 2×3 grid cut midway through the gaps between the panels' drawn extents
        (ticks, labels, title, legend). None when two extents touch (then every change is a full draw)."""
        renderer = self.canvas.get_renderer()
        grid = self._grid
        extent = {ax: ax.get_tightbbox(renderer) for row in grid for ax in row}
        width, height = self.size
        xs = [0.0]
        for c in range(2):
            right = max(extent[row[c]].x1 for row in grid)
            left = min(extent[row[c + 1]].x0 for row in grid)
            if right + 2 > left:
                return None
            xs.append(round((right + left) / 2))
        xs.append(float(width))
        top_of_bottom = max(extent[ax].y1 for ax in grid[1])  # display y grows upwards
        bottom_of_top = min(extent[ax].y0 for ax in grid[0])
        if top_of_bottom + 2 > bottom_of_top or min(e.x0 for e in extent.values()) < 0 \
                or max(e.x1 for e in extent.values()) > width or min(e.y0 for e in extent.values()) < 0 \
                or max(e.y1 for e in extent.values()) > height:
            return None
        ys = [float(height), round((top_of_bottom + bottom_of_top) / 2), 0.0]  # top row first
        return {ax: (int(xs[c]), int(height - ys[r]), int(xs[c + 1]), int(height - ys[r + 1]))
                for r, row in enumerate(grid) for c, ax in enumerate(row)}

    def _redraw_panels(self):
        """Clear the cells of the stale panels and draw those panels into the restored background. A full
        draw instead if the cells are unknown, or if a panel drew a pixel outside its cell (a tick label
        grew): the pixels outside the cell are compared before and after."""
        stale, self._stale = self._stale, set()
        if self._cells is None:
            self._full_draw()
            return
        renderer = self.canvas.get_renderer()
        pixels = np.asarray(self.canvas.buffer_rgba())
        paper = np.round(np.array(self.figure.get_facecolor()) * 255).astype(np.uint8)
        for ax in stale:
            x0, r0, x1, r1 = self._cells[ax]
            before = pixels.copy()
            pixels[r0:r1, x0:x1] = paper
            ax.draw(renderer)  # leaves out the animated artists, as the full draw does
            outside_changed = (not np.array_equal(pixels[:r0], before[:r0])
                               or not np.array_equal(pixels[r1:], before[r1:])
                               or not np.array_equal(pixels[r0:r1, :x0], before[r0:r1, :x0])
                               or not np.array_equal(pixels[r0:r1, x1:], before[r0:r1, x1:]))
            if outside_changed:
                self._full_draw()
                return
            self.panel_redraws += 1
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._with_edges = None


class Picture:
    """A lab picture for a notebook: shown as a PNG (`_repr_png_`); its text form (`repr`) is its description,
    "[figure] the lab after N steps: …", which the course website uses as the image's alt text.

    Attributes: `png` (the bytes), `description` (without the "[figure] " prefix)."""

    def __init__(self, png: bytes, description: str):
        """See the class docstring."""
        self.png = png
        self.description = description

    def _repr_png_(self) -> bytes:
        """The PNG bytes (Jupyter shows them as the image)."""
        return self.png

    def __repr__(self) -> str:
        """The picture's alt text (stable: no measured numbers, only what the snapshot's setting and steps are)."""
        return f"[figure] {self.description}"


def describe_snapshot(s, about=None) -> str:
    """What a frame of snapshot `s` shows, in words: the step, the setting, and the six views."""
    hidden = s.sizes[1:-1]
    net = "-".join(map(str, s.sizes))
    shown = min(s.hidden_width, 8)
    state = f"; the run diverged at step {s.diverged_at} (marked on the loss plot)" if s.diverged else ""
    views = [
        f"fit of {s.title}: training and validation points, the true function and the network's prediction",
        f"loss: train and validation MSE (log scale) over {s.step} steps",
        f"the network {net}: its weights as lines, blue positive and orange negative",
        (f"the outputs of {shown} of the {s.hidden_width} units of the last hidden layer" if s.hidden is not None
         else "the last hidden layer's units (not shown)"),
        f"gradient RMS per entry of each of the {len(s.sizes) - 1} weight matrices, at step 0 and now (log)",
        f"signal: std of each of the {len(hidden)} hidden layers' outputs, at step 0 and now (log)",
    ]
    setting = f" ({about})" if about else ""
    return f"the lab after {s.step} steps{setting}{state}. Six panels: " + " | ".join(views)


def _rgb(color):
    """A matplotlib colour as an RGB triple."""
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(color))


def _positive_or_nan(values):
    """The values with non-positive and non-finite entries as NaN (what a log axis can show)."""
    a = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(a) & (a > 0), a, np.nan)


def encode_png(pixels) -> bytes:
    """A PNG file of an (h, w, 3) RGB or (h, w, 4) RGBA uint8 image: no row filters, zlib level 1 with run-length
    matching. Agg's RGBA buffer is encoded as it is (no copy to RGB first): faster, and flat plot areas
    compress to almost nothing either way. About twice as fast as Pillow's encoder for plot-like images.
    """
    h, w, channels = pixels.shape
    raw = np.empty((h, channels * w + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type 0 (None) for every row
    raw[:, 1:] = pixels.reshape(h, channels * w)
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    data = packer.compress(raw.tobytes()) + packer.flush()

    def chunk(tag, body):
        """One PNG chunk: length, tag, body, CRC-32."""
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    color_type = {3: 2, 4: 6}[channels]  # 8-bit RGB or RGBA, no interlace
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def encode_jpeg(pixels, quality: int = 90) -> bytes:
    """A JPEG file of an (h, w, 4) RGBA or (h, w, 3) RGB uint8 image, without chroma subsampling (thin coloured
    lines keep their colour). The live loop's frames: 4-5× faster to encode than `encode_png` at projector size,
    half the bytes, faster for the browser to decode, and at quality 90 indistinguishable from the PNG at 3×
    zoom; the frame shown when training pauses is a lossless PNG.
    """
    import io

    from PIL import Image

    h, w, channels = pixels.shape
    mode = {3: "RGB", 4: "RGBX"}[channels]  # RGBX: the encoder skips the alpha byte (no conversion, no copy)
    image = Image.frombuffer(mode, (w, h), np.ascontiguousarray(pixels), "raw", mode, 0, 1)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=0)
    return out.getvalue()


def _shrink_to_fit(size, room, width_at):
    """Apply font size `size`, or a smaller one, so that the text is at most `room` pixels wide; return the size.

    width_at(size) applies a size and returns the resulting width. Text width is not quite proportional to the
    font size, so it takes a few tries."""
    for _ in range(6):
        needed = width_at(size)
        if needed <= room:
            return size
        size *= 0.98 * room / needed
    width_at(size)
    return size


def _plain_log_axis(ax):
    """A log-scale y axis labelled "1e-3" at powers of ten (plain text draws far faster than mathtext)."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10.0, numticks=6))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")))
    ax.yaxis.set_minor_locator(ticker.NullLocator())  # no minor ticks: a panel redraws in about half the time


def _step_axis(ax):
    """The loss plot's step axis: at most five ticks, labelled 0, 500, 20k, 1.5M (short at any step count)."""
    from matplotlib import ticker

    ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _count_label(v)))


def _count_label(v) -> str:
    """A step count as a short tick label: 0, 750, 2500, 20k, 250k, 1.5M, 2G."""
    v = float(v)
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if abs(v) >= size:
            return f"{v / (1e3 if unit == 'k' else size):.3g}{unit}"
    return f"{v:.0f}"


def _nice_ceiling(x) -> float:
    """The smallest (1, 1.5, 2, 3, 5, 7) × 10^k value >= 1.05·x, at least 1000 (an axis end that rarely moves)."""
    x = max(1000.0, 1.05 * float(x))
    k = math.floor(math.log10(x))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10**k >= x:
            return m * 10**k
    return 10.0 ** (k + 1)  # pragma: no cover


def _decades(values, old=None, default=(1e-3, 1.0), cap=(1e-300, 1e300)):
    """Log-axis limits (10^a, 10^b) around the finite positive values; `default` if there are none.

    The limits stay within `cap`. `old` limits are kept while they hold the values with less than two spare
    decades on either side, so values wobbling across a power of ten do not move the axis (and force a full
    redraw) every frame.
    """
    a = np.asarray(values, dtype=np.float64)
    a = a[np.isfinite(a) & (a > 0)]
    if a.size == 0:
        return old or default
    vmin, vmax = float(a.min()), float(a.max())
    if old is not None and old[0] <= vmin and vmax <= old[1] and vmin < 100 * old[0] and vmax > old[1] / 100:
        return old
    lo = 10.0 ** math.floor(math.log10(vmin))
    hi = 10.0 ** math.ceil(math.log10(vmax))
    lo, hi = min(max(lo, cap[0]), cap[1] / 10), max(min(hi, cap[1]), cap[0] * 10)
    if hi <= lo:
        hi = lo * 10.0
    return lo, hi


def _stable_range(lo, hi, old):
    """Linear-axis limits for data in [lo, hi]: keep `old` while it holds the data and is not 4× too wide."""
    span = max(hi - lo, 1e-3)
    if old is not None and old[0] <= lo and hi <= old[1] and (old[1] - old[0]) <= 4 * span:
        return old
    step = 10.0 ** math.floor(math.log10(span)) / 2
    return math.floor((lo - 0.1 * span) / step) * step, math.ceil((hi + 0.1 * span) / step) * step

