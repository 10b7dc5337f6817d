"""course_lib.data: reproducible draws, documented ranges and formulas, minibatch order, clear errors."""

import numpy as np
import pytest

from course_lib.data import (
    TARGETS,
    make_dataset,
    minibatches,
    sin_s0,
    sinc_s2,
    sinc_s2_train_val,
    target_fn,
    train_val_split,
)

# The documented table: name → (x range, the formula written out independently of the module)
DOCUMENTED = {
    "sin": ((-1.0, 1.0), lambda x: np.sin(2 * np.pi * x)),
    "sinc": ((-4.0, 4.0), lambda x: np.sin(np.pi * x) / (np.pi * x)),
    "step": ((-1.0, 1.0), lambda x: (x > 0).astype(float)),
    "abs": ((-1.0, 1.0), lambda x: np.sqrt(x * x)),
    "sin_s0": ((0.0, 1.0), lambda x: 3 * np.sin(20 * x)),
}


def test_required_targets_exist_and_are_callable():
    assert {"sin", "sinc", "step", "abs"} <= set(TARGETS)
    for name, tgt in TARGETS.items():
        assert callable(tgt) and target_fn(name) is tgt
        assert tgt.x_range[0] < tgt.x_range[1]


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_targets_have_documented_range_and_formula(name):
    (low, high), formula = DOCUMENTED[name]
    X, Y = make_dataset(name, 2000, seed=3)
    assert X.shape == Y.shape == (2000, 1) and X.dtype == Y.dtype == np.float64
    assert TARGETS[name].x_range == (low, high)
    assert X.min() >= low and X.max() <= high
    # the draws fill the range (2000 uniform draws leave no gap wider than 1 % of it at either end)
    assert X.min() < low + 0.01 * (high - low) and X.max() > high - 0.01 * (high - low)
    np.testing.assert_allclose(Y, formula(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda seed: make_dataset("abs", 50, noise=0.2, seed=seed),
    lambda seed: sin_s0(100, seed=seed),
    lambda seed: sinc_s2(seed=seed),
])
def test_same_seed_same_data_different_seed_different_data(make):
    a, b, c = make(7), make(7), make(8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[1], c[1])


def test_a_generator_can_be_passed_as_seed():
    X1, _ = make_dataset("sin", 10, seed=np.random.default_rng(4))
    X2, _ = make_dataset("sin", 10, seed=4)
    np.testing.assert_array_equal(X1, X2)


def test_sin_s0_is_three_sin_twenty_z_on_the_unit_interval():
    X, Y = sin_s0(1000, seed=1)
    assert X.shape == (1000, 1) and 0 <= X.min() and X.max() <= 1
    np.testing.assert_array_equal(Y, 3 * np.sin(20 * X))  # no noise by default: exact
    assert sin_s0(seed=1)[0].shape == (100_000, 1)  # S0's size by default


def test_sinc_s2_defaults_noise_level_and_range():
    X, Y = sinc_s2(seed=0)
    assert X.shape == Y.shape == (500, 1)
    assert -4 <= X.min() and X.max() <= 4
    # with many samples, the residual from the normalised sinc has mean ≈ 0 and std ≈ σ = 0.1
    X, Y = sinc_s2(n=40_000, seed=2)
    r = Y - np.sin(np.pi * X) / (np.pi * X)
    assert abs(r.mean()) < 0.003 and abs(r.std() - 0.1) < 0.003


def test_sinc_s2_train_val_draws_validation_with_next_seed():
    (X, Y), (Xv, Yv) = sinc_s2_train_val(seed=5)
    np.testing.assert_array_equal(X, sinc_s2(seed=5)[0])
    np.testing.assert_array_equal(Xv, sinc_s2(seed=6)[0])
    np.testing.assert_array_equal(Yv, sinc_s2(seed=6)[1])
    assert not np.array_equal(X, Xv)
    with pytest.raises(ValueError, match="seed must be an int"):
        sinc_s2_train_val(seed=np.random.default_rng(0))


def test_noise_free_and_noisy_share_the_x_draws():
    X0, Y0 = make_dataset("abs", 30, noise=0.0, seed=9)
    X1, Y1 = make_dataset("abs", 30, noise=0.5, seed=9)
    np.testing.assert_array_equal(X0, X1)
    assert not np.array_equal(Y0, Y1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(target="nope", n=5), "unknown target 'nope'; choose one of: abs, sin"),
    (dict(target="sin", n=0), "n .* must be a positive integer"),
    (dict(target="sin", n=-3), "positive integer"),
    (dict(target="sin", n=2.5), "positive integer"),
    (dict(target="sin", n=5, noise=-0.1), "noise must be a finite number >= 0"),
    (dict(target="sin", n=5, noise=float("nan")), "noise must be"),
    (dict(target="sin", n=5, seed=None), "seed must be an int"),
])
def test_make_dataset_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_dataset(**kwargs)


def _rows(A):
    return sorted(map(tuple, A))


