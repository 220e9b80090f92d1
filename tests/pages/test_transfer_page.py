"""The /transfer page as a student uses it: the frozen/trainable grid, the samples, the three-way comparison."""
from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP


def open_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/transfer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _train(at: AppTest) -> AppTest:
    at.button(key="transfer.start").click().run()
    for _ in range(240):  # the job runs in a thread; each rerun drains its events
        if "transfer.job" not in at.session_state:
            break
        time.sleep(0.25)
        at.run()
    return at


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_with_the_freeze_grid_and_samples(lang):
    at = open_page(lang)
    assert at.title[0].value == t("page.transfer.title", lang)
    figs = _figures(at)
    assert len(figs) == 2  # layers x strategies grid, labelled samples
    grid = figs[0]["data"][0]
    assert grid["y"] == ["conv1", "conv2", "dense1", "dense2"]
    assert grid["x"] == [t(f"transfer.strategy.{s}", lang) for s in ("scratch", "feature", "finetune")]
    assert [m.value for m in at.metric] == ["105,541", "100,741", "105,381"]
    assert t("transfer.not_trained", lang) in [i.value for i in at.info]
    assert t("transfer.imagenet.absent", lang) in [i.value for i in at.info]  # no ImageNet weights here


def test_unfreezing_both_conv_layers_trains_everything():
    at = open_page()
    at.radio(key="transfer.cfg.unfreeze").set_value(2).run()
    assert at.metric[2].value == "105,541"
    assert not at.exception and not at.error


def test_training_compares_the_three_strategies():
    at = open_page("es")
    at.number_input(key="transfer.cfg.epochs").set_value(3).run()
    at.select_slider(key="transfer.cfg.per_class").set_value(3).run()
    _train(at)
    assert not at.exception and not at.error
    result = at.session_state["transfer.result"]
    assert result["done"] and set(result["accuracies"]) == {"scratch", "feature", "finetune"}
    assert len(_figures(at)) == 4  # grid, samples, curves, final accuracies
    assert all(len(h) == 3 for h in result["history"].values())


def test_shapes_target_and_a_broken_run_shows_an_error(monkeypatch):
    at = open_page()
    at.radio(key="transfer.cfg.target").set_value("shapes").run()
    assert _figures(at)[0]["data"][0]["text"][3][0].endswith("260")  # a 4-class head: 64·4 + 4 parameters
    at.number_input(key="transfer.cfg.epochs").set_value(1).run()
    from playground import transfer

    def explode(*args, **kwargs):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(transfer, "compare", explode)
    _train(at)
    assert not at.exception
    assert any("boom" in e.value for e in at.error)
