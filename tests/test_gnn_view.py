"""What the /gnn page computes without Streamlit: graph options (typed edge lists, good and broken), the
live training loop's redraws, the last run's lookup, the embedding figure's texts, and one node's message."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from playground.gnn import GNNConfig, GNNError, GraphDone, fit
from playground.gnn_view import (
    EXAMPLE,
    EXAMPLE_LABELS,
    HIDDEN,
    LRS,
    SBM_MAX_SIZE,
    attention,
    class_counts,
    custom_options,
    default_node,
    embedding_view,
    load,
    node_message,
    redraw_every,
    result_for,
    sbm_options,
    signature,
    snapshot_preds,
    train_live,
    worked_example,
)
from playground.graphs import MAX_NODES, GraphError, load_graph
from playground.i18n import t


def tr(key: str, **kwargs) -> str:
    return t(key, "en", **kwargs)


@pytest.fixture(scope="module")
def karate():
    return load_graph("karate")


@pytest.fixture(scope="module")
def gcn(karate) -> GraphDone:
    return fit(karate, GNNConfig(model="gcn", epochs=60, threads=1))


@pytest.fixture(scope="module")
def gat(karate) -> GraphDone:
    return fit(karate, GNNConfig(model="gat", heads=3, epochs=30, threads=1))


# ---------------------------------------------------------------- 1. the graph


def test_the_options_the_widgets_offer():
    assert 6 * SBM_MAX_SIZE <= MAX_NODES < 6 * (SBM_MAX_SIZE + 1)  # six blocks of the largest size still fit
    assert list(HIDDEN) == sorted(HIDDEN) and 16 in HIDDEN and list(LRS) == sorted(LRS) and 0.01 in LRS


def test_block_model_options_load_the_blocks_asked_for():
    options = sbm_options(3, 25, 0.3, 0.02, 4)
    assert options == (("sizes", (25, 25, 25)), ("p_in", 0.3), ("p_out", 0.02), ("seed", 4))
    graph, pos = load("sbm", options)
    assert graph.n == 75 and graph.classes == ["B1", "B2", "B3"] and pos.shape == (75, 2)
    assert class_counts(graph) == "B1: 25, B2: 25, B3: 25"
    inside = sum(graph.labels[a] == graph.labels[b] for a, b in graph.g.edges())
    assert inside > graph.g.number_of_edges() - inside  # p_in 0.3 against p_out 0.02: mostly within blocks


def test_the_example_edge_list_gives_two_triangles_as_two_communities():
    graph, pos = load("custom", custom_options(EXAMPLE, EXAMPLE_LABELS))
    assert graph.n == 6 and graph.g.number_of_edges() == 7 and not graph.warnings and pos.shape == (6, 2)
    assert graph.label_source == "gnn.labels.communities" and graph.classes == ["C1", "C2"]
    y = graph.labels
    assert y[0] == y[1] == y[2] != y[3] == y[4] == y[5]  # the bridge 2–3 is cut
    assert class_counts(graph) == "C1: 3, C2: 3"


def test_an_edge_list_with_its_own_classes_and_a_dropped_self_loop():
    text = "source,target\n10 11\n11 12\n12 12  # a loop\n12 13\n13 10\n"
    graph, _ = load("custom", custom_options(text, "10,red\n11,red\n12,blue\n13,blue\n"))
    assert graph.names == ["10", "11", "12", "13"] and graph.classes == ["red", "blue"]
    assert graph.label_source == "gnn.labels.custom_given" and class_counts(graph) == "red: 2, blue: 2"
    assert graph.warnings == [("gnn.warn.self_loops", {"n": 1})] and graph.g.number_of_edges() == 4


@pytest.mark.parametrize("text, labels, key, kwargs", [
    ("0 1\n1 2\n2 x\n", "", "gnn.error.not_a_node", {"line": 3, "token": "x"}),
    ("0 1\n1\n", "", "gnn.error.one_node", {"line": 2}),
    ("0 1 2\n", "", "gnn.error.too_many_tokens", {"line": 1, "n": 3}),
    ("  \n\t\n", "", "gnn.error.empty", {}),
    ("# only a comment\n", "", "gnn.error.no_edges", {}),
    ("3 3\n", "", "gnn.error.no_edges", {}),  # a self-loop is dropped: nothing left
    ("0 1\n1 2\n2 3\n", "0,a\n1,a\n", "gnn.error.label_missing", {"n": 2, "nodes": "2, 3"}),
])
def test_broken_edge_lists_say_what_is_wrong(text, labels, key, kwargs):
    with pytest.raises(GraphError) as err:
        load("custom", custom_options(text, labels))
    assert err.value.key == key and all(err.value.kwargs[k] == v for k, v in kwargs.items())


def test_signature_names_a_graph_and_its_options():
    a = signature("custom", custom_options(EXAMPLE, ""))
    assert re.fullmatch(r"custom:[0-9a-f]{12}", a)
    assert a == signature("custom", custom_options(EXAMPLE, ""))
    assert a != signature("custom", custom_options(EXAMPLE + "5 6\n", ""))
    assert a != signature("custom", custom_options(EXAMPLE, "0,a"))
    assert signature("sbm", sbm_options(3, 25, 0.3, 0.02, 0)) != signature("sbm", sbm_options(3, 25, 0.3, 0.02, 1))
    assert signature("karate", ()).startswith("karate:")


# ---------------------------------------------------------------- 2. training


@pytest.mark.parametrize("epochs, every", [(200, 25), (50, 6), (16, 2), (15, 1), (1, 1)])
def test_redraw_about_eight_times_a_run(epochs, every):
    assert redraw_every(epochs) == every


def test_train_live_redraws_every_nth_epoch_and_returns_the_run(karate):
    seen = []
    done = train_live(karate, GNNConfig(epochs=40, threads=1), seen.append)
    assert isinstance(done, GraphDone) and [h["epoch"] for h in done.history] == list(range(1, 41))
    assert [e.epoch for e in seen] == [0, 5, 10, 15, 20, 25, 30, 35, 40]
    assert all(e.pred.shape == (34,) for e in seen)
    np.testing.assert_array_equal(seen[-1].pred, done.snapshots[-1].pred)  # the last redraw is the result


def test_train_live_refuses_impossible_settings_before_any_redraw(karate):
    seen = []
    with pytest.raises(GNNError):
        train_live(karate, GNNConfig(layers=9, threads=1), seen.append)
    assert seen == []


def test_result_for_only_the_graph_it_was_trained_on(gcn):
    assert result_for(None, "karate:x") is None
    assert result_for({"sig": "karate:x", "done": gcn}, "karate:x") is gcn
    assert result_for({"sig": "karate:x", "done": gcn}, "sbm:y") is None


def test_snapshot_preds_are_the_graph_figures_frames(gcn):
    preds = snapshot_preds(gcn)
    assert [p[0] for p in preds] == [str(s.epoch) for s in gcn.snapshots] and preds[0][0] == "0"
    assert all(p.shape == (34,) and set(np.unique(p)) <= {0, 1} for _, p in preds)


def test_embedding_view_names_principal_components_of_a_wide_layer(gcn):
    frames, labels = embedding_view(gcn, tr)
    assert frames.shape == (len(gcn.snapshots), 34, 2)
    assert labels["title"] == tr("gnn.fig.embeddings", width=16)
    # the share of the variance each axis carries, from the eigenvalues of the stacked embeddings' covariance
    stacked = np.concatenate([s.hidden for s in gcn.snapshots]).astype(np.float64)
    eig = np.sort(np.linalg.eigvalsh(np.cov(stacked, rowvar=False)))[::-1]
    share = eig / eig.sum()
    assert labels["x"] == tr("gnn.fig.pc", k=1, share=f"{share[0]:.0%}")
    assert labels["y"] == tr("gnn.fig.pc", k=2, share=f"{share[1]:.0%}")
    assert {labels[k] for k in ("epoch", "train", "true", "pred")} == {
        tr("gnn.fig.epoch"), tr("gnn.fig.train_node"), tr("gnn.fig.true"), tr("gnn.fig.pred")}


def test_embedding_view_of_a_two_wide_layer_uses_the_units(karate):
    done = fit(karate, GNNConfig(hidden=2, epochs=10, threads=1))
    frames, labels = embedding_view(done, tr)
    assert (labels["x"], labels["y"]) == ("h1", "h2")
    np.testing.assert_array_equal(frames[-1], done.snapshots[-1].hidden)


# ---------------------------------------------------------------- 3. message passing


def test_default_node_is_the_best_connected_readable_one(karate):
    degree = dict(karate.g.degree())
    best = max(d for d in degree.values() if d <= 6)
    assert default_node(karate) == min(v for v, d in degree.items() if d == best)
    star, _ = load("custom", custom_options("\n".join(f"0 {k}" for k in range(1, 11)), ""))
    assert default_node(star) == 1  # the centre has 10 neighbours: the first leaf
    clique, _ = load("custom", custom_options("\n".join(f"{a} {b}" for a in range(8) for b in range(a)), ""))
    assert default_node(clique) == 0  # every node has 7


def test_attention_of_a_trained_gat_sums_to_one_over_the_neighbours(karate, gat):
    for node in (0, 11, 33):
        into = attention(gat, karate, "identity", node)
        assert set(into) == {node, *karate.neighbours(node)}
        assert all(w > 0 for w in into.values()) and sum(into.values()) == pytest.approx(1.0, abs=1e-5)


def test_no_attention_without_a_gat(karate, gcn):
    assert attention(None, karate, "identity", 0) is None
    assert attention(gcn, karate, "identity", 0) is None


def test_node_message_with_a_fresh_layer(karate):
    msg = node_message(None, karate, 0)
    assert not msg.trained and msg.gap is None and msg.attention is None and len(msg.step.bias) == 4
    assert msg.hop1 == sorted(karate.neighbours(0)) and msg.step.sources[0] == 0
    d = dict(karate.g.degree())
    for j, w in msg.gcn_weights.items():  # 1 / sqrt(d_i d_j), each degree counting the self-loop
        assert w == pytest.approx(1 / math.sqrt((d[0] + 1) * (d[j] + 1)))
    assert set(msg.hop2).isdisjoint(msg.hop1) and 0 not in msg.hop2
    j = msg.step.sources[1]
    assert msg.example == {"i": 0, "j": j, "di": 17, "dj": d[j] + 1,
                           "w": f"{1 / math.sqrt(17 * (d[j] + 1)):.3f}", "self_w": f"{1 / 17:.3f}"}
    assert msg.weight_names[0] == f"0 · w={1 / 17:.3f}" and len(msg.weight_names) == 17


def test_node_message_with_a_trained_gcn_agrees_with_pyg(karate, gcn):
    msg = node_message(gcn, karate, 33)
    assert msg.trained and len(msg.step.bias) == 16 and msg.attention is None
    assert msg.gap is not None and msg.gap < 1e-4
    np.testing.assert_allclose(msg.step.weighted.sum(axis=0) + msg.step.bias, msg.step.result)


def test_node_message_with_a_gat_carries_its_attention(karate, gat):
    msg = node_message(gat, karate, 0)
    assert not msg.trained and msg.gap is None  # a GAT has no GCN layer: the weights shown are a fresh layer's
    bars = msg.attention_of_sources()
    assert bars.shape == (17,) and bars.sum() == pytest.approx(1.0, abs=1e-5)
    assert bars[0] == pytest.approx(msg.attention[0])  # the node itself comes first


def test_a_node_without_neighbours_has_no_worked_example():
    graph, _ = load("sbm", sbm_options(2, 10, 0.05, 0.0, 0))
    alone = [v for v in range(graph.n) if graph.g.degree(v) == 0]
    assert alone  # with p_in 0.05 some of the 20 nodes have no edge
    msg = node_message(None, graph, alone[0])
    assert msg.step.sources == [alone[0]] and msg.step.weights.tolist() == [1.0]
    assert msg.example is None and worked_example(graph, msg.step) is None
    assert msg.hop1 == [] and msg.hop2 == []
