"""Streamlit views of the /gnn page: choosing a graph, training a GNN live, and one message-passing step.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.graphs``,
``playground.gnn`` and ``playground.viz.graph``; these functions lay out widgets and translate.
"""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from pages._ui import labeler, show_error, tr
from playground.graphs import FEATURES, GRAPHS, MAX_NODES, Graph, GraphError, decode_upload, layout, load_graph
from playground.viz.graph import (
    plot_embeddings,
    plot_gnn_curves,
    plot_graph,
    plot_message_sum,
    plot_neighbourhood,
    plot_weight_bars,
)

S = st.session_state
EXAMPLE = "# two groups joined by one edge\n0 1\n0 2\n1 2\n2 3\n3 4\n3 5\n4 5\n"
EXAMPLE_LABELS = ""  # without classes the example gets its two Louvain communities
LIVE_UPDATES = 8  # redraws of the graph while training
HIDDEN = (2, 4, 8, 16, 32, 64)  # the hidden widths on offer
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SBM_MAX_SIZE = MAX_NODES // 6  # nodes per block: six blocks still fit the node limit


def _chart(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", key=key, config={"displayModeBar": False})


@st.cache_resource(show_spinner=False, max_entries=32)
def _graph(key: str, options: tuple) -> tuple[Graph, np.ndarray]:
    """A graph and its layout, shared by every session (read-only)."""
    graph = load_graph(key, **dict(options))
    return graph, layout(graph)


# ---------------------------------------------------------------- 1. the graph


def _sbm_options() -> tuple:
    c = st.columns(5)
    k = int(c[0].number_input(tr("gnn.sbm.blocks"), 2, 6, 3, key="gnn.sbm.blocks", help=tr("gnn.sbm.blocks.help")))
    size = int(c[1].number_input(tr("gnn.sbm.size"), 2, SBM_MAX_SIZE, 25, key="gnn.sbm.size"))
    p_in = c[2].slider(tr("gnn.sbm.p_in"), 0.01, 1.0, 0.3, 0.01, key="gnn.sbm.p_in", help=tr("gnn.sbm.p_in.help"))
    p_out = c[3].slider(tr("gnn.sbm.p_out"), 0.0, 1.0, 0.02, 0.01, key="gnn.sbm.p_out",
                        help=tr("gnn.sbm.p_out.help"))
    seed = int(c[4].number_input(tr("gnn.seed"), 0, 9999, 0, key="gnn.sbm.seed"))
    return (("sizes", (size,) * k), ("p_in", float(p_in)), ("p_out", float(p_out)), ("seed", seed))


def _custom_options() -> tuple | None:
    c = st.columns([2, 1])
    with c[0]:
        source = st.radio(tr("gnn.custom.source"), ("type", "upload"), format_func=labeler("gnn.custom.source."),
                          horizontal=True, key="gnn.custom.source")
        if source == "type":
            text = st.text_area(tr("gnn.custom.edges"), EXAMPLE, height=180, key="gnn.custom.edges",
                                help=tr("gnn.custom.edges.help"))
        else:
            upload = st.file_uploader(tr("gnn.custom.upload"), type=["csv", "txt", "tsv"], key="gnn.custom.upload",
                                      help=tr("gnn.custom.edges.help"))
            if upload is None:
                st.info(tr("gnn.custom.upload.none"), icon=":material/upload_file:")
                return None
            text = decode_upload(upload.getvalue())
    with c[1]:
        labels = st.text_area(tr("gnn.custom.labels"), EXAMPLE_LABELS if source == "type" else "", height=180,
                              key=f"gnn.custom.labels.{source}", help=tr("gnn.custom.labels.help"))
    return (("text", text), ("labels", labels))


def graph_picker() -> tuple[str, Graph, np.ndarray] | None:
    """Choose a graph (and its options); returns (signature, graph, layout), or None after an error."""
    key = st.selectbox(tr("gnn.graph"), list(GRAPHS), format_func=labeler("gnn.graph."), key="gnn.graph",
                       help=tr("gnn.graph.help"))
    try:
        options = _sbm_options() if key == "sbm" else _custom_options() if key == "custom" else ()
        if options is None:
            return None
        graph, pos = _graph(key, options)
    except GraphError as exc:
        show_error(exc)
        return None
    for warn_key, kwargs in graph.warnings:
        st.warning(tr(warn_key, **kwargs), icon=":material/warning:")
    counts = ", ".join(f"{name}: {int((graph.labels == k).sum())}" for k, name in enumerate(graph.classes))
    st.caption(tr("gnn.graph.summary", n=graph.n, e=graph.g.number_of_edges(), counts=counts) + " " +
               tr(graph.label_source))
    return f"{key}:{hashlib.md5(repr(options).encode()).hexdigest()[:12]}", graph, pos


# ---------------------------------------------------------------- 2. training


def _graph_labels() -> dict[str, str]:
    return {"title": tr("gnn.fig.graph"), "true": tr("gnn.fig.true"), "pred": tr("gnn.fig.pred"),
            "train": tr("gnn.fig.train_node"), "epoch": tr("gnn.fig.epoch")}


def _curve_labels() -> dict[str, str]:
    return {"loss": tr("gnn.fig.loss"), "accuracy": tr("gnn.fig.accuracy"), "epoch": tr("gnn.fig.epoch"),
            "train": tr("gnn.fig.acc_train"), "test": tr("gnn.fig.acc_test")}


def config_form():
    """The model settings, two to a row (for a narrow column); returns a GNNConfig (not yet checked)."""
    from playground.gnn import MODELS, PICKS, GNNConfig

    model = st.radio(tr("gnn.model"), MODELS, format_func=labeler("gnn.model."), key="gnn.model", horizontal=True,
                     help=tr("gnn.model.help"))
    c = st.columns(2)
    layers = int(c[0].number_input(tr("gnn.layers"), 1, 4, 2, key="gnn.layers", help=tr("gnn.layers.help")))
    hidden = int(c[1].select_slider(tr("gnn.hidden"), HIDDEN, 16, key="gnn.hidden",
                                    help=tr("gnn.hidden.help")))
    c = st.columns(2)
    heads = int(c[0].number_input(tr("gnn.heads"), 1, 8, 2, key="gnn.heads", help=tr("gnn.heads.help"),
                                  disabled=model != "gat"))
    dropout = c[1].slider(tr("gnn.dropout"), 0.0, 0.9, 0.5, 0.05, key="gnn.dropout", help=tr("gnn.dropout.help"))
    c = st.columns(2)
    lr = c[0].select_slider(tr("gnn.lr"), LRS, 0.01, key="gnn.lr")
    epochs = int(c[1].number_input(tr("gnn.epochs"), 1, 1000, 200, 50, key="gnn.epochs"))
    c = st.columns(2)
    per_class = int(c[0].number_input(tr("gnn.per_class"), 1, 50, 1, key="gnn.per_class",
                                      help=tr("gnn.per_class.help")))
    seed = int(c[1].number_input(tr("gnn.seed"), 0, 9999, 0, key="gnn.seed"))
    c = st.columns(2)
    pick = c[0].radio(tr("gnn.pick"), PICKS, index=PICKS.index("hubs"), format_func=labeler("gnn.pick."),
                      key="gnn.pick", help=tr("gnn.pick.help"))
    features = c[1].radio(tr("gnn.features"), FEATURES, format_func=labeler("gnn.features."), key="gnn.features",
                          help=tr("gnn.features.help"))
    return GNNConfig(model=model, layers=layers, hidden=hidden, heads=heads, dropout=float(dropout), lr=float(lr),
                     epochs=epochs, per_class=per_class, features=features, pick=pick, seed=seed)


def _train(sig: str, graph: Graph, pos: np.ndarray, config, slot) -> None:
    """Train synchronously (a few hundred full-graph steps take about a second), redrawing as it goes."""
    from playground.gnn import GNNError, GraphDone, train_gnn

    bar = st.progress(0.0, text=tr("gnn.train.progress", epoch=0, total=config.epochs))
    every = max(1, config.epochs // LIVE_UPDATES)
    done = None
    try:
        for event in train_gnn(graph, config):
            if isinstance(event, GraphDone):
                done = event
                break
            if event.epoch % every == 0:
                bar.progress(event.epoch / config.epochs,
                             text=tr("gnn.train.progress", epoch=event.epoch, total=config.epochs))
                with slot.container():
                    _chart(plot_graph(pos, graph.edges(), graph.labels, graph.names, graph.classes, _graph_labels(),
                                      preds=[(str(event.epoch), event.pred)]), f"gnn.graph_live.{event.epoch}")
    except GNNError as exc:
        show_error(exc)
        return
    bar.empty()
    S["gnn.result"] = {"sig": sig, "done": done}


def _result_for(sig: str):
    result = S.get("gnn.result")
    return result["done"] if result and result["sig"] == sig else None


def train_view(sig: str, graph: Graph, pos: np.ndarray) -> None:
    """Settings and the Train button beside the graph, then the curves and the embeddings of the last run."""
    left, right = st.columns([1, 2], gap="medium")
    with left, st.container(border=True):
        config = config_form()
        # A callback, not the button's return value: it survives router_guard's rerun of a deep link.
        st.button(tr("gnn.train"), type="primary", icon=":material/play_arrow:", key="gnn.train_button",
                  on_click=S.__setitem__, args=("gnn.requested", True), width="stretch")
    with right:
        slot = st.empty()
        if S.pop("gnn.requested", False):
            _train(sig, graph, pos, config, slot)
        done = _result_for(sig)
        with slot.container():
            if done is None:
                _chart(plot_graph(pos, graph.edges(), graph.labels, graph.names, graph.classes, _graph_labels()),
                       "gnn.graph_fig")
                st.caption(tr("gnn.graph.untrained"))
            else:
                preds = [(str(s.epoch), s.pred) for s in done.snapshots]
                _chart(plot_graph(pos, graph.edges(), graph.labels, graph.names, graph.classes, _graph_labels(),
                                  preds=preds, train_mask=done.train_mask), "gnn.graph_fig")
                st.caption(tr("gnn.graph.caption"))
    if done is not None:
        _results(done, graph)


def _results(done, graph: Graph) -> None:
    if done.error:
        st.error(tr(done.error), icon=":material/error:")
    if not done.history:
        return
    last = done.history[-1]
    c = st.columns(4)
    c[0].metric(tr("gnn.metric.test"), f"{last['test_acc']:.0%}", help=tr("gnn.metric.test.help"))
    c[1].metric(tr("gnn.metric.train"), f"{last['train_acc']:.0%}")
    c[2].metric(tr("gnn.metric.labelled"), f"{int(done.train_mask.sum())} / {graph.n}")
    c[3].metric(tr("gnn.metric.epochs"), str(last["epoch"]))
    _chart(plot_gnn_curves(done.history, _curve_labels()), "gnn.curves")
    from playground.gnn import embedding_frames

    frames, share = embedding_frames([s.hidden for s in done.snapshots])
    width = done.snapshots[-1].hidden.shape[1]
    axis = [tr("gnn.fig.pc", k=k + 1, share=f"{share[k]:.0%}") if width > 2 else f"h{k + 1}" for k in range(2)]
    labels = {"title": tr("gnn.fig.embeddings", width=width), "x": axis[0], "y": axis[1],
              "epoch": tr("gnn.fig.epoch"), "train": tr("gnn.fig.train_node"), "true": tr("gnn.fig.true"),
              "pred": tr("gnn.fig.pred")}
    _chart(plot_embeddings(frames, [s.epoch for s in done.snapshots], graph.labels, graph.names, graph.classes,
                           done.train_mask, labels), "gnn.embeddings")
    st.caption(tr("gnn.embeddings.caption"))


# ---------------------------------------------------------------- 3. message passing


def message_view(sig: str, graph: Graph, pos: np.ndarray) -> None:
    """Pick a node: its neighbourhood, its GCN weights, and its new vector as a weighted sum."""
    from playground.gnn import gcn_layer_weights, gcn_step, hops

    done = _result_for(sig)
    model = done.model if done is not None else None
    features = done.config.features if done is not None else "identity"
    # Start on a node with a handful of neighbours: every weight stays readable.
    degrees = np.array([graph.g.degree(v) for v in range(graph.n)])
    default = int(np.argmax(np.where(degrees <= 6, degrees, -1)))
    names = [f"{v} · {graph.names[v]} ({tr('gnn.mp.degree', d=graph.g.degree(v))})" for v in range(graph.n)]
    node = st.selectbox(tr("gnn.mp.node"), range(graph.n), index=default, key=f"gnn.mp.node.{sig}",
                        format_func=names.__getitem__)
    from playground.graphs import node_features

    x = node_features(graph, features)  # (n, F)
    weight, bias, trained = gcn_layer_weights(model, x.shape[1])
    step = gcn_step(graph, x, weight, bias, node)
    hop1, hop2 = hops(graph, node)
    gcn_w = dict(zip(step.sources, step.weights))
    attention = _attention(done, graph, features, node)
    use_att = attention is not None and st.toggle(tr("gnn.mp.show_attention"), True, key="gnn.mp.attention")
    labels = {"title": tr("gnn.fig.hood", node=node), "node": tr("gnn.fig.node"), "hop1": tr("gnn.fig.hop1"),
              "hop2": tr("gnn.fig.hop2"), "weight": tr("gnn.fig.att" if use_att else "gnn.fig.weight")}
    c = st.columns([3, 2])
    with c[0]:
        _chart(plot_neighbourhood(pos, graph.edges(), node, hop1, hop2, graph.names,
                                  attention if use_att else gcn_w, labels), "gnn.hood")
        st.caption(tr("gnn.mp.hood_caption", n1=len(hop1), n2=len(hop2)))
    with c[1]:
        st.markdown(tr("gnn.mp.formula"))
        st.latex(r"h_i' = \sum_{j \in N(i) \cup \{i\}} \frac{1}{\sqrt{d_i\,d_j}}\; W x_j + b")
        d_i = graph.g.degree(node) + 1
        if len(step.sources) > 1:
            j = step.sources[1]
            d_j = graph.g.degree(j) + 1
            st.markdown(tr("gnn.mp.example", i=node, j=j, di=d_i, dj=d_j, w=f"{step.weights[1]:.3f}",
                           self_w=f"{step.weights[0]:.3f}"))
        st.caption(tr("gnn.mp.layer_trained" if trained else "gnn.mp.layer_fresh", d=len(bias)))
    names = [f"{s} · w={w:.3f}" for s, w in zip(step.sources, step.weights)]
    _chart(plot_message_sum(names, step.weighted, step.bias, step.result,
                            {"title": tr("gnn.fig.sum", node=node), "bias": tr("gnn.fig.bias"),
                             "result": tr("gnn.fig.result", node=node), "dim": tr("gnn.fig.dim")}), "gnn.sum")
    if trained:
        from playground.gnn import pyg_layer_output

        gap = float(np.abs(pyg_layer_output(model, graph, features)[node] - step.result).max())
        st.caption(tr("gnn.mp.oracle", gap=f"{gap:.1e}"))
    if attention is not None:
        sources = step.sources
        _chart(plot_weight_bars([str(s) for s in sources], step.weights, np.array([attention.get(s, 0.0)
                                                                                    for s in sources]),
                                {"title": tr("gnn.fig.bars", node=node), "gcn": tr("gnn.fig.weight"),
                                 "gat": tr("gnn.fig.att"), "x": tr("gnn.fig.source")}), "gnn.bars")
        st.caption(tr("gnn.mp.attention_caption", total=f"{sum(attention.values()):.3f}"))


def _attention(done, graph: Graph, features: str, node: int) -> dict[int, float] | None:
    if done is None or done.model.kind != "gat":
        return None
    from playground.gnn import incoming_weights, mean_attention

    edges, alpha = mean_attention(done.model, graph, features)
    return incoming_weights(edges, alpha, node)
