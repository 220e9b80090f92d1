"""Graph classification (the /gnn page's "whole graphs" tab): the shapes, the readout, training."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

from playground import graph_classify as gc
from playground.gnn import GNNError

torch.set_num_threads(1)


def test_the_shapes_have_their_defining_structure():
    rng = np.random.default_rng(0)
    for n in (6, 9, 14):
        ring, star, tree = gc.make_shape("ring", n, rng), gc.make_shape("star", n, rng), gc.make_shape("tree", n, rng)
        wheel, grid = gc.make_shape("wheel", n, rng), gc.make_shape("grid", n, rng)
        assert {d for _, d in ring.degree} == {2} and ring.number_of_nodes() == n
        assert sorted(d for _, d in star.degree) == [1] * (n - 1) + [n - 1]
        assert nx.is_tree(tree) and tree.number_of_nodes() == n
        assert sorted(d for _, d in wheel.degree)[-1] == n - 1 and wheel.number_of_edges() == 2 * (n - 1)
        assert max(d for _, d in grid.degree) <= 4 and grid.number_of_nodes() <= n
        assert all(nx.is_connected(g) for g in (ring, star, tree, wheel, grid))
    with pytest.raises(GNNError):
        gc.make_shape("moebius", 8, rng)


def test_the_dataset_is_balanced_seeded_and_holds_out_a_share_of_each_shape():
    data = gc.make_dataset(per_class=20, seed=3)
    assert len(data.graphs) == 100 and np.bincount(data.labels).tolist() == [20] * 5
    assert np.bincount(data.labels[data.test]).tolist() == [6] * 5  # 30% of every shape
    again = gc.make_dataset(per_class=20, seed=3)
    assert all(nx.utils.graphs_equal(a, b) for a, b in zip(data.graphs, again.graphs))
    assert (again.test == data.test).all()
    assert not all(nx.utils.graphs_equal(a, b) for a, b in zip(data.graphs, gc.make_dataset(20, seed=4).graphs))


def test_noise_adds_the_asked_number_of_new_edges():
    rng = np.random.default_rng(1)
    ring = nx.cycle_graph(10)
    noisy = gc.add_noise(ring, 0.3, rng)
    assert noisy.number_of_edges() == 13 and set(ring.edges) <= set(noisy.edges)
    assert gc.add_noise(ring, 0.0, rng).number_of_edges() == 10


def test_degree_features_are_one_hot_and_capped():
    star = nx.star_graph(11)  # the centre has 11 neighbours
    f = gc.node_features(star, "degree")
    assert f.shape == (12, gc.MAX_DEGREE + 1) and (f.sum(axis=1) == 1).all()
    assert f[0, gc.MAX_DEGREE] == 1 and (f[1:, 1] == 1).all()
    assert (gc.node_features(star, "constant") == 1).all()


def test_mean_layers_and_mean_readout_on_constant_features_cannot_tell_shapes_apart():
    # SAGE (mean) of identical vectors gives identical vectors; a mean readout of those is the same for every
    # graph: the network can only answer one shape, 1 in 5 of the balanced test set.
    data = gc.make_dataset(per_class=20, seed=0)
    done = gc.fit(data, gc.ClassifyConfig(model="sage", pool="mean", features="constant", epochs=5, seed=0))
    assert np.allclose(done.test_vectors, done.test_vectors[0], atol=1e-5)
    assert len(set(done.test_pred.tolist())) == 1 and done.test_acc == pytest.approx(0.2)
    xy, share = gc.project_2d(done.test_vectors)
    assert not share.any() and not xy.any()


def test_gin_with_a_sum_readout_learns_the_shapes():
    data = gc.make_dataset(per_class=30, seed=0)
    history = []
    done = gc.fit(data, gc.ClassifyConfig(model="gin", pool="sum", features="degree", epochs=30, seed=0),
                  on_epoch=history.append)
    assert [e.epoch for e in history] == list(range(1, 31)) and done.error is None
    assert done.test_acc >= 0.9 and done.history[-1]["test_acc"] == history[-1].test_acc
    truth = data.labels[done.test_index]
    assert (gc.confusion(truth, done.test_pred).diagonal().sum() / len(truth)) == pytest.approx(done.test_acc)
    assert done.test_vectors.shape == (len(done.test_index), 32)
    # the model it returns answers like the run said
    from torch_geometric.data import Batch

    batch = Batch.from_data_list([gc.to_data(data.graphs[i], 0, "degree") for i in done.test_index])
    logits, _ = done.model(batch.x, batch.edge_index, batch.batch)
    assert (logits.argmax(dim=1).numpy() == done.test_pred).all()


def test_a_stop_keeps_the_model_trained_so_far():
    data = gc.make_dataset(per_class=10, seed=0)
    calls = iter(range(100))
    done = gc.fit(data, gc.ClassifyConfig(epochs=50), should_stop=lambda: next(calls) >= 2)
    assert done.stopped and len(done.history) == 2 and len(done.test_pred) == len(done.test_index)


@pytest.mark.parametrize("change, key", [({"pool": "median"}, "gc.error.choice"), ({"layers": 9}, "gnn.error.range"),
                                         ({"lr": 0.0}, "gnn.error.lr"), ({"noise": 2.0}, "gc.error.noise")])
def test_impossible_settings_say_what_to_change(change, key):
    with pytest.raises(GNNError) as err:
        gc.check_config(gc.ClassifyConfig(**change))
    assert err.value.key == key
    assert "{" not in err.value.message("es") and err.value.message("es") != err.value.message("en")


def test_confusion_counts_and_projection_keeps_the_spread():
    cm = gc.confusion(np.array([0, 0, 1, 4]), np.array([0, 1, 1, 4]))
    assert cm.sum() == 4 and cm[0, 0] == 1 and cm[0, 1] == 1 and cm[4, 4] == 1
    rng = np.random.default_rng(0)
    v = rng.normal(size=(50, 6)) * np.array([10, 3, 0.1, 0.1, 0.1, 0.1])
    xy, share = gc.project_2d(v)
    assert share[0] > share[1] > 0.0 and share.sum() <= 1 + 1e-9
    assert np.allclose(np.linalg.norm(xy, axis=0) ** 2 / (np.linalg.norm(v - v.mean(0)) ** 2), share)


def test_the_figures_draw_grids_as_grids_and_mark_wrong_answers():
    from playground.viz.graph_shapes import plot_gallery, plot_graph_vectors

    grid = gc.make_shape("grid", 8, np.random.default_rng(0))
    fig = plot_gallery([grid, nx.cycle_graph(5)], [3, 0], ["grid", "ring → star"], wrong=[False, True])
    nodes = fig.data[1]  # the grid's node markers, at their cells
    assert sorted(set(nodes.x)) == sorted({c[1] for _, c in grid.nodes(data="cell")})
    assert "#c0392b" in fig.layout.annotations[1].text and "#c0392b" not in fig.layout.annotations[0].text
    labels = {"title": "t", "x": "x", "y": "y", "true": "true", "pred": "pred", "wrong": "wrong"}
    fig = plot_graph_vectors(np.zeros((3, 2)), np.array([0, 0, 1]), np.array([0, 1, 1]), list(gc.SHAPES), labels)
    assert [t.name for t in fig.data] == ["ring", "ring · wrong", "star"]
    assert fig.data[1].marker.symbol == "x"
