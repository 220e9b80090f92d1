"""Figures for the inside of a CNN: feature maps, learned filters and the convolution explorer.

Every function takes numpy arrays and returns a plotly figure; nothing here computes a convolution.
Small matrices write their values in the cells (``texttemplate``) so a projector in class can read them.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

DIVERGING = "RdBu"  # kernels and signed feature maps: blue positive, red negative, white zero
BASE = dict(margin=dict(l=10, r=10, t=50, b=10), font=dict(size=14))


def _square_axes(fig: go.Figure, n: int) -> None:
    """Every subplot's y axis reversed (row 0 on top) and locked to its own x axis (square cells)."""
    for i in range(1, n + 1):
        suffix = "" if i == 1 else str(i)
        fig.update_layout({f"xaxis{suffix}": dict(visible=False, constrain="domain"),
                           f"yaxis{suffix}": dict(visible=False, autorange="reversed", scaleanchor=f"x{suffix}",
                                                  constrain="domain")})


def _cell_text(values: np.ndarray) -> list[list[str]]:
    """The numbers written in the cells: "0" for zeros (less clutter), integers as such, else 2 decimals."""
    finite = values[np.isfinite(values)]
    ints = finite.size and np.allclose(finite, np.round(finite)) and np.abs(finite).max() < 1000
    return [["0" if v == 0 else f"{v:.0f}" if ints else f"{v:.2f}" for v in row] for row in values.tolist()]


def plot_matrix(values: np.ndarray, title: str, highlight: tuple[int, int, int, int] | None = None,
                colorscale: str = "gray_r", signed: bool = False, show_values: bool = True,
                height: int | None = None) -> go.Figure:
    """A small matrix (H, W) as a heatmap with its values written in the cells.

    ``highlight`` = (top, left, height, width) draws a box around a window (the kernel's position).
    ``signed`` centres a diverging scale on zero (kernels, edge responses).
    """
    v = np.asarray(values, dtype=np.float32)
    h, w = v.shape
    kwargs: dict = dict(colorscale=DIVERGING if signed else colorscale, showscale=False)
    if signed:
        m = float(np.abs(v[np.isfinite(v)]).max()) if np.isfinite(v).any() else 1.0
        kwargs.update(zmid=0, zmin=-(m or 1), zmax=m or 1, colorscale=DIVERGING)
    text = _cell_text(v) if show_values and h * w <= 400 else None
    fig = go.Figure(go.Heatmap(z=v, text=text, texttemplate="%{text}" if text else None,
                               textfont=dict(size=14 if max(h, w) <= 8 else 12), xgap=1, ygap=1,
                               hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>", **kwargs))
    if highlight is not None:
        top, left, hh, ww = highlight
        fig.add_shape(type="rect", x0=left - 0.5, x1=left + ww - 0.5, y0=top - 0.5, y1=top + hh - 0.5,
                      line=dict(color="#ff7f0e", width=4))
    fig.update_layout(title=title, height=height or min(560, 120 + 34 * h), plot_bgcolor="white", **BASE)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    return fig


def plot_cell_math(patch: np.ndarray, kernel: np.ndarray | None, products: np.ndarray, value: float,
                   titles: tuple[str, str, str], title: str) -> go.Figure:
    """"input patch x kernel -> products, sum": three small heatmaps with numbers (two for pooling).

    ``titles`` names the panels (patch, kernel, products); with ``kernel=None`` (pooling) only
    the window is drawn and ``value`` is its max or mean.
    """
    panels = [(patch, titles[0], False)]
    if kernel is not None:
        panels += [(kernel, titles[1], True), (products, titles[2], True)]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[1] for p in panels], horizontal_spacing=0.06)
    for c, (v, _, signed) in enumerate(panels, start=1):
        v = np.asarray(v, dtype=np.float32)
        signed = signed or bool(v.size and v.min() < 0)  # a pooled window of signed responses
        kwargs: dict = dict(colorscale="gray_r", zmin=0, zmax=max(1.0, float(np.nanmax(v)) if v.size else 1.0))
        if signed:
            m = float(np.abs(v).max()) or 1.0
            kwargs = dict(colorscale=DIVERGING, zmid=0, zmin=-m, zmax=m)
        fig.add_trace(go.Heatmap(z=v, text=_cell_text(v), texttemplate="%{text}", textfont=dict(size=15),
                                 showscale=False, xgap=1, ygap=1,
                                 hovertemplate="%{z:.3f}<extra></extra>", **kwargs), row=1, col=c)
    _square_axes(fig, len(panels))
    fig.update_layout(title=f"{title} = {value:.3f}", height=320, plot_bgcolor="white",
                      **{**BASE, "margin": dict(l=10, r=10, t=80, b=10)})
    return fig


