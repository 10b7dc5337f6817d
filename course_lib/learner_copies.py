"""The learner's own copies of the notebooks: written once, updated with the course, never overwritten.

This is the one code path that writes and refreshes learner copies; `make lab`, `make student` and the tests all
call `sync` (or `python -m course_lib.learner_copies [DIR]`). A learner copy is the course notebook with every
exercise's solution block replaced by `# YOUR CODE HERE` (and `raise NotImplementedError()` inside a function),
outputs cleared, and a first line naming the exercise's stable id for `show_solution`.

The learner's notebooks are data. The rules:
- "Edited" means a cell's source changed (ignoring trailing whitespace and blank lines at either end) or a
  non-empty cell was added or removed. Outputs, execution counts, metadata and whitespace are not edits.
- Beside the copies, `DIR/.course/NN_name.ipynb` keeps the version each copy was made from (the merge base).
- When the course changed since then: an unedited copy is refreshed; an edited copy gets the course's changes
  merged in by nbdime's three-way notebook merge, keeping every cell the learner wrote or changed (the copy as it
  was before the merge is kept in `DIR/.course/backups/`). When the merge cannot be decided (the course changed a
  cell the learner also changed), the learner's copy is left untouched and the new course version is written
  beside it as `NN_name.course-update.ipynb` (never over an existing file); once the learner has taken what they
  want from it and deleted it, their copy counts as up to date with that version.
- Anything odd (a copy that is not a readable notebook, a folder with a notebook's name, a read-only copy) is
  reported in one line and left as it is; the other notebooks are still written. Nothing is ever deleted.

`sync` returns one `Line` per notebook ("05_deep_backprop  course updated; your 3 edited cells kept").
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STATE = ".course"
LEGACY_MANIFEST = ".generated.json"  # written by the course's first tool (sha-256 of each copy as written)
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
BESIDE = "course-update"


# ---------------------------------------------------------------------------------------------------------------
# the learner version of a course notebook


def strip_solutions(source: str) -> str:
    """Replace each solution block in a cell's source by the learner's placeholder (same indentation)."""
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


def exercise_id(cell) -> str:
    """The stable id of an exercise cell (its nbgrader grade_id, e.g. "nb05_gated_backward"); "" for other cells."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id", "") if meta.get("solution") else ""


def reveal_hint(number: str, ex_id: str) -> str:
    """The comment put at the top of a stripped exercise cell."""
    short = ex_id.removeprefix(f"nb{number}_")
    return (f"# Stuck? After a real try, run in a new cell:  from course_lib.exercises import hint; "
            f"hint(\"{number}\", \"{short}\")   (again: the key step; a third time: the solution)")


def learner_notebook(src: Path):
    """The learner copy of a course notebook (a NotebookNode): solutions removed, outputs cleared."""
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "### BEGIN SOLUTION" in cell.source:
            ex_id = exercise_id(cell)
            if not ex_id:
                raise ValueError(f"{src.name}: an exercise cell has no stable id; run tools/nbgrader_meta.py")
            cell.source = reveal_hint(src.name[:2], ex_id) + "\n" + strip_solutions(cell.source)
        cell.outputs = []
        cell.execution_count = None
    return nb


def course_notebooks(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """The course's numbered notebooks, in order."""
    return sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))


# ---------------------------------------------------------------------------------------------------------------
# what counts as an edit


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip("\n").splitlines()).strip()


def cell_texts(nb) -> list[tuple[str, str]]:
    """(cell type, normalised source) of every non-empty cell: what the learner can edit."""
    return [(c.cell_type, _norm(c.source)) for c in nb.cells if _norm(c.source)]


def edited_cells(base, mine) -> int:
    """How many cells of `mine` the learner wrote or changed relative to `base`, plus cells they removed."""
    before = cell_texts(base)
    after = cell_texts(mine)
    pool = list(before)
    changed = 0
    for cell in after:
        if cell in pool:
            pool.remove(cell)
        else:
            changed += 1
    return changed + max(0, len(pool) - changed)


def _same(a, b) -> bool:
    return cell_texts(a) == cell_texts(b)


def version_tag(nb) -> str:
    """A short fingerprint of a learner version's cells (names a file written beside a copy)."""
    return hashlib.sha256(json.dumps(cell_texts(nb)).encode()).hexdigest()[:8]


# ---------------------------------------------------------------------------------------------------------------
# files: read without surprises, write atomically, never over a learner's file


class Unreadable(Exception):
    """A learner copy that is not a notebook this tool can read; the message says why in a few words."""


