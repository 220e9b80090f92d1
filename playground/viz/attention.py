"""Figures for attention: labelled matrices of each step, positional encodings, a layers × heads grid.

Numbers in, plotly figures out; titles and labels arrive already translated. Axes are numeric with the
tokens as tick text, so a word that appears twice ("the cat sat on the mat") keeps two rows.
Rows are queries (the position that looks), columns are keys (the positions looked at).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

DIVERGING = "RdBu"  # blue positive, red negative, white zero (as on the CNN page)
WEIGHTS = "Blues"  # attention weights in [0, 1]
MASKED = "#d9d9d9"  # the colour of a -inf (masked) cell
BASE = dict(margin=dict(l=10, r=10, t=50, b=10), font=dict(size=14))
HOVER = "q %{y} → k %{x}: %{z:.2f}<extra></extra>"
PALETTE = ["#d94f1e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#ff7f0e", "#393b79", "#637939"]


def _cell_text(values: np.ndarray, digits: int = 2) -> list[list[str]]:
    """Cell labels: "−∞" for masked cells, "0" for zeros, else ``digits`` decimals."""
    out = []
    for row in np.asarray(values, dtype=np.float64).tolist():
        out.append(["−∞" if v == -np.inf else "0" if v == 0 else f"{v:.{digits}f}" for v in row])
    return out


def _ticks(labels: list[str] | None, n: int) -> dict:
    labels = [str(i) for i in range(n)] if labels is None else [str(s) for s in labels]
    return dict(tickmode="array", tickvals=list(range(n)), ticktext=labels)


def plot_labeled(values: np.ndarray, title: str, row_labels: list[str] | None = None,
                 col_labels: list[str] | None = None, kind: str = "signed", show_values: bool = True,
                 x_title: str = "", y_title: str = "", height: int | None = None) -> go.Figure:
    """A matrix (R, C) as a heatmap with labelled rows and columns and its values in the cells.

    ``kind``: ``signed`` (diverging, centred on zero), ``weights`` (0 to 1, white to blue).
    ``-inf`` cells (masked scores) are drawn grey and written "−∞".
    """
    v = np.asarray(values, dtype=np.float64)
    r, c = v.shape
    finite = np.where(np.isfinite(v), v, np.nan)
    if kind == "weights":
        scale = dict(colorscale=WEIGHTS, zmin=0.0, zmax=1.0)
    else:
        m = float(np.nanmax(np.abs(finite))) if np.isfinite(finite).any() else 1.0
        scale = dict(colorscale=DIVERGING, zmid=0.0, zmin=-(m or 1.0), zmax=m or 1.0)
    masked = np.isneginf(v)
    text = _cell_text(np.where(masked, 0.0, v)) if show_values and r * c <= 300 else None
    if text is not None:  # masked cells are written by the grey layer below, not twice
        text = [["" if masked[i, j] else cell for j, cell in enumerate(row)] for i, row in enumerate(text)]
    fig = go.Figure(go.Heatmap(z=finite, text=text, texttemplate="%{text}" if text else None,
                               textfont=dict(size=13 if max(r, c) <= 8 else 11), xgap=1, ygap=1, showscale=False,
                               hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>", **scale))
    if masked.any():  # masked cells: a flat grey layer on top, written "−∞"
        grey = np.where(masked, 1.0, np.nan)
        fig.add_trace(go.Heatmap(z=grey, colorscale=[[0, MASKED], [1, MASKED]], showscale=False, xgap=1, ygap=1,
                                 text=np.where(masked, "−∞", "").tolist(), texttemplate="%{text}", hoverinfo="skip",
                                 textfont=dict(size=13 if max(r, c) <= 8 else 11, color="#555555")))
    fig.update_xaxes(**_ticks(col_labels, c), side="top", title_text=x_title, showgrid=False, zeroline=False)
    fig.update_yaxes(**_ticks(row_labels, r), autorange="reversed", title_text=y_title, showgrid=False,
                     zeroline=False)
    fig.update_layout(title=dict(text=title, y=0.98, yanchor="top"), plot_bgcolor="white",
                      height=height or min(620, 140 + 36 * r), **{**BASE, "margin": dict(l=10, r=10, t=90, b=10)})
    return fig


def plot_qkv(q: np.ndarray, k: np.ndarray, v: np.ndarray, words: list[str], titles: tuple[str, str, str],
             show_values: bool = True) -> go.Figure:
    """Q, K and V (T, d) side by side on one colour scale, the words labelling the rows once (on the left)."""
    panels = [np.asarray(a, dtype=np.float64) for a in (q, k, v)]
    m = max(float(np.abs(a).max()) for a in panels) or 1.0
    t, d = panels[0].shape
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.03, shared_yaxes=True)
    for i, (a, name) in enumerate(zip(panels, "qkv"), start=1):
        text = [[f"{x:.1f}".replace("-0.0", "0.0") for x in row] for row in a.tolist()] if show_values else None
        fig.add_trace(go.Heatmap(z=a, colorscale=DIVERGING, zmin=-m, zmax=m, zmid=0, showscale=False, xgap=1, ygap=1,
                                 text=text, texttemplate="%{text}" if text else None, textfont=dict(size=11),
                                 hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"), row=1, col=i)
        fig.update_xaxes(**_ticks([f"{name}{j}" for j in range(d)], d), side="top", showgrid=False, zeroline=False,
                         tickfont=dict(size=11), row=1, col=i)
    fig.update_yaxes(**_ticks(words, t), autorange="reversed", showgrid=False, zeroline=False)
    fig.update_annotations(font=dict(size=15), yshift=34)
    fig.update_layout(height=min(640, 190 + 36 * t), plot_bgcolor="white",
                      **{**BASE, "margin": dict(l=10, r=10, t=100, b=10)})
    return fig


def plot_positional(table: np.ndarray, title: str, x_title: str, y_title: str) -> go.Figure:
    """The position table (T, D): one row per position, one column per dimension, values in [-1, 1]."""
    pe = np.asarray(table, dtype=np.float64)
    t, d = pe.shape
    gap = 1 if t * d <= 400 else 0  # white gaps help small tables and blur big ones
    fig = go.Figure(go.Heatmap(z=pe, colorscale=DIVERGING, zmin=-1, zmax=1, zmid=0, xgap=gap, ygap=gap,
                               colorbar=dict(thickness=12),
                               hovertemplate="pos %{y}, dim %{x}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(title_text=x_title, showgrid=False, zeroline=False)
    fig.update_yaxes(title_text=y_title, autorange="reversed", showgrid=False, zeroline=False,
                     dtick=1 if t <= 24 else None)
    fig.update_layout(title=title, height=min(560, 160 + 14 * t), plot_bgcolor="white", **BASE)
    return fig


def plot_similarity(sim: np.ndarray, title: str, axis_title: str, row: int | None = None) -> go.Figure:
    """Dot products between positions (T, T): bright along the diagonal, fading with distance.

    A sequential scale (the values are mostly positive); ``row`` outlines one position's row.
    """
    s = np.asarray(sim, dtype=np.float64)
    t = len(s)
    fig = go.Figure(go.Heatmap(z=s, colorscale="Viridis", colorbar=dict(thickness=12),
                               hovertemplate="%{y} · %{x} = %{z:.2f}<extra></extra>"))
    if row is not None:
        fig.add_shape(type="rect", x0=-0.5, x1=t - 0.5, y0=row - 0.5, y1=row + 0.5,
                      line=dict(color=PALETTE[0], width=3))
    fig.update_xaxes(title_text=axis_title, showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(title_text=axis_title, autorange="reversed", showgrid=False, zeroline=False,
                     scaleanchor="x", constrain="domain", dtick=1 if t <= 24 else None)
    fig.update_layout(title=title, height=460, plot_bgcolor="white", **BASE)
    return fig


def plot_position_profile(sim: np.ndarray, position: int, title: str, x_title: str) -> go.Figure:
    """One row of the similarity matrix: how alike position ``position`` is to every other position."""
    row = np.asarray(sim, dtype=np.float64)[position]
    fig = go.Figure(go.Scatter(x=list(range(len(row))), y=row, mode="lines+markers", line=dict(color=PALETTE[1])))
    fig.add_vline(x=position, line=dict(color=PALETTE[0], dash="dot"))
    fig.update_layout(title=title, xaxis_title=x_title, height=260, **BASE)
    return fig


def _box_path(mask: np.ndarray) -> tuple[list, list]:
    """The outlines of the True cells of ``mask`` (R, C) as one polyline, boxes separated by None."""
    xs: list = []
    ys: list = []
    for r, c in zip(*np.nonzero(mask)):
        xs += [c - 0.5, c + 0.5, c + 0.5, c - 0.5, c - 0.5, None]
        ys += [r - 0.5, r - 0.5, r + 0.5, r + 0.5, r - 0.5, None]
    return xs, ys


def plot_head_grid(attention: np.ndarray, key_labels: list[str], query_labels: list[str],
                   titles: list[str], title: str = "", target: np.ndarray | None = None,
                   show_values: bool = False) -> go.Figure:
    """Attention maps of every layer and head, (L, H, T, T), as an L × H grid of heatmaps.

    ``titles``: one per map, row-major (layer 1 head 1, layer 1 head 2, ...). ``target`` (T, T) bool
    outlines the right positions (the anti-diagonal for reverse) on every map.
    """
    a = np.asarray(attention, dtype=np.float64)
    n_layers, n_heads, tq, tk = a.shape
    fig = make_subplots(rows=n_layers, cols=n_heads, subplot_titles=titles, horizontal_spacing=0.06,
                        vertical_spacing=0.12 if n_layers > 1 else 0.0)
    small = tq * tk <= 100 and n_heads <= 2
    for li in range(n_layers):
        for hi in range(n_heads):
            text = _cell_text(a[li, hi], 1) if (show_values or small) else None
            fig.add_trace(go.Heatmap(z=a[li, hi], colorscale=WEIGHTS, zmin=0, zmax=1, showscale=False, xgap=1,
                                     ygap=1, text=text, texttemplate="%{text}" if text else None,
                                     textfont=dict(size=10),
                                     hovertemplate=f"L{li + 1} H{hi + 1} " + HOVER),
                          row=li + 1, col=hi + 1)
            if target is not None:  # one outline trace per map (a shape per cell is ~50x slower to build)
                xs, ys = _box_path(np.asarray(target))
                fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=PALETTE[0], width=1.5),
                                         hoverinfo="skip", showlegend=False), row=li + 1, col=hi + 1)
    fig.update_xaxes(**_ticks(key_labels, tk), showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(**_ticks(query_labels, tq), autorange="reversed", showgrid=False, zeroline=False,
                     constrain="domain")
    for i in range(1, n_layers * n_heads + 1):  # square cells: each y axis anchored to its own x axis
        fig.update_layout({f"yaxis{'' if i == 1 else i}": dict(scaleanchor=f"x{'' if i == 1 else i}")})
    fig.update_annotations(font=dict(size=13))
    side = max(260, min(420, 1100 // max(n_heads, 1)))
    fig.update_layout(title=title or None, height=80 + n_layers * side, plot_bgcolor="white",
                      **{**BASE, "margin": dict(l=10, r=10, t=80 if title else 50, b=10)})
    return fig


def plot_alignment_history(steps: list[int], alignment: np.ndarray, accuracy: list[float], labels: dict) -> go.Figure:
    """Each head's share of attention on the right positions (lines) and the accuracy (dashed), per step.

    ``alignment``: (S, L, H) for S snapshots; ``labels``: step, share, accuracy, head (with {layer}, {head}).
    """
    a = np.asarray(alignment, dtype=np.float64)
    fig = go.Figure()
    for li in range(a.shape[1]):
        for hi in range(a.shape[2]):
            color = PALETTE[(li * a.shape[2] + hi) % len(PALETTE)]
            fig.add_trace(go.Scatter(x=steps, y=a[:, li, hi], mode="lines", line=dict(color=color, width=2.5),
                                     name=labels["head"].format(layer=li + 1, head=hi + 1)))
    fig.add_trace(go.Scatter(x=steps, y=accuracy, mode="lines", line=dict(color="#444444", dash="dash"),
                             name=labels["accuracy"]))
    fig.update_layout(height=300, xaxis_title=labels["step"], yaxis=dict(range=[0, 1.02], tickformat=".0%"),
                      title=labels["share"], legend=dict(orientation="h", y=-0.3), **BASE)
    return fig
