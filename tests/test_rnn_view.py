"""The /rnn page's logic without Streamlit: real training events folded into the page's state, read-outs, tables."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn

from playground import rnn_view as rv
from playground.charlm import MIN_CHARS, CharConfig, CharDone, CharStep, check_text, train_charlm
from playground.data import load_dataset
from playground.data.text import tokenize
from playground.i18n import t
from playground.series import SeriesConfig, SeriesDone, SeriesEpoch, make_series, split_point, train_forecasters
from playground.share import read_values
from playground.training import DoneEvent, ErrorEvent, StartEvent, train

torch.set_num_threads(1)


def tr(key: str, **kwargs) -> str:
    return t(key, "en", **kwargs)


def fold_in_batches(fold, events: list, size: int) -> dict:
    """What the page's session state holds after the fragment drained ``events`` ``size`` at a time."""
    state: dict = {}
    for i in range(0, len(events), size):
        state.update(fold(events[i:i + size]))
    return state


# ---------------------------------------------------------------- real runs, trained once


@pytest.fixture(scope="module")
def series_events() -> list:
    config = SeriesConfig(window=10, horizon=5, hidden=8, epochs=2, kinds=("rnn", "lstm"), threads=1)
    return list(train_forecasters(make_series("sine", 150, 0.1, 0), config))


@pytest.fixture(scope="module")
def lm_events() -> list:
    config = CharConfig(kind="lstm", hidden=16, embed=8, seq_len=16, steps=20, batch_size=8, report_every=10,
                        threads=1)
    return list(train_charlm(rv.default_text("en"), config))


@pytest.fixture(scope="module")
def sentiment_data():
    return load_dataset("sentiment", lang="both", max_len=rv.SENT_LEN, seed=0)


# ---------------------------------------------------------------- the series job


def test_series_events_fold_into_progress_then_the_result(series_events):
    epochs = [e for e in series_events if isinstance(e, SeriesEpoch)]
    assert len(epochs) == 4 and isinstance(series_events[-1], SeriesDone)
    first = rv.fold_series(epochs[:1], tr)
    share, text = first["progress"]
    assert share == pytest.approx(1 / 4)  # one epoch of one model out of 2 models x 2 epochs
    assert text.startswith("Simple RNN: epoch 1/2") and f"{epochs[0].loss:.4f}" in text
    assert set(first) == {"progress"}
    state = rv.fold_series(series_events, tr)
    assert state["result"] is series_events[-1].result
    assert state["progress"] == (1.0, "finished") and "error" not in state
    assert set(state["result"].mse) == {"naive", "rnn", "lstm"}
    # the fragment drains the queue a few events at a time: the page ends in the same state
    assert fold_in_batches(lambda ev: rv.fold_series(ev, tr), series_events, 2) == state
    assert rv.fold_series([], tr) == {}


def test_impossible_series_settings_fold_into_an_error_without_progress():
    events = list(train_forecasters(make_series("sine", 150, 0.0, 0), SeriesConfig(window=120, threads=1)))
    state = rv.fold_series(events, tr)
    assert state["error"][0] == "rnn.series.window_too_long" and state["error"][1]["window"] == 120
    assert state["progress"] == (None, "") and "result" not in state


def test_the_comparison_table_marks_who_beats_the_naive_forecast(series_events):
    result = series_events[-1].result
    rows = rv.mse_rows(result, tr)
    assert [r["Model"] for r in rows] == ["Naive (last value)", "Simple RNN", "LSTM"]
    assert list(rows[0]) == ["Model", "MSE one step", "MSE 5 steps", "Beats naive"]  # the horizon is 5
    naive_one = result.mse["naive"][0]
    for row, (kind, (one, multi)) in zip(rows, result.mse.items()):
        assert row[tr("rnn.table.model")] == tr(f"rnn.model.{kind}")
        assert row[tr("rnn.table.one_step")] == one and row["MSE 5 steps"] == multi
        assert row[tr("rnn.table.beats")] == ("✓" if one < naive_one else "✗")
    assert rows[0][tr("rnn.table.beats")] == "✗"  # the baseline never beats itself


def test_a_forecaster_state_is_what_its_head_reads(series_events):
    result = series_events[-1].result
    seg = result.values[30:70]
    z, states = rv.series_states(result.models["lstm"], result, seg)
    assert states.shape == (40, 8)
    np.testing.assert_allclose(z, (seg - result.mean) / result.std, rtol=1e-5, atol=1e-6)
    model = result.models["lstm"].eval()
    with torch.no_grad():
        prediction = model(torch.as_tensor(z).reshape(1, -1, 1))  # the next value after the stretch
        from_states = model.head(torch.as_tensor(states[-1]))
    assert float(prediction[0]) == pytest.approx(float(from_states[0]), abs=1e-5)


