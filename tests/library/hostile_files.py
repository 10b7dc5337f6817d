"""Builders of hostile model files for the course_lib.io tests (test_io, test_properties, tools/hostile_sweep.py).

Everything here writes bytes by hand or with numpy's writers, never through course_lib.io.load, so the
tests do not trust the code they test. `write_zip` writes a zip entry by entry with the sizes, CRC, flags
and compression method each entry declares, so a test can make the central directory lie.
"""

from __future__ import annotations

import io
import json
import struct
import zlib

import numpy as np

STORED, DEFLATED = 0, 8


def npy_bytes(array) -> bytes:
    """The .npy bytes numpy writes for `array` (object arrays are pickled, as np.save does)."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=True)
    return buf.getvalue()


def npy_header(descr: str, shape, fortran: bool = False) -> bytes:
    """Only the .npy header of an array of dtype `descr` and `shape`, with no data after it."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran, "shape": tuple(shape)})
    return buf.getvalue()


def model_arrays(path) -> dict:
    """The arrays of a valid file written by course_lib.io.save, by name (numpy reads it; it is trusted)."""
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def config_array(config: dict):
    return np.array(json.dumps(config))


class Entry:
    """One zip entry: its name, the bytes stored in the zip (`data`, already compressed for DEFLATED),
    and what the headers declare (file_size, crc, method, flags); by default the truth."""

    def __init__(self, name, payload=b"", *, method=STORED, data=None, file_size=None, crc=None, flags=0):
        self.name = name
        if data is None:
            if method == DEFLATED:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                data = c.compress(payload) + c.flush()
            else:
                data = payload
        self.data = data
        self.method = method
        self.file_size = len(payload) if file_size is None else file_size
        self.crc = zlib.crc32(payload) if crc is None else crc
        self.flags = flags


def zip_bytes(entries) -> bytes:
    """A zip archive (no zip64, no comment) holding `entries` exactly as they declare themselves."""
    out, central = io.BytesIO(), []
    for e in entries:
        name = e.name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x21,
                              e.crc & 0xFFFFFFFF, len(e.data), e.file_size & 0xFFFFFFFF, len(name), 0))
        out.write(name)
        out.write(e.data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, e.flags, e.method, 0, 0x21,
                                   e.crc & 0xFFFFFFFF, len(e.data), e.file_size & 0xFFFFFFFF, len(name), 0, 0, 0,
                                   0, 0, offset) + name)
    start = out.tell()
    for c in central:
        out.write(c)
    size = out.tell() - start
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def npz_entries(arrays: dict, method=STORED) -> list:
    """Entries of an .npz holding `arrays` (name → array, or name → raw .npy bytes)."""
    return [Entry(f"{k}.npy", v if isinstance(v, bytes) else npy_bytes(v), method=method) for k, v in arrays.items()]


def deflate_bomb(n_zero_bytes: int, head: bytes = b"") -> Entry:
    """A DEFLATED entry "p0.npy" that expands to `head` + `n_zero_bytes` zeros (n a multiple of 1 MiB), built
    without ever holding the expansion: 1 MiB of zeros compresses to the same 1,037 bytes after each full
    flush, so the stream is that block repeated. About 1 MB of file per GiB of zeros."""
    chunk = 1 << 20
    assert n_zero_bytes % chunk == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(chunk)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH) == block  # the block repeats exactly
    data = first + block * (n_zero_bytes // chunk) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(n_zero_bytes // chunk):
        crc = zlib.crc32(zeros, crc)
    return Entry("p0.npy", method=DEFLATED, data=data, file_size=len(head) + n_zero_bytes, crc=crc)


# ---- judging one load attempt ------------------------------------------------------------------------------

MEMORY_BOUND = 32 * 2**20  # bytes of Python/numpy allocations (tracemalloc peak) allowed for one attempt
PEAKS = []  # every attempt's peak, for tools/hostile_sweep.py's summary


def matches_file(model, path) -> bool:
    """Does the loaded `model` hold exactly what the file says? Read independently with numpy (safe here:
    load accepted the file, so its sizes were checked)."""
    with np.load(path, allow_pickle=False) as f:
        config = json.loads(str(f["config"]))
        params = [value for value, _ in model.parameters()]
        if set(f.files) != {"format", "version", "config"} | {f"p{i}" for i in range(len(params))}:
            return False
        if any(f[f"p{i}"].tobytes() != np.ascontiguousarray(p).tobytes() or f[f"p{i}"].shape != p.shape
               for i, p in enumerate(params)):
            return False
    got = model.get_config()
    if config.get("kind") != got["kind"]:
        return False
    if got["kind"] == "MLP":
        return (got["layer_sizes"] == config["layer_sizes"] and got["bias"] == config.get("bias", True)
                and got["activation"] == list(config["activation"])
                and got["output_activation"] == config["output_activation"])
    nodes = [{k: n.get(k) for k in ("name", "kind", "size", "activation", "loss")} for n in config["nodes"]]
    got_nodes = [{k: n.get(k) for k in ("name", "kind", "size", "activation", "loss")} for n in got["nodes"]]
    edges = [(e["src"], e["dst"]) for e in config["edges"]]
    return nodes == got_nodes and edges == [(e["src"], e["dst"]) for e in got["edges"]]


def judge_load(load, error_type, path, memory_bound=MEMORY_BOUND):
    """Run load(path) and classify it: ("worked" | "clear error" | "unclear error" | "silent wrong" | "crash",
    detail). A clear error is `error_type` with a message naming the file; exceeding `memory_bound` is a crash."""
    import tracemalloc

    tracemalloc.start()
    try:
        model = load(path)
        outcome, detail = "loaded", None
    except error_type as err:
        outcome, detail = ("clear error" if str(path) in str(err) else "unclear error"), err
    except Exception as err:  # noqa: BLE001 - every other exception type is what this judge looks for
        outcome, detail = "crash", err
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        PEAKS.append(peak)
    if peak > memory_bound:
        return "crash", f"peak allocations {peak / 2**20:.1f} MiB > bound {memory_bound / 2**20:.0f} MiB ({detail!r})"
    if outcome == "loaded":
        return ("worked", model) if matches_file(model, path) else ("silent wrong", model)
    return outcome, detail
