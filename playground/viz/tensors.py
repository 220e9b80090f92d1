"""Tensors drawn as coloured grids with their numbers in the cells.

A 1-D tensor is one row, a 2-D tensor a grid, a 3-D tensor a row of 2-D slices ``[i, :, :]``;
dimensions of size 1 beyond three are dropped for the drawing only (the title keeps the real shape).
Broadcasting: ``mask`` marks the original cells of a stretched operand; the copies are drawn faded.
Numbers in, figures out: nothing here computes an operation.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

DIVERGING = [[0.0, "#c0392b"], [0.5, "#f7f7f7"], [1.0, "#1f6fb4"]]  # red negative, white zero, blue positive
BOOLEAN = [[0.0, "#eeeeee"], [1.0, "#2a9d8f"]]
CELL = 58  # pixels per cell row
BASE = dict(margin=dict(l=8, r=8, t=46, b=8), font=dict(size=14), plot_bgcolor="white")


def _text(values: np.ndarray, is_bool: bool) -> list[list[str]]:
    if is_bool:
        return [["True" if v else "False" for v in row] for row in values.tolist()]
    finite = values[np.isfinite(values)]
    ints = finite.size == 0 or (np.allclose(finite, np.round(finite)) and np.abs(finite).max() < 1e5)
    return [[f"{v:.0f}" if ints and math.isfinite(v) else f"{v:.2f}" for v in row] for row in values.tolist()]


def as_slices(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """A tensor as (S, H, W) slices for drawing, with a label per slice ("" for a single 2-D grid)."""
    v = np.asarray(values)
    if v.ndim == 0:
        return v.reshape(1, 1, 1), [""]
    if v.ndim == 1:
        return v.reshape(1, 1, -1), [""]
    if v.ndim == 2:
        return v[None], [""]
    if v.ndim > 3:  # drop size-1 dimensions for the drawing, keeping at least 2
        keep = [d for d in v.shape if d != 1]
        if len(keep) <= 3:
            return as_slices(v.reshape(keep if len(keep) >= 2 else (1, *keep)))
        lead = v.shape[:-2]
        labels = ["[" + ", ".join(map(str, idx)) + ", :, :]" for idx in np.ndindex(*lead)]
        return v.reshape(-1, *v.shape[-2:]), labels
    return v, [f"[{i}, :, :]" for i in range(v.shape[0])]


def plot_tensor(values: np.ndarray, title: str, mask: np.ndarray | None = None, zmax: float | None = None,
                height: int | None = None) -> go.Figure:
    """One tensor as a grid (or a row of grids), values written in the cells.

    ``mask`` (same shape, bool): True for original cells; False cells are broadcast copies, drawn faded.
    ``zmax`` fixes the colour scale (±zmax) so several grids can share it.
    """
    v = np.asarray(values)
    is_bool = v.dtype == bool
    slices, labels = as_slices(v.astype(np.float64))
    masks = as_slices(np.asarray(mask, dtype=bool))[0] if mask is not None else None
    n, h, w = slices.shape
    finite = slices[np.isfinite(slices)]
    m = zmax or (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
    scale = dict(colorscale=BOOLEAN, zmin=0, zmax=1) if is_bool else dict(colorscale=DIVERGING, zmin=-m, zmax=m)
    fig = make_subplots(1, n, subplot_titles=labels if n > 1 else None, horizontal_spacing=min(0.04, 0.3 / n))
    for i in range(n):
        z = slices[i]
        text = _text(z.astype(bool) if is_bool else z, is_bool)
        common = dict(xgap=2, ygap=2, showscale=False, hovertemplate="%{z}<extra></extra>",
                      textfont=dict(size=(13 if is_bool else 16) if w <= 6 else 12 if w <= 10 else 10), **scale)
        if masks is None:
            fig.add_trace(go.Heatmap(z=z, text=text, texttemplate="%{text}", **common), 1, i + 1)
            continue
        fig.add_trace(go.Heatmap(z=z, text=text, texttemplate="%{text}", opacity=0.3, **common), 1, i + 1)
        solid = np.where(masks[i], z, np.nan)
        fig.add_trace(go.Heatmap(z=solid, text=text, texttemplate="%{text}", **common), 1, i + 1)
    for i in range(1, n + 1):
        suffix = "" if i == 1 else str(i)
        fig.update_layout({f"xaxis{suffix}": dict(visible=False, constrain="domain"),
                           f"yaxis{suffix}": dict(visible=False, autorange="reversed", scaleanchor=f"x{suffix}",
                                                  constrain="domain")})
    rows_px = CELL * h * (1 if n == 1 else max(1.0, 4 / max(n, 1)))
    fig.update_layout(title=dict(text=title, font=dict(size=15)), height=height or int(min(520, 70 + rows_px)),
                      **BASE)
    return fig
