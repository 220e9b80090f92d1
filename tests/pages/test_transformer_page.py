"""The /transformer page as a student uses it: attention step by step, positions, heads, training live."""
from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.attention import DEFAULT_SENTENCE, split_words
from playground.i18n import t
from tests.pages.conftest import APP

FIRST_LOAD = ("steps.x", "steps.qkv", "steps.scores", "steps.scaled", "steps.masked", "steps.weights", "steps.output",
              "pe.table", "pe.sim", "pe.profile", "heads.grid")


def open_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/transformer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart on the page by its key (without the ``transformer.`` prefix), as a figure dict."""
    out = {}
    for c in at.get("plotly_chart"):
        key = c.proto.id.split("-transformer.", 1)[-1]
        out[key] = json.loads(c.proto.spec)
    return out


def array(value) -> np.ndarray:
    """A figure's data array: plain lists, or plotly's typed-array form ``{"dtype", "bdata", "shape"}``."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape).astype(float)
    return np.array(value, dtype=float)


def z(fig: dict, trace: int = 0) -> np.ndarray:
    return array(fig["data"][trace]["z"])


def train_until_done(at: AppTest, timeout: float = 60.0) -> AppTest:
    at.button(key="transformer.train.start").click().run()
    end = time.monotonic() + timeout
    while at.session_state["transformer.run"]["status"] in ("queued", "running") and time.monotonic() < end:
        time.sleep(0.3)
        at.run()  # each run drains the job's events, as the page's fragment does every 0.5 s
    at.run()
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_clean_with_every_heatmap_labelled(lang):
    at = open_page(lang)
    assert at.title[0].value == t("page.transformer.title", lang)
    figs = charts(at)
    assert set(FIRST_LOAD) <= set(figs)
    words = split_words(DEFAULT_SENTENCE[lang])
    weights = figs["steps.weights"]
    assert weights["layout"]["yaxis"]["ticktext"] == words and weights["layout"]["xaxis"]["ticktext"] == words
    np.testing.assert_allclose(z(weights).sum(axis=1), 1.0, atol=1e-9)
    assert figs["steps.x"]["layout"]["yaxis"]["ticktext"] == words
    grid = figs["heads.grid"]
    assert len([tr for tr in grid["data"] if tr["type"] == "heatmap"]) == 4  # 2 layers x 2 heads of the demo model
    [oracle] = [s.value for s in at.success if "scaled_dot_product_attention" in s.value]
    assert float(oracle.rsplit(" ", 1)[-1]) < 1e-6  # the hand-written steps agree with PyTorch


def test_causal_mask_changes_the_mask_and_the_softmax():
    at = open_page()
    before = z(charts(at)["steps.weights"])
    assert (before[np.triu_indices(len(before), 1)] > 0).all()
    at.toggle(key="transformer.steps.causal").set_value(True).run()
    figs = charts(at)
    weights = z(figs["steps.weights"])
    assert (weights[np.triu_indices(len(weights), 1)] == 0).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)
    assert weights[0, 0] == pytest.approx(1.0)
    assert figs["steps.masked"]["data"][1]["text"][0][1:] == ["−∞"] * 5  # the future is grey and written −∞
    assert not at.exception and not at.error


def test_without_positions_a_repeated_word_gets_the_same_row():
    at = open_page()  # "the cat sat on the mat": "the" at 0 and 4
    x = z(charts(at)["steps.x"])
    assert not np.allclose(x[0], x[4])
    at.toggle(key="transformer.steps.pe").set_value(False).run()
    x = z(charts(at)["steps.x"])
    np.testing.assert_allclose(x[0], x[4])


def test_typing_a_sentence_and_random_projections():
    at = open_page("es")
    at.text_input(key="transformer.steps.sentence.es").set_value("Hoy llueve mucho en Madrid").run()
    at.radio(key="transformer.steps.proj").set_value("random").run()
    at.number_input(key="transformer.steps.seed").set_value(5).run()
    at.select_slider(key="transformer.steps.dim").set_value(4).run()
    figs = charts(at)
    assert figs["steps.weights"]["layout"]["yaxis"]["ticktext"] == ["hoy", "llueve", "mucho", "en", "madrid"]
    assert z(figs["steps.x"]).shape == (5, 4)
    assert not at.exception and not at.error


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_sentence_without_words_is_an_error_not_a_traceback(lang):
    at = open_page(lang)
    at.text_input(key=f"transformer.steps.sentence.{lang}").set_value("  ?! ").run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("transformer.err.no_words", lang)]
    assert "steps.weights" not in charts(at) and "pe.table" in charts(at)  # the other tabs still work


def test_positional_encoding_sliders():
    at = open_page()
    at.slider(key="transformer.pe.length").set_value(10).run()
    at.slider(key="transformer.pe.dim").set_value(6).run()
    figs = charts(at)
    assert z(figs["pe.table"]).shape == (10, 6)
    sim = z(figs["pe.sim"])
    np.testing.assert_allclose(np.diag(sim), 3.0, atol=1e-5)


