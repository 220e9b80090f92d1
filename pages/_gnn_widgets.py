"""Streamlit views of the /gnn page: choosing a graph, training a GNN live, and one message-passing step.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.graphs``, ``playground.gnn``,
``playground.gnn_view`` and ``playground.viz.graph``; these functions lay out widgets and translate.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from pages._jobrun import run_bounded
from pages._ui import labeler, show_error, tr
from playground import gnn_view as gv
from playground.gnn import MODELS, PICKS, GNNConfig, GNNError, check_trainable, train_gnn
from playground.gnn_view import EXAMPLE, EXAMPLE_LABELS, HIDDEN, LRS, SBM_MAX_SIZE
from playground.graphs import FEATURES, GRAPHS, Graph, GraphError, decode_upload
from playground.viz.graph import (
    plot_embeddings,
    plot_gnn_curves,
    plot_graph,
    plot_message_sum,
    plot_neighbourhood,
    plot_weight_bars,
)

S = st.session_state


def _chart(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", key=key, config={"displayModeBar": False})


@st.cache_resource(show_spinner=False, max_entries=32)
def _graph(key: str, options: tuple) -> tuple[Graph, np.ndarray]:
    """A graph and its layout, shared by every session (read-only)."""
    return gv.load(key, options)


# ---------------------------------------------------------------- 1. the graph


def _sbm_options() -> tuple:
    c = st.columns(5)
    k = int(c[0].number_input(tr("gnn.sbm.blocks"), 2, 6, 3, key="gnn.sbm.blocks", help=tr("gnn.sbm.blocks.help")))
    size = int(c[1].number_input(tr("gnn.sbm.size"), 2, SBM_MAX_SIZE, 25, key="gnn.sbm.size"))
    p_in = c[2].slider(tr("gnn.sbm.p_in"), 0.01, 1.0, 0.3, 0.01, key="gnn.sbm.p_in", help=tr("gnn.sbm.p_in.help"))
    p_out = c[3].slider(tr("gnn.sbm.p_out"), 0.0, 1.0, 0.02, 0.01, key="gnn.sbm.p_out",
                        help=tr("gnn.sbm.p_out.help"))
    seed = int(c[4].number_input(tr("gnn.seed"), 0, 9999, 0, key="gnn.sbm.seed"))
    return gv.sbm_options(k, size, p_in, p_out, seed)


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
    return gv.custom_options(text, labels)


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
    st.caption(tr("gnn.graph.summary", n=graph.n, e=graph.g.number_of_edges(), counts=gv.class_counts(graph)) + " " +
               tr(graph.label_source))
    return gv.signature(key, options), graph, pos


# ---------------------------------------------------------------- 2. training


def _graph_labels() -> dict[str, str]:
    return {"title": tr("gnn.fig.graph"), "true": tr("gnn.fig.true"), "pred": tr("gnn.fig.pred"),
            "train": tr("gnn.fig.train_node"), "epoch": tr("gnn.fig.epoch")}


def _curve_labels() -> dict[str, str]:
    return {"loss": tr("gnn.fig.loss"), "accuracy": tr("gnn.fig.accuracy"), "epoch": tr("gnn.fig.epoch"),
            "train": tr("gnn.fig.acc_train"), "test": tr("gnn.fig.acc_test")}


def config_form():
    """The model settings, two to a row (for a narrow column); returns a GNNConfig (not yet checked)."""
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
    """Train in the shared job manager (a few hundred full-graph steps: about a second), redrawing as it goes."""
    bar = st.progress(0.0, text=tr("gnn.train.progress", epoch=0, total=config.epochs))

    def redraw(event) -> None:
        bar.progress(event.epoch / config.epochs, text=tr("gnn.train.progress", epoch=event.epoch, total=config.epochs))
        with slot.container():
            _chart(plot_graph(pos, graph.edges(), graph.labels, graph.names, graph.classes, _graph_labels(),
                              preds=[(str(event.epoch), event.pred)]), f"gnn.graph_live.{event.epoch}")

    try:
        check_trainable(graph, config)
    except GNNError as exc:
        show_error(exc)
        return
    handle, ended = gv.live_handler(config, redraw)
    run_bounded(lambda stop: train_gnn(graph, config, stop.is_set), handle, "graph nodes")
    bar.empty()
    if "done" in ended:
        S["gnn.result"] = {"sig": sig, "done": ended["done"]}


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
        done = gv.result_for(S.get("gnn.result"), sig)
        with slot.container():
            if done is None:
                _chart(plot_graph(pos, graph.edges(), graph.labels, graph.names, graph.classes, _graph_labels()),
                       "gnn.graph_fig")
                st.caption(tr("gnn.graph.untrained"))
            else:
                _chart(plot_graph(pos, graph.edges(), graph.labels, graph.names, graph.classes, _graph_labels(),
                                  preds=gv.snapshot_preds(done), train_mask=done.train_mask), "gnn.graph_fig")
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
    frames, labels = gv.embedding_view(done, tr)
    _chart(plot_embeddings(frames, [s.epoch for s in done.snapshots], graph.labels, graph.names, graph.classes,
                           done.train_mask, labels), "gnn.embeddings")
    st.caption(tr("gnn.embeddings.caption"))


# ---------------------------------------------------------------- 3. message passing


def message_view(sig: str, graph: Graph, pos: np.ndarray) -> None:
    """Pick a node: its neighbourhood, its GCN weights, and its new vector as a weighted sum."""
    done = gv.result_for(S.get("gnn.result"), sig)
    names = [f"{v} · {graph.names[v]} ({tr('gnn.mp.degree', d=graph.g.degree(v))})" for v in range(graph.n)]
    node = st.selectbox(tr("gnn.mp.node"), range(graph.n), index=gv.default_node(graph), key=f"gnn.mp.node.{sig}",
                        format_func=names.__getitem__)
    msg = gv.node_message(done, graph, node)
    step, attention = msg.step, msg.attention
    use_att = attention is not None and st.toggle(tr("gnn.mp.show_attention"), True, key="gnn.mp.attention")
    labels = {"title": tr("gnn.fig.hood", node=node), "node": tr("gnn.fig.node"), "hop1": tr("gnn.fig.hop1"),
              "hop2": tr("gnn.fig.hop2"), "weight": tr("gnn.fig.att" if use_att else "gnn.fig.weight")}
    c = st.columns([3, 2])
    with c[0]:
        _chart(plot_neighbourhood(pos, graph.edges(), node, msg.hop1, msg.hop2, graph.names,
                                  attention if use_att else msg.gcn_weights, labels), "gnn.hood")
        st.caption(tr("gnn.mp.hood_caption", n1=len(msg.hop1), n2=len(msg.hop2)))
    with c[1]:
        st.markdown(tr("gnn.mp.formula"))
        st.latex(r"h_i' = \sum_{j \in N(i) \cup \{i\}} \frac{1}{\sqrt{d_i\,d_j}}\; W x_j + b")
        if msg.example is not None:
            st.markdown(tr("gnn.mp.example", **msg.example))
        st.caption(tr("gnn.mp.layer_trained" if msg.trained else "gnn.mp.layer_fresh", d=len(step.bias)))
    _chart(plot_message_sum(msg.weight_names, step.weighted, step.bias, step.result,
                            {"title": tr("gnn.fig.sum", node=node), "bias": tr("gnn.fig.bias"),
                             "result": tr("gnn.fig.result", node=node), "dim": tr("gnn.fig.dim")}), "gnn.sum")
    if msg.trained:
        st.caption(tr("gnn.mp.oracle", gap=f"{msg.gap:.1e}"))
    if attention is not None:
        _chart(plot_weight_bars([str(s) for s in step.sources], step.weights, msg.attention_of_sources(),
                                {"title": tr("gnn.fig.bars", node=node), "gcn": tr("gnn.fig.weight"),
                                 "gat": tr("gnn.fig.att"), "x": tr("gnn.fig.source")}), "gnn.bars")
        st.caption(tr("gnn.mp.attention_caption", total=f"{sum(attention.values()):.3f}"))
