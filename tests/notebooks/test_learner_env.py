"""The learner's environment is the tested one: everything a notebook imports, `make lab` installs.

`make lab` runs `pip install -e .`: the runtime `dependencies` of pyproject.toml and nothing else. These tests
read every import statement (AST, at any depth) of every notebook and of every course_lib module the
notebooks can reach, find the distribution that provides each imported module, and require it to be a
*direct* runtime dependency (being pulled in by another package is an accident that a release can undo).
`make learner-notebooks` then executes every notebook in a fresh venv installed exactly as `make lab` does.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from functools import lru_cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

try:
    import tomllib  # novermin (Python 3.11+; the except branch imports tomli on 3.10)
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LIBRARY = sorted((ROOT / "course_lib").rglob("*.py"))  # make lab runs course_lib.learner_copies


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=1)
def runtime_dependencies() -> frozenset[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return frozenset(_norm(re.split(r"[<>=!~ \[;]", d.strip(), maxsplit=1)[0]) for d in deps)


def test_extras_are_not_runtime_dependencies():
    """Sanity of the reading above: the test tools are extras, so they must not appear as runtime names."""
    runtime = runtime_dependencies()
    assert "numpy" in runtime and "matplotlib" in runtime
    assert not {"pytest", "nbval", "playwright", "ruff", "hypothesis"} & runtime


@lru_cache(maxsize=1)
def _providers():
    return packages_distributions()


def imports_in(source: str) -> set[str]:
    """Top-level names of absolute imports in Python source; IPython magics and shell lines are dropped."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"course_lib", "__future__"}


def test_import_reader_finds_nested_and_from_imports():
    src = "import numpy as np\nfrom matplotlib import pyplot\n%matplotlib inline\ndef f():\n    import autograd.numpy\n"
    assert imports_in(src) == {"numpy", "matplotlib", "autograd"}


def _notebook_source(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


SOURCES = [(p, _notebook_source(p)) for p in NOTEBOOKS] + [(p, p.read_text()) for p in LIBRARY]


@pytest.mark.parametrize("path,source", SOURCES, ids=[str(p.relative_to(ROOT)) for p, _ in SOURCES])
def test_every_import_is_a_runtime_dependency(path, source):
    runtime = runtime_dependencies()
    providers = _providers()
    missing = []
    for module in sorted(imports_in(source)):
        dists = {_norm(d) for d in providers.get(module, [])}
        if not dists:
            missing.append(f"{module} (not installed here at all)")
        elif not dists & runtime:
            missing.append(f"{module} (from {', '.join(sorted(dists))})")
    assert not missing, (
        f"{path.name} imports what `make lab` does not install: {missing}; "
        "add the distribution to pyproject's dependencies and to environment.yml"
    )