def read_copy(path: Path):
    """The notebook at path, or raise Unreadable with a short reason."""
    if path.is_dir():
        raise Unreadable("a folder has this notebook's name")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"it cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"it is not UTF-8 text (byte {exc.start})") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:  # nbformat raises several types for non-notebooks
        raise Unreadable("it is not a valid notebook") from None
    if not isinstance(nb.get("cells"), list):
        raise Unreadable("it is not a valid notebook (no list of cells)")
    return nb


def _write(nb, path: Path) -> None:
    """Write a notebook atomically (a crash leaves the old file or the new one, never half of one)."""
    text = nbformat.writes(nb)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_new(nb, folder: Path, stem: str, tag: str) -> Path:
    """Write nb as folder/stem.tag.ipynb, or stem.tag-2.ipynb, … : never over an existing file.

    If a file of that family already holds the same cells, nothing is written and that file is returned.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(1, 1000):
        path = folder / (f"{stem}.{tag}.ipynb" if k == 1 else f"{stem}.{tag}-{k}.ipynb")
        if not path.exists() and not path.is_symlink():
            _write(nb, path)
            return path
        try:
            if _same(read_copy(path), nb):
                return path
        except Unreadable:
            pass
    raise OSError(f"too many {stem}.{tag}*.ipynb files")


def _backup(path: Path, folder: Path, stem: str) -> Path:
    """Copy a learner's file, byte for byte, to folder/stem.YYYYmmdd-HHMMSS.ipynb (a new name, never over one)."""
    folder.mkdir(parents=True, exist_ok=True)
    when = time.strftime("%Y%m%d-%H%M%S")
    for k in range(1, 1000):
        target = folder / (f"{stem}.{when}.ipynb" if k == 1 else f"{stem}.{when}-{k}.ipynb")
        try:
            with open(target, "xb") as f:  # "x": fails rather than overwrite
                f.write(path.read_bytes())
            return target
        except FileExistsError:
            continue
    raise OSError(f"too many backups of {stem} at {when}")


# ---------------------------------------------------------------------------------------------------------------
# the merge


def merge(base, mine, course):
    """nbdime's three-way merge of the learner's copy with the course's new version; None if undecidable."""
    from nbdime import merge_notebooks  # imported here: only an edited copy meeting a course update needs it

    try:
        merged, decisions = merge_notebooks(copy.deepcopy(base), copy.deepcopy(mine), copy.deepcopy(course))
        if any(d.conflict for d in decisions):
            return None
        nbformat.validate(merged)
    except Exception:  # anything nbdime cannot decide, or a result that is not a valid notebook: undecidable
        return None
    # a safety net over nbdime: every line the learner added, and every line the course added, is in the result
    def lines(nb) -> set:
        return {line.rstrip() for _, text in cell_texts(nb) for line in text.splitlines()}

    have, before = lines(merged), lines(base)
    if not (lines(mine) - before) <= have or not (lines(course) - before) <= have:
        return None
    return merged


# ---------------------------------------------------------------------------------------------------------------
# the one code path


@dataclass
class Line:
    """What happened to one notebook: its name, a status word, and a sentence for the learner."""

    name: str
    status: str  # created | unchanged | refreshed | merged | conflict | kept | skipped
    text: str

    def __str__(self) -> str:
        return f"{self.name:<36} {self.text}"


