"""course_lib.io: bit-exact round trips, and a clear ModelFileError for every kind of bad file, checked before
anything the file declares is allocated (each a hostile file that once got past a check)."""

import json
import os
import stat
import threading
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from hostile_files import DEFLATED, Entry, deflate_bomb, npy_bytes, npy_header, npz_entries, zip_bytes

from course_lib import MLP, SGD, Graph
from course_lib import io as cio
from course_lib.data import make_dataset
from course_lib.io import ModelFileError, load, save
from course_lib.train import fit


@pytest.fixture
def trained(tmp_path):
    X, Y = make_dataset("sinc", 32, noise=0.1, seed=0)
    model = MLP([1, 6, 5, 1], activation=["tanh", "relu"], init="glorot_uniform", seed=3)
    fit(model, X, Y, loss="mse", optimizer=SGD(model, lr=0.05), epochs=3, batch_size=8)
    path = save(model, tmp_path / "model.npz")
    return model, path


def arrays_of(path):
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def rewrite(path, arrays, **changes):
    """Write a tampered copy: `changes` replaces (or with None removes) arrays of a valid file."""
    out = dict(arrays)
    for k, v in changes.items():
        if v is None:
            out.pop(k)
        else:
            out[k] = v
    bad = path.with_name("tampered.npz")
    np.savez(bad, **out)
    return bad


def test_round_trip_is_bit_exact(trained):
    model, path = trained
    loaded = load(path)
    assert isinstance(loaded, MLP) and loaded.get_config() == model.get_config()
    assert len(loaded.parameters()) == len(model.parameters())
    for (a, _), (b, _) in zip(model.parameters(), loaded.parameters(), strict=True):
        assert a.dtype == b.dtype == np.float64
        assert a.tobytes() == b.tobytes()  # bit for bit, -0.0 and last ulp included
    X = np.linspace(-4, 4, 50).reshape(-1, 1)
    assert np.array_equal(model(X), loaded(X))


def test_file_layout_is_the_documented_one(trained):
    model, path = trained
    arrays = arrays_of(path)
    n = len(model.parameters())
    assert set(arrays) == {"format", "version", "config"} | {f"p{i}" for i in range(n)}
    assert str(arrays["format"]) == "course_lib.model" and int(arrays["version"]) == 1
    config = json.loads(str(arrays["config"]))
    assert config["kind"] == "MLP" and config["parameter_names"] == model.parameter_names()
    for i, (v, _) in enumerate(model.parameters()):
        assert np.array_equal(arrays[f"p{i}"], v)


def test_suffix_is_added_and_no_temporary_file_is_left(tmp_path):
    model = MLP([2, 3, 1], seed=0)
    path = save(model, tmp_path / "net")
    assert path.name == "net.npz" and path.exists()
    save(model, path)  # overwriting works
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz"]


def test_a_failed_save_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    model = MLP([2, 3, 1], seed=0)
    path = save(model, tmp_path / "net.npz")
    old = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(cio.np, "savez", crash)
    with pytest.raises(OSError, match="simulated"):
        save(MLP([2, 3, 1], seed=1), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz"]


def test_save_refuses_a_non_finite_model_and_non_models(tmp_path):
    model = MLP([1, 2, 1], seed=0)
    model.linears[0].W[0, 1] = np.nan
    with pytest.raises(ValueError, match="W1 holds 1 non-finite"):
        save(model, tmp_path / "m.npz")
    with pytest.raises(ValueError, match="get_config"):
        save(object(), tmp_path / "m.npz")


def test_text_file_is_refused(tmp_path):
    p = tmp_path / "notes.npz"
    p.write_text("W1 = [[1, 2]]\n")
    with pytest.raises(ModelFileError, match=r"expected a course_lib model file .*not a \.npz \(zip\) archive"):
        load(p)


def test_npy_file_is_refused(tmp_path):
    p = tmp_path / "w.npy"
    np.save(p, np.ones(3))
    with pytest.raises(ModelFileError, match="not a .npz"):
        load(p)


def test_foreign_npz_without_marker_is_refused(tmp_path):
    p = tmp_path / "foreign.npz"
    np.savez(p, W=np.ones((2, 2)))
    with pytest.raises(ModelFileError, match=r"marker array 'format' = 'course_lib.model', but this .npz holds only"):
        load(p)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_file_is_refused(trained, keep):
    _, path = trained
    raw = path.read_bytes()
    cut = path.with_name("cut.npz")
    cut.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(ModelFileError, match="cut.npz"):
        load(cut)


def test_damaged_member_is_refused(trained):
    _, path = trained
    raw = bytearray(path.read_bytes())
    # flip bytes inside the first parameter's data: the zip CRC no longer matches
    i = raw.find(b"p0.npy") + 200
    raw[i : i + 8] = b"\xff" * 8
    bad = path.with_name("damaged.npz")
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="damaged.npz"):
        load(bad)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.npz")


