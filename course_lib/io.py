"""Saving and loading trained models: `save(model, path)` and `load(path)`. Used in notebooks 07 and 09.

(Source S3 lists "no way to save or load a trained model" among its gaps; this is the course's answer.)

File format, version 1: one NumPy .npz archive (a zip of .npy arrays, no pickled objects) holding
    "format"   the marker string "course_lib.model" (0-d unicode array)
    "version"  the format version, 1 (0-d integer array)
    "config"   a JSON string: the model's `get_config()` dict (its "kind" names the class) plus
               "parameter_names" and "parameter_shapes" in parameters() order
    "p0", "p1", …  the parameter values in parameters() order, float64
`load` always reads with allow_pickle=False, rebuilds the model with `Class.from_config(config)` and copies
the values in, bit for bit. Anything else — a foreign or truncated file, a missing or extra array, a
wrong shape or dtype, a NaN/Inf value, bad JSON, an unknown kind — raises ValueError saying what was
expected and what came. `save` writes to a temporary file in the same folder and renames it over the
target, so a crash never leaves a half-written model file behind.
"""

from __future__ import annotations

import importlib
import json
import os
import uuid
import zipfile
from pathlib import Path

import numpy as np

FORMAT_MARKER = "course_lib.model"
FORMAT_VERSION = 1

KINDS = {
    "MLP": ("course_lib.network", "MLP"),
    "Graph": ("course_lib.graph", "Graph"),  # imported only when a Graph file is loaded
}
"""Registry of model kinds: config["kind"] → (module, class name). The class needs get_config(),
from_config(config) and parameters()."""


