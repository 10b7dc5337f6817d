"""Write learner copies of the notebooks with the exercise solutions removed (`make student`).

Usage: python tools/make_student.py [OUT_DIR]   (default: student/)
Every block between `### BEGIN SOLUTION` and `### END SOLUTION` becomes `# YOUR CODE HERE` at the same
indentation, followed by `raise NotImplementedError()` when the block is inside a function (indented), so
the learner's copy still runs top to bottom and the checkers report "not attempted yet". Outputs and
execution counts are cleared.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")


def strip_solutions(source: str) -> str:
    """Replace each solution block in a cell's source by the learner's placeholder."""
    out, inside, indent = [], False, ""
    for line in source.splitlines():
        m = BEGIN.match(line)
        if m and not inside:
            inside, indent = True, m.group(1)
            out.append(f"{indent}# YOUR CODE HERE")
            if indent:
                out.append(f"{indent}raise NotImplementedError()")
            continue
        if inside:
            if END.match(line):
                inside = False
            continue
        out.append(line)
    if inside:
        raise ValueError("a '### BEGIN SOLUTION' has no matching '### END SOLUTION'")
    return "\n".join(out)


def make_student(src: Path, dst: Path) -> int:
    """Write the learner copy of one notebook; return how many solution blocks it removed."""
    nb = nbformat.read(src, as_version=4)
    removed = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            removed += cell.source.count("### BEGIN SOLUTION")
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, dst)
    return removed


def main(argv):
    out = Path(argv[0]) if argv else ROOT / "student"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        n = make_student(src, out / src.name)
        print(f"{src.name:<40} {n} solution block(s) removed")


if __name__ == "__main__":
    main(sys.argv[1:])