@pytest.mark.parametrize("n, limit, default", [(300, 75, 25), (60, 15, 15), (4, 2, 1)])
def test_the_horizon_slider_fits_the_test_part(n, limit, default):
    # 300 points: the last 75 are the test part; 4 points: one test value, but a slider needs max >= 2
    assert rv.horizon_limit(n) == limit and rv.horizon_default(n) == default


# ---------------------------------------------------------------- the character model's job


def test_char_model_events_fold_into_progress_then_the_model(lm_events):
    steps = [e for e in lm_events if isinstance(e, CharStep)]
    done = lm_events[-1]
    assert [s.step for s in steps] == [10, 20] and isinstance(done, CharDone) and done.reason == "finished"
    halfway = rv.fold_lm(steps[:1], tr, 0.005)
    assert halfway == {"progress": (0.5, f"Step 10/20 · loss {steps[0].loss:.3f}")}
    state = rv.fold_lm(lm_events, tr, 0.005)
    assert state["model"] is done and state["progress"] == (1.0, "finished") and "error" not in state
    assert fold_in_batches(lambda ev: rv.fold_lm(ev, tr, 0.005), lm_events, 1) == state


def test_a_diverged_char_model_is_kept_and_names_its_rate():
    config = CharConfig(kind="gru", hidden=16, embed=8, seq_len=16, steps=30, batch_size=8, lr=1e6, threads=1)
    events = list(train_charlm(rv.default_text("es"), config))
    assert events[-1].reason == "diverged"
    state = rv.fold_lm(events, tr, 1e6)
    assert state["model"] is events[-1]  # the last good weights stay usable
    assert state["error"] == ("rnn.lm.diverged", {"lr": 1e6})
    assert state["progress"] == (1.0, tr("rnn.status.diverged"))


def test_too_short_text_folds_into_its_error():
    state = rv.fold_lm(list(train_charlm("Hola, mundo.", CharConfig(threads=1))), tr, 0.01)
    assert state == {"error": ("rnn.lm.too_short", {"n": 12, "min": MIN_CHARS}), "progress": (None, "")}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_default_texts_are_long_enough_to_train_on(lang):
    text = rv.default_text(lang)
    assert check_text(text) == text.strip() and len(text) >= MIN_CHARS


def test_loss_curve_and_the_uniform_guess(lm_events):
    done = lm_events[-1]
    steps, losses, uniform = rv.loss_curve(done)
    assert steps.tolist() == [10, 20] and losses.tolist() == [loss for _, loss in done.losses]
    assert uniform == pytest.approx(math.log(len(done.chars)))
    assert losses[-1] < uniform  # 20 steps already beat guessing every character alike


def test_the_char_model_states_skip_unknown_characters_and_feed_its_head(lm_events):
    done = lm_events[-1]
    assert "日" not in done.chars
    chars, emb, states = rv.text_states(done, "日the cat日")
    assert "".join(chars) == "the cat" and emb.shape == (7, 8) and states.shape == (7, 16)
    ids = torch.tensor([[done.chars.index(c) for c in chars]])
    with torch.no_grad():
        logits, _ = done.model(ids)  # (1, T, V)
        from_states = done.model.head(torch.as_tensor(states))  # (T, V)
    np.testing.assert_allclose(from_states.numpy(), logits[0].numpy(), atol=1e-5)
    assert rv.text_states(done, "日本語") == ([], None, None)
    long_chars, _, long_states = rv.text_states(done, "e" * 500)
    assert len(long_chars) == rv.MAX_INSIDE_CHARS == long_states.shape[0]


def test_heatmaps_show_at_most_max_units():
    wide = np.arange(5 * 50, dtype=float).reshape(5, 50)
    np.testing.assert_array_equal(rv.first_units(wide), wide[:, :32])
    narrow = np.ones((5, 10))
    assert rv.first_units(narrow).shape == (5, 10)
    assert rv.hidden_title(tr, "lstm", wide) == "Hidden state h_t of the LSTM (first 32 of 50 units)"
    assert rv.hidden_title(tr, "rnn", narrow) == "Hidden state h_t of the Simple RNN (first 10 of 10 units)"
    assert rv.state_labels(tr) == {"step": "step", "unit": "unit", "input": "input", "value": "h"}


# ---------------------------------------------------------------- sentiment


