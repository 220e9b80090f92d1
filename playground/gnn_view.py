"""What the /gnn page computes that is not drawing: widget options, graph options and loading, the last
run's lookup, and the numbers of the message-passing tab.

``pages/gnn.py`` and ``pages/_gnn_widgets.py`` keep every Streamlit call; this module has none. A graph is
chosen by a registry key and an options tuple of ``(name, value)`` pairs (hashable: the page caches the
loaded graph by it), which :func:`load` hands to ``load_graph`` as keyword arguments.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.gnn import (
    GNNConfig,
    GraphDone,
    GraphEpoch,
    MessageStep,
    check_trainable,
    embedding_frames,
    gcn_layer_weights,
    gcn_step,
    hops,
    incoming_weights,
    mean_attention,
    pyg_layer_output,
    train_gnn,
)
from playground.graphs import MAX_NODES, Graph, layout, load_graph, node_features

Translate = Callable[..., str]  # tr(key, **kwargs): the page's translation in the reader's language

EXAMPLE = "# two groups joined by one edge\n0 1\n0 2\n1 2\n2 3\n3 4\n3 5\n4 5\n"
EXAMPLE_LABELS = ""  # without classes the example gets its two Louvain communities
LIVE_UPDATES = 8  # redraws of the graph while training
HIDDEN = (2, 4, 8, 16, 32, 64)  # the hidden widths on offer
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SBM_MAX_SIZE = MAX_NODES // 6  # nodes per block: six blocks still fit the node limit
READABLE_DEGREE = 6  # the first node shown has at most this many neighbours: every weight stays readable


# ---------------------------------------------------------------- 1. the graph


def sbm_options(blocks: int, size: int, p_in: float, p_out: float, seed: int) -> tuple:
    """The stochastic block model's options: ``blocks`` blocks of ``size`` nodes each."""
    return (("sizes", (int(size),) * int(blocks)), ("p_in", float(p_in)), ("p_out", float(p_out)), ("seed", int(seed)))


def custom_options(text: str, labels: str) -> tuple:
    """A typed or uploaded edge list and its optional ``node,class`` lines."""
    return (("text", text), ("labels", labels))


def load(key: str, options: tuple) -> tuple[Graph, np.ndarray]:
    """The graph ``key`` with ``options`` and its layout; raises ``GraphError`` for an edge list that is wrong."""
    graph = load_graph(key, **dict(options))
    return graph, layout(graph)


def signature(key: str, options: tuple) -> str:
    """A short name for a graph and its options: a run, or a chosen node, belongs to one graph."""
    return f"{key}:{hashlib.md5(repr(options).encode()).hexdigest()[:12]}"


def class_counts(graph: Graph) -> str:
    """``name: count`` of every class, in class order."""
    return ", ".join(f"{name}: {int((graph.labels == k).sum())}" for k, name in enumerate(graph.classes))


# ---------------------------------------------------------------- 2. training


