"""Self-attention step by step, on a sentence a student types.

Every intermediate array is returned, so the page can draw each step as a heatmap with the words on
its axes:  x -> Q, K, V -> QKᵀ -> /√d -> mask -> softmax -> weights·V.

The word vectors are not learned: each word is the average of seeded random vectors of its letter
groups (``"<ca"``, ``"cat"``, ``"at>"`` ... as fastText does with subwords), scaled to length √d.
Words that share letter groups ("cat", "sat", "mat") get similar vectors; everything is
reproducible from the text and a seed.

>>> import numpy as np
>>> words = split_words("the cat sat on the mat")
>>> steps = attention_steps(embed_words(words, dim=8) + sinusoidal_encoding(len(words), 8),
...                         *projections(8, "identity"), causal=True)
>>> steps.weights.shape, bool(np.allclose(steps.weights.sum(axis=1), 1))  # rows are probability distributions
((6, 6), True)
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass

import numpy as np

MAX_WORDS = 12  # more would make the T x T heatmaps unreadable
PROJECTIONS = ("identity", "random")
DEFAULT_SENTENCE = {"en": "the cat sat on the mat", "es": "el gato se sentó en la alfombra"}


class AttentionError(ValueError):
    """Input the step-by-step view cannot use; ``message(lang)`` says what to change."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


def split_words(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Lower-case words of ``text`` (letters and digits, accents kept), at most ``max_words``.

    Raises AttentionError when the text has no word at all.
    """
    words = re.findall(r"\w+", str(text).lower())
    if not words:
        raise AttentionError("transformer.err.no_words")
    return words[:max_words]


def letter_groups(word: str) -> list[str]:
    """The letter trigrams of ``<word>`` plus the whole ``<word>``: ``cat`` -> ``<ca, cat, at>, <cat>``."""
    padded = f"<{word}>"
    return [padded[i:i + 3] for i in range(len(padded) - 2)] + [padded]


def _group_vector(group: str, dim: int, seed: int) -> np.ndarray:
    # crc32, not hash(): Python salts str hashes per process, and the vectors must not change between runs.
    return np.random.default_rng([seed, zlib.crc32(group.encode("utf-8"))]).standard_normal(dim)


def embed_words(words: list[str], dim: int = 8, seed: int = 0) -> np.ndarray:
    """Word vectors (T, dim): the mean of each word's letter-group vectors, scaled to length √dim.

    The same word always gets the same vector; words sharing letter groups get similar ones.
    """
    if dim < 2:
        raise AttentionError("transformer.err.dim", dim=dim)
    rows = []
    for word in words:
        v = np.mean([_group_vector(g, dim, seed) for g in letter_groups(word)], axis=0)  # (dim,)
        rows.append(v / (np.linalg.norm(v) or 1.0) * math.sqrt(dim))
    return np.stack(rows).astype(np.float64)  # (T, dim)


def sinusoidal_encoding(length: int, dim: int) -> np.ndarray:
    """The sinusoidal position table (length, dim) of "Attention is all you need".

    Read from the builders' ``PositionalEncoding``, the module the tiny Transformer uses, so the page
    draws the very table the model adds: even columns sin(pos·ω_i), odd columns cos(pos·ω_i), with
    ω_i = 10000^(-2i/dim).
    """
    from playground.builders.torch_layers import PositionalEncoding

    return PositionalEncoding(length, dim).table.double().numpy()  # (T, dim)


def position_similarity(table: np.ndarray) -> np.ndarray:
    """Dot products between the position vectors: (T, T) = PE · PEᵀ. Near positions are similar."""
    pe = np.asarray(table, dtype=np.float64)
    return pe @ pe.T  # (T, T)


def projections(dim: int, kind: str = "identity", seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W_Q, W_K, W_V (dim, dim). ``identity``: attention by similarity (Q = K = V = x). ``random``:
    seeded N(0, 1/dim) matrices, as a freshly initialised (untrained) layer would have."""
    if kind == "identity":
        eye = np.eye(dim)
        return eye, eye.copy(), eye.copy()
    if kind != "random":
        raise AttentionError("transformer.err.projection", kind=kind)
    rng = np.random.default_rng(seed)
    w_q, w_k, w_v = (rng.standard_normal((dim, dim)) / math.sqrt(dim) for _ in range(3))
    return w_q, w_k, w_v


@dataclass(frozen=True)
class AttentionSteps:
    """Every array of one self-attention pass over T tokens (single head, key width d).

    ``allowed`` is True where a query may look at a key (all True without the causal mask);
    ``masked`` holds -inf where it may not; ``weights`` rows sum to 1.
    """

    x: np.ndarray  # (T, F) token vectors
    q: np.ndarray  # (T, d)
    k: np.ndarray  # (T, d)
    v: np.ndarray  # (T, d)
    scores: np.ndarray  # (T, T) Q·Kᵀ
    scaled: np.ndarray  # (T, T) Q·Kᵀ / √d
    allowed: np.ndarray  # (T, T) bool
    masked: np.ndarray  # (T, T) scaled, -inf where not allowed
    weights: np.ndarray  # (T, T) softmax of each row
    output: np.ndarray  # (T, d) weights · V
    causal: bool

    @property
    def scale(self) -> float:
        return math.sqrt(self.q.shape[1])


def causal_mask(length: int) -> np.ndarray:
    """(T, T) bool: query i may look at keys 0..i (the lower triangle, diagonal included)."""
    return np.tril(np.ones((length, length), dtype=bool))


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax; -inf entries get weight 0 (each row needs one finite entry)."""
    s = scores - scores.max(axis=-1, keepdims=True)  # subtract the row max: exp never overflows
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def attention_steps(x: np.ndarray, w_q: np.ndarray, w_k: np.ndarray, w_v: np.ndarray,
                    causal: bool = False) -> AttentionSteps:
    """Run scaled dot-product self-attention on ``x`` (T, F) and keep every intermediate array."""
    x = np.asarray(x, dtype=np.float64)
    q, k, v = x @ w_q, x @ w_k, x @ w_v  # (T, d) each
    scores = q @ k.T  # (T, T): how well query i matches key j
    scaled = scores / math.sqrt(q.shape[1])  # (T, T): keeps the softmax from saturating as d grows
    allowed = causal_mask(len(x)) if causal else np.ones((len(x), len(x)), dtype=bool)
    masked = np.where(allowed, scaled, -np.inf)  # (T, T)
    weights = softmax(masked)  # (T, T), rows sum to 1
    output = weights @ v  # (T, d): each row a weighted mix of the value rows
    return AttentionSteps(x, q, k, v, scores, scaled, allowed, masked, weights, output, causal)


def oracle_gap(steps: AttentionSteps) -> float:
    """Largest |difference| between our output and ``torch.nn.functional.scaled_dot_product_attention``."""
    import torch
    import torch.nn.functional as F

    q, k, v = (torch.from_numpy(a)[None] for a in (steps.q, steps.k, steps.v))  # (1, T, d)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=steps.causal)[0].numpy()  # (T, d)
    return float(np.abs(ref - steps.output).max())
