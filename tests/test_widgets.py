"""Tests of the live training lab (course_lib.widgets.LiveTrainer, notebook 08), driven from Python.

The buttons are clicked with `Button.click()`, controls are moved by setting their `value`, and the live
loop runs on an asyncio event loop made by the test (no kernel, no browser: see test_browser.py for that).
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import math
import time

import numpy as np
import pytest

from course_lib.widgets import (
    CONTROLS,
    DEFAULT_CONFIG,
    PRESETS,
    BoundedHistory,
    ConfigError,
    LiveTrainer,
    decode_config,
    encode_config,
)

SMALL = dict(n_samples=200, hidden_layers=1, width=8, activation="tanh", optimiser="adam", lr=0.01, batch_size=16)


@pytest.fixture
def lt():
    """A small, fast LiveTrainer (1-8-1 tanh on 200 points), stopped after the test."""
    trainer = LiveTrainer(config=SMALL, record_every=10)
    yield trainer
    trainer.stop()


def click(trainer, label):
    """Click one of the dashboard's buttons by its label."""
    trainer.buttons[label].click()


def test_builds_with_defaults_and_status_reads_like_the_issue():
    """Builds with defaults and status reads like the issue."""
    t = LiveTrainer()
    assert t.config == DEFAULT_CONFIG
    assert t.step_count == 0
    assert t.status.startswith("step 0 · train loss ")
    assert " · val loss " in t.status
    assert set(t.buttons) == {"Train", "Pause", "Step", "Reset"}
    assert [b.description for b in t.buttons.values()] == ["Train", "Pause", "Step", "Reset"]
    assert "step 0" in t.status_label.value
    t.stop()


def test_train_is_deterministic_and_lowers_the_loss(lt):
    """Train is deterministic and lowers the loss."""
    start = lt.train_loss
    lt.train(300)
    assert lt.step_count == 300
    assert lt.train_loss < 0.5 * start
    other = LiveTrainer(config=SMALL, record_every=10)
    other.train(300)
    assert other.train_loss == lt.train_loss and other.val_loss == lt.val_loss
    other.stop()
    assert len(lt.history) == 31  # step 0 and one point every 10 steps
    assert lt.history.steps[-1] == 300


def test_step_button_takes_one_chunk_and_reset_returns_to_zero(lt):
    """Step button takes one chunk and reset returns to zero."""
    click(lt, "Step")
    assert lt.step_count == lt.step_chunk
    click(lt, "Step")
    assert lt.step_count == 2 * lt.step_chunk
    assert not lt.running
    click(lt, "Reset")
    assert lt.step_count == 0 and len(lt.history) == 1
    assert lt.status.startswith("step 0 ·")


def test_status_line_format(lt):
    """Status line format."""
    lt.train(20)
    tr, va = f"{lt.train_loss:.3g}", f"{lt.val_loss:.3g}"
    assert lt.status == f"step 20 · train loss {tr} · val loss {va}"
    assert lt.status in lt.status_label.value


def test_divergence_pauses_with_a_message_and_reset_recovers():
    """Divergence pauses with a message and reset recovers."""
    t = LiveTrainer(config=dict(SMALL, optimiser="sgd", lr=10.0, width=32, hidden_layers=2, activation="relu"))
    t.train(500)
    assert t.diverged and not t.running
    assert t.step_count < 500
    assert "diverged" in t.message and "learning rate" in t.message
    assert "diverged" in t.message_label.value
    png = t.render()  # NaN in the plots: no exception
    assert png.startswith(b"\x89PNG")
    click(t, "Train")  # refused until Reset
    assert not t.running and "Reset" in t.message
    t.set(lr=0.01)
    click(t, "Reset")
    assert not t.diverged and t.step_count == 0 and t.message == ""
    t.train(50)
    assert math.isfinite(t.train_loss) and not t.diverged
    t.stop()


def test_live_loop_diverges_and_pauses():
    """Live loop diverges and pauses."""
    t = LiveTrainer(config=dict(SMALL, optimiser="sgd", lr=10.0, width=32, hidden_layers=2, activation="relu"))

    async def run():
        """The part of the test that runs on the asyncio event loop."""
        task = t.start()
        await asyncio.wait_for(task, timeout=10)

    asyncio.run(run())
    assert t.diverged and not t.running and "diverged" in t.message
    assert t.buttons["Train"].disabled is False and t.buttons["Pause"].disabled is True


