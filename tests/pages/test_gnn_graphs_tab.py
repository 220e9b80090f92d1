"""The /gnn page's "whole graphs" tab: example shapes first, then a training, its results, a shared link."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP
from tests.pages.test_gnn_page import charts


def open_gnn(lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"lang": lang, **params})
    at.run()
    at.switch_page("pages/gnn.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def train(at: AppTest) -> AppTest:
    at.button(key="gc.train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_tab_shows_example_shapes_before_any_training():
    at = open_gnn("es")
    assert t("gc.tab", "es") in [tab.label for tab in at.tabs]
    gallery = charts(at)["gc.examples"]
    assert len(gallery["layout"]["annotations"]) == 10  # two graphs of each of the five shapes, titled
    assert t("gc.shape.wheel", "es") in gallery["layout"]["annotations"][-1]["text"]


def test_training_gin_shows_accuracy_confusion_vectors_and_puts_its_settings_in_the_link():
    at = open_gnn("en")
    at.radio(key="gc.model").set_value("gin")
    at.radio(key="gc.pool").set_value("sum")
    at.number_input(key="gc.epochs").set_value(15)
    at.number_input(key="gc.per_class").set_value(30)
    at = train(at)
    [metric] = [m for m in at.metric if m.label == t("gc.test_acc", "en")]
    assert float(metric.value.rstrip("%")) >= 80
    shown = charts(at)
    assert {"gc.curves", "gc.confusion", "gc.vectors"} <= set(shown)
    assert at.query_params["gc_model"] == "gin" and at.query_params["gc_epochs"] == "15"


def test_settings_that_see_no_difference_are_explained():
    at = open_gnn("en", gc_model="sage", gc_pool="mean", gc_features="constant", gc_epochs="3", gc_graphs="10")
    at = train(at)
    [metric] = [m for m in at.metric if m.label == t("gc.test_acc", "en")]
    assert metric.value == "20.0%"  # one answer for every graph: 1 in 5
    assert any(w.value == t("gc.same_vector", "en") for w in at.warning)


def test_the_training_runs_through_the_shared_job_manager(monkeypatch):
    from playground.jobs import JobManager

    seen = []
    submit = JobManager.submit

    def recording(self, owner, run, label="", gpu=False):
        job = submit(self, owner, run, label=label, gpu=gpu)
        seen.append(job)
        return job

    monkeypatch.setattr(JobManager, "submit", recording)
    at = open_gnn("en", gc_epochs="3", gc_graphs="10")
    at = train(at)
    assert [j.label for j in seen] == ["whole graphs"] and seen[0].status == "done"
    assert any(m.label == t("gc.test_acc", "en") for m in at.metric)
