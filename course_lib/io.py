"""Saving and loading trained models: `save(model, path)` and `load(path)`. Used in notebooks 07 and 09.

(Source S3 lists "no way to save or load a trained model" among its gaps; this is the course's answer.)

File format, version 1: one NumPy .npz archive (a zip of .npy arrays, no pickled objects) holding
    "format"   the marker string "course_lib.model" (0-d unicode array)
    "version"  the format version, 1 (0-d integer array)
    "config"   a JSON string: the model's `get_config()` dict (its "kind" names the class) plus
               "parameter_names" and "parameter_shapes" in parameters() order
    "p0", "p1", …  the parameter values in parameters() order, float64
`save` writes to a temporary file in the same folder and renames it over the target, so a crash never
leaves a half-written model file behind.

`load` checks a file before it allocates anything in proportion to what the file claims:
    1. the path is a regular file (a directory, named pipe or device is refused without reading it);
    2. the file and the zip's declared total uncompressed size are within the bounds of a model of at most
       `max_parameters` numbers (default MAX_PARAMETERS = 10,000,000, i.e. 80 MB of float64), so a
       "zip bomb" is refused before anything is decompressed; only stored or deflated members are accepted;
    3. the marker, the version and the JSON config (at most MAX_CONFIG_CHARS characters) are read;
    4. the parameter shapes the config implies (layer sizes, or a Graph's nodes and connections) are
       computed without building the model, and their total is checked against `max_parameters`;
    5. each array's .npy header (dtype, shape) is read without its data and must match: float64 and the
       implied shape, with the zip entry holding exactly that many bytes;
only then is the model built with `Class.from_config(config)` and each array read with allow_pickle=False
and copied in, bit for bit. Every refusal is a `ModelFileError` (a ValueError) naming the file, what was
expected and what came. A missing file raises FileNotFoundError, as open() does.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .graph import Graph
from .network import MLP

FORMAT_MARKER = "course_lib.model"
FORMAT_VERSION = 1
MAX_PARAMETERS = 10_000_000
"""Default bound on the number of parameters `load` accepts (80 MB of float64); pass max_parameters= to change."""
MAX_CONFIG_CHARS = 1_000_000
"""Longest config JSON `load` reads (a real config is a few hundred characters)."""
MAX_ARRAYS = 2_000
"""Most parameter arrays `load` accepts (an MLP of depth L has 2L; 2,000 is far beyond any course model)."""
_HEADER_BYTES = 10_000  # numpy's own limit for an .npy header (read_array_header_*'s max_header_size)
_SCALAR_BYTES = _HEADER_BYTES + 1_000  # a 0-d "format" or "version" member: header plus a short value
_ENTRY_BYTES = 300  # a generous bound on one central-directory entry of an .npz (numpy's are under 100)

MODEL_CLASSES = {"MLP": MLP, "Graph": Graph}
"""The model classes `load` can rebuild, by config["kind"]; each has get_config(), from_config(), parameters()."""


class ModelFileError(ValueError):
    """A file that `course_lib.io.load` refuses: the message names the file, what was expected and what came."""


def model_class(kind: str):
    """The model class for a config's `kind` ("MLP" or "Graph"); ValueError for any other kind."""
    if not isinstance(kind, str) or kind not in MODEL_CLASSES:
        raise ValueError(
            f"unknown model kind {kind!r}; this version of course_lib can load: {', '.join(MODEL_CLASSES)}"
        )
    return MODEL_CLASSES[kind]


def _finite_or_raise(name, value, path, error=ValueError):
    if not np.isfinite(value).all():
        bad = int((~np.isfinite(value)).sum())
        raise error(f"{path}: parameter {name} holds {bad} non-finite value(s) (NaN or Inf); expected finite numbers")


