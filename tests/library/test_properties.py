"""Property-based tests (hypothesis): random architectures pass gradcheck; save → load is bit-exact for random
MLPs and Graphs; random hostile files are loaded correctly or refused with ModelFileError naming the file,
never another exception, within a memory bound; random lab configurations (dicts, JSON, share strings) are
accepted as valid configs or refused with LabConfigError, never another exception.

Deterministic and bounded: every test uses COURSE (derandomize=True, no example database, deadline=None) with
a modest max_examples, so the file runs in well under a minute. tools/hostile_sweep.py runs the same
strategies and judges with more examples and prints the closing table.
"""

from __future__ import annotations

import base64
import json
import math
import tempfile
from pathlib import Path

import numpy as np
from hostile_files import (
    DEFLATED,
    STORED,
    Entry,
    deflate_bomb,
    judge_load,
    model_arrays,
    npy_bytes,
    npy_header,
    npz_entries,
    zip_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.extra.numpy import arrays

from course_lib import ACTIVATIONS, INITIALISERS, MLP, check_gradients, gradcheck
from course_lib.graph import Graph
from course_lib.io import ModelFileError, load, save
from course_lib.lab.config import (
    CONFIG_PREFIX,
    CONTROL_TABLE,
    LabConfigError,
    decode_share,
    encode_config,
    validate_config,
)
from course_lib.losses import LOSSES

# hypothesis caches what it learns about the source in .hypothesis/; keep that out of the repository
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "course_lib_hypothesis")
COURSE = settings(derandomize=True, database=None, deadline=None, max_examples=50,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ACTS = sorted(ACTIVATIONS)
OK = ("worked", "clear error")


# ---- random architectures -----------------------------------------------------------------------------------

@st.composite
def mlp_specs(draw, max_hidden=3, max_width=6):
    """An MLP configuration a learner could build: 0–3 hidden layers of width 1–6, any activations, a loss
    (the losses taking logits need an identity output, cross-entropy at least 2 classes), a batch of 1–6 rows."""
    n_hidden = draw(st.integers(0, max_hidden))
    sizes = [draw(st.integers(1, 3))] + [draw(st.integers(1, max_width)) for _ in range(n_hidden)]
    loss = draw(st.sampled_from(sorted(LOSSES)))
    sizes.append(draw(st.integers(2 if loss == "cross_entropy" else 1, 3)))
    return dict(
        sizes=sizes,
        activation=[draw(st.sampled_from(ACTS)) for _ in range(n_hidden)],
        output_activation="identity" if loss in FROM_LOGITS else draw(st.sampled_from(ACTS)),
        init=draw(st.sampled_from(sorted(INITIALISERS))),
        bias=draw(st.booleans()),
        loss=loss,
        reduction=draw(st.sampled_from(["mean", "sum"])),
        batch=draw(st.integers(1, 6)),
        seed=draw(st.integers(0, 2**16)),
    )


def build_mlp(spec):
    return MLP(spec["sizes"], activation=spec["activation"], output_activation=spec["output_activation"],
               init=spec["init"], seed=spec["seed"], bias=spec["bias"])


FROM_LOGITS = ("bce_with_logits", "cross_entropy")


def targets(rng, loss, shape):
    """Targets each loss accepts: probabilities for BCE, rows of class probabilities for cross-entropy."""
    if loss == "cross_entropy":
        return rng.dirichlet(np.ones(shape[1]), size=shape[0])
    return rng.uniform(size=shape) if loss == "bce_with_logits" else rng.normal(size=shape)


def mlp_gradient_case(spec):
    """(model, X, T, loss, gradcheck report) for a spec, with inputs redrawn (as in test_gradients) until no
    ±h step crosses a ReLU kink, so every entry is compared."""
    model = build_mlp(spec)
    rng = np.random.default_rng(spec["seed"])
    for value, _ in model.parameters():
        if value.ndim == 1:  # biases away from their all-zero start, so their gradients are really tested
            value[:] = rng.normal(0, 0.5, size=value.shape)
    T = targets(rng, spec["loss"], (spec["batch"], spec["sizes"][-1]))
    loss = LOSSES[spec["loss"]](reduction=spec["reduction"])
    for _attempt in range(30):
        X = rng.normal(size=(spec["batch"], spec["sizes"][0]))
        report = gradcheck(model, loss, X, T)
        if report.kinks == 0:
            break
    return model, X, T, loss, report


@settings(COURSE, max_examples=60)
@given(spec=mlp_specs())
def test_random_mlps_pass_gradcheck(spec):
    model, _, _, _, report = mlp_gradient_case(spec)
    assert report.kinks == 0, f"no inputs away from every kink: {model} {spec}"
    assert report.passed, f"{model} {spec}\n{report}"


@st.composite
def graph_specs(draw):
    """A random DAG: 1–2 inputs, 0–3 hidden and 1–2 output layers, each non-input layer fed by 1–3 earlier
    layers, every layer without a consumer connected to a later one (so all reach an output)."""
    n_in, n_hid, n_out = draw(st.integers(1, 2)), draw(st.integers(0, 3)), draw(st.integers(1, 2))
    nodes = [dict(name=f"x{i}", kind="input", size=draw(st.integers(1, 4))) for i in range(n_in)]
    nodes += [dict(name=f"h{i}", kind="hidden", size=draw(st.integers(1, 5)), activation=draw(st.sampled_from(ACTS)))
              for i in range(n_hid)]
    for i in range(n_out):
        loss = draw(st.sampled_from(sorted(LOSSES)))
        act = "identity" if loss in FROM_LOGITS else draw(st.sampled_from(ACTS))
        size = draw(st.integers(2 if loss == "cross_entropy" else 1, 3))
        nodes.append(dict(name=f"y{i}", kind="output", size=size, activation=act, loss=loss,
                          reduction=draw(st.sampled_from(["mean", "sum"]))))
    edges = []
    for pos in range(n_in, len(nodes)):
        parents = draw(st.lists(st.integers(0, pos - 1), min_size=1, max_size=min(3, pos), unique=True))
        edges += [(nodes[p]["name"], nodes[pos]["name"]) for p in parents]
    for pos in reversed(range(len(nodes) - n_out)):
        if not any(src == nodes[pos]["name"] for src, _ in edges):
            later = draw(st.integers(max(pos + 1, n_in), len(nodes) - 1))
            edges.append((nodes[pos]["name"], nodes[later]["name"]))
    return dict(nodes=nodes, edges=edges, batch=draw(st.integers(1, 5)), seed=draw(st.integers(0, 2**16)))


def build_graph(spec):
    g = Graph(seed=spec["seed"])
    for node in spec["nodes"]:
        if node["kind"] == "input":
            g.add_input(node["name"], node["size"])
        elif node["kind"] == "hidden":
            g.add_hidden(node["name"], node["size"], activation=node["activation"])
        else:
            g.add_output(node["name"], node["size"], activation=node["activation"],
                         loss=LOSSES[node["loss"]](reduction=node["reduction"]))
    for src, dst in spec["edges"]:
        g.connect(src, dst)
    return g


def graph_gradient_case(spec):
    """(graph, inputs, targets, check_gradients report) for a spec, inputs redrawn until no kink is crossed."""
    g = build_graph(spec)
    rng = np.random.default_rng(spec["seed"])
    for value, _ in g.parameters():
        if value.ndim == 1:
            value[:] = rng.normal(0, 0.5, size=value.shape)
    goal = {n: targets(rng, spec_loss(spec, n), (spec["batch"], g.nodes[n].size)) for n in g.outputs}
    for _attempt in range(30):
        inputs = {n: rng.normal(size=(spec["batch"], g.nodes[n].size)) for n in g.inputs}
        g.forward(inputs)
        g.backward(goal)

        def f(inputs=inputs):
            g.forward(inputs)
            return g.loss(goal)

        report = check_gradients(f, g.parameters(), g.parameter_names(), kink_pattern=g.kink_pattern)
        if report.kinks == 0:
            break
    return g, inputs, goal, report


@settings(COURSE, max_examples=40)
@given(spec=graph_specs())
def test_random_graphs_pass_gradient_checks(spec):
    g, _, _, report = graph_gradient_case(spec)
    assert report.kinks == 0, f"no inputs away from every kink: {g} {spec}"
    assert report.passed, f"{g} {spec}\n{report}"


def spec_loss(spec, name):
    return next(n["loss"] for n in spec["nodes"] if n["name"] == name)


# ---- save → load is bit-exact -------------------------------------------------------------------------------

ANY_FLOAT = st.floats(allow_nan=False, allow_infinity=False, width=64)  # subnormals, ±0 and ±1.8e308 included


def fill(model, draw):
    for value, _ in model.parameters():
        value[...] = draw(arrays(np.float64, value.shape, elements=ANY_FLOAT))


def assert_round_trip(model, inputs):
    with tempfile.TemporaryDirectory() as folder:
        loaded = load(save(model, Path(folder) / "model.npz"))
    assert type(loaded) is type(model) and loaded.get_config() == model.get_config()
    assert loaded.parameter_names() == model.parameter_names()
    for (a, _), (b, _) in zip(model.parameters(), loaded.parameters(), strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype == np.float64 and a.tobytes() == b.tobytes()
    with np.errstate(all="ignore"):
        out_a, out_b = model.forward(inputs), loaded.forward(inputs)
    if isinstance(out_a, dict):
        assert all(out_a[k].tobytes() == out_b[k].tobytes() for k in out_a)
    else:
        assert out_a.tobytes() == out_b.tobytes()


@settings(COURSE, max_examples=40)
@given(spec=mlp_specs(max_hidden=4, max_width=8), data=st.data())
def test_save_load_is_bit_exact_for_random_mlps(spec, data):
    model = build_mlp(spec)
    fill(model, data.draw)
    X = np.random.default_rng(spec["seed"]).normal(size=(spec["batch"], spec["sizes"][0]))
    assert_round_trip(model, X)


@settings(COURSE, max_examples=30)
@given(spec=graph_specs(), data=st.data())
def test_save_load_is_bit_exact_for_random_graphs(spec, data):
    g = build_graph(spec)
    fill(g, data.draw)
    rng = np.random.default_rng(spec["seed"])
    assert_round_trip(g, {n: rng.normal(size=(spec["batch"], g.nodes[n].size)) for n in g.inputs})


# ---- hostile files ------------------------------------------------------------------------------------------

def _bases():
    """Three valid files as {member name: .npy bytes} plus their config: MLP with and without biases, a Graph."""
    g = Graph(seed=1)
    g.add_input("x", 2)
    g.add_hidden("h", 3, activation="tanh")
    g.add_output("y", 1)
    g.connect("x", "h")
    g.connect("h", "y")
    g.connect("x", "y")
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for i, model in enumerate([MLP([1, 4, 1], seed=0), MLP([2, 3, 3, 1], "tanh", bias=False, seed=1), g]):
            path = save(model, Path(folder) / f"m{i}.npz")
            arrays_ = model_arrays(path)
            out.append(dict(raw=path.read_bytes(), members={k: npy_bytes(v) for k, v in arrays_.items()},
                            config=json.loads(str(arrays_["config"]))))
    return out


BASES = _bases()
BASE = st.sampled_from(BASES)

JSON_TEXT = st.text(alphabet=st.sampled_from(list("abkindMLPGraph_-→é0 {}[]\":,\\")), max_size=12)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)
SIZES = st.one_of(st.integers(-3, 8), st.integers(0, 2**64), st.sampled_from([1e8, 2.0, "4", True, None, [4]]))
DTYPES = ["<f8", ">f8", "<f4", "<f2", "<i8", "|b1", "<c16", "<U5", "|S3", "|O", "<M8[s]", "[('a', '<f8')]"]


@st.composite
def random_array_npy(draw):
    """An .npy member of a random dtype and shape: a real small array, or only a header declaring a huge one."""
    descr = draw(st.sampled_from(DTYPES))
    if draw(st.booleans()):
        shape = tuple(draw(st.lists(st.integers(0, 2**40), max_size=3)))
        return npy_header(descr if not descr.startswith("[") else "<f8", shape, fortran=draw(st.booleans()))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    if descr == "|O":
        return npy_bytes(np.array([{"evil": 1}] * int(np.prod(shape)), dtype=object).reshape(shape))
    dtype = np.dtype(eval(descr)) if descr.startswith("[") else np.dtype(descr)  # noqa: S307 - a literal above
    return npy_bytes(np.zeros(shape, dtype=dtype))


def edit_config(draw, config):
    config = json.loads(json.dumps(config))
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(config) + ["kind", "layer_sizes", "nodes", "edges", "extra"]))
        how = draw(st.sampled_from(["json", "sizes", "drop", "node size", "edge end"]))
        if how == "json":
            config[key] = draw(JSON_VALUE)
        elif how == "sizes":
            config[key] = draw(st.lists(SIZES, max_size=5))
        elif how == "drop":
            config.pop(key, None)
        elif how == "node size" and isinstance(config.get("nodes"), list) and config["nodes"]:
            node = config["nodes"][draw(st.integers(0, len(config["nodes"]) - 1))]
            if isinstance(node, dict):
                node["size"] = draw(SIZES)
        elif how == "edge end" and isinstance(config.get("edges"), list) and config["edges"]:
            edge = config["edges"][draw(st.integers(0, len(config["edges"]) - 1))]
            if isinstance(edge, dict):
                edge[draw(st.sampled_from(["src", "dst"]))] = draw(JSON_TEXT | st.sampled_from(["x", "h", "y"]))
    return config


