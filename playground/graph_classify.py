"""Graph classification: one label for a whole graph (a ring, a star, a tree, a grid or a wheel?).

The course notes name molecules as a use of GNNs: there the question is about the whole graph (is this
molecule toxic?), not about one node. The network is the node-level one (PyTorch Geometric's ``GCNConv``,
``GINConv`` or ``SAGEConv`` layers) followed by a *readout*: the node vectors of each graph are pooled
into one graph vector (``global_mean_pool``, ``global_add_pool`` or ``global_max_pool``) and a linear layer
gives the class scores. What is written here is the lesson: the dataset of shapes, made offline and
seeded, and the training loop that streams one :class:`ClassifyEpoch` per epoch.

What the readout can see is the point of the page. With a constant feature on every node, a mean-aggregating
layer (GraphSAGE) gives every node of every graph the same vector, and mean or max pooling then gives every
graph the same vector: the network can only answer one class. Degree features, or a sum readout (it counts
nodes), or GIN's sum aggregation, give it something to tell the shapes apart.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import torch
from torch import nn

from playground.gnn import GNNError, _pyg_nn

SHAPES: tuple[str, ...] = ("ring", "star", "tree", "grid", "wheel")
MODELS: tuple[str, ...] = ("gin", "gcn", "sage")
POOLS: tuple[str, ...] = ("sum", "mean", "max")
FEATURES: tuple[str, ...] = ("degree", "constant")
MAX_DEGREE = 8  # degree features: one-hot of min(degree, 8)
LIMITS = {"layers": (1, 4), "hidden": (2, 64), "epochs": (1, 300), "per_class": (10, 200), "batch_size": (8, 256)}
NODES = (6, 14)  # nodes per graph, both included
TEST_SHARE = 0.3


@dataclass(frozen=True)
class ClassifyConfig:
    """One run: ``layers`` graph layers of width ``hidden``, then the ``pool`` readout and a linear layer."""

    model: str = "gin"
    layers: int = 2
    hidden: int = 32
    pool: str = "sum"
    features: str = "degree"
    lr: float = 0.01
    epochs: int = 40
    batch_size: int = 32
    per_class: int = 60  # graphs of each shape
    noise: float = 0.0  # extra random edges, as a share of the graph's nodes
    seed: int = 0
    threads: int | None = None


def check_config(config: ClassifyConfig) -> None:
    """Raise :class:`GNNError` (its ``message(lang)`` says what to change) for settings that cannot train."""
    for name, allowed in (("model", MODELS), ("pool", POOLS), ("features", FEATURES)):
        if getattr(config, name) not in allowed:
            raise GNNError("gc.error.choice", name=name, value=getattr(config, name), allowed=", ".join(allowed))
    for name, (lo, hi) in LIMITS.items():
        value = getattr(config, name)
        if not lo <= value <= hi:
            raise GNNError("gnn.error.range", name=name, value=value, lo=lo, hi=hi)
    if not (math.isfinite(config.lr) and 0 < config.lr <= 1):
        raise GNNError("gnn.error.lr")
    if not 0 <= config.noise <= 1:
        raise GNNError("gc.error.noise")


# ---------------------------------------------------------------- the dataset


def make_shape(kind: str, n: int, rng: np.random.Generator) -> nx.Graph:
    """A connected graph of ``n`` nodes (0..n-1) of the shape ``kind`` (a grid has 2 or 3 rows, so it may
    have a few nodes fewer than ``n``)."""
    if kind == "ring":
        return nx.cycle_graph(n)
    if kind == "star":
        return nx.star_graph(n - 1)  # a centre and n - 1 leaves
    if kind == "tree":
        return nx.random_labeled_tree(n, seed=int(rng.integers(2**31)))
    if kind == "grid":
        rows = int(rng.integers(2, 4))
        g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, max(2, n // rows)), label_attribute="cell")
        nx.set_node_attributes(g, {v: (c[1], -c[0]) for v, c in g.nodes(data="cell")}, "pos")  # drawn as a grid
        return g
    if kind == "wheel":
        return nx.wheel_graph(n)  # a centre joined to every node of a ring of n - 1
    raise GNNError("gc.error.choice", name="shape", value=kind, allowed=", ".join(SHAPES))


def add_noise(g: nx.Graph, noise: float, rng: np.random.Generator) -> nx.Graph:
    """``g`` with ``round(noise * n)`` extra edges between random pairs that were not joined."""
    g = g.copy()
    missing = [(u, v) for u in g for v in g if u < v and not g.has_edge(u, v)]
    k = min(len(missing), round(noise * g.number_of_nodes()))
    for i in rng.choice(len(missing), size=k, replace=False) if k else ():
        g.add_edge(*missing[i])
    return g


@dataclass
class ShapeSet:
    """Graphs with one label each; ``test`` marks the held-out ones (the same share of every shape)."""

    graphs: list[nx.Graph]
    labels: np.ndarray  # (G,) index into SHAPES
    test: np.ndarray  # (G,) bool

    @property
    def classes(self) -> tuple[str, ...]:
        return SHAPES


def make_dataset(per_class: int = 60, noise: float = 0.0, seed: int = 0) -> ShapeSet:
    """``per_class`` graphs of every shape with ``NODES`` nodes each, seeded; ``TEST_SHARE`` of each shape
    is held out for testing."""
    rng = np.random.default_rng(seed)
    graphs, labels, test = [], [], []
    n_test = max(1, round(TEST_SHARE * per_class))
    for label, kind in enumerate(SHAPES):
        held = set(rng.choice(per_class, size=n_test, replace=False).tolist())
        for i in range(per_class):
            n = int(rng.integers(NODES[0], NODES[1] + 1))
            graphs.append(add_noise(make_shape(kind, n, rng), noise, rng))
            labels.append(label)
            test.append(i in held)
    return ShapeSet(graphs, np.array(labels, dtype=np.int64), np.array(test))


def node_features(g: nx.Graph, kind: str) -> np.ndarray:
    """(n, F) float32: a constant 1 per node, or the one-hot of min(degree, MAX_DEGREE)."""
    n = g.number_of_nodes()
    if kind == "constant":
        return np.ones((n, 1), dtype=np.float32)
    out = np.zeros((n, MAX_DEGREE + 1), dtype=np.float32)
    out[np.arange(n), [min(d, MAX_DEGREE) for _, d in sorted(g.degree)]] = 1.0
    return out


def to_data(g: nx.Graph, label: int, features: str):
    """One graph as a ``torch_geometric.data.Data`` (both directions of every edge)."""
    from torch_geometric.data import Data

    edges = np.array(list(g.edges), dtype=np.int64).reshape(-1, 2)
    ei = np.concatenate([edges, edges[:, ::-1]]).T.copy()  # (2, 2E)
    return Data(x=torch.from_numpy(node_features(g, features)), edge_index=torch.from_numpy(ei),
                y=torch.tensor([label]))


# ---------------------------------------------------------------- the network


class GraphClassifier(nn.Module):
    """Graph layers with ReLU, the readout, a linear layer. ``forward`` returns the class scores (G, C) and
    the pooled graph vectors (G, H) the page draws."""

    def __init__(self, config: ClassifyConfig, in_dim: int, n_classes: int):
        super().__init__()
        pyg_nn = _pyg_nn()
        convs, d = [], in_dim
        for _ in range(config.layers):
            if config.model == "gcn":
                convs.append(pyg_nn.GCNConv(d, config.hidden))
            elif config.model == "sage":
                convs.append(pyg_nn.SAGEConv(d, config.hidden))  # mean aggregation
            else:  # GIN: sum of the neighbours and the node, through a small MLP
                convs.append(pyg_nn.GINConv(nn.Sequential(nn.Linear(d, config.hidden), nn.ReLU(),
                                                          nn.Linear(config.hidden, config.hidden))))
            d = config.hidden
        self.convs = nn.ModuleList(convs)
        self.pool = {"sum": pyg_nn.global_add_pool, "mean": pyg_nn.global_mean_pool,
                     "max": pyg_nn.global_max_pool}[config.pool]
        self.head = nn.Linear(config.hidden, n_classes)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor,
                batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for conv in self.convs:
            x = torch.relu(conv(x, edge_index))  # (N, H) over all nodes of the batch
        pooled = self.pool(x, batch)  # (G, H): one vector per graph
        return self.head(pooled), pooled  # (G, C), (G, H)


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class ClassifyEpoch:
    epoch: int
    loss: float
    train_acc: float
    test_acc: float


@dataclass
class ClassifyDone:
    model: GraphClassifier
    history: list[dict]
    test_index: np.ndarray  # (T,) positions of the test graphs in the dataset
    test_pred: np.ndarray  # (T,)
    test_vectors: np.ndarray  # (T, H) pooled vectors of the test graphs
    error: str | None = None  # an i18n key
    stopped: bool = False
    config: ClassifyConfig = field(default_factory=ClassifyConfig)

    @property
    def test_acc(self) -> float:
        return self.history[-1]["test_acc"] if self.history else float("nan")


def _predict(model: GraphClassifier, loader) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    preds, vectors, ys = [], [], []
    model.eval()
    with torch.no_grad():
        for batch in loader:
            logits, pooled = model(batch.x, batch.edge_index, batch.batch)
            preds.append(logits.argmax(dim=1))
            vectors.append(pooled)
            ys.append(batch.y)
    return torch.cat(preds).numpy(), torch.cat(vectors).numpy(), torch.cat(ys).numpy()


def train_classifier(data: ShapeSet, config: ClassifyConfig,
                     should_stop: Callable[[], bool] | None = None) -> Iterator[ClassifyEpoch | ClassifyDone]:
    """Mini-batch Adam on the training graphs: one :class:`ClassifyEpoch` per epoch, then a :class:`ClassifyDone`
    (also after a NaN loss or a stop: the model trained so far stays usable)."""
    from torch_geometric.loader import DataLoader

    from playground.device import job_threads

    check_config(config)
    torch.set_num_threads(config.threads or job_threads())
    torch.manual_seed(config.seed)
    items = [to_data(g, int(y), config.features) for g, y in zip(data.graphs, data.labels)]
    train_items = [d for d, t in zip(items, data.test) if not t]
    test_items = [d for d, t in zip(items, data.test) if t]
    gen = torch.Generator().manual_seed(config.seed)
    train_loader = DataLoader(train_items, batch_size=config.batch_size, shuffle=True, generator=gen)
    eval_train = DataLoader(train_items, batch_size=256)
    eval_test = DataLoader(test_items, batch_size=256)
    model = GraphClassifier(config, items[0].x.shape[1], len(SHAPES))
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: list[dict] = []
    error, stopped = None, False
    for epoch in range(1, config.epochs + 1):
        if should_stop is not None and should_stop():
            stopped = True
            break
        model.train()
        total, seen = 0.0, 0
        for batch in train_loader:
            opt.zero_grad()
            logits, _ = model(batch.x, batch.edge_index, batch.batch)
            loss = nn.functional.cross_entropy(logits, batch.y)
            if not torch.isfinite(loss):
                error = "gnn.error.nan"
                break
            loss.backward()
            opt.step()
            total, seen = total + float(loss.detach()) * batch.num_graphs, seen + batch.num_graphs
        if error:
            break
        train_pred, _, train_y = _predict(model, eval_train)
        test_pred, _, test_y = _predict(model, eval_test)
        event = ClassifyEpoch(epoch, total / seen, float((train_pred == train_y).mean()),
                              float((test_pred == test_y).mean()))
        history.append({"epoch": epoch, "loss": event.loss, "train_acc": event.train_acc, "test_acc": event.test_acc})
        yield event
    test_pred, vectors, _ = _predict(model, eval_test)
    yield ClassifyDone(model.eval(), history, np.flatnonzero(data.test), test_pred, vectors, error, stopped, config)


def fit(data: ShapeSet, config: ClassifyConfig, on_epoch: Callable[[ClassifyEpoch], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> ClassifyDone:
    """Run :func:`train_classifier` to the end; ``on_epoch`` sees every epoch (a progress bar)."""
    for event in train_classifier(data, config, should_stop):
        if isinstance(event, ClassifyDone):
            return event
        if on_epoch is not None:
            on_epoch(event)
    raise RuntimeError("train_classifier ended without ClassifyDone")  # pragma: no cover


def confusion(labels: np.ndarray, pred: np.ndarray, n: int = len(SHAPES)) -> np.ndarray:
    """(n, n) counts: rows the true shape, columns the predicted one."""
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (labels, pred), 1)
    return cm


def project_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pooled graph vectors on their two principal axes, and the share of variance each axis keeps."""
    centred = vectors - vectors.mean(axis=0)
    if np.abs(centred).max(initial=0.0) <= 1e-5 * (1.0 + np.abs(vectors).max(initial=0.0)):
        # every graph got the same vector (up to float rounding): there is no spread to show
        return np.zeros((len(vectors), 2)), np.zeros(2)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    s = np.pad(s, (0, max(0, 2 - len(s))))
    u = np.pad(u, ((0, 0), (0, max(0, 2 - u.shape[1]))))
    share = s**2 / (s**2).sum()
    return u[:, :2] * s[:2], share[:2]
