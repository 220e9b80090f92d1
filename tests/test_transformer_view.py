"""The /transformer page's core (``playground.transformer_view``): what the page computes, without Streamlit."""
from __future__ import annotations

import math
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from playground import runs
from playground import transformer_view as tv
from playground.attention import MAX_WORDS, AttentionError, position_similarity
from playground.data import DatasetError
from playground.i18n import LANGS, catalogue, t
from playground.seqtasks import (
    DIGIT_TASKS,
    SeqConfig,
    SeqTaskError,
    SnapshotEvent,
    TaskData,
    build_model,
    check_config,
    train_task,
)
from playground.training import DoneEvent, EpochEvent, ErrorEvent, StepEvent

# A small digit run: 256 sequences in batches of 64 make 4 steps an epoch, 8 in all; a snapshot every 2 steps.
SMALL = SeqConfig(task="reverse", n_train=256, n_test=64, batch_size=64, epochs=2, snapshot_every=2, threads=1)


def en(key: str, **kwargs) -> str:
    return t(key, "en", **kwargs)


def recorder():
    """A ``tr`` that records what it was asked and answers ``key|k=v,...``."""
    calls = []

    def tr(key, **kwargs):
        calls.append((key, kwargs))
        return key + "|" + ",".join(f"{k}={v}" for k, v in sorted(kwargs.items()))

    return tr, calls


@pytest.fixture(scope="module")
def small_events() -> list:
    return list(train_task(SMALL))


# ---------------------------------------------------------------- the module is core


def test_the_module_never_imports_streamlit():
    code = "import sys, playground.transformer_view; print('streamlit' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"


def test_option_tables_are_what_the_page_offers():
    assert tv.DIMS == tuple(sorted(set(tv.DIMS))) and 8 in tv.DIMS  # a slider's options; 8 is its first value
    assert set(tv.DEFAULT_REVIEW) == set(LANGS)
    assert all(len(v) <= tv.MAX_TEXT for v in tv.DEFAULT_REVIEW.values())
    check_config(tv.DEMO_CONFIG)  # the demo model's settings are valid


# ---------------------------------------------------------------- typed digits


def test_parse_digits_reads_any_separator_but_letters():
    x = tv.parse_digits("0 1 2 3", 4)
    assert x.dtype == torch.int64 and x.shape == (1, 4) and x.tolist() == [[0, 1, 2, 3]]
    assert tv.parse_digits("9,8-7 6", 4).tolist() == [[9, 8, 7, 6]]
    assert tv.parse_digits("5432", 4).tolist() == [[5, 4, 3, 2]]


@pytest.mark.parametrize("bad", ["12345", "1 2 3", "1 2 3 4 5", "1 2 a 3 4", "", "x"])
def test_parse_digits_refuses_the_wrong_count_or_letters(bad):
    with pytest.raises(SeqTaskError) as info:
        tv.parse_digits(bad, 4)
    assert info.value.key == "transformer.err.digits" and info.value.kwargs == {"length": 4}
    assert info.value.message("es") == t("transformer.err.digits", "es", length=4)


def test_example_digits_are_seeded_and_parse_back():
    text = tv.example_digits(8)
    assert text == tv.example_digits(8)  # the same first input on every run
    assert len(text.split()) == 8 and all(d in "0123456789" for d in text.split())
    assert tv.parse_digits(text, 8).tolist() == [[int(d) for d in text.split()]]
    assert [tv.example_digits(8, seed) for seed in range(5)] != [text] * 5  # the seed matters


# ---------------------------------------------------------------- steps and positions


def test_sentence_attention_steps_and_truncation():
    words, steps, truncated = tv.sentence_attention("The cat sat on the mat", 8, "identity", 0, True, False)
    assert words == ["the", "cat", "sat", "on", "the", "mat"] and not truncated
    assert steps.x.shape == (6, 8) and steps.weights.shape == (6, 6)
    np.testing.assert_allclose(steps.weights.sum(axis=1), 1.0)
    long = " ".join(f"w{i}" for i in range(MAX_WORDS + 3))
    words, steps, truncated = tv.sentence_attention(long, 4, "random", 3, True, True)
    assert truncated and words == [f"w{i}" for i in range(MAX_WORDS)]
    assert (steps.weights[np.triu_indices(MAX_WORDS, 1)] == 0).all()  # causal: nothing from the future
    with pytest.raises(AttentionError):
        tv.sentence_attention("  ?! ", 8, "identity", 0, True, False)