@pytest.mark.parametrize("change, match", [
    (dict(format=np.array("something.else")), "expected the format marker 'course_lib.model', got 'something.else'"),
    (dict(format=np.array([1.0, 2.0])), "'format' must be a single string"),
    (dict(version=np.array(2)), "format version 2; this course_lib reads version 1"),
    (dict(version=None), r"needs the array 'version'"),
    (dict(config=np.array("{not json")), "not valid JSON"),
    (dict(config=np.array("[1, 2]")), "must be a JSON object"),
    (dict(config=None), r"needs the array 'config'"),
    (dict(p1=None), r"needs the array 'p1'"),
    (dict(p9=np.ones(2)), r"also holds \['p9'\]"),
    (dict(p0=np.ones((2, 6))), r"parameter W1 \(p0\) must have shape \(1, 6\) .* got \(2, 6\)"),
    (dict(p0=np.ones((1, 6), dtype=np.float32)), r"W1 \(p0\) must be float64, got float32"),
    (dict(p0=np.full((1, 6), np.inf)), r"W1 \(p0\) holds 6 non-finite"),
    (dict(p3=np.array([1.0, np.nan, 0, 0, 0])), r"b2 \(p3\) holds 1 non-finite"),
])
def test_tampered_files_are_refused(trained, change, match):
    _, path = trained
    bad = rewrite(path, arrays_of(path), **change)
    with pytest.raises(ModelFileError, match=match):
        load(bad)


def _config_of(path):
    return json.loads(str(arrays_of(path)["config"]))


@pytest.mark.parametrize("edit, match", [
    (lambda c: c.update(kind="Transformer"), "unknown model kind 'Transformer'; this version of course_lib can load"),
    (lambda c: c.pop("kind"), "unknown model kind None"),
    (lambda c: c.update(layer_sizes=[1, 6, 1]), r"has 4 parameter arrays \(p0…p3\), but the file also holds \[.p4"),
    (lambda c: c.update(layer_sizes=[1, 6, 6, 1]), r"W2 \(p2\) must have shape \(6, 6\) for this MLP, got \(6, 5\)"),
    (lambda c: c.update(layer_sizes=[1, 7, 5, 1]), r"must have shape \(1, 7\)"),
    (lambda c: c.update(activation=["tanh", "swish"]), "cannot be rebuilt.*unknown activation 'swish'"),
    (lambda c: c.pop("layer_sizes"), "layer_sizes must be a list of at least two sizes, got None"),
    (lambda c: c.update(layer_sizes=[1, 6.0, 5, 1]), "layer size 1 must be a positive integer, got 6.0"),
    (lambda c: c.update(layer_sizes=[1, True, 5, 1]), "layer size 1 must be a positive integer, got True"),
    (lambda c: c.update(bias="False"), "bias must be true or false, got 'False'"),
])
def test_tampered_configs_are_refused(trained, edit, match):
    _, path = trained
    config = _config_of(path)
    edit(config)
    bad = rewrite(path, arrays_of(path), config=np.array(json.dumps(config)))
    with pytest.raises(ModelFileError, match=match):
        load(bad)


def test_pickled_arrays_are_never_unpickled(trained, tmp_path):
    _, path = trained
    arrays = arrays_of(path)
    arrays["p0"] = np.array([{"evil": 1}], dtype=object)
    bad = tmp_path / "pickled.npz"
    np.savez(bad, **arrays)  # numpy pickles the object array
    with pytest.raises(ModelFileError, match=r"W1 \(p0\) must be float64, got object"):
        load(bad)


