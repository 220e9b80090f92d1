"""Figures for the Draw page: class probabilities, the 28x28 input, an attribution overlay.

Pure functions: numpy arrays in, ``plotly.graph_objects.Figure`` out; labels come translated.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

ACCENT = "#e4572e"
MUTED = "#8da0cb"


def plot_probabilities(probs: np.ndarray, title: str = "", xlabel: str = "", ylabel: str = "") -> go.Figure:
    """Ten bars (one per digit), the predicted one highlighted, each with its percentage written."""
    p = np.asarray(probs, dtype=float).ravel()  # (10,)
    best = int(p.argmax())
    colors = [ACCENT if i == best else MUTED for i in range(len(p))]
    fig = go.Figure(go.Bar(
        x=[str(i) for i in range(len(p))], y=p * 100, marker_color=colors,
        text=[f"{v * 100:.1f}%" for v in p], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
    ))
    fig.update_layout(title=title or None, height=300, margin=dict(l=10, r=10, t=40 if title else 20, b=10),
                      xaxis=dict(title=xlabel or None, type="category", tickfont=dict(size=16)),
                      yaxis=dict(title=ylabel or None, range=[0, 112], ticksuffix="%"),
                      showlegend=False, font=dict(size=14))
    return fig


def _image_layout(fig: go.Figure, title: str, size: int) -> go.Figure:
    fig.update_layout(title=title or None, width=size, height=size + (30 if title else 0),
                      margin=dict(l=5, r=5, t=35 if title else 5, b=5))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    return fig


def plot_digit(img: np.ndarray, title: str = "", size: int = 300) -> go.Figure:
    """The 28x28 image the model sees, in gray (0 black, 1 white), large and square, pixel values on hover."""
    a = np.asarray(img, dtype=float)  # (28, 28)
    fig = go.Figure(go.Heatmap(z=a, colorscale="gray", zmin=0, zmax=1, showscale=False, xgap=0.5, ygap=0.5,
                               hovertemplate="(%{y}, %{x}) = %{z:.2f}<extra></extra>"))
    return _image_layout(fig, title, size)


def plot_attribution(img: np.ndarray, attr: np.ndarray, title: str = "", signed: bool = True,
                     size: int = 340, opacity: float = 0.75, colorbar_title: str = "") -> go.Figure:
    """The input in gray (ink on white) with the attribution on top as a semi-transparent heatmap.

    ``signed``: attribution in [-1, 1], drawn with a diverging scale (blue against, red for the class);
    otherwise [0, 1], transparent where zero and red where strong.
    """
    a = np.asarray(attr, dtype=float)  # (28, 28)
    # The input as gray ink on white (not white on black): coloured overlays stay bright and readable.
    ink = [[0.0, "#ffffff"], [1.0, "#555555"]]
    fig = go.Figure(go.Heatmap(z=np.asarray(img, dtype=float), colorscale=ink, zmin=0, zmax=1,
                               showscale=False, hoverinfo="skip"))
    if signed:
        scale = [[0.0, "rgba(33,102,172,1)"], [0.45, "rgba(255,255,255,0)"], [0.55, "rgba(255,255,255,0)"],
                 [1.0, "rgba(178,24,43,1)"]]
        zmin, zmax = -1.0, 1.0
    else:
        scale = [[0.0, "rgba(255,255,255,0)"], [0.1, "rgba(255,255,255,0)"], [0.4, "rgba(253,174,97,0.7)"],
                 [1.0, "rgba(215,25,28,1)"]]  # faint values stay see-through
        zmin, zmax = 0.0, 1.0
    fig.add_trace(go.Heatmap(z=a, colorscale=scale, zmin=zmin, zmax=zmax, opacity=opacity,
                             colorbar=dict(title=colorbar_title or None, thickness=12, len=0.8),
                             hovertemplate="(%{y}, %{x}) = %{z:.2f}<extra></extra>"))
    fig = _image_layout(fig, title, size)
    fig.update_layout(width=size + 60)
    return fig
