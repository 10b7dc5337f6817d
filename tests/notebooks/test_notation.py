"""One notation everywhere: the rules of 00's notation table, checked in every text a learner reads.

00's table fixes three letters that sources use otherwise:
- L is the loss and nothing else; the depth is D, layers are l = 1, …, D. So L as a layer index is wrong:
  A_L, Z_L, W_L, n_L, Δ_L, b_L, ∇W_L, W_{L−1}, "layer L", "L layers", l = 1, …, L, Σ_{l=1}^{L}.
- D is the depth, a number. A diagonal matrix is written diag(·), never D: so D with a layer subscript (D_l, D_k,
  D_{k+1}, D_L) or D defined as a diag(…) means "D as a diagonal matrix" and is wrong. (Names such as D_VALUE,
  or a code variable D that is not a diag, are not this slip and are left alone.)
- b_l is the bias; the sample index is r. In one formula (a display equation, or one line of text or code), b used
  as an index ((Z_l)_{bj}, Σ_b, Σ_{b=1}^B, x_b) next to a bias (b_l, (b_l)_j, 1b_lᵀ, ∇b) means two things at once.

What is read: every line of every notebook cell (markdown and code) and every display equation; every
docstring, string (messages) and comment in course_lib; and the text drawn on each course_lib.diagrams figure
with its alt text. The examples at the end (MUST_CATCH, MUST_PASS) pin the rules down.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LIBRARY = sorted((ROOT / "course_lib").rglob("*.py"))

# ---- the rules -----------------------------------------------------------------------------------------------

# an array or size that carries a layer index in the course: A_l, Z_l, W_l, b_l, n_l, Δ_l, G_l, f_l, a_l, z_l, …
_INDEXED = r"(?:A|Z|W|b|n|G|f|a|z|o|h|Δ|δ|\\Delta|\\delta|∇W|∇b|\\nabla\s*W|\\nabla\s*b|\\nabla_\{?W|dW|db)"
_L_INDEX = r"(?:L|\{L\}|\{L\s*(?:-|−|\+)\s*\d\})(?![A-Za-z0-9_])"
L_AS_LAYER = [
    re.compile(rf"(?<![A-Za-z\\]){_INDEXED}_{_L_INDEX}"),  # A_L, W_{L-1}, n_L, Δ_L, b_L
    re.compile(rf"(?<![A-Za-z\\]){_INDEXED}_\{{L\}}"),
    re.compile(r"\blayers?\s+\$?L\$?(?![\w/'’(=])"),  # "layer L", "layers L"
    re.compile(r"(?<![\w\\])\$?L\$?(?: layers\b|-layers?\b)"),  # "L layers", "an L-layer network"
    re.compile(r"\bl\s*=\s*1\s*,\s*(?:\\dots|\\ldots|…|\.\.\.)\s*,\s*L\b"),  # l = 1, …, L
    re.compile(r"(?:\\sum|\\prod|Σ|Π)_\{?[a-z]\s*=\s*[^}$]*\}?\^\{?L\b"),  # Σ_{l=1}^{L}, Π_{i=k+1}^{L}
]

D_AS_MATRIX = [
    re.compile(r"(?<![A-Za-z\\])D_(?:\{[^}]*\}|[lkiLD0-9])(?![A-Za-z0-9_])"),  # D_l, D_{k+1}, D_L (not D_VALUE, D_t)
    re.compile(r"(?<![A-Za-z\\_.])D\s*=\s*(?:np\.)?(?:\\operatorname\{diag\}|\\mathrm\{diag\}|diag)"),  # D = diag(…)
]

B_AS_INDEX = [
    re.compile(r"\)_\{b[a-z]?\}"),  # (Z_l)_{bj}, (X)_{b}
    re.compile(r"(?<![A-Za-z\\])[A-Za-zΔ]_\{b[a-z]\}"),  # Z_{bj}
    re.compile(r"(?<![A-Za-z\\])[A-Za-zΔ]_\{[a-z]b\}"),  # Z_{jb} (column convention)
    re.compile(r"(?:\\sum|Σ)_\{?b\b"),  # Σ_b, \sum_{b=1}^{B}
    re.compile(r"(?<![A-Za-z\\])[xyzat]_b(?![A-Za-z0-9_])"),  # x_b: sample b
]
B_AS_BIAS = re.compile(r"(?<![A-Za-z\\])b_\{?(?:l|\d|L|D|k)|\(b_|\\mathbf\s*\{?1\}?\s*b|∇\s*b|"
                       r"\\nabla\s*_?\{?b|b\^\\top|bᵀ|\bbias")


def violations(text: str) -> list[str]:
    """The rules broken by one formula or line of text (empty if none)."""
    found = []
    if any(p.search(text) for p in L_AS_LAYER):
        found.append("L used as a layer index (L is the loss; the depth is D, layers l = 1, …, D)")
    if any(p.search(text) for p in D_AS_MATRIX):
        found.append("D used as a (diagonal) matrix (D is the depth; write diag(f′(Z_l)))")
    if B_AS_BIAS.search(text) and any(p.search(text) for p in B_AS_INDEX):
        found.append("b is both a bias and a sample index in one formula (the sample index is r)")
    return found


# ---- what is read --------------------------------------------------------------------------------------------

DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)


def _units(text: str):
    """Each display equation whole, then each line."""
    for m in DISPLAY.finditer(text):
        yield m.group(1)
    yield from text.splitlines()


def notebook_units():
    for path in NOTEBOOKS:
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            for unit in _units("".join(cell["source"])):
                yield f"{path.name} cell {i} ({cell['cell_type']})", unit


def library_units():
    """Docstrings, messages (every string) and comments of course_lib, line by line."""
    for path in LIBRARY:
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        for tok in tokens:
            if tok.type in (tokenize.STRING, tokenize.COMMENT) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                for k, line in enumerate(tok.string.splitlines()):
                    yield f"{path.relative_to(ROOT)}:{tok.start[0] + k}", line


def _worked_example():
    from course_lib.losses import MSELoss
    from course_lib.network import MLP

    net = MLP([2, 2, 1])
    X, T = np.array([[1.0, 2.0], [-1.0, 1.0]]), np.array([[-1.0], [1.0]])
    return net, X, T, MSELoss("sum")


def diagram_units():
    from course_lib import diagrams

    figures = {
        "chain_rule_paths": diagrams.chain_rule_paths(3),
        "chain_rule_paths(K)": diagrams.chain_rule_paths(6),
        "two_layer_graph": diagrams.two_layer_graph(),
        "delta_recursion": diagrams.delta_recursion((3, 5, 4, 2)),
        "conventions_side_by_side": diagrams.conventions_side_by_side(),
        "batch_as_rows": diagrams.batch_as_rows(),
        "graph_with_numbers": diagrams.graph_with_numbers(*_worked_example()),
        "chain_rule_with_numbers": diagrams.chain_rule_with_numbers([3, 1], [3, 4], 21, [[1, 3], [1, 2]], [6, 3]),
    }
    for name, fig in figures.items():
        for text in diagrams.figure_texts(fig) + [fig.alt_text]:
            for unit in _units(text):
                yield f"diagrams.{name}", unit


def _report(units) -> list[str]:
    return [f"{where}: {', '.join(v)}\n    {unit.strip()[:160]}" for where, unit in units if (v := violations(unit))]


def test_notebooks_follow_the_notation():
    bad = _report(notebook_units())
    assert not bad, f"{len(bad)} notation slips in the notebooks:\n" + "\n".join(bad)


def test_course_lib_docstrings_messages_and_comments_follow_the_notation():
    bad = _report(library_units())
    assert not bad, f"{len(bad)} notation slips in course_lib:\n" + "\n".join(bad)


def test_diagram_text_follows_the_notation():
    bad = _report(diagram_units())
    assert not bad, f"{len(bad)} notation slips in the diagrams:\n" + "\n".join(bad)


# ---- the rules, pinned down by examples ------------------------------------------------------------------------

MUST_CATCH = [
    # L as a layer index
    r'"""Ŷ = A_L from A_0 = X: (B, n_0) → (B, n_L)."""',
    r"output layer has the identity activation, so $Z_L = \hat Y$",
    r"the width $n_L$ of the output layer",
    r"S2 sets $\Delta_L = \hat Y - Y$",
    r"# S2: Δ_L = Ŷ − Y, and SGD divides by B",
    r"$W_{L-1}$ feeds the last layer",
    r"$\nabla W_L = A_{L-1}^\top \Delta_L$",
    r"the bias $b_L$ of the last layer",
    r"`MLP([n_0, n_1, …, n_L])`",
    r"the gradient arriving at layer $L$",
    r"a network with $L$ layers",
    r"layers are numbered $l = 1, \dots, L$",
    r"$V_k = \prod_{i=k+1}^{L} W_i$",
    # D as a diagonal matrix
    r"$D_l = \mathrm{diag}\big(f'(Z_l)\big)$",
    r"$G_k = G_L D_L W_L^\top D_{L-1}$",
    r"D = np.diag(1 - np.tanh(z) ** 2)",
    r"$D = \operatorname{diag}(f'(\mathbf z))$",
    # b as a bias and a sample index in one formula
    r"$(Z_l)_{bj} = \sum_i (A_{l-1})_{bi}(W_l)_{ij} + (b_l)_j$",
    r"\frac{\partial L}{\partial (b_l)_j} = \sum_{b=1}^{B} (\Delta_l)_{bj}",
    r"$\nabla b_l = \sum_b \boldsymbol\delta_b$",
    r"for sample $x_b$ the bias $b_1$ is added",
]

MUST_PASS = [
    r"$\hat Y = A_D$, Eq. (1.4)",
    r"`MLP([n_0, n_1, …, n_D])` (depth D)",
    r"$L$ is always the loss and $D$ always the depth",
    r"the loss $L$ layer by layer",
    r"$\partial L/\partial Z_l$, the delta of layer $l$",
    r"$J_{\mathbf a\mathbf z} = \operatorname{diag}(f'(\mathbf z))$",
    r"J_diag = np.diag(1 - np.tanh(z) ** 2)",
    r"a network of depth $D = 3$",
    r"for sizes in [(2, 3), (D, 4)]:",
    r"of D_VALUE numbers, a flag f_t",
    r"A_t, D_t, W_t = rng.standard_normal((64, 128)), rng.standard_normal((64, 128)), rng.standard_normal((128, 128))",
    r"$(Z_l)_{rj} = \sum_i (A_{l-1})_{ri}(W_l)_{ij} + (b_l)_j$",
    r"\frac{\partial L}{\partial (b_l)_j} = \sum_{r=1}^{B} (\Delta_l)_{rj}",
    r"x_b, V_b, t_b = rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=3)",
    r"dL_dz = np.array([2 * z_ex[0], 3.0])",
    r"L_of_Z(X @ W)",
    r"the gradient check Eq. 2.5–2.6 of the loss L",
    r"$\mathbf{z}^\top = \mathbf{x}^\top W$ for the sample in row $r$",
    r"∂C/∂W_k of S0's README, layers numbered 1…K",
]


@pytest.mark.parametrize("text", MUST_CATCH)
def test_the_rules_catch(text):
    assert violations(text), text


@pytest.mark.parametrize("text", MUST_PASS)
def test_the_rules_let_pass(text):
    assert not violations(text), (text, violations(text))