def test_heads_tab_reads_typed_digits_and_refuses_bad_ones():
    at = open_page()
    at.text_input(key="transformer.heads.digits.8").set_value("0 1 2 3 4 5 6 7").run()
    assert any("7 6 5 4 3 2 1 0" in m.value for m in at.markdown)  # the demo model reverses it
    at.text_input(key="transformer.heads.digits.8").set_value("12345").run()
    assert [e.value for e in at.error] == [t("transformer.err.digits", "en", length=8)]
    assert not at.exception


def test_impossible_heads_setting_says_what_to_change():
    at = open_page("es")
    at.select_slider(key="transformer.train.heads").set_value(3).run()
    assert [e.value for e in at.error] == [t("transformer.err.heads", "es", dim=32, heads=3, fits="1, 2, 4")]
    assert not at.exception


def test_training_live_then_replay_and_the_model_in_the_heads_tab():
    at = open_page()
    at.number_input(key="transformer.train.epochs").set_value(3).run()
    at = train_until_done(at)
    run = at.session_state["transformer.run"]
    assert run["status"] == "finished", run.get("error")
    assert len(run["history"]) == 3 and run["history"][-1]["val_accuracy"] >= 0.9
    snaps = at.session_state["transformer.snaps"]
    assert len(snaps) > 5 and snaps[-1].alignment.max() > snaps[0].alignment.max()
    figs = charts(at)
    assert {"train.curves", "train.align", "train.replay_grid"} <= set(figs)
    replay = at.select_slider(key="transformer.train.replay.1")
    assert replay.value == snaps[-1].step
    replay.set_value(snaps[0].step).run()
    first = [tr for tr in charts(at)["train.replay_grid"]["data"] if tr["type"] == "heatmap"]
    np.testing.assert_allclose(array(first[0]["z"]), snaps[0].attention[0, 0], atol=1e-6)
    assert at.radio(key="transformer.heads.which").value == "yours"
    assert not at.exception and not at.error


def test_stop_mid_training_keeps_the_model_and_its_snapshots():
    at = open_page()
    at.number_input(key="transformer.train.epochs").set_value(50).run()
    at.button(key="transformer.train.start").click().run()
    at.button(key="transformer.train.stop").click().run()
    end = time.monotonic() + 60
    while at.session_state["transformer.run"]["status"] in ("queued", "running") and time.monotonic() < end:
        time.sleep(0.3)
        at.run()
    at.run()
    run = at.session_state["transformer.run"]
    assert run["status"] == "stopped" and run["step"] < run["total_steps"]
    assert at.session_state["transformer.model"]["model"] is not None
    assert "train.replay_grid" in charts(at)
    assert not at.exception and not at.error


def test_a_diverging_run_is_explained_in_spanish_and_the_model_kept():
    at = open_page("es")
    at.select_slider(key="transformer.train.lr").set_value(10.0).run()
    at = train_until_done(at)
    assert at.session_state["transformer.run"]["status"] == "error"
    assert any("divergió" in e.value for e in at.error)
    assert at.session_state["transformer.model"]["model"] is not None
    assert not at.exception


def _sentiment_loads() -> bool:
    from playground.data import DatasetError, load_dataset

    try:
        load_dataset("sentiment", lang="both", max_len=32, seed=0)
        return True
    except DatasetError:
        return False


def test_sentiment_task_trains_or_says_why_it_cannot():
    at = open_page()
    at.selectbox(key="transformer.train.task").set_value("sentiment").run()
    assert not at.exception and not at.error
    if not _sentiment_loads():  # the /rnn page ships the set; until then the page explains instead of failing
        from playground.data import DatasetError, load_dataset

        with pytest.raises(DatasetError) as info:
            load_dataset("sentiment", lang="both", max_len=32, seed=0)
        assert info.value.message("en") in [i.value for i in at.info]
        assert not [b for b in at.button if b.key == "transformer.train.start"]
        return
    at.number_input(key="transformer.train.epochs").set_value(2).run()
    at = train_until_done(at)
    assert at.session_state["transformer.run"]["status"] == "finished"
    words = charts(at)["train.replay_grid"]["layout"]["xaxis"]["ticktext"]
    assert words and "<pad>" not in words  # the example review is shown without its padding
    at.text_input(key="transformer.heads.text.en").set_value("not good at all, boring").run()
    assert any(t("transformer.class.0", "en") in m.value or t("transformer.class.1", "en") in m.value
               for m in at.markdown)
    from playground.data.text import encode

    vocab = at.session_state["transformer.vocab"]
    expected = [vocab[i] for i in encode(["not good at all, boring"], vocab, 32)[0].tolist() if i != 0]
    assert len(expected) == 5  # one label per word, unknown ones as <unk>
    assert charts(at)["heads.grid"]["layout"]["xaxis"]["ticktext"] == expected
    assert not at.exception and not at.error
