"""Teacher links and shared links on the Build page, and the teacher's limits, as AppTest sees them."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from playground.share import read_state
from playground.spec import ModelSpec, encode_spec
from tests.pages.conftest import APP

MLP = ModelSpec.from_dict({"input_shape": [2], "layers": [
    {"type": "dense", "units": 8, "activation": "tanh"}, {"type": "dense", "units": 2, "activation": "linear"}]})


def query(at: AppTest) -> dict[str, str]:
    """The page's query string as the browser has it (AppTest keeps some values as one-item lists)."""
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def open_build(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/build.py").run()
    assert not at.exception
    return at


def test_teacher_link_sets_locks_and_hides():
    at = open_build(lang="en", spec=encode_spec(MLP), dataset="xor", epochs="3", lr="0.03", optimizer="sgd",
                    lock="layers,epochs,dataset", hide="code,regularisation")
    assert at.selectbox(key="build.dataset").value == "xor" and at.selectbox(key="build.dataset").disabled
    epochs = at.number_input(key="train.epochs")
    assert epochs.value == 3 and epochs.disabled
    assert at.select_slider(key="train.lr").value == 0.03 and not at.select_slider(key="train.lr").disabled
    assert at.selectbox(key="train.optimizer").value == "sgd"
    assert not [b for b in at.button if b.label == "Add layer"]  # the layer stack is read-only
    assert all(w.disabled for w in at.number_input if w.key and w.key.startswith("layer."))
    assert "Export" not in [h.value for h in at.header]  # code export hidden
    assert not [e for e in at.expander if "Regularisation" in e.label]
    assert any("Your teacher prepared this page" in i.value for i in at.info)
    # The page keeps the teacher's lists in the URL, so a reload is still locked.
    assert query(at)["lock"] == "dataset,epochs,layers" and query(at)["hide"] == "code,regularisation"


def test_plain_link_round_trips_the_hyperparameters():
    at = open_build(lang="es")
    at.select_slider(key="train.lr").set_value(0.01).run()
    at.selectbox(key="train.optimizer").set_value("rmsprop").run()
    state = read_state(query(at))
    assert state.values["train.lr"] == 0.01 and state.values["train.optimizer"] == "rmsprop"
    assert not state.locked and not state.hidden
    again = open_build(**query(at))
    assert again.select_slider(key="train.lr").value == 0.01
    assert again.selectbox(key="train.optimizer").value == "rmsprop"
    assert not again.number_input(key="train.epochs").disabled


def test_a_mistyped_link_still_opens_and_says_what_was_ignored():
    at = open_build(lang="es", epochs="many", optimizer="adamax", hide="everything")
    assert not at.error
    [warning] = [w for w in at.warning if "enlace" in w.value]
    assert "epochs=many" in warning.value and "optimizer=adamax" in warning.value and "hide=everything" in warning.value


@pytest.fixture
def teacher_env(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_EPOCHS", "4")
    monkeypatch.setenv("PLAYGROUND_MAX_SAMPLES", "100")


def test_teachers_limits_cap_epochs_and_samples(teacher_env):
    at = open_build(lang="en", spec=encode_spec(MLP), dataset="xor", epochs="50")
    epochs = at.number_input(key="train.epochs")
    assert epochs.value == 4 and epochs.max == 4  # the link asked for 50
    assert any("limits each run to 100 of the" in c.value for c in at.caption)
    [button] = [b for b in at.button if b.label == "Train"]
    button.click().run()
    import time

    end = time.monotonic() + 60
    while at.session_state["train.run"]["status"] in ("queued", "running") and time.monotonic() < end:
        time.sleep(0.3)
        at.run()
    run = at.session_state["train.run"]
    assert run["status"] == "finished" and len(run["history"]) == 4
    assert run["total_steps"] == 4 * 2  # 100 samples in batches of 64: two steps per epoch


def test_a_link_with_only_a_dataset_fits_the_default_network_to_it():
    at = open_build(lang="en", dataset="xor")
    assert at.session_state["build.input_shape"] == [2]
    assert not at.error


def test_cnn_page_settings_travel_in_the_link():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.query_params["kernel"] = "sobel_x"
    at.query_params["stride"] = "2"
    at.run()
    at.switch_page("pages/cnn.py").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="cnn.conv.kernel").value == "sobel_x"
    assert at.number_input(key="cnn.conv.stride").value == 2
    at.number_input(key="cnn.conv.stride").set_value(3).run()
    assert query(at)["stride"] == "3" and query(at)["kernel"] == "sobel_x"
    assert any("stride=3" in c.value for c in at.get("code"))  # the share popover shows the link


def test_draw_page_bad_method_in_link_is_named():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "es"
    at.query_params["method"] = "magic"
    at.run()
    at.switch_page("pages/draw.py").run()
    assert not at.exception
    assert any("method=magic" in w.value for w in at.warning)
    assert query(at).get("method") != "magic"  # named once, then gone from the address bar
