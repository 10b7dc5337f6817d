"""The course website (`make book`) in a real browser, and the Binder configuration.

The site tests open every page of build/book/html (built by `make book`; `make book-check` builds it and runs
them) in headless Chromium, served from 127.0.0.1 with no network, and check what a reader sees:
- formulas typeset by MathJax, with no MathJax error and no raw TeX left in the text (display equations carry
  their (N.k) numbers);
- every image loaded, each with an alt text that describes it (not a file name);
- every link inside the site resolving, anchors included;
- every notebook page with a launch link to its learner copy on Binder, and the lab's page with its picture.
Without a built site these tests are skipped, or fail when REQUIRE_BOOK=1 (as `make book-check` sets).

The Binder tests need nothing built: the dependency list equals pyproject's, Python is pinned as repo2docker
reads it, and postBuild writes the learner copies by the same code path as `make lab`.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import stat
import subprocess
import threading
import urllib.parse
from pathlib import Path

import pytest

try:
    import tomllib  # novermin (Python 3.11+; the except branch imports tomli on 3.10)
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from test_browser import CHROMIUM_ARGS, chromium  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "book" / "html"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*([<>=!~].*)?$")


def _requirements(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        m = REQUIREMENT.match(line.strip())
        if m:
            out[m.group(1).lower()] = (m.group(2) or "").replace(" ", "")
    return out


# ---- Binder -----------------------------------------------------------------------------------------------


def _binder_env() -> list[str]:
    text = (ROOT / "binder" / "environment.yml").read_text(encoding="utf-8")
    deps = text.split("\ndependencies:\n", 1)[1]
    return [line.strip()[2:] for line in deps.splitlines() if line.startswith("  - ")]


def test_binder_installs_exactly_the_runtime_dependencies_with_a_pinned_python():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = _requirements(pyproject["project"]["dependencies"])
    listed = _binder_env()
    python = [x for x in listed if x.startswith("python")]
    assert len(python) == 1 and re.fullmatch(r"python=3\.\d+", python[0]), (
        f"repo2docker reads the Python version from a single 'python=X.Y' line, found {python}")
    low = re.search(r">=\s*3\.(\d+)", pyproject["project"]["requires-python"]).group(1)
    assert int(python[0].split(".")[1]) >= int(low)
    got = _requirements(x for x in listed if not x.startswith("python"))
    assert got == wanted, "binder/environment.yml must list pyproject's dependencies with the same bounds"
    assert not any(x.startswith(("-e", "pip")) for x in listed), (
        "no local install in the environment: that would rebuild the whole environment on every commit")


def test_binder_writes_the_learner_copies_and_sets_one_blas_thread():
    post, start = ROOT / "binder" / "postBuild", ROOT / "binder" / "start"
    for script in (post, start):
        assert script.stat().st_mode & stat.S_IXUSR, f"{script.name} must be executable"
        mode = subprocess.run(["git", "ls-files", "-s", str(script.relative_to(ROOT))], cwd=ROOT,
                              capture_output=True, text=True).stdout
        assert not mode or mode.startswith("100755"), f"{script.name} is not executable in git: {mode}"
    body = post.read_text(encoding="utf-8")
    assert "python -m course_lib.learner_copies student" in body and "--no-deps" in body
    body = start.read_text(encoding="utf-8")
    assert "OPENBLAS_NUM_THREADS=1" in body and body.rstrip().endswith('exec "$@"')


def test_readme_badge_opens_the_learner_copy_of_notebook_00():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    repo = pyproject["project"]["urls"]["Repository"].removeprefix("https://github.com/").strip("/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    target = ("https://mybinder.org/v2/gh/" + repo + "/HEAD?urlpath="
              + urllib.parse.quote("lab/tree/student/00_start_here.ipynb", safe=""))
    assert f"(https://mybinder.org/badge_logo.svg)]({target})" in readme


# ---- the website ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site():
    """A 127.0.0.1 server of build/book/html; the base URL."""
    if not (SITE / "index.html").exists():
        if os.environ.get("REQUIRE_BOOK") == "1":
            pytest.fail("REQUIRE_BOOK=1 but the site is not built: run `make book`")
        pytest.skip("the course website is not built: `make book-check` builds it and runs these tests")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _pages() -> list[str]:
    pages = [f"notebooks/{n}.html" for n in NOTEBOOKS] + ["docs/sources.html", "docs/instructor_guide.html",
                                                          "README.html"]
    return pages


PAGE_STATE = """() => {
  const text = [...document.querySelectorAll('article')].map(a => {
    const c = a.cloneNode(true);
    c.querySelectorAll('pre, code, mjx-container, script, style, .highlight').forEach(e => e.remove());
    return c.innerText; }).join('\\n');
  return {
    text,
    mjx: document.querySelectorAll('mjx-container').length,
    errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    eqns: [...document.querySelectorAll('mjx-container[display="true"] mjx-mtd[id^="mjx-eqn"]')].map(e => e.id),
    images: [...document.querySelectorAll('article img')].map(i => ({src: i.getAttribute('src'), alt: i.alt,
             ok: i.complete && i.naturalWidth > 0})),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  };
}"""


@pytest.fixture(scope="module")
def rendered(site, chromium):  # noqa: F811  (chromium is a fixture)
    """Every page opened once in Chromium, after MathJax has typeset it: page -> what the reader sees."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        external = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(site) else None)
        for name in _pages():
            page.goto(site + name)
            page.wait_for_load_state("load")
            page.wait_for_function("() => !window.MathJax || (window.MathJax.startup && "
                                   "window.MathJax.startup.promise && true)")
            page.evaluate("() => window.MathJax ? window.MathJax.startup.promise : null")
            out[name] = page.evaluate(PAGE_STATE)
            if name.startswith("notebooks/05"):
                shots = Path(os.environ.get("LAB_SHOTS") or ROOT / "test-artifacts")
                shots.mkdir(exist_ok=True)
                page.screenshot(path=str(shots / "book-05.png"))
        browser.close()
    out["__external__"] = external
    return out


