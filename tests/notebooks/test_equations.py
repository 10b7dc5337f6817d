"""Every "Eq. (N.k)" cited in course_lib resolves to a \\tag{N.k} in notebook N, and is checked numerically.

Two kinds of numeric check are required for each equation the library implements:
- in the notebook that derives it: a code cell after the equation's tag that checks something
  (finite differences, a relative error, an assertion);
- in the test suite: the test named in EQUATION_TESTS below, which must exist.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

CITATION = re.compile(r"Eqs?\.\s*(\(?\d+\.\d+\)?(?:\s*(?:–|-|,|and|or)\s*\(?\d+\.\d+\)?)*)")
NUMBER = re.compile(r"(\d+)\.(\d+)")

# Each equation course_lib implements → the test (file::function) that checks it numerically.
EQUATION_TESTS = {
    "1.2": "test_gradients.py::test_mlp_matches_finite_differences",
    "1.3": "test_gradients.py::test_activation_derivative_matches_finite_differences",
    "1.4": "test_gradients.py::test_mlp_matches_autograd",
    "2.1": "test_convention.py::test_numerator_layout_is_the_transpose_of_the_gradient",
    "2.3": "test_diagrams.py::test_chain_rule_with_numbers_computes_the_gradients_it_draws",
    "2.4": "test_convention.py::test_numerator_layout_is_the_transpose_of_the_gradient",
    "2.5": "test_gradients.py::test_checker_reports_wrong_gradients",
    "2.6": "test_gradients.py::test_checker_reports_wrong_gradients",
    "2.7": "test_gradients.py::test_mlp_matches_finite_differences",
    "2.8": "test_gradients.py::test_input_gradient_matches_finite_differences",
    "3.1": "test_gradients.py::test_activation_derivative_matches_finite_differences",
    "3.2": "test_gradients.py::test_activation_derivative_matches_finite_differences",
    "3.3": "test_gradients.py::test_activation_derivative_matches_finite_differences",
    "3.4": "test_core.py::test_sigmoid_is_stable_for_large_inputs",
    "3.5": "test_gradients.py::test_activation_derivative_matches_finite_differences",
    "3.6": "test_gradients.py::test_activation_derivative_matches_finite_differences",
    "3.7": "test_gradients.py::test_loss_gradient_matches_finite_differences",
    "3.8": "test_gradients.py::test_loss_gradient_matches_finite_differences",
    "3.9": "test_gradients.py::test_loss_values_follow_their_formulas",
    "3.10": "test_gradients.py::test_loss_gradient_matches_finite_differences",
    "5.1": "test_gradients.py::test_mlp_matches_finite_differences",
    "5.2": "test_gradients.py::test_mlp_matches_finite_differences",
    "5.3": "test_gradients.py::test_mlp_matches_finite_differences",
    "5.4": "test_gradients.py::test_input_gradient_matches_finite_differences",
    "5.5": "test_gradients.py::test_mlp_matches_autograd",
    "5.6": "test_convention.py::test_column_and_row_conventions_give_transposed_gradients",
    "5.7": "test_gradients.py::test_backward_multiply_adds_are_counted_by_eq_5_7",
    "6.8": "test_core.py::test_initialiser_spread",
    "6.9": "test_core.py::test_initialiser_spread",
    "6.10": "test_core.py::test_initialiser_spread",
}
CHECK_WORDS = re.compile(r"gradcheck|numerical_grad|rel_error|check_gradients|assert|np\.testing|allclose")


def cited_equations():
    """{"5.2": ["course_lib/layers.py", …], …} for every equation cited in course_lib."""
    found: dict[str, list[str]] = {}
    for py in sorted((ROOT / "course_lib").rglob("*.py")):
        if py.parent.name == "exercises":
            continue  # checkers name equations in messages; they implement nothing
        for m in CITATION.finditer(py.read_text()):
            span = m.group(1)
            nums = [(int(a), int(b)) for a, b in NUMBER.findall(span)]
            expanded = set(nums)
            # "(6.4)–(6.7)": a range within one notebook
            for (a1, b1), sep, (a2, b2) in zip(nums, re.findall(r"\)?\s*(–|-|,|and|or)\s*\(?", span), nums[1:]):
                if sep in "–-" and a1 == a2:
                    expanded.update((a1, k) for k in range(b1, b2 + 1))
            for a, b in expanded:
                found.setdefault(f"{a}.{b}", []).append(str(py.relative_to(ROOT)))
    return found


def notebook_tags():
    """{"5.2": (notebook path, cell index), …} for every \\tag{N.k} in the notebooks."""
    tags = {}
    for nb_path in NOTEBOOKS:
        nb = json.loads(nb_path.read_text())
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "markdown":
                for tag in re.findall(r"\\tag\{(\d+\.\d+)\}", "".join(cell["source"])):
                    tags.setdefault(tag, (nb_path, i))
    return tags


CITED = cited_equations()
TAGS = notebook_tags()


def test_library_cites_equations():
    assert len(CITED) >= 20, sorted(CITED)


@pytest.mark.parametrize("eq", sorted(CITED, key=lambda s: tuple(map(int, s.split(".")))))
def test_citation_resolves_to_a_tag_in_its_notebook(eq):
    nb_number = int(eq.split(".")[0])
    assert eq in TAGS, f"Eq. ({eq}) is cited in {CITED[eq]} but no notebook has \\tag{{{eq}}}"
    nb_path, _ = TAGS[eq]
    where = f"\\tag{{{eq}}} should be in notebook {nb_number:02d}, found in {nb_path.name}"
    assert int(nb_path.name[:2]) == nb_number, where


@pytest.mark.parametrize("eq", sorted(CITED, key=lambda s: tuple(map(int, s.split(".")))))
def test_implemented_equation_is_checked_numerically_in_its_notebook(eq):
    if eq not in TAGS:
        pytest.fail(f"Eq. ({eq}) has no \\tag in any notebook")
    nb_path, index = TAGS[eq]
    cells = json.loads(nb_path.read_text())["cells"]
    later_code = ["".join(c["source"]) for c in cells[index + 1 :] if c["cell_type"] == "code"]
    assert any(CHECK_WORDS.search(src) for src in later_code), f"{nb_path.name}: no numeric check after Eq. ({eq})"


def _test_file(name: str):
    """tests/<folder>/<name>: test modules live in folders that mirror the code; names are unique."""
    found = sorted((ROOT / "tests").glob(f"*/{name}"))
    return found[0] if len(found) == 1 else ROOT / "tests" / name


@pytest.mark.parametrize("eq", sorted(CITED, key=lambda s: tuple(map(int, s.split(".")))))
def test_implemented_equation_has_a_numeric_test(eq):
    if not eq.startswith(("1.", "2.", "3.", "5.", "6.8", "6.9", "6.10")):
        # optimiser (6.1–6.7) and graph (9.x) equations are tested by their own test modules
        owner = {"6": "test_optim.py", "8": "test_widgets.py", "9": "test_graph.py", "10": "test_autodiff.py",
                 "12": "test_softmax.py",
                 "13": "test_normalization.py", "14": "test_attention.py"}.get(
            eq.split(".")[0]
        )
        assert owner and _test_file(owner).exists(), f"no test module covers Eq. ({eq})"
        return
    assert eq in EQUATION_TESTS, f"Eq. ({eq}) is implemented in {CITED[eq]} but no test is registered for it"
    file, func = EQUATION_TESTS[eq].split("::")
    tree = ast.parse(_test_file(file).read_text())
    assert func in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, EQUATION_TESTS[eq]


# Every notebook's equations are numbered in reading order except 05's and 06's: 05 has (5.7) before (5.6), and
# 06 introduces 6.1, 6.11, 6.2, 6.8–6.10, 6.3–6.7, so that the update rules stay one range, (6.1)–(6.7), however
# its sections are ordered. Renumbering either means changing every citation of the old numbers.
NOT_IN_READING_ORDER = {"05", "06"}
IN_READING_ORDER = [p for p in NOTEBOOKS if p.name[:2] not in NOT_IN_READING_ORDER]


@pytest.mark.parametrize("nb_path", IN_READING_ORDER, ids=lambda p: p.name[:2])
def test_tags_are_numbered_in_reading_order(nb_path):
    """Notebook N's \\tag{N.k} appear as N.1, N.2, N.3, … from top to bottom, each once."""
    cells = json.loads(nb_path.read_text())["cells"]
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    tags = [t for text in markdown for t in re.findall(r"\\tag\{(\d+\.\d+)\}", text)]
    nb_number = int(nb_path.name[:2])
    assert all(int(t.split(".")[0]) == nb_number for t in tags), f"{nb_path.name}: tags of another notebook in {tags}"
    ks = [int(t.split(".")[1]) for t in tags]
    assert ks == list(range(1, len(ks) + 1)), f"{nb_path.name}: equations numbered {ks} in reading order"
