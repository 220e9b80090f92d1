"""The /rnn page as a student uses it: series comparison, text models, hidden states and gradients."""
from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP


def open_rnn(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/rnn.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly charts by the end of their widget key, as parsed figure specs."""
    return {c.proto.id.split("-", 2)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def trace_types(fig: dict) -> list[str]:
    return [d.get("type") for d in fig["data"]]


def wait_for(at: AppTest, name: str, timeout: float = 120.0) -> AppTest:
    """Rerun while the job ``rnn.<name>`` runs (each run drains its events, as the fragment does)."""
    at.run()
    deadline = time.time() + timeout
    while at.session_state[f"rnn.{name}.job"] if f"rnn.{name}.job" in at.session_state else False:
        assert time.time() < deadline, "training did not finish"
        time.sleep(0.3)
        at.run()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_clean_with_heatmaps_and_gradients_on_first_load(lang):
    at = open_rnn(lang)
    assert at.title[0].value == t("page.rnn.title", lang)
    figs = charts(at)
    # Inside: the example LSTM's hidden state and its gates, without training anything first
    assert "heatmap" in trace_types(figs["rnn.inside.hidden_fig"])
    assert trace_types(figs["rnn.inside.gates_fig"]).count("heatmap") == 3
    assert t("rnn.gate.f", lang) in json.dumps(figs["rnn.inside.gates_fig"], ensure_ascii=False)
    grad = figs["rnn.grad.fig"]
    assert grad["layout"]["yaxis"]["type"] == "log" and len(grad["data"]) == 2
    # Time series: the example comparison of the three models, forecasts and the MSE table with the baseline
    assert len(figs["rnn.series.fig.demo"]["layout"]["annotations"]) >= 3  # one title per model panel
    table = at.dataframe[0].value
    assert t("rnn.model.naive", lang) in table.iloc[:, 0].tolist() and len(table) == 4


def test_gradient_controls_add_gru_and_change_the_lstm():
    at = open_rnn()
    before = charts(at)["rnn.grad.fig"]["data"][1]["y"]
    at.slider(key="rnn.grad.bias").set_value(0.0).run()
    at.checkbox(key="rnn.grad.gru").check().run()
    fig = charts(at)["rnn.grad.fig"]
    assert [d["name"] for d in fig["data"]] == ["Simple RNN", "LSTM", "GRU"]
    assert fig["data"][1]["y"] != before
    assert not at.exception and not at.error


def test_train_the_series_models_then_look_inside_them():
    at = open_rnn()
    at.number_input(key="rnn.series.epochs").set_value(3).run()
    at.multiselect(key="rnn.series.models").set_value(["rnn", "lstm"]).run()
    at.button(key="rnn.series.start").click()
    wait_for(at, "series")
    assert not at.error, [e.value for e in at.error]
    result = at.session_state["rnn.series.result"]
    assert set(result.mse) == {"naive", "rnn", "lstm"} and result.reason == "finished"
    figs = charts(at)
    assert "rnn.series.fig.own" in figs and "rnn.series.fig.demo" not in figs
    at.radio(key="rnn.inside.source").set_value("series").run()
    assert at.radio(key="rnn.inside.kind.own").value == "lstm"
    at.radio(key="rnn.inside.kind.own").set_value("rnn").run()
    assert "rnn.inside.gates_fig" not in charts(at)  # gates belong to the LSTM
    assert at.info[-1].value == t("rnn.inside.gates_lstm_only", "en")


def test_a_diverging_rate_is_explained_in_spanish():
    at = open_rnn("es")
    at.number_input(key="rnn.series.epochs").set_value(2).run()
    at.multiselect(key="rnn.series.models").set_value(["gru"]).run()
    at.select_slider(key="rnn.series.lr").set_value(10.0).run()
    at.button(key="rnn.series.start").click()
    wait_for(at, "series")
    errors = [e.value for e in at.error]
    assert errors and "GRU divergió" in errors[0] and "10" in errors[0]
    assert "rnn.series.fig.own" in charts(at)  # the last good weights are still drawn


def test_char_model_writes_and_shows_its_states():
    at = open_rnn()
    at.radio(key="rnn.text.part").set_value("lm").run()
    at.select_slider(key="rnn.lm.steps").set_value(100).run()
    at.selectbox(key="rnn.lm.hidden").set_value(32).run()
    at.button(key="rnn.lm.start").click()
    wait_for(at, "lm")
    assert not at.error, [e.value for e in at.error]
    assert at.code and len(at.code[0].value) > 200
    figs = charts(at)
    assert "rnn.lm.next_fig" in figs and "rnn.lm.loss_fig" in figs
    at.slider(key="rnn.lm.temperature").set_value(1.5).run()
    assert not at.exception and not at.error
    at.radio(key="rnn.inside.source").set_value("text").run()
    figs = charts(at)
    assert "heatmap" in trace_types(figs["rnn.inside.hidden_text_fig"])
    assert "rnn.inside.gates_text_fig" in figs
    at.text_input(key="rnn.inside.text").set_value("日本語").run()  # characters it never saw
    assert at.error[0].value == t("rnn.inside.no_chars", "en")


def test_too_short_text_is_an_error_not_a_traceback():
    at = open_rnn("es")
    at.radio(key="rnn.text.part").set_value("lm").run()
    at.text_area(key="rnn.lm.text.es").set_value("Hola, mundo.").run()
    at.button(key="rnn.lm.start").click()
    wait_for(at, "lm")
    assert at.error and "al menos 200" in at.error[0].value
    assert not at.exception


def test_sentiment_trains_and_reads_a_typed_sentence():
    at = open_rnn()
    at.radio(key="rnn.text.part").set_value("sentiment").run()
    at.number_input(key="rnn.sent.epochs").set_value(2).run()
    at.selectbox(key="rnn.sent.units").set_value(8).run()
    at.button(key="rnn.sent.start").click()
    wait_for(at, "sent")
    assert not at.error, [e.value for e in at.error]
    labels = [m.label for m in at.metric]
    assert t("rnn.sent.acc", "en") in labels and len(labels) == 3  # overall, Spanish, English
    assert "rnn.sent.words_fig" in charts(at)
    at.text_input(key="rnn.sent.try.en").set_value("?!").run()
    assert at.error[0].value == t("rnn.sent.no_words", "en")
