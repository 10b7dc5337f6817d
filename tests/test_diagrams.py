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
