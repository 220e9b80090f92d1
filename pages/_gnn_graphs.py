"""The /gnn page's "whole graphs" tab: a GNN with a readout classifies small graphs by their shape.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.graph_classify``; figures come
from ``playground.viz.graph_shapes`` and ``playground.viz.graph``. These functions lay out widgets and translate.
"""
from __future__ import annotations

import streamlit as st

from pages._jobrun import run_bounded
from pages._ui import labeler, show_error, tr
from playground import graph_classify as gc
from playground.gnn import GNNError
from playground.gnn_view import HIDDEN, LRS
from playground.share import choice, number
from playground.viz.graph import plot_gnn_curves
from playground.viz.graph_shapes import plot_gallery, plot_graph_vectors
from playground.viz.training import plot_confusion

S = st.session_state
EXAMPLES_PER_SHAPE = 2
MAX_MISTAKES = 10  # wrong test graphs drawn at most
# The tab's settings in a shared link (the page adds them to its own).
URL_CONTROLS = (choice("gc_model", "gc.model", gc.MODELS), choice("gc_pool", "gc.pool", gc.POOLS),
                choice("gc_features", "gc.features", gc.FEATURES), number("gc_layers", "gc.layers", 1, 4),
                choice("gc_hidden", "gc.hidden", HIDDEN, int), choice("gc_lr", "gc.lr", LRS, float),
                number("gc_epochs", "gc.epochs", 1, 300), number("gc_noise", "gc.noise", 0.0, 1.0, float),
                number("gc_graphs", "gc.per_class", 10, 200), number("gc_seed", "gc.seed", 0, 9999))


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset(per_class: int, noise: float, seed: int) -> gc.ShapeSet:
    """The graphs of one setting, shared by every session (read-only)."""
    return gc.make_dataset(per_class, noise, seed)


def _shape_names() -> list[str]:
    return [tr(f"gc.shape.{s}") for s in gc.SHAPES]


