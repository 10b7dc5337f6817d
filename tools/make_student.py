"""Write learner copies of the notebooks with the exercise solutions removed.

Usage:
    python tools/make_student.py [OUT_DIR]         (`make student`, for instructors: default student/,
                                                   every copy rewritten)
    python tools/make_student.py --lab [OUT_DIR]   (`make lab`, for learners: never overwrites your work)

Every block between `### BEGIN SOLUTION` and `### END SOLUTION` becomes `# YOUR CODE HERE` at the same
indentation, followed by `raise NotImplementedError()` when the block is inside a function (indented), so
the learner's copy still runs top to bottom and the checkers report "not attempted yet". Each exercise
cell starts with a comment saying how to reveal its solution: `show_solution("05", 2)` prints it from the
full notebook in notebooks/. Outputs and execution counts are cleared.

--lab creates the copies that are missing and refreshes a copy only if it is exactly as this tool wrote it
(its SHA-256 is in OUT_DIR/.generated.json); a copy you have edited, run or saved is kept as it is.
Delete a copy to get a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
MANIFEST = ".generated.json"


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


def reveal_hint(number: str, exercise: int) -> str:
    """The comment put at the top of a stripped exercise cell."""
    return (f"# Stuck? After a real try, run in a new cell:  from course_lib.exercises import show_solution; "
            f"show_solution(\"{number}\", {exercise})")


def student_text(src: Path) -> tuple[str, int]:
    """The learner copy of one notebook as JSON text, and how many solution blocks it removed."""
    nb = nbformat.read(src, as_version=4)
    removed = exercise = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            blocks = cell.source.count("### BEGIN SOLUTION")
            if blocks:
                exercise += 1
                removed += blocks
                cell.source = reveal_hint(src.name[:2], exercise) + "\n" + strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return nbformat.writes(nb), removed


def make_student(src: Path, dst: Path) -> int:
    """Write the learner copy of one notebook; return how many solution blocks it removed."""
    text, removed = student_text(src)
    dst.write_text(text, encoding="utf-8")
    return removed


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lab(out: Path) -> None:
    """Create missing learner copies; refresh only the ones nobody has changed since they were written."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    for src in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text, _ = student_text(src)
        dst = out / src.name
        if dst.exists():
            current = _sha(dst.read_text(encoding="utf-8"))
            if current == _sha(text):
                continue
            if manifest.get(src.name) != current:
                print(f"{src.name:<40} kept: your copy (delete it for a fresh one)")
                continue
            action = "updated"
        else:
            action = "created"
        dst.write_text(text, encoding="utf-8")
        manifest[src.name] = _sha(text)
        print(f"{src.name:<40} {action}")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv):
    args = [a for a in argv if a != "--lab"]
    out = Path(args[0]) if args else ROOT / "student"
    if "--lab" in argv:
        lab(out)
        return
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for src in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        n = make_student(src, out / src.name)
        manifest[src.name] = _sha((out / src.name).read_text(encoding="utf-8"))
        print(f"{src.name:<40} {n} solution block(s) removed")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
