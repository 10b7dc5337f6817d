"""nbgrader: the stamped exercise cells are valid nbgrader cells, and a class can be graded through the exchange.

tools/nbgrader_meta.py stamps the metadata (idempotently) and builds the nbgrader source notebooks, whose test
cells assert that the checkers pass. The rules checked here are nbgrader's own (schema 3: a grade_id on every
graded, solution or locked cell, unique per notebook; points on grade cells). When nbgrader is installed (`make
nbgrader-check`), tools/nbgrader_class.py init writes the course, both configs and the exchange, and for every
notebook with exercises the whole cycle runs: generate and release (the learner copy itself), fetch and submit
by two learners (two OS users when run as root), collect, autograde, generate/release/fetch feedback; the
grades are asserted. Without nbgrader those tests are skipped with the reason printed (-rs).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
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


RELEASED = "released (the learner copy)"
if os.environ.get("NBGRADER_CHECK_ONLY"):  # e.g. NBGRADER_CHECK_ONLY=01,05 while working on those notebooks
    WITH_EXERCISES = [p for p in WITH_EXERCISES if p.name[:2] in os.environ["NBGRADER_CHECK_ONLY"].split(",")]
LEARNER_IDS = ("alice", "bob")  # alice solves every exercise, bob hands the copy in as he fetched it


def _solved(fetched: str, course_path: Path) -> str:
    """A fetched learner copy with every exercise answered by the course's own solution (markers removed)."""
    from course_lib.learner_copies import exercise_id

    course = {exercise_id(c): c.source for c in nbformat.read(course_path, as_version=4).cells if exercise_id(c)}
    nb = nbformat.reads(fetched, as_version=4)
    for cell in nb.cells:
        if exercise_id(cell):
            cell.source = "\n".join(line for line in course[exercise_id(cell)].splitlines()
                                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return nbformat.writes(nb)


def _first_answer_left_blank(solved: str, fetched: str) -> str:
    """A solved copy whose first exercise is left as fetched."""
    nb, blank = nbformat.reads(solved, as_version=4), nbformat.reads(fetched, as_version=4)
    from course_lib.learner_copies import exercise_id

    first = next(i for i, c in enumerate(nb.cells) if exercise_id(c))
    nb.cells[first].source = blank.cells[first].source
    return nbformat.writes(nb)


# Runs nbgrader command lines, each in a forked child of one process that imported nbgrader once (a cold start
# of nbgrader takes seconds on a busy machine, the check runs ~80 commands). As root it first becomes the learner
# (uid, gid, no supplementary groups): the interpreter may live where other users cannot run it (a pyenv under
# /root), so it starts as root, imports nbgrader, then drops its rights before any command runs; every file of
# the exchange is then read and written with the learner's rights only. Prints one JSON line per command.
DRIVER = """
import json, os, pwd, runpy, sys, time
import nbgrader.apps.nbgraderapp, nbgrader.exchange.default.fetch_assignment, nbgrader.exchange.default.submit
import nbgrader.exchange.default.fetch_feedback, nbgrader.exchange.default.list, nbgrader.exchange.default.collect
import nbgrader.converters, nbgrader.preprocessors, nbgrader.api, nbgrader.apps.api, nbformat, nbconvert
if sys.argv[1] != "-":
    pw = pwd.getpwnam(sys.argv[1])
    os.setgroups([]); os.setgid(pw.pw_gid); os.setuid(pw.pw_uid)
    assert os.geteuid() == pw.pw_uid and os.getegid() == pw.pw_gid and not os.getgroups()
for args in json.loads(sys.argv[2]):
    sys.stdout.flush(); sys.stderr.write("=== nbgrader " + " ".join(args) + "\\n"); sys.stderr.flush()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        sys.argv = ["nbgrader", *args]
        try:
            runpy.run_module("nbgrader", run_name="__main__")
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            import traceback; traceback.print_exc(); code = 1
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"args": args, "rc": os.waitstatus_to_exitcode(status), "s": time.perf_counter() - t0}))
"""


class Klass:
    """An nbgrader course written by tools/nbgrader_class.py init, an exchange, two learner accounts, and the
    whole cycle run for every notebook with exercises, one phase at a time (`run`).

    As root (a CI container, a class's server) the learners are two OS users created for the test and removed
    after it, so the exchange's permissions are really exercised: nbgrader takes the student id from the OS
    user. Otherwise the learners are two ids in their own config folders (CourseDirectory.student_id)."""

    def __init__(self):
        self.created, self.times, self.results = [], {}, {}  # close() removes what was made, even after a failure
        self.base = Path(tempfile.mkdtemp(prefix="nbgrader-class-"))
        os.chmod(self.base, 0o755)  # learners must reach the exchange and their homes
        self.course, self.exchange = self.base / "course", self.base / "exchange"
        self.env = dict(os.environ, OPENBLAS_NUM_THREADS="1",
                        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        self.os_users = os.geteuid() == 0 and bool(shutil.which("useradd"))
        tag = f"{os.getpid() % 100000}"
        self.users = {k: f"bpg{k}{tag}" if self.os_users else k for k in LEARNER_IDS}
        self.names = [p.stem for p in WITH_EXERCISES]
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, str(ROOT / "tools" / "nbgrader_class.py"), "init", str(self.course),
                              "--exchange", str(self.exchange), *map(str, WITH_EXERCISES)],
                             capture_output=True, text=True, env=self.env)
        assert out.returncode == 0, out.stderr
        self.times["init"] = time.perf_counter() - t0
        for k, user in self.users.items():
            home = self.home(k)
            (home / ".jupyter").mkdir(parents=True)
            config = (self.course / "student_config" / "nbgrader_config.py").read_text()
            if not self.os_users:
                config += f"c.CourseDirectory.student_id = {user!r}\n"
            (home / ".jupyter" / "nbgrader_config.py").write_text(config)
            if self.os_users:
                subprocess.run(["useradd", "-M", "-d", str(home), "-s", "/bin/sh", user], check=True)
                self.created.append(user)
                subprocess.run(["chown", "-R", f"{user}:", str(home)], check=True)
        self.learner_copies = self.base / "learner_copies"
        self.learner_copies.mkdir()
        from course_lib.learner_copies import sync_one

        self.copy_error = {}
        for path in WITH_EXERCISES:  # what `make lab` (learner_copies.sync) writes for each notebook
            try:
                sync_one(path, self.learner_copies)
            except ValueError as exc:
                self.copy_error[path.stem] = str(exc)

    def home(self, k: str) -> Path:
        return self.base / "home" / k

    def nbgrader(self, who: str, commands: list[list[str]], phase: str) -> None:
        """Run nbgrader command lines as the instructor (who="-") or a learner; record rc and stderr per command."""
        home = self.course if who == "-" else self.home(who)
        env = self.env if who == "-" else dict(self.env, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"))
        user = "-" if who == "-" or not self.os_users else self.users[who]
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", DRIVER, user, json.dumps(commands)], cwd=home, env=env,
                             capture_output=True, text=True, timeout=3600)
        self.times[phase] = self.times.get(phase, 0) + time.perf_counter() - t0
        logs = out.stderr.split("=== nbgrader ")[1:]
        done = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        assert out.returncode == 0 and len(done) == len(commands), out.stderr[-3000:]
        for record, log in zip(done, logs):
            self.results[(who, *record["args"])] = (record["rc"], log[-3000:])

    def ok(self, who: str, *args) -> None:
        rc, log = self.results[(who, *args)]
        assert rc == 0, f"{who}: nbgrader {' '.join(args)}:\n{log}"

    def run(self) -> None:
        names = self.names
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, str(ROOT / "tools" / "nbgrader_class.py"), "release",
                              str(self.course), *names], cwd=self.course, env=self.env, capture_output=True,
                             text=True, timeout=3600)
        self.times["generate+release"] = time.perf_counter() - t0
        self.release_log = out.stdout + out.stderr
        released = [line.split()[0] for line in out.stdout.splitlines() if line.endswith(RELEASED)]
        for k in LEARNER_IDS:
            self.nbgrader(k, [["fetch_assignment", *released]], "fetch")
        self.solved, self.fetched_alice, self.released = {}, {}, released
        for name in released:
            path = ROOT / "notebooks" / f"{name}.ipynb"
            fetched = self.home("alice") / name / path.name
            if fetched.is_file():
                self.fetched_alice[name] = fetched.read_text()
                self.solved[name] = _solved(fetched.read_text(), path)
                fetched.write_text(self.solved[name])  # stays alice's file
        for k in LEARNER_IDS:
            self.nbgrader(k, [["submit", n] for n in released], "submit")
        self.nbgrader("-", [["collect", n] for n in released], "collect")
        # two more copies straight into submitted/, as if collected: the first exercise left blank; 05's transpose
        self.variants = {}
        for name, solved in self.solved.items():
            stamp = self.course / "submitted" / self.users["alice"] / name / "timestamp.txt"
            learner_copy = (self.learner_copies / f"{name}.ipynb").read_text()
            variants = {"first_blank": _first_answer_left_blank(solved, learner_copy)}
            if name == "05_deep_backprop" and "Delta @ W.T" in solved:
                variants["transpose"] = solved.replace("Delta @ W.T", "Delta @ W", 1)
            for student, text in variants.items():
                folder = self.course / "submitted" / student / name
                folder.mkdir(parents=True)
                (folder / f"{name}.ipynb").write_text(text)
                if stamp.is_file():
                    (folder / "timestamp.txt").write_text(stamp.read_text())
            self.variants[name] = list(variants)
        self.nbgrader("-", [["autograde", n, "--force"] for n in released], "autograde")
        self.nbgrader("-", [["generate_feedback", n, "--force"] for n in released], "generate_feedback")
        self.nbgrader("-", [["release_feedback", n, "--CourseDirectory.student_id_exclude="
                             + ",".join(self.variants.get(n, []))] for n in released], "release_feedback")
        for k in LEARNER_IDS:
            self.nbgrader(k, [["fetch_feedback", *released]], "fetch_feedback")
        self.times["cycle"] = time.perf_counter() - t0

    def close(self):
        for user in self.created:
            subprocess.run(["userdel", user], capture_output=True)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def klass():
    k = Klass.__new__(Klass)
    k.base, k.created, k.times = None, [], {}
    try:
        k.__init__()
        k.run()
        yield k
    finally:
        line = (f"nbgrader class cycle, {len(k.__dict__.get('names', []))} notebooks, "
                f"{'OS users' if k.__dict__.get('os_users') else 'student ids'}; seconds: "
                + ", ".join(f"{p} {t:.0f}" for p, t in k.times.items()))
        print("\n" + line)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "nbgrader-cycle.txt").write_text(line + "\n")  # make nbgrader-check prints it
        k.close()


