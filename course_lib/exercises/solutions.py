"""Reveal an exercise's solution on demand, from the full notebook in notebooks/ (read as JSON, never run).

The learner copies that `make lab` opens (student/, written by tools/make_student.py) have the solutions
removed; each exercise cell there says how to see its solution:

    from course_lib.exercises import show_solution
    show_solution("05", 2)      # exercise 2 of notebook 05
    show_solution("05")         # the list of notebook 05's exercises

Exercise k is the k-th code cell of the notebook that holds a `### BEGIN SOLUTION` block, in order.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
_TITLE = re.compile(r"\*\*(Exercise [\d.]+|\d+)\.?\*\*")


def notebook_path(notebook) -> Path:
    """notebooks/NN_….ipynb for "05", 5, "05_deep_backprop" or "05_deep_backprop.ipynb"."""
    if isinstance(notebook, int) and not isinstance(notebook, bool):
        notebook = f"{notebook:02d}"
    name = str(notebook).removesuffix(".ipynb")
    if not re.fullmatch(r"\d\d(_\w+)?", name):
        raise ValueError(f"notebook should be a two-digit number such as \"05\", got {notebook!r}")
    found = sorted(NOTEBOOKS.glob(f"{name[:2]}_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebook {name[:2]}_*.ipynb in {NOTEBOOKS.name}/ (the full notebooks ship "
                                "with the course repository; show_solution needs `pip install -e .`)")
    return found[0]


def exercises(notebook) -> list[dict]:
    """[{"number", "title", "source"}, …]: every code cell with a solution block, in order."""
    cells = json.loads(notebook_path(notebook).read_text(encoding="utf-8"))["cells"]
    out, title = [], ""
    for cell in cells:
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            found = _TITLE.findall(source)
            title = found[-1] if found else title
        elif "### BEGIN SOLUTION" in source:
            out.append({"number": len(out) + 1, "title": title, "source": source})
            title = ""
    return out


def solution_text(notebook, exercise: int) -> str:
    """The solution cell of exercise `exercise` (1, 2, …) of a notebook, without the solution markers."""
    found = exercises(notebook)
    if isinstance(exercise, bool) or not isinstance(exercise, int) or not 1 <= exercise <= len(found):
        raise ValueError(f"notebook {notebook_path(notebook).stem} has exercises 1–{len(found)}, got {exercise!r}")
    lines = found[exercise - 1]["source"].splitlines()
    return "\n".join(line for line in lines if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def show_solution(notebook, exercise: int | None = None) -> None:
    """Print the solution of an exercise (or, without `exercise`, the list of the notebook's exercises)."""
    path = notebook_path(notebook)
    if exercise is None:
        print(f"{path.stem}: exercises")
        for ex in exercises(notebook):
            print(f"  show_solution({path.stem[:2]!r}, {ex['number']})  {ex['title']}".rstrip())
        return
    print(f"# Solution of exercise {exercise} of {path.stem} (from notebooks/{path.name}):\n")
    print(solution_text(notebook, exercise))
