"""Figures for recurrent networks: forecasts, training curves, next-character odds, hidden states,
LSTM gates and gradients through time.

Every function takes numpy arrays (and already translated labels) and returns a plotly figure;
nothing here trains or runs a model.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

BASE = dict(margin=dict(l=10, r=10, t=60, b=10), font=dict(size=14), plot_bgcolor="white")
MODEL_COLORS = {"rnn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c", "naive": "#7f7f7f"}
GRID = dict(showgrid=True, gridcolor="#e5e5e5", zeroline=False)
LOG_TICKS = [m * 10.0 ** e for e in range(-4, 3) for m in (1, 2, 5)]  # 1-2-5 ticks, written in full


def _color(kind: str) -> str:
    return MODEL_COLORS.get(kind, "#9467bd")


def plot_forecasts(values: np.ndarray, cut: int, horizon: int, one_step: dict[str, np.ndarray],
                   multi: dict[str, np.ndarray], names: dict[str, str], labels: dict[str, str],
                   context: int = 60) -> go.Figure:
    """One panel per model, side by side: the true series, the one-step predictions on the test part
    and the fed-back forecast of the first ``horizon`` test values (shaded), each against the naive one.

    ``values`` (n,) the whole series; ``cut`` where the test part starts; ``one_step[k]`` (n - cut,);
    ``multi[k]`` (horizon,); the key ``naive`` is the last-value baseline. ``names``: kind -> display
    name; ``labels``: true, one_step, multi, naive, forecast, step.
    """
    kinds = [k for k in one_step if k != "naive"]
    n = len(values)
    start = max(0, cut - context)
    t = np.arange(n)
    fig = make_subplots(rows=1, cols=max(1, len(kinds)), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[names.get(k, k) for k in kinds])
    for c, kind in enumerate(kinds, start=1):
        first = c == 1
        fig.add_vrect(x0=cut - 0.5, x1=cut + horizon - 0.5, fillcolor="#fff2cc", opacity=0.7, line_width=0,
                      layer="below", row=1, col=c)
        fig.add_trace(go.Scatter(x=t[start:], y=values[start:], mode="lines", name=labels["true"],
                                 line=dict(color="#444", width=1.5), legendgroup="true", showlegend=first),
                      row=1, col=c)
        fig.add_trace(go.Scatter(x=t[cut:], y=one_step[kind], mode="lines", name=labels["one_step"],
                                 line=dict(color=_color(kind), width=2), legendgroup="one", showlegend=first),
                      row=1, col=c)
        fig.add_trace(go.Scatter(x=t[cut:cut + horizon], y=multi[kind], mode="lines", name=labels["multi"],
                                 line=dict(color="#ff7f0e", width=3, dash="dash"), legendgroup="multi",
                                 showlegend=first), row=1, col=c)
        if "naive" in multi:
            fig.add_trace(go.Scatter(x=t[cut:cut + horizon], y=multi["naive"], mode="lines", name=labels["naive"],
                                     line=dict(color="#7f7f7f", width=2, dash="dot"), legendgroup="naive",
                                     showlegend=first), row=1, col=c)
        fig.update_xaxes(title_text=labels["step"], row=1, col=c, **GRID)
        fig.update_yaxes(row=1, col=c, **GRID)
    fig.add_annotation(text=labels["forecast"], x=cut + horizon / 2, y=0.0, yref="y domain", xref="x",
                       showarrow=False, font=dict(size=12, color="#8a6d00"), yanchor="bottom")  # inside, at the foot
    fig.update_layout(height=420, legend=dict(orientation="h", y=-0.25, x=0), **BASE)
    return fig


def plot_loss_curves(losses: dict[str, list[tuple[float, float]]], names: dict[str, str],
                     labels: dict[str, str]) -> go.Figure:
    """Training (solid) and validation (dotted) MSE per epoch of each model, log scale.

    ``labels``: title, epoch, loss, train, val.
    """
    fig = go.Figure()
    for kind, pairs in losses.items():
        if not pairs:
            continue
        arr = np.asarray(pairs, dtype=np.float64)  # (epochs, 2)
        epochs = np.arange(1, len(arr) + 1)
        name = names.get(kind, kind)
        fig.add_trace(go.Scatter(x=epochs, y=arr[:, 0], mode="lines", name=f"{name} · {labels['train']}",
                                 line=dict(color=_color(kind), width=2)))
        fig.add_trace(go.Scatter(x=epochs, y=arr[:, 1], mode="lines", name=f"{name} · {labels['val']}",
                                 line=dict(color=_color(kind), width=2, dash="dot")))
    fig.update_layout(title=labels["title"], height=420, xaxis_title=labels["epoch"], yaxis_title=labels["loss"],
                      yaxis_type="log", yaxis_tickvals=LOG_TICKS, yaxis_ticktext=[f"{v:g}" for v in LOG_TICKS],
                      legend=dict(orientation="h", y=-0.25, x=0, font=dict(size=12)), **BASE)
    fig.update_xaxes(**GRID)
    fig.update_yaxes(**GRID)
    return fig


def plot_char_loss(steps: np.ndarray, losses: np.ndarray, uniform: float, labels: dict[str, str]) -> go.Figure:
    """The char model's cross-entropy per step, with the loss of guessing uniformly (log of the alphabet size).

    ``labels``: title, step, loss, uniform.
    """
    fig = go.Figure(go.Scatter(x=steps, y=losses, mode="lines", name=labels["loss"], line=dict(color="#1f77b4")))
    fig.add_hline(y=uniform, line=dict(color="#7f7f7f", dash="dot"), annotation_text=labels["uniform"],
                  annotation_position="top right")
    fig.update_layout(title=labels["title"], height=300, xaxis_title=labels["step"], yaxis_title=labels["loss"],
                      yaxis_range=[0, max(uniform * 1.15, float(np.max(losses)) if len(losses) else uniform)],
                      showlegend=False, **BASE)
    fig.update_xaxes(**GRID)
    fig.update_yaxes(**GRID)
    return fig


def char_label(ch: str) -> str:
    """A readable name for a character on an axis: space and line breaks are spelt out."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(ch, ch)


