"""Figures of graph classification: small multiples of whole graphs, and the pooled graph vectors in 2-D.

Numbers in, plotly figures out; every text is passed in already translated.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.viz.graph import BASE, EDGE, HIDDEN_AXIS, color_of

WRONG = "#c0392b"


def plot_gallery(graphs: list[nx.Graph], colours: list[int], titles: list[str], wrong: list[bool] | None = None,
                 per_row: int = 5, height_per_row: int = 190) -> go.Figure:
    """One small drawing per graph (its nodes' ``pos`` attribute, else a Kamada-Kawai layout), nodes in the
    colour of class ``colours[i]``; a graph marked ``wrong`` gets its title in red."""
    rows = max(1, -(-len(graphs) // per_row))
    wrong = wrong or [False] * len(graphs)
    fig = make_subplots(rows=rows, cols=per_row, horizontal_spacing=0.03, vertical_spacing=0.12,
                        subplot_titles=[f"<span style='color:{WRONG if w else '#333'}'>{t}</span>"
                                        for t, w in zip(titles, wrong)])
    for i, g in enumerate(graphs):
        r, c = i // per_row + 1, i % per_row + 1
        pos = nx.get_node_attributes(g, "pos")  # a shape's own drawing (a grid as a grid), else a spring layout
        if len(pos) != g.number_of_nodes():
            pos = nx.kamada_kawai_layout(g) if g.number_of_nodes() > 1 else {0: (0.0, 0.0)}
        xs, ys = [], []
        for u, v in g.edges:
            xs += [pos[u][0], pos[v][0], None]
            ys += [pos[u][1], pos[v][1], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=EDGE, width=1.5), hoverinfo="skip",
                                 showlegend=False), row=r, col=c)
        nodes = np.array([pos[v] for v in sorted(g)])
        fig.add_trace(go.Scatter(x=nodes[:, 0], y=nodes[:, 1], mode="markers", hoverinfo="skip", showlegend=False,
                                 marker=dict(size=8, color=color_of(colours[i]), line=dict(color="#333", width=0.5))),
                      row=r, col=c)
    fig.update_xaxes(HIDDEN_AXIS)
    fig.update_yaxes(HIDDEN_AXIS)
    fig.update_annotations(font_size=13)
    fig.update_layout(height=rows * height_per_row + 30, **{**BASE, "margin": dict(l=5, r=5, t=40, b=5)})
    return fig


def plot_graph_vectors(xy: np.ndarray, true: np.ndarray, pred: np.ndarray, classes: list[str],
                       labels: dict[str, str], height: int = 460) -> go.Figure:
    """Each test graph's pooled vector on two principal axes (T, 2): colour = its true shape, a cross when the
    network got it wrong. ``labels``: title, x, y, true, pred, wrong."""
    fig = go.Figure()
    for k, name in enumerate(classes):
        for is_wrong in (False, True):
            sel = (true == k) & ((pred != true) == is_wrong)
            if not sel.any():
                continue
            hover = [f"{labels['true']}: {name}<br>{labels['pred']}: {classes[p]}" for p in pred[sel]]
            fig.add_trace(go.Scatter(
                x=xy[sel, 0], y=xy[sel, 1], mode="markers", hovertext=hover, hoverinfo="text",
                name=f"{name} · {labels['wrong']}" if is_wrong else name, legendgroup=name,
                marker=dict(color=color_of(k), size=13 if is_wrong else 10, opacity=0.85,
                            symbol="x" if is_wrong else "circle", line=dict(color="#333", width=0.5))))
    axis = dict(showgrid=True, gridcolor="#eeeeee", zeroline=False)
    fig.update_layout(title=labels["title"], height=height, xaxis=dict(axis, title=labels["x"]),
                      yaxis=dict(axis, title=labels["y"]), legend=dict(orientation="h", y=-0.2),
                      **BASE)
    return fig
