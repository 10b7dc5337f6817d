"""Stamp nbgrader metadata on the exercise cells, and build an nbgrader course that autogrades the checkers.

Usage:
    python tools/nbgrader_meta.py [notebooks/NN_name.ipynb ...]      stamp in place (default: every notebook)
    python tools/nbgrader_meta.py --course DIR [notebooks ...]        write an nbgrader course source in DIR

Stamping (idempotent; run it after editing exercises, before executing the notebooks):
- a code cell with a `### BEGIN SOLUTION` block is nbgrader's "autograded answer":
  {"grade": false, "solution": true, "locked": false, "grade_id": "nbNN_NAME", "schema_version": 3}.
  The grade_id is the exercise's stable id, used by `show_solution("NN", "NAME")`, the learner copies and
  nbgrader: a cell that has one keeps it (moving or inserting exercises never renumbers them); a new exercise
  cell gets NAME from the last checker it calls (`nbNN.check_NAME(...)`), made unique within the notebook;
- a code cell without a solution that calls a checker (`nbNN.check_…(…)`) is "read-only":
  {"grade": false, "solution": false, "locked": true, "grade_id": "nbNN_checkJ", "schema_version": 3};
- nbgrader metadata on any other cell is removed. Nothing else in the notebook changes.

A checker returns a verdict, it does not raise, and nbgrader gives full credit to a test cell that does not
raise. So `--course DIR` writes DIR/nbgrader_config.py and DIR/source/NN_name/NN_name.ipynb with every
exercise cell split in two: the answer (everything up to the checker call; "autograded answer") and a
locked test cell worth 1 point (`assert` that the checker passes; "autograder tests"). Then, in DIR:
    nbgrader generate_assignment NN_name      (release/NN_name/: solutions removed, tests kept)
    nbgrader autograde NN_name                (after collecting submissions)
tests/project/test_nbgrader.py checks the stamped metadata, and runs nbgrader itself when it is installed.
For a class (both configs, the exchange, and the learner copies as the released files) use
tools/nbgrader_class.py, which builds its source notebooks with `course_notebook` below.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = 3
CHECK_CALL = re.compile(r"^\s*(?:\w+\s*=\s*)?(nb\d\d\.check_\w+\(.*)$")


def _is_checker_cell(source: str) -> bool:
    return bool(re.search(r"\bnb\d\d\.check_\w+\(", source))


def answer_meta(ex_id: str) -> dict:
    return {"grade": False, "grade_id": ex_id, "locked": False, "schema_version": SCHEMA, "solution": True}


def readonly_meta(number: str, j: int) -> dict:
    return {"grade": False, "grade_id": f"nb{number}_check{j}", "locked": True, "schema_version": SCHEMA,
            "solution": False}


def test_meta(ex_id: str) -> dict:
    return {"grade": True, "grade_id": f"{ex_id}_test", "locked": True, "points": 1,
            "schema_version": SCHEMA, "solution": False}


def new_exercise_id(source: str, number: str, taken: set) -> str:
    """nbNN_NAME from the last checker the cell calls (nbNN_exercise if none), unique among `taken`."""
    names = re.findall(r"\bnb\d\d\.check_(\w+)\(", source)
    ex_id = f"nb{number}_{names[-1] if names else 'exercise'}"
    k, unique = 1, ex_id
    while unique in taken:
        k += 1
        unique = f"{ex_id}_{k}"
    return unique


def stamp(nb, number: str) -> int:
    """Stamp the metadata on a notebook node in place; return how many exercise cells it marked."""
    k = j = 0
    taken = set()
    for cell in nb.cells:
        old = cell.metadata.pop("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if "### BEGIN SOLUTION" in cell.source:
            k += 1
            ex_id = old.get("grade_id", "") if old.get("solution") else ""
            if not ex_id or ex_id in taken:
                ex_id = new_exercise_id(cell.source, number, taken)
            taken.add(ex_id)
            cell.metadata["nbgrader"] = answer_meta(ex_id)
        elif _is_checker_cell(cell.source):
            j += 1
            cell.metadata["nbgrader"] = readonly_meta(number, j)
    return k


def stamp_file(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    k = stamp(nb, path.name[:2])
    if nbformat.writes(nb) != before:
        nbformat.write(nb, path)
    return k


def _checker_call(line: str):
    """The checker call on a line (`nbNN.check_x(...)`, maybe assigned or wrapped in print()), else None."""
    text = line.strip()
    if text.startswith("print(") and text.endswith(")"):
        text = text[len("print("):-1]
    m = CHECK_CALL.match(text)
    return m.group(1) if m else None


def split_exercise(cell, ex_id: str):
    """(answer cell, test cell) for an exercise cell whose last statements call checkers; else (cell, None).

    The trailing run of checker calls moves to one graded test cell that asserts each verdict.
    """
    lines = cell.source.rstrip().splitlines()
    i = len(lines)
    while i > 0 and (_checker_call(lines[i - 1]) or re.fullmatch(r"\s*\w*\s*", lines[i - 1])):
        i -= 1  # checker calls, blank lines, and a bare name that displays a verdict assigned just above
    calls = [c for c in map(_checker_call, lines[i:]) if c]
    if calls and "SOLUTION" not in "\n".join(lines[i:]):
        answer = nbformat.v4.new_code_cell("\n".join(lines[:i]).rstrip())
        answer.metadata["nbgrader"] = answer_meta(ex_id)
        body = "\n".join(f"_verdict = {c}\nprint(_verdict)\nassert _verdict.passed, str(_verdict)" for c in calls)
        test = nbformat.v4.new_code_cell(body)
        test.metadata["nbgrader"] = test_meta(ex_id)
        return answer, test
    cell.metadata["nbgrader"] = answer_meta(ex_id)
    return cell, None


def course_notebook(path: Path):
    """The nbgrader source version of a notebook: exercise cells split into answer + graded test cell."""
    nb = nbformat.read(path, as_version=4)
    stamp(nb, path.name[:2])
    cells, k = [], 0
    for cell in nb.cells:
        ex_id = cell.metadata.pop("nbgrader", {}).get("grade_id", "") if "### BEGIN SOLUTION" in cell.source else ""
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if cell.cell_type == "code" and ex_id:
            k += 1
            answer, test = split_exercise(cell, ex_id)
            cells += [answer] + ([test] if test is not None else [])
        else:
            cells.append(cell)
    nb.cells = cells
    return nb, k


CONFIG = '''c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "backprop"
c.Exchange.root = {exchange!r}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
'''


def course(out: Path, paths) -> None:
    out = out.resolve()
    (out / "exchange").mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG.format(root=str(out), exchange=str(out / "exchange")))
    for path in paths:
        nb, k = course_notebook(path)
        dest = out / "source" / path.stem / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest)
        print(f"{path.name:<40} {k} exercise(s) -> source/{path.stem}/")


def main(argv):
    args = list(argv)
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return
    out = None
    if "--course" in args:
        i = args.index("--course")
        if i + 1 >= len(args):
            raise SystemExit("--course needs a directory")
        out = Path(args[i + 1])
        del args[i:i + 2]
    paths = [Path(p) for p in args] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"not a notebook file: {', '.join(missing)} (expected e.g. notebooks/05_deep_backprop.ipynb)")
    if out is not None:
        course(out, paths)
        return
    for path in paths:
        print(f"{path.name:<40} {stamp_file(path)} exercise cell(s) stamped")


if __name__ == "__main__":
    main(sys.argv[1:])
