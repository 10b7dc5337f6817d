"""Reveal an exercise's solution on demand, from the full notebook in notebooks/ (read as JSON, never run).

The learner copies that `make lab` opens (student/, written by course_lib.learner_copies) have the solutions
removed; each exercise cell there says how to see its solution:

    from course_lib.exercises import show_solution
    show_solution("05", "gated_backward")   # by the exercise's stable id
    show_solution("05")                     # the list of notebook 05's exercises and their ids

Hints come in tiers, on demand, never in the exercise text: `hint("05", "gated_backward")` prints a nudge, called
again the key step, and the third time the solution. The tiers live in `course_lib/exercises/nbNN.py` as
`HINTS = {"gated_backward": ["nudge", "key step"], …}`.

Every exercise has a stable id, its nbgrader grade_id "nbNN_NAME" (tools/nbgrader_meta.py stamps it once, from
the checker `nbNN.check_NAME` the exercise calls, and never changes it): inserting or moving exercises in a course
update never makes a learner's hint open another exercise's solution. The numbers the first learner copies used
(`show_solution("05", 3)`: the 3rd exercise of notebook 05 as it was then) still open the exercise they named,
or say that a course update replaced it.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
_TITLE = re.compile(r"\*\*(Exercise [\d.]+|\d+)\.?\*\*")

# The exercises by position as the first learner copies numbered them (frozen: never edit, only the ids move on).
LEGACY_POSITIONS = {
    "01": ["layer_forward", "mlp_forward", "count_parameters", "column_forward", "abs_network", "predicted_shapes"],
    "02": ["jacobian", "grad_W", "grad_X", "tanh_layer_grad", "ridge_grad", "fixed_grads"],
    "03": ["stable_sigmoid", "mse_grad", "bce_with_logits_grad", "elu_derivative", "weighted_mse_grad"],
    "04": ["grad_S", "hidden_delta", "two_layer_grads", "tied_weights_grad", "per_sample_grads"],
    "05": ["linear_backward", "mlp_backward", "input_gradient", "rank_prediction"],
    "06": ["sgd_step", "nesterov", "adamw", "init_std", "decay_prediction"],
    "07": ["r_squared", "s2_equivalent_lr", "best_epoch", "bias_free_prediction", "relu_kinks", "train_noise_floor"],
    "08": ["abs_config", "diverging_lr", "vanishing_ratio", "kinks_prediction", "batch_prediction"],
    "09": ["tied_weights_grad", "concat_grads", "topological_order"],
    "10": ["tanh_vjp", "matmul_vjp", "value_sigmoid", "torch_layout", "value_pow", "jacobian"],
    "11": ["s1_grad_H", "s0_layer_grad", "s3_mse_grad", "s4_floor", "excerpt_grad_W1", "s3_learning_rates"],
    "12": ["softmax_vjp", "label_smoothing_grad"],
}


def notebook_path(notebook) -> Path:
    """notebooks/NN_….ipynb for "05", 5, "05_deep_backprop" or "05_deep_backprop.ipynb"."""
    if isinstance(notebook, int) and not isinstance(notebook, bool):
        notebook = f"{notebook:02d}"
    name = str(notebook).removesuffix(".ipynb")
    if not re.fullmatch(r"\d\d(_\w+)?", name):
        raise ValueError(f"notebook should be a two-digit number such as \"05\", got {notebook!r}")
    found = sorted(NOTEBOOKS.glob(f"{name[:2]}_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebook {name[:2]}_*.ipynb in {NOTEBOOKS.name}/ (the full notebooks ship "
                                "with the course repository; show_solution needs `pip install -e .`)")
    return found[0]



def exercises(notebook) -> list[dict]:
    """[{"number", "id", "title", "source"}, …]: every code cell with a solution block, in order.

    "id" is the short stable id ("gated_backward" for grade_id "nb05_gated_backward"); "number" is the position now.
    """
    path = notebook_path(notebook)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out, title = [], ""
    for cell in cells:
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            found = _TITLE.findall(source)
            title = found[-1] if found else title
        elif "### BEGIN SOLUTION" in source:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            short = grade_id.removeprefix(f"nb{path.name[:2]}_")
            out.append({"number": len(out) + 1, "id": short, "title": title, "source": source})
            title = ""
    return out


def find_exercise(notebook, exercise) -> dict:
    """The exercise named by its stable id ("gated_backward", or "nb05_gated_backward") or by its first-copy number."""
    path = notebook_path(notebook)
    number, found = path.name[:2], exercises(notebook)
    ids = ", ".join(f'"{ex["id"]}"' for ex in found) or "none"
    position = None
    if isinstance(exercise, int) and not isinstance(exercise, bool):
        legacy = LEGACY_POSITIONS.get(number, [])
        if not 1 <= exercise <= len(legacy):
            raise ValueError(f"notebook {path.stem} names its exercises by id: {ids}; got {exercise!r}")
        position, exercise = exercise, legacy[exercise - 1]
    if not isinstance(exercise, str):
        raise ValueError(f"notebook {path.stem} names its exercises by id: {ids}; got {exercise!r}")
    short = exercise.removeprefix(f"nb{number}_")
    for ex in found:
        if ex["id"] == short:
            return ex
    was = f"exercise {position} of the first learner copies (\"{short}\")" if position else f"exercise \"{short}\""
    raise ValueError(f"notebook {path.stem} has no {was} any more: a course update replaced it; "
                     f"its exercises are {ids}")


def solution_text(notebook, exercise) -> str:
    """The solution cell of an exercise (by stable id, or first-copy number), without the solution markers."""
    lines = find_exercise(notebook, exercise)["source"].splitlines()
    return "\n".join(line for line in lines if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def show_solution(notebook, exercise: str | int | None = None) -> None:
    """Print the solution of an exercise (or, without `exercise`, the list of the notebook's exercises)."""
    path = notebook_path(notebook)
    if exercise is None:
        print(f"{path.stem}: exercises")
        for ex in exercises(notebook):
            print(f"  show_solution({path.stem[:2]!r}, {ex['id']!r})  {ex['title']}".rstrip())
        return
    ex = find_exercise(notebook, exercise)
    print(f"# Solution of exercise \"{ex['id']}\" of {path.stem} (from notebooks/{path.name}):\n")
    print(solution_text(notebook, ex["id"]))


TIER_NAMES = ("a nudge", "the key step", "the solution")
_SEEN: dict[tuple[str, str], int] = {}  # the highest tier shown per exercise in this kernel


def hints(notebook, exercise) -> list[str]:
    """The hint tiers of an exercise (nudge, key step), from HINTS in course_lib/exercises/nbNN.py."""
    ex = find_exercise(notebook, exercise)
    module = importlib.import_module(f"course_lib.exercises.nb{notebook_path(notebook).name[:2]}")
    return list(getattr(module, "HINTS", {}).get(ex["id"], []))


def hint(notebook, exercise, tier: int | None = None) -> None:
    """Print the next hint of an exercise: first a nudge, then the key step, then the solution.

    `tier` (1, 2, …) shows that tier again; without it each call goes one tier further.
    """
    ex = find_exercise(notebook, exercise)
    number = notebook_path(notebook).name[:2]
    tiers = hints(number, ex["id"])
    last = len(tiers) + 1
    key = (number, ex["id"])
    if tier is None:
        tier = min(_SEEN.get(key, 0) + 1, last)
    if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= last:
        raise ValueError(f"exercise \"{ex['id']}\" has hint tiers 1–{last}, got {tier!r}")
    _SEEN[key] = max(_SEEN.get(key, 0), tier)
    if tier == last:
        show_solution(number, ex["id"])
        return
    name = TIER_NAMES[min(tier - 1, len(TIER_NAMES) - 2)]
    following = TIER_NAMES[-1] if tier + 1 == last else TIER_NAMES[min(tier, len(TIER_NAMES) - 2)]
    print(f"Hint {tier} of {last} for exercise \"{ex['id']}\" ({name}):\n")
    print(tiers[tier - 1])
    print(f"\n(Run hint({number!r}, {ex['id']!r}) again for {following}.)")
