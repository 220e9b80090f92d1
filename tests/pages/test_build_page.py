"""The Build page as a student uses it: presets, adding layers, impossible edits, share links."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from playground.presets import PRESETS
from playground.spec import ModelSpec, decode_spec, encode_spec
from tests.pages.conftest import APP


def open_build(lang: str = "en", spec: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    if spec:
        at.query_params["spec"] = spec
    at.run()
    at.switch_page("pages/build.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def url_spec(at: AppTest) -> ModelSpec:
    value = at.query_params["spec"]
    return decode_spec(value if isinstance(value, str) else value[0])


def trainable(at: AppTest) -> str:
    return at.metric[0].value


def n_rows(at: AppTest) -> int:
    return len(at.dataframe[0].value)


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def test_default_model_is_the_notes_mnist_cnn():
    at = open_build()
    assert trainable(at) == "347,146"
    assert n_rows(at) == 5
    assert ModelSpec.from_dict(PRESETS["keras_mnist_cnn"].spec) == url_spec(at)


def test_choosing_a_preset_changes_the_summary():
    at = open_build()
    at.selectbox(key="build.preset").select("lenet5").run()
    assert trainable(at) == "61,706"
    assert n_rows(at) == 8


def test_adding_a_layer_updates_the_summary():
    at = open_build()
    at.selectbox(key="build.add_type").select("dense")
    at.number_input(key="build.add_pos").set_value(5)  # before the output layer
    at = click(at, "Add layer")
    assert n_rows(at) == 6
    # flatten 5408 -> 64 -> (new) 64 -> 10: adds 64*64+64 = 4,160 parameters
    assert trainable(at) == f"{347_146 + 4_160:,}"
    assert not at.error


def test_editing_a_parameter_updates_the_summary():
    at = open_build()
    [filters] = [w for w in at.number_input if w.key.endswith(".filters")]
    filters.set_value(8).run()
    # conv 1->8 (80) + dense 8*13*13*64+64 + 650
    assert trainable(at) == f"{80 + 8 * 13 * 13 * 64 + 64 + 650:,}"


def test_impossible_edit_shows_an_error_and_keeps_the_last_model():
    at = open_build()
    at.selectbox(key="build.add_type").select("conv2d")
    at.number_input(key="build.add_pos").set_value(4)  # after flatten: a conv on a vector
    at = click(at, "Add layer")
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Layer 4 (conv2d):")
    assert "flatten" in at.error[0].value
    assert trainable(at) == "347,146"  # the last valid model stays
    assert n_rows(at) == 5


def test_errors_come_in_spanish():
    small = ModelSpec.from_dict({"input_shape": [1, 8, 8], "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3}, {"type": "flatten"}, {"type": "dense", "units": 10}]})
    at = open_build("es", spec=encode_spec(small))
    [kernel] = [w for w in at.number_input if w.key.endswith(".kernel_size")]
    kernel.set_value(11).run()
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Capa 1 (conv2d): el kernel 11×11 es más grande que su entrada de 8×8")


def test_dataset_choice_sets_input_and_output():
    at = open_build()
    at.selectbox(key="build.preset").select("simple_cnn_bn_gap").run()
    at.selectbox(key="build.dataset").select("shapes").run()
    spec = url_spec(at)
    assert spec.input_shape == (3, 32, 32)
    assert spec.layers[-1].params["units"] == 4


def test_share_link_reopens_the_same_network():
    lstm = ModelSpec.from_dict(PRESETS["sentiment_bilstm"].spec)
    at = open_build(spec=encode_spec(lstm))
    assert trainable(at) == "3,648,001"
    assert any("3,643,905" in i.value for i in at.info)  # the Keras count and why it differs


def test_damaged_share_link_is_explained():
    at = open_build(spec="not-a-real-spec")
    assert len(at.error) == 1 and "damaged" in at.error[0].value
    assert trainable(at) == "347,146"


def test_removing_and_moving_layers():
    at = open_build()
    remove = [b for b in at.button if b.key and b.key.endswith(".remove")]
    remove[1].click().run()  # drop the max-pooling layer
    assert n_rows(at) == 4
    assert trainable(at) == f"{320 + 32 * 26 * 26 * 64 + 64 + 650:,}"
    up = [b for b in at.button if b.key and b.key.endswith(".up")]
    up[1].click().run()  # flatten above the conv: a conv on a vector is impossible
    assert len(at.error) == 1 and at.error[0].value.startswith("Layer 2 (conv2d)")
