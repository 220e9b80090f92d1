"""The tiny Transformer and its tasks: data, the right attention, training events and what attention learns."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from playground.seqtasks import (
    DIGIT_TASKS,
    SeqConfig,
    SeqTaskError,
    SnapshotEvent,
    TinyTransformer,
    alignment,
    attention_maps,
    build_model,
    check_config,
    make_digit_data,
    quick_model,
    target_attention,
    task_data,
    task_targets,
    train_task,
)
from playground.training import DoneEvent, EpochEvent, ErrorEvent, StartEvent, StepEvent

# ---------------------------------------------------------------- data and the right answers


def test_task_targets_follow_their_definitions():
    x = torch.tensor([[3, 1, 4, 1, 5]])
    assert task_targets("reverse", x).tolist() == [[5, 1, 4, 1, 3]]
    assert task_targets("copy", x).tolist() == [[3, 1, 4, 1, 5]]
    assert task_targets("sort", x).tolist() == [[1, 1, 3, 4, 5]]
    assert task_targets("max", x).tolist() == [[5, 5, 5, 5, 5]]
    with pytest.raises(SeqTaskError):
        task_targets("shuffle", x)


def test_digit_data_is_seeded():
    a, ya = make_digit_data("sort", 50, 8, seed=3)
    b, yb = make_digit_data("sort", 50, 8, seed=3)
    c, _ = make_digit_data("sort", 50, 8, seed=4)
    assert a.shape == (50, 8) and a.dtype == torch.int64 and 0 <= int(a.min()) and int(a.max()) <= 9
    assert torch.equal(a, b) and torch.equal(ya, yb) and not torch.equal(a, c)


@pytest.mark.parametrize("task", DIGIT_TASKS)
def test_target_attention_marks_where_the_answer_is(task):
    x, y = make_digit_data(task, 20, 8, seed=1)
    target = target_attention(task, x)  # (B, T, T)
    assert target.shape == (20, 8, 8) and target.dtype == bool
    assert target.any(axis=-1).all()  # every output has somewhere to look
    rows, queries, keys = np.nonzero(target)
    assert (x.numpy()[rows, keys] == y.numpy()[rows, queries]).all()  # every marked input holds the answer
    if task == "reverse":
        assert (target == np.eye(8, dtype=bool)[::-1]).all()


def test_alignment_is_one_for_the_right_map_and_low_for_a_uniform_one():
    x, _ = make_digit_data("reverse", 4, 6, seed=0)
    target = target_attention("reverse", x)  # (B, T, T)
    perfect = target.astype(np.float32)[None, :, None]  # (L=1, B, H=1, T, T)
    uniform = np.full_like(perfect, 1 / 6)
    assert alignment(perfect, target) == pytest.approx(np.ones((1, 1)))
    assert alignment(uniform, target) == pytest.approx(np.full((1, 1), 1 / 6))
    assert target_attention("sentiment", x) is None


# ---------------------------------------------------------------- settings and the model


def test_impossible_settings_say_what_to_change():
    with pytest.raises(SeqTaskError) as info:
        check_config(SeqConfig(dim=32, heads=3))
    assert "1, 2, 4" in info.value.message("en") and "cabezas" in info.value.message("es")
    for bad in (SeqConfig(task="poetry"), SeqConfig(length=1), SeqConfig(lr=float("nan")), SeqConfig(layers=0)):
        with pytest.raises(SeqTaskError):
            check_config(bad)


def test_tiny_transformer_shapes_and_attention_capture():
    model = build_model(SeqConfig(dim=16, heads=4, layers=3, length=6))
    x, _ = make_digit_data("copy", 5, 6)
    attn, pred = attention_maps(model, x)
    assert model(x).shape == (5, 6, 10)
    assert attn.shape == (3, 5, 4, 6, 6) and pred.shape == (5, 6)
    np.testing.assert_allclose(attn.sum(-1), 1.0, atol=1e-5)
    assert model.training  # attention_maps puts the mode back


def test_pooled_model_never_attends_to_padding():
    torch.manual_seed(0)
    model = TinyTransformer(vocab=20, length=10, dim=16, heads=2, layers=2, n_out=2, pooled=True).eval()
    x = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0, 0, 0], [0] * 10])  # a 3-word review and an empty one
    attn, pred = attention_maps(model, x)
    assert (attn[:, 0, :, :, 3:] == 0).all()
    assert np.isfinite(attn).all() and pred.shape == (2,)


# ---------------------------------------------------------------- training


def test_reverse_is_learned_and_a_head_finds_the_anti_diagonal():
    """The issue's acceptance test: ≥ 95% token accuracy, and some head puts ≥ 70% on the anti-diagonal."""
    config = SeqConfig(task="reverse", seed=0, threads=1)
    model, events = quick_model(config)
    history = [e for e in events if isinstance(e, EpochEvent)]
    assert history[-1].val_accuracy >= 0.95
    x, _ = make_digit_data("reverse", 256, config.length, seed=123)  # sequences it never saw
    attn, _ = attention_maps(model, x)
    share = alignment(attn, target_attention("reverse", x))  # (L, H)
    assert share.max() >= 0.70, share
    snaps = [e for e in events if isinstance(e, SnapshotEvent)]
    assert snaps[-1].alignment.max() >= 0.70 > snaps[0].alignment.max()  # it was learned, not there at the start


