"""The Keras backend yields the PyTorch loop's events: same shape, stop, divergence, schedules, streaming."""
from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
import torch
import torch._dynamo  # noqa: F401  # before any TensorFlow import: triton loaded after it segfaults

from playground.spec import ModelSpec
from playground.training import (
    DoneEvent,
    EpochEvent,
    ErrorEvent,
    StartEvent,
    StepEvent,
    TrainConfig,
    lr_at,
    train,
)
from tests.helpers import xor_dataset

torch.set_num_threads(1)

MLP = {"input_shape": [2], "layers": [{"type": "dense", "units": 16, "activation": "tanh"},
                                      {"type": "dense", "units": 2, "activation": "linear"}]}


def run(data=None, spec=MLP, **kw) -> list:
    return list(train(ModelSpec.from_dict(spec), data or xor_dataset(), TrainConfig(**kw)))


def shape(events: list) -> list[str]:
    """Event type names with each run of StepEvents collapsed: Start, Steps, Epoch, Steps, Epoch ..., Done."""
    return [("Steps" if name == "StepEvent" else name) for name, _ in
            itertools.groupby(type(e).__name__ for e in events)]


def predict(model, x: torch.Tensor) -> np.ndarray:
    return np.asarray(model(x.numpy(), training=False))


def keras_fit_alive() -> bool:
    return any(t.name == "keras-fit" and t.is_alive() for t in threading.enumerate())


def test_same_event_shape_as_torch_and_the_loss_falls():
    kw = dict(epochs=8, lr=0.03, batch_size=32)
    torch_events, keras_events = run(**kw), run(**kw, backend="keras")
    assert shape(keras_events) == shape(torch_events) == ["StartEvent"] + ["Steps", "EpochEvent"] * 8 + ["DoneEvent"]
    start_t, start_k = torch_events[0], keras_events[0]
    assert (start_k.backend, start_t.backend) == ("keras", "torch")
    for name in ("epochs", "steps_per_epoch", "n_train", "n_val", "params"):
        assert getattr(start_k, name) == getattr(start_t, name), name
    steps = [e.step for e in keras_events if isinstance(e, StepEvent)]
    assert steps == list(range(1, start_k.steps_per_epoch * 8 + 1))
    assert all(e.total_steps == steps[-1] and e.loss > 0 for e in keras_events if isinstance(e, StepEvent))
    epochs = [e for e in keras_events if isinstance(e, EpochEvent)]
    assert [e.epoch for e in epochs] == list(range(1, 9))
    assert epochs[-1].train_loss < 0.6 * epochs[0].train_loss and epochs[-1].val_accuracy > 0.85
    assert all(0 <= e.train_accuracy <= 1 and e.samples_per_s > 0 and e.seconds > 0 for e in epochs)
    done = keras_events[-1]
    assert done.reason == "finished" and done.backend == "keras" and len(done.history) == 8
    data = xor_dataset()
    acc = (predict(done.model, data.x_test).argmax(1) == data.y_test.numpy()).mean()
    assert acc == pytest.approx(epochs[-1].val_accuracy, abs=1e-6)


def test_events_stream_while_fit_runs():
    gen = train(ModelSpec.from_dict(MLP), xor_dataset(), TrainConfig(epochs=20, batch_size=8, backend="keras"))
    assert isinstance(next(gen), StartEvent)
    assert isinstance(next(gen), StepEvent) and keras_fit_alive()  # the first step arrives mid-fit
    gen.close()  # the reader leaves: fit stops and its thread ends
    assert not keras_fit_alive()


def test_stop_acts_within_one_batch():
    flag = threading.Event()
    steps_after, total = 0, 0
    config = TrainConfig(epochs=50, batch_size=8, backend="keras")
    for event in train(ModelSpec.from_dict(MLP), xor_dataset(), config, stop=flag):
        if isinstance(event, StepEvent):
            total += 1
            if flag.is_set():
                steps_after += 1
            if event.step == 3:
                flag.set()
    assert steps_after <= 1 and total <= 4
    assert isinstance(event, DoneEvent) and event.reason == "stopped" and event.backend == "keras"
    assert np.isfinite(predict(event.model, torch.zeros(1, 2))).all()


