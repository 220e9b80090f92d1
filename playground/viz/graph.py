"""Figures of graphs and graph networks: the graph with predicted and true classes, its change over
the epochs, the hidden embeddings animated, curves, a node's neighbourhood and one GCN step.

Numbers in, plotly figures out; every text is passed in already translated.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#d94f1e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
           "#7f7f7f", "#ff9896", "#98df8a", "#c5b0d5"]
UNKNOWN = "#e6e6e6"  # fill before any training
EDGE = "#b0b0b0"
BASE = dict(margin=dict(l=10, r=10, t=50, b=10), font=dict(size=14), plot_bgcolor="white")
HIDDEN_AXIS = dict(visible=False, showgrid=False, zeroline=False)


def color_of(k: int) -> str:
    """The colour of class ``k`` (the palette repeats after 12 classes)."""
    return PALETTE[int(k) % len(PALETTE)]


def _node_size(n: int) -> int:
    return 24 if n <= 40 else 16 if n <= 100 else 11


def _edge_trace(pos: np.ndarray, edges: np.ndarray, width: float = 1.0, color: str = EDGE,
                opacity: float = 1.0) -> go.Scatter:
    xs, ys = [], []
    for a, b in edges:
        xs += [pos[a, 0], pos[b, 0], None]
        ys += [pos[a, 1], pos[b, 1], None]
    return go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=width), opacity=opacity,
                      hoverinfo="skip", showlegend=False)


def _weighted_edges(pos: np.ndarray, edges: np.ndarray, weights: np.ndarray, bins: int = 6) -> list[go.Scatter]:
    """Edges drawn in ``bins`` widths, thicker for a bigger weight (one trace per width, not per edge)."""
    top = float(weights.max()) if len(weights) and weights.max() > 0 else 1.0
    level = np.minimum((weights / top * bins).astype(int), bins - 1)  # (E,) 0..bins-1
    traces = []
    for b in range(bins):
        chosen = edges[level == b]
        if len(chosen):
            traces.append(_edge_trace(pos, chosen, width=0.6 + 1.4 * b, color="#666666", opacity=0.35 + 0.1 * b))
    return traces


def _marker(n: int, true: np.ndarray, pred: np.ndarray | None, train_mask: np.ndarray | None,
            size: int) -> dict:
    fill = [UNKNOWN] * n if pred is None else [color_of(p) for p in pred]
    symbol = ["square" if train_mask is not None and train_mask[i] else "circle" for i in range(n)]
    outline = dict(color=[color_of(t) for t in true], width=max(2.0, size / 5))
    return dict(color=fill, size=size, symbol=symbol, line=outline, opacity=1.0)


def _hover(names: list[str], true: np.ndarray, pred: np.ndarray | None, classes: list[str],
           labels: dict[str, str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        text = f"<b>{i}</b> · {name}<br>{labels['true']}: {classes[true[i]]}"
        if pred is not None:
            mark = "✓" if pred[i] == true[i] else "✗"
            text += f"<br>{labels['pred']}: {classes[pred[i]]} {mark}"
        out.append(text)
    return out


def _text_colors(pred: np.ndarray | None, n: int) -> list[str]:
    return ["#222222"] * n if pred is None else ["white"] * n


def _legend(fig: go.Figure, classes: list[str], labels: dict[str, str], with_train: bool) -> None:
    for k, name in enumerate(classes):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker=dict(size=12, color=color_of(k), line=dict(color=color_of(k), width=3))))
    if with_train:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=labels["train"],
                                 marker=dict(size=12, symbol="square", color="white",
                                             line=dict(color="#333333", width=2))))


def _slider(names: list[str], prefix: str, duration: int = 120) -> tuple[list[dict], list[dict]]:
    steps = [dict(method="animate", label=name,
                  args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                     transition=dict(duration=0))]) for name in names]
    sliders = [dict(active=len(names) - 1, steps=steps, currentvalue=dict(prefix=prefix), pad=dict(t=30, l=70),
                    len=0.9, x=0.1)]
    play = dict(type="buttons", direction="left", showactive=False, x=0.0, y=0.0, xanchor="left", yanchor="top",
                pad=dict(t=45, r=10), buttons=[
                    dict(label="▶", method="animate",
                         args=[None, dict(frame=dict(duration=duration, redraw=False), fromcurrent=False,
                                          transition=dict(duration=0), mode="immediate")]),
                    dict(label="❚❚", method="animate",
                         args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")]),
                ])
    return sliders, [play]


def plot_graph(pos: np.ndarray, edges: np.ndarray, true: np.ndarray, names: list[str], classes: list[str],
               labels: dict[str, str], preds: list[tuple[str, np.ndarray]] | None = None,
               train_mask: np.ndarray | None = None, edge_weights: np.ndarray | None = None,
               height: int = 560) -> go.Figure:
    """The graph at its layout ``pos`` (n, 2): outline = true class, fill = predicted class, squares =
    labelled (training) nodes. ``preds``: (frame name, predicted class (n,)) per snapshot; more than
    one adds an epoch slider and a play button (the last is shown). ``edge_weights`` (E,): edge widths
    (GAT attention). ``labels``: title, true, pred, train, epoch.
    """
    n = len(true)
    size = _node_size(n)
    pred = preds[-1][1] if preds else None
    fig = go.Figure()
    if edge_weights is None:
        fig.add_trace(_edge_trace(pos, edges))
    else:
        for trace in _weighted_edges(pos, edges, edge_weights):
            fig.add_trace(trace)
    node_index = len(fig.data)
    show_ids = n <= 40
    fig.add_trace(go.Scatter(
        x=pos[:, 0], y=pos[:, 1], mode="markers+text" if show_ids else "markers",
        text=[str(i) for i in range(n)] if show_ids else None, textposition="middle center",
        textfont=dict(size=max(8, size - 10), color=_text_colors(pred, n)),
        marker=_marker(n, true, pred, train_mask, size), hovertext=_hover(names, true, pred, classes, labels),
        hoverinfo="text", showlegend=False))
    _legend(fig, classes, labels, train_mask is not None)
    span = dict(HIDDEN_AXIS, range=[-1.08, 1.08])
    fig.update_layout(title=labels["title"], height=height, xaxis=span, yaxis=span,
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1.0, xanchor="right"), **BASE)
    if preds and len(preds) > 1:
        fig.frames = [go.Frame(name=name, traces=[node_index], data=[go.Scatter(
            marker=_marker(n, true, p, train_mask, size),
            textfont=dict(size=max(8, size - 10), color=_text_colors(p, n)),
            hovertext=_hover(names, true, p, classes, labels))]) for name, p in preds]
        sliders, menus = _slider([name for name, _ in preds], labels["epoch"] + " ")
        fig.update_layout(sliders=sliders, updatemenus=menus, height=height + 70)
    return fig


def plot_embeddings(frames: np.ndarray, epochs: list[int], true: np.ndarray, names: list[str],
                    classes: list[str], train_mask: np.ndarray, labels: dict[str, str], height: int = 520) -> go.Figure:
    """The hidden embeddings in 2-D (T, n, 2), one frame per snapshot epoch, coloured by the true class,
    labelled nodes as squares; fixed axes so the motion is the network's, not the camera's.
    ``labels``: title, x, y, epoch, train, true, pred."""
    t, n, _ = frames.shape
    lo, hi = frames.reshape(-1, 2).min(axis=0), frames.reshape(-1, 2).max(axis=0)
    pad = (hi - lo) * 0.06 + 1e-6
    marker = dict(color=[color_of(c) for c in true], size=11, opacity=0.9,
                  symbol=["square" if train_mask[i] else "circle" for i in range(n)],
                  line=dict(color="#333333", width=[2 if train_mask[i] else 0.5 for i in range(n)]))
    hover = [f"<b>{i}</b> · {names[i]}<br>{labels['true']}: {classes[true[i]]}" for i in range(n)]
    fig = go.Figure(go.Scatter(x=frames[-1, :, 0], y=frames[-1, :, 1], mode="markers", marker=marker,
                               hovertext=hover, hoverinfo="text", showlegend=False))
    _legend(fig, classes, labels, True)
    fig.frames = [go.Frame(name=str(e), traces=[0], data=[go.Scatter(x=frames[k, :, 0], y=frames[k, :, 1])])
                  for k, e in enumerate(epochs)]
    sliders, menus = _slider([str(e) for e in epochs], labels["epoch"] + " ", duration=150)
    axis = dict(showgrid=True, gridcolor="#eeeeee", zeroline=False)
    fig.update_layout(title=labels["title"], height=height, sliders=sliders, updatemenus=menus,
                      xaxis=dict(axis, title=labels["x"], range=[lo[0] - pad[0], hi[0] + pad[0]]),
                      yaxis=dict(axis, title=labels["y"], range=[lo[1] - pad[1], hi[1] + pad[1]]),
                      legend=dict(orientation="v", x=1.0, xanchor="left", y=1.0), **BASE)
    return fig


def plot_gnn_curves(history: list[dict], labels: dict[str, str], height: int = 320) -> go.Figure:
    """Training loss, and accuracy on the labelled (train) and the other (test) nodes, per epoch.
    ``labels``: loss, accuracy, epoch, train, test."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[labels["loss"], labels["accuracy"]])
    epochs = [h["epoch"] for h in history]
    fig.add_trace(go.Scatter(x=epochs, y=[h["loss"] for h in history], mode="lines", name=labels["loss"],
                             line=dict(color=PALETTE[0], width=2.5), showlegend=False), row=1, col=1)
    for key, name, color, dash in (("train_acc", labels["train"], PALETTE[1], "dash"),
                                   ("test_acc", labels["test"], PALETTE[2], "solid")):
        fig.add_trace(go.Scatter(x=epochs, y=[h[key] for h in history], mode="lines", name=name,
                                 line=dict(color=color, width=2.5, dash=dash)), row=1, col=2)
    fig.update_xaxes(title_text=labels["epoch"], gridcolor="#eeeeee")
    fig.update_yaxes(gridcolor="#eeeeee")
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_layout(height=height, legend=dict(orientation="h", y=-0.25), **BASE)
    return fig


