"""The learner's copies in a real browser, as `make lab` serves them (JupyterLab driven by headless Chromium).

A temporary folder stands in for the repository: docs/ copied, student/ written by `python -m
course_lib.learner_copies student` (the command `make lab` runs), and JupyterLab started with the flags of the
Makefile's lab target (root = the folder, default URL = student/00_start_here.ipynb). Then, like a learner:
- the first page that opens is student/00_start_here.ipynb;
- each kind of link in a copy opens what it names: another notebook, the sources page, the instructor's guide;
- in student/05 they type an answer into an exercise cell and save; the course changes (a paragraph is
  inserted into notebook 05, as after `git pull`) and the copy step runs again; after a reload the answer and
  the course's new paragraph are both in the notebook.
Screenshots go to test-artifacts/ (git-ignored), or to $LAB_SHOTS if set. Needs Chromium (see test_browser.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_browser import ARTIFACTS, _launch, chromium, jupyterlab  # noqa: F401

from course_lib import learner_copies

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "my_answer_typed_in_the_browser = 42"
NEW_PARAGRAPH = "A paragraph the course added after the learner's edit."

pytestmark = pytest.mark.browser


def _makefile_lab_flags():
    """The lab target's JupyterLab flags and its default URL, read from the Makefile (so the test follows it)."""
    makefile = (ROOT / "Makefile").read_text()
    url = re.search(r"^LAB_URL\s*:=\s*(\S+)", makefile, re.M).group(1)
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    line = next(ln for ln in recipe.splitlines() if "jupyter lab" in ln)
    flags = [f.replace("$(LAB_URL)", url) for f in line.split() if f.startswith("--")]
    return flags, url


@pytest.fixture
def lab_repo(tmp_path):
    """A stand-in repository with docs/ and a fresh student/, served by JupyterLab as `make lab` does."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(ROOT / "docs", repo / "docs")
    subprocess.run([sys.executable, "-m", "course_lib.learner_copies", "student"], cwd=repo, check=True,
                   capture_output=True)
    flags, url = _makefile_lab_flags()
    assert "--ServerApp.root_dir=." in flags
    with jupyterlab(tmp_path, repo, flags, "browser-student-jupyterlab.log") as (base, token):
        yield repo, base, token


def _click_link(page, path, expect_title, expect_text):
    """Click the first rendered link to `path` (from the repository root: JupyterLab renders a relative link as
    /files/PATH); the tab that opens must be `expect_title`, showing `expect_text`."""
    link = page.locator(f".jp-RenderedMarkdown a[href*='/files/{path}?']").first
    link.scroll_into_view_if_needed()
    link.click()
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=expect_title).first.wait_for(timeout=30_000)
    shown = page.locator(".jp-MainAreaWidget:not(.lm-mod-hidden)").get_by_text(expect_text).locator("visible=true")
    shown.first.wait_for(timeout=30_000)
    assert not page.get_by_text("File Load Error").count(), f"{path} did not open"


def test_links_open_and_an_answer_survives_a_course_update(chromium, lab_repo, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    repo, base, token = lab_repo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/?token={token}")  # the page `make lab`'s printed link leads to
            page.locator(".lm-TabBar-tab.jp-mod-current", has_text="00_start_here.ipynb").wait_for()
            assert "/lab/tree/student/00_start_here.ipynb" in page.url
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)

            # every link kind: the guide, the sources page, another notebook (each from student/00)
            _click_link(page, "docs/instructor_guide.md", "instructor_guide.md", "Before the first session")
            page.goto(f"{base}/lab/tree/student/00_start_here.ipynb?token={token}")
            page.locator(".lm-TabBar-tab.jp-mod-current", has_text="00_start_here.ipynb").wait_for()
            _click_link(page, "docs/sources.md", "sources.md", "S0")
            page.goto(f"{base}/lab/tree/student/00_start_here.ipynb?token={token}")
            page.locator(".lm-TabBar-tab.jp-mod-current", has_text="00_start_here.ipynb").wait_for()
            _click_link(page, "student/01_forward_pass.ipynb", "01_forward_pass.ipynb", "The forward pass")
            page.screenshot(path=str(ARTIFACTS / "student-link-notebook.png"))

            # type an answer into an exercise cell of student/05 and save
            page.goto(f"{base}/lab/tree/student/05_deep_backprop.ipynb?token={token}")
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)
            current = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            cell = current.locator(".jp-CodeCell").filter(has_text="# YOUR CODE HERE").first
            cell.scroll_into_view_if_needed()
            editor = cell.locator(".cm-content").first
            editor.click()
            page.keyboard.press("Control+End")
            page.keyboard.press("Enter")
            page.keyboard.type(ANSWER)
            page.keyboard.press("Control+s")
            copy = repo / "student" / "05_deep_backprop.ipynb"
            deadline = 30
            while ANSWER not in copy.read_text(encoding="utf-8") and deadline > 0:
                page.wait_for_timeout(500)
                deadline -= 0.5
            assert ANSWER in copy.read_text(encoding="utf-8"), "the save did not reach the file"

            # the course changes (as after git pull) and the copy step runs again
            course = tmp_path / "course"
            shutil.copytree(ROOT / "notebooks", course)
            nb = nbformat.read(course / "05_deep_backprop.ipynb", as_version=4)
            nb.cells.insert(3, nbformat.v4.new_markdown_cell(NEW_PARAGRAPH))
            nbformat.write(nb, course / "05_deep_backprop.ipynb")
            lines = {ln.name: ln for ln in learner_copies.sync(repo / "student", course)}
            assert lines["05_deep_backprop"].status == "merged", lines["05_deep_backprop"].text

            # reload: the answer and the course's paragraph are both there
            page.reload()
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)
            current.get_by_text(NEW_PARAGRAPH).locator("visible=true").first.wait_for(timeout=30_000)
            answer_cell = current.locator(".jp-CodeCell").filter(has_text=ANSWER).first
            answer_cell.scroll_into_view_if_needed()
            assert answer_cell.is_visible()
            page.screenshot(path=str(ARTIFACTS / "student-answer-kept.png"))
        finally:
            browser.close()