def _legacy_base(out: Path, src: Path, mine):
    """For copies written before DIR/.course existed: the version recorded in .generated.json, if it can be found.

    The old tool recorded the sha-256 of the text it wrote. A copy still byte-identical to it is unedited; otherwise
    the course's git history is searched for the notebook version whose old-style learner text has that sha.
    """
    try:
        recorded = json.loads((out / LEGACY_MANIFEST).read_text(encoding="utf-8")).get(src.name)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(recorded, str):
        return None
    try:
        if hashlib.sha256((out / src.name).read_bytes()).hexdigest() == recorded:
            return mine  # unedited since the old tool wrote it
    except OSError:
        return None
    try:
        revs = subprocess.run(["git", "log", "--format=%H", "--", f"notebooks/{src.name}"], cwd=src.parent.parent,
                              capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    for rev in revs[:200]:
        try:
            text = subprocess.run(["git", "show", f"{rev}:notebooks/{src.name}"], cwd=src.parent.parent,
                                  capture_output=True, text=True, timeout=30, check=True).stdout
            old = _legacy_learner_text(nbformat.reads(text, as_version=4), src.name[:2])
        except Exception:  # an old version this tool cannot render: try the next
            continue
        if hashlib.sha256(old.encode("utf-8")).hexdigest() == recorded:
            return nbformat.reads(old, as_version=4)
    return None


def _legacy_learner_text(nb, number: str) -> str:
    """The learner text the course's first tool wrote (positional show_solution hints)."""
    k = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            if "### BEGIN SOLUTION" in cell.source:
                k += 1
                hint = (f"# Stuck? After a real try, run in a new cell:  from course_lib.exercises import "
                        f"show_solution; show_solution(\"{number}\", {k})")
                cell.source = hint + "\n" + strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return nbformat.writes(nb)


def sync_one(src: Path, out: Path) -> Line:
    """Create, refresh or merge the learner copy of one course notebook; never lose an edit."""
    name, stem = src.stem, src.stem
    dst, state = out / src.name, out / STATE
    course = learner_notebook(src)
    base_path = state / src.name

    def remember(nb) -> None:
        state.mkdir(exist_ok=True)
        _write(nb, base_path)

    if not dst.exists() and not dst.is_symlink():
        _write(course, dst)
        remember(course)
        return Line(name, "created", "created")
    try:
        mine = read_copy(dst)
    except Unreadable as why:
        beside = _write_new(course, out, stem, BESIDE)
        return Line(name, "skipped", f"left as it is: {why}; the course version is {beside.name}")
    try:
        base = read_copy(base_path) if base_path.exists() else _legacy_base(out, src, mine)
    except Unreadable:
        base = None
    if base is None:  # no record of what the copy was made from: keep it, offer the course version beside it
        if _same(mine, course):
            remember(course)
            return Line(name, "unchanged", "up to date")
        beside = _write_new(course, out, stem, BESIDE)
        return Line(name, "kept", f"yours, kept; no record of the version it was made from, so the current "
                                  f"course version is beside it: {beside.name}")
    edits = edited_cells(base, mine)
    read_only = not dst.stat().st_mode & 0o222
    if _same(base, course):
        if not base_path.exists():
            remember(base)
        return Line(name, "unchanged", f"course unchanged; your {_n(edits, 'edited cell')} kept" if edits
                    else "up to date")
    if read_only:  # the learner protected this copy: respect it even where the file system would not (root)
        beside = _write_new(course, out, stem, BESIDE)
        return Line(name, "skipped", f"course updated, but your copy is read-only: left as it is; the new course "
                                     f"version is {beside.name}")
    try:
        if edits == 0:
            _write(course, dst)
            remember(course)
            return Line(name, "refreshed", "course updated (you had not edited this copy)")
        pending = state / f"{stem}.pending"
        if _pending_done(pending, out, course):  # the learner took the update by hand and deleted the file
            remember(course)
            pending.unlink()
            return Line(name, "unchanged", f"up to date (you took the course update by hand); "
                                           f"your {_n(edits, 'edited cell')} kept")
        merged = merge(base, mine, course)
        if merged is None:
            beside = _write_new(course, out, stem, BESIDE)
            pending.write_text(json.dumps({"file": beside.name, "version": version_tag(course)}), encoding="utf-8")
            return Line(name, "conflict", f"course updated a cell you edited too: your copy is untouched; the new "
                                          f"course version is {beside.name} (take what you want from it, then "
                                          f"delete it)")
        backup = _backup(dst, state / "backups", stem)
        _write(merged, dst)
        remember(course)
        return Line(name, "merged", f"course updated; your {_n(edits, 'edited cell')} kept "
                                    f"(before the update: {STATE}/backups/{backup.name})")
    except PermissionError:
        return Line(name, "skipped", "course updated, but this copy or its folder is read-only: left as it is")


def _pending_done(pending: Path, out: Path, course) -> bool:
    """True if a course update was written beside a copy and the learner has since deleted that file."""
    try:
        record = json.loads(pending.read_text(encoding="utf-8"))
        return record["version"] == version_tag(course) and not (out / record["file"]).exists()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _n(k: int, what: str) -> str:
    return f"{k} {what}{'' if k == 1 else 's'}"


def sync(out: Path, notebooks: Path = NOTEBOOKS) -> list[Line]:
    """Bring every learner copy in `out` up to date with the course notebooks; one Line per notebook."""
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise NotADirectoryError(f"{out} is a broken link (to {os.readlink(out)}); point it at a folder or "
                                 f"remove the link yourself")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a folder; move it away and run again")
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for src in course_notebooks(notebooks):
        try:
            lines.append(sync_one(src, out))
        except OSError as exc:  # e.g. a read-only folder: report it and go on with the others
            reason = exc.strerror or str(exc)
            lines.append(Line(src.stem, "skipped", f"left as it is: {reason}"))
    return lines


def main(argv=None) -> int:
    """`python -m course_lib.learner_copies [DIR]`: sync DIR (default student/) and print one line per notebook."""
    args = list(sys.argv[1:] if argv is None else argv)
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return 0
    out = Path(args[0]) if args else Path("student")
    try:
        lines = sync(out)
    except NotADirectoryError as exc:
        print(f"learner copies: {exc}", file=sys.stderr)
        return 2
    print(f"Your copies in {out}/ (edits are never overwritten):")
    for line in lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
