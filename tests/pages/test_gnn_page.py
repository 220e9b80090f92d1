"""The /gnn page as a student uses it: a graph on first load, training, message passing, bad edge lists."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.i18n import t
from tests.pages.conftest import APP


def open_gnn(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/gnn.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly charts by widget key (the key is the end of the element id)."""
    out = {}
    for chart in at.get("plotly_chart"):
        key = chart.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(chart.proto.spec)
    return out


def n_points(values) -> int:
    """Length of a figure's data array: a plain list, or plotly's typed array ``{"dtype", "bdata"}``."""
    if isinstance(values, dict):
        return len(np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]))
    return len(values)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_clean_and_shows_the_graph_before_any_click(lang):
    at = open_gnn(lang)
    assert at.title[0].value == t("page.gnn.title", lang)
    figs = charts(at)
    graph = figs["gnn.graph_fig"]
    nodes = [tr for tr in graph["data"] if tr.get("mode") == "markers+text"]
    assert len(nodes) == 1 and n_points(nodes[0]["x"]) == 34  # the karate club, every member drawn
    assert graph["layout"]["title"]["text"] == t("gnn.fig.graph", lang)
    assert t("gnn.graph.untrained", lang) in [c.value for c in at.caption]
    assert "gnn.hood" in figs and "gnn.sum" in figs  # message passing works untrained (a fresh layer)
    assert t("gnn.mp.layer_fresh", lang, d=4) in [c.value for c in at.caption]


def test_training_labels_the_club_and_explains_a_node():
    at = open_gnn("en")
    at.button(key="gnn.train_button").click().run()
    assert not at.exception and not at.error
    acc = float(at.metric[0].value.rstrip("%")) / 100
    assert acc >= 0.85
    assert at.metric[2].value == "2 / 34"
    figs = charts(at)
    assert {"gnn.graph_fig", "gnn.curves", "gnn.embeddings", "gnn.hood", "gnn.sum"} <= set(figs)
    assert len(figs["gnn.graph_fig"]["frames"]) == len(figs["gnn.embeddings"]["frames"]) == 41
    # the trained GCN's first layer is used, and PyG agrees with the hand computation
    captions = [c.value for c in at.caption]
    assert t("gnn.mp.layer_trained", "en", d=16) in captions
    oracle = next(c for c in captions if c.startswith(t("gnn.mp.oracle", "en", gap="")[:30]))
    assert float(oracle.rsplit(" ", 1)[-1].rstrip(").")) < 1e-4
    at.selectbox(key=next(k for k in at.session_state if str(k).startswith("gnn.mp.node."))).set_value(0).run()
    assert not at.exception
    rows = charts(at)["gnn.sum"]["data"][0]["y"]
    assert len(rows) == 17 + 2  # node 0, its 16 neighbours, bias, result


def test_gat_shows_attention_and_bars():
    at = open_gnn("es")
    at.radio(key="gnn.model").set_value("gat").run()
    at.number_input(key="gnn.epochs").set_value(50).run()
    at.button(key="gnn.train_button").click().run()
    assert not at.exception and not at.error
    figs = charts(at)
    assert "gnn.bars" in figs
    total = next(c.value for c in at.caption if c.value.startswith("Una GAT aprende"))
    assert "1.000" in total


def test_bad_edge_list_and_block_model_settings():
    at = open_gnn("es")
    at.selectbox(key="gnn.graph").set_value("custom").run()
    assert not at.error and "gnn.graph_fig" in charts(at)
    at.text_area(key="gnn.custom.edges").set_value("0 1\n1 2\n2 x\n").run()
    assert [e.value for e in at.error] == [t("gnn.error.not_a_node", "es", line=3, token="x")]
    assert "gnn.graph_fig" not in charts(at)
    at.text_area(key="gnn.custom.edges").set_value("0 1\n1 2\n2 2\n2 3\n").run()
    assert not at.error and len(at.warning) == 1  # the self-loop was dropped
    at.text_area(key="gnn.custom.labels.type").set_value("0,a\n1,a\n").run()  # nodes 2 and 3 have none
    assert at.error and "2, 3" in at.error[0].value
    at.selectbox(key="gnn.graph").set_value("sbm").run()
    at.number_input(key="gnn.sbm.blocks").set_value(4).run()
    assert not at.error and not at.exception
    nodes = [tr for tr in charts(at)["gnn.graph_fig"]["data"] if tr.get("mode", "").startswith("markers")]
    assert n_points(nodes[0]["x"]) == 100


def test_node_training_runs_through_the_shared_job_manager(monkeypatch):
    from playground.jobs import JobManager

    seen = []
    submit = JobManager.submit

    def recording(self, owner, run, label="", gpu=False):
        seen.append(submit(self, owner, run, label=label, gpu=gpu))
        return seen[-1]

    monkeypatch.setattr(JobManager, "submit", recording)
    at = open_gnn()
    at.number_input(key="gnn.epochs").set_value(20)
    at.button(key="gnn.train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [j.label for j in seen] == ["graph nodes"] and seen[0].status == "done"
    assert "gnn.result" in at.session_state and at.session_state["gnn.result"]["done"].history[-1]["epoch"] == 20

