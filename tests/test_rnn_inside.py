"""Inside a recurrent layer: gates recomputed from the weights, hidden states, gradients through time."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from playground.rnn_inside import decay_per_step, gradient_through_time, hidden_states, lstm_gates, make_cell
from playground.viz.rnn import plot_gates, plot_gradient_through_time, plot_hidden_states

torch.set_num_threads(1)


@pytest.mark.parametrize("features, hidden", [(1, 4), (3, 7)])
def test_gates_recomputed_from_the_weights_reproduce_nn_lstm(features, hidden):
    torch.manual_seed(features)
    lstm = nn.LSTM(features, hidden, batch_first=True)
    x = torch.randn(1, 15, features)
    out, (h_n, c_n) = lstm(x)  # the oracle
    gates = lstm_gates(lstm, x)
    assert gates.h.shape == gates.c.shape == gates.f.shape == (15, hidden)
    np.testing.assert_allclose(gates.h, out[0].detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(gates.c[-1], c_n[0, 0].detach().numpy(), atol=1e-5)
    for name in ("i", "f", "o"):
        values = getattr(gates, name)
        assert values.min() >= 0 and values.max() <= 1
    assert np.abs(gates.g).max() <= 1
    np.testing.assert_allclose(gates.h, gates.o * np.tanh(gates.c), atol=1e-6)


def test_forget_bias_opens_the_forget_gate():
    x = torch.randn(40, 1)
    closed = lstm_gates(make_cell("lstm", 16, forget_bias=0.0), x).f.mean()
    opened = lstm_gates(make_cell("lstm", 16, forget_bias=3.0), x).f.mean()
    assert closed < 0.65 < 0.85 < opened


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_hidden_states_are_the_layer_outputs(kind):
    rnn = make_cell(kind, 6)
    x = torch.randn(25)
    states = hidden_states(rnn, x)
    out, _ = rnn(x.reshape(1, -1, 1))
    assert states.shape == (25, 6)
    np.testing.assert_allclose(states, out[0].detach().numpy(), atol=1e-6)


def test_simple_rnn_gradient_vanishes_faster_than_lstm():
    rnn = gradient_through_time("rnn", length=100, hidden=32, seed=0)
    lstm = gradient_through_time("lstm", length=100, hidden=32, forget_bias=1.0, seed=0)
    assert rnn.shape == lstm.shape == (100,)
    assert decay_per_step(rnn) < decay_per_step(lstm)
    # 99 steps back, the RNN keeps a far smaller share of its last-step gradient than the LSTM
    assert rnn[0] / rnn[-1] < 1e-6 * (lstm[0] / lstm[-1])


def test_the_gradient_figure_shows_the_rnn_decaying_faster():
    norms = {k: gradient_through_time(k, length=80, hidden=32, seed=1) for k in ("rnn", "lstm")}
    fig = plot_gradient_through_time(norms, {"rnn": "RNN", "lstm": "LSTM"},
                                     {"title": "t", "step": "step", "grad": "norm"})
    assert fig.layout.yaxis.type == "log"
    drawn = {trace.name: np.asarray(trace.y) for trace in fig.data}
    slopes = {name: np.polyfit(np.arange(30), np.log(y[-30:]), 1)[0] for name, y in drawn.items()}
    assert slopes["RNN"] > slopes["LSTM"] > 0  # both rise towards the last step; the RNN's line is steeper


def test_a_zero_forget_bias_makes_the_lstm_forget_like_an_rnn():
    low = decay_per_step(gradient_through_time("lstm", 100, 32, forget_bias=0.0))
    high = decay_per_step(gradient_through_time("lstm", 100, 32, forget_bias=2.0))
    assert low < 0.75 < 0.9 < high


def test_decay_per_step_recovers_a_geometric_factor():
    t = np.arange(50)
    assert np.isclose(decay_per_step(0.8 ** (49 - t)), 0.8)
    assert np.isclose(decay_per_step(np.ones(50)), 1.0)


def test_state_and_gate_figures_are_labelled_heatmaps():
    gates = lstm_gates(make_cell("lstm", 5), np.sin(np.arange(30) / 3))
    labels = {"step": "step", "unit": "unit", "input": "x", "value": "h"}
    fig = plot_hidden_states(gates.h, "h", labels, inputs=np.sin(np.arange(30) / 3))
    heat = [t for t in fig.data if t.type == "heatmap"][0]
    assert np.asarray(heat.z).shape == (5, 30)  # unit x step
    fig = plot_gates({"i": gates.i, "f": gates.f, "o": gates.o}, {"i": "input"}, "g", "step", "unit",
                     x_labels=list("abcdefghij" * 3))
    heats = [t for t in fig.data if t.type == "heatmap"]
    assert len(heats) == 3 and all(h.zmin == 0 and h.zmax == 1 for h in heats)
    assert fig.layout.xaxis3.ticktext[0] == "a"
