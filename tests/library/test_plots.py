"""course_lib.plots: every function draws on the given axes (Agg backend), returns them, and never shows."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import MLP, plots  # noqa: E402
from course_lib.data import TARGETS, make_dataset  # noqa: E402
from course_lib.plots import COLORS, plot_fit, plot_grad_norms, plot_losses, use_style  # noqa: E402
from course_lib.train import History  # noqa: E402

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("plots must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    use_style()
    yield
    plt.close("all")


@pytest.fixture
def history():
    return History(
        train_loss=[1.0, 0.5, 0.1],
        val_loss=[1.2, 0.6, 0.2],
        batch_loss_mean=[1.1, 0.6, 0.2],
        last_batch_loss=[0.9, 0.4, 0.05],
        grad_norms={f"W{i}": [1.0 / i, 0.5 / i, 0.1 / i] for i in range(1, 11)},
        steps=30,
    )


def test_palette_is_okabe_ito():
    assert {c.upper() for c in COLORS.values()} == OKABE_ITO


def test_plot_fit_with_a_model_and_with_a_function():
    X, Y = make_dataset("sinc", 3000, noise=0.1, seed=0)
    fig, (a1, a2) = plt.subplots(1, 2)
    assert plot_fit(a1, X, Y, MLP([1, 4, 1], seed=0), true_fn=TARGETS["sinc"], title="fit") is a1
    assert plot_fit(a2, X.ravel(), Y.ravel(), lambda x: 0 * x, x_range=(-5, 5)) is a2
    dots = a1.lines[0]
    assert len(dots.get_xdata()) == 1500  # a seeded subset of at most max_points samples
    assert len(a1.lines) == 3 and a1.get_title() == "fit"
    assert a2.lines[-1].get_xdata().min() == -5
    fig.canvas.draw()


def test_plot_fit_rejects_mismatched_data():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="same number of samples"):
        plot_fit(ax, np.ones(3), np.ones(4))


def test_plot_losses_log_scale_with_validation_and_last_batch(history):
    fig, ax = plt.subplots()
    assert plot_losses(ax, history, last_batch=True, noise_floor=0.01) is ax
    assert ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["last-batch loss", "training loss", "validation loss", "noise floor 0.01"]
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3])
    fig.canvas.draw()


def test_plot_losses_without_validation(history):
    history.val_loss = []
    fig, ax = plt.subplots()
    plot_losses(ax, history)
    assert [line.get_label() for line in ax.lines] == ["training loss"]


def test_plot_grad_norms_one_line_per_layer(history):
    fig, ax = plt.subplots()
    assert plot_grad_norms(ax, history, title="norms") is ax
    assert ax.get_yscale() == "log" and len(ax.lines) == 10
    colors = {matplotlib.colors.to_hex(line.get_color()).upper() for line in ax.lines}
    assert colors <= OKABE_ITO
    fig.canvas.draw()


def test_module_documents_its_notebooks():
    assert "notebook 06" in plots.__doc__ and "notebook 07" in plots.__doc__


# ---- clear messages for bad inputs (plot_fit given NaN once blamed the grid) ----------------


def test_plot_fit_with_nan_predictions_says_the_model_output_is_nan():
    X, Y = make_dataset("sinc", 50, noise=0.1, seed=0)
    model = MLP([1, 4, 1], seed=0)
    model.linears[1].W[0, 0] = np.nan  # a diverged network: every prediction is NaN
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"the model's output is NaN or Inf at 500 of 500 grid points .*"
                                         r"the model itself produces non-finite values") as info:
        plot_fit(ax, X, Y, model)
    assert "input" not in str(info.value)  # the old message blamed the model's input (the grid)


def test_plot_fit_with_a_function_that_overflows_names_it():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"the true function's output is NaN or Inf at 250 of 500 grid points "
                                         r"\(the first at x = 0.002004: inf\).*the true function itself produces"):
        plot_fit(ax, [-1.0, 1.0], [0.0, 0.0], true_fn=lambda x: np.where(x > 0, np.inf, x))


@pytest.mark.parametrize("X, Y, match", [
    ([0.0, np.nan, 1.0], [0.0, 1.0, 2.0], r"X contains 1 non-finite value.s. .NaN or Inf.; the first is at index 1"),
    ([0.0, 1.0, 2.0], [np.inf, 1.0, -np.inf], r"Y contains 2 non-finite value\(s\) .* index 0: inf"),
    ([], [], r"X is empty \(0 samples\), so there is no range for the grid; pass x_range"),
    (["a", "b"], [1.0, 2.0], "X must be an array of numbers"),
])
def test_plot_fit_names_the_bad_data(X, Y, match):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        plot_fit(ax, X, Y, MLP([1, 3, 1], seed=0))


def test_plot_fit_with_empty_data_and_a_range_draws_the_model():
    fig, ax = plt.subplots()
    plot_fit(ax, [], [], MLP([1, 3, 1], seed=0), x_range=(-2, 2))
    assert ax.lines[-1].get_xdata()[[0, -1]].tolist() == [-2.0, 2.0]


@pytest.mark.parametrize("kwargs, match", [
    (dict(x_range=(0, np.nan)), r"x_range must be finite with low <= high, got \(0, nan\)"),
    (dict(x_range=(1, 0)), "x_range must be finite with low <= high"),
    (dict(x_range=5), "x_range must be two numbers"),
    (dict(n_grid=0), "n_grid must be a positive integer, got 0"),
    (dict(max_points=1.5), "max_points must be a positive integer, got 1.5"),
])
def test_plot_fit_checks_its_options(kwargs, match):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=match):
        plot_fit(ax, [0.0, 1.0], [0.0, 1.0], MLP([1, 3, 1], seed=0), **kwargs)


def test_plot_fit_refuses_a_model_with_several_outputs_or_inputs():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"one output per x: the model's output for the \(500, 1\) grid has shape "
                                         r"\(500, 2\); expected \(500, 1\) or \(500,\)"):
        plot_fit(ax, [0.0, 1.0], [0.0, 1.0], MLP([1, 3, 2], seed=0))
    with pytest.raises(ValueError, match=r"evaluates the model on a grid of shape \(500, 1\).*refused: .*2"):
        plot_fit(ax, [0.0, 1.0], [0.0, 1.0], MLP([2, 3, 1], seed=0))


@pytest.mark.parametrize("plot", [plot_losses, plot_grad_norms])
def test_history_plots_refuse_a_non_history(plot):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=f"{plot.__name__} needs a course_lib.train.History .*got NoneType"):
        plot(ax, None)


def test_a_figure_describes_itself_from_its_titles_labels_and_legends():
    from course_lib.plots import describe_figure

    fig, (a, b, c) = plt.subplots(1, 3)
    a.plot([1, 2], label="train")
    a.plot([2, 1], label="validation")
    a.legend()
    a.set_title("loss")
    a.set_yscale("log")
    a.set_xlabel("step")
    b.imshow([[1, 2], [3, 4]])
    b.set_title("Jacobian")
    c.set_axis_off()  # an empty helper axis says nothing
    fig.suptitle("Training")
    assert describe_figure(fig) == ("[figure] “Training”: 2 panels: “loss” — x: step; log y; curves: train, "
                                    "validation | “Jacobian” — an image")
    plt.close(fig)
