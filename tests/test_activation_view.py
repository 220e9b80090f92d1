"""What the /activations page computes without Streamlit: typed logits, the curves, the network record
and the folding of real training events into it, and the decision grid."""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch

from playground.activation_view import (
    ALPHA_RANGE,
    LRS,
    TOYS,
    UNITS,
    X,
    boundary,
    current_net,
    curve,
    end_job,
    flat_share,
    fold_events,
    forward,
    net_key,
    new_net,
    parse_logits,
    train_config,
    train_settings,
    weighted_terms,
)
from playground.activations import ACTIVATIONS, build_mlp
from playground.data import DATASETS, load_dataset
from playground.training import DoneEvent, EpochEvent, ErrorEvent, StepEvent, train

STEP = 10 / 800  # the spacing of X


@pytest.fixture(scope="module")
def circle():
    return load_dataset("circle", noise=0.0)


def settings(**change) -> dict:
    """The page's default training settings (circle, 2 × 8 ReLU units, lr 0.03, 100 epochs, seed 0)."""
    values = {"dataset": "circle", "noise": 0.0, "layers": 2, "units": 8, "lr": 0.03, "epochs": 100, "seed": 0,
              "act": "relu", "alpha": None}
    values.update(change)
    return train_settings(**values)


def run(cfg: dict, data, stop_after_epoch: int | None = None) -> tuple[dict, list]:
    """The record and every event of the page's training run for ``cfg`` (its record, config and ``train``),
    stopped as the Stop button does once ``stop_after_epoch`` is done."""
    net = new_net(cfg, "running")
    stop = threading.Event()
    events = []
    for event in train(net["spec"], data, train_config(cfg, threads=1), stop, model=net["model"]):
        events.append(event)
        if isinstance(event, EpochEvent) and event.epoch == stop_after_epoch:
            stop.set()
    return net, events


# ---------------------------------------------------------------- widgets' options and typed text


def test_the_options_the_widgets_offer():
    assert X[0] == -5 and X[-1] == 5 and len(X) == 801 and np.allclose(np.diff(X), STEP)
    assert all(DATASETS[k].family == "toy" and DATASETS[k].input_shape == (2,) for k in TOYS)
    assert list(LRS) == sorted(LRS) and 0.03 in LRS and list(UNITS) == sorted(UNITS) and 8 in UNITS
    for name, (lo, hi, step) in ALPHA_RANGE.items():  # each α slider's default lies on its range
        assert ACTIVATIONS[name].uses_alpha and lo <= ACTIVATIONS[name].default_alpha <= hi and step > 0
    assert {n for n, a in ACTIVATIONS.items() if a.uses_alpha} == set(ALPHA_RANGE)


@pytest.mark.parametrize("text, values", [
    ("2.0, 1.0, 0.1, -1.0", [2.0, 1.0, 0.1, -1.0]),
    ("1; 2;3", [1.0, 2.0, 3.0]),
    (" 1e1 , -0.5, ", [10.0, -0.5]),  # an empty last item is ignored
    (",".join(["0"] * 10), [0.0] * 10),
])
def test_parse_logits_reads_numbers(text, values):
    z = parse_logits(text)
    assert z.dtype == np.float64 and z.tolist() == values


@pytest.mark.parametrize("text", ["", "3", "1, two, 3", "1 2", ",".join(["1"] * 11), "1, inf", "nan, 1", "1,, "])
def test_parse_logits_refuses_what_is_not_2_to_10_finite_numbers(text):
    with pytest.raises(ValueError):
        parse_logits(text)


def test_curve_of_sigmoid_and_its_flat_tails():
    f, df, zones = curve("sigmoid", None)
    sigma = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(f, sigma, atol=1e-12)
    np.testing.assert_allclose(df, sigma * (1 - sigma), atol=1e-12)
    # σ(1 − σ) = 0.05 where σ = (1 + √0.8) / 2: |x| = ln(σ / (1 − σ)) ≈ 2.887
    s = (1 + math.sqrt(0.8)) / 2
    edge = math.log(s / (1 - s))
    assert len(zones) == 2
    (a0, a1), (b0, b1) = zones
    assert a0 == -5 and b1 == 5
    assert abs(a1 + edge) <= STEP and abs(b0 - edge) <= STEP
    assert abs(flat_share(df) - float(np.mean(np.abs(X) > edge))) <= 2 / len(X)


def test_flat_share_of_relu_is_the_negative_half():
    f, df, zones = curve("relu", None)
    np.testing.assert_array_equal(f, np.maximum(X, 0))
    assert abs(flat_share(df) - 0.5) <= 1 / len(X)
    assert len(zones) == 1 and zones[0][0] == -5 and abs(zones[0][1]) <= STEP
    assert flat_share(curve("leaky_relu", 0.3)[1]) == 0  # slope 0.3 on the left: nowhere flat


def test_weighted_terms_writes_the_perceptron_sum():
    assert weighted_terms([0.8, -0.4, 0.3], [1.0, 0.5, -1.0]) == "(0.8)·(1) + (-0.4)·(0.5) + (0.3)·(-1)"


# ---------------------------------------------------------------- the network record


def test_settings_and_what_makes_a_new_network():
    cfg = settings(layers=3, units=4, noise=0.1, lr=0.1, epochs=50, seed=7)
    assert cfg == {"dataset": "circle", "noise": 0.1, "hidden": (4, 4, 4), "lr": 0.1, "epochs": 50, "seed": 7,
                   "act": "relu", "alpha": None}
    assert isinstance(cfg["noise"], float) and all(isinstance(u, int) for u in cfg["hidden"])
    # how long and how fast it trains does not change the network; the data, shape, function and seed do
    assert net_key(settings(epochs=5, lr=1.0)) == net_key(settings())
    for change in ({"dataset": "xor"}, {"noise": 0.2}, {"layers": 1}, {"units": 16}, {"act": "tanh"},
                   {"act": "leaky_relu", "alpha": 0.2}, {"seed": 1}):
        assert net_key(settings(**change)) != net_key(settings())