@st.composite
def hostile_files(draw):
    """(bytes, what was done): a random attack on one of the valid BASES files."""
    base = draw(BASE)
    raw, members = base["raw"], dict(base["members"])
    attack = draw(st.sampled_from(["bytes", "truncate", "flip", "members", "config", "zip lies", "bomb"]))
    if attack == "bytes":
        return draw(st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06"])) + draw(st.binary(max_size=3000)), attack
    if attack == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1))], attack
    if attack == "flip":
        data = bytearray(raw)
        for pos, value in draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)),
                                        min_size=1, max_size=8)):
            data[pos] = value
        return bytes(data), attack
    method = draw(st.sampled_from([STORED, DEFLATED]))
    if attack == "members":
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(sorted(members) + ["p9", "p99", "x", "../evil", "config2"]))
            if draw(st.booleans()):
                members.pop(key, None)
            else:
                members[key] = draw(random_array_npy())
        return zip_bytes(npz_entries(members, method)), attack
    if attack == "config":
        members["config"] = npy_bytes(np.array(json.dumps(edit_config(draw, base["config"]))))
        return zip_bytes(npz_entries(members, method)), attack
    entries = npz_entries(members, method)
    if attack == "zip lies":
        for _ in range(draw(st.integers(1, 3))):
            e = entries[draw(st.integers(0, len(entries) - 1))]
            field = draw(st.sampled_from(["file_size", "crc", "method", "flags", "data"]))
            if field == "file_size":
                e.file_size = draw(st.integers(0, 2**32 - 1))
            elif field == "crc":
                e.crc = draw(st.integers(0, 2**32 - 1))
            elif field == "method":
                e.method = draw(st.sampled_from([STORED, DEFLATED, 1, 12, 14, 99]))
            elif field == "flags":
                e.flags = draw(st.integers(0, 2**16 - 1))
            else:
                e.data = draw(st.binary(max_size=200))
        return zip_bytes(entries), attack
    # a small deflate bomb (1–4 MiB of zeros) in place of one member, with a header drawn at random
    name = draw(st.sampled_from(sorted(members)))
    bomb = deflate_bomb(draw(st.integers(1, 4)) << 20, draw(random_array_npy())[:200])
    bomb.name = f"{name}.npy"
    entries = [bomb if e.name == bomb.name else e for e in entries]
    return zip_bytes(entries), attack