def plot_next_char(probs: np.ndarray, chars: list[str], title: str, top: int = 12) -> go.Figure:
    """The ``top`` likeliest next characters and their probabilities (bars, likeliest on the left)."""
    probs = np.asarray(probs, dtype=np.float64)
    order = np.argsort(-probs)[:top]
    fig = go.Figure(go.Bar(x=[f"'{char_label(chars[i])}'" for i in order], y=probs[order], marker_color="#1f77b4",
                           text=[f"{p:.0%}" for p in probs[order]], textposition="outside"))
    fig.update_layout(title=title, height=300, yaxis_range=[0, 1.12], yaxis_tickformat=".0%", **BASE)
    fig.update_yaxes(**GRID)
    return fig


def _step_labels(n: int, x_labels: list[str] | None) -> tuple[list, dict]:
    """x positions and axis settings: characters as tick labels when given (thinned to stay readable)."""
    x = list(range(n))
    if x_labels is None:
        return x, {}
    every = max(1, int(np.ceil(n / 60)))
    ticks = x[::every]
    return x, dict(tickmode="array", tickvals=ticks, ticktext=[char_label(x_labels[i]) for i in ticks], tickangle=0)


def plot_hidden_states(states: np.ndarray, title: str, labels: dict[str, str], inputs: np.ndarray | None = None,
                       x_labels: list[str] | None = None) -> go.Figure:
    """The hidden state (T, H) as a heatmap (unit × step, blue +1, red −1), under the input when it is a number.

    ``labels``: step, unit, input, value. ``x_labels``: one character per step (text models).
    """
    states = np.asarray(states, dtype=np.float64)
    T, H = states.shape
    x, axis = _step_labels(T, x_labels)
    rows = 2 if inputs is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[0.25, 0.75] if rows == 2 else [1.0])
    if inputs is not None:
        fig.add_trace(go.Scatter(x=x, y=np.asarray(inputs, dtype=np.float64).reshape(-1), mode="lines",
                                 line=dict(color="#444"), name=labels["input"], showlegend=False), row=1, col=1)
        fig.update_yaxes(title_text=labels["input"], row=1, col=1, **GRID)
    m = max(1e-6, float(np.abs(states).max()))
    hover = f"{labels['step']} %{{x}}, {labels['unit']} %{{y}}: %{{z:.3f}}<extra></extra>"
    bar = dict(title=labels["value"], len=0.7, y=0.38) if rows == 2 else dict(title=labels["value"])
    fig.add_trace(go.Heatmap(z=states.T, x=x, y=list(range(H)), colorscale="RdBu", zmid=0, zmin=-m, zmax=m,
                             colorbar=bar, hovertemplate=hover), row=rows, col=1)
    fig.update_yaxes(title_text=labels["unit"], autorange="reversed", row=rows, col=1)
    fig.update_xaxes(title_text=labels["step"], row=rows, col=1, **axis)
    fig.update_layout(title=title, height=260 + 14 * H + (120 if rows == 2 else 0), **BASE)
    return fig


