"""The teaching diagrams: each returns a Figure whose labels show the shapes of the sizes it was given.

Not pixel tests: the PNGs were looked at by eye; these check that each picture is built from its arguments
(a different size shows up as a different shape label) and that bad sizes are refused with a clear message.
"""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from course_lib import diagrams
from course_lib.diagrams import figure_texts


def _texts(fig):
    assert isinstance(fig, Figure)
    assert isinstance(fig.alt_text, str) and len(fig.alt_text) > 40
    return " | ".join(figure_texts(fig))


def test_chain_rule_paths_draws_one_path_per_consumer():
    text = _texts(diagrams.chain_rule_paths(3))
    for k in (1, 2, 3):
        assert f"$z_{{{k}}}$" in text and rf"$\partial L/\partial z_{{{k}}}$" in text
    many = _texts(diagrams.chain_rule_paths(7))
    assert "$z_{K}$" in many and "⋮" in many and "$z_{3}$" not in many


def test_two_layer_graph_labels_every_shape():
    B, n0, n1, n2 = 7, 3, 5, 2
    text = _texts(diagrams.two_layer_graph(B, n0, n1, n2))
    for shape in ("7×3", "7×5", "7×2", "3×5", "5×2"):
        assert shape in text, shape
    for label in (r"$\Delta_1$", r"$\Delta_2$", r"$G_1$", r"$\nabla W_1 = X^\top\Delta_1$",
                  r"$\nabla W_2 = A_1^\top\Delta_2$", r"$\partial L/\partial\hat Y$"):
        assert label in text, label


def test_delta_recursion_follows_the_sizes():
    fig = diagrams.delta_recursion((4, 6, 9, 1), B=11)
    text = _texts(fig)
    assert "11×6" in text and "11×9" in text and "11×1" in text  # Δ_1, Δ_2, Δ_3 (= ∂L/∂Ŷ's shape)
    assert "4×6" in text and "6×9" in text and "9×1" in text  # ∇W_1, ∇W_2, ∇W_3
    assert r"$\cdot W_{3}^\top$" in text and r"$\odot f_{1}'(Z_{1})$" in text
    assert r"$\Delta_{4}$" not in text  # three weight layers: no fourth delta


def test_conventions_and_batch_pictures_transpose_the_shapes():
    text = _texts(diagrams.conventions_side_by_side(B=6, n_in=4, n_out=3))
    for shape in ("6×4", "4×3", "6×3", "3×4", "4×6", "3×6"):  # row X, W, Z; column W, X, Z
        assert shape in text, shape
    text = _texts(diagrams.batch_as_rows(B=5, n_in=3, n_out=2))
    assert "5×3" in text and "3×2" in text and "5×2" in text


@pytest.mark.parametrize("call", [lambda: diagrams.two_layer_graph(0, 3, 5, 2),
                                  lambda: diagrams.batch_as_rows(B=2.5),
                                  lambda: diagrams.delta_recursion((3,)),
                                  lambda: diagrams.chain_rule_paths(-1)])
def test_bad_sizes_are_refused_with_a_message(call):
    with pytest.raises(ValueError, match="must"):
        call()


def test_a_diagram_shows_itself_as_png_and_reads_as_its_alt_text():
    fig = diagrams.batch_as_rows(B=3, n_in=2, n_out=2)
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    assert repr(fig) == f"[diagram] {fig.alt_text}" and "3×2" in repr(fig)


# ---- graph_with_numbers: the worked example of notebook 04 drawn with the numbers computed, not typed in ----


def _worked_example_net(W2=(0.5, 0.5)):
    """Notebook 04's 2-2-1 example (section 6): every number a multiple of 0.5, so everything is exact."""
    import numpy as np

    from course_lib.network import MLP

    net = MLP([2, 2, 1], activation="relu", output_activation="identity")
    for lin, (W, b) in zip(net.linears, [([[-0.5, -1.0], [1.0, -0.5]], [-0.5, 0.5]),
                                         ([[W2[0]], [W2[1]]], [-0.5])], strict=True):
        lin.W[...] = W
        lin.b[...] = b
    X = np.array([[1.0, 2.0], [-1.0, 1.0]])
    T = np.array([[-1.0], [1.0]])
    return net, X, T


def test_graph_with_numbers_draws_the_computed_values_and_gradients():
    from course_lib.losses import MSELoss

    net, X, T = _worked_example_net()
    fig = diagrams.graph_with_numbers(net, X, T, MSELoss("sum"), sample=0)
    text = _texts(fig)
    # sample 1 by hand: Z1 = (1, −1.5), A1 = (1, 0), Ŷ = 0, ℓ = 1;
    # ∂ℓ/∂Ŷ = 2, G1 = (1, 1), Δ1 = (1, 0), ∂ℓ/∂X = (−0.5, 1)
    for number in ("-1.5", "-0.5"):
        assert number in text
    for label in (r"$(Z_1)_{11}$", r"$(Z_1)_{12}$", r"$(A_1)_{12}$", r"$\hat Y_{11}$", r"$\ell_{1}$",
                  r"$(W_1)_{21}$ = 1", r"$(b_1)_{2}$ = 0.5"):
        assert label in text, label
    assert "∇ 2" in text  # b2's share from sample 1: ∂ℓ_1/∂b_2 = 2(Ŷ − T) = 2
    alt = fig.alt_text
    assert "(1, -1.5), gradient (1, 0)" in alt and "(1, 0), gradient (1, 1)" in alt and "(-0.5, 1)" in alt
    assert "ℓ = 1," in alt