def redraw_every(epochs: int) -> int:
    """Redraw the graph every this many epochs while training: about :data:`LIVE_UPDATES` times a run."""
    return max(1, epochs // LIVE_UPDATES)


def live_handler(config: GNNConfig, redraw: Callable[[GraphEpoch], None]) -> tuple[Callable[[object], None], dict]:
    """What the page does with each event of a run it follows: ``redraw`` every :func:`redraw_every`-th epoch (the
    untrained epoch 0 first); the run's :class:`GraphDone` lands in the returned dict under ``"done"``."""
    every, ended = redraw_every(config.epochs), {}

    def handle(event) -> None:
        if isinstance(event, GraphDone):
            ended["done"] = event
        elif event.epoch % every == 0:
            redraw(event)

    return handle, ended


def train_live(graph: Graph, config: GNNConfig, redraw: Callable[[GraphEpoch], None]) -> GraphDone:
    """Train ``config`` on ``graph`` here, to the end (``GNNError`` for impossible settings), handling its events as
    the page does (:func:`live_handler`); the page runs the same through the job manager."""
    check_trainable(graph, config)
    handle, ended = live_handler(config, redraw)
    for event in train_gnn(graph, config):
        handle(event)
    return ended["done"]


def result_for(result: dict | None, sig: str) -> GraphDone | None:
    """The last run (``{"sig", "done"}``, as the page keeps it) if it was trained on the graph ``sig``."""
    return result["done"] if result and result["sig"] == sig else None


def snapshot_preds(done: GraphDone) -> list[tuple[str, np.ndarray]]:
    """(epoch as text, predicted class per node) of each kept snapshot: the graph figure's frames."""
    return [(str(s.epoch), s.pred) for s in done.snapshots]


def embedding_view(done: GraphDone, tr: Translate) -> tuple[np.ndarray, dict[str, str]]:
    """The run's hidden embeddings as 2-D frames (see ``embedding_frames``) and the figure's texts. Wider
    than two, the axes are principal components with their share of the variance, else ``h1`` and ``h2``."""
    frames, share = embedding_frames([s.hidden for s in done.snapshots])
    width = done.snapshots[-1].hidden.shape[1]
    axis = [tr("gnn.fig.pc", k=k + 1, share=f"{share[k]:.0%}") if width > 2 else f"h{k + 1}" for k in range(2)]
    return frames, {"title": tr("gnn.fig.embeddings", width=width), "x": axis[0], "y": axis[1],
                    "epoch": tr("gnn.fig.epoch"), "train": tr("gnn.fig.train_node"), "true": tr("gnn.fig.true"),
                    "pred": tr("gnn.fig.pred")}


# ---------------------------------------------------------------- 3. message passing


def default_node(graph: Graph) -> int:
    """The best connected node with at most :data:`READABLE_DEGREE` neighbours (the first such one; node 0
    when every node has more)."""
    degrees = np.array([graph.g.degree(v) for v in range(graph.n)])
    return int(np.argmax(np.where(degrees <= READABLE_DEGREE, degrees, -1)))


def attention(done: GraphDone | None, graph: Graph, features: str, node: int) -> dict[int, float] | None:
    """A trained GAT's first-layer attention into ``node`` (source -> weight, averaged over heads, self-loop
    included); None without a run or for another model."""
    if done is None or done.model.kind != "gat":
        return None
    edges, alpha = mean_attention(done.model, graph, features)
    return incoming_weights(edges, alpha, node)


@dataclass(frozen=True)
class NodeMessage:
    """One GCN step at one node, as the message-passing tab shows it.

    ``hop1``, ``hop2``: the nodes one and two hops away; ``trained``: the weights are the run's first GCN
    layer (else a fresh seeded one); ``attention``: see :func:`attention`; ``gap``: for a trained layer, the
    largest difference between PyTorch Geometric's output at the node and ``step.result``, else None;
    ``example``: see :func:`worked_example`.
    """

    step: MessageStep
    hop1: list[int]
    hop2: list[int]
    trained: bool
    attention: dict[int, float] | None
    gap: float | None
    example: dict | None

    @property
    def gcn_weights(self) -> dict[int, float]:
        """Source -> its GCN weight 1 / sqrt(d_i · d_j)."""
        return dict(zip(self.step.sources, self.step.weights))

    @property
    def weight_names(self) -> list[str]:
        """``source · w=weight`` of each of ``step.sources``: the rows of the weighted sum."""
        return [f"{s} · w={w:.3f}" for s, w in zip(self.step.sources, self.step.weights)]

    def attention_of_sources(self) -> np.ndarray:
        """The attention of each of ``step.sources`` in order (0 where there is none)."""
        return np.array([self.attention.get(s, 0.0) for s in self.step.sources])


def worked_example(graph: Graph, step: MessageStep) -> dict | None:
    """The weight of the node's first neighbour ``j`` worked out, as the ``gnn.mp.example`` text takes it:
    ``di``, ``dj`` (degrees counting the self-loop), ``w`` = 1 / sqrt(di · dj) and the node's own weight
    ``self_w``; None for a node without neighbours."""
    if len(step.sources) < 2:
        return None
    j = step.sources[1]
    return {"i": step.node, "j": j, "di": graph.g.degree(step.node) + 1, "dj": graph.g.degree(j) + 1,
            "w": f"{step.weights[1]:.3f}", "self_w": f"{step.weights[0]:.3f}"}


def node_message(done: GraphDone | None, graph: Graph, node: int) -> NodeMessage:
    """The GCN step at ``node`` with the run's features and first layer (or the identity and a fresh layer)."""
    model = done.model if done is not None else None
    features = done.config.features if done is not None else "identity"
    x = node_features(graph, features)  # (n, F)
    weight, bias, trained = gcn_layer_weights(model, x.shape[1])
    step = gcn_step(graph, x, weight, bias, node)
    hop1, hop2 = hops(graph, node)
    gap = float(np.abs(pyg_layer_output(model, graph, features)[node] - step.result).max()) if trained else None
    return NodeMessage(step, hop1, hop2, trained, attention(done, graph, features, node), gap,
                       worked_example(graph, step))