def test_event_stream_of_a_run():
    config = SeqConfig(task="max", epochs=2, n_train=256, n_test=64, snapshot_every=2, threads=1)
    events = list(train_task(config))
    assert isinstance(events[0], StartEvent) and isinstance(events[-1], DoneEvent)
    assert events[-1].reason == "finished" and len(events[-1].history) == 2
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert len(steps) == events[0].epochs * events[0].steps_per_epoch == steps[-1].total_steps
    snaps = [e for e in events if isinstance(e, SnapshotEvent)]
    assert [s.step for s in snaps] == sorted(s.step for s in snaps) and snaps[0].step == 0
    assert snaps[-1].step == steps[-1].step
    assert snaps[0].attention.shape == (2, 2, 8, 8) and snaps[0].alignment.shape == (2, 2)
    assert 0 <= snaps[-1].accuracy <= 1 and len(snaps) > 4


def test_training_is_reproducible_with_a_seed():
    config = SeqConfig(task="sort", epochs=1, n_train=256, n_test=64, threads=1)
    a, b = list(train_task(config)), list(train_task(config))
    assert [e.loss for e in a if isinstance(e, StepEvent)] == [e.loss for e in b if isinstance(e, StepEvent)]


def test_stop_ends_the_run_with_a_usable_model():
    stop = threading.Event()
    events = []
    for event in train_task(SeqConfig(epochs=5, threads=1), stop):
        events.append(event)
        if isinstance(event, StepEvent) and event.step == 3:
            stop.set()
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "stopped"
    assert sum(isinstance(e, StepEvent) for e in events) == 3
    x, _ = make_digit_data("reverse", 2, 8)
    assert done.model(x).shape == (2, 8, 10)


def test_a_huge_learning_rate_diverges_with_a_message_and_keeps_the_model():
    events = list(train_task(SeqConfig(lr=10.0, threads=1)))
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.key == "train.diverged"
    assert "10" in error.message("en") and "divergió" in error.message("es")
    x, _ = make_digit_data("reverse", 2, 8)
    assert torch.isfinite(error.model(x)).all()


def test_impossible_settings_end_the_stream_with_an_error_event():
    events = list(train_task(SeqConfig(dim=24, heads=5, threads=1)))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent) and events[0].key == "transformer.err.heads"


# ---------------------------------------------------------------- sentiment (data from the /rnn page)


def _sentiment_or_skip():
    from playground.data import DatasetError, load_dataset

    try:
        return load_dataset("sentiment", lang="both", max_len=32, seed=0)
    except DatasetError as exc:  # the /rnn page ships the set; until then this part cannot be tested
        pytest.skip(f"sentiment set not loadable yet: {exc}")


def test_sentiment_learns_its_reviews_and_never_attends_to_padding():
    data = _sentiment_or_skip()
    config = SeqConfig(task="sentiment", epochs=10, batch_size=16, threads=1)
    events = list(train_task(config, data=task_data(config, data)))
    done = events[-1]
    assert isinstance(done, DoneEvent), getattr(done, "key", None)
    history = [e for e in events if isinstance(e, EpochEvent)]
    # ~250 training sentences: it learns them (a bag-of-words logistic regression does no better than chance on the
    # test split either, so only the training accuracy is a fair check of the model).
    assert history[-1].train_accuracy >= 0.9 > history[0].train_accuracy
    snaps = [e for e in events if isinstance(e, SnapshotEvent)]
    assert snaps[-1].alignment is None and snaps[-1].attention.shape[-1] == data.x_test.shape[1]
    pad = (data.x_test[config.example] == 0).numpy()
    assert pad.any() and not pad.all()
    assert (snaps[-1].attention[..., pad] == 0).all()
    assert int(snaps[-1].prediction) in (0, 1)
