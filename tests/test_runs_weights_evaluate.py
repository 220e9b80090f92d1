from __future__ import annotations

import numpy as np
import pytest
import torch

from playground import runs
from playground.builders import build_torch
from playground.evaluate import classification_report, confusion_matrix, decision_grid, forward_fn
from playground.presets import PRESETS
from playground.spec import ModelSpec
from playground.training import DoneEvent, EpochEvent, StartEvent, StepEvent, TrainConfig, resolve_task, train
from playground.weights import WeightsError, load_weights, read_spec, save_weights
from tests.helpers import xor_dataset

torch.set_num_threads(1)
MLP = ModelSpec.from_dict({"input_shape": [2], "layers": [{"type": "dense", "units": 16, "activation": "tanh"},
                                                          {"type": "dense", "units": 2, "activation": "linear"}]})


def test_run_record_follows_events():
    run = runs.new_run(1, MLP.to_dict(), "xor", TrainConfig(epochs=2))
    runs.apply_event(run, StartEvent(2, 10, 100, 50, "cpu", "torch", 66), now=100.0)
    runs.apply_event(run, StepEvent(1, 5, 20, 0.7, 1000.0), now=101.0)
    assert run["status"] == "running" and runs.progress(run) == 0.25
    assert run["eta_s"] == pytest.approx(3.0)  # 1 s for 5 steps, 15 to go
    runs.apply_event(run, EpochEvent(1, 2, 0.7, 0.5, 0.6, 0.55, 1e-3, 1000.0, 1.0))
    runs.apply_event(run, DoneEvent(None, (), "stopped", 1))
    assert run["status"] == "stopped" and runs.last_metric(run, "val_accuracy") == 0.55


def test_step_trace_is_thinned():
    run = runs.new_run(1, MLP.to_dict(), "xor", TrainConfig())
    for i in range(1, 5001):
        runs.apply_event(run, StepEvent(1, i, 5000, 1.0 / i, 1.0))
    assert len(run["steps"]) <= runs.MAX_STEP_POINTS and run["steps"][-1][0] == 5000


def test_weights_round_trip_and_refusals():
    spec = PRESETS["simple_cnn_bn_gap"].model_spec()
    model = build_torch(spec)
    with torch.no_grad():
        model.bn1.running_mean.add_(1.5)  # buffers travel too
    data = save_weights(model, spec)
    assert read_spec(data) == spec
    other = load_weights(build_torch(spec), data)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))
    target = build_torch(spec)
    before = {k: v.clone() for k, v in target.state_dict().items()}
    for broken in (b"", b"not safetensors at all", data[:100]):
        with pytest.raises(WeightsError) as exc:
            load_weights(target, broken)
        assert exc.value.key == "weights.broken"
    with pytest.raises(WeightsError) as exc:
        load_weights(build_torch(PRESETS["lenet5"].model_spec()), data)
    assert exc.value.key == "weights.mismatch" and "safetensors" not in exc.value.message("es")
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())  # untouched


def test_saved_weights_are_byte_stable():
    # safetensors writes its metadata in hash-map order; ours sorts it, so the same weights give the same
    # bytes every time (shipped models reproduce exactly; a re-download is not a "new" file).
    spec = PRESETS["simple_cnn_bn_gap"].model_spec()
    model = build_torch(spec)
    files = {save_weights(model, spec) for _ in range(20)}
    assert len(files) == 1
    data = files.pop()
    n = int.from_bytes(data[:8], "little")
    assert n % 8 == 0 and data[8:9] == b"{"
    assert read_spec(data) == spec


def test_report_and_decision_grid_on_a_trained_model():
    data = xor_dataset()
    done = [e for e in train(MLP, data, TrainConfig(epochs=15, lr=0.03, batch_size=32)) if isinstance(e, DoneEvent)][0]
    task = resolve_task(MLP, data)
    report = classification_report(forward_fn(done.model), task, data)
    assert report.confusion.sum() == len(data.x_test)
    assert report.accuracy == pytest.approx(np.trace(report.confusion) / len(data.x_test))
    assert report.accuracy > 0.85 and np.all(report.per_class > 0.7)
    if len(report.wrong) > 1:  # most confident mistakes first
        conf = report.probabilities[report.wrong, report.predictions[report.wrong]]
        assert np.all(np.diff(conf) <= 1e-9)
    xs, ys, grid = decision_grid(forward_fn(done.model), task, (-1, 1, -1, 1), steps=21)
    assert grid.shape == (21, 21) and grid.min() >= 0 and grid.max() <= 1
    assert grid[20, 20] > 0.5 and grid[0, 20] < 0.5  # xor: (+,+) is class 1, (+,-) is class 0


def test_confusion_matrix_counts():
    cm = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_a_real_trainings_events_fold_into_its_run_and_keep_its_model():
    data = xor_dataset()
    config = TrainConfig(epochs=2, batch_size=32, lr=0.05)
    run = runs.new_run(3, MLP.to_dict(), "xor", config)
    trained = runs.apply_events(run, list(train(MLP, data, config, stop=None)))
    assert run["status"] == "finished" and len(run["history"]) == 2 and runs.progress(run) == 1.0
    assert trained["run"] == 3 and trained["dataset"] == "xor" and trained["backend"] == "torch"
    assert isinstance(trained["model"], torch.nn.Module)
    assert runs.apply_events(run, []) is None  # an empty drain changes nothing and keeps no model


def test_eta_text_and_crash_marking():
    assert runs.fmt_eta(None) == "–" and runs.fmt_eta(41.6) == "42 s" and runs.fmt_eta(185) == "3 min 05 s"
    run = runs.new_run(1, MLP.to_dict(), "xor", TrainConfig())
    runs.crashed(run, "x" * 500)
    assert run["status"] == "error" and run["error"][0] == "train.crashed"
    assert len(run["error"][1]["detail"]) == 120


def test_history_rows_translate_their_columns():
    from playground.i18n import t

    done = runs.new_run(1, MLP.to_dict(), "xor", TrainConfig(optimizer="sgd", lr=0.1))
    runs.apply_event(done, EpochEvent(1, 2, 0.7, 0.5, 0.6, 0.55, 0.1, 1000.0, 1.0))
    runs.apply_event(done, DoneEvent(None, (), "finished", 1))
    empty = runs.new_run(2, MLP.to_dict(), "xor", TrainConfig())
    [row] = runs.history_rows([done, empty], lambda key: t(key, "es"))
    assert row["#"] == 1 and row[t("train.optimizer", "es")] == "sgd" and row[t("train.epochs", "es")] == 1
    assert row[t("train.val_accuracy", "es")] == 0.55
    assert row[t("train.status", "es")] == t("train.status.finished", "es") != "train.status.finished"


def test_accuracy_axis_is_fixed_to_0_1_and_loss_only_runs_have_none():
    from playground.viz.training import plot_curves

    labels = {k: k for k in ("loss", "accuracy", "epoch", "train", "val")}
    flat = [{"epoch": e, "train_loss": 0.7, "val_loss": 0.7, "train_accuracy": 0.5, "val_accuracy": 0.5}
            for e in (1, 2)]
    fig = plot_curves([("#1", flat)], labels)
    assert tuple(fig.layout.yaxis2.range) == (0, 1.02) and fig.layout.yaxis2.tickformat == ".0%"
    assert fig.layout.yaxis.range is None  # the loss keeps its own scale
    regression = [{"epoch": 1, "train_loss": 0.3, "val_loss": 0.4, "train_accuracy": None, "val_accuracy": None}]
    assert "yaxis2" not in plot_curves([("#1", regression)], labels).to_dict()["layout"]