def plot_gates(gates: dict[str, np.ndarray], titles: dict[str, str], title: str, step_label: str, unit_label: str,
               x_labels: list[str] | None = None) -> go.Figure:
    """The LSTM's gates over the sequence, one heatmap each (unit × step), on one 0 … 1 colour scale.

    ``gates``: name -> (T, H), e.g. i, f, o; ``titles``: name -> subplot title.
    """
    names = list(gates)
    T, H = next(iter(gates.values())).shape
    x, axis = _step_labels(T, x_labels)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=[titles.get(n, n) for n in names])
    for r, name in enumerate(names, start=1):
        fig.add_trace(go.Heatmap(z=np.asarray(gates[name]).T, x=x, y=list(range(H)), colorscale="Viridis", zmin=0,
                                 zmax=1, showscale=r == 1, colorbar=dict(len=0.9, y=0.5),
                                 hovertemplate=f"{step_label} %{{x}}, {unit_label} %{{y}}: %{{z:.2f}}<extra></extra>"),
                      row=r, col=1)
        fig.update_yaxes(title_text=unit_label, autorange="reversed", row=r, col=1)
    fig.update_xaxes(title_text=step_label, row=len(names), col=1, **axis)
    fig.update_layout(title=title, height=120 + len(names) * (90 + 9 * H), **BASE)
    return fig


def plot_gradient_through_time(norms: dict[str, np.ndarray], names: dict[str, str],
                               labels: dict[str, str]) -> go.Figure:
    """‖∂L/∂x_t‖ against the step t, one line per model, log y axis: a straight falling line is a geometric decay.

    ``norms``: kind -> (T,); the last step is T. ``labels``: title, step, grad.
    """
    fig = go.Figure()
    for kind, g in norms.items():
        g = np.maximum(np.asarray(g, dtype=np.float64), 1e-30)  # log axis: keep exact zeros visible at the floor
        fig.add_trace(go.Scatter(x=np.arange(1, len(g) + 1), y=g, mode="lines", name=names.get(kind, kind),
                                 line=dict(color=_color(kind), width=3)))
    fig.update_layout(title=labels["title"], height=400, xaxis_title=labels["step"], yaxis_title=labels["grad"],
                      yaxis_type="log", yaxis_exponentformat="power", legend=dict(x=0.01, y=0.99), **BASE)
    fig.update_xaxes(**GRID)
    fig.update_yaxes(**GRID)
    return fig


def plot_sentiment_words(words: list[str], probs: np.ndarray, title: str) -> go.Figure:
    """How the positive probability moves as the sentence is read word by word (bars from 50%)."""
    probs = np.asarray(probs, dtype=np.float64)
    colors = ["#1f77b4" if p >= 0.5 else "#d62728" for p in probs]
    fig = go.Figure(go.Bar(x=[f"{i + 1}. {w}" for i, w in enumerate(words)], y=probs - 0.5, base=0.5,
                           marker_color=colors, text=[f"{p:.0%}" for p in probs], textposition="outside"))
    fig.add_hline(y=0.5, line=dict(color="#7f7f7f", dash="dot"))
    fig.update_layout(title=title, height=320, yaxis_range=[0, 1.1], yaxis_tickformat=".0%", **BASE)
    fig.update_yaxes(**GRID)
    return fig


def plot_series(values: np.ndarray, cut: int, labels: dict[str, str]) -> go.Figure:
    """The whole series, training part and test part in two shades, split by a vertical line.

    ``labels``: title, train, test, step.
    """
    t = np.arange(len(values))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t[:cut + 1], y=values[:cut + 1], mode="lines", name=labels["train"],
                             line=dict(color="#1f77b4", width=1.5)))
    fig.add_trace(go.Scatter(x=t[cut:], y=values[cut:], mode="lines", name=labels["test"],
                             line=dict(color="#ff7f0e", width=1.5)))
    fig.add_vline(x=cut - 0.5, line=dict(color="#7f7f7f", dash="dot"))
    fig.update_layout(title=labels["title"], height=280, xaxis_title=labels["step"],
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"), **BASE)
    fig.update_xaxes(**GRID)
    fig.update_yaxes(**GRID)
    return fig
