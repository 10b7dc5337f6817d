"""Odd arguments get a clear error naming the argument; in-place edits between forward and backward change
nothing; optimizer state round-trips. Each case is an odd input that once got past a check."""

import numpy as np
import pytest

from course_lib import MLP, SGD, Adam, Graph, Linear, MSELoss, Tanh
from course_lib.data import make_dataset
from course_lib.train import TrainingDiverged, fit, train_step


def small_graph(seed=0):
    g = Graph(seed=seed)
    g.add_input("x", 1)
    g.add_hidden("h", 4, activation="tanh")
    g.add_output("y", 1)
    g.connect("x", "h")
    g.connect("h", "y")
    return g


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True, None])
def test_bad_seeds_name_the_seed(seed):
    for make in (lambda: MLP([1, 2, 1], seed=seed), lambda: Graph(seed=seed),
                 lambda: make_dataset("sinc", 4, seed=seed)):
        with pytest.raises(ValueError, match=r"seed must be an int >= 0 or a numpy.random.Generator .*, got"):
            make()
    model = MLP([1, 2, 1])
    with pytest.raises(ValueError, match="seed must be"):
        fit(model, np.ones((2, 1)), np.ones((2, 1)), loss="mse", optimizer=SGD(model, lr=0.1), epochs=1,
            batch_size=1, seed=seed)


@pytest.mark.parametrize("bias", ["False", 0, None])
def test_bias_must_be_a_bool(bias):
    with pytest.raises(TypeError, match=r"bias must be True or False, got"):
        MLP([1, 2, 1], bias=bias)
    with pytest.raises(TypeError, match="bias must be True or False"):
        Linear(1, 2, bias=bias)


@pytest.mark.parametrize("sizes", [5, None, "123"])
def test_layer_sizes_must_be_a_list_of_widths(sizes):
    with pytest.raises((TypeError, ValueError), match="layer"):
        MLP(sizes)


@pytest.mark.parametrize("kw, match", [
    (dict(lr=True), r"lr must be a number in \(0, inf\), got True"),
    (dict(lr="0.1"), "lr must be a number"),
    (dict(lr=0.1, momentum=None), r"momentum must be a number in \[0, 1\), got None"),
    (dict(lr=0.1, momentum="abc"), "momentum must be a number"),
    (dict(lr=0.1, weight_decay=None), "weight_decay must be a number"),
    (dict(lr=0.1, weight_decay="0.1"), "weight_decay must be a number"),
])
def test_sgd_hyperparameters_name_the_argument(kw, match):
    with pytest.raises(ValueError, match=match):
        SGD(MLP([1, 2, 1]), **kw)


def test_optimizer_needs_a_model_instance():
    with pytest.raises(TypeError, match="a model \\(an instance\\)"):
        SGD(MLP, lr=0.1)


@pytest.mark.parametrize("optimizer", [None, "adam", 3])
def test_fit_and_train_step_need_an_optimizer(optimizer):
    model = MLP([1, 2, 1])
    X = np.ones((4, 1))
    with pytest.raises(TypeError, match="optimizer must be an optimizer built on the model"):
        fit(model, X, X, loss="mse", optimizer=optimizer, epochs=1, batch_size=2)
    with pytest.raises(TypeError, match="optimizer must be"):
        train_step(model, "mse", optimizer, X, X)


def test_train_step_refuses_an_optimizer_built_on_another_model():
    X, Y = make_dataset("sinc", 32, seed=0)
    a, b = MLP([1, 4, 1], seed=0), MLP([1, 4, 1], seed=1)
    for check in (True, False):
        with pytest.raises(ValueError, match="built on another model"):
            train_step(a, "mse", SGD(b, lr=0.5), X, Y, check=check)


def test_callbacks_none_means_no_callbacks_and_a_bare_function_is_refused():
    model = MLP([1, 2, 1])
    X = np.ones((4, 1))
    h = fit(model, X, X, loss="mse", optimizer=SGD(model, lr=0.1), epochs=2, batch_size=2, callbacks=None)
    assert h.epochs == 2
    with pytest.raises(ValueError, match="callbacks must be a list of functions"):
        fit(model, X, X, loss="mse", optimizer=SGD(model, lr=0.1), epochs=1, batch_size=2,
            callbacks=lambda e, h: False)


def test_complex_inputs_are_refused_not_cast():
    Z = np.array([[1 + 2j]])
    with pytest.raises(ValueError, match="complex"):
        MSELoss()(Z, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="complex"):
        MSELoss().grad(Z, np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r"MLP.*input is complex"):
        MLP([1, 2, 1]).forward(Z)
    model = MLP([1, 2, 1])
    with pytest.raises(ValueError, match="complex"):
        fit(model, Z, np.zeros((1, 1)), loss="mse", optimizer=SGD(model, lr=0.1), epochs=1, batch_size=1)
    with pytest.raises(ValueError, match="real numbers"):
        MSELoss()(np.array([["a"]]), np.zeros((1, 1)))


def test_bool_arrays_are_read_as_numbers_by_the_loss_gradient():
    Y, T = np.array([[True], [False]]), np.array([[False], [False]])
    np.testing.assert_array_equal(MSELoss().grad(Y, T), [[1.0], [0.0]])  # 2/2 · (Y − T)