def _grid(n: int, cols: int) -> tuple[int, int]:
    cols = max(1, min(cols, n))
    return max(1, -(-n // cols)), cols


def plot_feature_maps(values: np.ndarray, title: str, max_channels: int = 32, cols: int = 8) -> go.Figure:
    """A grid of small heatmaps, one per channel of ``values`` (C, H, W), channel number as subplot title.

    Each map has its own colour range (dark = strong response), so a weak channel is still visible;
    an all-zero (dead) channel stays white. At 3x3 and smaller the values are written in the cells.
    """
    v = np.asarray(values, dtype=np.float32)
    if v.ndim == 2:
        v = v[None]
    n = min(len(v), max_channels)
    rows, cols = _grid(n, cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f"#{i}" for i in range(n)],
                        horizontal_spacing=0.02, vertical_spacing=0.35 / rows if rows > 1 else 0.1)
    small = v.shape[1] * v.shape[2] <= 16
    for i in range(n):
        lo, hi = float(v[i].min()), float(v[i].max())
        fig.add_trace(go.Heatmap(z=v[i], colorscale="gray_r" if lo >= 0 else DIVERGING, showscale=False,
                                 zmin=min(lo, 0.0) if lo >= 0 else -max(abs(lo), abs(hi)),
                                 zmax=hi if hi > lo else lo + 1 if lo >= 0 else max(abs(lo), abs(hi)),
                                 texttemplate="%{z:.2f}" if small else None,
                                 hovertemplate=f"#{i} " + "(%{y}, %{x}): %{z:.3f}<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    _square_axes(fig, rows * cols)
    fig.update_annotations(font=dict(size=12))
    fig.update_layout(title=title, height=60 + rows * max(110, 900 // cols), **BASE)
    return fig


def plot_filters(weights: np.ndarray, title: str, max_filters: int = 32, in_channel: int | None = None,
                 cols: int = 8) -> go.Figure:
    """Learned conv kernels ``weights`` (out, in, k, k) as small images, one per filter.

    One input channel: grayscale per filter. Three input channels (and ``in_channel=None``): an RGB
    image per filter, each filter min-max normalised. Otherwise (deeper layers) the slice of one input
    channel, ``in_channel`` (default 0), on a diverging scale centred on zero.
    """
    w = np.asarray(weights, dtype=np.float32)
    n = min(len(w), max_filters)
    rows, cols = _grid(n, cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f"#{i}" for i in range(n)],
                        horizontal_spacing=0.02, vertical_spacing=0.35 / rows if rows > 1 else 0.1)
    rgb = w.shape[1] == 3 and in_channel is None
    ch = 0 if in_channel is None else int(in_channel)
    k = w.shape[-1]
    for i in range(n):
        r, c = i // cols + 1, i % cols + 1
        if rgb:
            f = w[i].transpose(1, 2, 0)  # (k, k, 3)
            f = (f - f.min()) / (np.ptp(f) or 1.0)
            fig.add_trace(go.Image(z=(f * 255).astype(np.uint8), hoverinfo="skip"), row=r, col=c)
        else:
            f = w[i, ch]
            m = float(np.abs(f).max()) or 1.0
            signed = w.shape[1] > 1
            fig.add_trace(go.Heatmap(z=f, colorscale=DIVERGING if signed else "gray",
                                     zmin=-m, zmax=m, showscale=False,
                                     texttemplate="%{z:.2f}" if k <= 3 and cols <= 8 else None,
                                     hovertemplate=f"#{i} " + "(%{y}, %{x}): %{z:.3f}<extra></extra>"), row=r, col=c)
    _square_axes(fig, rows * cols)
    fig.update_annotations(font=dict(size=12))
    fig.update_layout(title=title, height=60 + rows * max(110, 900 // cols), **BASE)
    return fig
