"""Checkers of notebook 08's exercises: the reference answer passes, None reads "not attempted", typical wrong
answers fail (with a hint)."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import nb08
from course_lib.lab import Session, encode_config

ABS_OK = dict(target="abs", noise=0.0, hidden_layers=1, width=16, activation="relu", init="he", optimiser="adam",
              lr=0.01, batch_size=32)


def test_abs_config_accepts_a_dict_and_the_dashboards_share_string():
    """The solution passes as a dict and as the lt1: string Export gives; floats equal to integers are fine."""
    assert nb08.check_abs_config(ABS_OK).passed
    assert nb08.check_abs_config(encode_config(ABS_OK)).passed
    assert nb08.check_abs_config(dict(ABS_OK, n_samples=500.0)).passed
    assert nb08.check_abs_config(None).status == nb08.NOT_ATTEMPTED


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (dict(ABS_OK, activation="sigmoid", optimiser="sgd", lr=0.001), "not below"),
        (dict(ABS_OK, noise=0.1), "without noise"),
        (dict(ABS_OK, widht=3), "unknown config key"),
        ("lt1:broken!", "damaged"),
        (dict(ABS_OK, optimiser="sgd", lr=10.0, width=64), "diverged"),
    ],
)
def test_abs_config_wrong_answers(config, words):
    """A slow setting, the wrong task, a typo, a damaged string and a diverging rate each fail with a reason."""
    r = nb08.check_abs_config(config)
    assert r.status == nb08.FAIL and words in r.message


def test_diverging_lr():
    """1 is the answer; 10 (not the smallest), 0.1 (does not diverge), 0.5 and True are refused."""
    assert nb08.check_diverging_lr(1.0).passed
    assert nb08.check_diverging_lr(None).status == nb08.NOT_ATTEMPTED
    assert "smaller one" in nb08.check_diverging_lr(10.0).message
    assert "go higher" in nb08.check_diverging_lr(0.1).message
    assert not nb08.check_diverging_lr(0.5).passed and not nb08.check_diverging_lr(True).passed


def test_vanishing_ratio():
    """The reference passes; layer 2 instead of layer 1 (an off-by-one) and the inverted ratio fail. (W_1 and W_L
    both have 32 entries here, so the Frobenius ratio equals the RMS ratio and is accepted.)"""
    assert nb08.check_vanishing_ratio(nb08.vanishing_ratio_reference).passed
    assert nb08.check_vanishing_ratio(None).status == nb08.NOT_ATTEMPTED

    def second_layer(n):
        g = Session(dict(hidden_layers=n, width=32, activation="sigmoid", init="glorot")).grad_rms
        return g[1] / g[-1]

    def inverted(n):
        return 1.0 / nb08.vanishing_ratio_reference(n)

    assert not nb08.check_vanishing_ratio(second_layer).passed
    assert not nb08.check_vanishing_ratio(inverted).passed


def test_relu_kinks():
    """The reference passes; the wrong sign of the kink, counting the edges and counting every unit fail."""
    assert nb08.check_relu_kinks(nb08.relu_kinks_reference).passed
    assert nb08.check_relu_kinks(None).status == nb08.NOT_ATTEMPTED

    def wrong_sign(W1, b1, lo, hi):
        with np.errstate(divide="ignore", invalid="ignore"):
            x = b1 / W1.reshape(-1)
        return int(np.sum((x > lo) & (x < hi)))

    def with_edges(W1, b1, lo, hi):
        with np.errstate(divide="ignore", invalid="ignore"):
            x = -b1 / W1.reshape(-1)
        return int(np.sum((x >= lo) & (x <= hi)))

    def every_unit(W1, b1, lo, hi):
        return W1.shape[1]

    for wrong in (wrong_sign, with_edges, every_unit):
        assert not nb08.check_relu_kinks(wrong).passed, wrong.__name__


def test_kinks_prediction():
    """0 kinks inside (0, 1) at step 0 (zero biases); 64, 32 and 1 are wrong; training moves kinks inside."""
    assert nb08.check_kinks_prediction(0).passed
    assert nb08.check_kinks_prediction(None).status == nb08.NOT_ATTEMPTED
    for wrong in (64, 32, 1, 0.0):
        assert not nb08.check_kinks_prediction(wrong).passed
    assert nb08.kinks_measured(2000) >= 10


def test_val_after_examples_and_batch_prediction():
    """The reference passes; taking `examples` steps (not examples // batch) or the train loss fails; batch 1
    wins after 3200 examples (measured for seeds 0–4: 0.019–0.037 vs 0.077–0.096)."""
    assert nb08.check_val_after_examples(nb08.val_after_examples_reference).passed
    assert nb08.check_val_after_examples(None).status == nb08.NOT_ATTEMPTED

    def too_many_steps(b, examples):
        s = Session(dict(nb08.BATCH_SETTING, batch_size=b))
        s.train(examples)
        return s.val_loss

    def train_loss(b, examples):
        s = Session(dict(nb08.BATCH_SETTING, batch_size=b))
        s.train(examples // b)
        return s.train_loss

    assert not nb08.check_val_after_examples(too_many_steps).passed
    assert not nb08.check_val_after_examples(train_loss).passed
    assert nb08.check_batch_prediction(1).passed
    assert nb08.check_batch_prediction(None).status == nb08.NOT_ATTEMPTED
    assert not nb08.check_batch_prediction(32).passed and not nb08.check_batch_prediction(4).passed
