"""Streamlit views of the optimizers page: paths on loss surfaces, and backprop on a 2-2-1 network.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.surfaces``,
``playground.backprop`` and ``playground.viz.optimizers``; these functions lay out widgets and translate.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._ui import labeler, show_error, tr
from playground.backprop import (
    ACTIVATIONS,
    PARAM_NAMES,
    BackpropError,
    backward,
    forward,
    gradient_table,
    random_params,
    sgd_step,
)
from playground.surfaces import LR_PRESETS, OPTIMIZERS, SURFACES, SurfaceError, preset_lr, run_path, surface_grid
from playground.viz.optimizers import plot_backprop_graph, plot_losses, plot_paths

NAMES = {"sgd": "SGD", "momentum": "SGD + momentum", "nesterov": "Nesterov", "rmsprop": "RMSprop", "adam": "Adam",
         "adamw": "AdamW"}
LR_GRID = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.4,
           0.5, 0.55, 1.0, 1.05, 1.2, 2.0, 3.0, 5.0, 10.0)


@st.cache_data(show_spinner=False, max_entries=256)
def _path(surface: str, optimizer: str, lr: float, steps: int, start: tuple[float, float]):
    return run_path(surface, optimizer, lr, steps, start)


@st.cache_data(show_spinner=False, max_entries=16)
def _grid(surface: str):
    return surface_grid(surface, 140)


def lr_options(optimizer: str) -> list[float]:
    presets = {preset_lr(s, optimizer, p) for s in SURFACES for p in LR_PRESETS}
    return sorted(set(LR_GRID) | presets)


def _rates(surface: str, chosen: list[str], key_prefix: str) -> dict[str, float]:
    preset = st.segmented_control(tr("optimizers.preset"), [*LR_PRESETS, "custom"], default="good",
                                  format_func=labeler("optimizers.preset."), key=f"{key_prefix}.preset",
                                  help=tr("optimizers.preset.help")) or "good"
    if preset != "custom":
        return {o: preset_lr(surface, o, preset) for o in chosen}
    cols = st.columns(3)
    return {o: cols[i % 3].select_slider(f"lr · {NAMES[o]}", lr_options(o), value=preset_lr(surface, o),
                                         format_func=lambda v: f"{v:g}", key=f"{key_prefix}.lr.{surface}.{o}")
            for i, o in enumerate(chosen)}


def _status(path) -> str:
    if path.diverged_at is not None:
        return tr("optimizers.status.diverged", step=path.diverged_at)
    if path.distance_to_minimum < 0.01:
        return tr("optimizers.status.converged")
    return tr("optimizers.status.moving")


def surfaces_view(key_prefix: str) -> None:
    """Pick a surface, optimizers and rates; see their paths (play or step through them) and losses."""
    c = st.columns([1, 2])
    surface = c[0].selectbox(tr("optimizers.surface"), list(SURFACES), format_func=labeler("optimizers.surface."),
                             key=f"{key_prefix}.surface")
    chosen = c[1].multiselect(tr("optimizers.chosen"), list(OPTIMIZERS), default=list(OPTIMIZERS),
                              format_func=NAMES.get, key=f"{key_prefix}.chosen")
    s = SURFACES[surface]
    st.markdown(tr(f"optimizers.surface.{surface}.desc"))
    c = st.columns(3)
    steps = int(c[0].number_input(tr("optimizers.steps"), 1, 2000, s.steps, step=10,
                                  key=f"{key_prefix}.steps.{surface}", help=tr("optimizers.steps.help")))
    x0 = c[1].number_input(tr("optimizers.start_x"), *s.x_range, s.start[0], step=0.1,
                           key=f"{key_prefix}.x0.{surface}")
    y0 = c[2].number_input(tr("optimizers.start_y"), *s.y_range, s.start[1], step=0.1,
                           key=f"{key_prefix}.y0.{surface}")
    rates = _rates(surface, chosen, key_prefix)
    if not chosen:
        st.info(tr("optimizers.none_chosen"), icon=":material/info:")
        return
    try:
        paths = [_path(surface, o, float(rates[o]), steps, (float(x0), float(y0))) for o in chosen]
    except SurfaceError as exc:
        show_error(exc)
        return
    shown = []
    for p in paths:
        name = f"{NAMES[p.optimizer]} · lr {p.lr:g}"
        if p.diverged_at is not None:
            name += " — " + tr("optimizers.status.diverged", step=p.diverged_at)
        shown.append({"key": p.optimizer, "name": name, "points": p.points, "losses": p.losses})
    x, y, z = _grid(surface)
    labels = {"title": tr("optimizers.fig.title", surface=tr(f"optimizers.surface.{surface}")),
              "minimum": tr("optimizers.fig.minimum"), "start": tr("optimizers.fig.start"),
              "saddle": tr("optimizers.fig.saddle"), "step": tr("optimizers.fig.step"),
              "play": tr("optimizers.fig.play"), "pause": tr("optimizers.fig.pause"),
              "contour": "log₁₀(1+f)" if s.log_contours else "f"}
    st.plotly_chart(plot_paths(x, y, z, shown, list(s.minima), labels, log=s.log_contours, saddle=s.saddle),
                    width="stretch", key=f"{key_prefix}.paths_fig")
    st.caption(tr("optimizers.fig.caption"))
    diverged = [p for p in paths if p.diverged_at is not None]
    if diverged:
        st.warning(tr("optimizers.diverged_note", names=", ".join(NAMES[p.optimizer] for p in diverged)),
                   icon=":material/warning:")
    floor = min(float(s.f(*map(_as_tensor, m))) for m in s.minima)
    c = st.columns([5, 6])
    loss_labels = {"title": tr("optimizers.loss.title"), "step": tr("optimizers.fig.step"),
                   "loss": tr("optimizers.loss.axis")}
    c[0].plotly_chart(plot_losses(shown, floor, loss_labels), width="stretch", key=f"{key_prefix}.loss_fig")
    table = pd.DataFrame({
        tr("optimizers.table.optimizer"): [NAMES[p.optimizer] for p in paths],
        tr("optimizers.table.loss"): [f"{p.losses[-1]:.3g}" for p in paths],
        tr("optimizers.table.distance"): [f"{p.distance_to_minimum:.3g}" for p in paths],
        tr("optimizers.table.status"): [_status(p) for p in paths],
    })
    c[1].dataframe(table, hide_index=True, width="stretch")
    c[1].caption(tr("optimizers.table.caption"))


def _as_tensor(v: float):
    import torch

    return torch.tensor(float(v), dtype=torch.float64)


# ---------------------------------------------------------------- backprop


def _fmt(v: float) -> str:
    text = f"{v:.3f}"
    return "0.000" if float(text) == 0 else text.replace("-", "−")  # no "−0.000"


def _grad(name: str, v: float) -> str:
    return f"<span style='color:#c0392b'>∂L/∂{name} = {_fmt(v)}</span>"


def _graph(params: dict, fwd, g: dict) -> tuple[dict, list[dict]]:
    """Node texts and edge labels: weight, the value it carries forward, and the gradient of the loss."""
    sub = {1: "₁", 2: "₂"}
    nodes = {f"x{k}": f"<b>x{sub[k]}</b> = {_fmt(fwd.x[k - 1])}<br>{_grad('x' + sub[k], g[f'x{k}'])}"
             for k in (1, 2)}
    for j in (1, 2):
        nodes[f"h{j}"] = (f"z{sub[j]} = {_fmt(fwd.z[j - 1])} (b{sub[j]} = {_fmt(params[f'b{j}'])})<br>"
                          f"<b>h{sub[j]}</b> = {_fmt(fwd.h[j - 1])}<br>"
                          f"<span style='color:#c0392b'>∂L/∂z{sub[j]} = {_fmt(g[f'z{j}'])} · "
                          f"∂L/∂b{sub[j]} = {_fmt(g[f'b{j}'])}</span>")
    nodes["y_hat"] = (f"<b>ŷ</b> = {_fmt(fwd.y_hat)} (c = {_fmt(params['c'])})<br>"
                      f"<span style='color:#c0392b'>∂L/∂ŷ = {_fmt(g['y_hat'])}</span>")
    nodes["loss"] = f"<b>L</b> = ½(ŷ − y)² = {_fmt(fwd.loss)}<br>y = {_fmt(fwd.y)}"
    edges = []
    for j in (1, 2):
        for k in (1, 2):
            name = f"w{j}{k}"
            edges.append({"src": f"x{k}", "dst": f"h{j}", "name": name,
                          "text": f"w{sub[j]}{sub[k]} = {_fmt(params[name])}<br>"
                                  f"<span style='color:#1f4e9c'>w·x = {_fmt(params[name] * fwd.x[k - 1])}</span><br>"
                                  f"{_grad('w', g[name])}"})
        edges.append({"src": f"h{j}", "dst": "y_hat", "name": f"v{j}",
                      "text": f"v{sub[j]} = {_fmt(params[f'v{j}'])}<br>"
                              f"<span style='color:#1f4e9c'>v·h = {_fmt(params[f'v{j}'] * fwd.h[j - 1])}</span><br>"
                              f"{_grad('v', g[f'v{j}'])}"})
    return nodes, edges


def _weights(seed: int, key_prefix: str) -> dict[str, float]:
    start = random_params(seed)
    with st.expander(tr("optimizers.bp.weights")):
        cols = st.columns(len(PARAM_NAMES))
        return {n: float(cols[i].number_input(n, -10.0, 10.0, start[n], step=0.1, format="%.2f",
                                              key=f"{key_prefix}.{n}.{seed}"))
                for i, n in enumerate(PARAM_NAMES)}


def backprop_view(key_prefix: str) -> None:
    """One example through a 2-2-1 network: values forward, gradients backward, checked against autograd."""
    c = st.columns(6)
    x1 = c[0].number_input("x₁", -10.0, 10.0, 1.0, step=0.1, key=f"{key_prefix}.x1")
    x2 = c[1].number_input("x₂", -10.0, 10.0, -0.5, step=0.1, key=f"{key_prefix}.x2")
    y = c[2].number_input(tr("optimizers.bp.target"), -10.0, 10.0, 1.0, step=0.1, key=f"{key_prefix}.y")
    activation = c[3].selectbox(tr("optimizers.bp.activation"), ACTIVATIONS, key=f"{key_prefix}.act")
    seed = int(c[4].number_input(tr("optimizers.bp.seed"), 0, 9999, 0, key=f"{key_prefix}.seed",
                                 help=tr("optimizers.bp.seed.help")))
    lr = c[5].select_slider(tr("optimizers.bp.lr"), [0.01, 0.05, 0.1, 0.2, 0.5, 1.0], value=0.1,
                            key=f"{key_prefix}.lr")
    params = _weights(seed, key_prefix)
    try:
        fwd = forward(params, (x1, x2), y, activation)
        g = backward(params, fwd, activation)
        rows = gradient_table(params, (x1, x2), y, activation)
    except BackpropError as exc:
        show_error(exc)
        return
    after = forward(sgd_step(params, g, lr), (x1, x2), y, activation)
    c = st.columns(3)
    c[0].metric(tr("optimizers.bp.loss"), f"{fwd.loss:.4f}")
    c[1].metric(tr("optimizers.bp.after", lr=lr), f"{after.loss:.4f}", delta=f"{after.loss - fwd.loss:+.4f}",
                delta_color="inverse")
    ok = all(r.matches for r in rows)
    c[2].metric(tr("optimizers.bp.check"), tr("optimizers.bp.match" if ok else "optimizers.bp.mismatch"))
    nodes, edges = _graph(params, fwd, g)
    st.plotly_chart(plot_backprop_graph(nodes, edges, tr("optimizers.bp.fig.title", act=activation)),
                    width="stretch", key=f"{key_prefix}.graph")
    st.caption(tr("optimizers.bp.fig.caption"))
    table = pd.DataFrame({
        tr("optimizers.bp.table.grad"): [f"∂L/∂{r.name.replace('y_hat', 'ŷ')}" for r in rows],
        tr("optimizers.bp.table.rule"): [r.rule for r in rows],
        tr("optimizers.bp.table.hand"): [r.hand for r in rows],
        "autograd": [r.autograd for r in rows],
        "|Δ|": [abs(r.hand - r.autograd) for r in rows],
    })
    st.dataframe(table, hide_index=True, width="stretch", height=36 * (len(table) + 1) + 3,
                 column_config={k: st.column_config.NumberColumn(format="%.6f") for k in
                                (tr("optimizers.bp.table.hand"), "autograd")} | {
                     "|Δ|": st.column_config.NumberColumn(format="%.1e")})
