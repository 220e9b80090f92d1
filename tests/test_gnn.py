"""GNN training on real and synthetic graphs, GAT attention, and one GCN step by hand against PyG."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.gnn import (
    GNNConfig,
    GNNError,
    build_model,
    check_config,
    embedding_frames,
    fit,
    gcn_layer_weights,
    gcn_matrix,
    gcn_step,
    hops,
    incoming_weights,
    mean_attention,
    pyg_layer_output,
    split_nodes,
)
from playground.graphs import edge_index, load_graph, node_features, sbm


@pytest.fixture(scope="module")
def karate():
    return load_graph("karate")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gcn_on_karate_with_one_labelled_node_per_faction(karate, seed):
    done = fit(karate, GNNConfig(model="gcn", per_class=1, pick="hubs", seed=seed, threads=1))
    assert done.train_mask.sum() == 2 and done.train_mask[[0, 33]].all()  # the two leaders
    assert done.history[-1]["test_acc"] >= 0.85
    assert done.history[0]["test_acc"] < done.history[-1]["test_acc"] or done.history[0]["test_acc"] >= 0.85


def test_gcn_on_a_clear_block_model():
    graph = sbm([30, 30, 30], p_in=0.3, p_out=0.02, seed=0)
    done = fit(graph, GNNConfig(model="gcn", per_class=3, pick="random", seed=0, threads=1))
    assert done.history[-1]["test_acc"] >= 0.95


def test_gat_attention_into_each_node_sums_to_one(karate):
    config = GNNConfig(model="gat", heads=3, epochs=30, threads=1)
    done = fit(karate, config)
    x = torch.from_numpy(node_features(karate, "identity"))
    ei = torch.from_numpy(edge_index(karate))
    per_layer = done.model.attention(x, ei)
    assert len(per_layer) == 2
    for edges, alpha in per_layer:
        sums = np.zeros((karate.n, alpha.shape[1]))
        np.add.at(sums, edges[1], alpha)  # add every coefficient to its target node
        np.testing.assert_allclose(sums, 1.0, atol=1e-5)
    assert per_layer[0][1].shape[1] == 3 and per_layer[1][1].shape[1] == 1
    edges, mean = mean_attention(done.model, karate, "identity")
    into = incoming_weights(edges, mean, 0)
    assert set(into) == {0, *karate.neighbours(0)} and sum(into.values()) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(GNNError):
        fit(karate, GNNConfig(epochs=1, threads=1)).model.attention(x, ei)


def test_hand_normalisation_equals_pyg_gcn_norm(karate):
    from torch_geometric.nn.conv.gcn_conv import gcn_norm

    ei = edge_index(karate)
    ours = gcn_matrix(ei, karate.n)
    loops_ei, w = gcn_norm(torch.from_numpy(ei), num_nodes=karate.n, add_self_loops=True)
    theirs = np.zeros((karate.n, karate.n))
    theirs[loops_ei[1].numpy(), loops_ei[0].numpy()] = w.numpy()  # message source -> target row
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    np.testing.assert_allclose(ours, ours.T)  # symmetric: 1 / sqrt(d_i d_j)
    assert ours[0, 0] == pytest.approx(1 / 17)  # node 0: 16 neighbours + itself


@pytest.mark.parametrize("features", ["identity", "degree"])
def test_weighted_sum_by_hand_equals_the_gcn_layer(karate, features):
    done = fit(karate, GNNConfig(epochs=20, features=features, threads=1))
    x = node_features(karate, features)
    weight, bias, trained = gcn_layer_weights(done.model, x.shape[1])
    assert trained and weight.shape == (16, x.shape[1])
    pyg = pyg_layer_output(done.model, karate, features)  # (34, 16)
    for node in (0, 11, 33):
        step = gcn_step(karate, x, weight, bias, node)
        assert step.sources[0] == node and sorted(step.sources[1:]) == karate.neighbours(node)
        np.testing.assert_allclose(step.weighted.sum(axis=0) + step.bias, step.result)
        np.testing.assert_allclose(step.result, pyg[node], atol=1e-5)


def test_fresh_layer_when_no_gcn_was_trained(karate):
    w, b, trained = gcn_layer_weights(None, 34, out_dim=4, seed=1)
    assert not trained and w.shape == (4, 34) and not b.any()
    gat = fit(karate, GNNConfig(model="gat", epochs=2, threads=1)).model
    assert not gcn_layer_weights(gat, 34)[2]


def test_hops(karate):
    one, two = hops(karate, 11)
    assert one == [0]
    assert two == sorted(set(karate.neighbours(0)) - {11})


def test_split_nodes_counts_and_seeds():
    labels = np.array([0] * 5 + [1] * 3 + [2])
    mask = split_nodes(labels, 2, seed=4)
    assert [int(mask[labels == c].sum()) for c in range(3)] == [2, 2, 1]
    np.testing.assert_array_equal(mask, split_nodes(labels, 2, seed=4))
    assert split_nodes(labels, 10, seed=0)[labels == 0].sum() == 4  # one node per class kept for testing


def test_training_is_reproducible_and_streams_every_epoch(karate):
    config = GNNConfig(model="sage", epochs=30, snapshots=10, threads=1)
    a, b = fit(karate, config), fit(karate, config)
    assert [h["loss"] for h in a.history] == [h["loss"] for h in b.history]
    assert [h["epoch"] for h in a.history] == list(range(1, 31))
    assert [s.epoch for s in a.snapshots] == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
    assert all(s.hidden.shape == (34, 16) for s in a.snapshots)


def test_stop_keeps_what_was_trained(karate):
    seen = []
    done = fit(karate, GNNConfig(epochs=100, threads=1), on_epoch=seen.append, should_stop=lambda: len(seen) > 12)
    assert done.stopped and done.history[-1]["epoch"] == 12
    assert done.snapshots[-1].epoch == 12 and done.snapshots[-1].hidden is not None


def test_nan_loss_stops_with_an_error(karate, monkeypatch):
    real = torch.nn.functional.cross_entropy
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        loss = real(*args, **kwargs)
        return loss * float("nan") if len(calls) > 6 else loss

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", flaky)
    done = fit(karate, GNNConfig(epochs=50, threads=1))
    assert done.error == "gnn.error.nan"
    assert len(done.history) == 5 and done.snapshots[-1].epoch == 5  # call 1 is the untrained loss


@pytest.mark.parametrize(("change", "key"), [
    ({"model": "mlp"}, "gnn.error.unknown_model"),
    ({"layers": 0}, "gnn.error.range"),
    ({"hidden": 500}, "gnn.error.range"),
    ({"dropout": 1.0}, "gnn.error.dropout"),
    ({"lr": 0.0}, "gnn.error.lr"),
    ({"lr": float("nan")}, "gnn.error.lr"),
    ({"pick": "best"}, "gnn.error.unknown_pick"),
])
def test_impossible_settings_are_refused(change, key):
    with pytest.raises(GNNError) as err:
        check_config(GNNConfig(**change))
    assert err.value.key == key and err.value.message("es") != err.value.message("en")


@pytest.mark.parametrize("model", ["gcn", "gat", "sage"])
@pytest.mark.parametrize("layers", [1, 3])
def test_every_model_and_depth_gives_scores_and_embeddings(model, layers):
    config = GNNConfig(model=model, layers=layers, hidden=8, heads=2)
    net = build_model(config, 5, 3).eval()
    x, ei = torch.randn(6, 5), torch.tensor([[0, 1, 1, 2, 3, 4], [1, 0, 2, 1, 4, 3]])
    scores, hidden = net(x, ei)
    assert scores.shape == (6, 3)
    width = 3 if layers == 1 else 8 * (2 if model == "gat" else 1)
    assert hidden.shape == (6, width)


def test_embedding_frames_share_one_projection():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(20, 6))
    frames, share = embedding_frames([base, base * 2, base])
    assert frames.shape == (3, 20, 2) and 0 < share[1] <= share[0] <= 1
    np.testing.assert_allclose(frames[0], frames[2])  # same vectors, same place in every frame
    two, _ = embedding_frames([base[:, :2]])
    np.testing.assert_array_equal(two[0], base[:, :2])
    one, _ = embedding_frames([base[:, :1]])
    assert one.shape == (1, 20, 2) and not one[..., 1].any()


def test_check_trainable_refuses_before_any_job_is_queued(karate):
    import dataclasses

    from playground.gnn import GNNConfig, GNNError, check_trainable

    check_trainable(karate, GNNConfig())  # fine: nothing raised
    one_class = dataclasses.replace(karate, labels=np.zeros_like(karate.labels))
    with pytest.raises(GNNError) as err:
        check_trainable(one_class, GNNConfig())
    assert err.value.key == "gnn.error.one_class"
    with pytest.raises(GNNError) as err:
        check_trainable(karate, GNNConfig(layers=9))
    assert err.value.key == "gnn.error.range"