def judge_bytes(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.npz"
        path.write_bytes(content)
        outcome, detail = judge_load(load, ModelFileError, path)
    return outcome, detail


@settings(COURSE, max_examples=200)
@given(case=hostile_files())
def test_hostile_files_are_loaded_correctly_or_refused_clearly(case):
    content, attack = case
    outcome, detail = judge_bytes(content)
    assert outcome in OK, f"{attack}: {outcome}: {detail!r}"


def test_unchanged_bases_load():  # the attacks start from files that do load
    for base in BASES:
        assert judge_bytes(base["raw"])[0] == "worked"


def test_entry_builder_writes_what_numpy_reads():  # the hand-written zip is a valid .npz
    for base in BASES:
        for method in (STORED, DEFLATED):
            assert judge_bytes(zip_bytes(npz_entries(base["members"], method)))[0] == "worked"
    assert isinstance(Entry("a.npy", b"x"), Entry)


# ---- the lab's configuration: accepted (and then valid) or LabConfigError, nothing else ----------------------


def _near_values(key):
    """Values close to what `key` allows: each option (also as a float or string), the bounds and just past
    them, and wrong types."""
    kind, allowed = CONTROL_TABLE[key].kind, CONTROL_TABLE[key].allowed
    if kind == "choice":
        near = list(allowed) + [str(v) for v in allowed] + [float(v) for v in allowed if isinstance(v, int)]
        near += [v + 1 for v in allowed if isinstance(v, int)] + [0, -1]
    elif kind == "bool":
        near = [True, False, 0, 1, "true", None]
    else:
        low, high = allowed
        near = [low, high, (low + high) / 2, low - 1, high + 1, float(low), float(high), -0.0, 1e-300, 1e308,
                float("nan"), float("inf"), 10**5000 if kind == "int" else 1e300, str(low), True]
        if kind == "int":
            near += [low + 0.5, float(high) + 0.5, 2**31, 2**63, 2**64 + 1]
    return st.sampled_from(near)


LAB_KEYS = st.sampled_from(sorted(CONTROL_TABLE) + ["hide", "extra", "", "Width", "lr "])
LAB_VALUE = st.one_of(JSON_VALUE, *(_near_values(k) for k in sorted(CONTROL_TABLE)))


@st.composite
def lab_dicts(draw):
    """A dict of lab keys (mostly real ones) to values near or far from what each allows."""
    keys = draw(st.lists(LAB_KEYS, max_size=6, unique=True))
    out = {}
    for key in keys:
        out[key] = draw(_near_values(key) if key in CONTROL_TABLE and draw(st.booleans()) else LAB_VALUE)
    return out


def _share(raw: bytes) -> str:
    return CONFIG_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@st.composite
def lab_texts(draw):
    """A string pasted into the Load box: JSON or a share string of a random dict, damaged or not, or junk."""
    how = draw(st.sampled_from(["json", "share", "cut share", "junk", "deep", "digits", "hide"]))
    data = draw(lab_dicts())
    try:
        json.dumps(data)
    except ValueError:  # an int too long for json to write (the "digits" case pastes one as text)
        data = {}
    if how == "json":
        return json.dumps(data)
    if how == "share":
        return _share(json.dumps(data).encode())
    if how == "cut share":
        text = _share(json.dumps(data).encode())
        return text[: draw(st.integers(0, len(text)))]
    if how == "deep":
        n = draw(st.sampled_from([10, 1000, 100_000]))
        return '{"a":' * n + "1" + "}" * n
    if how == "digits":
        return '{"seed": 1' + "0" * draw(st.sampled_from([10, 4299, 5000])) + "}"
    if how == "hide":
        data["hide"] = draw(st.lists(LAB_KEYS | JSON_VALUE, max_size=3))
        return _share(json.dumps(data).encode()) if draw(st.booleans()) else json.dumps(data)
    prefix = draw(st.sampled_from(["", CONFIG_PREFIX, "{", " "]))
    return prefix + draw(JSON_TEXT | st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


def lab_configs():
    """What the sweep feeds the lab: a dict (validate_config) or a string (decode_share)."""
    return st.one_of(lab_dicts(), lab_texts())


def valid_lab_config(config) -> bool:
    """A complete config whose every value is exactly what check_value returns (ints stay ints) and that
    survives a share-string round trip unchanged."""
    if set(config) != set(CONTROL_TABLE):
        return False
    for key, value in config.items():
        if validate_config({key: value})[key] != value or type(validate_config({key: value})[key]) is not type(value):
            return False
    return decode_share(encode_config(config))[0] == config


def judge_lab_config(example):
    """("worked" | "clear error" | "silent wrong" | "crash", detail) for one dict or pasted string."""
    try:
        config = validate_config(example) if isinstance(example, dict) else decode_share(example)[0]
    except LabConfigError as err:
        return ("clear error", err) if str(err) else ("unclear error", err)
    except Exception as err:  # noqa: BLE001 - every other exception type is a crash of the Load button
        return "crash", err
    return ("worked", None) if valid_lab_config(config) else ("silent wrong", config)


@settings(COURSE, max_examples=150)
@given(example=lab_configs())
def test_random_lab_configs_are_accepted_as_valid_or_refused_with_lab_config_error(example):
    outcome, detail = judge_lab_config(example)
    assert outcome in OK, f"{example!r:.300}: {outcome}: {detail!r:.300}"


def test_lab_config_judge_sees_both_sides():  # the property above is not vacuous
    assert judge_lab_config({"n_samples": 500.0, "batch_size": 32.0}) == ("worked", None)
    assert judge_lab_config({"width": 0})[0] == "clear error"
    assert judge_lab_config('{"seed": 1' + "0" * 5000 + "}")[0] == "clear error"


def _valid_value(key):
    kind, allowed = CONTROL_TABLE[key].kind, CONTROL_TABLE[key].allowed
    if kind == "bool":
        return st.booleans()
    if kind == "choice":
        exact = st.sampled_from(allowed)
        return exact | exact.map(float) if all(isinstance(v, int) for v in allowed) else exact
    low, high = allowed
    if kind == "int":
        return st.integers(low, high) | st.integers(low, high).map(float)
    ints = st.integers(math.ceil(low), math.floor(high)) if math.ceil(low) <= math.floor(high) else st.nothing()
    return st.floats(low, high) | ints


@settings(COURSE, max_examples=60)
@given(data=st.data())
def test_valid_lab_configs_are_normalised_and_survive_a_share_string(data):
    given_ = {k: data.draw(_valid_value(k)) for k in data.draw(st.lists(st.sampled_from(sorted(CONTROL_TABLE)),
                                                                     unique=True))}
    config = validate_config(given_)
    assert valid_lab_config(config)
    for key, value in given_.items():  # integers given as floats (500.0) become ints; nothing else changes
        kind = CONTROL_TABLE[key].kind
        if kind == "float":
            expected = float(value)
        else:
            expected = int(value) if isinstance(value, float) else value
        assert config[key] == expected and type(config[key]) is type(expected)