def model_class(kind: str):
    """The model class registered for `kind` ("MLP", "Graph"), imported on first use."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; this version of course_lib can load: {', '.join(KINDS)}")
    module, name = KINDS[kind]
    return getattr(importlib.import_module(module), name)


def _finite_or_raise(name, value, path):
    if not np.isfinite(value).all():
        bad = int((~np.isfinite(value)).sum())
        raise ValueError(
            f"{path}: parameter {name} holds {bad} non-finite value(s) (NaN or Inf); expected finite numbers"
        )


def save(model, path) -> Path:
    """Write `model` (its config and parameters) to one .npz file at `path`; returns the path written.

    A ".npz" suffix is added when `path` has none (as numpy does). Refuses (ValueError) a model whose
    parameters hold NaN or Inf, or whose get_config() has no registered "kind". The file appears atomically:
    it is written to a temporary file in the same folder, then renamed.
    """
    get_config = getattr(model, "get_config", None)
    if not callable(get_config) or not callable(getattr(model, "parameters", None)):
        raise ValueError(
            f"save() needs a course_lib model with get_config() and parameters() (an MLP or a Graph), "
            f"got {type(model).__name__}"
        )
    config = dict(get_config())
    model_class(config.get("kind"))  # refuse kinds that load() could not rebuild
    params = [value for value, _ in model.parameters()]
    names = model.parameter_names() if callable(getattr(model, "parameter_names", None)) else None
    if names is None or len(names) != len(params):
        names = [f"p{i}" for i in range(len(params))]
    for name, value in zip(names, params, strict=True):
        _finite_or_raise(name, value, "save()")
    config["parameter_names"] = list(names)
    config["parameter_shapes"] = [list(v.shape) for v in params]
    try:
        text = json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"save(): the model's get_config() is not JSON-serialisable: {err}") from None
    arrays = {
        "format": np.array(FORMAT_MARKER),
        "version": np.array(FORMAT_VERSION),
        "config": np.array(text),
    }
    for i, value in enumerate(params):
        arrays[f"p{i}"] = np.asarray(value, dtype=np.float64)

    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _read(archive, key, path):
    try:
        return archive[key]
    except KeyError:
        raise ValueError(
            f"{path}: a course_lib model file needs the array {key!r}, but the file has only {sorted(archive.files)}"
        ) from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path}: the array {key!r} is unreadable (truncated or damaged file?): {err}") from None


def _scalar_str(value, key, path) -> str:
    if value.shape != () or value.dtype.kind != "U":
        raise ValueError(f"{path}: {key!r} must be a single string, got an array of dtype {value.dtype} "
                         f"and shape {value.shape}")
    return str(value[()])


def load(path):
    """Read a model written by `save`; returns a new model (an MLP or a Graph) with the saved parameters.

    Always reads with allow_pickle=False. Raises ValueError, naming what was expected and what came, for a
    file that is not a course_lib model file, a truncated or damaged one, a newer format version, bad JSON,
    an unknown kind, missing, extra, wrongly shaped or non-float64 arrays, or NaN/Inf values.
    """
    path = Path(path)
    expected = "a course_lib model file (.npz written by course_lib.io.save)"
    with open(path, "rb") as f:  # FileNotFoundError for a missing file, as for any open()
        head = f.read(4)
    if head != b"PK\x03\x04":  # every .npz is a zip archive, and a zip starts with these bytes
        raise ValueError(f"{path}: expected {expected}, but it is not a .npz (zip) archive: it starts with {head!r}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{path}: expected {expected}, but it cannot be read as .npz: {err}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: expected {expected}, got a single .npy array of shape {archive.shape}")
    with archive:
        if "format" not in archive.files:
            raise ValueError(
                f"{path}: expected {expected} with the marker array 'format' = {FORMAT_MARKER!r}, "
                f"but this .npz holds only {sorted(archive.files)}"
            )
        marker = _scalar_str(_read(archive, "format", path), "format", path)
        if marker != FORMAT_MARKER:
            raise ValueError(f"{path}: expected the format marker {FORMAT_MARKER!r}, got {marker!r}")
        version = _read(archive, "version", path)
        if version.shape != () or version.dtype.kind not in "iu":
            raise ValueError(f"{path}: 'version' must be a single integer, got dtype {version.dtype}, "
                             f"shape {version.shape}")
        if int(version) != FORMAT_VERSION:
            raise ValueError(f"{path}: format version {int(version)}; this course_lib reads version {FORMAT_VERSION}")
        text = _scalar_str(_read(archive, "config", path), "config", path)
        try:
            config = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: 'config' must be a JSON object, but it is not valid JSON: {err}") from None
        if not isinstance(config, dict):
            raise ValueError(f"{path}: 'config' must be a JSON object (a dict), got {type(config).__name__}")
        cls = model_class(config.get("kind"))
        try:
            model = cls.from_config(config)
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{path}: the {config.get('kind')} config cannot be rebuilt: {err!r}") from None
        params = [value for value, _ in model.parameters()]
        names = config.get("parameter_names")
        if not isinstance(names, list) or len(names) != len(params):
            names = [f"p{i}" for i in range(len(params))]
        expected_keys = {"format", "version", "config"} | {f"p{i}" for i in range(len(params))}
        extra = sorted(set(archive.files) - expected_keys)
        if extra:
            raise ValueError(
                f"{path}: the {config['kind']} in this file has {len(params)} parameter arrays "
                f"(p0…p{len(params) - 1}), but the file also holds {extra}"
            )
        values = []
        for i, (name, target) in enumerate(zip(names, params, strict=True)):
            value = _read(archive, f"p{i}", path)
            if value.dtype != np.float64:
                raise ValueError(f"{path}: parameter {name} (p{i}) must be float64, got {value.dtype}")
            if value.shape != target.shape:
                raise ValueError(
                    f"{path}: parameter {name} (p{i}) must have shape {target.shape} for this "
                    f"{config['kind']}, got {value.shape}"
                )
            _finite_or_raise(f"{name} (p{i})", value, path)
            values.append(value)
    for target, value in zip(params, values, strict=True):
        np.copyto(target, value)
    return model