def test_sentiment_spec_and_job_record():
    spec, config, run = rv.sentiment_job(900, "rnn", 16.0, 32, 1, 4, "0.01", "es")
    layers = spec.to_dict()["layers"]
    assert [layer["type"] for layer in layers] == ["embedding", "simplernn", "dense"]  # "rnn" is Keras' SimpleRNN
    assert layers[0]["vocab_size"] == 900 and layers[0]["dim"] == 16 and layers[1]["bidirectional"] is True
    assert layers[2]["units"] == 2 and spec.to_dict()["input_shape"] == [rv.SENT_LEN]
    assert (config.epochs, config.lr, config.optimizer) == (4, 0.01, "adam")
    assert run["dataset"] == "sentiment" and run["lang"] == "es" and run["status"] == "queued"
    assert rv.sentiment_spec(10, "gru", 8, 8, False)["layers"][1]["type"] == "gru"


def test_sentiment_events_fold_into_the_run_and_the_model(sentiment_data):
    spec, config, run = rv.sentiment_job(len(sentiment_data.meta["vocab"]), "gru", 8, 8, True, 2, 0.01, "both")
    events = list(train(spec, sentiment_data, dataclasses.replace(config, threads=1)))
    assert isinstance(events[0], StartEvent) and isinstance(events[-1], DoneEvent)
    total = events[0].epochs * events[0].steps_per_epoch
    early = rv.fold_sentiment(run, events[:2], tr)  # the start and the first step
    assert early["progress"] == (pytest.approx(1 / total), f"Step 1/{total}") and "model" not in early
    state = rv.fold_sentiment(run, events[2:], tr)
    assert run["status"] == "finished" and len(run["history"]) == 2 and run["step"] == total
    assert state["progress"] == (1.0, f"Step {total}/{total}") and "error" not in state
    trained = state["model"]
    assert trained["model"] is events[-1].model and not trained["model"].training  # ready to read sentences
    assert trained["lang"] == "both" and trained["run"] is run


def test_a_diverged_sentiment_run_keeps_its_model_and_error(sentiment_data):
    spec, config, run = rv.sentiment_job(len(sentiment_data.meta["vocab"]), "rnn", 8, 8, False, 3, 0.01, "both")
    config = dataclasses.replace(config, threads=1, lr=1e6, optimizer="sgd")
    events = list(train(spec, sentiment_data, config))
    assert isinstance(events[-1], ErrorEvent) and events[-1].key == "train.diverged"
    state = rv.fold_sentiment(run, events, tr)
    assert state["error"] == ("train.diverged", events[-1].kwargs) and run["status"] == "error"
    assert state["model"]["model"] is events[-1].model


class Keywords(nn.Module):
    """A stand-in sentiment model with known answers: logit(positive) = 5 · (#good − #bad)."""

    def __init__(self, vocab: list[str]):
        super().__init__()
        self.good, self.bad = vocab.index("good"), vocab.index("bad")

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, L) ids -> (N, 2) logits
        score = 5.0 * ((x == self.good).sum(1) - (x == self.bad).sum(1)).float()
        return torch.stack([torch.zeros_like(score), score], dim=-1)


def test_a_typed_sentence_is_read_word_by_word(sentiment_data):
    vocab = sentiment_data.meta["vocab"]
    words, probs, unknown = rv.read_sentence(Keywords(vocab), "The food, zzqx, was GOOD!", vocab)
    assert words == ["the", "food", "zzqx", "was", "good"] and unknown == ["zzqx"]
    sigmoid5 = 1 / (1 + math.exp(-5))
    np.testing.assert_allclose(probs, [0.5, 0.5, 0.5, 0.5, sigmoid5], rtol=1e-6)  # only "good" moves it
    words, probs, _ = rv.read_sentence(Keywords(vocab), "good " * 20 + "bad " * 20, vocab)
    assert len(words) == len(probs) == rv.SENT_LEN  # 40 words: the model reads the first 32
    assert probs[19] == pytest.approx(1.0) and probs[-1] == pytest.approx(1 / (1 + math.exp(-5 * 8)))
    assert rv.read_sentence(Keywords(vocab), "?! ...", vocab) == ([], None, [])


