"""Inside a recurrent layer: hidden states over time, LSTM gates from the weights, gradients through time.

``lstm_gates`` recomputes one LSTM layer step by step from its weight matrices, with PyTorch's
equations and gate order (input i, forget f, cell candidate g, output o)::

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                      h_t = o_t ⊙ tanh(c_t)

and the tests check that it reproduces ``nn.LSTM``'s own h and c. ``gradient_through_time`` shows
why that matters: the gradient reaching step t of a simple RNN is multiplied by tanh' · W_hh once per
step and fades geometrically, while an LSTM's cell path multiplies it by the forget gate f_t, close
to 1 when the forget bias is high (Keras initialises that bias to 1: ``unit_forget_bias=True``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

GATE_NAMES: tuple[str, ...] = ("i", "f", "g", "o")  # PyTorch's order inside weight_ih_l0 / weight_hh_l0
_MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _as_sequence(x) -> torch.Tensor:
    """One sequence as (1, T, F) float: accepts (T,), (T, F) or (1, T, F)."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float32)) if not isinstance(x, torch.Tensor) else x.float()
    if x.dim() == 1:
        x = x[:, None]
    if x.dim() == 2:
        x = x[None]
    return x


@torch.no_grad()
def hidden_states(rnn: nn.RNNBase, x) -> np.ndarray:
    """The hidden state after every step of one sequence: (T, H·directions) of the last layer.

    ``x``: (T,), (T, F) or (1, T, F) inputs (floats; for a model with an embedding, embed first).
    """
    out, _ = rnn(_as_sequence(x)) if rnn.batch_first else rnn(_as_sequence(x).transpose(0, 1))
    out = out if rnn.batch_first else out.transpose(0, 1)
    return out[0].cpu().numpy()  # (T, H)


@dataclass(frozen=True)
class Gates:
    """Every quantity of one LSTM layer over a sequence, each (T, H)."""

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray


@torch.no_grad()
def lstm_gates(lstm: nn.LSTM, x) -> Gates:
    """Recompute the first layer of ``lstm`` from its weights, step by step, from h0 = c0 = 0.

    ``x``: one sequence, (T,), (T, F) or (1, T, F). Forward direction only.
    """
    x = _as_sequence(x)[0].to(lstm.weight_ih_l0.device)  # (T, F)
    w_ih, w_hh = lstm.weight_ih_l0, lstm.weight_hh_l0  # (4H, F), (4H, H)
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0) if lstm.bias else torch.zeros(w_ih.shape[0])  # (4H,)
    hidden = w_hh.shape[1]
    h = torch.zeros(hidden)  # (H,)
    c = torch.zeros(hidden)  # (H,)
    rows = {name: [] for name in ("i", "f", "g", "o", "c", "h")}
    pre_x = x @ w_ih.T + b  # (T, 4H): the input part of every step at once
    for t in range(len(x)):
        z = pre_x[t] + w_hh @ h  # (4H,)
        i, f, g, o = z.split(hidden)  # (H,) each, PyTorch's order
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g  # keep part of the old memory, write part of the new candidate
        h = o * torch.tanh(c)  # show part of the memory
        for name, value in zip(("i", "f", "g", "o", "c", "h"), (i, f, g, o, c, h)):
            rows[name].append(value)
    return Gates(**{name: torch.stack(v).cpu().numpy() for name, v in rows.items()})  # (T, H) each


def make_cell(kind: str, hidden: int = 32, forget_bias: float = 1.0, seed: int = 0) -> nn.RNNBase:
    """A seeded one-layer recurrent module with PyTorch's default initialisation.

    For an LSTM, ``forget_bias`` is written into the forget gate's bias (b_ih; b_hh's part is zeroed),
    as Keras' ``unit_forget_bias`` does with 1.
    """
    torch.manual_seed(seed)
    rnn = _MODULES[kind](1, hidden, batch_first=True)
    if kind == "lstm":
        with torch.no_grad():
            rnn.bias_ih_l0[hidden:2 * hidden] = forget_bias
            rnn.bias_hh_l0[hidden:2 * hidden] = 0.0
    return rnn


def gradient_through_time(kind: str, length: int = 100, hidden: int = 32, forget_bias: float = 1.0, seed: int = 0,
                          batch: int = 16, rnn: nn.RNNBase | None = None) -> np.ndarray:
    """How much the LAST output depends on the input at each step: ‖∂L/∂x_t‖ for t = 1 … length.

    ``L = w · h_T`` with a fixed random ``w`` (a stand-in for any loss on the last step); the norm is
    averaged over ``batch`` random input sequences. Returns (length,) float64; step ``length`` is the
    last one. ``rnn`` overrides the seeded fresh module (``make_cell``).
    """
    rnn = rnn if rnn is not None else make_cell(kind, hidden, forget_bias, seed)
    gen = torch.Generator().manual_seed(seed + 1)
    features = rnn.input_size
    x = torch.randn(batch, length, features, generator=gen).requires_grad_(True)  # (B, T, F)
    out, _ = rnn(x)  # (B, T, H)
    w = torch.randn(out.shape[-1], generator=gen)  # (H,)
    loss = (out[:, -1] @ w).sum()  # depends on every earlier step only through the recurrence
    (grad,) = torch.autograd.grad(loss, x)  # (B, T, F)
    return grad.norm(dim=-1).mean(dim=0).detach().double().numpy()  # (T,)


def decay_per_step(norms: np.ndarray, last: int = 30) -> float:
    """The average factor by which the gradient shrinks per step back in time over the ``last`` steps.

    A geometric fit: exp(slope of log ‖∂L/∂x_t‖ against t). 0.5 means it halves every step; 1 means no decay.
    """
    norms = np.asarray(norms, dtype=np.float64)[-last:]
    norms = np.maximum(norms, 1e-300)
    t = np.arange(len(norms))
    slope = np.polyfit(t, np.log(norms), 1)[0]
    return float(np.exp(-slope))
