"""Figures of the transfer page: which layers each strategy freezes, the live curves, the final accuracies.
Numbers and already-translated labels in, plotly figures out."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

COLORS = {"scratch": "#7f7f7f", "feature": "#1f77b4", "finetune": "#d94f1e", "imagenet": "#2ca02c"}
BASE = dict(margin=dict(l=10, r=10, t=50, b=10), font=dict(size=14))
STATE_COLORS = ["#dfe6ee", "#f5b383", "#8fd19e"]  # frozen, trainable at a lower rate, trainable at the full rate


def plot_freeze(table: dict[str, list[dict]], names: dict[str, str], states: list[str], title: str) -> go.Figure:
    """A grid of layers (rows) × strategies (columns), coloured frozen / fine-tuned / trained.

    ``table``: strategy -> rows of ``transfer.layer_rows`` (layer, params, trainable, pretrained, lr);
    ``names``: strategy -> column title; ``states``: the three legend texts (frozen, lower lr, full lr).
    Every cell says its state and its parameter count.
    """
    strategies = list(table)
    layers = [r["layer"] for r in table[strategies[0]]]
    z, text = [], []
    for layer in layers:
        row_z, row_t = [], []
        for s in strategies:
            r = next(r for r in table[s] if r["layer"] == layer)
            full = max(rr["lr"] for rr in table[s])
            state = 0 if not r["trainable"] else (1 if r["lr"] < full else 2)
            row_z.append(state)
            row_t.append(f"{states[state]}<br>{r['params']:,}")
        z.append(row_z)
        text.append(row_t)
    scale = [[0, STATE_COLORS[0]], [0.33, STATE_COLORS[0]], [0.34, STATE_COLORS[1]], [0.66, STATE_COLORS[1]],
             [0.67, STATE_COLORS[2]], [1, STATE_COLORS[2]]]
    fig = go.Figure(go.Heatmap(z=z, x=[names[s] for s in strategies], y=layers, text=text, texttemplate="%{text}",
                               textfont=dict(size=13), colorscale=scale, zmin=0, zmax=2, showscale=False, xgap=3,
                               ygap=3, hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    fig.update_layout(title=title, height=90 + 62 * len(layers), plot_bgcolor="white", **BASE)
    fig.update_layout(margin=dict(l=10, r=10, t=90, b=10))
    return fig


def plot_curves(histories: dict[str, list[dict]], names: dict[str, str], labels: dict[str, str]) -> go.Figure:
    """Test accuracy (left) and training loss (right) per epoch, one colour per strategy.

    ``histories``: strategy -> [{epoch, test_accuracy, train_loss}]; ``labels``: accuracy, loss, epoch.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=[labels["accuracy"], labels["loss"]])
    for s, hist in histories.items():
        epochs = [h["epoch"] for h in hist]
        color = COLORS.get(s, "#333")
        fig.add_trace(go.Scatter(x=epochs, y=[h["test_accuracy"] for h in hist], mode="lines+markers",
                                 name=names[s], legendgroup=s, line=dict(color=color, width=3)), row=1, col=1)
        fig.add_trace(go.Scatter(x=epochs, y=[h["train_loss"] for h in hist], mode="lines", name=names[s],
                                 legendgroup=s, showlegend=False, line=dict(color=color, width=2)), row=1, col=2)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", row=1, col=2)  # decades only
    fig.update_xaxes(title_text=labels["epoch"])
    fig.update_layout(height=360, legend=dict(orientation="h", y=-0.25), **BASE)
    return fig


def plot_final(accuracies: dict[str, float], names: dict[str, str], title: str) -> go.Figure:
    """Final test accuracy of each strategy, side by side."""
    keys = list(accuracies)
    fig = go.Figure(go.Bar(x=[names[k] for k in keys], y=[accuracies[k] for k in keys],
                           marker_color=[COLORS.get(k, "#333") for k in keys],
                           text=[f"{accuracies[k]:.1%}" for k in keys], textposition="outside", cliponaxis=False))
    fig.update_layout(title=title, height=330, yaxis=dict(range=[0, 1.1], tickformat=".0%"), **BASE)
    return fig