def plot_neighbourhood(pos: np.ndarray, edges: np.ndarray, node: int, hop1: list[int], hop2: list[int],
                       names: list[str], weights: dict[int, float], labels: dict[str, str],
                       height: int = 480) -> go.Figure:
    """``node`` (black), its neighbours (orange) and the nodes two hops away (blue), at their places in
    the full layout. The edges into ``node`` are as wide as ``weights`` (source -> weight) and carry
    the number. ``labels``: title, node, hop1, hop2, weight."""
    keep = {node, *hop1, *hop2}
    fig = go.Figure()
    inner = np.array([e for e in edges if e[0] in keep and e[1] in keep and node not in e]).reshape(-1, 2)
    fig.add_trace(_edge_trace(pos, inner, width=1, color="#cccccc"))
    top = max(weights.values()) if weights else 1.0
    for j in hop1:
        w = weights.get(j, 0.0)
        fig.add_trace(_edge_trace(pos, np.array([[j, node]]), width=1 + 9 * w / top, color=PALETTE[0], opacity=0.7))
    mid = [(0.4 * pos[node] + 0.6 * pos[j], w) for j, w in weights.items() if j != node]  # nearer the neighbour
    if mid:
        fig.add_trace(go.Scatter(x=[m[0][0] for m in mid], y=[m[0][1] for m in mid], mode="text",
                                 text=[f"{m[1]:.2f}" for m in mid], textfont=dict(size=12, color="#7a2a0a"),
                                 hoverinfo="skip", showlegend=False))
    for group, color, name in ((hop2, "#9ecae1", labels["hop2"]), (hop1, "#fd8d3c", labels["hop1"]),
                               ([node], "#222222", labels["node"])):
        if not group:
            continue
        idx = np.array(group)
        hover = [f"<b>{i}</b> · {names[i]}" + (f"<br>{labels['weight']}: {weights[i]:.3f}" if i in weights else "")
                 for i in group]
        fig.add_trace(go.Scatter(x=pos[idx, 0], y=pos[idx, 1], mode="markers+text", name=name,
                                 text=[str(i) for i in group], textposition="top center", textfont=dict(size=11),
                                 marker=dict(size=16 if group[0] == node else 12, color=color,
                                             line=dict(color="white", width=1)),
                                 hovertext=hover, hoverinfo="text"))
    fig.update_layout(title=labels["title"], height=height, xaxis=HIDDEN_AXIS,
                      yaxis=HIDDEN_AXIS,
                      legend=dict(orientation="h", y=-0.02, yanchor="top"), **BASE)
    return fig


