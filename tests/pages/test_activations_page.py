"""The /activations page as a student uses it: four figures on first load, the perceptron, softmax, and a
small network trained live whose dead-unit count matches the core's."""
from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from playground.activations import dead_units
from playground.i18n import t
from tests.pages.conftest import APP

NET = "activations.net"


def open_activations(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/activations.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _titles(at: AppTest) -> list[str]:
    out = []
    for chart in at.get("plotly_chart"):
        title = json.loads(chart.proto.spec)["layout"].get("title", {})
        out.append(title.get("text", "") if isinstance(title, dict) else str(title))
    return out


def _wait(at: AppTest, limit: float = 90) -> None:
    end = time.monotonic() + limit
    while at.session_state[NET]["status"] == "running" and time.monotonic() < end:
        time.sleep(0.3)
        at.run()  # each run drains the job's events, as the page's fragment does every 0.5 s
    at.run()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_with_every_figure(lang):
    at = open_activations(lang)
    assert not at.error, [e.value for e in at.error]
    titles = _titles(at)
    relu = t("activations.name.relu", lang)
    assert t("activations.fig.title", lang, name=relu) in titles  # f and f'
    assert t("activations.p.fig", lang) in titles and t("activations.p.curve", lang) in titles
    assert t("activations.train.fig", lang, epoch=0, act=relu) in titles  # the initial decision boundary
    assert "" in titles  # the softmax bars (subplot titles only)
    assert len(titles) == 5
    assert at.session_state[NET]["status"] == "initial"
    labels = [m.label for m in at.metric]
    assert t("activations.dead.layer", lang, i=1) in labels and t("activations.dead.layer", lang, i=2) in labels


def test_alpha_slider_and_a_saturated_perceptron():
    at = open_activations("en")
    at.selectbox(key="activations.name").set_value("leaky_relu").run()
    assert at.slider(key="activations.alpha.leaky_relu").value == 0.01
    at.slider(key="activations.alpha.leaky_relu").set_value(0.3).run()
    assert at.session_state[NET]["cfg"]["alpha"] == 0.3
    assert not at.warning
    at.selectbox(key="activations.name").set_value("sigmoid").run()
    at.slider(key="activations.p.x1").set_value(2.0).run()
    at.slider(key="activations.p.w1").set_value(2.0).run()  # z = 4 - 0.2 - 0.3 + 0.1 = 3.6: sigmoid is flat there
    assert not at.exception and not at.error
    assert any(w.value.startswith(t("activations.p.saturated", "en", slope="")[:20]) for w in at.warning)
    assert any("3.60" in m.value for m in at.markdown)


def test_softmax_temperature_and_bad_logits():
    at = open_activations("es")
    entropy = t("activations.softmax.entropy", "es")

    def bits() -> float:
        return float(next(m.value for m in at.metric if m.label == entropy))

    at.slider(key="activations.softmax.t").set_value(0.2).run()
    cold = bits()
    at.slider(key="activations.softmax.t").set_value(5.0).run()
    assert bits() > cold
    at.text_input(key="activations.softmax.z").set_value("1, dos").run()
    assert [e.value for e in at.error] == [t("activations.softmax.bad", "es", text="1, dos")]


def test_train_live_then_the_dead_count_matches_the_core():
    at = open_activations("en")
    at.number_input(key="activations.train.epochs").set_value(10).run()
    at.button(key="activations.train.start").click().run()
    assert at.session_state[NET]["status"] == "running"
    _wait(at)
    net = at.session_state[NET]
    assert net["status"] == "finished" and len(net["history"]) == 10
    assert not at.exception and not at.error
    from playground.data import load_dataset

    data = load_dataset("circle")
    counts = dead_units(net["model"], data.x_train, 2)
    shown = [m.value for m in at.metric if m.label.startswith("Layer")]
    assert shown == [f"{d} / {n}" for d, n in counts]
    assert t("activations.train.fig", "en", epoch=10, act="ReLU") in _titles(at)


def test_stop_keeps_what_was_trained():
    at = open_activations("en")
    at.number_input(key="activations.train.epochs").set_value(500).run()
    at.button(key="activations.train.start").click().run()
    at.button(key="activations.train.stop").click().run()
    _wait(at)
    net = at.session_state[NET]
    assert net["status"] == "stopped" and net["model"] is not None
    assert not at.exception and not at.error
    assert "activations.job" not in at.session_state
    assert t("activations.train.status.stopped", "en") in [m.value for m in at.markdown]


def test_a_diverged_run_is_an_error_message_not_a_traceback(monkeypatch):
    import pages._activation_widgets as widgets
    from playground.training import ErrorEvent

    def diverging(spec, data, config, stop, model=None):
        yield ErrorEvent("train.diverged", {"loss": "nan", "start": "0.69", "lr": "3"}, model, ())

    monkeypatch.setattr(widgets, "train", diverging)
    at = open_activations("es")
    at.button(key="activations.train.start").click().run()
    _wait(at)
    assert [e.value for e in at.error] == [t("train.diverged", "es", loss="nan", start="0.69", lr="3")]
    assert at.session_state[NET]["model"] is not None and len(at.get("plotly_chart")) == 5
