"""The set-up a new user meets: README's two commands, Makefile targets, CI script, environment.yml."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib  # novermin (Python 3.11+; the except branch imports tomli on 3.10)
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


NOTEBOOK_TEST_TOOLS = {"pytest", "nbval"}  # conda/Binder users and instructors run the notebook tests too


def test_environment_yml_names_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"]
    test_extra = {_name(t): t for t in project["optional-dependencies"]["test"]}
    conda = []
    pip_section = []
    in_pip = False
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^(\s*)- (.+?)\s*$", line)
        if not m:
            continue
        indent, item = len(m.group(1)), m.group(2)
        if item == "pip:":
            in_pip = True
            continue
        if in_pip and indent > 2:
            pip_section.append(item)
        else:
            in_pip = False
            conda.append(item)
    conda_names = {_name(c) for c in conda} - {"python", "pip"}
    assert conda_names == {_name(d) for d in deps} | NOTEBOOK_TEST_TOOLS
    assert NOTEBOOK_TEST_TOOLS <= set(test_extra), "pytest and nbval belong to the test extra as well"
    assert pip_section == ["-e ."], "environment.yml's pip section installs the course itself"
    # lower bounds agree too (runtime packages with `dependencies`, test tools with the `test` extra)
    bounds = {_name(d): d.split(">=")[1] for d in list(deps) + list(test_extra.values()) if ">=" in d}
    for c in conda:
        if _name(c) in bounds:
            assert ">=" in c and c.split(">=")[1] == bounds[_name(c)], c


def test_pyproject_has_lower_bounds_only():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = data["project"]["dependencies"] + sum(data["project"]["optional-dependencies"].values(), [])
    for r in reqs:
        version = r.split(";")[0]  # after ";" comes an environment marker (python_version < "3.11"), not a bound
        assert "==" not in version and "<" not in version, f"{r}: lower bounds only"
    assert data["project"]["requires-python"] == ">=3.10"


def test_readme_first_screen_shows_exactly_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_screen = "\n".join(text.splitlines()[:25])
    blocks = re.findall(r"```[a-z]*\n(.*?)```", first_screen, re.S)
    assert blocks, "the README's first screen should show the commands in a code block"
    commands = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make lab", "make test"]


def test_make_targets_exist_and_ci_runs_make_test():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "learner-notebooks", "execute", "student", "figures", "bench", "robustness"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "--ServerApp.ip=127.0.0.1" in makefile and "student/00_start_here.ipynb" in makefile
    for target in ("lab", "student"):  # one code path writes the learner copies
        body = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
        assert "-m course_lib.learner_copies student" in body, f"make {target} writes copies by the one code path"
    assert re.search(r"^test:.*\blearner-notebooks\b", makefile, re.M), "make test runs the notebooks as a learner"
    assert not re.search(r"token\s*=|password\s*=", makefile), "make lab keeps JupyterLab's token login on"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "REQUIRE_BROWSER=1" in ci and re.search(r"^make test$", ci, re.M)
    assert "apt-get install" in ci and "chromium" in ci


def test_readme_library_example_runs_and_says_what_its_comment_claims():
    """The README's example prints a gradcheck report whose every row agrees to < 1e-6, as its comment says."""
    import contextlib
    import io

    block = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    assert "each agreeing to < 1e-6" in block
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    report = out.getvalue()
    assert "PASSED" in report and "NOT PASSED" not in report and "FAIL" not in report, report
    errors = [float(x) for x in re.findall(r"\b\d\.\de[-+]\d\d\b", report)]
    assert errors and max(errors) < 1e-6, report


def test_lint_checks_the_python_version_pyproject_promises():
    """vermin's target in `make lint` is pyproject's requires-python, so a feature newer than it fails lint."""
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low = re.fullmatch(r">=\s*(3\.\d+)", requires)
    makefile = (ROOT / "Makefile").read_text()
    assert f"-t={low.group(1)}-" in makefile and "$(VERMIN) course_lib tests tools benchmarks" in makefile


def test_make_help_lists_every_target():
    """`make help` prints the Makefile's "## make NAME:" lines: every phony target has one."""
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.*)$", makefile, re.M).group(1).split()
    documented = set(re.findall(r"^## make ([\w-]+):", makefile, re.M))
    assert set(phony) <= documented, f"targets without a '## make NAME:' line: {sorted(set(phony) - documented)}"


def test_test_modules_live_in_folders_that_mirror_the_code_with_unique_names():
    """tests/conftest.py puts every folder on sys.path, so a module name must not occur in two folders."""
    names = [p.name for p in (ROOT / "tests").glob("*/*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))} <= {
        "library", "lab", "exercises", "notebooks", "project"}
