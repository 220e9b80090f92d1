"""Graph neural networks for semi-supervised node classification, and message passing by hand.

The layers are PyTorch Geometric's (``GCNConv`` as in the course notes, ``GATConv``, ``SAGEConv``);
what is written here is the lesson: the split with a few labelled nodes per class, the training loop
that streams one :class:`GraphEpoch` per epoch (loss, accuracies, predictions and, now and then, the
hidden embeddings), and one GCN step for one node, computed by hand:

    H' = D^-1/2 (A + I) D^-1/2 · X · W^T + b       # (n, d)

``torch_geometric`` is imported inside the functions that need it (it takes seconds to import).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import torch
from torch import nn

from playground.graphs import Graph, GraphError, edge_index, node_features

MODELS: tuple[str, ...] = ("gcn", "gat", "sage")
PICKS: tuple[str, ...] = ("random", "hubs")
LIMITS = {"layers": (1, 4), "hidden": (2, 64), "heads": (1, 8), "epochs": (1, 1000), "per_class": (1, 50)}


class GNNError(GraphError):
    """Settings that cannot train: ``message(lang)`` says what to change."""


@dataclass(frozen=True)
class GNNConfig:
    """One run. ``layers`` counts graph layers (the last one outputs the classes); ``hidden`` is the
    width of the others (GAT: per head, the heads are concatenated); ``per_class`` labelled nodes of
    every class are the training set, all other nodes the test set."""

    model: str = "gcn"
    layers: int = 2
    hidden: int = 16
    heads: int = 2
    dropout: float = 0.5
    lr: float = 0.01
    weight_decay: float = 5e-4
    epochs: int = 200
    per_class: int = 1
    features: str = "identity"
    pick: str = "hubs"  # which nodes are labelled: random, or hubs (the best connected of each class)
    seed: int = 0
    snapshots: int = 40  # hidden embeddings kept for the animation (plus the untrained start)
    threads: int | None = None


def check_config(config: GNNConfig) -> None:
    """Raise :class:`GNNError` for settings outside what the page offers."""
    if config.model not in MODELS:
        raise GNNError("gnn.error.unknown_model", model=config.model)
    for name, (lo, hi) in LIMITS.items():
        value = getattr(config, name)
        if not lo <= value <= hi:
            raise GNNError("gnn.error.range", name=name, value=value, lo=lo, hi=hi)
    if config.pick not in PICKS:
        raise GNNError("gnn.error.unknown_pick", pick=config.pick)
    if not 0 <= config.dropout < 1:
        raise GNNError("gnn.error.dropout")
    if not (math.isfinite(config.lr) and 0 < config.lr <= 1):
        raise GNNError("gnn.error.lr")


def check_trainable(graph: Graph, config: GNNConfig) -> None:
    """Raise :class:`GNNError` when ``config`` cannot train on ``graph`` (checked before a job is queued too)."""
    check_config(config)
    if len(np.unique(graph.labels)) < 2:
        raise GNNError("gnn.error.one_class")


def _pyg_nn():
    with warnings.catch_warnings():  # torch_geometric's import warns about torch.jit.script
        warnings.simplefilter("ignore", FutureWarning)
        import torch_geometric.nn as pyg_nn
    return pyg_nn


class GNN(nn.Module):
    """A stack of GCN, GAT or GraphSAGE layers with ReLU and dropout between them.

    ``forward`` returns the class scores (n, C) and the output of the last hidden layer (n, H), the
    node embeddings the page draws (a one-layer network has no hidden layer: the scores stand in).
    """

    def __init__(self, config: GNNConfig, in_dim: int, n_classes: int):
        super().__init__()
        pyg_nn = _pyg_nn()
        self.kind, self.dropout = config.model, config.dropout
        convs = []
        d = in_dim
        for i in range(config.layers):
            last = i == config.layers - 1
            out = n_classes if last else config.hidden
            if config.model == "gcn":
                convs.append(pyg_nn.GCNConv(d, out))
            elif config.model == "gat":
                heads = 1 if last else config.heads
                convs.append(pyg_nn.GATConv(d, out, heads=heads, concat=not last, dropout=config.dropout))
                out *= heads
            else:
                convs.append(pyg_nn.SAGEConv(d, out))
            d = out
        self.convs = nn.ModuleList(convs)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = x  # (n, F)
        for i, conv in enumerate(self.convs):
            x = nn.functional.dropout(x, self.dropout, self.training)
            x = conv(x, edge_index)  # (n, d_i)
            if i < len(self.convs) - 1:
                x = torch.relu(x)
                hidden = x  # (n, H)
        return x, (hidden if len(self.convs) > 1 else x)  # (n, C), (n, H)

    @torch.no_grad()
    def attention(self, x: torch.Tensor, edge_index: torch.Tensor) -> list[tuple[np.ndarray, np.ndarray]]:
        """GAT only: per layer, the edges it attended over (2, E'), self-loops included, and the
        coefficients (E', heads). For every node the coefficients of its incoming edges sum to 1."""
        if self.kind != "gat":
            raise GNNError("gnn.error.not_gat")
        out = []
        for i, conv in enumerate(self.convs):
            x, (ei, alpha) = conv(x, edge_index, return_attention_weights=True)  # alpha: (E', heads)
            out.append((ei.numpy(), alpha.numpy()))
            if i < len(self.convs) - 1:
                x = torch.relu(x)
        return out


def build_model(config: GNNConfig, in_dim: int, n_classes: int) -> GNN:
    """The network of ``config``, seeded: same config, same initial weights."""
    check_config(config)
    torch.manual_seed(config.seed)
    return GNN(config, in_dim, n_classes)


def split_nodes(labels: np.ndarray, per_class: int, seed: int = 0, degree: np.ndarray | None = None) -> np.ndarray:
    """A boolean training mask (n,): ``per_class`` nodes of every class, at random (seeded), or the
    best connected ones when ``degree`` (n,) is given (in the karate club: the two leaders). A
    class keeps at least one node for testing when it has two or more."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        if degree is not None:
            members = members[np.argsort(-degree[members], kind="stable")]
        take = min(per_class, max(1, len(members) - 1))
        mask[members[:take]] = True
    return mask


@dataclass(frozen=True)
class GraphEpoch:
    """After ``epoch`` steps (0: untrained). ``pred``: class per node (n,); ``hidden``: the embeddings
    (n, H) at snapshot epochs, else None."""

    epoch: int
    loss: float
    train_acc: float
    test_acc: float
    pred: np.ndarray
    hidden: np.ndarray | None = None


@dataclass
class GraphDone:
    """The end of a run: the trained model, the split, one dict per epoch and the snapshots.
    ``error`` is an i18n key when the run stopped early (NaN loss); what was trained stays usable."""

    model: GNN
    train_mask: np.ndarray
    history: list[dict]
    snapshots: list[GraphEpoch]
    error: str | None = None
    stopped: bool = False
    config: GNNConfig = field(default_factory=GNNConfig)

    @property
    def last(self) -> GraphEpoch:
        return self.snapshots[-1]


def _accuracy(pred: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> float:
    return float((pred[mask] == y[mask]).float().mean()) if bool(mask.any()) else float("nan")


def train_gnn(graph: Graph, config: GNNConfig,
              should_stop: Callable[[], bool] | None = None) -> Iterator[GraphEpoch | GraphDone]:
    """Train ``config`` on ``graph``: one :class:`GraphEpoch` per epoch (epoch 0 is the untrained
    network), then a :class:`GraphDone`. Full-batch Adam on the labelled nodes only.

    >>> done = list(train_gnn(load_karate(), GNNConfig(epochs=5)))[-1]   # doctest: +SKIP
    """
    from playground.device import job_threads

    check_trainable(graph, config)
    torch.set_num_threads(config.threads or job_threads())
    torch.manual_seed(config.seed)
    x = torch.from_numpy(node_features(graph, config.features))  # (n, F)
    ei = torch.from_numpy(edge_index(graph))  # (2, 2E)
    y = torch.from_numpy(graph.labels)  # (n,)
    degree = np.array([graph.g.degree(v) for v in range(graph.n)]) if config.pick == "hubs" else None
    train_mask = split_nodes(graph.labels, config.per_class, config.seed, degree)
    tm = torch.from_numpy(train_mask)
    model = build_model(config, x.shape[1], len(graph.classes))
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    every = max(1, config.epochs // max(1, config.snapshots))
    history: list[dict] = []
    snapshots: list[GraphEpoch] = []
    error, stopped = None, False

    def evaluate(epoch: int, loss: float, snap: bool) -> GraphEpoch:
        model.eval()
        with torch.no_grad():
            logits, hidden = model(x, ei)  # (n, C), (n, H)
        pred = logits.argmax(dim=1)
        event = GraphEpoch(epoch, loss, _accuracy(pred, y, tm), _accuracy(pred, y, ~tm), pred.numpy(),
                           hidden.numpy().copy() if snap else None)
        if snap:
            snapshots.append(event)
        return event

    with torch.no_grad():
        start_loss = float(nn.functional.cross_entropy(model.eval()(x, ei)[0][tm], y[tm]))
    yield evaluate(0, start_loss, True)
    for epoch in range(1, config.epochs + 1):
        if should_stop is not None and should_stop():
            stopped = True
            break
        model.train()
        opt.zero_grad()
        logits, _ = model(x, ei)  # (n, C)
        loss = nn.functional.cross_entropy(logits[tm], y[tm])
        if not torch.isfinite(loss):
            error = "gnn.error.nan"
            break
        loss.backward()
        opt.step()
        event = evaluate(epoch, float(loss.detach()), epoch % every == 0 or epoch == config.epochs)
        history.append({"epoch": epoch, "loss": event.loss, "train_acc": event.train_acc,
                        "test_acc": event.test_acc})
        yield event
    if history and snapshots[-1].epoch != history[-1]["epoch"]:  # stopped early: keep the state it stopped in
        evaluate(history[-1]["epoch"], history[-1]["loss"], True)
    yield GraphDone(model.eval(), train_mask, history, snapshots, error, stopped, config)


def fit(graph: Graph, config: GNNConfig, on_epoch: Callable[[GraphEpoch], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> GraphDone:
    """Run :func:`train_gnn` to the end; ``on_epoch`` sees every epoch (a progress bar)."""
    for event in train_gnn(graph, config, should_stop):
        if isinstance(event, GraphDone):
            return event
        if on_epoch is not None:
            on_epoch(event)
    raise RuntimeError("train_gnn ended without GraphDone")  # pragma: no cover


def embedding_frames(snapshots: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The hidden embeddings of every snapshot in 2-D, one shared projection so frames compare.

    ``snapshots``: T arrays (n, H). Wider than 2: PCA fitted on all frames stacked; 2: as they are;
    1: the value and zero. Returns (T, n, 2) and the variance share of the two axes (2,).
    """
    stacked = np.stack(snapshots).astype(np.float64)  # (T, n, H)
    t, n, h = stacked.shape
    if h == 1:
        return np.concatenate([stacked, np.zeros_like(stacked)], axis=2), np.array([1.0, 0.0])
    if h == 2:
        return stacked, np.array([np.nan, np.nan])
    flat = stacked.reshape(t * n, h)  # (T·n, H)
    centred = flat - flat.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)  # vt: (H, H)
    share = s**2 / max(float((s**2).sum()), 1e-12)
    proj = centred @ vt[:2].T  # (T·n, 2)
    return proj.reshape(t, n, 2), share[:2]


# ---------------------------------------------------------------- message passing, by hand


def gcn_matrix(ei: np.ndarray, n: int) -> np.ndarray:
    """Â = D^-1/2 (A + I) D^-1/2 as a dense (n, n) array, from an edge_index (2, E) holding both
    directions. Row i holds the weight of every node in node i's new vector; d_i counts the
    self-loop, so Â_ij = 1 / sqrt(d_i · d_j)."""
    a = np.zeros((n, n))
    a[ei[1], ei[0]] = 1.0  # message j -> i lands in row i
    a_tilde = a + np.eye(n)  # (n, n): every node also keeps its own vector
    d = a_tilde.sum(axis=1)  # (n,) degree + 1
    d_inv_sqrt = 1.0 / np.sqrt(d)
    return d_inv_sqrt[:, None] * a_tilde * d_inv_sqrt[None, :]


def hops(graph: Graph, node: int) -> tuple[list[int], list[int]]:
    """The nodes one hop and exactly two hops away from ``node``, sorted."""
    dist = nx.single_source_shortest_path_length(graph.g, node, cutoff=2)
    return sorted(v for v, d in dist.items() if d == 1), sorted(v for v, d in dist.items() if d == 2)


@dataclass(frozen=True)
class MessageStep:
    """One GCN layer at one node. ``sources``: the node itself first, then its neighbours;
    ``weights`` (k,): their Â entries; ``messages`` (k, d): W·x_j; ``weighted`` (k, d): weight ×
    message; ``bias`` (d,); ``result`` (d,) = Σ weighted + bias, the node's new vector (before ReLU)."""

    node: int
    sources: list[int]
    weights: np.ndarray
    messages: np.ndarray
    weighted: np.ndarray
    bias: np.ndarray
    result: np.ndarray


def gcn_step(graph: Graph, x: np.ndarray, weight: np.ndarray, bias: np.ndarray, node: int) -> MessageStep:
    """The new vector of ``node`` after one GCN layer, as a weighted sum of its neighbours' vectors.

    ``x``: (n, F) inputs; ``weight``: (d, F) as ``GCNConv.lin.weight``; ``bias``: (d,).
    """
    a_hat = gcn_matrix(edge_index(graph), graph.n)  # (n, n)
    sources = [node, *graph.neighbours(node)]
    weights = a_hat[node, sources]  # (k,)
    messages = x[sources] @ weight.T  # (k, F) @ (F, d) -> (k, d)
    weighted = weights[:, None] * messages  # (k, d)
    return MessageStep(node, sources, weights, messages, weighted, bias, weighted.sum(axis=0) + bias)


def gcn_layer_weights(model: GNN | None, in_dim: int, out_dim: int = 4,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray, bool]:
    """(weight (d, F), bias (d,), trained): the first layer of ``model`` when it is a trained GCN,
    else a fresh Glorot-initialised layer (seeded, zero bias) as ``GCNConv`` would start."""
    if model is not None and model.kind == "gcn":
        conv = model.convs[0]
        if conv.lin.weight.shape[1] == in_dim:
            return conv.lin.weight.detach().numpy().copy(), conv.bias.detach().numpy().copy(), True
    rng = np.random.default_rng(seed)
    bound = math.sqrt(6.0 / (in_dim + out_dim))
    return rng.uniform(-bound, bound, (out_dim, in_dim)), np.zeros(out_dim), False


def mean_attention(model: GNN, graph: Graph, features: str, layer: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """GAT: edges (2, E') and their attention in ``layer`` averaged over heads (E',)."""
    x = torch.from_numpy(node_features(graph, features))
    ei = torch.from_numpy(edge_index(graph))
    edges, alpha = model.eval().attention(x, ei)[layer]  # (2, E'), (E', heads)
    return edges, alpha.mean(axis=1)


def incoming_weights(edges: np.ndarray, values: np.ndarray, node: int) -> dict[int, float]:
    """Source -> value of the edges that end in ``node`` (self-loop included)."""
    into = edges[1] == node
    return {int(s): float(v) for s, v in zip(edges[0][into], values[into])}


def pyg_layer_output(model: GNN, graph: Graph, features: str) -> np.ndarray:
    """The first layer's output (n, d) as PyTorch Geometric computes it (before ReLU): the oracle that
    :func:`gcn_step` must match."""
    x = torch.from_numpy(node_features(graph, features))
    ei = torch.from_numpy(edge_index(graph))
    with torch.no_grad():
        return model.eval().convs[0](x, ei).numpy()
