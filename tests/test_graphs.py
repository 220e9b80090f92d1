"""The graph registry, the labels, edge lists typed or uploaded, features, layout and the PyG conversion."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from playground.graphs import (
    GRAPHS,
    MAX_NODES,
    GraphError,
    communities,
    decode_upload,
    edge_index,
    layout,
    load_graph,
    node_features,
    parse_edge_list,
    sbm,
    to_pyg,
)
from playground.i18n import catalogue


def test_karate_has_the_real_two_factions():
    g = load_graph("karate")
    assert (g.n, g.g.number_of_edges()) == (34, 78)
    assert g.classes == ["Mr. Hi", "Officer"]
    assert np.bincount(g.labels).tolist() == [17, 17]
    assert g.labels[0] == 0 and g.labels[33] == 1  # the two leaders


def test_davis_is_bipartite_and_labelled_by_node_type():
    g = load_graph("davis")
    assert g.n == 32 and np.bincount(g.labels).tolist() == [18, 14]
    assert all(g.labels[a] != g.labels[b] for a, b in g.edges())


@pytest.mark.parametrize("key", ["lesmis", "florentine"])
def test_graphs_without_labels_use_seeded_communities(key):
    a, b = load_graph(key), load_graph(key)
    assert a.label_source == "gnn.labels.communities"
    np.testing.assert_array_equal(a.labels, b.labels)
    assert len(a.classes) >= 2 and a.labels.max() == len(a.classes) - 1
    # biggest community first
    counts = np.bincount(a.labels)
    assert (np.diff(counts) <= 0).all()


def test_every_registry_entry_has_texts():
    for key, info in GRAPHS.items():
        for lang in ("en", "es"):
            assert f"gnn.graph.{key}" in catalogue(lang) and info.labels in catalogue(lang)


def test_sbm_blocks_are_the_labels():
    g = sbm([10, 10, 10], p_in=1.0, p_out=0.0, seed=3)
    assert g.n == 30 and g.classes == ["B1", "B2", "B3"]
    assert all(g.labels[a] == g.labels[b] for a, b in g.edges())
    assert g.g.number_of_edges() == 3 * 45  # three complete blocks of 10
    assert np.array_equal(sbm([8, 8], 0.5, 0.1, seed=1).edges(), sbm([8, 8], 0.5, 0.1, seed=1).edges())


@pytest.mark.parametrize(("sizes", "p_in", "p_out", "key"), [
    ([30], 0.5, 0.1, "gnn.error.sbm_blocks"),
    ([1, 5], 0.5, 0.1, "gnn.error.sbm_blocks"),
    ([300, 300], 0.5, 0.1, "gnn.error.too_many_nodes"),
    ([5, 5], 1.5, 0.1, "gnn.error.sbm_p"),
])
def test_sbm_rejects_impossible_settings(sizes, p_in, p_out, key):
    with pytest.raises(GraphError) as err:
        sbm(sizes, p_in, p_out)
    assert err.value.key == key


def test_edge_list_with_header_comments_and_separators():
    text = "source,target\n# a comment\n10,11\n11;12\n12\t10  # closing the triangle\n\n12 13\n"
    g = parse_edge_list(text)
    assert g.names == ["10", "11", "12", "13"]
    assert sorted(map(tuple, g.edges().tolist())) == [(0, 1), (0, 2), (1, 2), (2, 3)]
    assert not g.warnings and g.label_source == "gnn.labels.communities"


def test_self_loops_are_dropped_and_duplicates_merged_with_warnings():
    g = parse_edge_list("0 1\n1 0\n1 1\n1 2\n")
    assert g.g.number_of_edges() == 2
    assert dict(g.warnings) == {"gnn.warn.self_loops": {"n": 1}, "gnn.warn.duplicates": {"n": 1}}


@pytest.mark.parametrize(("text", "key", "line"), [
    ("", "gnn.error.empty", None),
    ("   \n\n", "gnn.error.empty", None),
    ("# only a comment\n", "gnn.error.no_edges", None),
    ("0 1\n2\n", "gnn.error.one_node", 2),
    ("0 1\n1 2\n1 x\n", "gnn.error.not_a_node", 3),
    ("0 1\n-1 2\n", "gnn.error.not_a_node", 2),
    ("0 1\n1.5 2\n", "gnn.error.not_a_node", 2),
    ("0 1 2\n", "gnn.error.too_many_tokens", 1),
    ("3 3\n", "gnn.error.no_edges", None),
])
def test_malformed_edge_lists_raise_a_clear_error(text, key, line):
    with pytest.raises(GraphError) as err:
        parse_edge_list(text)
    assert err.value.key == key
    en, es = err.value.message("en"), err.value.message("es")
    assert en != es and "{" not in en and "{" not in es and key not in en
    if line is not None:
        assert err.value.kwargs["line"] == line and f" {line}" in en and f" {line}" in es


def test_too_many_nodes_is_refused():
    text = "\n".join(f"{i} {i + 1}" for i in range(MAX_NODES))  # MAX_NODES + 1 nodes
    with pytest.raises(GraphError) as err:
        parse_edge_list(text)
    assert err.value.key == "gnn.error.too_many_nodes" and err.value.kwargs["n"] == MAX_NODES + 1
    assert parse_edge_list(text, max_nodes=MAX_NODES + 1).n == MAX_NODES + 1


def test_labels_given_as_node_class_lines():
    g = parse_edge_list("0 1\n1 2\n2 3\n", labels="0,x\n1,x\n2,y\n3,y\n")
    assert g.classes == ["x", "y"] and g.labels.tolist() == [0, 0, 1, 1]
    assert g.label_source == "gnn.labels.custom_given"


@pytest.mark.parametrize(("labels", "key"), [
    ("0,x\n1,y\n", "gnn.error.label_missing"),
    ("0,x\n1,y\n2,y\n7,x\n", "gnn.error.label_unknown_node"),
    ("0,x\n1,x\n2,x\n", "gnn.error.one_class"),
    ("0 x extra\n", "gnn.error.label_line"),
])
def test_bad_labels_raise(labels, key):
    with pytest.raises(GraphError) as err:
        parse_edge_list("0 1\n1 2\n", labels=labels)
    assert err.value.key == key


def test_uploads_too_big_or_binary_are_refused_and_cp1252_is_read():
    with pytest.raises(GraphError) as err:
        decode_upload(b"0 1\n" * 100, max_bytes=100)
    assert err.value.key == "gnn.error.too_big"
    with pytest.raises(GraphError) as err:
        decode_upload(b"\x89PNG\x00\x00")
    assert err.value.key == "gnn.error.binary"
    assert decode_upload("# café\n0 1\n".encode("cp1252")).startswith("# caf")
    assert parse_edge_list(decode_upload(b"\xef\xbb\xbfsource,target\r\n0,1\r\n1,2\r\n")).n == 3


def test_every_error_key_exists_in_both_languages():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "playground"
    text = (root / "graphs.py").read_text() + (root / "gnn.py").read_text()
    keys = set(re.findall(r'"(gnn\.(?:error|warn|labels)\.[a-z_]+)"', text))
    assert len(keys) > 20
    for lang in ("en", "es"):
        assert not keys - set(catalogue(lang))


def test_features_edge_index_and_layout():
    g = load_graph("karate")
    assert np.array_equal(node_features(g, "identity"), np.eye(34, dtype=np.float32))
    deg = node_features(g, "degree")
    assert deg.shape == (34, 17) and (deg.sum(axis=1) == 1).all()
    assert deg[33].argmax() == 16 and deg[11].argmax() == 1  # node 33 has 17 neighbours (capped), node 11 one
    ei = edge_index(g)
    assert ei.shape == (2, 156)
    assert set(map(tuple, ei.T.tolist())) == {(b, a) for a, b in ei.T.tolist()}  # both directions
    pos = layout(g)
    assert pos.shape == (34, 2) and np.abs(pos).max() <= 1.0 + 1e-9
    np.testing.assert_array_equal(pos, layout(load_graph("karate")))  # stable picture


def test_communities_of_two_cliques_joined_by_one_edge():
    g = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(6))
    g.add_edge(0, 6)
    labels = communities(g)
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1 and labels[0] != labels[6]


def test_to_pyg_matches_the_graph():
    g = load_graph("florentine")
    data = to_pyg(g, "degree")
    assert tuple(data.x.shape) == (15, 17) and tuple(data.edge_index.shape) == (2, 2 * g.g.number_of_edges())
    assert data.y.tolist() == g.labels.tolist()