def test_test_set_scores_and_mistakes_match_the_sentences(sentiment_data):
    data = sentiment_data
    scores = rv.sentiment_scores(Keywords(data.meta["vocab"]), data)
    # the same verdicts worked out from the texts themselves: positive unless "bad" outnumbers "good"
    words = [tokenize(text)[:rv.SENT_LEN] for text in data.meta["texts_test"]]
    expected = np.array([int(w.count("good") >= w.count("bad")) for w in words])
    truth = data.y_test.numpy()
    assert scores["accuracy"] == pytest.approx((expected == truth).mean())
    langs = np.array(data.meta["langs_test"])
    assert set(scores["by_lang"]) == {"es", "en"}
    for lg in ("es", "en"):
        assert scores["by_lang"][lg] == pytest.approx((expected == truth)[langs == lg].mean())
    assert scores["wrong"].tolist() == np.flatnonzero(expected != truth).tolist()
    table = rv.mistakes_table(data, scores, tr)
    assert list(table) == ["Sentence", "True label", "P(positive)"]
    texts, true, p = table.values()
    assert texts == [data.meta["texts_test"][i] for i in scores["wrong"]]
    for label, share in zip(true, p):  # a mistake: P(positive) is on the wrong side of 50 %
        assert label in ("positive", "negative")
        assert (int(share.rstrip("%")) < 50) == (label == "positive")


def test_scores_name_only_the_languages_present():
    data = load_dataset("sentiment", lang="en", max_len=rv.SENT_LEN, seed=0)
    scores = rv.sentiment_scores(Keywords(data.meta["vocab"]), data)
    assert set(scores["by_lang"]) == {"en"} and scores["p"].shape == (len(data.y_test),)
    assert ((scores["p"] >= 0) & (scores["p"] <= 1)).all()


# ---------------------------------------------------------------- gradients through time


def test_the_rnn_gradient_fades_faster_than_the_lstm_one():
    norms = {k: rv.grad_norms(k, 60, 16, 1.0) for k in ("rnn", "lstm", "gru")}
    rates = rv.grad_rates(norms)
    assert rates["rnn"][0] < rates["lstm"][0] and rates["rnn"][0] < rates["gru"][0]
    assert rates["rnn"][1] < 1e-6 * rates["lstm"][1]  # 59 steps back, the RNN keeps almost nothing
    for kind, (_, ratio) in rates.items():
        assert ratio == pytest.approx(norms[kind][0] / norms[kind][-1])


def test_the_forget_bias_acts_on_the_lstm_only():
    np.testing.assert_array_equal(rv.grad_norms("rnn", 40, 16, 0.0), rv.grad_norms("rnn", 40, 16, 3.0))
    np.testing.assert_array_equal(rv.grad_norms("gru", 40, 16, 0.0), rv.grad_norms("gru", 40, 16, 3.0))
    closed = rv.grad_rates({"lstm": rv.grad_norms("lstm", 40, 16, 0.0)})["lstm"]
    opened = rv.grad_rates({"lstm": rv.grad_norms("lstm", 40, 16, 3.0)})["lstm"]
    assert closed[0] < opened[0] and closed[1] < opened[1]  # a forget gate near 1 carries the gradient back


# ---------------------------------------------------------------- options and the URL


def test_model_picks_come_back_in_the_widgets_order():
    assert rv.model_picks("gru, rnn") == "rnn,gru"
    assert rv.model_picks("lstm,lstm,") == "lstm" and rv.model_picks("") == ""
    with pytest.raises(ValueError):
        rv.model_picks("rnn,transformer")


def test_url_controls_accept_what_the_widgets_offer_and_drop_the_rest():
    names = [c.name for c in rv.URL_CONTROLS]
    assert len(names) == len(set(names)) and len({c.key for c in rv.URL_CONTROLS}) == len(names)
    horizon = next(c for c in rv.URL_CONTROLS if c.name == "horizon")
    longest = rv.N_RANGE[1] - split_point(rv.N_RANGE[1], rv.TEST_SHARE)
    assert longest == 250 == rv.horizon_limit(rv.N_RANGE[1])  # the longest series' test part
    assert horizon.allowed(250) and not horizon.allowed(251)
    values, dropped = read_values({"models": "gru,rnn", "lr": "0.03", "lm_hidden": "64", "sent_cell": "rnn",
                                   "hidden": "7", "sent_dim": "12", "grad_gru": "true"}, rv.URL_CONTROLS)
    assert values == {rv.MODELS_URL: "rnn,gru", "rnn.series.lr": 0.03, "rnn.lm.hidden": 64, "rnn.sent.kind": "rnn",
                      "rnn.grad.gru": True}
    assert sorted(dropped) == ["hidden=7", "sent_dim=12"]
    assert set(rv.CELLS) == set(rv.MODELS) and all(v in rv.LRS for v in (0.01, 10.0))


def test_model_names_cover_the_cells_and_the_baseline():
    assert rv.model_names(tr) == {"rnn": "Simple RNN", "lstm": "LSTM", "gru": "GRU", "naive": "Naive (last value)"}
    assert set(rv.model_names(lambda key: t(key, "es"))) == {*rv.MODELS, "naive"}
