"""The /tensors page as a student uses it: grids on first load, both frameworks, explained mistakes."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from playground.tensor_ops import TensorProblem, run_op
from tests.pages.conftest import APP


def open_tensors(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/tensors.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_with_input_and_both_results(lang):
    at = open_tensors(lang)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("page.tensors.title", lang)
    titles = _titles(at)
    assert titles[0] == t("tensors.grid", lang, name="a", shape="(2, 3)", dtype="float32")
    assert titles.count(t("tensors.grid", lang, name="c", shape="(2, 3)", dtype="float32")) == 2  # PyTorch, TF
    assert [s.value for s in at.success] == [t("tensors.agree", lang)]
    assert any("torch.tensor(" in c.value for c in at.code) and any("tf.constant(" in c.value for c in at.code)


def test_matmul_mismatch_is_explained_then_fixed():
    at = open_tensors("es")
    at.radio(key="tensors.group").set_value("math").run()
    assert "c · (5, 5) · float32" in _titles(at)
    at.checkbox(key="tensors.matmul.transpose_b").set_value(False).run()
    assert not at.exception
    with pytest.raises(TensorProblem) as info:
        run_op("matmul", {"a": "5, 2", "b": "5, 2", "transpose_b": False})
    assert [e.value for e in at.error] == [info.value.message("es")]
    assert at.expander and at.expander[0].label == t("tensors.raw", "es")
    assert not at.get("plotly_chart")
    at.checkbox(key="tensors.matmul.transpose_a").set_value(True).run()  # aᵀ (2, 5) @ b (5, 2): fits
    assert not at.error and "c · (2, 2) · float32" in _titles(at)


def test_broadcasting_is_drawn():
    at = open_tensors("en")
    at.radio(key="tensors.group").set_value("math").run()
    at.radio(key="tensors.op.math").set_value("elementwise").run()
    assert t("tensors.broadcast.title", "en", name="b", shape="(3,)", target="(2, 3)") in _titles(at)
    assert any(i.value == t("tensors.broadcast.rule", "en") for i in at.info)
    at.text_input(key="tensors.elementwise.b").set_value("4").run()
    assert at.error[0].value.startswith(t("tensors.err.broadcast", "en", a="(2, 3)", b="(4,)", axis=-1, da=3, db=4))


def test_bad_shape_text_and_split_pieces():
    at = open_tensors("en")
    at.radio(key="tensors.group").set_value("combine").run()
    titles = _titles(at)
    assert sum(title.startswith("parts[") for title in titles) == 6  # 3 pieces, in each framework
    at.text_input(key="tensors.split.shape").set_value("2, x").run()
    assert at.error[0].value == t("tensors.err.ints_text", "en", param="shape", text="2, x")


def test_without_tensorflow_the_page_still_works(monkeypatch):
    import playground.device
    from pages._tensor_widgets import tensorflow_module

    def broken():
        raise ImportError("no TensorFlow here")

    monkeypatch.setattr(playground.device, "configure_tensorflow", broken)
    tensorflow_module.clear()
    try:
        at = open_tensors("en")
        assert not at.error
        assert any("no TensorFlow here" in w.value for w in at.warning)
        assert len(at.get("plotly_chart")) == 2  # the input and the PyTorch result
    finally:
        tensorflow_module.clear()
