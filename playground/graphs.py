"""Graphs for node classification: a registry of real and synthetic graphs, their labels, edge lists
typed or uploaded by a student, node features, a stable layout and the conversion to PyTorch Geometric.

Every loader returns a :class:`Graph`: a networkx graph whose nodes are ``0..n-1``, the node names, one
class per node and where that class comes from (an i18n key the page shows). Only the karate club
and the stochastic block model have true labels; for the other graphs the classes are communities
found by Louvain with a fixed seed, and the page says so.

networkx and numpy only: ``torch_geometric`` is imported inside :func:`to_pyg`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from playground.data import DatasetError

MAX_NODES = 500
MAX_EDGES = 5_000
MAX_BYTES = 200_000  # an uploaded edge list: 5,000 edges of two ids fit in ~60 KB
MAX_DEGREE_FEATURE = 16  # degree features: one-hot of min(degree, 16)
FEATURES: tuple[str, ...] = ("identity", "degree")
LAYOUT_SEED = 7


class GraphError(DatasetError):
    """A graph that cannot be used: ``key`` is an i18n key, ``message(lang)`` says what to change."""


@dataclass(frozen=True)
class GraphInfo:
    """A registry entry: ``labels`` is an i18n key saying where the classes come from."""

    key: str
    labels: str
    synthetic: bool = False


GRAPHS: dict[str, GraphInfo] = {
    "karate": GraphInfo("karate", "gnn.labels.karate"),
    "lesmis": GraphInfo("lesmis", "gnn.labels.communities"),
    "florentine": GraphInfo("florentine", "gnn.labels.communities"),
    "davis": GraphInfo("davis", "gnn.labels.davis"),
    "sbm": GraphInfo("sbm", "gnn.labels.sbm", synthetic=True),
    "custom": GraphInfo("custom", "gnn.labels.custom"),
}


@dataclass
class Graph:
    """A graph ready for node classification.

    ``g``: undirected networkx graph on nodes ``0..n-1`` (no self-loops); ``names[i]``: how node i is
    called in the source (a person, a family, an id); ``labels``: int64 (n,) class of every node;
    ``classes``: the class names; ``label_source``: i18n key; ``warnings``: (i18n key, kwargs) pairs
    about things that were fixed on the way in (dropped self-loops, merged duplicate edges).
    """

    key: str
    g: nx.Graph
    names: list[str]
    labels: np.ndarray
    classes: list[str]
    label_source: str
    warnings: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.g.number_of_nodes()

    def edges(self) -> np.ndarray:
        """Each undirected edge once, as an int64 array (E, 2)."""
        return np.asarray(list(self.g.edges()), dtype=np.int64).reshape(-1, 2)

    def neighbours(self, node: int) -> list[int]:
        """The neighbours of ``node``, sorted."""
        return sorted(self.g.neighbors(node))


# ---------------------------------------------------------------- loaders


def _relabel(g: nx.Graph) -> tuple[nx.Graph, list[str]]:
    """Nodes as 0..n-1 in the source's order, plus their original names; weights and self-loops dropped."""
    nodes = list(g.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    h = nx.Graph()
    h.add_nodes_from(range(len(nodes)))
    h.add_edges_from((index[a], index[b]) for a, b in g.edges() if a != b)
    return h, [str(v) for v in nodes]


def communities(g: nx.Graph, seed: int = 0) -> np.ndarray:
    """Louvain communities (fixed seed) as one class per node, biggest community first."""
    found = nx.community.louvain_communities(g, seed=seed)
    found = sorted(found, key=lambda c: (-len(c), min(c)))
    labels = np.zeros(g.number_of_nodes(), dtype=np.int64)
    for k, members in enumerate(found):
        labels[list(members)] = k
    return labels


def _community_graph(key: str, source: nx.Graph) -> Graph:
    g, names = _relabel(source)
    labels = communities(g)
    return Graph(key, g, names, labels, [f"C{k + 1}" for k in range(labels.max() + 1)], GRAPHS[key].labels)


def load_karate() -> Graph:
    """Zachary's karate club: 34 members, labelled with the faction each joined after the split."""
    source = nx.karate_club_graph()
    g, names = _relabel(source)
    classes = ["Mr. Hi", "Officer"]
    labels = np.array([classes.index(source.nodes[v]["club"]) for v in source.nodes()], dtype=np.int64)
    return Graph("karate", g, names, labels, classes, GRAPHS["karate"].labels)


def load_davis() -> Graph:
    """Davis's southern women (bipartite): 18 women and the 14 events they attended; class = node type."""
    source = nx.davis_southern_women_graph()
    g, names = _relabel(source)
    labels = np.array([source.nodes[v]["bipartite"] for v in source.nodes()], dtype=np.int64)
    return Graph("davis", g, names, labels, ["women", "events"], GRAPHS["davis"].labels)


def sbm(sizes: list[int] | tuple[int, ...], p_in: float, p_out: float, seed: int = 0) -> Graph:
    """A stochastic block model: ``len(sizes)`` communities, edge probability ``p_in`` inside a
    community and ``p_out`` between two. The class of a node is its block."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 2:
        raise GraphError("gnn.error.sbm_blocks")
    if sum(sizes) > MAX_NODES:
        raise GraphError("gnn.error.too_many_nodes", n=sum(sizes), max=MAX_NODES)
    if not (0 <= p_out <= 1 and 0 < p_in <= 1):
        raise GraphError("gnn.error.sbm_p")
    k = len(sizes)
    probs = [[p_in if i == j else p_out for j in range(k)] for i in range(k)]
    source = nx.stochastic_block_model(sizes, probs, seed=seed)
    g, _ = _relabel(source)
    labels = np.repeat(np.arange(k), sizes).astype(np.int64)
    return Graph("sbm", g, [str(i) for i in range(g.number_of_nodes())], labels,
                 [f"B{i + 1}" for i in range(k)], GRAPHS["sbm"].labels)


def load_graph(key: str, **options) -> Graph:
    """A graph of the registry by key. ``sbm`` takes ``sizes``, ``p_in``, ``p_out``, ``seed``;
    ``custom`` takes ``text`` (an edge list) and optional ``labels`` text (see :func:`parse_edge_list`).

    >>> load_graph("karate").n
    34
    """
    if key == "karate":
        return load_karate()
    if key == "lesmis":
        return _community_graph("lesmis", nx.les_miserables_graph())
    if key == "florentine":
        return _community_graph("florentine", nx.florentine_families_graph())
    if key == "davis":
        return load_davis()
    if key == "sbm":
        return sbm(**options)
    if key == "custom":
        return parse_edge_list(**options)
    raise GraphError("gnn.error.unknown_graph", key=key)


# ---------------------------------------------------------------- edge lists typed or uploaded

_SPLIT = re.compile(r"[\s,;]+")
_WORD = re.compile(r"[A-Za-z_][\w ]*")


def decode_upload(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The text of an uploaded edge-list file (UTF-8, else Windows-1252), refusing big or binary files."""
    if len(data) > max_bytes:
        raise GraphError("gnn.error.too_big", size=f"{len(data) / 1000:.0f}", max=f"{max_bytes / 1000:.0f}")
    if b"\x00" in data:
        raise GraphError("gnn.error.binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _tokens(text: str):
    """(line number, tokens) of every line that is not blank or a # comment."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, [tok for tok in _SPLIT.split(line) if tok]


def _node_id(token: str, number: int) -> int:
    if not re.fullmatch(r"\d+", token):
        raise GraphError("gnn.error.not_a_node", line=number, token=token[:20])
    return int(token)


def parse_edge_list(text: str, labels: str = "", max_nodes: int = MAX_NODES) -> Graph:
    """A graph from an edge list: one edge per line, two node ids (whole numbers ≥ 0) separated by a
    space, comma, semicolon or tab; ``#`` starts a comment; a first line of two words (a CSV header
    such as ``source,target``) is skipped. Self-loops are dropped and repeated edges merged (both
    become warnings). ``labels``: optional ``node,class`` lines; every node then needs one. Without
    them the classes are Louvain communities.

    Raises :class:`GraphError` naming the line for anything else.

    >>> parse_edge_list("0 1\\n1 2\\n2 0\\n2 3").n
    4
    """
    if text is None or not text.strip():
        raise GraphError("gnn.error.empty")
    edges: list[tuple[int, int]] = []
    loops = 0
    lines = list(_tokens(text))
    if lines and len(lines[0][1]) == 2 and all(_WORD.fullmatch(tok) for tok in lines[0][1]):
        lines = lines[1:]  # a CSV header such as "source,target"
    for number, toks in lines:
        if len(toks) == 1:
            raise GraphError("gnn.error.one_node", line=number)
        if len(toks) > 2:
            raise GraphError("gnn.error.too_many_tokens", line=number, n=len(toks))
        a, b = _node_id(toks[0], number), _node_id(toks[1], number)
        if a == b:
            loops += 1
            continue
        edges.append((a, b))
        if len(edges) > MAX_EDGES:
            raise GraphError("gnn.error.too_many_edges", max=MAX_EDGES)
    if not edges:
        raise GraphError("gnn.error.no_edges")
    ids = sorted({v for e in edges for v in e})
    if len(ids) > max_nodes:
        raise GraphError("gnn.error.too_many_nodes", n=len(ids), max=max_nodes)
    index = {v: i for i, v in enumerate(ids)}
    g = nx.Graph()
    g.add_nodes_from(range(len(ids)))
    g.add_edges_from((index[a], index[b]) for a, b in edges)
    warnings: list[tuple[str, dict]] = []
    if loops:
        warnings.append(("gnn.warn.self_loops", {"n": loops}))
    if len(edges) > g.number_of_edges():
        warnings.append(("gnn.warn.duplicates", {"n": len(edges) - g.number_of_edges()}))
    names = [str(v) for v in ids]
    if labels and labels.strip():
        y, classes = parse_labels(labels, ids)
        return Graph("custom", g, names, y, classes, "gnn.labels.custom_given", warnings)
    y = communities(g)
    classes = [f"C{k + 1}" for k in range(y.max() + 1)]
    return Graph("custom", g, names, y, classes, "gnn.labels.communities", warnings)


def parse_labels(text: str, ids: list[int]) -> tuple[np.ndarray, list[str]]:
    """``node,class`` lines for the nodes ``ids`` -> (class index per node, class names in order of
    first appearance). Every node needs exactly one class, and there must be at least two classes."""
    index = {v: i for i, v in enumerate(ids)}
    found: dict[int, str] = {}
    for number, toks in _tokens(text):
        if len(toks) != 2:
            raise GraphError("gnn.error.label_line", line=number)
        node = _node_id(toks[0], number)
        if node not in index:
            raise GraphError("gnn.error.label_unknown_node", line=number, node=node)
        found[index[node]] = toks[1][:24]
    missing = [ids[i] for i in range(len(ids)) if i not in found]
    if missing:
        raise GraphError("gnn.error.label_missing", n=len(missing), nodes=", ".join(map(str, missing[:8])))
    classes = list(dict.fromkeys(found[i] for i in range(len(ids))))
    if len(classes) < 2:
        raise GraphError("gnn.error.one_class")
    return np.array([classes.index(found[i]) for i in range(len(ids))], dtype=np.int64), classes


# ---------------------------------------------------------------- features, layout, PyG


def node_features(graph: Graph, kind: str = "identity") -> np.ndarray:
    """Input features (n, F) float32. ``identity``: one-hot node id (F = n), as in the karate GCN of
    the notes; the network learns a vector per node. ``degree``: one-hot of min(degree, 16) (F = 17);
    nodes with the same degree look the same, so only the structure can tell them apart."""
    n = graph.n
    if kind == "identity":
        return np.eye(n, dtype=np.float32)
    if kind == "degree":
        deg = np.array([min(graph.g.degree(v), MAX_DEGREE_FEATURE) for v in range(n)])
        return np.eye(MAX_DEGREE_FEATURE + 1, dtype=np.float32)[deg]
    raise GraphError("gnn.error.unknown_features", kind=kind)


def edge_index(graph: Graph) -> np.ndarray:
    """Both directions of every edge, int64 (2, 2E): the ``edge_index`` PyG layers take."""
    e = graph.edges()  # (E, 2)
    return np.concatenate([e, e[:, ::-1]], axis=0).T.copy()  # (2, 2E)


def layout(graph: Graph, seed: int = LAYOUT_SEED) -> np.ndarray:
    """A stable 2-D position per node (n, 2), each axis scaled into [-1, 1] to fill the figure: same
    graph, same picture."""
    if graph.key == "davis":
        pos = nx.bipartite_layout(graph.g, [v for v in range(graph.n) if graph.labels[v] == 0])
    else:
        pos = nx.spring_layout(graph.g, seed=seed, iterations=100)
    xy = np.array([pos[v] for v in range(graph.n)], dtype=np.float64)
    xy -= xy.mean(axis=0)
    return xy / np.maximum(np.abs(xy).max(axis=0), 1e-9)


def to_pyg(graph: Graph, features: str = "identity"):
    """A ``torch_geometric.data.Data`` with x (n, F), edge_index (2, 2E) and y (n,)."""
    import warnings

    import torch

    with warnings.catch_warnings():  # torch_geometric's import warns about torch.jit.script
        warnings.simplefilter("ignore", FutureWarning)
        from torch_geometric.data import Data

    return Data(x=torch.from_numpy(node_features(graph, features)),
                edge_index=torch.from_numpy(edge_index(graph)),
                y=torch.from_numpy(graph.labels))
