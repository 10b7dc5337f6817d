"""course_lib.io: bit-exact round trips, and a clear ValueError for every kind of bad file."""

import json
import os

import numpy as np
import pytest

from course_lib import MLP, SGD
from course_lib import io as cio
from course_lib.data import make_dataset
from course_lib.io import load, save
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
    with pytest.raises(ValueError, match=r"expected a course_lib model file .*not a \.npz \(zip\) archive"):
        load(p)


def test_npy_file_is_refused(tmp_path):
    p = tmp_path / "w.npy"
    np.save(p, np.ones(3))
    with pytest.raises(ValueError, match="not a .npz"):
        load(p)


def test_foreign_npz_without_marker_is_refused(tmp_path):
    p = tmp_path / "foreign.npz"
    np.savez(p, W=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"marker array 'format' = 'course_lib.model', but this .npz holds only"):
        load(p)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_file_is_refused(trained, keep):
    _, path = trained
    raw = path.read_bytes()
    cut = path.with_name("cut.npz")
    cut.write_bytes(raw[: int(len(raw) * keep)])
    with pytest.raises(ValueError, match="cut.npz"):
        load(cut)


def test_damaged_member_is_refused(trained):
    _, path = trained
    raw = bytearray(path.read_bytes())
    # flip bytes inside the first parameter's data: the zip CRC no longer matches
    i = raw.find(b"p0.npy") + 200
    raw[i : i + 8] = b"\xff" * 8
    bad = path.with_name("damaged.npz")
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="damaged.npz"):
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
    with pytest.raises(ValueError, match=match):
        load(bad)


def _config_of(path):
    return json.loads(str(arrays_of(path)["config"]))


@pytest.mark.parametrize("edit, match", [
    (lambda c: c.update(kind="Transformer"), "unknown model kind 'Transformer'; this version of course_lib can load"),
    (lambda c: c.pop("kind"), "unknown model kind None"),
    (lambda c: c.update(layer_sizes=[1, 6, 1]), "hidden activations|shape"),
    (lambda c: c.update(layer_sizes=[1, 7, 5, 1]), r"must have shape \(1, 7\)"),
    (lambda c: c.update(activation=["tanh", "swish"]), "cannot be rebuilt.*unknown activation 'swish'"),
    (lambda c: c.pop("layer_sizes"), "cannot be rebuilt.*layer_sizes"),
])
def test_tampered_configs_are_refused(trained, edit, match):
    _, path = trained
    config = _config_of(path)
    edit(config)
    bad = rewrite(path, arrays_of(path), config=np.array(json.dumps(config)))
    with pytest.raises(ValueError, match=match):
        load(bad)


def test_pickled_arrays_are_never_unpickled(trained, tmp_path):
    _, path = trained
    arrays = arrays_of(path)
    arrays["p0"] = np.array([{"evil": 1}], dtype=object)
    bad = tmp_path / "pickled.npz"
    np.savez(bad, **arrays)  # numpy pickles the object array
    with pytest.raises(ValueError, match=r"'p0' is unreadable"):
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
    assert isinstance(loaded, graph_mod.Graph) and cio.model_class("Graph") is graph_mod.Graph
    assert loaded.get_config() == g.get_config()
    for (a, _), (b, _) in zip(g.parameters(), loaded.parameters(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_module_documents_format_and_notebook():
    assert "notebook" in cio.__doc__ and "allow_pickle=False" in cio.__doc__
    assert os.path.basename(cio.__file__) == "io.py"
