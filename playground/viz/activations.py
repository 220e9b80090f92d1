"""Figures of the /activations page: f and f′ with shaded saturation, softmax bars, the perceptron.

Numbers in, plotly figures out; every label arrives already translated.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

F_COLOR, DF_COLOR, ZONE_COLOR = "#1f6fb4", "#d9480f", "rgba(120, 120, 120, 0.18)"
POS, NEG = "#1f6fb4", "#c0392b"  # positive weights blue, negative red (as on the /cnn page)
BASE = dict(margin=dict(l=10, r=10, t=50, b=10), font=dict(size=14), plot_bgcolor="white")


def plot_activation(x: np.ndarray, f: np.ndarray, df: np.ndarray, zones: list[tuple[float, float]],
                    labels: dict[str, str], title: str, point: tuple[float, float] | None = None,
                    height: int = 420) -> go.Figure:
    """f (solid) and f′ (dashed) over ``x``; grey bands where |f′| is tiny (``zones``).

    ``labels``: ``f``, ``df``, ``zone`` (legend texts), ``point`` (hover text of the marked point).
    ``point`` = (z, f(z)) marks where a perceptron's input lands on the curve.
    """
    fig = go.Figure()
    for i, (x0, x1) in enumerate(zones):
        fig.add_vrect(x0=x0, x1=x1, fillcolor=ZONE_COLOR, line_width=0, layer="below")
        if i == 0:  # one legend entry for every band
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=labels["zone"],
                                     marker=dict(size=14, symbol="square", color=ZONE_COLOR)))
    fig.add_trace(go.Scatter(x=x, y=f, name=labels["f"], line=dict(color=F_COLOR, width=3)))
    fig.add_trace(go.Scatter(x=x, y=df, name=labels["df"], line=dict(color=DF_COLOR, width=2.5, dash="dash")))
    if point is not None:
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=labels.get("point", "f(z)"),
                                 marker=dict(size=14, color="#111", line=dict(color="white", width=2))))
    lo = min(float(np.min(f)), float(np.min(df)), -0.2)
    hi = max(float(np.max(f)), float(np.max(df)), 1.2)
    pad = 0.08 * (hi - lo)
    # The legend hangs below the x tick labels (their room is the bottom margin), at any height.
    fig.update_layout(title=title, height=height, legend=dict(orientation="h", y=-0.2, yanchor="top"),
                      **{**BASE, "margin": dict(l=10, r=10, t=50, b=80)})
    fig.update_xaxes(zeroline=True, zerolinecolor="#999", gridcolor="#eee")
    fig.update_yaxes(range=[lo - pad, hi + pad], zeroline=True, zerolinecolor="#999", gridcolor="#eee")
    return fig


def plot_softmax(names: list[str], z: np.ndarray, probs: np.ndarray, probs_t1: np.ndarray,
                 labels: dict[str, str]) -> go.Figure:
    """Logits on the left, probabilities at the chosen temperature on the right (T = 1 as outlines).

    ``labels``: ``logits``, ``probs``, ``t1`` (legend of the T = 1 outline), ``chosen`` (legend of the bars).
    """
    fig = make_subplots(1, 2, subplot_titles=(labels["logits"], labels["probs"]), horizontal_spacing=0.1)
    fig.add_trace(go.Bar(x=names, y=z, marker_color=[POS if v >= 0 else NEG for v in z], showlegend=False,
                         text=[f"{v:.2g}" for v in z], textposition="outside"), 1, 1)
    fig.add_trace(go.Bar(x=names, y=probs, name=labels["chosen"], marker_color="#2a9d8f",
                         text=[f"{p:.0%}" for p in probs], textposition="outside"), 1, 2)
    fig.add_trace(go.Scatter(x=names, y=probs_t1, name=labels["t1"], mode="markers",
                             marker=dict(symbol="line-ew-open", size=34, color="#111", line=dict(width=3))), 1, 2)
    span = float(np.max(np.abs(z))) or 1.0
    fig.update_yaxes(range=[min(0.0, float(np.min(z))) - 0.25 * span, max(0.0, float(np.max(z))) + 0.25 * span],
                     row=1, col=1, gridcolor="#eee", zerolinecolor="#999")
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", row=1, col=2, gridcolor="#eee")
    fig.update_layout(height=380, legend=dict(orientation="h", y=-0.15), **BASE)
    return fig


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:.3g}"


def plot_perceptron(x: np.ndarray, w: np.ndarray, b: float, z: float, out: float, act: str,
                    title: str) -> go.Figure:
    """The neuron as a diagram: inputs xᵢ, edges wᵢ (width ∝ |wᵢ|, blue +, red −), Σ + b = z, f, f(z)."""
    n = len(x)
    ys = np.linspace(1, -1, n) if n > 1 else np.zeros(1)
    sx, fx, ox = 2.4, 4.3, 5.4  # sum node, activation node, output
    fig = go.Figure()
    wmax = float(np.max(np.abs(w))) or 1.0
    for i in range(n):
        color = POS if w[i] >= 0 else NEG
        fig.add_trace(go.Scatter(x=[0, sx], y=[ys[i], 0], mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(color=color, width=1.5 + 7 * abs(w[i]) / wmax)))
        fig.add_annotation(x=0.95 * sx / 2, y=ys[i] * 0.55 + 0.12, text=f"w{i + 1} = {_fmt(w[i])}", showarrow=False,
                           font=dict(color=color, size=14), bgcolor="rgba(255,255,255,0.85)")
        fig.add_annotation(x=-0.4, y=ys[i], text=f"x{i + 1} = {_fmt(x[i])}", showarrow=False, xanchor="right",
                           font=dict(size=15, color="#111"))
    fig.add_trace(go.Scatter(x=[sx, fx], y=[0, 0], mode="lines", line=dict(color="#555", width=2), showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[fx, ox], y=[0, 0], mode="lines", line=dict(color="#555", width=2), showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[0] * n, y=ys, mode="markers", marker=dict(size=26, color="#f1f3f5",
                             line=dict(color="#333", width=2)), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[sx, fx], y=[0, 0], mode="markers+text", text=["Σ", "f"],
                             textfont=dict(size=22, color="#111"), showlegend=False, hoverinfo="skip",
                             marker=dict(size=52, color=["#fff3bf", "#d0ebff"], line=dict(color="#333", width=2))))
    fig.add_annotation(x=sx, y=-0.55, text=f"b = {_fmt(b)}", showarrow=True, ax=0, ay=40, font=dict(size=14))
    fig.add_annotation(x=(sx + fx) / 2, y=0.2, text=f"z = {_fmt(z)}", showarrow=False, font=dict(size=15, color="#111"))
    fig.add_annotation(x=fx, y=0.42, text=act, showarrow=False, font=dict(size=13, color="#555"))
    fig.add_annotation(x=ox + 0.05, y=0, text=f"f(z) = {_fmt(out)}", showarrow=False, xanchor="left",
                       font=dict(size=16, color="#111"), bgcolor="#e6fcf5", bordercolor="#2a9d8f", borderpad=4)
    fig.update_xaxes(visible=False, range=[-2.2, 7.4])
    fig.update_yaxes(visible=False, range=[-1.35, 1.35])
    fig.update_layout(title=title, height=360, **BASE)
    return fig