def plot_message_sum(row_names: list[str], weighted: np.ndarray, bias: np.ndarray, result: np.ndarray,
                     labels: dict[str, str]) -> go.Figure:
    """One GCN step as a table of colours: a row per source (weight × its transformed vector), the
    bias, and their column sums, the node's new vector. ``labels``: title, bias, result, dim."""
    z = np.vstack([weighted, bias[None, :], result[None, :]])  # (k + 2, d)
    rows = [*row_names, labels["bias"], labels["result"]]
    d = z.shape[1]
    top = float(np.abs(z).max()) or 1.0
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"{labels['dim']} {j + 1}" for j in range(d)], y=rows, colorscale="RdBu", zmin=-top, zmax=top,
        text=np.round(z, 2), texttemplate="%{text}" if d <= 16 else None, textfont=dict(size=12 if d <= 8 else 10),
        hovertemplate="%{y}<br>%{x}: %{z:.3f}<extra></extra>", colorbar=dict(thickness=12)))
    fig.add_hline(y=len(row_names) - 0.5, line=dict(color="#333333", width=2))
    fig.add_hline(y=len(row_names) + 0.5, line=dict(color="#333333", width=2, dash="dot"))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=12))
    fig.update_layout(title=labels["title"], height=140 + 28 * len(rows), **BASE)
    return fig


def plot_weight_bars(names: list[str], gcn: np.ndarray, attention: np.ndarray, labels: dict[str, str]) -> go.Figure:
    """The fixed GCN weights of a node's sources next to the attention a GAT learned for them.
    ``labels``: title, gcn, gat."""
    fig = go.Figure([
        go.Bar(x=names, y=gcn, name=labels["gcn"], marker_color=PALETTE[1]),
        go.Bar(x=names, y=attention, name=labels["gat"], marker_color=PALETTE[0]),
    ])
    fig.update_layout(title=labels["title"], barmode="group", height=340, yaxis=dict(gridcolor="#eeeeee"),
                      xaxis=dict(type="category", title=labels.get("x")),
                      legend=dict(orientation="h", y=-0.3), **BASE)
    return fig
