"""Figures of training: curves, learning rate, confusion matrix, per-class accuracy, mistakes,
decision boundary. Numbers in, plotly figures out; labels are passed in already translated."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

PALETTE = ["#d94f1e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
BASE = dict(margin=dict(l=10, r=10, t=40, b=10), font=dict(size=14))


def plot_curves(runs: list[tuple[str, list[dict]]], labels: dict[str, str]) -> go.Figure:
    """Loss and accuracy per epoch, train solid and validation dashed, one colour per run.

    ``runs``: (name, history) pairs, newest last; ``labels``: loss, accuracy, epoch, train, val.
    """
    has_acc = any(h.get("val_accuracy") is not None for _, hist in runs for h in hist)
    fig = make_subplots(rows=1, cols=2 if has_acc else 1,
                        subplot_titles=[labels["loss"]] + ([labels["accuracy"]] if has_acc else []))
    for i, (name, hist) in enumerate(runs):
        color = PALETTE[i % len(PALETTE)]
        epochs = [h["epoch"] for h in hist]
        width = 3 if i == len(runs) - 1 else 1.5
        for col, (metric, show) in enumerate((("loss", True), ("accuracy", has_acc)), start=1):
            if not show:
                continue
            for split, dash in (("train", "solid"), ("val", "dash")):
                values = [h[f"{split}_{metric}"] for h in hist]
                fig.add_trace(go.Scatter(
                    x=epochs, y=values, mode="lines+markers", line=dict(color=color, dash=dash, width=width),
                    name=f"{name} · {labels[split]}", legendgroup=name, showlegend=col == 1,
                ), row=1, col=col)
    fig.update_xaxes(title_text=labels["epoch"], dtick=1)
    if has_acc:  # accuracy lives in [0, 1]: a flat 50% line is not stretched over an axis from -0.5 to 1.5
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_layout(height=340, legend=dict(orientation="h", y=-0.25), **BASE)
    return fig


def plot_step_loss(steps: list[tuple[int, float]], title: str) -> go.Figure:
    """The loss of every step (thin) with a moving average (thick), for the run in progress."""
    if not steps:
        return go.Figure().update_layout(height=220, title=title, **BASE)
    x, y = zip(*steps)
    y = np.asarray(y)
    k = max(1, len(y) // 20)
    smooth = np.convolve(y, np.ones(k) / k, mode="valid")
    fig = go.Figure([
        go.Scatter(x=x, y=y, mode="lines", line=dict(color="#bbbbbb", width=1), showlegend=False),
        go.Scatter(x=x[k - 1:], y=smooth, mode="lines", line=dict(color=PALETTE[0], width=3), showlegend=False),
    ])
    fig.update_layout(height=220, title=title, **BASE)
    return fig


def plot_lr(history: list[dict], title: str, epoch_label: str) -> go.Figure:
    fig = go.Figure(go.Scatter(x=[h["epoch"] for h in history], y=[h["lr"] for h in history],
                               mode="lines+markers", line=dict(color=PALETTE[1]), line_shape="hv"))
    fig.update_layout(height=220, title=title, xaxis_title=epoch_label, **BASE)
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(type="log", tickformat="~g")  # 0.001 and 1e-5 both readable
    return fig


def plot_confusion(cm: np.ndarray, names: list[str], title: str, true_label: str, pred_label: str) -> go.Figure:
    """Counts with row-normalised colour, so rare classes are as readable as common ones."""
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm, dtype=float), where=rows > 0)
    hover = true_label + ": %{y}<br>" + pred_label + ": %{x}<br>%{text}<extra></extra>"
    fig = go.Figure(go.Heatmap(z=share, x=names, y=names, text=cm, texttemplate="%{text}", colorscale="Blues",
                               zmin=0, zmax=1, showscale=False, hovertemplate=hover))
    fig.update_layout(title=title, xaxis_title=pred_label, yaxis_title=true_label, height=420, **BASE)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


def plot_per_class(acc: np.ndarray, names: list[str], title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=names, y=acc, text=[f"{a:.0%}" if np.isfinite(a) else "–" for a in acc],
                           textposition="outside", marker_color=PALETTE[1], cliponaxis=False))
    fig.update_layout(title=title, yaxis=dict(range=[0, 1.1], tickformat=".0%"), height=320, **BASE)
    fig.update_xaxes(type="category")
    return fig


def plot_image_grid(images: np.ndarray, titles: list[str], cols: int = 8) -> go.Figure:
    """Small images (N, C, H, W) in [0, 1] with a title each (e.g. "7 → 1")."""
    n = len(images)
    rows = max(1, -(-n // cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.01, vertical_spacing=0.08)
    for i, img in enumerate(images):
        r, c = i // cols + 1, i % cols + 1
        if img.shape[0] == 1:
            fig.add_trace(go.Heatmap(z=img[0], colorscale="gray_r", showscale=False, zmin=0, zmax=1,
                                     hoverinfo="skip"), row=r, col=c)
        else:
            rgb = (np.clip(img.transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
            fig.add_trace(go.Image(z=rgb, hoverinfo="skip"), row=r, col=c)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(height=150 * rows + 40, margin=dict(l=5, r=5, t=30, b=5), font=dict(size=13))
    return fig


def plot_decision_boundary(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, points: np.ndarray,
                           labels: np.ndarray, title: str) -> go.Figure:
    """TensorFlow-Playground style: the model's probability as background, the data as dots."""
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=grid, colorscale=[[0, "#f59322"], [0.5, "#e8eaeb"], [1, "#0877bd"]],
                               zmin=0, zmax=1, opacity=0.75, showscale=False, hoverinfo="skip"))
    for cls, color in ((0, "#f59322"), (1, "#0877bd")):
        pts = points[labels == cls]
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=str(cls),
                                 marker=dict(color=color, size=7, line=dict(color="white", width=1))))
    fig.update_layout(title=title, height=420, showlegend=False, **BASE)
    fig.update_yaxes(scaleanchor="x")
    return fig
