"""Grade a class with nbgrader's exchange: the course, both configs and the exchange in one command.

Usage:
    python tools/nbgrader_class.py init DIR [--exchange PATH] [--course-id ID] [notebooks ...]
    python tools/nbgrader_class.py release DIR [NN_name ...]

`init DIR` writes, for every notebook with exercises (or the ones named):
- DIR/source/NN_name/NN_name.ipynb: the nbgrader source (tools/nbgrader_meta.py: each exercise an autograded
  answer followed by a locked 1-point test asserting that its checker passes);
- DIR/nbgrader_config.py: the instructor's config (course root, course id, exchange root; autograde puts back
  the test cells a learner copy does not have, see below);
- DIR/student_config/nbgrader_config.py: the learners' config (course id and exchange root only). Install it
  where every learner's nbgrader reads it: /etc/jupyter/nbgrader_config.py on a shared host (or each learner's
  ~/.jupyter/, or the single-user image);
- DIR itself readable by its owner only (0700): source/ holds the solutions;
- the exchange (default /srv/nbgrader/exchange, nbgrader's default; never inside DIR): its root
  world-writable with the sticky bit (1777; nbgrader's docs ask for a root every user can read and write, and
  release_assignment insists on rwx for all), and the course's folders with the modes nbgrader's own release
  gives them: outbound 0755, inbound 2733 (learners can drop a submission in but not list or read the others'),
  feedback 0711.

`release DIR [NN_name ...]` runs `nbgrader generate_assignment` (which records the source cells, tests and
checksums in the gradebook), then replaces the generated student version by the learner copy, the very file
`python -m course_lib.learner_copies` (and `make lab`) writes, and runs `nbgrader release_assignment`. So a
learner fetches the same notebook `make lab` gives them: each exercise keeps its checker and its hint line.
A learner copy has no separate test cells; the instructor's config sets `OverwriteCells.add_missing_cells`, so
autograde inserts each exercise's locked test after its answer (matched by the exercise's stable grade_id)
and grades that. Locked cells a learner changed are restored from the gradebook as usual.

Then, as in nbgrader's docs: learners `nbgrader fetch_assignment NN_name`, work in NN_name/, and `nbgrader
submit NN_name`; the instructor, in DIR, `nbgrader collect NN_name`, `nbgrader autograde NN_name`, `nbgrader
generate_feedback NN_name`, `nbgrader release_feedback NN_name`; learners `nbgrader fetch_feedback NN_name`.
The student id is the learner's OS user name (or $JUPYTERHUB_USER when the OS user is jovyan, as in the
docker-stacks images). `make nbgrader-check` runs the whole cycle with two learner accounts
(tests/project/test_nbgrader.py).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT))
from nbgrader_meta import course_notebook  # noqa: E402

COURSE_ID = "backprop"
# nbgrader's own modes (nbgrader/exchange/default/release_assignment.py, release_feedback.py), root as its docs say
ROOT_MODE = 0o1777
MODES = {"": 0o755, "outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}

INSTRUCTOR = '''# nbgrader config of the instructor (written by tools/nbgrader_class.py init)
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
# released copies are the learner copies, which keep the checker in the exercise cell and have no separate test
# cell: autograde inserts each exercise's locked 1-point test after its answer (by the exercise's grade_id)
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "The course's test of the exercise above (cell {{cell_id}}), added by the grader.\\n\\n")
'''

STUDENT = '''# nbgrader config of the learners (written by tools/nbgrader_class.py init): install it as
# /etc/jupyter/nbgrader_config.py on the class's host (or in each learner's ~/.jupyter/). The student id is the
# OS user name, or $JUPYTERHUB_USER when the OS user is jovyan.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
'''


def notebooks_with_exercises() -> list[Path]:
    """The course notebooks that have at least one exercise (00 has none)."""
    return [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            if "### BEGIN SOLUTION" in p.read_text(encoding="utf-8")]


def make_exchange(exchange: Path, course_id: str = COURSE_ID) -> list[str]:
    """Create (or fix the modes of) the exchange root and the course's folders; return warnings about parents."""
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, ROOT_MODE)
    for sub, mode in MODES.items():
        path = exchange / course_id / sub if sub else exchange / course_id
        path.mkdir(exist_ok=True)
        os.chmod(path, mode)
    warnings = []
    for parent in exchange.resolve().parents:
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            warnings.append(f"{parent} is not searchable by other users (o+x): learners cannot reach the exchange")
    return warnings