def test_without_positions_a_repeated_word_has_the_same_vector():
    _, with_pe, _ = tv.sentence_attention("the cat sat on the mat", 8, "identity", 0, True, False)
    _, without, _ = tv.sentence_attention("the cat sat on the mat", 8, "identity", 0, False, False)
    np.testing.assert_allclose(without.x[0], without.x[4])
    assert not np.allclose(with_pe.x[0], with_pe.x[4])


@pytest.mark.parametrize("add_pe, causal, kind", [(True, False, "identity"), (False, True, "random")])
def test_step_texts_follow_the_settings_and_exist_in_both_languages(add_pe, causal, kind):
    texts = tv.step_texts(add_pe, causal, kind, 8, math.sqrt(8))
    assert [title for title, *_ in texts] == [f"transformer.step{i}" for i in range(1, 8)]
    assert texts[1][2] == f"transformer.step2.note.{kind}"
    assert ("PE" in texts[0][1]) == add_pe and ("-\\infty" in texts[4][1]) == causal
    assert texts[0][2] == ("transformer.step1.note" if add_pe else "transformer.step1.note_nope")
    assert texts[4][2] == ("transformer.step5.note" if causal else "transformer.step5.note_off")
    assert r"\sqrt{8}" in texts[3][1] and texts[3][3] == {"scale": "2.83"}  # √8 = 2.828...
    for lang in LANGS:
        for title, _, note, args in texts:
            assert title in catalogue(lang) and note in catalogue(lang)
            t(note, lang, **args)  # every placeholder of the note is given


def test_positional_tables():
    table, sim = tv.positional_tables(10, 6)
    assert table.shape == (10, 6) and sim.shape == (10, 10)
    np.testing.assert_allclose(sim, position_similarity(table))
    np.testing.assert_allclose(np.diag(sim), 3.0, atol=1e-6)  # sin² + cos² = 1 for each of the 3 pairs


# ---------------------------------------------------------------- the heads tab


@pytest.fixture(scope="module")
def demo() -> dict:
    return tv.demo_copy(*tv.demo_weights())


def test_demo_copy_is_a_separate_model_in_eval_mode():
    state, config = tv.demo_weights(SMALL)
    record = tv.demo_copy(state, config)
    assert record["config"] == SMALL and record["vocab"] is None and record["classes"] is None
    model = record["model"]
    assert not model.training
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, state[k])
    next(model.parameters()).data.add_(1.0)  # the session's copy changes, the shared weights do not
    first = next(iter(model.state_dict()))
    assert not torch.equal(model.state_dict()[first], state[first])


def test_read_digits_of_the_demo_model_reverses(demo):
    reading = tv.read_digits(demo["model"], "reverse", tv.parse_digits("0 1 2 3 4 5 6 7", 8))
    assert reading.tokens == [str(d) for d in range(8)]
    assert reading.prediction == [7, 6, 5, 4, 3, 2, 1, 0] and reading.right == 8
    assert reading.out_labels == [f"{i}→{7 - i}" for i in range(8)]
    assert reading.target.shape == (8, 8) and all(reading.target[i, 7 - i] for i in range(8))
    assert reading.target.sum() == 8  # the anti-diagonal only
    assert reading.attention.shape == (2, 2, 8, 8) and reading.share.shape == (2, 2)
    np.testing.assert_allclose(reading.attention.sum(axis=-1), 1.0, atol=1e-5)
    assert ((reading.share >= 0) & (reading.share <= 1)).all()