def test_huge_learning_rate_gives_an_error_and_a_usable_model():
    events = run(epochs=3, lr=1e6, optimizer="sgd", backend="keras")
    last = events[-1]
    assert isinstance(last, ErrorEvent) and last.key == "train.diverged" and last.backend == "keras"
    assert "learning rate" in last.message("en") and "1e+06" in last.message("en")
    assert np.isfinite(predict(last.model, torch.randn(4, 2))).all()


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine"])
def test_schedule_lr_in_epoch_events_equals_lr_at(schedule):
    config = TrainConfig(epochs=5, lr=0.05, schedule=schedule, step_size=2, decay_after=2, backend="keras")
    epochs = [e for e in train(ModelSpec.from_dict(MLP), xor_dataset(), config) if isinstance(e, EpochEvent)]
    assert [e.lr for e in epochs] == [lr_at(i, config) for i in range(5)]
    assert len({e.lr for e in epochs}) > 1


def test_mismatch_is_explained_before_tensorflow_starts():
    events = run(spec={"input_shape": [2], "layers": [{"type": "dense", "units": 5}]}, backend="keras")
    assert len(events) == 1 and events[0].key == "train.class_units" and events[0].backend == "keras"


def test_early_stopping_restores_the_best_weights_and_checkpoint(tmp_path):
    from playground.training_keras import train_keras

    data = xor_dataset()
    data.y_test = torch.randint(0, 2, data.y_test.shape, generator=torch.Generator().manual_seed(1))  # noise
    path = tmp_path / "best.weights.h5"
    config = TrainConfig(epochs=60, lr=0.05, early_stopping=True, patience=2, backend="keras")
    events = list(train_keras(ModelSpec.from_dict(MLP), data, config, checkpoint_path=str(path)))
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "early_stopped" and len(done.history) < 60
    best = min(e.val_loss for e in done.history)
    assert done.history[done.best_epoch - 1].val_loss == best
    assert path.exists()
    out = predict(done.model, data.x_test)  # softmax-free logits: cross-entropy by hand
    logp = out - np.log(np.exp(out).sum(1, keepdims=True))
    loss = -logp[np.arange(len(out)), data.y_test.numpy()].mean()
    assert loss == pytest.approx(best, rel=1e-4)


def test_l2_penalty_and_binary_sigmoid():
    binary = {"input_shape": [2], "layers": [{"type": "dense", "units": 16, "activation": "tanh"},
                                             {"type": "dense", "units": 1, "activation": "sigmoid"}]}
    data = xor_dataset()
    data.meta["task"] = "binary"
    plain = [e for e in run(data, binary, epochs=10, lr=0.03, batch_size=32, backend="keras")
             if isinstance(e, EpochEvent)]
    assert plain[-1].val_accuracy > 0.85
    penalised = [e for e in run(data, binary, epochs=10, lr=0.03, batch_size=32, l2=0.1, backend="keras")
                 if isinstance(e, EpochEvent)]
    assert penalised[0].train_loss > plain[0].train_loss + 0.05  # Keras reports the loss with the penalty


def test_weight_decay_is_coupled_for_adam_and_decoupled_for_adamw():
    def first_loss(**kw) -> float:
        return next(e.train_loss for e in run(epochs=1, lr=0.01, batch_size=32, backend="keras", **kw)
                    if isinstance(e, EpochEvent))

    base = first_loss(optimizer="adam")
    assert first_loss(optimizer="adam", weight_decay=1.0) > base + 1.0  # torch-style: a wd/2·w² term in the loss
    assert first_loss(optimizer="adamw", weight_decay=1.0) == pytest.approx(base, abs=0.1)  # decoupled: not in it


def test_augmented_images_train_through_tf_data():
    from tests.helpers import blobs_images

    cnn = {"input_shape": [1, 8, 8], "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"}, {"type": "maxpool2d"},
        {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]}
    events = run(blobs_images(), cnn, epochs=8, lr=0.01, augment=True, flip=True, backend="keras")
    assert shape(events) == ["StartEvent"] + ["Steps", "EpochEvent"] * 8 + ["DoneEvent"]
    assert sum(isinstance(e, StepEvent) for e in events) == events[0].steps_per_epoch * 8
    assert [e for e in events if isinstance(e, EpochEvent)][-1].val_accuracy > 0.8