def init(out: Path, exchange: Path | None = None, course_id: str = COURSE_ID, paths=None) -> None:
    """Write the course in `out`, both configs, and the exchange (see the module docstring)."""
    out = out.resolve()
    exchange = (exchange or Path("/srv/nbgrader/exchange")).resolve()
    if exchange == out or out in exchange.parents:
        raise SystemExit(f"the exchange {exchange} is inside the course {out}, whose source/ holds the solutions: "
                         f"put it elsewhere (--exchange PATH)")
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)  # source/, the gradebook and the submissions are the instructor's alone
    paths = [Path(p) for p in paths] if paths else notebooks_with_exercises()
    for path in paths:
        nb, k = course_notebook(path)
        if k == 0:
            print(f"{path.name:<40} no exercises: left out")
            continue
        dest = out / "source" / path.stem / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest)
        print(f"{path.name:<40} {k} exercise(s) -> source/{path.stem}/")
    (out / "nbgrader_config.py").write_text(
        INSTRUCTOR.format(root=str(out), course_id=course_id, exchange=str(exchange)), encoding="utf-8")
    (out / "student_config").mkdir(exist_ok=True)
    (out / "student_config" / "nbgrader_config.py").write_text(
        STUDENT.format(course_id=course_id, exchange=str(exchange)), encoding="utf-8")
    for line in make_exchange(exchange, course_id):
        print(f"warning: {line}")
    print(f"instructor config: {out / 'nbgrader_config.py'}")
    print(f"learner config:    {out / 'student_config' / 'nbgrader_config.py'} "
          f"(install as /etc/jupyter/nbgrader_config.py)")
    print(f"exchange:          {exchange} (mode {oct(ROOT_MODE)[2:]})")


def release(course: Path, names=None) -> int:
    """generate_assignment, the learner copy as the released file, release_assignment; nbgrader's own API in this
    process (what its formgrader calls). Returns how many assignments failed (each failure is reported)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    from course_lib.learner_copies import sync_one  # what `make lab` runs for each notebook

    course = course.resolve()
    names = list(names) or sorted(p.name for p in (course / "source").iterdir() if p.is_dir())
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.ExchangeReleaseAssignment.force = True  # a re-release replaces the earlier one
    api = NbGraderAPI(config=config)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            try:
                sync_one(ROOT / "notebooks" / f"{name}.ipynb", Path(tmp))
                text = (Path(tmp) / f"{name}.ipynb").read_text(encoding="utf-8")
            except (OSError, ValueError) as exc:
                print(f"{name:<40} FAILED: no learner copy ({exc})")
                failed += 1
                continue
            result = api.generate_assignment(name, force=True)
            if result["success"]:
                (course / "release" / name / f"{name}.ipynb").write_text(text, encoding="utf-8")
                result = api.release_assignment(name)
            if not result["success"]:
                print(f"{name:<40} FAILED:\n{result.get('error') or result.get('log', '')[-3000:]}")
                failed += 1
                continue
            print(f"{name:<40} released (the learner copy)")
    return failed


def main(argv) -> int:
    """The command line: init or release."""
    args = list(argv)
    if not args or {"-h", "--help"} & set(args):
        print(__doc__)
        return 0 if args else 2
    command, rest = args[0], args[1:]

    def option(flag):
        if flag in rest:
            i = rest.index(flag)
            if i + 1 >= len(rest):
                raise SystemExit(f"{flag} needs a value")
            value = rest[i + 1]
            del rest[i:i + 2]
            return value
        return None

    if command == "init":
        exchange, course_id = option("--exchange"), option("--course-id") or COURSE_ID
        if not rest:
            raise SystemExit("init needs a directory: python tools/nbgrader_class.py init DIR")
        missing = [p for p in rest[1:] if not Path(p).is_file()]
        if missing:
            raise SystemExit(f"not a notebook file: {', '.join(missing)}")
        init(Path(rest[0]), Path(exchange) if exchange else None, course_id, rest[1:])
        return 0
    if command == "release":
        if not rest:
            raise SystemExit("release needs the course directory: python tools/nbgrader_class.py release DIR")
        return 1 if release(Path(rest[0]), rest[1:]) else 0
    raise SystemExit(f"unknown command {command!r} (init or release)")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
