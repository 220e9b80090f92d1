"""Small PyTorch modules the playground writes by hand, because they are the lesson.

Every class here only needs ``math``, ``torch``, ``nn`` and ``F``: the code exporter copies
their source into the scripts it writes, so an exported model runs without the playground.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class Recurrent(nn.Module):
    """nn.RNN / nn.LSTM / nn.GRU that returns one tensor, as Keras recurrent layers do.

    With ``return_sequences`` it returns every step ``(B, T, H*dirs)``; otherwise the final
    hidden state of the last layer, forward and backward concatenated ``(B, H*dirs)``, as
    ``Bidirectional(LSTM(...))`` and the notes' ``torch.cat([hidden[-2], hidden[-1]], dim=1)`` do.
    """

    def __init__(self, mode, input_size, units, num_layers=1, bidirectional=False, dropout=0.0,
                 return_sequences=False):
        super().__init__()
        cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
        self.rnn = cls(input_size, units, num_layers=num_layers, bidirectional=bidirectional,
                       dropout=dropout, batch_first=True)
        self.bidirectional = bidirectional
        self.return_sequences = return_sequences

    def forward(self, x):  # x: (B, T, F)
        out, state = self.rnn(x)  # out: (B, T, H*dirs)
        if self.return_sequences:
            return out
        h_n = state[0] if isinstance(state, tuple) else state  # (layers*dirs, B, H)
        if self.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)  # (B, 2H)
        return h_n[-1]  # (B, H)


class SequenceBatchNorm(nn.Module):
    """BatchNorm over the feature axis of a (B, T, F) sequence, as Keras BatchNormalization does."""

    def __init__(self, features):
        super().__init__()
        self.bn = nn.BatchNorm1d(features)

    def forward(self, x):  # x: (B, T, F)
        return self.bn(x.transpose(1, 2)).transpose(1, 2)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of a (B, C, H, W) image, as Keras LayerNormalization (channels last)."""

    def __init__(self, channels):
        super().__init__()
        self.ln = nn.LayerNorm(channels)

    def forward(self, x):  # x: (B, C, H, W)
        return self.ln(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class GlobalAvgPool1d(nn.Module):
    """Average over time: (B, T, F) -> (B, F)."""

    def forward(self, x):
        return x.mean(dim=1)


class SelfAttention(nn.Module):
    """Multi-head self-attention written out, so its weights can be shown.

    The same parameters as Keras ``MultiHeadAttention(num_heads, key_dim)``: Q, K and V
    projections of width heads*key_dim, and an output projection back to the input width.
    After each forward pass ``self.attn`` holds the attention weights (B, heads, T, T).
    ``pad_mask`` (B, T), optional, is True at padding positions: no query attends to them.
    """

    def __init__(self, embed_dim, heads, key_dim, causal=False):
        super().__init__()
        self.heads, self.key_dim, self.causal = heads, key_dim, causal
        width = heads * key_dim
        self.q = nn.Linear(embed_dim, width)
        self.k = nn.Linear(embed_dim, width)
        self.v = nn.Linear(embed_dim, width)
        self.out = nn.Linear(width, embed_dim)
        self.attn = None

    def forward(self, x, pad_mask=None):  # x: (B, T, F)
        B, T, _ = x.shape
        q = self.q(x).view(B, T, self.heads, self.key_dim).transpose(1, 2)  # (B, h, T, d)
        k = self.k(x).view(B, T, self.heads, self.key_dim).transpose(1, 2)  # (B, h, T, d)
        v = self.v(x).view(B, T, self.heads, self.key_dim).transpose(1, 2)  # (B, h, T, d)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.key_dim)  # (B, h, T, T)
        if self.causal:
            future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        if pad_mask is not None:
            scores = scores.masked_fill(pad_mask[:, None, None, :], float("-inf"))  # (B, h, T, T)
        weights = F.softmax(scores, dim=-1)  # (B, h, T, T), each row sums to 1
        self.attn = weights.detach()
        y = (weights @ v).transpose(1, 2).reshape(B, T, self.heads * self.key_dim)  # (B, T, h*d)
        return self.out(y)  # (B, T, F)


class PositionalEncoding(nn.Module):
    """Adds position information: the sinusoidal table of "Attention is all you need", or a learned one."""

    def __init__(self, seq_len, dim, kind="sinusoidal"):
        super().__init__()
        self.kind = kind
        if kind == "learned":
            self.table = nn.Parameter(torch.randn(seq_len, dim) * 0.02)  # (T, F)
        else:
            pos = torch.arange(seq_len, dtype=torch.float32).unsqueeze(1)  # (T, 1)
            freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
            table = torch.zeros(seq_len, dim)  # (T, F)
            table[:, 0::2] = torch.sin(pos * freq)
            table[:, 1::2] = torch.cos(pos * freq)[:, : dim // 2]
            self.register_buffer("table", table, persistent=False)

    def forward(self, x):  # x: (B, T, F)
        return x + self.table[: x.shape[1]]


class EncoderBlock(nn.Module):
    """A post-norm Transformer encoder block (as nn.TransformerEncoderLayer), built on SelfAttention."""

    def __init__(self, dim, heads, ff_dim, dropout=0.1):
        super().__init__()
        self.attention = SelfAttention(dim, heads, dim // heads)
        self.drop1 = nn.Dropout(dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff_dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff_dim, dim))
        self.drop2 = nn.Dropout(dropout)
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x, pad_mask=None):  # x: (B, T, F); pad_mask: (B, T), True at padding
        x = self.norm1(x + self.drop1(self.attention(x, pad_mask)))  # (B, T, F)
        return self.norm2(x + self.drop2(self.ff(x)))  # (B, T, F)


CUSTOM_MODULES = {
    cls.__name__: cls
    for cls in (Recurrent, SequenceBatchNorm, ChannelLayerNorm, GlobalAvgPool1d, SelfAttention,
                PositionalEncoding, EncoderBlock)
}
