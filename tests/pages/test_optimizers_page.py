"""The /optimizers page as a student uses it: paths on loss surfaces, then backprop on a 2-2-1 network."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP


def open_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/optimizers.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _path_names(at: AppTest) -> list[str]:
    paths = _figures(at)[0]
    return [d.get("name", "") for d in paths["data"] if d.get("mode") == "lines"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_with_paths_losses_and_the_backprop_graph(lang):
    at = open_page(lang)
    assert at.title[0].value == t("page.optimizers.title", lang)
    figs = _figures(at)
    assert len(figs) == 3  # paths, loss per step, backprop graph
    assert len(_path_names(at)) == 6 and figs[0]["frames"]  # one path per optimizer, with play/step frames
    title = t("optimizers.fig.title", lang, surface=t("optimizers.surface.bowl", lang))
    assert title in json.dumps(figs[0], ensure_ascii=False)
    assert any(m.label == t("optimizers.bp.check", lang) and m.value == t("optimizers.bp.match", lang)
               for m in at.metric)
    assert not at.warning  # good rates on the bowl: nothing diverges


@pytest.mark.parametrize("lang", ["en", "es"])
def test_too_high_a_rate_is_shown_diverging(lang):
    at = open_page(lang)
    at.segmented_control(key="optimizers.paths.preset").set_value("high").run()
    assert not at.exception and not at.error
    warning = at.warning[0].value
    assert "SGD" in warning and "Nesterov" in warning
    assert any(t("optimizers.status.diverged", lang, step=31) in n for n in _path_names(at))


def test_surface_optimizers_and_custom_rates():
    at = open_page()
    at.selectbox(key="optimizers.paths.surface").set_value("rosenbrock").run()
    at.multiselect(key="optimizers.paths.chosen").set_value(["sgd", "adam"]).run()
    assert len(_path_names(at)) == 2
    at.segmented_control(key="optimizers.paths.preset").set_value("custom").run()
    at.select_slider(key="optimizers.paths.lr.rosenbrock.adam").set_value(0.001).run()
    assert any(n.startswith("Adam · lr 0.001") for n in _path_names(at))
    at.multiselect(key="optimizers.paths.chosen").set_value([]).run()
    assert at.info[0].value == t("optimizers.none_chosen", "en")
    assert not at.exception and not at.error


def test_backprop_inputs_activation_and_weights():
    at = open_page("es")
    at.selectbox(key="optimizers.bp.act").set_value("relu").run()
    at.number_input(key="optimizers.bp.x1").set_value(2.0).run()
    at.number_input(key="optimizers.bp.w11.0").set_value(-3.0).run()  # z1 < 0: a dead relu unit
    assert not at.exception and not at.error
    graph = json.dumps(_figures(at)[2], ensure_ascii=False)
    assert "w₁₁ = −3.000" in graph and "∂L/∂z₁ = 0.000" in graph
    assert any(m.value == t("optimizers.bp.match", "es") for m in at.metric)
    at.number_input(key="optimizers.bp.seed").set_value(4).run()
    assert at.number_input(key="optimizers.bp.w11.4").value != -3.0