def test_current_net_keeps_a_matching_network_and_makes_a_fresh_one_otherwise():
    cfg = settings()
    net = current_net(None, cfg)
    assert net["status"] == "initial" and net["history"] == [] and net["error"] is None and net["cfg"] is cfg
    assert not net["model"].training  # drawn, not trained: eval mode
    _, same_seed = build_mlp((8, 8), "relu", None, 0)
    for a, b in zip(net["model"].state_dict().values(), same_seed.state_dict().values()):
        assert torch.equal(a, b)
    net["history"].append((1, 0.5, 0.75))  # as if trained
    assert current_net(net, settings(epochs=20)) is net
    other = current_net(net, settings(units=4))
    assert other is not net and other["history"] == [] and other["model"].dense1.out_features == 4


def test_a_record_for_a_run_trains_its_model():
    net = new_net(settings(act="elu", alpha=1.5), "running")
    assert net["status"] == "running" and net["model"].training
    assert isinstance(net["model"].dense1_act, torch.nn.ELU) and net["model"].dense1_act.alpha == 1.5


def test_train_config_is_the_pages():
    config = train_config(settings(lr=0.3, epochs=25, seed=4), threads=2)
    assert (config.epochs, config.lr, config.seed, config.threads) == (25, 0.3, 4, 2)
    assert (config.batch_size, config.optimizer, config.device, config.backend) == (32, "adam", "cpu", "torch")


# ---------------------------------------------------------------- folding real training events


def test_folding_a_finished_run_drained_in_pieces(circle):
    cfg = settings(epochs=6)
    net, events = run(cfg, circle)
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "finished" and len(epochs) == 6
    for start in range(0, len(events), 7):  # the page drains whatever arrived since its last rerun
        assert fold_events(net, events[start:start + 7]) is net
    assert net["history"] == [(e.epoch, e.train_loss, e.val_accuracy) for e in epochs]
    assert [h[0] for h in net["history"]] == [1, 2, 3, 4, 5, 6]
    assert all(0 <= h[2] <= 1 and h[1] > 0 for h in net["history"])
    assert net["status"] == "finished" and net["error"] is None and net["model"] is done.model
    assert net["key"] == net_key(cfg)


def test_folding_only_steps_changes_nothing(circle):
    net, events = run(settings(epochs=1), circle)
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert steps
    fold_events(net, steps)
    assert net["history"] == [] and net["status"] == "running"


def test_folding_a_stopped_run_keeps_what_was_trained(circle):
    net, events = run(settings(epochs=100), circle, stop_after_epoch=2)
    assert isinstance(events[-1], DoneEvent) and events[-1].reason == "stopped"
    fold_events(net, events)
    assert [h[0] for h in net["history"]] == [1, 2]
    assert net["status"] == "stopped" and net["model"] is events[-1].model and net["error"] is None


def test_folding_a_diverged_run_keeps_the_model_and_names_the_error(circle):
    net, events = run(settings(lr=1000.0), circle)  # Adam with steps of 1000: the loss explodes at once
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.key == "train.diverged" and error.model is not None
    assert error.kwargs["lr"] == "1000" and float(error.kwargs["loss"]) > 1000 * float(error.kwargs["start"])
    fold_events(net, events)
    assert net["status"] == "error" and net["error"] == ("train.diverged", error.kwargs)
    assert net["model"] is error.model and net["history"] == []


def test_an_error_without_a_model_keeps_the_one_there():
    net, events = run(settings(), load_dataset("make_classification"))  # 20 features into a 2-input network
    assert len(events) == 1 and isinstance(events[0], ErrorEvent) and events[0].model is None
    model = net["model"]
    fold_events(net, events)
    assert net["model"] is model and net["status"] == "error"
    assert net["error"] == ("train.input_mismatch", {"model": [2], "data": [20]})


def test_end_job_turns_a_crash_into_a_message():
    net = new_net(settings(), "running")
    net["status"] = "finished"
    end_job(net, None)
    assert net["status"] == "finished" and net["error"] is None
    detail = "RuntimeError: " + "x" * 500
    end_job(net, detail)
    assert net["status"] == "error"
    key, kwargs = net["error"]
    assert key == "activations.train.crashed" and kwargs["detail"] == detail[:160] and len(kwargs["detail"]) == 160


# ---------------------------------------------------------------- the decision boundary


def test_forward_leaves_the_model_as_it_is_and_tracks_no_gradient():
    net = new_net(settings(), "running")
    x = torch.tensor([[0.5, -0.25]])
    out = forward(net["model"])(x)
    assert net["model"].training and not out.requires_grad
    torch.testing.assert_close(out, net["model"](x).detach())


def test_boundary_is_the_class_1_probability_over_the_extent(circle):
    net = current_net(None, settings())
    extent = circle.meta["extent"]
    xs, ys, grid = boundary(net["model"], extent)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == tuple(extent) and len(xs) == len(ys) == 70
    assert grid.shape == (70, 70) and ((grid >= 0) & (grid <= 1)).all()
    for i, j in ((0, 0), (5, 3), (69, 40)):  # row i is ys[i], column j is xs[j]
        with torch.no_grad():
            logits = net["model"](torch.tensor([[xs[j], ys[i]]], dtype=torch.float32))
        assert grid[i, j] == pytest.approx(float(torch.softmax(logits, dim=1)[0, 1]), abs=1e-6)