def save(model, path) -> Path:
    """Write `model` (its config and parameters) to one .npz file at `path`; returns the path written.

    A ".npz" suffix is added when `path` has none (as numpy does). Refuses (ValueError) a model whose
    parameters hold NaN or Inf, or whose get_config() has a "kind" that load() cannot rebuild. The file
    appears atomically: it is written to a temporary file in the same folder, then renamed.
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


# ---------------------------------------------------------------------------------------------- loading

_EXPECTED = "a course_lib model file (.npz written by course_lib.io.save)"
# What a hostile zip or .npy header can raise from zipfile, zlib, struct or numpy's header parser.
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
                NotImplementedError, RuntimeError, OverflowError, KeyError, IndexError, TypeError,
                SyntaxError, RecursionError, UnicodeError, zlib.error)
_FILE_TYPES = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket")]


def _file_type(mode) -> str:
    return next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")


def _open_regular(path):
    """Open `path` for reading only if it is a regular file; never blocks on a pipe or device."""
    info = os.stat(path)  # FileNotFoundError for a missing file, as for any open()
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(f"{path}: expected {_EXPECTED}, got {_file_type(info.st_mode)}")
    # O_NONBLOCK: should the path be swapped for a pipe after the check, opening it still returns at once.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"{path}: expected {_EXPECTED}, got {_file_type(info.st_mode)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


def _header(archive, member, path):
    """(dtype, shape, fortran_order, header bytes) of an .npy member, read without touching its data."""
    try:
        with archive.open(member) as fp:
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, max_header_size=_HEADER_BYTES)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, max_header_size=_HEADER_BYTES)
            else:
                raise ValueError(f".npy format version {version}; expected 1.0 or 2.0")
            return dtype, tuple(shape), fortran, fp.tell()
    except ModelFileError:
        raise
    except _READ_ERRORS as err:
        raise ModelFileError(
            f"{path}: the array {member.filename[:-4]!r} has an unreadable .npy header (damaged file?): {err}"
        ) from None


def _read_member(archive, member, path, what, *, dtype_ok, shape, expected):
    """Check an .npy member's header (dtype, shape, exact byte count), then read it with allow_pickle=False."""
    key = member.filename[:-4]
    dtype, got_shape, _, offset = _header(archive, member, path)
    if dtype.hasobject or not dtype_ok(dtype):
        raise ModelFileError(f"{path}: {what} must be {expected}, got an array of dtype {dtype}")
    if got_shape != shape:
        raise ModelFileError(f"{path}: {what} must have shape {shape}, got {got_shape}")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if member.file_size != offset + nbytes:
        raise ModelFileError(
            f"{path}: the array {key!r} declares {member.file_size} bytes in the zip, but its .npy header "
            f"promises {offset} + {nbytes} (truncated or padded entry)"
        )
    try:
        with archive.open(member) as fp:
            return np.lib.format.read_array(fp, allow_pickle=False, max_header_size=_HEADER_BYTES)
    except _READ_ERRORS as err:
        raise ModelFileError(f"{path}: the array {key!r} is unreadable (truncated or damaged file?): {err}") from None


def _check_central_directory(f, path):
    """Refuse a zip whose central directory (the list of entries, which zipfile reads whole) is larger than
    a model file's could be, reading only its end record, found the way zipfile finds it."""
    find_end = getattr(zipfile, "_EndRecData", None)  # zipfile's own end-record reader (CPython 3.x)
    try:
        end = find_end(f) if find_end else None
    except _READ_ERRORS:
        end = None  # zipfile will report the damage itself
    if not end:
        return
    entries, cd_size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    limit = (MAX_ARRAYS + 3) * _ENTRY_BYTES
    if entries > MAX_ARRAYS + 3 or cd_size > limit:
        raise ModelFileError(f"{path}: the zip's directory lists {entries:,} entries in {cd_size:,} bytes; a model "
                             f"file has at most {MAX_ARRAYS + 3:,} entries in {limit:,} bytes")


def _members(archive, path, max_parameters):
    """The zip's entries by array name, after checking names, compression and the declared sizes."""
    infos = archive.infolist()
    if len(infos) > MAX_ARRAYS + 3:
        raise ModelFileError(f"{path}: the zip holds {len(infos):,} entries; a model file has at most "
                             f"{MAX_ARRAYS + 3:,} (format, version, config and up to MAX_ARRAYS parameters)")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise ModelFileError(f"{path}: expected {_EXPECTED}; the zip holds duplicate entries")
    odd = [n for n in names if not n.endswith(".npy")]
    if odd:
        raise ModelFileError(f"{path}: expected {_EXPECTED} holding only .npy arrays, but it also holds {odd[:5]}")
    for info in infos:
        if info.flag_bits & 0x1:
            raise ModelFileError(f"{path}: the array {info.filename[:-4]!r} is encrypted; model files are not")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(
                f"{path}: the array {info.filename[:-4]!r} uses zip compression method {info.compress_type}; "
                f"expected stored (np.savez) or deflated (np.savez_compressed)"
            )
    total = sum(info.file_size for info in infos)
    max_bytes = 8 * max_parameters + 4 * MAX_CONFIG_CHARS + len(infos) * _HEADER_BYTES
    if total > max_bytes:
        raise ModelFileError(
            f"{path}: the zip declares {total:,} bytes of uncompressed data, more than the {max_bytes:,} bytes "
            f"a model of at most max_parameters={max_parameters:,} parameters needs; refused before decompressing"
        )
    return {name[:-4]: info for name, info in zip(names, infos, strict=True)}


