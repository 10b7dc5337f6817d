"""Solutions that don't spoil: learner copies for `make lab`, revealed one exercise at a time on demand.

tools/make_student.py --lab writes student/ without ever overwriting a learner's edited copy; each stripped
exercise cell names the `show_solution("NN", k)` call that prints its solution from notebooks/ (read as
JSON), and that call shows exactly the cell the learner's copy was stripped from.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.exercises import show_solution
from course_lib.exercises.solutions import exercises, solution_text

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
from make_student import MANIFEST, reveal_hint, strip_solutions, student_text  # noqa: E402

HINT = re.compile(r'show_solution\("(\d\d)", (\d+)\)')


def lab(out):
    cmd = [sys.executable, str(ROOT / "tools" / "make_student.py"), "--lab", str(out)]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_stripped_exercise_reveals_its_own_solution(path):
    copy = nbformat.reads(student_text(path)[0], as_version=4)
    full = [c for c in nbformat.read(path, as_version=4).cells if "### BEGIN SOLUTION" in c.source]
    hinted = [c for c in copy.cells if c.cell_type == "code" and HINT.search(c.source)]
    assert len(hinted) == len(full) == len(exercises(path.name[:2]))
    for k, (cell, original) in enumerate(zip(hinted, full), start=1):
        number, exercise = HINT.search(cell.source).groups()
        assert (number, int(exercise)) == (path.name[:2], k)
        assert cell.source == reveal_hint(number, k) + "\n" + strip_solutions(original.source)
        solution = solution_text(number, k)
        assert "BEGIN SOLUTION" not in solution and "END SOLUTION" not in solution
        body = [ln for ln in original.source.splitlines() if "SOLUTION" not in ln]
        assert solution.splitlines() == body


def test_show_solution_prints_the_code(capsys):
    show_solution("05", 1)
    out = capsys.readouterr().out
    assert "exercise 1 of 05_" in out and "def linear_backward" in out and "### BEGIN" not in out
    show_solution(5)
    assert 'show_solution(\'05\', 1)' in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["5x", "99", None, 3.5])
def test_show_solution_bad_notebook_is_refused_clearly(bad):
    with pytest.raises((ValueError, FileNotFoundError), match="notebook"):
        show_solution(bad, 1)


@pytest.mark.parametrize("bad", [0, 99, "1", True])
def test_show_solution_bad_exercise_is_refused_clearly(bad):
    with pytest.raises(ValueError, match="has exercises 1–"):
        show_solution("05", bad)


def test_lab_creates_refreshes_and_never_overwrites_edits(tmp_path):
    out = tmp_path / "student"
    first = lab(out)
    assert first.count("created") == len(NOTEBOOKS)
    names = [p.name for p in NOTEBOOKS]
    # an unmodified copy written by an older version of the tool is refreshed
    stale = out / names[1]
    old = stale.read_text().replace("# YOUR CODE HERE", "# YOUR CODE HERE (old wording)", 1)
    stale.write_text(old)
    manifest = json.loads((out / MANIFEST).read_text())
    import hashlib

    manifest[names[1]] = hashlib.sha256(old.encode()).hexdigest()
    (out / MANIFEST).write_text(json.dumps(manifest))
    # a copy the learner edited is kept, byte for byte
    edited = out / names[2]
    mine = edited.read_text().replace("# YOUR CODE HERE", "x = 42  # my answer", 1)
    edited.write_text(mine)
    # a deleted copy comes back
    (out / names[3]).unlink()
    second = lab(out)
    assert f"{names[1]:<40} updated" in second
    assert f"{names[2]:<40} kept" in second
    assert f"{names[3]:<40} created" in second
    assert edited.read_text() == mine
    assert stale.read_text() == student_text(NOTEBOOKS[1])[0]
    assert "created" not in lab(out) and "updated" not in lab(out)  # idempotent