def test_nan_in_history_renders(lt):
    """Nan in history renders."""
    lt.train(20)
    lt.history.add(lt.step_count + 1, float("nan"), float("inf"))
    lt._grad_norms = np.array([np.nan, 0.0])
    assert lt.render().startswith(b"\x89PNG")


def test_architecture_and_data_changes_reset_the_model(lt):
    """Architecture and data changes reset the model."""
    lt.train(50)
    lt.controls["width"].value = 12
    assert lt.step_count == 0 and lt.model.sizes == [1, 12, 1]
    lt.train(30)
    lt.controls["hidden_layers"].value = 3
    assert lt.step_count == 0 and lt.model.sizes == [1, 12, 12, 12, 1]
    lt.controls["activation"].value = "sigmoid"
    assert lt.model.activations == ["sigmoid"] * 3 + ["identity"]
    lt.train(30)
    lt.controls["target"].value = "abs"
    assert lt.step_count == 0 and np.allclose(np.abs(lt.X_train), lt.Y_train, atol=0.5)
    lt.controls["n_samples"].value = 1000
    assert lt.X_train.shape[0] + lt.X_val.shape[0] == 1000


def test_lr_applies_on_the_fly_and_optimiser_change_rebuilds_it(lt):
    """Lr applies on the fly and optimiser change rebuilds it."""
    lt.train(40)
    model, opt = lt.model, lt.optimizer
    lt.controls["lr"].value = 0.003
    assert lt.optimizer is opt and opt.lr == pytest.approx(0.003) and lt.step_count == 40
    lt.controls["optimiser"].value = "momentum"
    assert lt.model is model and lt.step_count == 40
    assert type(lt.optimizer).__name__ == "SGD" and lt.optimizer.momentum == 0.9
    assert lt.optimizer.lr == pytest.approx(0.003)
    lt.controls["batch_size"].value = 64
    Xb, _ = lt._next_batch()
    assert Xb.shape[0] == 64 and lt.model is model


def test_control_change_mid_run_keeps_running():
    """Control change mid run keeps running."""
    t = LiveTrainer(config=SMALL)

    async def run():
        """The part of the test that runs on the asyncio event loop."""
        task = t.start()
        await asyncio.sleep(0.3)
        t.controls["width"].value = 5  # handled between chunks, like a click in the kernel
        assert t.running and t.model.sizes == [1, 5, 1]
        before = t.step_count
        await asyncio.sleep(0.3)
        assert t.step_count > before
        t.controls["lr"].value = 0.002
        await asyncio.sleep(0.1)
        assert t.optimizer.lr == pytest.approx(0.002) and t.running
        t.pause()
        await task

    asyncio.run(run())
    assert not t.running


def test_history_is_bounded():
    """History is bounded."""
    h = BoundedHistory(max_points=16)
    for i in range(10_000):
        h.add(i, 1.0 / (i + 1), 2.0 / (i + 1))
    assert len(h) < 16
    assert h.steps[0] == 0 and h.steps == sorted(h.steps)
    gaps = np.diff(h.steps)
    assert gaps.min() == gaps.max()  # evenly spread

    t = LiveTrainer(config=SMALL, record_every=1, max_history=50)
    t.train(2000, render=False)
    assert len(t.history) < 50 and t.history.steps[-1] > 1900
    t.stop()


def test_config_round_trip_and_presets(lt):
    """Config round trip and presets."""
    lt.set(lr=0.02, width=16, target="step", optimiser="sgd")
    text = lt.export_config()
    assert text.startswith("lt1:") and len(text) < 400
    other = LiveTrainer(config=text)
    assert other.config == lt.config
    other.load_preset("S2")
    assert other.config == PRESETS["S2"] and other.model.sizes == [1] + [50] * 9 + [1]
    click(lt, "Reset")
    lt.preset_buttons["S0"].click()
    assert lt.config == PRESETS["S0"] and lt.model.sizes == [1, 3, 1]
    assert lt.X_train.shape[0] + lt.X_val.shape[0] == 100_000
    lt.load_config(text)
    assert lt.config == other.config or lt.config == decode_config(text)
    # JSON is accepted too, and missing keys take the defaults
    lt.load_config('{"width": 7}')
    assert lt.config == dict(DEFAULT_CONFIG, width=7)
    other.stop()


