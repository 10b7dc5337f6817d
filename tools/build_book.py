"""Build the course website with Jupyter Book 1.x, offline, from the committed executed notebooks (`make book`).

Why Jupyter Book 1.x: it renders executed notebooks as they are (no re-execution), numbers display equations
with their own \\tag{…}, checks cross-references with Sphinx's warnings (`-W` makes any warning fail the build),
and builds with no network. jupyter-book 2 downloads its theme at build time, so it cannot build here or offline.

What this script does, in build/book/:
  src/   a staged copy: notebooks/, docs/, figures/, README.md, book/_config.yml and a table of contents written
         from notebooks/ (every notebook a page, in the course's order; then the sources page and the instructor's
         guide; then the README). Each notebook page gets one line at the top that launches that notebook's
         learner copy (no solutions) on Binder, and on the class hub when BOOK_HUB_URL is set. Widget outputs,
         which cannot run in a static page, are replaced by a picture of the lab (figures/lab.png) and a link to
         launch it. MathJax 3 comes from npm (cached in build/npm) and is served by the site itself.
  html/  the website: open build/book/html/index.html, or serve the folder.

Usage: python tools/build_book.py [--notebooks DIR] [--jb PATH_TO_jupyter-book]   (exit 1 on any build warning)
Environment: BOOK_HUB_URL (e.g. https://hub.example.edu) adds a "class hub" launch link to every page;
             BOOK_REPOSITORY overrides the GitHub repository (owner/name) the Binder links point to.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "book"
MATHJAX = "mathjax@3.2.2"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def repository() -> str:
    """owner/name of the GitHub repository, from [project.urls] Repository in pyproject.toml."""
    if os.environ.get("BOOK_REPOSITORY"):
        return os.environ["BOOK_REPOSITORY"].strip("/")
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'^Repository\s*=\s*"https://github\.com/([^"]+?)/?"', text, re.M)
    if not m:
        raise SystemExit("pyproject.toml has no [project.urls] Repository = \"https://github.com/OWNER/NAME\"")
    return m.group(1)


def binder_url(repo: str, path: str) -> str:
    return f"https://mybinder.org/v2/gh/{repo}/HEAD?urlpath={quote('lab/tree/' + path, safe='')}"


def hub_url(hub: str, path: str) -> str:
    return f"{hub.rstrip('/')}/hub/user-redirect/lab/tree/{quote(path)}"


def launch_line(repo: str, name: str, hub: str | None) -> str:
    learner_copy = f"student/{name}"
    links = [f"[on Binder]({binder_url(repo, learner_copy)})"]
    if hub:
        links.append(f"[on the class hub]({hub_url(hub, learner_copy)})")
    return ("**Run this notebook yourself:** " + " · ".join(links)
            + " (your own copy, without solutions), or on your machine with `make lab` (see the README).")


ANCHOR = re.compile(r"(\]\([^)\s#]*)#([^)\s]+)\)")


def github_anchors(text: str) -> str:
    """JupyterLab's heading anchors keep the heading's case ("#Notation"); MyST's are GitHub's lowercase slugs."""
    return ANCHOR.sub(lambda m: f"{m.group(1)}#{m.group(2).lower()})", text)


class MissingAltText(Exception):
    pass


def image_as_markdown(out: dict, images: Path, where: str) -> dict:
    """An image output as a markdown image with its alt text: the output's own text form, which the course's
    figures set (course_lib.plots.describe_figure, course_lib.diagrams.Diagram). Sphinx copies the file."""
    text = "".join(out["data"].get("text/plain", "")).strip()
    if not text.startswith(("[figure]", "[diagram]")):
        raise MissingAltText(f"{where}: an image without a description (text form {text[:40]!r}); "
                             "show matplotlib figures after course_lib.plots.use_style()")
    alt = text.split("]", 1)[1].strip()
    alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")
    png = base64.b64decode("".join(out["data"]["image/png"]))
    name = hashlib.sha256(png).hexdigest()[:16] + ".png"
    images.mkdir(exist_ok=True)
    (images / name).write_bytes(png)
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/markdown": f"![{alt}](../{images.name}/{name})"}}


ALERT = re.compile(r'<div class="alert alert-(\w+)">\s*(?:<b>(.*?)</b>)?(.*?)</div>', re.S)


def alerts_as_admonitions(text: str) -> str:
    """The notebooks' boxes are HTML (<div class="alert …">), which JupyterLab renders with its Markdown inside;
    Sphinx passes HTML through untouched, so the formulas in it would show as raw TeX. Each box becomes a MyST
    admonition with the same title and colour, whose content is parsed as Markdown."""
    def box(m):
        kind, title, body = m.group(1), (m.group(2) or "Note").strip().rstrip(":"), m.group(3).strip()
        return f"\n````{{admonition}} {title}\n:class: {kind}\n\n{body}\n````\n"
    return ALERT.sub(box, text)


TAGGED = re.compile(r"\$\$\n?((?:(?!\$\$).)*?\\tag\{[^}]*\}(?:(?!\$\$).)*?)\n?\$\$", re.S)


def tagged_as_equations(text: str) -> str:
    """A numbered $$…$$ block whose formula has a line break (a matrix, say) is wrapped by Sphinx in a `split`
    environment, where MathJax forbids \\tag; as an `equation` environment it is passed to MathJax as written."""
    return TAGGED.sub(lambda m: "\\begin{equation}\n" + m.group(1).strip() + "\n\\end{equation}", text)


def stage_notebook(src: Path, dst: Path, repo: str, hub: str | None) -> int:
    """Copy one notebook with a launch line on top, images given their alt text, and widget views replaced by
    the lab's picture; returns how many widget outputs were replaced."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb = copy.deepcopy(nb)
    launch = {"cell_type": "markdown", "id": "book-launch", "metadata": {},
              "source": [launch_line(repo, src.name, hub)]}
    replaced = 0
    for cell in nb["cells"]:
        outputs = cell.get("outputs", [])
        for i, out in enumerate(outputs):
            if "image/png" in out.get("data", {}):
                where = f"{src.name} cell {cell.get('id')}"
                outputs[i] = image_as_markdown(out, dst.parent.parent / "nb_images", where)
            elif WIDGET_VIEW in out.get("data", {}):
                replaced += 1
                outputs[i] = {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": (
                    "![The live training lab: the fit, the loss curves, the network's weights, the last hidden "
                    "layer's units, the gradient size per layer and the signal size per layer, after training]"
                    "(../figures/lab.png)\n\n"
                    "*The lab's controls run in a live notebook, not on this page: "
                    f"[launch this notebook on Binder]({binder_url(repo, 'student/' + src.name)}) "
                    "to train it yourself.*")}}
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cell["source"] = tagged_as_equations(alerts_as_admonitions(github_anchors(text)))
    # the title cell stays first (it is the page's title); the launch line goes right under it
    nb["cells"].insert(1, launch)
    dst.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    return replaced