@pytest.mark.skipif(not HAVE_NBGRADER, reason="nbgrader is not installed (pip install nbgrader to run this check)")
def test_init_writes_course_configs_and_exchange(klass):
    """One command: the course (0700), both configs, the exchange with nbgrader's modes."""
    assert stat.S_IMODE(os.stat(klass.course).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(klass.exchange).st_mode) == 0o1777
    modes = {sub: stat.S_IMODE(os.stat(klass.exchange / "backprop" / sub).st_mode)
             for sub in ("outbound", "inbound", "feedback")}
    assert modes == {"outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}
    student = (klass.course / "student_config" / "nbgrader_config.py").read_text()
    assert "backprop" in student and str(klass.exchange) in student and "CourseDirectory.root" not in student
    assert sorted(p.name for p in (klass.course / "source").iterdir()) == klass.names
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "nbgrader_class.py"), "init",
                          str(klass.base / "c2"), "--exchange", str(klass.base / "c2" / "x")],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "inside the course" in out.stderr  # the solutions never go in the exchange


@pytest.mark.skipif(not HAVE_NBGRADER, reason="nbgrader is not installed (pip install nbgrader to run this check)")
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=[p.stem for p in WITH_EXERCISES])
def test_class_cycle_through_the_exchange(klass, path):
    """release (the learner copy) -> fetch -> submit -> collect -> autograde -> feedback, two learners: alice's
    solved copy scores every point (one per exercise), bob's blank copy 0; a copy with its first exercise left
    blank one point less; in 05 a missing transpose also loses exactly one point. Both fetch their feedback."""
    name = path.stem
    assert name not in klass.copy_error, klass.copy_error.get(name)
    assert name in klass.released, klass.release_log[-3000:]
    learner_copy = (klass.learner_copies / path.name).read_text()
    for k in LEARNER_IDS:
        klass.ok(k, "submit", name)
        # what the learner fetched is the learner copy, byte for byte (alice's was answered after the fetch)
        fetched = (klass.home(k) / name / path.name).read_text() if k == "bob" else klass.fetched_alice[name]
        assert fetched == learner_copy
    klass.ok("-", "collect", name)
    submissions = {klass.users["alice"]: "solved", klass.users["bob"]: "blank"}
    for u in submissions:
        assert (klass.course / "submitted" / u / name / path.name).is_file()
    submissions.update({v: v for v in klass.variants[name]})
    klass.ok("-", "autograde", name, "--force")
    from nbgrader.api import Gradebook

    n = sum(1 for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code" and "### BEGIN SOLUTION" in "".join(c["source"]))  # 1 point each
    assert n >= 2
    with Gradebook(f"sqlite:///{klass.course / 'gradebook.db'}") as gb:
        scores = {kind: (gb.find_submission(name, student).score, gb.find_submission(name, student).max_score)
                  for student, kind in submissions.items()}
    expected = {"solved": (n, n), "blank": (0.0, n), "first_blank": (n - 1, n), "transpose": (n - 1, n)}
    assert scores == {kind: expected[kind] for kind in submissions.values()}
    klass.ok("-", "generate_feedback", name, "--force")
    for k in LEARNER_IDS:
        html = list((klass.home(k) / name / "feedback").glob(f"*/{name}.html"))
        assert len(html) == 1, (html, klass.results.get((k, "fetch_feedback", *klass.names)))
        score = n if k == "alice" else 0
        assert re.search(rf"Score:\s*{score}(\.0)?\s*/\s*{n}(\.0)?", html[0].read_text()), k
    print(f"{name}: {scores}")