def test_export_and_load_buttons(lt):
    """Export and load buttons."""
    lt.set(width=20)
    lt.share_buttons["Export"].click()
    text = lt.config_text.value
    assert decode_config(text)["width"] == 20
    lt.set(width=4)
    lt.share_buttons["Load"].click()
    assert lt.config["width"] == 20 and "loaded" in lt.message
    lt.config_text.value = "lt1:%%%not-base64"
    lt.share_buttons["Load"].click()
    assert "Could not load" in lt.message and lt.config["width"] == 20


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("hello", "starts with"),
        ("lt1:!!!!", "damaged"),
        ("lt1:" + base64.urlsafe_b64encode(b"{not json").decode(), "not valid JSON"),
        ('{"widht": 3}', "unknown config key 'widht'"),
        ('{"width": 0}', "between 1 and 128"),
        ('{"width": 2.5}', "integer"),
        ('{"lr": 100}', "between"),
        ('{"lr": "fast"}', "number"),
        ('{"activation": "swish"}', "one of"),
        ('{"batch_size": 3}', "one of"),
        ('{"show_hidden": 1}', "true or false"),
        ("[1, 2]", "starts with"),
        ('{"width": true}', "integer"),
    ],
)
def test_malformed_configs_are_refused_clearly(text, words):
    """Malformed configs are refused clearly."""
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        decode_config(text)


def test_refused_config_changes_nothing(lt):
    """Refused config changes nothing."""
    before = lt.config
    with pytest.raises(ConfigError):
        lt.load_config('{"width": 999}')
    assert lt.config == before
    with pytest.raises(ConfigError):
        LiveTrainer(config={"depth": 3})


def test_encode_is_compact_json():
    """Encode is compact json."""
    text = encode_config({"width": 9})
    body = text[4:]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert json.loads(raw) == dict(DEFAULT_CONFIG, width=9)


def test_hide_controls():
    """Hide controls."""
    t = LiveTrainer(hide=["optimiser", "init", "share"])
    assert t.controls["optimiser"].layout.display == "none"
    assert t.controls["init"].layout.display == "none"
    assert t.controls["lr"].layout.display != "none"
    assert t._hideable["share"].layout.display == "none"
    t.stop()
    with pytest.raises(ValueError, match="unknown control to hide 'optimizer'"):
        LiveTrainer(hide=["optimizer"])
    assert set(CONTROLS) >= {"target", "noise", "n_samples", "val_fraction", "hidden_layers", "width", "activation",
                             "init", "optimiser", "lr", "batch_size", "seed"}


def test_pause_takes_effect_within_250_ms():
    """Pause takes effect within 250 ms."""
    t = LiveTrainer(config=dict(SMALL, width=64, hidden_layers=2))
    latencies = []

    async def run():
        """The part of the test that runs on the asyncio event loop."""
        loop = asyncio.get_running_loop()
        for _ in range(3):
            task = t.start()
            await asyncio.sleep(0.4)
            assert t.running and t.step_count > 0
            requested = loop.time()
            loop.call_at(requested, t.buttons["Pause"].click)
            await asyncio.wait_for(task, timeout=2)
            latencies.append(loop.time() - requested)
            held = t.step_count
            await asyncio.sleep(0.2)
            assert t.step_count == held  # nothing trains after Pause

    asyncio.run(run())
    assert max(latencies) < 0.25, latencies
    t.stop()


def test_train_button_runs_the_loop_and_draws_frames():
    """Train button runs the loop and draws frames."""
    t = LiveTrainer(config=SMALL)

    async def run():
        """The part of the test that runs on the asyncio event loop."""
        t.buttons["Train"].click()
        assert t.running and t.buttons["Train"].disabled and not t.buttons["Pause"].disabled
        await asyncio.sleep(1.0)
        t.buttons["Pause"].click()
        await asyncio.sleep(0.1)

    frames = t.frames_drawn
    asyncio.run(run())
    assert t.step_count > 50 and t.frames_drawn >= frames + 2
    assert not t.running and not t.buttons["Train"].disabled
    assert bytes(t.image.value).startswith(b"\x89PNG")
    t.stop()