@pytest.mark.parametrize("task", ["reverse", "max"])
def test_read_digits_counts_right_answers_of_an_untrained_model(task):
    torch.manual_seed(0)
    model = build_model(SeqConfig(task=task, length=6)).eval()
    x = tv.parse_digits("3 9 1 9 0 2", 6)
    reading = tv.read_digits(model, task, x)
    answer = [2, 0, 9, 1, 9, 3] if task == "reverse" else [9] * 6
    assert reading.right == sum(p == a for p, a in zip(reading.prediction, answer))
    if task == "max":  # the two 9s both hold the answer
        assert reading.target.tolist() == [[False, True, False, True, False, False]] * 6


def test_read_review_keeps_the_words_and_drops_the_padding():
    vocab = ["<pad>", "<unk>", "the", "movie", "good"]
    torch.manual_seed(0)
    model = build_model(SeqConfig(task="sentiment", dim=16, heads=2, layers=1), vocab=len(vocab), length=8).eval()
    attn, words, label = tv.read_review(model, vocab, "The movie was GOOD!")
    assert words == ["the", "movie", "<unk>", "good"]  # "was" is not in the vocabulary
    assert attn.shape == (1, 2, 4, 4) and label in (0, 1)
    np.testing.assert_allclose(attn.sum(axis=-1), 1.0, atol=1e-5)  # padding gets no attention
    with pytest.raises(AttentionError) as info:
        tv.read_review(model, vocab, " ?! ")
    assert info.value.key == "transformer.err.no_words"


def test_grid_titles_per_layer_then_head():
    tr, calls = recorder()
    attn = np.zeros((2, 3, 4, 4))
    titles = tv.grid_titles(attn, None, tr)
    assert len(titles) == 6
    assert calls[1] == ("transformer.grid.head", {"layer": 1, "head": 2})
    assert calls[3] == ("transformer.grid.head", {"layer": 2, "head": 1})
    share = np.array([[0.25, 0.5, 1.0], [0.0, 0.126, 0.994]])
    titles = tv.grid_titles(attn, share, lambda key, **kw: t(key, "en", **kw))
    assert titles[0] == en("transformer.grid.head_share", layer=1, head=1, share="25%")
    assert titles[5] == en("transformer.grid.head_share", layer=2, head=3, share="99%")
    assert titles[4] == en("transformer.grid.head_share", layer=2, head=2, share="13%")


def test_grid_note_only_promises_a_right_answer_for_digit_tasks():
    for task in DIGIT_TASKS:
        assert tv.grid_note(task, en) == en("transformer.grid.note")
    assert tv.grid_note("sentiment", en) == en("transformer.grid.note_text")


# ---------------------------------------------------------------- settings and data


def test_train_config_takes_widget_values_and_smaller_sentiment_batches():
    config = tv.train_config("sort", np.int64(6), 48, 3, 1, np.float64(0.01), 3, 7)
    assert config == SeqConfig(task="sort", length=6, dim=48, heads=3, layers=1, lr=0.01, epochs=3, seed=7)
    assert type(config.length) is int and type(config.lr) is float
    assert config.batch_size == 64 and tv.train_config("sentiment", 8, 32, 2, 2, 3e-3, 6, 0).batch_size == 16


def test_checked_data_checks_the_settings_and_loads_only_sentiment():
    loads = []

    def load():
        loads.append(1)
        vocab = ("<pad>", "<unk>", "bien")
        return SimpleNamespace(x_train=torch.ones(3, 4), y_train=torch.zeros(3), x_test=torch.ones(2, 4),
                               y_test=torch.ones(2), meta={"vocab": vocab})

    assert tv.checked_data(SeqConfig(task="reverse"), load) is None and not loads
    data = tv.checked_data(SeqConfig(task="sentiment"), load)
    assert isinstance(data, TaskData) and data.vocab == ["<pad>", "<unk>", "bien"] and len(loads) == 1
    assert data.x_train.shape == (3, 4) and data.x_test.shape == (2, 4)
    with pytest.raises(SeqTaskError) as info:
        tv.checked_data(SeqConfig(task="sentiment", dim=32, heads=3), load)
    assert info.value.key == "transformer.err.heads" and len(loads) == 1  # settings first, then the data

    def missing():
        raise DatasetError("rnn.data.missing", path="nowhere.csv")

    with pytest.raises(DatasetError):
        tv.checked_data(SeqConfig(task="sentiment"), missing)


