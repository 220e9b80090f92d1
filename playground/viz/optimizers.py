"""Figures of the optimizers page: paths on a contour plot (with play/step frames), loss per step,
and the 2-2-1 backprop graph. Arrays and already-translated labels in, plotly figures out."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

COLORS = {"sgd": "#d62728", "momentum": "#ff7f0e", "nesterov": "#8c564b", "rmsprop": "#2ca02c",
          "adam": "#1f77b4", "adamw": "#9467bd"}
BASE = dict(margin=dict(l=10, r=10, t=50, b=10), font=dict(size=14))
CONTOUR_SCALE = [[0.0, "#f0f4f8"], [0.5, "#c6d4e1"], [1.0, "#8fa6bd"]]  # pale: the coloured paths stand out


def _thin(points: np.ndarray, keep: int) -> np.ndarray:
    """Indices of at most ``keep`` points, first and last included (for light animation frames)."""
    n = len(points)
    if n <= keep:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, keep).round().astype(int))


def plot_paths(x: np.ndarray, y: np.ndarray, z: np.ndarray, paths: list[dict], minima: list[tuple[float, float]],
               labels: dict[str, str], log: bool = False, saddle: tuple[float, float] | None = None,
               frames: int = 40) -> go.Figure:
    """Contours of z (n, n) over x (n,) × y (n,), one coloured path per optimizer, and play/step controls.

    ``paths``: dicts with key (optimizer, picks the colour), name (legend text) and points (k, 2).
    ``labels``: title, minimum, start, saddle, step, play, pause, contour (colour-bar title).
    ``log`` draws contours of log10(1 + z) (Rosenbrock's floor is flat and its walls steep).
    The figure first shows the whole paths; the slider and the play button replay them step by step.
    """
    zc = np.log10(1.0 + np.maximum(z, 0.0)) if log else z
    fig = go.Figure(go.Contour(x=x, y=y, z=zc, ncontours=25, colorscale=CONTOUR_SCALE, line=dict(width=0.6),
                               colorbar=dict(title=labels["contour"], thickness=12), hoverinfo="skip"))
    m = np.asarray(minima, dtype=float).reshape(-1, 2)
    fig.add_trace(go.Scatter(x=m[:, 0], y=m[:, 1], mode="markers", name=labels["minimum"],
                             marker=dict(symbol="star", size=18, color="#ffd700", line=dict(color="black", width=1))))
    if saddle is not None:
        fig.add_trace(go.Scatter(x=[saddle[0]], y=[saddle[1]], mode="markers", name=labels["saddle"],
                                 marker=dict(symbol="x", size=14, color="black")))
    if paths:
        s = paths[0]["points"][0]
        fig.add_trace(go.Scatter(x=[s[0]], y=[s[1]], mode="markers", name=labels["start"],
                                 marker=dict(symbol="circle-open", size=16, color="black", line=dict(width=3))))
    first = len(fig.data)
    keep = [_thin(p["points"], 240) for p in paths]
    for p, idx in zip(paths, keep):
        pts = p["points"][idx]
        color = COLORS.get(p["key"], "#333333")
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="lines", name=p["name"], legendgroup=p["key"],
                                 line=dict(color=color, width=2.5), hovertemplate="x=%{x:.3f}, y=%{y:.3f}"))
    for p in paths:
        last = p["points"][-1]
        fig.add_trace(go.Scatter(x=[last[0]], y=[last[1]], mode="markers", showlegend=False, legendgroup=p["key"],
                                 marker=dict(size=11, color=COLORS.get(p["key"], "#333333"),
                                             line=dict(color="white", width=1.5)), hoverinfo="skip"))
    longest = max((len(p["points"]) - 1 for p in paths), default=0)
    if longest > 0 and frames > 1:
        steps = np.unique(np.linspace(0, longest, min(frames, longest + 1)).round().astype(int))
        anim = []
        for k in steps:
            data = []
            for p, idx in zip(paths, keep):
                upto = idx[idx <= k]
                pts = p["points"][upto]
                data.append(go.Scatter(x=pts[:, 0], y=pts[:, 1]))
            for p in paths:
                head = p["points"][min(int(k), len(p["points"]) - 1)]
                data.append(go.Scatter(x=[head[0]], y=[head[1]]))
            anim.append(go.Frame(data=data, name=str(int(k)), traces=list(range(first, first + 2 * len(paths)))))
        fig.frames = anim
        slider_steps = [dict(method="animate", label=str(int(k)), args=[[str(int(k))], dict(
            mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))]) for k in steps]
        fig.update_layout(
            sliders=[dict(active=len(steps) - 1, steps=slider_steps, x=0.0, len=1.0, y=-0.13, yanchor="top",
                          font=dict(color="rgba(0,0,0,0)"),  # one tick label per frame is unreadable: hidden
                          currentvalue=dict(prefix=labels["step"] + ": ", font=dict(size=14, color="#333")),
                          pad=dict(t=10))],
            updatemenus=[dict(type="buttons", direction="left", showactive=False, x=0.0, y=-0.07,
                              xanchor="left", yanchor="top", buttons=[
                                  dict(label="▶ " + labels["play"], method="animate", args=[None, dict(
                                      frame=dict(duration=80, redraw=False), fromcurrent=False,
                                      transition=dict(duration=0))]),
                                  dict(label="■ " + labels["pause"], method="animate", args=[[None], dict(
                                      mode="immediate", frame=dict(duration=0, redraw=False))])])])
    fig.update_xaxes(range=[float(x[0]), float(x[-1])], title_text="x", constrain="domain")
    fig.update_yaxes(range=[float(y[0]), float(y[-1])], title_text="y", scaleanchor="x", constrain="domain")
    fig.update_layout(title=labels["title"], height=700, legend=dict(orientation="v", x=1.12, y=1), **BASE)
    fig.update_layout(margin=dict(l=10, r=10, t=50, b=150))
    return fig


def plot_losses(paths: list[dict], floor: float, labels: dict[str, str]) -> go.Figure:
    """Loss above the surface's lowest value, per step, on a log axis (one line per optimizer).

    ``paths``: dicts with key, name and losses (k,); ``floor``: the minimum value of the surface;
    ``labels``: title, step, loss. Diverged paths end where they left.
    """
    fig = go.Figure()
    for p in paths:
        gap = np.asarray(p["losses"], dtype=float) - floor
        gap = np.where(np.isfinite(gap), np.maximum(gap, 1e-12), np.nan)
        fig.add_trace(go.Scatter(x=np.arange(len(gap)), y=gap, mode="lines", name=p["name"],
                                 line=dict(color=COLORS.get(p["key"], "#333333"), width=2.5)))
    fig.update_yaxes(type="log", title_text=labels["loss"], exponentformat="power")
    fig.update_xaxes(title_text=labels["step"])
    fig.update_layout(title=labels["title"], height=360, showlegend=False, **BASE)
    return fig


# ---------------------------------------------------------------- backprop graph

NODE_POS = {"x1": (0.0, 1.0), "x2": (0.0, 0.0), "h1": (1.6, 1.0), "h2": (1.6, 0.0), "y_hat": (3.0, 0.5),
            "loss": (4.2, 0.5)}
# Where each edge's label sits, as a fraction of the way from its source: the two crossing edges get theirs
# near the inputs, far from each other and from the straight edges' labels.
EDGE_LABEL_AT = {"w11": 0.55, "w22": 0.55, "w12": 0.22, "w21": 0.22, "v1": 0.5, "v2": 0.5}


def plot_backprop_graph(nodes: dict[str, str], edges: list[dict], title: str, forward_color: str = "#1f4e9c",
                        grad_color: str = "#c0392b") -> go.Figure:
    """The 2-2-1 network as a graph: nodes x1, x2, h1, h2, y_hat, loss; labelled edges.

    ``nodes``: node -> its text (already formatted, lines separated by "<br>"). ``edges``: dicts with
    src, dst, name (a key of EDGE_LABEL_AT) and text (the label: weight, forward value, gradient).
    Forward numbers are drawn in ``forward_color``, gradients in ``grad_color`` by the caller's markup.
    """
    fig = go.Figure()
    for e in edges + [{"src": "y_hat", "dst": "loss", "name": "", "text": ""}]:
        (x0, y0), (x1, y1) = NODE_POS[e["src"]], NODE_POS[e["dst"]]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=dict(color="#9aa5b1", width=2),
                                 hoverinfo="skip", showlegend=False))
        if e["text"]:
            f = EDGE_LABEL_AT.get(e["name"], 0.5)
            fig.add_annotation(x=x0 + f * (x1 - x0), y=y0 + f * (y1 - y0), text=e["text"], showarrow=False,
                               font=dict(size=13, color="#222"), align="center",
                               bgcolor="rgba(255,255,255,0.92)", bordercolor="#d0d7de", borderwidth=1, borderpad=3)
    for key, (x, y) in NODE_POS.items():
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", hoverinfo="skip", showlegend=False,
                                 marker=dict(size=34, color="#fff7e6" if key == "loss" else "#eef3fb",
                                             line=dict(color=forward_color, width=2))))
        below = key in ("x2", "h2")
        fig.add_annotation(x=x, y=y + (-0.2 if below else 0.2), text=nodes.get(key, key), showarrow=False,
                           font=dict(size=13, color="#222"), align="center", yanchor="top" if below else "bottom",
                           bgcolor="rgba(255,255,255,0.92)")
    fig.update_xaxes(visible=False, range=[-0.45, 4.75])
    fig.update_yaxes(visible=False, range=[-0.6, 1.6])
    fig.update_layout(title=title, height=500, plot_bgcolor="white", **BASE)
    return fig
