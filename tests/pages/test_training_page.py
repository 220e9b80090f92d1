"""Training on the Build page, as a student does it: pick a 2-D toy set, Train, watch, compare runs."""
from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from playground.spec import ModelSpec, encode_spec
from tests.pages.conftest import APP

MLP = ModelSpec.from_dict({"input_shape": [2], "layers": [
    {"type": "dense", "units": 8, "activation": "tanh"}, {"type": "dense", "units": 2, "activation": "linear"}]})


def open_with_xor(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.query_params["spec"] = encode_spec(MLP)
    at.run()
    at.switch_page("pages/build.py").run()
    at.selectbox(key="build.dataset").set_value("xor").run()
    assert not at.exception and not at.error
    return at


def train_until_done(at: AppTest, timeout: float = 90.0) -> AppTest:
    [button] = [b for b in at.button if b.label in ("Train", "Entrenar")]
    button.click().run()
    end = time.monotonic() + timeout
    while at.session_state["train.run"]["status"] in ("queued", "running") and time.monotonic() < end:
        time.sleep(0.3)
        at.run()  # each run drains the job's events, as the page's fragment does every 0.5 s
    at.run()
    return at


def test_short_training_shows_curves_and_results():
    at = open_with_xor()
    at.number_input(key="train.epochs").set_value(4).run()
    at = train_until_done(at)
    run = at.session_state["train.run"]
    assert run["status"] == "finished", run.get("error")
    assert len(run["history"]) == 4 and run["step"] == run["total_steps"]
    # The progress bar says how the run ended instead of a stale time estimate.
    assert f"Finished: {run['step']} of {run['total_steps']} steps" in [p.proto.text for p in at.get("progress")]
    assert not at.exception and not at.error
    assert any("Results of run #1" in s.value for s in at.subheader)
    assert at.metric and at.metric[-1].label == "Test accuracy"
    assert len(at.get("plotly_chart")) >= 5  # shape flow, curves, lr, step loss, confusion, per class, boundary


def test_diverging_run_is_explained_in_spanish_and_the_model_kept():
    at = open_with_xor("es")
    at.select_slider(key="train.lr").set_value(1e6).run()
    at.selectbox(key="train.optimizer").set_value("sgd").run()
    at = train_until_done(at)
    assert at.session_state["train.run"]["status"] == "error"
    assert any("divergió" in e.value for e in at.error)
    assert not at.exception
    assert "train.model" in at.session_state  # the best weights so far stay usable


def test_two_runs_are_compared():
    at = open_with_xor()
    at.number_input(key="train.epochs").set_value(2).run()
    at = train_until_done(at)
    at.select_slider(key="train.lr").set_value(0.1).run()
    at = train_until_done(at)
    assert [r["config"]["lr"] for r in at.session_state["train.runs"]] == [1e-3, 0.1]
    assert any("Runs of this session" in s.value for s in at.subheader)
    assert len(at.dataframe[-1].value) == 2