def test_start_data_draws_digits_only_when_none_are_given():
    config = SeqConfig(task="sort", length=5, n_train=100, n_test=20)
    data = tv.start_data(config, None)
    assert data.x_train.shape == (100, 5) and data.x_test.shape == (20, 5)
    assert data.vocab == [str(d) for d in range(10)]
    assert torch.equal(data.y_train, data.x_train.sort(dim=1).values)
    given = TaskData(torch.zeros(1, 3), torch.zeros(1), torch.zeros(1, 3), torch.zeros(1), ["<pad>"])
    assert tv.start_data(SeqConfig(task="sentiment"), given) is given


# ---------------------------------------------------------------- a job's events into the run record


def test_add_run_numbers_the_runs():
    all_runs: list[dict] = []
    first = tv.add_run(all_runs, SMALL)
    second = tv.add_run(all_runs, SeqConfig(task="max"))
    assert all_runs == [first, second] and (first["id"], second["id"]) == (1, 2)
    assert first["status"] == "queued" and first["config"] == SMALL.to_dict() and second["dataset"] == "max"


def test_fold_events_of_a_real_run_drained_in_pieces(small_events):
    run = tv.add_run([], SMALL)
    pieces = [small_events[:3], small_events[3:9], [], small_events[9:]]
    folded = [tv.fold_events(run, piece, SMALL, ["0", "1"], now=100.0) for piece in pieces]
    snaps = [s for got, _ in folded for s in got]
    assert snaps == [e for e in small_events if isinstance(e, SnapshotEvent)]
    # one before the first step, every 2 steps before the end, one at the end (steps_per_epoch 4, 2 epochs)
    assert [s.step for s in snaps] == [0, 2, 4, 6, 8]
    assert [model for _, model in folded[:3]] == [None, None, None]  # the model comes with the DoneEvent
    done = small_events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "finished"
    assert folded[-1][1] == {"model": done.model, "config": SMALL, "vocab": ["0", "1"], "classes": None}
    assert run["status"] == "finished" and run["started"] == 100.0
    assert run["step"] == run["total_steps"] == 8 and runs.progress(run) == 1.0
    assert [s for s, _ in run["steps"]] == list(range(1, 9))
    epochs = [e for e in small_events if isinstance(e, EpochEvent)]
    assert [h["val_accuracy"] for h in run["history"]] == [e.val_accuracy for e in epochs] and len(epochs) == 2
    assert run["steps"][-1][1] == [e for e in small_events if isinstance(e, StepEvent)][-1].loss


def test_fold_events_of_a_stopped_run_keeps_its_model():
    stop = threading.Event()
    stop.set()  # stopped before the first step
    events = list(train_task(SMALL, stop))
    run = tv.add_run([], SMALL)
    snaps, model = tv.fold_events(run, events, SMALL, None)
    assert run["status"] == "stopped" and run["step"] == 0
    assert [s.step for s in snaps] == [0, 0]  # the first snapshot and the one taken when it stopped
    assert model["model"] is events[-1].model and model["vocab"] is None


def test_fold_events_of_a_diverging_run_keeps_the_error_and_the_model():
    config = SeqConfig(task="reverse", lr=10.0, threads=1)
    events = list(train_task(config))
    run = tv.add_run([], config)
    _, model = tv.fold_events(run, events, config, None)
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.key == "train.diverged"
    assert run["status"] == "error" and run["error"] == ("train.diverged", error.kwargs)
    assert model is not None and model["model"] is error.model


def test_fold_events_of_impossible_settings_has_no_model():
    config = SeqConfig(dim=32, heads=3)
    run = tv.add_run([], config)
    snaps, model = tv.fold_events(run, train_task(config), config, None)
    assert snaps == [] and model is None
    assert run["status"] == "error" and run["error"][0] == "transformer.err.heads"


