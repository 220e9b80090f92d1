"""Recurrent networks: forecast a series with RNN/LSTM/GRU, model text, and look inside the cells."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pages._rnn_widgets import (
    charlm_view,
    gradient_view,
    job_block,
    sentiment_view,
    series_inside,
    show_job_error,
    text_inside,
)
from pages._ui import labeler, live_drawn, router_guard, share_link, show_error, tr, url_state
from playground import rnn_view as rv
from playground.data import DatasetError
from playground.rnn_view import DEMO, HIDDEN, LRS, MODELS, MODELS_URL, N_RANGE, TEST_SHARE, URL_CONTROLS
from playground.series import (
    SERIES_KINDS,
    SeriesConfig,
    SeriesError,
    check_config,
    csv_column,
    make_series,
    quick_forecast,
    split_point,
    train_forecasters,
)
from playground.viz.rnn import plot_forecasts, plot_loss_curves, plot_series

router_guard()

S = st.session_state


def settings_in_url() -> dict[str, str]:
    """``url_state`` for this page; the model multiselect travels as ``models=rnn,gru`` through a text copy."""
    first = "rnn.url_loaded" not in S
    if "rnn.series.models" in S:
        S[MODELS_URL] = ",".join(S["rnn.series.models"])
    else:
        S.pop(MODELS_URL, None)
    params = url_state("rnn", URL_CONTROLS)
    if first and MODELS_URL in S:
        S["rnn.series.models"] = [m for m in S[MODELS_URL].split(",") if m]
    return params


@st.cache_resource(show_spinner=False)
def demo_run():
    """The three models trained once per server on the default noisy sine (read-only, shared)."""
    return quick_forecast(make_series("sine", 300, 0.1, 0), DEMO)


def _series_values() -> np.ndarray | None:
    c = st.columns([2, 2, 1, 1])
    kind = c[0].selectbox(tr("rnn.series.kind"), SERIES_KINDS, format_func=labeler("rnn.series.kind."),
                          key="rnn.series.kind", help=tr("rnn.series.kind.help"))
    if kind == "csv":
        upload = c[1].file_uploader(tr("rnn.csv.upload"), type=["csv", "txt"], key="rnn.series.csv",
                                    help=tr("rnn.csv.upload.help"))
        if upload is None:
            st.info(tr("rnn.csv.none"), icon=":material/upload_file:")
            return None
        try:
            values, column, columns = csv_column(upload.getvalue())
            chosen = c[2].selectbox(tr("rnn.csv.column"), columns, key=f"rnn.series.column.{upload.file_id}")
            if chosen != column:
                values, column, _ = csv_column(upload.getvalue(), chosen)
        except DatasetError as exc:
            show_error(exc)
            return None
        st.caption(tr("rnn.csv.loaded", column=column, n=len(values)))
        return values
    n = c[1].slider(tr("rnn.series.n"), *N_RANGE, 300, 50, key="rnn.series.n")
    noise = c[2].slider(tr("rnn.series.noise"), 0.0, 0.5, 0.1, 0.05, key="rnn.series.noise")
    seed = c[3].number_input(tr("train.seed"), 0, 10_000, 0, key="rnn.series.seed")
    return make_series(kind, int(n), float(noise), int(seed))


def _series_config(n: int) -> SeriesConfig:
    c = st.columns(4)
    window = c[0].slider(tr("rnn.series.window"), 2, 80, 20, key="rnn.series.window", help=tr("rnn.series.window.help"))
    limit = rv.horizon_limit(n)
    if S.get("rnn.series.horizon", 1) > limit:  # a shorter series (or a link's horizon) than it was set for
        S["rnn.series.horizon"] = limit
    horizon = c[1].slider(tr("rnn.series.horizon"), 1, limit, rv.horizon_default(n), key="rnn.series.horizon",
                          help=tr("rnn.series.horizon.help"))
    hidden = c[2].selectbox(tr("rnn.hidden"), HIDDEN, index=2, key="rnn.series.hidden", help=tr("rnn.hidden.help"))
    epochs = c[3].number_input(tr("train.epochs"), 1, 200, 15, key="rnn.series.epochs")
    c = st.columns([3, 1])
    kinds = c[0].multiselect(tr("rnn.series.models"), MODELS, default=list(MODELS),
                             format_func=labeler("rnn.model."), key="rnn.series.models")
    lr = c[1].select_slider(tr("train.lr"), LRS, value=0.01, key="rnn.series.lr", format_func=lambda v: f"{v:g}",
                            help=tr("train.lr.help"))
    return SeriesConfig(window=int(window), horizon=int(horizon), hidden=int(hidden), epochs=int(epochs), lr=float(lr),
                        kinds=tuple(kinds))


def _results(result, caption: str, key: str) -> None:
    names = rv.model_names(tr)
    cfg = result.config
    st.caption(caption)
    labels = {k: tr(f"rnn.fig.{k}") for k in ("true", "one_step", "multi", "naive", "forecast", "step")}
    st.plotly_chart(plot_forecasts(result.values, result.cut, cfg.horizon, result.one_step, result.multi, names,
                                   labels), width="stretch", key=f"rnn.series.fig.{key}")
    multi_col = tr("rnn.table.multi", h=cfg.horizon)
    c = st.columns([3, 2])
    c[0].dataframe(pd.DataFrame(rv.mse_rows(result, tr)), hide_index=True, width="stretch",
                   column_config={tr("rnn.table.one_step"): st.column_config.NumberColumn(format="%.4f"),
                                  multi_col: st.column_config.NumberColumn(format="%.4f")})
    c[0].caption(tr("rnn.table.caption"))
    curve_labels = {"title": tr("rnn.fig.loss_title"), "epoch": tr("train.curve.epoch"), "loss": tr("rnn.fig.mse"),
                    "train": tr("train.curve.train"), "val": tr("train.curve.val")}
    c[1].plotly_chart(plot_loss_curves(result.losses, names, curve_labels), width="stretch",
                      key=f"rnn.series.loss.{key}")
    for kind, epoch in result.diverged.items():
        st.error(tr("rnn.series.diverged", model=names[kind], epoch=epoch, lr=f"{cfg.lr:g}"), icon=":material/error:")


def series_tab() -> None:
    st.markdown(tr("rnn.series.intro"))
    values = _series_values()
    if values is None:
        return
    cut = split_point(len(values), TEST_SHARE)
    st.plotly_chart(plot_series(values, cut, {"title": tr("rnn.fig.series_title"), "train": tr("train.curve.train"),
                                              "test": tr("rnn.fig.test"), "step": tr("rnn.fig.step")}),
                    width="stretch", key="rnn.series.preview")
    config = _series_config(len(values))
    try:
        check_config(len(values), config)
    except SeriesError as exc:
        show_error(exc)
        return

    def start():
        S.pop("rnn.series.error", None)
        return lambda stop: train_forecasters(values, config, stop)

    job_block("series", start, lambda events: rv.fold_series(events, tr))
    show_job_error("series")
    result = S.get("rnn.series.result")
    if result is not None:
        _results(result, tr("rnn.series.yours", reason=tr(f"rnn.status.{result.reason}")), "own")
    else:
        with st.spinner(tr("rnn.demo.training")):
            demo = demo_run()
        _results(demo, tr("rnn.demo.caption", window=DEMO.window, hidden=DEMO.hidden, epochs=DEMO.epochs), "demo")


def inside_tab() -> None:
    st.markdown(tr("rnn.inside.intro"))
    sources = ["demo"] + (["series"] if S.get("rnn.series.result") is not None else []) + (
        ["text"] if S.get("rnn.lm.model") is not None else [])
    source = st.radio(tr("rnn.inside.source"), sources, format_func=labeler("rnn.inside.source."), horizontal=True,
                      key="rnn.inside.source", help=tr("rnn.inside.source.help"))
    if source == "text":
        text_inside(S["rnn.lm.model"])
    else:
        result = demo_run() if source == "demo" else S["rnn.series.result"]
        series_inside(result.models, result.values, result, demo=source == "demo")
    gradient_view()


shared = settings_in_url()  # before the title row: a bad link's warning gets the page's width, not the button's
head = st.columns([6, 1], vertical_alignment="bottom")
head[0].title(tr("page.rnn.title"))
with head[1]:
    share_link(shared)
st.markdown(tr("rnn.intro"))
tab_series, tab_text, tab_inside = st.tabs([tr("rnn.tab.series"), tr("rnn.tab.text"), tr("rnn.tab.inside")])
with tab_series:
    series_tab()
with tab_text:
    part = st.radio(tr("rnn.text.part"), ("lm", "sentiment"), format_func=labeler("rnn.text.part."), horizontal=True,
                    key="rnn.text.part")
    if part == "lm":
        charlm_view()
    else:
        sentiment_view()
with tab_inside:
    inside_tab()
for name in ("series", "lm", "sent"):  # this full run drew every job's results: their live views may stop ticking
    live_drawn(f"rnn.{name}", f"rnn.{name}.job")
