"""nbgrader metadata: the stamped exercise cells are valid nbgrader cells, and nbgrader itself can grade them.

tools/nbgrader_meta.py stamps the metadata (idempotently) and builds an nbgrader course whose test cells
assert that the checkers pass. The rules checked here are nbgrader's own (schema 3: a grade_id on every
graded, solution or locked cell, unique per notebook; points on grade cells); when nbgrader is installed
its validator and a real `generate_assignment` + `autograde` run confirm them, otherwise those tests are
skipped with the reason printed (-rs).
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
from nbgrader_meta import course_notebook, stamp, stamp_file  # noqa: E402

HAVE_NBGRADER = importlib.util.find_spec("nbgrader") is not None
KEYS = {"grade", "grade_id", "locked", "schema_version", "solution"}


def check_rules(nb):
    """nbgrader's schema-3 rules, written out (independent of nbgrader)."""
    ids = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        assert KEYS <= set(meta) <= KEYS | {"points"}, meta
        assert meta["schema_version"] == 3
        assert all(isinstance(meta[k], bool) for k in ("grade", "solution", "locked"))
        assert isinstance(meta["grade_id"], str) and meta["grade_id"] and meta["grade_id"] not in ids
        ids.add(meta["grade_id"])
        if meta["grade"]:
            assert isinstance(meta["points"], (int, float)) and meta["points"] > 0 and meta["locked"]
            assert not meta["solution"] and "assert" in cell.source
        if meta["solution"]:
            assert cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source and not meta["locked"]
        elif "### BEGIN SOLUTION" in cell.source:
            raise AssertionError(f"a solution cell is not marked as one: {meta}")
    return ids


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stamped_metadata_is_valid_and_idempotent(path):
    nb = nbformat.read(path, as_version=4)
    k = stamp(nb, path.name[:2])
    solutions = [c for c in nb.cells if "### BEGIN SOLUTION" in c.source]
    assert k == len(solutions)
    ids = check_rules(nb)
    # each answer cell carries the exercise's stable id: kept as committed, named after a checker the cell calls
    committed = [c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(path, as_version=4).cells
                 if "### BEGIN SOLUTION" in c.source]
    assert [c.metadata["nbgrader"]["grade_id"] for c in solutions] == committed and set(committed) <= ids
    for cell, ex_id in zip(solutions, committed):
        assert ex_id.startswith(f"nb{path.name[:2]}_") and f"check_{ex_id[5:]}(" in cell.source
    again = copy.deepcopy(nb)
    stamp(again, path.name[:2])
    assert nbformat.writes(again) == nbformat.writes(nb)
    if HAVE_NBGRADER:
        from nbgrader.nbgraderformat import MetadataValidator

        MetadataValidator().validate_nb(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_course_version_has_one_graded_test_per_exercise(path):
    nb, k = course_notebook(path)
    check_rules(nb)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == k and all("assert _verdict.passed" in c.source for c in tests)
    if HAVE_NBGRADER:
        from nbgrader.nbgraderformat import MetadataValidator

        MetadataValidator().validate_nb(nb)


def test_stamp_file_in_place_is_idempotent(tmp_path):
    path = tmp_path / NOTEBOOKS[1].name
    shutil.copy(NOTEBOOKS[1], path)
    stamp_file(path)
    once = path.read_bytes()
    stamp_file(path)
    assert path.read_bytes() == once


WITH_EXERCISES = [p for p in NOTEBOOKS if "### BEGIN SOLUTION" in p.read_text(encoding="utf-8")]


def _first_answer_left_blank(text: str) -> str:
    """The nbgrader source notebook with its first exercise's solution block replaced by the learner template."""
    from course_lib.learner_copies import strip_solutions

    nb = nbformat.reads(text, as_version=4)
    cell = next(c for c in nb.cells if "### BEGIN SOLUTION" in c.source)
    cell.source = strip_solutions(cell.source)
    return nbformat.writes(nb)


@pytest.mark.skipif(not HAVE_NBGRADER, reason="nbgrader is not installed (pip install nbgrader to run this check)")
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.stem for p in WITH_EXERCISES])
def test_nbgrader_generates_and_autogrades(tmp_path, path):
    """Solutions score every point (one per exercise), the blank release 0, a copy with its first exercise left
    blank one point less; in 05 a missing transpose also loses exactly one point."""
    name = path.stem
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               OPENBLAS_NUM_THREADS="1")
    subprocess.run([sys.executable, str(ROOT / "tools" / "nbgrader_meta.py"), "--course", str(tmp_path),
                    str(path)], check=True, capture_output=True, env=env)

    def nbgrader(*args):
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=900)

    out = nbgrader("generate_assignment", name, "--force")
    assert out.returncode == 0, out.stderr[-2000:]
    release = tmp_path / "release" / name / f"{name}.ipynb"
    assert "BEGIN SOLUTION" not in release.read_text() and "assert _verdict.passed" in release.read_text()
    source = (tmp_path / "source" / name / f"{name}.ipynb").read_text()
    submissions = {"solution": source, "blank": release.read_text(), "first_blank": _first_answer_left_blank(source)}
    if name == "05_deep_backprop" and "Delta @ W.T" in source:
        submissions["transpose"] = source.replace("Delta @ W.T", "Delta @ W", 1)  # one exercise's transpose
    for student, text in submissions.items():
        folder = tmp_path / "submitted" / student / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(text)
    out = nbgrader("autograde", name, "--force")
    assert out.returncode == 0, out.stderr[-2000:]
    out = nbgrader("export")
    assert out.returncode == 0, out.stderr[-2000:]
    with open(tmp_path / "grades.csv") as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    cells = json.loads(path.read_text())["cells"]
    n = sum("### BEGIN SOLUTION" in "".join(c["source"]) for c in cells if c["cell_type"] == "code")  # 1 point each
    assert n >= 2
    expected = {"solution": (n, n), "blank": (0.0, n), "first_blank": (n - 1, n)}
    if "transpose" in submissions:
        expected["transpose"] = (n - 1, n)
    assert scores == expected