def test_train_val_split_partitions_the_rows_reproducibly():
    X = np.arange(20.0).reshape(10, 2)
    Y = np.arange(10.0).reshape(10, 1)
    (Xt, Yt), (Xv, Yv) = train_val_split(X, Y, val_fraction=0.3, seed=1)
    assert Xv.shape == (3, 2) and Xt.shape == (7, 2) and Yv.shape == (3, 1)
    assert _rows(np.vstack([Xt, Xv])) == _rows(X)  # every row once
    np.testing.assert_array_equal(Xt[:, 0] / 2, Yt[:, 0])  # rows stay paired with their targets
    (Xt2, _), _ = train_val_split(X, Y, val_fraction=0.3, seed=1)
    np.testing.assert_array_equal(Xt, Xt2)
    (Xt3, _), _ = train_val_split(X, Y, val_fraction=0.3, seed=2)
    assert not np.array_equal(Xt, Xt3)


@pytest.mark.parametrize("frac", [0.0, 1.0, 1.5, -0.2, True])
def test_train_val_split_bad_fraction(frac):
    with pytest.raises(ValueError, match="val_fraction must be a number strictly between 0 and 1"):
        train_val_split(np.ones((4, 1)), np.ones((4, 1)), val_fraction=frac)


def test_train_val_split_needs_two_rows_and_matching_shapes():
    with pytest.raises(ValueError, match="at least 2 samples"):
        train_val_split(np.ones((1, 1)), np.ones((1, 1)))
    with pytest.raises(ValueError, match="same number of rows"):
        train_val_split(np.ones((4, 1)), np.ones((5, 1)))


def test_minibatches_cover_every_row_once_and_keep_the_last_partial_batch():
    X = np.arange(23.0).reshape(-1, 1)
    Y = 10 * X
    batches = list(minibatches(X, Y, 5, np.random.default_rng(0)))
    assert [len(b[0]) for b in batches] == [5, 5, 5, 5, 3]
    Xs = np.vstack([b[0] for b in batches])
    np.testing.assert_array_equal(np.sort(Xs[:, 0]), X[:, 0])
    for Xb, Yb in batches:
        np.testing.assert_array_equal(Yb, 10 * Xb)
    assert not np.array_equal(Xs, X)  # shuffled


def test_minibatches_order_is_the_generators_permutation_and_reshuffles():
    X = np.arange(12.0).reshape(-1, 1)
    rng = np.random.default_rng(3)
    first = np.vstack([b for b, _ in minibatches(X, X, 4, rng)])
    second = np.vstack([b for b, _ in minibatches(X, X, 4, rng)])
    ref = np.random.default_rng(3)
    np.testing.assert_array_equal(first[:, 0], ref.permutation(12))
    np.testing.assert_array_equal(second[:, 0], ref.permutation(12))
    assert not np.array_equal(first, second)
    same_seed = np.vstack([b for b, _ in minibatches(X, X, 4, 3)])
    np.testing.assert_array_equal(same_seed, first)


def test_minibatches_without_shuffle_keep_the_order():
    X = np.arange(7.0).reshape(-1, 1)
    out = np.vstack([b for b, _ in minibatches(X, X, 3, shuffle=False)])
    np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("bs", [0, -1, 2.0, None])
def test_minibatches_bad_batch_size_fails_at_the_call(bs):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        minibatches(np.ones((4, 1)), np.ones((4, 1)), bs, 0)


def test_minibatches_needs_rng_to_shuffle_and_matching_rows():
    with pytest.raises(ValueError, match="needs rng"):
        minibatches(np.ones((4, 1)), np.ones((4, 1)), 2)
    with pytest.raises(ValueError, match="same number of rows"):
        minibatches(np.ones((4, 1)), np.ones((3, 1)), 2, 0)


def test_make_spiral_random_radii_give_an_independent_held_out_set():
    """radii="even" (the default) puts every seed's points at the same radii; radii="random" draws them afresh."""
    from course_lib.data import make_spiral

    a, _ = make_spiral(50, 3, noise=0.2, turns=1.0, seed=0)
    b, _ = make_spiral(50, 3, noise=0.2, turns=1.0, seed=1)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1), atol=1e-12)
    c, yc = make_spiral(50, 3, noise=0.2, turns=1.0, seed=0, radii="random")
    d, _ = make_spiral(50, 3, noise=0.2, turns=1.0, seed=1, radii="random")
    rc, rd = np.linalg.norm(c, axis=1), np.linalg.norm(d, axis=1)
    assert np.abs(rc - rd).max() > 0.05 and len(np.intersect1d(rc.round(9), rd.round(9))) == 0
    assert c.shape == (150, 2) and np.bincount(yc).tolist() == [50, 50, 50] and rc.max() <= 1.0
    assert all(np.all(np.diff(rc[k * 50:(k + 1) * 50]) >= 0) for k in range(3))  # each arm from the centre out
    np.testing.assert_array_equal(c, make_spiral(50, 3, noise=0.2, turns=1.0, seed=0, radii="random")[0])
    with pytest.raises(ValueError, match="radii must be 'even'"):
        make_spiral(50, 3, radii="uniform")