def test_graph_with_numbers_follows_the_model_and_sums_to_the_batch_gradient():
    import numpy as np

    from course_lib.losses import MSELoss
    from course_lib.network import MLP

    # a change of weights changes the numbers drawn: they are computed, not stored
    net, X, T = _worked_example_net(W2=(1.5, -0.5))
    alt = diagrams.graph_with_numbers(net, X, T, MSELoss("sum"), sample=0).alt_text
    assert "Output Ŷ = 1," in alt and "gradient 4;" in alt  # 1·1.5 + 0·(−0.5) − 0.5 = 1, 2(1 − (−1)) = 4
    # any small net, any activation: node gradients are the batch's rows, parameter shares add up to the batch
    rng = np.random.default_rng(5)
    for sizes, act in [([2, 2, 1], "tanh"), ([1, 2, 1], "sigmoid"), ([2, 1, 1], "leaky_relu")]:
        model = MLP(sizes, activation=act, seed=int(rng.integers(100)))
        for lin in model.linears:
            lin.b[...] = rng.normal(size=lin.b.shape)
        X = rng.normal(size=(3, sizes[0]))
        T = rng.normal(size=(3, 1))
        loss = MSELoss("sum")
        before = [g.copy() for _, g in model.parameters()]
        figs = [diagrams.graph_with_numbers(model, X, T, loss, sample=r) for r in range(3)]
        assert all(np.array_equal(a, g) for a, (_, g) in zip(before, model.parameters(), strict=True))  # untouched
        Y = model.forward(X)
        dX = model.backward(loss.grad(Y, T), input_grad=True)
        shares = [f.numbers["params"] for f in figs]
        for l, lin in enumerate(model.linears):
            assert np.allclose(sum(s[l][2] for s in shares), lin.dW, rtol=1e-12, atol=1e-14)
            assert np.allclose(sum(s[l][3] for s in shares), lin.db, rtol=1e-12, atol=1e-14)
        assert np.allclose(np.vstack([f.numbers["grads"][0] for f in figs]), dX, rtol=1e-12, atol=1e-14)
        assert abs(sum(f.numbers["loss"] for f in figs) - loss(Y, T)) < 1e-12


@pytest.mark.parametrize("sizes, sample, match", [([3, 2, 1], 0, "MLP"), ([2, 2, 2], 0, "MLP"), ([2, 2, 1], 5, "row"),
                                                  ([2, 2, 1], -1, "row")])
def test_graph_with_numbers_refuses_what_it_cannot_draw(sizes, sample, match):
    import numpy as np

    from course_lib.losses import MSELoss
    from course_lib.network import MLP

    model = MLP(sizes)
    X, T = np.ones((2, sizes[0])), np.ones((2, sizes[-1]))
    with pytest.raises(ValueError, match=match):
        diagrams.graph_with_numbers(model, X, T, MSELoss("sum"), sample=sample)


def test_chain_rule_with_numbers_computes_the_gradients_it_draws():
    import numpy as np

    # notebook 02's example: x = (3, 1), z = (x1 x2, x1 + x2²) = (3, 4), L = z1² + 3 z2 = 21
    x, z, dL_dz = np.array([3.0, 1.0]), np.array([3.0, 4.0]), np.array([6.0, 3.0])
    dz_dx = np.array([[1.0, 3.0], [1.0, 2.0]])
    fig = diagrams.chain_rule_with_numbers(x, z, 21.0, dz_dx, dL_dz)
    text = _texts(fig)
    assert "24" in text and "9" in text and "21" in text  # ∂L/∂x = (6·1 + 3·1, 6·3 + 3·2) = (9, 24)
    assert r"$\partial z_{1}/\partial x_{2}$ = 3" in text and r"$\partial L/\partial z_{2}$ = 3" in text
    assert "∂L/∂x = (9, 24)" in fig.alt_text

    def L_of_x(v):  # the same example as a function of x alone
        return (v[0] * v[1]) ** 2 + 3 * (v[0] + v[1] ** 2)

    h = 1e-6
    central = [(L_of_x(x + h * e) - L_of_x(x - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.allclose(fig.numbers["grad_x"], central, rtol=1e-8, atol=0)  # Eq. (2.3) against finite differences
    # other numbers, other drawing: the gradient is computed, J_zxᵀ ∂L/∂z
    rng = np.random.default_rng(3)
    J, g = rng.normal(size=(3, 2)), rng.normal(size=3)
    fig = diagrams.chain_rule_with_numbers(rng.normal(size=2), rng.normal(size=3), 0.5, J, g)
    assert np.allclose(fig.numbers["grad_x"], J.T @ g, rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match="must"):
        diagrams.chain_rule_with_numbers(x, z, 21.0, dz_dx.T[:1], dL_dz)
