"""Streamlit sections of the /activations page: f and f′, softmax, the perceptron, and a live MLP.

Not a page (``app.py`` lists pages explicitly). The numbers come from ``playground.activations`` and
``playground.activation_view``, the figures from ``playground.viz.activations`` (and ``viz.training``).
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from pages._ui import labeler, live_drawn, live_fragment, session_id, show_error, tr
from playground.activation_view import (
    ALPHA_RANGE,
    LRS,
    TOYS,
    UNITS,
    X,
    boundary,
    current_net,
    curve,
    end_job,
    flat_share,
    fold_events,
    new_net,
    parse_logits,
    train_config,
    train_settings,
    weighted_terms,
)
from playground.activations import ACTIVATIONS, code_lines, dead_units, entropy_bits, perceptron, softmax
from playground.data import DatasetError, load_dataset
from playground.training import train
from playground.viz.activations import plot_activation, plot_perceptron, plot_softmax
from playground.viz.training import plot_decision_boundary

S = st.session_state


def _labels() -> dict[str, str]:
    return {"f": tr("activations.fig.f"), "df": tr("activations.fig.df"), "zone": tr("activations.fig.zone"),
            "point": tr("activations.fig.point")}


def pick_activation() -> tuple[str, float | None]:
    """The activation every section uses, and its α where it takes one (placed in the sidebar: always in reach)."""
    name = st.selectbox(tr("activations.pick"), list(ACTIVATIONS), index=list(ACTIVATIONS).index("relu"),
                        format_func=labeler("activations.name."), key="activations.name",
                        help=tr("activations.pick.help"))
    alpha = None
    if ACTIVATIONS[name].uses_alpha:
        lo, hi, step = ALPHA_RANGE[name]
        alpha = st.slider("α", lo, hi, ACTIVATIONS[name].default_alpha, step=step, key=f"activations.alpha.{name}",
                            help=tr(f"activations.alpha.{name}.help"))
    return name, alpha


def functions_section(name: str, alpha: float | None) -> None:
    """f and f′ with the saturation zones shaded, the formulas, and the code in both frameworks."""
    f, df, zones = curve(name, alpha)
    c = st.columns([3, 2])
    title = tr("activations.fig.title", name=tr(f"activations.name.{name}"))
    c[0].plotly_chart(plot_activation(X, f, df, zones, _labels(), title), width="stretch", key="activations.fig")
    with c[1]:
        st.latex(ACTIVATIONS[name].formula)
        st.latex(ACTIVATIONS[name].dformula)
        st.markdown(tr(f"activations.about.{name}"))
        st.caption(tr("activations.zone.caption", share=f"{flat_share(df):.0%}"))
        torch_line, keras_line = code_lines(name, alpha)
        st.code(f"# PyTorch\ny = {torch_line}\n# Keras / TensorFlow\ny = {keras_line}", language="python")


def softmax_section() -> None:
    """Logits the student types, a temperature slider, probabilities as bars (T = 1 as outlines)."""
    c = st.columns([2, 2, 1])
    text = c[0].text_input(tr("activations.softmax.logits"), "2.0, 1.0, 0.1, -1.0", key="activations.softmax.z",
                           help=tr("activations.softmax.logits.help"))
    temp = c[1].slider(tr("activations.softmax.t"), 0.1, 5.0, 1.0, step=0.1, key="activations.softmax.t",
                       help=tr("activations.softmax.t.help"))
    try:
        z = parse_logits(text)
    except ValueError:
        st.error(tr("activations.softmax.bad", text=text), icon=":material/error:")
        return
    p, p1 = softmax(z, temp), softmax(z, 1.0)
    c[2].metric(tr("activations.softmax.entropy"), f"{entropy_bits(p):.2f}", help=tr("activations.softmax.entropy.help",
                                                                            max=f"{np.log2(len(z)):.2f}"))
    names = [f"z{i + 1}" for i in range(len(z))]
    labels = {"logits": tr("activations.softmax.fig.logits"),
              "probs": tr("activations.softmax.fig.probs", t=f"{temp:g}"),
              "t1": tr("activations.softmax.fig.t1"), "chosen": tr("activations.softmax.fig.chosen", t=f"{temp:g}")}
    st.plotly_chart(plot_softmax(names, z, p, p1, labels), width="stretch", key="activations.softmax.fig")
    st.caption(tr("activations.softmax.caption"))


def perceptron_section(name: str, alpha: float | None) -> None:
    """Three inputs, three weights and a bias → z → f(z): a diagram and the point on the curve."""
    c = st.columns([1, 1, 3])
    x = [c[0].slider(f"x{i + 1}", -2.0, 2.0, v, 0.1, key=f"activations.p.x{i + 1}")
         for i, v in enumerate((1.0, 0.5, -1.0))]
    w = [c[1].slider(f"w{i + 1}", -2.0, 2.0, v, 0.1, key=f"activations.p.w{i + 1}")
         for i, v in enumerate((0.8, -0.4, 0.3))]
    b = c[1].slider("b", -2.0, 2.0, 0.1, 0.1, key="activations.p.b", help=tr("activations.p.bias.help"))
    out = perceptron(np.array(x), np.array(w), b, name, alpha)
    c[0].markdown(tr("activations.p.sum", terms=weighted_terms(w, x), b=f"{b:g}", z=f"{out.z:.2f}"))
    c[0].markdown(tr("activations.p.out", name=name, z=f"{out.z:.2f}", out=f"{out.out:.3f}", slope=f"{out.slope:.3f}"))
    with c[2]:
        st.plotly_chart(plot_perceptron(np.array(x), np.array(w), b, out.z, out.out, tr(f"activations.name.{name}"),
                                        tr("activations.p.fig")), width="stretch", key="activations.p.fig")
        f, df, zones = curve(name, alpha)
        st.plotly_chart(plot_activation(X, f, df, zones, _labels(), tr("activations.p.curve"),
                                        point=(float(np.clip(out.z, -5, 5)), out.out), height=340),
                        width="stretch", key="activations.p.curve")
    if abs(out.slope) < 0.05:
        st.warning(tr("activations.p.saturated", slope=f"{out.slope:.3f}"), icon=":material/trending_flat:")


# ---------------------------------------------------------------- train with it


@st.cache_resource(show_spinner=False, max_entries=16)
def toy(key: str, noise: float):
    """The 2-D toys are read-only once made: shared by every session."""
    return load_dataset(key, noise=noise)


def _train_settings(name: str, alpha: float | None) -> dict:
    c = st.columns(4)
    dataset = c[0].selectbox(tr("activations.train.dataset"), TOYS, format_func=labeler("dataset."),
                             key="activations.train.dataset")
    noise = c[0].slider(tr("activations.train.noise"), 0.0, 0.5, 0.0, 0.05, key="activations.train.noise")
    layers = c[1].number_input(tr("activations.train.layers"), 1, 4, 2, key="activations.train.layers")
    units = c[1].select_slider(tr("activations.train.units"), UNITS, 8, key="activations.train.units")
    lr = c[2].select_slider(tr("activations.train.lr"), LRS, 0.03, key="activations.train.lr",
                            format_func=lambda v: f"{v:g}", help=tr("activations.train.lr.help"))
    epochs = c[2].number_input(tr("activations.train.epochs"), 5, 500, 100, step=5, key="activations.train.epochs")
    seed = c[3].number_input(tr("activations.train.seed"), 0, 9999, 0, key="activations.train.seed",
                             help=tr("activations.train.seed.help"))
    return train_settings(dataset, noise, layers, units, lr, epochs, seed, name, alpha)


def _job_manager():
    from pages._train_panel import job_manager

    return job_manager()


def _start(cfg: dict, data) -> None:
    from playground.device import job_threads

    net = S["activations.net"] = new_net(cfg, "running")
    spec, model, config = net["spec"], net["model"], train_config(cfg, job_threads())
    S["activations.job"] = _job_manager().submit(
        session_id(), lambda stop: train(spec, data, config, stop, model=model), label="activations")


def _collect() -> None:
    """Fold the job's new events into the session's network; keep the model however the run ended."""
    job, net = S.get("activations.job"), S.get("activations.net")
    if job is None or net is None:
        return
    fold_events(net, job.drain())
    if not job.active and job.events.empty():
        end_job(net, job.error)
        S.pop("activations.job", None)
        _job_manager().forget(job)


def _live(data) -> None:
    _collect()
    net = S["activations.net"]
    cfg = net["cfg"]  # the settings this network was made with (the controls may have moved on during a run)
    model, hidden = net["model"], cfg["hidden"]
    if net["error"]:
        key, kwargs = net["error"]
        st.error(tr(key, **kwargs), icon=":material/error:")
    c = st.columns([3, 2])
    xs, ys, grid = boundary(model, data.meta["extent"])
    last = net["history"][-1] if net["history"] else None
    title = tr("activations.train.fig", epoch=last[0] if last else 0, act=tr(f"activations.name.{cfg['act']}"))
    c[0].plotly_chart(plot_decision_boundary(xs, ys, grid, data.x_test.numpy(), data.y_test.numpy(), title),
                      width="stretch", key="activations.train.boundary")
    with c[1]:
        st.markdown(tr(f"activations.train.status.{net['status']}"))
        if last:
            m = st.columns(2)
            m[0].metric(tr("activations.train.loss"), f"{last[1]:.3f}")
            m[1].metric(tr("activations.train.acc"), f"{last[2]:.0%}" if last[2] is not None else "–")
        st.markdown(f"**{tr('activations.dead.title')}**")
        dead = dead_units(model, data.x_train, len(hidden))
        m = st.columns(len(dead))
        for i, (d, n) in enumerate(dead):
            m[i].metric(tr("activations.dead.layer", i=i + 1), f"{d} / {n}", help=tr("activations.dead.help"))
        total = sum(d for d, _ in dead)
        which = "relu" if cfg["act"] == "relu" else "other"
        st.caption(tr(f"activations.dead.caption.{which}", n=total, name=tr(f"activations.name.{cfg['act']}")))


def _stop() -> None:
    job = S.get("activations.job")
    if job is not None:
        job.stop()  # the run ends within one batch; its DoneEvent keeps the model trained so far


def training_section(name: str, alpha: float | None) -> None:
    """A small MLP with the chosen activation on a 2-D toy; the decision boundary updates while it trains."""
    cfg = _train_settings(name, alpha)
    try:
        data = toy(cfg["dataset"], cfg["noise"])
    except DatasetError as exc:
        show_error(exc)
        return
    if S.pop("activations.train.requested", False) and S.get("activations.job") is None:
        _start(cfg, data)
    job = S.get("activations.job")
    if job is None:  # this session's network for these settings: the trained one if it matches, else fresh
        S["activations.net"] = current_net(S.get("activations.net"), cfg)
    c = st.columns([1, 1, 4])
    c[0].button(tr("activations.train.start"), type="primary", icon=":material/play_arrow:", disabled=job is not None,
                key="activations.train.start", on_click=S.__setitem__, args=("activations.train.requested", True))
    c[1].button(tr("activations.train.stop"), icon=":material/stop:", disabled=job is None,
                key="activations.train.stop", on_click=_stop)
    if job is not None and job.status == "queued":
        st.info(tr("activations.train.queued"), icon=":material/hourglass_top:")
    shown = S["activations.net"]["cfg"]  # while a run goes on, its own dataset is drawn
    live_fragment("activations", "activations.job", _live, toy(shown["dataset"], shown["noise"]))
    live_drawn("activations", "activations.job")
