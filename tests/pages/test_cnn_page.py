"""The /cnn page as a student uses it: convolution by hand, then filters and feature maps of a network."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from playground.builders import build_torch
from playground.i18n import t
from playground.presets import PRESETS
from tests.pages.conftest import APP


def open_cnn(lang: str = "en", trained: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    if trained is not None:
        at.session_state["train.model"] = trained
    at.run()
    at.switch_page("pages/cnn.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _size_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "⌊" in m.value]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_clean_without_a_trained_model(lang):
    at = open_cnn(lang)
    assert at.title[0].value == t("page.cnn.title", lang)
    assert "train.model" not in at.session_state
    # Without a model of its own the page falls back to the shipped digit model, or says where to train one.
    shipped = at.session_state["cnn.shipped"] is not None
    infos = [i.value for i in at.info]
    assert shipped or t("cnn.model.none", lang) in infos
    assert _size_texts(at)[0].endswith("**12**")  # 14x14 digit, 3x3 kernel, valid, stride 1


def test_changing_stride_and_padding_updates_the_output_size():
    at = open_cnn()
    at.number_input(key="cnn.conv.stride").set_value(2).run()
    assert _size_texts(at)[0].endswith("= ⌊11 / 2⌋ + 1 = **6**")
    at.radio(key="cnn.conv.padding").set_value("zero").run()
    at.number_input(key="cnn.conv.p").set_value(2).run()
    assert _size_texts(at)[0].endswith("⌊(14 − 3 + 2·2) / 2⌋ + 1 = ⌊15 / 2⌋ + 1 = **8**")
    at.selectbox(key="cnn.conv.kernel").set_value("sobel_y").run()
    at.radio(key="cnn.conv.source").set_value("matrix").run()
    assert _size_texts(at)[0].endswith("⌊(8 − 3 + 2·2) / 2⌋ + 1 = ⌊9 / 2⌋ + 1 = **5**")
    # pooling of that 5x5 map with a 3x3 window, stride 3: one output cell
    at.selectbox(key="cnn.conv.pool.size").set_value(3).run()
    assert _size_texts(at)[1].endswith("**1**")
    assert not at.exception and not at.error


def test_custom_kernel_and_cell_arithmetic():
    at = open_cnn("es")
    at.selectbox(key="cnn.conv.kernel").set_value("custom").run()
    at.number_input(key="cnn.conv.conv.row12").set_value(5).run()
    at.number_input(key="cnn.conv.conv.col12").set_value(1).run()
    assert not at.exception and not at.error
    assert any("Celda (5, 1)" in (getattr(c.proto, "spec", "") or "") for c in at.get("plotly_chart"))


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("preset", ["lenet5", "simple_cnn_bn_gap"])
def test_trained_model_shows_filters_and_feature_maps(preset, lang):
    spec = PRESETS[preset].model_spec()
    model = build_torch(spec).eval()
    trained = {"model": model, "backend": "torch", "spec": spec.to_dict(), "dataset": PRESETS[preset].dataset,
               "run": 1}
    at = open_cnn(lang, trained)
    assert at.radio(key="cnn.model").value == "build"
    assert at.selectbox(key="cnn.net.filters_layer").value == 0
    assert at.selectbox(key="cnn.net.maps_layer") is not None
    assert any(m.label == t("cnn.maps.dead", lang) for m in at.metric)
    at.selectbox(key="cnn.net.filters_layer").set_value(1).run()  # a deeper layer: one input channel at a time
    at.selectbox(key="cnn.net.filters_in").set_value(2).run()
    at.selectbox(key="cnn.net.maps_layer").set_value(2).run()
    at.number_input(key="cnn.index.mnist" if preset == "lenet5" else "cnn.index.shapes").set_value(3).run()
    assert not at.exception and not at.error
    assert sum(len(m._forward_hooks) for m in model.modules()) == 0


def test_keras_model_is_explained_not_an_error():
    spec = PRESETS["keras_mnist_cnn"].model_spec()
    at = open_cnn("en", {"model": object(), "backend": "keras", "spec": spec.to_dict(), "dataset": "mnist",
                         "run": 1})
    assert any(t("cnn.model.keras", "en") in c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_without_any_conv_model_the_page_says_where_to_train_one(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.session_state["cnn.shipped"] = None  # as if assets/models/digits_cnn.safetensors were missing
    at.run()
    at.switch_page("pages/cnn.py").run()
    assert not at.exception and not at.error
    assert t("cnn.model.none", lang) in [i.value for i in at.info]
    assert "cnn.net.filters_layer" not in at.session_state
