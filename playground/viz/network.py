"""The shape-flow diagram of a network: one bar per layer, its height the values it outputs."""
from __future__ import annotations

import plotly.graph_objects as go

FAMILY_COLORS = {
    "input": "#7f7f7f",
    "core": "#1f77b4",
    "conv": "#d62728",
    "pool": "#ff7f0e",
    "reshape": "#8c564b",
    "regularization": "#bcbd22",
    "normalization": "#17becf",
    "activation": "#2ca02c",
    "embedding": "#9467bd",
    "recurrent": "#e377c2",
    "attention": "#9467bd",
}


def plot_shape_flow(
    labels: list[str], shapes: list[str], sizes: list[int], families: list[str], params: list[int],
    title: str = "", size_label: str = "values", params_label: str = "params",
) -> go.Figure:
    """Bars left to right, input first; the y axis is logarithmic so 10 and 100,000 values both show.

    Args: per layer (input included) a label, its shape text, its number of values, its registry
    family and its parameter count.
    """
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=sizes,
            text=shapes,
            textposition="outside",
            cliponaxis=False,
            marker_color=[FAMILY_COLORS.get(f, "#1f77b4") for f in families],
            customdata=params,
            hovertemplate="%{x}<br>%{text}<br>" + size_label + ": %{y:,}<br>" + params_label
            + ": %{customdata:,}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        yaxis_type="log",
        yaxis_title=size_label,
        height=320,
        margin=dict(l=10, r=10, t=40 if title else 30, b=10),
        showlegend=False,
        font=dict(size=14),
    )
    fig.update_xaxes(tickangle=-35)
    return fig
