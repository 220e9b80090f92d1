"""Keyed widgets are sent to the browser with their current value as default (pages/_ui.keep_widget_values).

In the 30-student load test the browser sometimes mounted a widget again and took the *default* Streamlit sent
with it as the student's value: a Dense layer's units fell back to 1 and the epochs to 5. These tests read the
element Streamlit sends (its protobuf) after a student's change: its default must be what the student chose.
"""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from playground.spec import ModelSpec, encode_spec
from playground.training import OPTIMIZERS
from tests.pages.conftest import APP

SPEC = ModelSpec.from_dict({"input_shape": [2], "layers": [
    {"type": "dense", "units": 6, "activation": "tanh"}, {"type": "dense", "units": 2, "activation": "linear"}]})


def open_build() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lang": "en", "dataset": "xor", "epochs": "2", "spec": encode_spec(SPEC)})
    at.run()
    at.switch_page("pages/build.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def units_inputs(at: AppTest):
    return [w for w in at.number_input if w.key and w.key.endswith(".units")]


def test_a_changed_number_is_the_default_sent_with_the_widget():
    at = open_build()
    first = units_inputs(at)[0]
    assert first.value == 6 and first.proto.default == 6  # the link's value, not the minimum (1)
    first.set_value(9).run()
    first = units_inputs(at)[0]
    assert first.value == 9 and first.proto.default == 9
    epochs = at.number_input(key="train.epochs")
    assert epochs.value == 2 and epochs.proto.default == 2  # from the link; the widget's own default is 5


def test_a_changed_choice_is_the_default_sent_with_the_widget():
    at = open_build()
    optimizer = at.selectbox(key="train.optimizer")
    optimizer.select("sgd").run()
    optimizer = at.selectbox(key="train.optimizer")
    assert optimizer.value == "sgd"
    assert optimizer.proto.default == OPTIMIZERS.index("sgd") != OPTIMIZERS.index("adam")


def test_a_value_outside_todays_range_is_left_to_streamlit():
    from pages._ui import _fits

    assert _fits(3, {"min_value": 1, "max_value": 5})
    assert not _fits(9, {"min_value": 1, "max_value": 5})
    assert _fits(("a", "c"), {"options": ["a", "b", "c"]})
    assert not _fits("z", {"options": ["a", "b"]})