def write_toc(src: Path, notebooks: list[Path]) -> None:
    first, rest = notebooks[0], notebooks[1:]
    lines = ["# written by tools/build_book.py from notebooks/", "format: jb-book", f"root: notebooks/{first.stem}",
             "parts:", "  - caption: The course", "    chapters:"]
    lines += [f"      - file: notebooks/{p.stem}" for p in rest]
    lines += ["  - caption: Reference", "    chapters:", "      - file: docs/sources",
              "      - file: docs/instructor_guide", "      - file: README"]
    (src / "_toc.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def mathjax(static: Path) -> None:
    """MathJax's es5 build from npm, cached in build/npm."""
    cache = ROOT / "build" / "npm"
    es5 = cache / "node_modules" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(cache), MATHJAX],
                       check=True)
    shutil.copytree(es5, static / "mathjax")


def stage(repo: str, hub: str | None, notebooks_dir: Path) -> Path:
    src = OUT / "src"
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    notebooks = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    try:
        widgets = sum(stage_notebook(p, src / "notebooks" / p.name, repo, hub) for p in notebooks)
    except MissingAltText as exc:
        raise SystemExit(f"book: {exc}") from None
    shutil.copytree(ROOT / "docs", src / "docs")
    for md in (src / "docs").glob("*.md"):
        md.write_text(github_anchors(md.read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copytree(ROOT / "figures", src / "figures")
    if not (src / "figures" / "lab.png").exists():
        raise SystemExit("figures/lab.png is missing: run `make figures`")
    # the site loads nothing from outside: the README's Binder badge (an external image) becomes a text link
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = re.sub(r"\[!\[([^\]]*)\]\(https?://[^)]+\)\]\((https?://[^)]+)\)", r"[Launch on \1](\2)", readme)
    (src / "README.md").write_text(readme, encoding="utf-8")
    shutil.copy(ROOT / "book" / "_config.yml", src / "_config.yml")
    config = (src / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("https://github.com/backprop-course/backprop-course", f"https://github.com/{repo}")
    (src / "_config.yml").write_text(config, encoding="utf-8")
    write_toc(src, notebooks)
    mathjax(src / "_mathjax")
    print(f"staged {len(notebooks)} notebooks ({widgets} widget outputs shown as the lab's picture), "
          f"docs, figures and README in {src.relative_to(ROOT)}")
    return src


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the course website (Jupyter Book 1.x, offline).")
    p.add_argument("--notebooks", type=Path, default=ROOT / "notebooks",
                   help="the executed notebooks (default: notebooks/)")
    p.add_argument("--jb", default=str(Path(sys.executable).parent / "jupyter-book"))
    args = p.parse_args(argv)
    start = time.perf_counter()
    repo, hub = repository(), os.environ.get("BOOK_HUB_URL") or None
    src = stage(repo, hub, args.notebooks)
    html = OUT / "html"
    if html.exists():
        shutil.rmtree(html)
    # -W: any warning fails the build; -n: every reference must resolve; --keep-going: list them all first
    cmd = [args.jb, "build", str(src), "--path-output", str(OUT / "out"), "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    if result.returncode != 0 or warnings:
        print(log[-6000:], file=sys.stderr)
        print(f"book build failed: exit {result.returncode}, {len(warnings)} warning(s)", file=sys.stderr)
        return 1
    shutil.move(str(OUT / "out" / "_build" / "html"), html)
    shutil.rmtree(OUT / "out")
    pages = len(list(html.glob("**/*.html")))
    size = sum(f.stat().st_size for f in html.rglob("*") if f.is_file()) / 2**20
    print(f"built {pages} pages in {time.perf_counter() - start:.1f} s with no warning: "
          f"{html.relative_to(ROOT)}/index.html ({size:.0f} MB with MathJax)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