@pytest.mark.browser
@pytest.mark.book
def test_every_page_typesets_its_formulas(rendered):
    raw = re.compile(r"\$\$|\\(?:begin|frac|tag|mathbf|partial)\b|\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$")
    for name in _pages():
        r = rendered[name]
        assert r["errors"] == 0, f"{name}: {r['errors']} MathJax errors"
        leftover = [m.group(0)[:60] for m in raw.finditer(r["text"])]
        assert not leftover, f"{name}: raw TeX visible to the reader: {leftover[:5]}"
        if name.startswith("notebooks/") and not name.startswith("notebooks/00"):
            assert r["mjx"] > 0, f"{name}: no formula typeset"
    eqns = rendered["notebooks/" + next(n for n in NOTEBOOKS if n.startswith("05")) + ".html"]["eqns"]
    assert {"mjx-eqn:5.1", "mjx-eqn:5.2", "mjx-eqn:5.3"} <= set(eqns), eqns


@pytest.mark.browser
@pytest.mark.book
def test_every_image_loads_and_has_a_description(rendered):
    total = 0
    for name in _pages():
        for img in rendered[name]["images"]:
            total += 1
            assert img["ok"], f"{name}: image {img['src']} did not load"
            alt = img["alt"].strip()
            assert len(alt) > 15 and not re.search(r"\.(png|svg|jpg)$", alt), (
                f"{name}: image {img['src']} has no description (alt={alt!r})")
    assert total >= 20
    lab = rendered["notebooks/" + next(n for n in NOTEBOOKS if n.startswith("08")) + ".html"]
    assert any(i["src"].endswith("lab.png") and i["alt"].startswith("The live training lab") for i in lab["images"]), (
        "the lab's page shows its picture")


@pytest.mark.browser
@pytest.mark.book
def test_every_link_inside_the_site_resolves(rendered, site):
    ids = {name: set(rendered[name]["ids"]) for name in _pages()}
    checked = 0
    for name in _pages():
        for href in rendered[name]["links"]:
            url = urllib.parse.urljoin(site + name, href)
            if not url.startswith(site):
                continue
            path, _, anchor = url[len(site):].partition("#")
            path = urllib.parse.unquote(path) or "index.html"
            target = SITE / path
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{name}: link {href} → {path} does not exist"
            if anchor and path in ids:
                assert urllib.parse.unquote(anchor) in ids[path], f"{name}: link {href}: no #{anchor} in {path}"
            checked += 1
    assert checked > 50
    assert not rendered["__external__"], f"the site loads from outside: {rendered['__external__'][:3]}"


@pytest.mark.browser
@pytest.mark.book
def test_every_notebook_page_launches_its_learner_copy(rendered):
    for n in NOTEBOOKS:
        links = rendered[f"notebooks/{n}.html"]["links"]
        want = urllib.parse.quote(f"lab/tree/student/{n}.ipynb", safe="")
        assert any(h.startswith("https://mybinder.org/v2/gh/") and h.endswith(want) for h in links), (
            f"{n}: no Binder link to student/{n}.ipynb")


@pytest.mark.book
def test_the_table_of_contents_is_the_course_order():
    toc = ROOT / "build" / "book" / "src" / "_toc.yml"
    if not toc.exists():
        if os.environ.get("REQUIRE_BOOK") == "1":
            pytest.fail("REQUIRE_BOOK=1 but the site is not built")
        pytest.skip("the course website is not built")
    files = re.findall(r"(?:root|file): (\S+)", toc.read_text(encoding="utf-8"))
    assert files[: len(NOTEBOOKS)] == [f"notebooks/{n}" for n in NOTEBOOKS]
    assert json.dumps(files[len(NOTEBOOKS):]) == json.dumps(["docs/sources", "docs/instructor_guide", "README"])