def test_graph_models_round_trip_bit_exact(tmp_path):
    graph_mod = pytest.importorskip("course_lib.graph")
    g = graph_mod.Graph(seed=4)
    g.add_input("x", 2)
    g.add_hidden("h", 3, activation="tanh")
    g.add_output("y", 1)
    g.connect("x", "h")
    g.connect("h", "y")
    g.connect("x", "y")  # a skip connection
    for v, _ in g.parameters():
        v += np.random.default_rng(0).normal(size=v.shape)  # not the seeded initial values
    loaded = load(save(g, tmp_path / "graph.npz"))
    assert isinstance(loaded, graph_mod.Graph)
    assert loaded.get_config() == g.get_config()
    for (a, _), (b, _) in zip(g.parameters(), loaded.parameters(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_module_documents_format_and_notebook():
    assert "notebook" in cio.__doc__ and "allow_pickle=False" in cio.__doc__
    assert os.path.basename(cio.__file__) == "io.py"


# ---- io.load hostile files: each refused before anything it declares is allocated ----

BIG_MEMORY = 8 * 2**20  # 8 MiB of Python/numpy allocations (tracemalloc) for any refusal below


def assert_refused_quickly(path, match, *, seconds=1.0, peak=BIG_MEMORY, **kwargs):
    """load(path) raises ModelFileError naming the file, within `seconds` and `peak` bytes of allocations."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match=match) as info:
            load(path, **kwargs)
    finally:
        elapsed = time.perf_counter() - start
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert str(path) in str(info.value)
    assert elapsed < seconds, f"refusal took {elapsed:.2f} s"
    assert peak_bytes < peak, f"refusal allocated {peak_bytes / 2**20:.1f} MiB"
    return info.value


def small_mlp_file(tmp_path, **config_changes):
    """A valid MLP([1, 4, 1]) file rewritten with `config_changes`."""
    path = save(MLP([1, 4, 1], seed=0), tmp_path / "m.npz")
    arrays = arrays_of(path)
    config = json.loads(str(arrays["config"]))
    config.update(config_changes)
    arrays["config"] = np.array(json.dumps(config))
    evil = tmp_path / "evil.npz"
    np.savez(evil, **arrays)
    return evil


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)


@pytest.mark.parametrize("sizes", [[1, 2 * 10**8, 1], [1, 10**9, 1], [10**5, 10**5, 1], [1, 10**6, 10**6, 1]])
def test_a_tiny_file_declaring_a_huge_mlp_is_refused_before_allocating(tmp_path, sizes):
    # review: [1, 2e8, 1] in 2.8 KB took 77 s and 7.7 GB before its "wrong shape" error
    evil = small_mlp_file(tmp_path, layer_sizes=sizes)
    assert evil.stat().st_size < 4000
    assert_refused_quickly(evil, r"declares [\d,]+ parameters, more than max_parameters=10,000,000; refused before")


def test_a_declared_mlp_under_the_bound_is_checked_against_the_headers_before_building(tmp_path):
    # 3 million parameters would be allowed, but the arrays' headers say (1, 4): nothing is built
    evil = small_mlp_file(tmp_path, layer_sizes=[1, 10**6, 1])
    assert_refused_quickly(evil, r"W1 \(p0\) must have shape \(1, 1000000\) for this MLP, got \(1, 4\)")


def test_a_layer_size_given_as_a_float_is_refused(tmp_path):
    evil = small_mlp_file(tmp_path, layer_sizes=[1, 2e8, 1])
    assert_refused_quickly(evil, r"layer size 1 must be a positive integer, got 200000000.0")


def _graph(seed=4):
    g = Graph(seed=seed)
    g.add_input("x", 2)
    g.add_hidden("h", 3, activation="tanh")
    g.add_output("y", 1)
    g.connect("x", "h")
    g.connect("h", "y")
    g.connect("x", "y")
    return g


def test_a_graph_declaring_a_huge_node_is_refused_before_allocating(tmp_path):
    path = save(_graph(), tmp_path / "g.npz")
    arrays = arrays_of(path)
    config = json.loads(str(arrays["config"]))
    config["nodes"][1]["size"] = 10**9
    arrays["config"] = np.array(json.dumps(config))
    np.savez(tmp_path / "evil.npz", **arrays)
    assert_refused_quickly(tmp_path / "evil.npz", r"the Graph in this file declares 4,000,000,003 parameters")


def test_max_parameters_bounds_what_load_accepts(tmp_path):
    model = MLP([1, 4, 1], seed=0)  # 13 parameters
    path = save(model, tmp_path / "m.npz")
    assert load(path, max_parameters=13).num_parameters() == 13
    assert_refused_quickly(path, "declares 13 parameters, more than max_parameters=12", max_parameters=12)
    for bad in (0, -1, 2.5, True, "13"):
        with pytest.raises(ValueError, match="max_parameters must be a positive integer"):
            load(path, max_parameters=bad)


@pytest.fixture(scope="module")
def bomb_parts(tmp_path_factory):
    """The members of a valid MLP([1, 4, 1]) file, as raw .npy bytes, to assemble bombs with."""
    path = save(MLP([1, 4, 1], seed=0), tmp_path_factory.mktemp("bomb") / "m.npz")
    return {k: npy_bytes(v) for k, v in arrays_of(path).items()}


def test_tracemalloc_sees_numpy_and_zlib_allocations():  # so the peaks asserted here have teeth
    tracemalloc.start()
    try:
        big = np.ones(2**20)  # 8 MiB
        data = zlib.decompress(zlib.compress(bytes(2**24)))  # 16 MiB
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak >= 24 * 2**20 and big.size == 2**20 and len(data) == 2**24


def test_a_deflate_bomb_is_refused_before_decompressing(tmp_path, bomb_parts):
    # review: a 1 MB savez_compressed file holding 2**27 zeros as p0 took 14 s and 1.06 GB before its error
    parts = dict(bomb_parts)
    parts.pop("p0")
    bomb = deflate_bomb(2**30, npy_header("<f8", (2**27,)))
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bytes([bomb] + npz_entries(parts, method=DEFLATED)))
    assert path.stat().st_size < 1.2e6
    assert_refused_quickly(path, r"declares 1,073,7\d\d,\d\d\d bytes of uncompressed data, more than the")


def test_a_bomb_whose_directory_lies_about_its_size_is_refused_within_memory(tmp_path, bomb_parts):
    # the directory says p0 is a 32-byte (1, 4) array, the stream inflates to 1 GiB: zipfile stops at the
    # declared size and the CRC (of the whole stream) no longer matches
    head = npy_header("<f8", (1, 4))
    bomb = deflate_bomb(2**30, head)
    bomb.file_size = len(head) + 32
    parts = dict(bomb_parts)
    parts.pop("p0")
    path = tmp_path / "liar.npz"
    path.write_bytes(zip_bytes([bomb] + npz_entries(parts)))
    assert_refused_quickly(path, r"the array 'p0' .*Bad CRC-32 for file 'p0.npy'")


@pytest.mark.parametrize("header, match", [
    (npy_header("<f8", (10**12,)), r"W1 \(p0\) must have shape \(1, 4\) for this MLP, got \(1000000000000,\)"),
    (npy_header("<f8", (1, 4)), r"'p0' declares \d+ bytes in the zip, but its .npy header promises \d+ \+ 32"),
    (npy_header("<f4", (1, 4)), r"W1 \(p0\) must be float64, got float32"),
    (npy_header(">f8", (1, 4)), r"W1 \(p0\) must be float64, got >f8"),
    (npy_header("|O", (1, 4)), r"W1 \(p0\) must be float64, got object"),
    (b"\x93NUMPY\x01\x00\xff\xff" + b"{" * 65535, r"'p0' has an unreadable .npy header"),
])
def test_a_lying_npy_header_is_refused_before_reading_data(tmp_path, bomb_parts, header, match):
    # review: a header declaring 7 TB or 37 GB gave a raw MemoryError under a memory limit
    parts = dict(bomb_parts, p0=header)
    path = tmp_path / "header.npz"
    path.write_bytes(zip_bytes(npz_entries(parts)))
    assert_refused_quickly(path, match)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_at_once(tmp_path):
    # review: io.load on a FIFO blocked forever
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    outcome = []

    def run():
        try:
            load(fifo)
        except Exception as err:  # noqa: BLE001 - recorded and checked below
            outcome.append(err)

    worker = threading.Thread(target=run, daemon=True)
    start = time.perf_counter()
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # release the blocked open() so the thread ends, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load() blocked on a named pipe")
    assert time.perf_counter() - start < 1.0
    assert len(outcome) == 1 and isinstance(outcome[0], ModelFileError), outcome
    assert str(outcome[0]) == f"{fifo}: expected a course_lib model file (.npz written by course_lib.io.save), " \
                              f"got a named pipe (FIFO)"


def test_a_directory_is_refused(tmp_path):
    folder = tmp_path / "model.npz"
    folder.mkdir()
    assert_refused_quickly(folder, r"model.npz: expected a course_lib model file .*, got a directory$")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_without_reading_it(device):
    if not os.path.exists(device) or not stat.S_ISCHR(os.stat(device).st_mode):
        pytest.skip(f"{device} is not a character device here")
    assert_refused_quickly(device, r"got a character device$")


@pytest.mark.parametrize("keep", [k / 20 for k in range(1, 20)] + [-1])
def test_a_file_cut_anywhere_is_refused(trained, keep):
    _, path = trained
    raw = path.read_bytes()
    cut = path.with_name("cut.npz")
    cut.write_bytes(raw[: int(len(raw) * keep)] if keep > 0 else raw[:-1])
    assert_refused_quickly(cut, "cut.npz: ")


@pytest.mark.parametrize("content, match", [
    (b"", r"not a .npz \(zip\) archive: it starts with b''"),
    (b"PK\x03\x04" + bytes(range(256)) * 8, "cannot be read as .npz"),
    (b"PK\x03\x04" + np.random.default_rng(0).bytes(5000), "cannot be read as .npz"),
])
def test_garbage_is_refused(tmp_path, content, match):
    path = tmp_path / "garbage.npz"
    path.write_bytes(content)
    assert_refused_quickly(path, match)


@pytest.mark.parametrize("text, match", [
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),  # review: RecursionError escaped
    ('{"kind": "MLP", "seed": 1' + "0" * 5000 + "}", "not valid JSON.*digits"),  # Python's int digit limit
    ("x" * (cio.MAX_CONFIG_CHARS + 1), "'config' must be a single string of at most"),
])
def test_config_decoding_problems_are_clear_errors(tmp_path, bomb_parts, text, match):
    parts = dict(bomb_parts, config=npy_bytes(np.array(text)))
    path = tmp_path / "config.npz"
    path.write_bytes(zip_bytes(npz_entries(parts)))
    assert_refused_quickly(path, match, peak=64 * 2**20)


def test_zip_oddities_are_refused(tmp_path, bomb_parts):
    def build(entries):
        path = tmp_path / "odd.npz"
        path.write_bytes(zip_bytes(entries))
        return path

    good = npz_entries(bomb_parts)
    encrypted = [Entry(e.name, data=e.data, file_size=e.file_size, crc=e.crc, flags=1) for e in good]
    assert_refused_quickly(build(encrypted), "'format' is encrypted")
    bzip2 = [Entry(e.name, data=e.data, file_size=e.file_size, crc=e.crc, method=12) for e in good]
    assert_refused_quickly(build(bzip2), "compression method 12; expected stored")
    assert_refused_quickly(build(good + good[-1:]), "duplicate entries")
    assert_refused_quickly(build(good + [Entry("../../etc/passwd", b"x")]), r"also holds \['../../etc/passwd'\]")
    many = good + [Entry(f"q{i}.npy", b"") for i in range(cio.MAX_ARRAYS)]
    assert_refused_quickly(build(many), f"lists {len(many):,} entries")


def test_fortran_order_and_compressed_files_load_bit_exact(tmp_path):
    model = MLP([2, 5, 3], activation="tanh", seed=1)
    for v, _ in model.parameters():
        v += np.random.default_rng(2).normal(size=v.shape)
    arrays = arrays_of(save(model, tmp_path / "m.npz"))
    arrays["p0"] = np.asfortranarray(arrays["p0"])
    for writer in (np.savez, np.savez_compressed):
        writer(tmp_path / "other.npz", **arrays)
        loaded = load(tmp_path / "other.npz")
        for (a, _), (b, _) in zip(model.parameters(), loaded.parameters(), strict=True):
            assert a.tobytes() == b.tobytes()


def test_model_classes_are_imported_directly():
    assert cio.MODEL_CLASSES == {"MLP": MLP, "Graph": Graph}
    assert cio.model_class("Graph") is Graph
    with pytest.raises(ValueError, match="unknown model kind 'os.system'"):
        cio.model_class("os.system")


@pytest.mark.parametrize("change, match", [
    (dict(version=npy_bytes(np.array(2**62))), "format version 4611686018427387904; this course_lib reads version 1"),
    (dict(version=npy_bytes(np.array("1"))), r"'version' must be a single integer, got an array of dtype <U1"),
    (dict(p0=npy_header("<f8", (2**62, 2**62))), r"W1 \(p0\) must have shape \(1, 4\) for this MLP, got \(4611"),
    (dict(config=npy_bytes(np.array('{"kind": "os.system"}'))), "unknown model kind 'os.system'"),
])
def test_other_reviewed_tamperings_are_refused(tmp_path, bomb_parts, change, match):
    path = tmp_path / "t.npz"
    path.write_bytes(zip_bytes(npz_entries(dict(bomb_parts, **change))))
    assert_refused_quickly(path, match)


def test_an_empty_zip_is_refused(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(zip_bytes([]))
    assert path.read_bytes()[:4] == b"PK\x05\x06"  # an empty zip is only its end record
    assert_refused_quickly(path, r"expected a course_lib model file .*, but it is a zip archive with no arrays")