def test_end_run_marks_a_crashed_job_and_leaves_a_clean_one():
    run = tv.add_run([], SMALL)
    before = dict(run)
    tv.end_run(run, None)
    tv.end_run(run, "")
    assert run == before
    tv.end_run(run, "RuntimeError: " + "x" * 200)
    assert run["status"] == "error"
    key, kwargs = run["error"]
    assert key == "train.crashed" and kwargs["detail"] == ("RuntimeError: " + "x" * 200)[:120]
    assert len(kwargs["detail"]) == 120


# ---------------------------------------------------------------- what the live panel draws


def test_progress_bar_counts_steps_and_says_how_it_ended(small_events):
    run = tv.add_run([], SMALL)
    assert tv.progress_bar(run, en) == (0.0, en("transformer.train.progress", step=0, total="?"))
    tv.fold_events(run, small_events[:6], SMALL, None)  # start, snapshot, step 1, step 2, snapshot, step 3
    assert tv.progress_bar(run, en) == (3 / 8, en("transformer.train.progress", step=3, total=8))
    tv.fold_events(run, small_events[6:], SMALL, None)
    share, text = tv.progress_bar(run, en)
    assert share == 1.0
    assert text == en("transformer.train.progress", step=8, total=8) + " · " + en("train.status.finished")


def test_curve_and_alignment_labels(small_events):
    tr, calls = recorder()
    labels = tv.curve_labels(tr)
    assert list(labels) == ["loss", "epoch", "train", "val", "accuracy"]
    assert labels["accuracy"].startswith("transformer.train.token_acc")
    snaps = [e for e in small_events if isinstance(e, SnapshotEvent)]
    steps, shares, accuracy, names = tv.alignment_history(snaps, en)
    assert steps == [0, 2, 4, 6, 8] and accuracy == [s.accuracy for s in snaps]
    assert shares.shape == (5, SMALL.layers, SMALL.heads)
    np.testing.assert_allclose(shares[-1], snaps[-1].alignment)
    assert set(names) == {"step", "share", "accuracy", "head"} and names["step"] == en("transformer.train.step")


def test_snapshot_labels_of_a_digit_task():
    config = SeqConfig(task="sort", n_train=128, n_test=64, epochs=1, snapshot_every=100, threads=1)
    events = list(train_task(config))
    snap = [e for e in events if isinstance(e, SnapshotEvent)][-1]
    example = tv.start_data(config, None).x_test[config.example]  # the example the snapshots show
    attn, tokens, out_labels, target = tv.snapshot_labels("sort", example, None, snap)
    assert attn is snap.attention and tokens == [str(int(d)) for d in example]
    assert out_labels == [f"{i}→{int(p)}" for i, p in enumerate(snap.prediction)]
    ranked = sorted(int(d) for d in example)
    for i in range(len(example)):  # row i marks the positions holding the i-th smallest digit
        assert [j for j in range(len(example)) if target[i, j]] == [j for j, d in enumerate(example) if d == ranked[i]]


def test_snapshot_labels_of_a_review_drop_its_padding():
    attention = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    snap = SnapshotEvent(step=3, epoch=0.5, attention=attention, prediction=np.array(1), alignment=None, accuracy=0.5)
    vocab = ["<pad>", "<unk>", "a", "b", "c", "film"]
    example = torch.tensor([5, 9, 2, 0, 0])  # id 9 is past the vocabulary: shown as "?"
    attn, tokens, out_labels, target = tv.snapshot_labels("sentiment", example, vocab, snap)
    assert tokens == out_labels == ["film", "?", "a"] and target is None
    np.testing.assert_array_equal(attn[0, 0], [[0, 1, 2], [5, 6, 7], [10, 11, 12]])
    _, tokens, _, _ = tv.snapshot_labels("sentiment", example, None, snap)  # no vocabulary kept: all unknown
    assert tokens == ["?", "?", "?"]
