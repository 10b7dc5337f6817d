"""A learner's work is never lost, and course updates still reach it (course_lib.learner_copies).

Each scenario of the learner-safety review is a test here: edit → update → edit kept and update present; a
conflict → both versions kept; unedited → refreshed; each odd state → a one-line message, the other copies still
written. The course update is simulated on a copy of notebooks/ in a temporary folder; "the learner" edits
their copy the way JupyterLab saves it (nbformat.write, outputs, execution counts, metadata, a trailing newline).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib import learner_copies as lc
from course_lib.exercises import hint, show_solution
from course_lib.exercises.solutions import LEGACY_POSITIONS, exercises, find_exercise, solution_text
from course_lib.exercises.solutions import hints as solutions_hints

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = lc.course_notebooks()
NAMES = [p.name for p in NOTEBOOKS]
HINT = re.compile(r'hint\("(\d\d)", "(\w+)"\)')
NB05 = "05_deep_backprop.ipynb"


# ---------------------------------------------------------------------------------------------------------------
# helpers: a course folder we can update, a learner who edits like JupyterLab saves


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course"
    shutil.copytree(ROOT / "notebooks", folder)
    return folder


def sync(out, course):
    return {line.name: line for line in lc.sync(out, course)}


def learner_edit(path: Path, edit) -> None:
    """Open, change and save a copy as JupyterLab would (outputs and execution counts, a trailing newline)."""
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    for k, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = k + 1
        cell.outputs = [nbformat.v4.new_output("stream", text=f"ran {k}\n")]
    nb.metadata["widgets"] = {"state": {}}
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def course_edit(course: Path, name: str, edit) -> None:
    nb = nbformat.read(course / name, as_version=4)
    edit(nb)
    nbformat.write(nb, course / name)


def answer(nb, text="    return 42  # MY ANSWER"):
    """Fill the second exercise of a notebook with a recognisable answer."""
    cell = [c for c in nb.cells if "# YOUR CODE HERE" in c.source][1]
    cell.source = cell.source.replace("    # YOUR CODE HERE\n    raise NotImplementedError()", text, 1)
    assert text in cell.source


def insert_course_cell(nb):
    nb.cells.insert(6, nbformat.v4.new_markdown_cell("A NEW COURSE PARAGRAPH"))
    nb.cells[2].source += "\nA NEW COURSE SENTENCE."


def texts(path):
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


# ---------------------------------------------------------------------------------------------------------------
# the learner version and stable exercise ids


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_stripped_exercise_reveals_its_own_solution(path):
    copy = lc.learner_notebook(path)
    full = [c for c in nbformat.read(path, as_version=4).cells if "### BEGIN SOLUTION" in c.source]
    hinted = [c for c in copy.cells if c.cell_type == "code" and HINT.search(c.source)]
    assert len(hinted) == len(full) == len(exercises(path.name[:2]))
    for cell, original in zip(hinted, full):
        number, ex_id = HINT.search(cell.source).groups()
        assert number == path.name[:2]
        assert original.metadata["nbgrader"]["grade_id"] == f"nb{number}_{ex_id}"
        assert cell.source.splitlines()[1:] == lc.strip_solutions(original.source).splitlines()
        assert "BEGIN SOLUTION" not in cell.source
        body = [ln for ln in original.source.splitlines() if "SOLUTION" not in ln]
        assert solution_text(number, ex_id).splitlines() == body


def test_exercise_ids_are_unique_and_named_after_a_checker_the_cell_calls():
    for path in NOTEBOOKS:
        ids = [ex["id"] for ex in exercises(path.name[:2])]
        assert len(ids) == len(set(ids)), path.name
        for ex in exercises(path.name[:2]):
            assert f"check_{ex['id']}(" in ex["source"], (path.name, ex["id"])


def test_first_copy_numbers_still_open_the_exercise_they_named(capsys):
    # the first learner copies said show_solution("05", 3) for the 3rd exercise of 05, which was input_gradient;
    # a number whose exercise a later update replaced says so (5.2, mlp_backward, is now other exercises)
    kept = replaced = 0
    for number, legacy in LEGACY_POSITIONS.items():
        current = {ex["id"] for ex in exercises(number)}
        for k, ex_id in enumerate(legacy, start=1):
            if ex_id in current:
                assert find_exercise(number, k)["id"] == ex_id
                kept += 1
            else:
                with pytest.raises(ValueError, match=rf'exercise {k} of the first learner copies \("{ex_id}"\) '
                                                     r"any more: a course update replaced it"):
                    find_exercise(number, k)
                replaced += 1
    assert kept and replaced
    show_solution("05", 3)
    assert "def input_gradient" in capsys.readouterr().out


def test_a_stable_id_survives_an_inserted_exercise(tmp_path, monkeypatch):
    from course_lib.exercises import solutions

    folder = tmp_path / "nbs"
    shutil.copytree(ROOT / "notebooks", folder)
    nb = nbformat.read(folder / NB05, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "### BEGIN SOLUTION" in c.source)
    new = nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
                                    "nb05.check_brand_new(f)")
    nb.cells.insert(first, new)
    sys.path.insert(0, str(ROOT / "tools"))
    from nbgrader_meta import stamp

    stamp(nb, "05")
    nbformat.write(nb, folder / NB05)
    monkeypatch.setattr(solutions, "NOTEBOOKS", folder)
    before = [ex["id"] for ex in exercises("05")]
    assert before[0] == "brand_new"
    assert find_exercise("05", "input_gradient")["number"] == before.index("input_gradient") + 1  # moved, same
    assert solution_text("05", 3) == solution_text("05", "input_gradient")  # the old number still names it


def test_hints_come_in_tiers_and_end_in_the_solution(capsys, monkeypatch):
    from course_lib.exercises import nb05, solutions

    monkeypatch.setattr(nb05, "HINTS", {"gated_backward": ["NUDGE TEXT", "KEY STEP TEXT"]}, raising=False)
    monkeypatch.setattr(solutions, "_SEEN", {})
    shown = []
    for _ in range(4):
        hint("05", "gated_backward")
        shown.append(capsys.readouterr().out)
    assert "NUDGE TEXT" in shown[0] and "KEY STEP" not in shown[0] and "def gated_backward" not in shown[0]
    assert "KEY STEP TEXT" in shown[1] and "def gated_backward" not in shown[1]
    assert "def gated_backward" in shown[2] and shown[3] == shown[2]  # the solution stays the last tier
    hint("05", "gated_backward", 1)
    assert "NUDGE TEXT" in capsys.readouterr().out
    with pytest.raises(ValueError, match="tiers 1–3"):
        hint("05", "gated_backward", 4)


def test_every_exercise_has_a_nudge_and_a_key_step_and_none_is_in_the_exercise_text():
    for path in NOTEBOOKS:
        for ex in exercises(path.name[:2]):
            tiers = solutions_hints(path.name[:2], ex["id"])
            assert len(tiers) >= 2 and all(isinstance(t, str) and len(t) > 20 for t in tiers), (path.name, ex["id"])
            assert len(set(tiers)) == len(tiers)
        # the exercise texts point at hint() but hold no hint themselves ("Hint: …", "*Hint.* …")
        cells = nbformat.read(path, as_version=4).cells
        start = next((i for i, c in enumerate(cells) if c.source.startswith("## Check yourself")), len(cells))
        for cell in cells[start:]:
            if cell.cell_type == "markdown":
                assert not re.search(r"\bHints?\b\W{0,3}[:.]", cell.source), (path.name, cell.source[:80])


@pytest.mark.parametrize("bad", ["no_such_exercise", 99, 0, True, 2.0])
def test_an_unknown_exercise_is_refused_with_the_list_of_ids(bad):
    with pytest.raises(ValueError, match='"input_gradient"'):
        show_solution("05", bad)


def test_a_replaced_exercise_says_so():
    with pytest.raises(ValueError, match="a course update replaced it"):
        show_solution("05", "no_such_exercise")


@pytest.mark.parametrize("bad", ["5x", "99", None, 3.5])
def test_show_solution_bad_notebook_is_refused_clearly(bad):
    with pytest.raises((ValueError, FileNotFoundError), match="notebook"):
        show_solution(bad, 1)


# ---------------------------------------------------------------------------------------------------------------
# the scenarios


def test_first_run_creates_every_copy_and_a_second_changes_nothing(tmp_path, course):
    out = tmp_path / "student"
    assert {line.status for line in sync(out, course).values()} == {"created"}
    assert sorted(p.name for p in out.glob("*.ipynb")) == NAMES
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {line.text for line in sync(out, course).values()} == {"up to date"}
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_edit_survives_an_update_and_the_update_arrives(tmp_path, course):
    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, lambda nb: (answer(nb), nb.cells.insert(4, nbformat.v4.new_markdown_cell("MY NOTE"))))
    pre_merge = (out / NB05).read_bytes()
    course_edit(course, NB05, insert_course_cell)
    line = sync(out, course)[NB05[:-6]]
    assert line.status == "merged" and "your 2 edited cells kept" in line.text
    merged = texts(out / NB05)
    for mine in ("MY ANSWER", "MY NOTE"):
        assert mine in merged
    for theirs in ("A NEW COURSE PARAGRAPH", "A NEW COURSE SENTENCE."):
        assert theirs in merged
    assert merged.index("MY NOTE") < merged.index("A NEW COURSE PARAGRAPH")  # each cell where its author put it
    outputs = [o for c in nbformat.read(out / NB05, as_version=4).cells for o in c.get("outputs", [])]
    assert outputs, "the learner's outputs are kept too"
    backups = list((out / ".course" / "backups").glob("05_deep_backprop.*.ipynb"))
    assert [b.read_bytes() for b in backups] == [pre_merge]
    assert sync(out, course)[NB05[:-6]].status == "unchanged"  # merged once, not again


def test_an_unedited_copy_saved_by_jupyter_is_refreshed(tmp_path, course):
    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, lambda nb: None)  # run and saved, nothing edited
    (out / NAMES[3]).write_text((out / NAMES[3]).read_text().replace("\n", "   \n"))  # whitespace only
    course_edit(course, NB05, insert_course_cell)
    course_edit(course, NAMES[3], insert_course_cell)
    lines = sync(out, course)
    assert lines[NB05[:-6]].status == lines[NAMES[3][:-6]].status == "refreshed"
    assert "A NEW COURSE PARAGRAPH" in texts(out / NB05)
    assert lc.cell_texts(nbformat.read(out / NB05, as_version=4)) == lc.cell_texts(lc.learner_notebook(course / NB05))


def test_an_edited_copy_with_no_course_change_is_left_byte_for_byte(tmp_path, course):
    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, answer)
    mine = (out / NB05).read_bytes()
    line = sync(out, course)[NB05[:-6]]
    assert line.text == "course unchanged; your 1 edited cell kept"
    assert (out / NB05).read_bytes() == mine


def test_a_conflict_keeps_both_versions_and_the_learner_can_settle_it(tmp_path, course):
    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, lambda nb: setattr(nb.cells[2], "source", nb.cells[2].source + "\nMY REWRITE"))
    mine = (out / NB05).read_bytes()
    course_edit(course, NB05, lambda nb: setattr(nb.cells[2], "source", nb.cells[2].source + "\nTHE COURSE'S"))
    line = sync(out, course)[NB05[:-6]]
    beside = out / "05_deep_backprop.course-update.ipynb"
    assert line.status == "conflict" and beside.name in line.text and "untouched" in line.text
    assert (out / NB05).read_bytes() == mine
    assert "THE COURSE'S" in texts(beside) and "MY REWRITE" not in texts(beside)
    # running again writes no second file and changes nothing
    assert sync(out, course)[NB05[:-6]].status == "conflict"
    assert sorted(p.name for p in out.glob("05_*")) == [beside.name, NB05]
    # the learner takes the sentence by hand, deletes the update: up to date, no more conflict
    learner_edit(out / NB05, lambda nb: setattr(nb.cells[2], "source", nb.cells[2].source + "\nTHE COURSE'S"))
    beside.unlink()
    assert sync(out, course)[NB05[:-6]].status == "unchanged"
    assert not beside.exists() and "MY REWRITE" in texts(out / NB05)


def test_a_merge_that_fails_inside_nbdime_keeps_the_copy_and_writes_the_update_beside(tmp_path, course,
                                                                                      monkeypatch):
    import nbdime

    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, answer)
    mine = (out / NB05).read_bytes()
    course_edit(course, NB05, insert_course_cell)

    def broken(*args, **kwargs):
        raise RuntimeError("nbdime could not decide")

    monkeypatch.setattr(nbdime, "merge_notebooks", broken)
    line = sync(out, course)[NB05[:-6]]
    assert line.status == "conflict" and (out / NB05).read_bytes() == mine
    assert "A NEW COURSE PARAGRAPH" in texts(out / "05_deep_backprop.course-update.ipynb")


def test_an_update_written_beside_a_copy_never_overwrites_an_edited_one(tmp_path, course):
    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, lambda nb: setattr(nb.cells[2], "source", "MY REWRITE"))
    course_edit(course, NB05, lambda nb: setattr(nb.cells[2], "source", "COURSE 1"))
    sync(out, course)
    beside = out / "05_deep_backprop.course-update.ipynb"
    learner_edit(beside, lambda nb: setattr(nb.cells[3], "source", "MY WORK IN THE UPDATE FILE"))
    theirs = beside.read_bytes()
    course_edit(course, NB05, lambda nb: setattr(nb.cells[2], "source", "COURSE 2"))
    line = sync(out, course)[NB05[:-6]]
    assert "05_deep_backprop.course-update-2.ipynb" in line.text
    assert beside.read_bytes() == theirs and "COURSE 2" in texts(out / "05_deep_backprop.course-update-2.ipynb")


def test_a_deleted_copy_comes_back_and_a_renamed_one_is_kept(tmp_path, course):
    out = tmp_path / "student"
    sync(out, course)
    learner_edit(out / NB05, answer)
    (out / NB05).rename(out / "05_mine.ipynb")
    assert sync(out, course)[NB05[:-6]].status == "created"
    assert "MY ANSWER" in texts(out / "05_mine.ipynb") and "MY ANSWER" not in texts(out / NB05)


@pytest.mark.parametrize("odd", ["not utf-8", "not json", "not a notebook", "a folder", "read-only"])
def test_an_odd_copy_gets_one_line_and_the_others_are_still_written(tmp_path, course, odd):
    out = tmp_path / "student"
    sync(out, course)
    target = out / NB05
    if odd == "not utf-8":
        target.write_bytes(target.read_bytes()[:500] + b"\xff\xfe caf\xe9")
    elif odd == "not json":
        target.write_text('{"cells": [', encoding="utf-8")
    elif odd == "not a notebook":
        target.write_text('{"hello": 1}', encoding="utf-8")
    elif odd == "a folder":
        target.unlink()
        target.mkdir()
        (target / "inside.txt").write_text("mine")
    else:
        learner_edit(target, lambda nb: None)
        target.chmod(0o444)
    before = target.read_bytes() if target.is_file() else None
    for name in NAMES:
        course_edit(course, name, insert_course_cell)
    lines = lc.sync(out, course)
    by_name = {line.name: line for line in lines}
    line = by_name[NB05[:-6]]
    assert line.status == "skipped" and "\n" not in str(line) and len(str(line)) < 200
    if odd == "a folder":
        assert (target / "inside.txt").read_text() == "mine"
    else:
        assert target.read_bytes() == before
    assert all(by_name[n[:-6]].status == "refreshed" for n in NAMES if n != NB05)
    assert "05_deep_backprop.course-update.ipynb" in line.text  # the course version is written beside it
    if odd != "read-only":
        assert "05_deep_backprop.course-update.ipynb" in line.text
        assert "A NEW COURSE PARAGRAPH" in texts(out / "05_deep_backprop.course-update.ipynb")


@pytest.mark.parametrize("odd", ["a file", "a broken link"])
def test_student_that_is_not_a_folder_is_explained_in_one_line_and_left_alone(tmp_path, odd):
    out = tmp_path / "student"
    if odd == "a file":
        out.write_text("my notes")
    else:
        out.symlink_to(tmp_path / "gone")
    run = subprocess.run([sys.executable, "-m", "course_lib.learner_copies", str(out)], capture_output=True,
                         text=True, cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and str(out) in run.stderr
    assert out.read_text() == "my notes" if odd == "a file" else (out.is_symlink() and not out.exists())


def test_the_command_prints_one_line_per_notebook(tmp_path):
    run = subprocess.run([sys.executable, "-m", "course_lib.learner_copies", "student"], capture_output=True,
                         text=True, cwd=tmp_path, check=True)
    lines = run.stdout.strip().splitlines()
    assert lines[0] == "Your copies in student/ (edits are never overwritten):"
    assert [ln.split()[0] for ln in lines[1:]] == [p.stem for p in NOTEBOOKS]


# ---------------------------------------------------------------------------------------------------------------
# copies written by the course's first tool (student/.generated.json, positional hints)


def _legacy_copy(out, name, nb_text):
    text = lc._legacy_learner_text(nbformat.reads(nb_text, as_version=4), name[:2])
    (out / name).write_text(text, encoding="utf-8")
    manifest_path = out / lc.LEGACY_MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    manifest_path.write_text(json.dumps(manifest))


def _committed(name):
    try:
        return subprocess.run(["git", "show", f"HEAD:notebooks/{name}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs the course's git history (a git checkout)")


def test_an_unedited_first_tool_copy_is_refreshed(tmp_path):
    out = tmp_path / "student"
    out.mkdir()
    _legacy_copy(out, NB05, (ROOT / "notebooks" / NB05).read_text())
    line = sync(out, ROOT / "notebooks")[NB05[:-6]]
    assert line.status == "refreshed"
    assert HINT.search(texts(out / NB05)), "the copy now names exercises by id"


def test_an_edited_first_tool_copy_is_merged_against_its_version_in_git_history(tmp_path):
    out = tmp_path / "student"
    out.mkdir()
    _legacy_copy(out, NB05, _committed(NB05))
    learner_edit(out / NB05, answer)
    line = sync(out, ROOT / "notebooks")[NB05[:-6]]
    if line.status == "unchanged":  # HEAD's notebook is the working tree's: nothing to merge
        assert "MY ANSWER" in texts(out / NB05)
        return
    assert line.status == "merged", line.text
    assert "MY ANSWER" in texts(out / NB05) and HINT.search(texts(out / NB05))


def test_an_edited_copy_of_unknown_origin_is_kept_with_the_course_version_beside_it(tmp_path, course):
    out = tmp_path / "student"
    out.mkdir()
    _legacy_copy(out, NB05, (course / NB05).read_text())
    manifest = json.loads((out / lc.LEGACY_MANIFEST).read_text())
    manifest[NB05] = "0" * 64  # a version this checkout has never seen
    (out / lc.LEGACY_MANIFEST).write_text(json.dumps(manifest))
    learner_edit(out / NB05, answer)
    mine = (out / NB05).read_bytes()
    line = sync(out, course)[NB05[:-6]]
    assert line.status == "kept" and "05_deep_backprop.course-update.ipynb" in line.text
    assert (out / NB05).read_bytes() == mine


# ---------------------------------------------------------------------------------------------------------------
# no command deletes or rewrites student/


def test_no_make_target_removes_or_rewrites_student_wholesale():
    makefile = (ROOT / "Makefile").read_text()
    recipes = [line for line in makefile.splitlines() if line.startswith("\t")]
    assert not [r for r in recipes if re.search(r"\b(rm|mv|cp)\b[^#]*\bstudent\b", r)]
    dry = subprocess.run(["make", "-n", "-C", str(ROOT), "clean"], capture_output=True, text=True)
    assert dry.returncode == 0 and "rm" in dry.stdout and "student" not in dry.stdout
    # tools may name student/ (a launch link, a check of Binder's postBuild) but never write, copy or delete there
    write = re.compile(r"write_text|write_bytes|shutil\.(copy|move|rmtree)|\.unlink\(|\.rename\(|open\([^)]*[\"']w")
    writers = [f"{p.name}:{i}" for p in (ROOT / "tools").glob("*.py")
               for i, line in enumerate(p.read_text().splitlines(), 1)
               if re.search(r"\bstudent\b", line) and write.search(line)]
    assert not writers, f"only course_lib.learner_copies writes learner copies; also in {writers}"


def test_make_lab_serves_the_repository_root_so_docs_links_resolve():
    makefile = (ROOT / "Makefile").read_text()
    lab = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "--ServerApp.root_dir=." in lab and "/lab/tree/student/00_start_here.ipynb" in makefile
    for path in NOTEBOOKS:  # every relative link of a copy in student/ names a file that exists from there
        markdown = "\n".join(c.source for c in lc.learner_notebook(path).cells if c.cell_type == "markdown")
        for target in re.findall(r"\]\(([\w./-]+\.(?:ipynb|md|png|py|txt))[#)]", markdown):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = Path(os.path.normpath(ROOT / "student" / target))
            if resolved.parent == ROOT / "student":  # another learner copy: exists once its notebook does
                resolved = ROOT / "notebooks" / resolved.name
            assert resolved.exists(), (path.name, target)
