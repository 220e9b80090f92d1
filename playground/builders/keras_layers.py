"""Keras layers the playground needs and Keras core lacks (imported only by ``build_keras``).

Like ``torch_layers``, every class is self-contained (``keras``, ``layers``, ``ops``, ``np``): the
code exporter copies their source into the Keras scripts it writes.
"""
from __future__ import annotations

import numpy as np
from keras import layers, ops


class SelfAttention(layers.Layer):
    """Self-attention for a Sequential model: MultiHeadAttention with query = key = value."""

    def __init__(self, heads, key_dim, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.key_dim, self.causal = heads, key_dim, causal
        self.mha = layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)

    def build(self, input_shape):
        self.mha.build(input_shape, input_shape)

    def call(self, x):
        return self.mha(x, x, use_causal_mask=self.causal)

    def get_config(self):
        return {**super().get_config(), "heads": self.heads, "key_dim": self.key_dim, "causal": self.causal}


class PositionalEncoding(layers.Layer):
    """Adds the sinusoidal position table, or a learned (T, F) table."""

    def __init__(self, seq_len, dim, kind="sinusoidal", **kwargs):
        super().__init__(**kwargs)
        self.seq_len, self.dim, self.kind = seq_len, dim, kind

    def build(self, input_shape):
        if self.kind == "learned":
            self.table = self.add_weight(shape=(self.seq_len, self.dim), initializer="random_normal",
                                         name="table")
        else:
            pos = np.arange(self.seq_len, dtype="float32")[:, None]
            freq = np.exp(np.arange(0, self.dim, 2, dtype="float32") * (-np.log(10000.0) / self.dim))
            table = np.zeros((self.seq_len, self.dim), dtype="float32")
            table[:, 0::2] = np.sin(pos * freq)
            table[:, 1::2] = np.cos(pos * freq)[:, : self.dim // 2]
            self.table = ops.convert_to_tensor(table)

    def call(self, x):
        return x + self.table[None, : ops.shape(x)[1]]

    def get_config(self):
        return {**super().get_config(), "seq_len": self.seq_len, "dim": self.dim, "kind": self.kind}


class TransformerEncoder(layers.Layer):
    """A post-norm encoder block: self-attention and a feed-forward net, each with residual + LayerNorm."""

    def __init__(self, heads, ff_dim, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.heads, self.ff_dim, self.rate = heads, ff_dim, dropout

    def build(self, input_shape):
        dim = input_shape[-1]
        self.mha = layers.MultiHeadAttention(num_heads=self.heads, key_dim=dim // self.heads)
        self.mha.build(input_shape, input_shape)
        self.ff1 = layers.Dense(self.ff_dim, activation="relu")
        self.ff1.build(input_shape)
        self.ff2 = layers.Dense(dim)
        self.ff2.build(tuple(input_shape[:-1]) + (self.ff_dim,))
        self.norm1 = layers.LayerNormalization(epsilon=1e-5)
        self.norm1.build(input_shape)
        self.norm2 = layers.LayerNormalization(epsilon=1e-5)
        self.norm2.build(input_shape)
        self.drop = layers.Dropout(self.rate)

    def call(self, x, training=False):
        x = self.norm1(x + self.drop(self.mha(x, x), training=training))
        return self.norm2(x + self.drop(self.ff2(self.ff1(x)), training=training))

    def get_config(self):
        return {**super().get_config(), "heads": self.heads, "ff_dim": self.ff_dim, "dropout": self.rate}


CUSTOM_LAYERS = {cls.__name__: cls for cls in (SelfAttention, PositionalEncoding, TransformerEncoder)}