def _short(value, n=80) -> str:
    """repr(value), cut to n characters: a hostile file's values are echoed in messages, but not whole."""
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _size(value, what, path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ModelFileError(f"{path}: {what} must be a positive integer, got {_short(value)}")
    return value


def _expected_shapes(config, path):
    """The parameter shapes, in parameters() order, that `config` implies, computed without allocating."""
    kind = config.get("kind")
    if kind == "MLP":
        sizes = config.get("layer_sizes")
        if not isinstance(sizes, list) or len(sizes) < 2:
            raise ModelFileError(f"{path}: the MLP config's layer_sizes must be a list of at least two sizes, "
                                 f"got {_short(sizes)}")
        sizes = [_size(n, f"layer size {i}", path) for i, n in enumerate(sizes)]
        bias = config.get("bias", True)
        if not isinstance(bias, bool):
            raise ModelFileError(f"{path}: the MLP config's bias must be true or false, got {_short(bias)}")
        shapes = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            shapes += [(n_in, n_out), (n_out,)] if bias else [(n_in, n_out)]
        return shapes
    if kind == "Graph":
        nodes, edges = config.get("nodes"), config.get("edges")
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise ModelFileError(f"{path}: the Graph config needs lists 'nodes' and 'edges', "
                                 f"got {type(nodes).__name__} and {type(edges).__name__}")
        if not all(isinstance(e, dict) for e in nodes + edges):
            raise ModelFileError(f"{path}: each Graph node and edge must be a JSON object")
        sizes = {}
        for node in nodes:
            name = node.get("name")
            if not isinstance(name, str) or name in sizes:
                raise ModelFileError(f"{path}: Graph node names must be distinct strings, got {_short(name)}")
            sizes[name] = _size(node.get("size"), f"the size of Graph node {name!r}", path)
        for edge in edges:
            for end in ("src", "dst"):
                if not isinstance(edge.get(end), str) or edge.get(end) not in sizes:
                    raise ModelFileError(f"{path}: a Graph edge's {end} must name one of its nodes "
                                         f"({', '.join(list(sizes)[:10])}), got {_short(edge.get(end))}")
        incoming = {name: [] for name in sizes}
        for edge in edges:
            incoming[edge["dst"]].append((sizes[edge["src"]], sizes[edge["dst"]]))
        shapes = []  # Graph.parameters() order: per non-input node, its incoming W in connection order, then b
        for node in nodes:
            if node.get("kind") != "input":
                shapes += incoming[node["name"]] + [(sizes[node["name"]],)]
        return shapes
    raise ModelFileError(f"{path}: unknown model kind {_short(kind)}; this version of course_lib can load: "
                         f"{', '.join(MODEL_CLASSES)}")


def _decode_config(text, path):
    try:
        config = json.loads(text)
    except (ValueError, RecursionError) as err:  # JSONDecodeError, int digit limit, deep nesting
        raise ModelFileError(f"{path}: 'config' must be a JSON object, but it is not valid JSON: "
                             f"{str(err)[:200]}") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: 'config' must be a JSON object (a dict), got {type(config).__name__}")
    return config


def load(path, *, max_parameters: int = MAX_PARAMETERS):
    """Read a model written by `save`; returns a new model (an MLP or a Graph) with the saved parameters.

    Checks the file before allocating anything it declares (see the module docstring): a regular file,
    a zip whose declared sizes fit a model of at most `max_parameters` numbers, a known format and version,
    a valid JSON config, and .npy headers whose dtype (float64) and shapes match what the config implies.
    Always reads with allow_pickle=False. Every refusal is a ModelFileError (a ValueError subclass) naming
    the file, what was expected and what came; a missing file raises FileNotFoundError.
    """
    if isinstance(max_parameters, bool) or not isinstance(max_parameters, int) or max_parameters < 1:
        raise ValueError(f"max_parameters must be a positive integer, got {max_parameters!r}")
    path = Path(path)
    f, size = _open_regular(path)
    with f:
        max_bytes = 8 * max_parameters + 4 * MAX_CONFIG_CHARS + (MAX_ARRAYS + 3) * (_HEADER_BYTES + _ENTRY_BYTES)
        if size > max_bytes:
            raise ModelFileError(f"{path}: the file has {size:,} bytes, more than the {max_bytes:,} bytes a model "
                                 f"of at most max_parameters={max_parameters:,} parameters needs")
        head = f.read(4)
        if head != b"PK\x03\x04":  # every .npz is a zip archive, and a zip starts with these bytes
            what = ("a zip archive with no arrays (it starts with the zip end record)" if head == b"PK\x05\x06"
                    else f"not a .npz (zip) archive: it starts with {head!r}")
            raise ModelFileError(f"{path}: expected {_EXPECTED}, but it is {what}")
        _check_central_directory(f, path)
        try:
            archive = zipfile.ZipFile(f)
        except _READ_ERRORS as err:
            raise ModelFileError(f"{path}: expected {_EXPECTED}, but it cannot be read as .npz: {err}") from None
        with archive:
            return _load_archive(archive, path, max_parameters)


def _load_archive(archive, path, max_parameters):
    members = _members(archive, path, max_parameters)
    if "format" not in members:
        raise ModelFileError(f"{path}: expected {_EXPECTED} with the marker array 'format' = {FORMAT_MARKER!r}, "
                             f"but this .npz holds only {sorted(members)[:10]}")

    def needed(key):
        if key not in members:
            raise ModelFileError(f"{path}: a course_lib model file needs the array {key!r}, "
                                 f"but the file has only {sorted(members)[:10]}")
        return members[key]

    def scalar(key, kinds, expected, limit, max_itemsize=None):
        member = needed(key)
        if member.file_size > limit:
            raise ModelFileError(f"{path}: {key!r} must be {expected}, but its entry declares {member.file_size:,} "
                                 f"bytes (at most {limit:,} expected)")
        return _read_member(archive, member, path, repr(key), shape=(), expected=expected,
                            dtype_ok=lambda d: d.kind in kinds and d.itemsize <= (max_itemsize or d.itemsize))[()]

    marker = scalar("format", "U", "a single string", _SCALAR_BYTES)
    if marker != FORMAT_MARKER:
        raise ModelFileError(f"{path}: expected the format marker {FORMAT_MARKER!r}, got {_short(str(marker))}")
    version = int(scalar("version", "iu", "a single integer", _SCALAR_BYTES))
    if version != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format version {version}; this course_lib reads version {FORMAT_VERSION}")
    text = str(scalar("config", "U", f"a single string of at most {MAX_CONFIG_CHARS:,} characters",
                      _HEADER_BYTES + 4 * MAX_CONFIG_CHARS, max_itemsize=4 * MAX_CONFIG_CHARS))
    config = _decode_config(text, path)

    shapes = _expected_shapes(config, path)
    kind = config["kind"]
    if len(shapes) > MAX_ARRAYS:
        raise ModelFileError(f"{path}: the {kind} in this file has {len(shapes):,} parameter arrays, more than "
                             f"MAX_ARRAYS={MAX_ARRAYS:,}")
    total = sum(int(np.prod(s, dtype=object)) for s in shapes)
    if total > max_parameters:
        raise ModelFileError(f"{path}: the {kind} in this file declares {total:,} parameters, more than "
                             f"max_parameters={max_parameters:,}; refused before allocating anything "
                             f"(pass max_parameters= to load a larger model you trust)")
    expected_keys = {"format", "version", "config"} | {f"p{i}" for i in range(len(shapes))}
    extra = sorted(set(members) - expected_keys, key=lambda k: (len(k), k))
    if extra:
        raise ModelFileError(f"{path}: the {kind} in this file has {len(shapes)} parameter arrays "
                             f"(p0…p{len(shapes) - 1}), but the file also holds {extra[:10]}")
    names = config.get("parameter_names")
    if not isinstance(names, list) or len(names) != len(shapes) or not all(isinstance(n, str) for n in names):
        names = [f"p{i}" for i in range(len(shapes))]
    names = [f"{name[:40]} (p{i})" for i, name in enumerate(names)]
    for i, (name, shape) in enumerate(zip(names, shapes, strict=True)):  # headers only: nothing read yet
        dtype, got, _, _ = _header(archive, needed(f"p{i}"), path)
        if dtype != np.float64:
            raise ModelFileError(f"{path}: parameter {name} must be float64, got {dtype}")
        if got != shape:
            raise ModelFileError(f"{path}: parameter {name} must have shape {shape} for this {kind}, got {got}")

    try:
        model = MODEL_CLASSES[kind].from_config(config)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as err:
        raise ModelFileError(f"{path}: the {kind} config cannot be rebuilt: {err!r}"[:1000]) from None
    params = [value for value, _ in model.parameters()]
    if [p.shape for p in params] != shapes:  # the derivation above and the class disagree: a bug, not the file
        raise AssertionError(f"course_lib.io: {kind} shapes {[p.shape for p in params]} != expected {shapes}")
    values = []
    for i, (name, shape) in enumerate(zip(names, shapes, strict=True)):
        value = _read_member(archive, members[f"p{i}"], path, f"parameter {name}", shape=shape,
                             expected="float64", dtype_ok=lambda d: d == np.float64)
        _finite_or_raise(name, value, path, ModelFileError)
        values.append(value)
    for target, value in zip(params, values, strict=True):
        np.copyto(target, value)
    return model
