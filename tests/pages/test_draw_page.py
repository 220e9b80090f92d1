"""The Draw page in AppTest: opens clean in both languages; an empty canvas gives a hint, no prediction."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP


def open_draw(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/draw.py").run()
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_empty_canvas_shows_the_hint_and_no_prediction(lang):
    at = open_draw(lang)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("page.draw.title", lang)
    assert [i.value for i in at.info] == [t("draw.empty", lang)]
    prefix = t("draw.prediction", lang, digit="").strip()
    assert not any(s.value.startswith(prefix) for s in at.subheader)
    assert not at.warning


def test_a_digit_model_trained_on_build_is_offered_and_others_are_not():
    from playground.builders import build_torch
    from playground.presets import PRESETS

    spec = PRESETS["lenet5"].model_spec()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    at.session_state["train.model"] = {"model": build_torch(spec), "backend": "torch", "spec": spec.to_dict(),
                                       "dataset": "mnist", "run": 1}
    at.switch_page("pages/draw.py").run()
    assert not at.exception and not at.error
    assert [r.label for r in at.radio] == [t("draw.model", "en")]
    assert at.radio[0].options == [t("draw.model.shipped", "en"), t("draw.model.student", "en")]

    other = PRESETS["simple_cnn_bn_gap"].model_spec()  # 3x32x32 input: not a digit model
    at.session_state["train.model"] = {"model": build_torch(other), "backend": "torch", "spec": other.to_dict(),
                                       "dataset": "cifar10", "run": 2}
    at.run()
    assert not at.exception and not at.radio
