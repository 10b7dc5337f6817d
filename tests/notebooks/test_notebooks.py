"""The committed notebooks: executed in order, clean, following the course template; learner copies run.

nbval (`make nbval`) re-executes every notebook and compares outputs; these tests check what nbval does
not: order of execution, no errors or machine paths in outputs, size, no stored widget state, the
template (title, navigation, exercises), and that `make student` copies run without errors.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = [
    "00_start_here",
    "01_forward_pass",
    "02_matrix_calculus",
    "03_activations_and_losses",
    "04_two_layer_network",
    "05_deep_backprop",
    "06_training",
    "07_fitting_sin_and_sinc",
    "08_live_training_lab",
    "09_graph_networks",
    "10_checking_against_autodiff",
    "11_reading_derivations_critically",
    "12_softmax_and_classification",
    "13_normalisation_and_dropout",
    "14_one_attention_head",
]
MACHINE_PATH = re.compile(r"(?<![\w:./])/(?:[\w.-]+/){2,}|[A-Z]:\\\\Users|/work/|/tmp/|/root/|/home/")
IDS = [p.stem for p in NOTEBOOKS]


def load(path):
    return json.loads(path.read_text())


def test_the_series_is_complete():
    missing = [n for n in EXPECTED if not (ROOT / "notebooks" / f"{n}.ipynb").exists()]
    assert not missing, f"missing notebooks: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_in_order_without_errors(path):
    nb = load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"execution counts {counts}: run `make execute`"
    for i, c in enumerate(code):
        for out in c["outputs"]:
            assert out["output_type"] != "error", f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
            if out.get("name") == "stderr":
                assert "Traceback" not in "".join(out.get("text", "")), f"cell {i} printed a traceback"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_clean_outputs_and_size(path):
    assert path.stat().st_size < 3_000_000, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"
    nb = load(path)
    assert "widgets" not in nb["metadata"], "stored widget state: execute with store_widget_state=False"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    for i, c in enumerate(nb["cells"]):
        for out in c.get("outputs", []):
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            text += json.dumps(out.get("data", {}).get("text/html", ""))
            assert not MACHINE_PATH.search(text), f"cell {i} output shows a machine path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_template(path):
    nb = load(path)
    cells = nb["cells"]
    first = "".join(cells[0]["source"])
    number = path.name[:2]
    assert re.match(rf"# {number} · \S", first), f"title should read '# {number} · …', got {first[:40]!r}"
    md = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    nav = re.compile(r"\[[^\]]*Index[^\]]*\]\(00_start_here\.ipynb\)")
    if number != "00":
        assert nav.search(first) or nav.search(md[1]), "navigation line at the top"
        assert nav.search(md[-1]), "navigation line at the bottom"
        text = "\n".join(md)
        for heading in ("You will learn", "Before you start", "Check yourself", "Summary"):
            assert heading in text, f"missing section {heading!r}"
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert code.count("### BEGIN SOLUTION") >= 2, "at least two exercises with solutions"
        assert code.count("### BEGIN SOLUTION") == code.count("### END SOLUTION")
    # every relative link to another notebook points at one that exists
    for target in re.findall(r"\]\(((?:\d\d_[a-z0-9_]+)\.ipynb)", "\n".join(md)):
        assert (ROOT / "notebooks" / target).exists(), f"broken link to {target}"


# what is left of a LaTeX command whose backslash escape (\n, \r, \t, \f, \b) became a control character
LOST_ESCAPE = re.compile(r"^\s*(abla|ightarrow|ight|ext|ewline|au|heta|imes|rac|Vert|ilde|eq|oldsymbol)\b")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_markdown_kept_its_latex_escapes(path):
    for i, c in enumerate(load(path)["cells"]):
        if c["cell_type"] != "markdown":
            continue
        text = "".join(c["source"])
        bad = sorted({repr(ch) for ch in text if ord(ch) < 32 and ch != "\n"})
        assert not bad, f"cell {i}: control characters {bad} in markdown (a LaTeX escape read as a string escape?)"
        for line in text.splitlines():
            assert not LOST_ESCAPE.match(line), f"cell {i}: line {line[:30]!r} lost its LaTeX backslash"


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    subprocess.run([sys.executable, "-m", "course_lib.learner_copies", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.slow  # trains or executes notebooks: `make slow`, not the fast `make unit`
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_student_copy_runs_and_reports_not_attempted(path, student_dir):
    copy = student_dir / path.name
    nb = nbformat.read(copy, as_version=4)
    source = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in source and "END SOLUTION" not in source
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}},
        store_widget_state=False,
    )
    client.execute()  # raises CellExecutionError on the first error
    if "# YOUR CODE HERE" in source:
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
        assert "not attempted yet" in outputs, "the checkers should say the exercises are not attempted yet"
        assert "✔ pass" not in outputs, "an empty exercise must not pass"


def test_strip_solutions():
    from course_lib.learner_copies import strip_solutions

    src = (
        "x = None\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"
        "def f(a):\n    ### BEGIN SOLUTION\n    return a\n    ### END SOLUTION\n"
    )
    assert strip_solutions(src) == (
        "x = None\n# YOUR CODE HERE\ndef f(a):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    )
    with pytest.raises(ValueError, match="no matching"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")
