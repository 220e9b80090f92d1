from __future__ import annotations

import math
import threading

import pytest
import torch

from playground.spec import ModelSpec
from playground.training import (
    DoneEvent,
    EpochEvent,
    ErrorEvent,
    StartEvent,
    StepEvent,
    TrainConfig,
    augment_batch,
    lr_at,
    train,
)
from tests.helpers import blobs_images, regression_dataset, xor_dataset

torch.set_num_threads(1)

MLP = {"input_shape": [2], "layers": [{"type": "dense", "units": 16, "activation": "tanh"},
                                      {"type": "dense", "units": 2, "activation": "linear"}]}
CNN = {"input_shape": [1, 8, 8], "layers": [
    {"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"}, {"type": "maxpool2d"},
    {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}


def run(spec: dict, data, **kw) -> list:
    return list(train(ModelSpec.from_dict(spec), data, TrainConfig(**kw)))


def test_loss_falls_and_events_come_in_order():
    events = run(MLP, xor_dataset(), epochs=15, lr=0.03, batch_size=32)
    assert isinstance(events[0], StartEvent) and isinstance(events[-1], DoneEvent)
    kinds = [type(e).__name__ for e in events[1:-1]]
    assert set(kinds) == {"StepEvent", "EpochEvent"}
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert [e.epoch for e in epochs] == list(range(1, 16))
    steps = [e.step for e in events if isinstance(e, StepEvent)]
    assert steps == list(range(1, len(steps) + 1)) and steps[-1] == events[0].steps_per_epoch * 15
    assert epochs[-1].train_loss < 0.6 * epochs[0].train_loss
    assert epochs[-1].val_accuracy > 0.85
    assert events[-1].reason == "finished" and len(events[-1].history) == 15


def test_softmax_cnn_learns_images():
    events = run(CNN, blobs_images(), epochs=8, lr=0.01)
    last = [e for e in events if isinstance(e, EpochEvent)][-1]
    assert last.val_accuracy > 0.9


def test_binary_sigmoid_and_regression_losses():
    binary = {"input_shape": [2], "layers": [{"type": "dense", "units": 16, "activation": "tanh"},
                                             {"type": "dense", "units": 1, "activation": "sigmoid"}]}
    data = xor_dataset()
    data.meta["task"] = "binary"
    last = [e for e in run(binary, data, epochs=15, lr=0.03, batch_size=32) if isinstance(e, EpochEvent)][-1]
    assert last.val_accuracy > 0.85
    reg = {"input_shape": [1], "layers": [{"type": "dense", "units": 32, "activation": "tanh"},
                                          {"type": "dense", "units": 1, "activation": "linear"}]}
    hist = [e for e in run(reg, regression_dataset(), epochs=30, lr=0.01, batch_size=32) if isinstance(e, EpochEvent)]
    assert hist[-1].val_accuracy is None and hist[-1].val_loss < 0.3 * hist[0].val_loss


def test_stop_acts_within_one_batch():
    flag = threading.Event()
    steps_after = 0
    for event in train(ModelSpec.from_dict(MLP), xor_dataset(), TrainConfig(epochs=50, batch_size=8), stop=flag):
        if isinstance(event, StepEvent):
            if flag.is_set():
                steps_after += 1
            if event.step == 3:
                flag.set()
    assert steps_after == 0
    assert isinstance(event, DoneEvent) and event.reason == "stopped"
    assert torch.isfinite(event.model(torch.zeros(1, 2))).all()


def test_huge_learning_rate_gives_an_error_and_a_usable_model():
    events = run(MLP, xor_dataset(), epochs=3, lr=1e6, optimizer="sgd")
    last = events[-1]
    assert isinstance(last, ErrorEvent) and last.key == "train.diverged"
    assert "learning rate" in last.message("en") and "tasa de aprendizaje" in last.message("es")
    assert torch.isfinite(last.model(torch.randn(4, 2))).all()


def test_diverging_after_good_epochs_keeps_the_best_weights():
    spec = ModelSpec.from_dict(MLP)
    data = xor_dataset()
    good = [e for e in train(spec, data, TrainConfig(epochs=5, lr=0.05)) if isinstance(e, DoneEvent)][0]
    acc_before = (good.model(data.x_test).argmax(1) == data.y_test).float().mean()
    events = list(train(spec, data, TrainConfig(epochs=2, lr=1e6, optimizer="sgd"), model=good.model))
    assert isinstance(events[-1], ErrorEvent)
    acc_after = (events[-1].model(data.x_test).argmax(1) == data.y_test).float().mean()
    assert acc_after == acc_before  # the trained weights were restored


def test_mismatched_output_is_explained_before_training():
    bad = {"input_shape": [2], "layers": [{"type": "dense", "units": 5}]}
    events = run(bad, xor_dataset())
    assert len(events) == 1 and events[0].key == "train.class_units"
    assert "5" in events[0].message("es") and "2" in events[0].message("es")
    wrong_input = {"input_shape": [3], "layers": [{"type": "dense", "units": 2}]}
    assert run(wrong_input, xor_dataset())[0].key == "train.input_mismatch"


def test_early_stopping_restores_best():
    data = xor_dataset()
    data.y_test = torch.randint(0, 2, data.y_test.shape, generator=torch.Generator().manual_seed(1))  # noise
    spec = ModelSpec.from_dict(MLP)
    config = TrainConfig(epochs=60, lr=0.05, early_stopping=True, patience=2)
    events = list(train(spec, data, config))
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "early_stopped"
    assert len(done.history) < 60
    best = min(e.val_loss for e in done.history)
    assert done.history[done.best_epoch - 1].val_loss == best
    from playground.training import evaluate, resolve_task

    restored_loss, _ = evaluate(done.model, resolve_task(spec, data), data.x_test, data.y_test)
    assert restored_loss == pytest.approx(best, rel=1e-5)  # the best weights, not the last ones


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam", "adamw"])
def test_every_optimizer_trains(optimizer):
    lr = 0.1 if optimizer in ("sgd", "momentum") else 0.01
    hist = [e for e in run(MLP, xor_dataset(), epochs=6, lr=lr, optimizer=optimizer, weight_decay=1e-4, l2=1e-4)
            if isinstance(e, EpochEvent)]
    assert hist[-1].train_loss < hist[0].train_loss


@pytest.mark.parametrize("schedule", ["none", "step", "exponential", "cosine"])
def test_schedules_reach_the_optimizer(schedule):
    config = TrainConfig(epochs=6, lr=0.01, schedule=schedule, step_size=2, decay_after=2)
    hist = [e for e in train(ModelSpec.from_dict(MLP), xor_dataset(), config) if isinstance(e, EpochEvent)]
    assert [e.lr for e in hist] == pytest.approx([lr_at(i, config) for i in range(6)])


def test_schedule_formulas():
    c = TrainConfig(lr=1.0, epochs=4, schedule="exponential", decay_after=10, decay_rate=0.1)
    assert lr_at(9, c) == 1.0 and lr_at(10, c) == pytest.approx(math.exp(-0.1))  # the notes' scheduler
    assert lr_at(4, TrainConfig(lr=1.0, schedule="step", step_size=2, gamma=0.5)) == 0.25
    assert lr_at(2, TrainConfig(lr=1.0, schedule="cosine", epochs=4)) == pytest.approx(0.5)


def test_augmentation_keeps_shape_and_changes_pixels():
    x = blobs_images().x_train[:16]
    g = torch.Generator().manual_seed(0)
    out = augment_batch(x, TrainConfig(rotation=20, shift=0.2, flip=True), g)
    assert out.shape == x.shape and not torch.allclose(out, x)
    still = augment_batch(x, TrainConfig(rotation=0, shift=0, flip=False), g)
    assert torch.allclose(still, x, atol=1e-5)  # the identity transform is exact


def test_augmented_training_still_learns():
    events = run(CNN, blobs_images(), epochs=8, lr=0.01, augment=True, rotation=5, shift=0.05)
    assert [e for e in events if isinstance(e, EpochEvent)][-1].val_accuracy > 0.8


def test_seed_makes_runs_repeatable():
    a = [e.train_loss for e in run(MLP, xor_dataset(), epochs=3, seed=7) if isinstance(e, EpochEvent)]
    b = [e.train_loss for e in run(MLP, xor_dataset(), epochs=3, seed=7) if isinstance(e, EpochEvent)]
    assert a == b


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_with_amp_trains():  # runs on the GPU machine
    events = run(CNN, blobs_images(), epochs=5, lr=0.01, device="cuda", amp=True)
    assert events[0].device.startswith("cuda")
    assert [e for e in events if isinstance(e, EpochEvent)][-1].val_accuracy > 0.85