def test_a_new_instance_stops_the_old_loop():
    """A new instance stops the old loop."""
    first = LiveTrainer(config=SMALL)

    async def run():
        """The part of the test that runs on the asyncio event loop."""
        task = first.start()
        await asyncio.sleep(0.3)
        assert first.running
        second = LiveTrainer(config=SMALL)  # re-running the cell
        await asyncio.sleep(0.05)
        assert not first.running and (task.done() or task.cancelled())
        held = first.step_count
        await asyncio.sleep(0.2)
        assert first.step_count == held
        task2 = second.start()
        await asyncio.sleep(0.2)
        first.start()  # starting one stops the other
        await asyncio.sleep(0.05)
        assert first.running and not second.running
        first.pause()
        await asyncio.sleep(0.1)
        assert task2.done()
        second.stop()

    asyncio.run(run())
    first.stop()


def test_figure_is_reused_and_png_is_valid(lt):
    """Figure is reused and png is valid."""
    from PIL import Image

    fig = lt.figure
    lt.train(100)
    lt.step()
    png = lt.render()
    assert lt.figure is fig
    img = Image.open(io.BytesIO(png))
    img.load()
    assert img.size == tuple(lt._px) and img.mode == "RGB"
    assert np.asarray(img).std() > 10  # not blank


def test_frame_is_cheap_after_the_first(lt):
    """Frame is cheap after the first."""
    lt.train(100)
    lt.render()
    t0 = time.perf_counter()
    for _ in range(5):
        lt.render()
    assert (time.perf_counter() - t0) / 5 < 0.5  # generous: the CI machine may be busy


def test_repr_and_mimebundle_are_stable(lt):
    """Repr and mimebundle are stable."""
    bundle = lt._repr_mimebundle_()
    assert bundle["text/plain"] == lt.describe()
    assert "0x" not in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert repr(lt).startswith("LiveTrainer: target sinc")


def test_deep_sigmoid_shows_vanishing_gradients():
    """Deep sigmoid shows vanishing gradients."""
    t = LiveTrainer(config=dict(SMALL, hidden_layers=8, width=32, activation="sigmoid", init="glorot"))
    g = t.grad_norms
    assert g.shape == (9,)
    assert g[0] < 0.01 * g[-1]
    t.stop()


def test_train_argument_checked(lt):
    """Train argument checked."""
    with pytest.raises(ValueError, match="steps"):
        lt.train(-1)
    with pytest.raises(ValueError, match="steps"):
        lt.train(2.5)


def test_partial_redraws_match_a_full_redraw(lt):
    """When an axis range moves, only that axes is redrawn into the cached background: same pixels as a full draw."""
    for n in (900, 300, 500, 1000, 2000):  # the step axis grows 1000 → 1500 → 2000 → 3000 → 5000
        lt.train(n)
    partial = lt.render()
    lt._background = None
    assert lt.render() == partial


def test_close_closes_only_this_dashboard():
    """Close closes only this dashboard."""
    keep = LiveTrainer(config=SMALL)
    gone = LiveTrainer(config=SMALL)
    gone.close()
    assert gone.widget.comm is None and gone.buttons["Train"].comm is None and gone.image.comm is None
    assert keep.widget.comm is not None and keep.buttons["Train"].comm is not None
    keep.close()


def test_start_outside_an_event_loop_says_what_to_do(lt):
    """Without a running event loop (a script), start() explains that train(steps) is the way."""
    with pytest.raises(RuntimeError, match=r"use train\(steps\)"):
        lt.start()
    assert not lt.running and not lt.buttons["Train"].disabled


def test_pause_then_train_at_once_leaves_one_loop():
    """Pause and an immediate Train: the old task ends by itself and exactly one loop keeps training."""
    t = LiveTrainer(config=SMALL)

    async def run():
        first = t.start()
        await asyncio.sleep(0.2)
        t.pause()
        second = t.start()  # before the first task has woken up
        assert second is not first
        await asyncio.sleep(0.3)
        assert first.done() and not second.done() and t.running
        before = t.step_count
        await asyncio.sleep(0.2)
        assert t.step_count > before
        t.pause()
        await asyncio.wait_for(second, timeout=2)

    asyncio.run(run())
    assert not t.running
    t.stop()