def _chart(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", key=key, config={"displayModeBar": False})


def _config_form() -> gc.ClassifyConfig:
    """The settings, two to a row; returns a config (checked when training starts)."""
    model = st.radio(tr("gc.model"), gc.MODELS, format_func=labeler("gc.model."), key="gc.model", horizontal=True,
                     help=tr("gc.model.help"))
    pool = st.radio(tr("gc.pool"), gc.POOLS, format_func=labeler("gc.pool."), key="gc.pool", horizontal=True,
                    help=tr("gc.pool.help"))
    features = st.radio(tr("gc.features"), gc.FEATURES, format_func=labeler("gc.features."), key="gc.features",
                        horizontal=True, help=tr("gc.features.help"))
    c = st.columns(2)
    layers = int(c[0].number_input(tr("gnn.layers"), 1, 4, 2, key="gc.layers", help=tr("gc.layers.help")))
    hidden = int(c[1].select_slider(tr("gnn.hidden"), HIDDEN, 32, key="gc.hidden"))
    c = st.columns(2)
    lr = float(c[0].select_slider(tr("gnn.lr"), LRS, 0.01, key="gc.lr"))
    epochs = int(c[1].number_input(tr("gnn.epochs"), 1, 300, 40, 10, key="gc.epochs"))
    c = st.columns(2)
    per_class = int(c[0].number_input(tr("gc.per_class"), 10, 200, 60, 10, key="gc.per_class",
                                      help=tr("gc.per_class.help")))
    noise = float(c[1].slider(tr("gc.noise"), 0.0, 1.0, 0.0, 0.05, key="gc.noise", help=tr("gc.noise.help")))
    seed = int(st.number_input(tr("gnn.seed"), 0, 9999, 0, key="gc.seed"))
    return gc.ClassifyConfig(model=model, layers=layers, hidden=hidden, pool=pool, features=features, lr=lr,
                             epochs=epochs, per_class=per_class, noise=noise, seed=seed)


def _train(config: gc.ClassifyConfig) -> None:
    """Train in the shared job manager (a few seconds: a few hundred graphs of 6 to 14 nodes), followed here with a
    progress bar; the model of a run that ended (finished, stopped or failed with NaN) is kept."""
    bar = st.progress(0.0, text=tr("gc.progress", epoch=0, total=config.epochs, acc="–"))
    data = _dataset(config.per_class, config.noise, config.seed)

    def step(event: gc.ClassifyEpoch) -> None:
        bar.progress(event.epoch / config.epochs, text=tr("gc.progress", epoch=event.epoch, total=config.epochs,
                                                           acc=f"{event.test_acc:.0%}"))

    try:
        gc.check_config(config)
    except GNNError as exc:
        show_error(exc)
        return
    ended = {}

    def on_event(event) -> None:
        if isinstance(event, gc.ClassifyDone):
            ended["done"] = event
        else:
            step(event)

    run_bounded(lambda stop: gc.train_classifier(data, config, stop.is_set), on_event, "whole graphs")
    bar.empty()
    if "done" in ended:
        S["gc.result"] = ended["done"]


def whole_graphs_view() -> None:
    """Settings and Train beside example graphs (before a run) or the curves (after), then the results."""
    st.markdown(tr("gc.intro"))
    left, right = st.columns([1, 2], gap="medium")
    with left, st.container(border=True):
        config = _config_form()
        st.button(tr("gnn.train"), type="primary", icon=":material/play_arrow:", key="gc.train_button",
                  on_click=S.__setitem__, args=("gc.requested", True), width="stretch")
    with right:
        if S.pop("gc.requested", False):
            _train(config)
        done = S.get("gc.result")
        if done is None:
            data = _dataset(config.per_class, config.noise, config.seed)
            picks = [i for k in range(len(gc.SHAPES)) for i in
                     [j for j in range(len(data.labels)) if data.labels[j] == k][:EXAMPLES_PER_SHAPE]]
            _chart(plot_gallery([data.graphs[i] for i in picks], [int(data.labels[i]) for i in picks],
                                [_shape_names()[data.labels[i]] for i in picks]), "gc.examples")
            st.caption(tr("gc.examples.caption", n=len(data.graphs), test=int(data.test.sum())))
        else:
            _chart(plot_gnn_curves(done.history, {"loss": tr("gc.fig.loss"), "accuracy": tr("gnn.fig.accuracy"),
                                                  "epoch": tr("gnn.fig.epoch"), "train": tr("gc.fig.train"),
                                                  "test": tr("gc.fig.test")}), "gc.curves")
    if done is not None:
        _results(done)


def _results(done: gc.ClassifyDone) -> None:
    cfg = done.config
    data = _dataset(cfg.per_class, cfg.noise, cfg.seed)
    if done.error:
        st.error(tr(done.error), icon=":material/error:")
    if not done.history:
        return
    names = _shape_names()
    true = data.labels[done.test_index]
    st.subheader(tr("gc.results", model=tr(f"gc.model.{cfg.model}"), pool=tr(f"gc.pool.{cfg.pool}"),
                    features=tr(f"gc.features.{cfg.features}")))
    st.metric(tr("gc.test_acc"), f"{done.test_acc:.1%}", help=tr("gc.test_acc.help", chance=f"{1 / len(names):.0%}"))
    xy, share = gc.project_2d(done.test_vectors)
    if not share.any():
        st.warning(tr("gc.same_vector"), icon=":material/visibility_off:")
    c = st.columns(2)
    with c[0]:
        _chart(plot_confusion(gc.confusion(true, done.test_pred), names, tr("gc.confusion"), tr("gc.true"),
                              tr("gc.pred")), "gc.confusion")
    with c[1]:
        _chart(plot_graph_vectors(xy, true, done.test_pred, names, {
            "title": tr("gc.vectors"), "x": tr("gc.vectors.axis", k=1, share=f"{share[0]:.0%}"),
            "y": tr("gc.vectors.axis", k=2, share=f"{share[1]:.0%}"), "true": tr("gc.true"), "pred": tr("gc.pred"),
            "wrong": tr("gc.wrong")}), "gc.vectors")
        st.caption(tr("gc.vectors.caption"))
    wrong = [i for i, (t, p) in enumerate(zip(true, done.test_pred)) if t != p][:MAX_MISTAKES]
    st.markdown(f"**{tr('gc.mistakes')}**")
    if not wrong:
        st.caption(tr("gc.no_mistakes"))
        return
    _chart(plot_gallery([data.graphs[done.test_index[i]] for i in wrong], [int(done.test_pred[i]) for i in wrong],
                        [f"{names[true[i]]} → {names[done.test_pred[i]]}" for i in wrong], wrong=[True] * len(wrong)),
           "gc.mistakes")
    st.caption(tr("gc.mistakes.caption"))