def test_a_graph_grown_after_its_optimizer_has_state_is_refused():
    g = small_graph()
    X = np.linspace(-1, 1, 8).reshape(-1, 1)
    for opt in (SGD(g, lr=0.1, momentum=0.9), Adam(g, lr=0.01)):
        g = small_graph()
        opt.model = g
        g.forward({"x": X})
        g.backward({"y": X})
        opt.step()
        g.add_hidden("h2", 3)
        g.connect("x", "h2")
        g.connect("h2", "y")
        g.forward({"x": X})
        g.backward({"y": X})
        with pytest.raises(RuntimeError, match="build a new optimizer for the grown model"):
            opt.step()
    plain = SGD(g, lr=0.1)  # plain SGD keeps no state: growing is fine
    plain.step()


def grads_after(model_or_edit, edit):
    """dW of the first layer after forward, an in-place edit of (X, Ŷ), backward."""
    X = np.linspace(-1, 1, 16).reshape(-1, 1)
    T = np.zeros((16, 1))
    m = MLP([1, 3, 1], activation="tanh", output_activation=model_or_edit)
    Y = m.forward(X)
    G = MSELoss().grad(Y, T)
    edit(X, Y)
    m.backward(G)
    return [g.copy() for _, g in m.parameters()]


@pytest.mark.parametrize("output", ["tanh", "sigmoid", "identity"])
def test_editing_the_input_or_the_output_in_place_changes_no_gradient(output):
    clean = grads_after(output, lambda X, Y: None)
    for edit in (lambda X, Y: X.__imul__(0.5), lambda X, Y: Y.__imul__(0.5)):
        for a, b in zip(grads_after(output, edit), clean, strict=True):
            np.testing.assert_array_equal(a, b)


def test_graph_copies_its_inputs_and_outputs():
    X = np.linspace(-1, 1, 8).reshape(-1, 1)
    grads = []
    for edit in (False, True):
        g = small_graph()
        x = X.copy()
        out = g.forward({"x": x})
        if edit:
            x *= 3.0
            out["y"] *= 3.0
        g.backward({"y": np.zeros((8, 1))})
        grads.append([grad.copy() for _, grad in g.parameters()])
    for a, b in zip(*grads, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_layer_used_alone_keeps_references_as_documented():
    # Documented, not prevented (a copy per layer would cost every step): Tanh.backward reads its output.
    act = Tanh()
    A = act.forward(np.array([[0.5]]))
    before = act.backward(np.ones((1, 1)))
    A *= 0.0
    assert not np.array_equal(act.backward(np.ones((1, 1))), before)


def test_huge_inputs_blame_the_data_not_the_learning_rate():
    X = np.full((4, 1), 1e300)
    model = MLP([1, 3, 1], seed=0)
    with pytest.raises(TrainingDiverged) as info:
        fit(model, X, np.zeros((4, 1)), loss="mse", optimizer=SGD(model, lr=0.01), epochs=1, batch_size=2)
    msg = str(info.value)
    assert "learning rate is not the cause" in msg and "1e+300" in msg
    assert "Try a smaller learning rate" not in msg


@pytest.mark.parametrize("make_opt", [
    lambda m: SGD(m, lr=0.05, momentum=0.9, weight_decay=1e-3),
    lambda m: Adam(m, lr=0.01),
])
@pytest.mark.parametrize("make_model", [lambda: MLP([1, 6, 1], activation="tanh", seed=0), small_graph])
def test_state_dict_round_trip_continues_training_exactly(make_opt, make_model):
    X, Y = make_dataset("sinc", 16, seed=0)
    run = {}
    for restore in (False, True):
        model = make_model()
        opt = make_opt(model)
        for _ in range(3):
            _step(model, opt, X, Y)
        saved = ([v.copy() for v, _ in model.parameters()], opt.state_dict())
        for _ in range(2):
            _step(model, opt, X, Y)
        if restore:  # go back and take the same two steps again
            for (v, _), s in zip(model.parameters(), saved[0], strict=True):
                v[...] = s
            opt.load_state_dict(saved[1])
            for _ in range(2):
                _step(model, opt, X, Y)
        run[restore] = [v.copy() for v, _ in model.parameters()]
    for a, b in zip(run[False], run[True], strict=True):
        np.testing.assert_array_equal(a, b)
    state = opt.state_dict()
    assert state["steps"] == 5 and all(isinstance(a, np.ndarray) for k in ("m", "velocities") for a in
                                       (state.get(k) or []))


def _step(model, opt, X, Y):
    if isinstance(model, Graph):
        model.forward({"x": X})
        model.backward({"y": Y})
    else:
        model.backward(MSELoss().grad(model.forward(X), Y))
    opt.step()


def test_load_state_dict_refuses_other_shapes_and_missing_keys():
    a, b = MLP([1, 4, 1]), MLP([1, 5, 1])
    opt_a, opt_b = SGD(a, lr=0.1, momentum=0.5), SGD(b, lr=0.1, momentum=0.5)
    X = np.ones((2, 1))
    _step(a, opt_a, X, X)
    with pytest.raises(ValueError, match="velocities have shapes"):
        opt_b.load_state_dict(opt_a.state_dict())
    with pytest.raises(ValueError, match="missing momentum"):
        opt_b.load_state_dict({"lr": 0.1, "weight_decay": 0.0, "steps": 0})
