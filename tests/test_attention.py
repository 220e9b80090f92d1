"""Self-attention step by step, checked against PyTorch's own attention as the oracle (micrograd style)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.attention import (
    DEFAULT_SENTENCE,
    MAX_WORDS,
    AttentionError,
    attention_steps,
    causal_mask,
    embed_words,
    letter_groups,
    oracle_gap,
    position_similarity,
    projections,
    sinusoidal_encoding,
    split_words,
)
from playground.builders.torch_layers import EncoderBlock, SelfAttention


def _random_steps(seed: int, t: int, d: int, causal: bool, kind: str = "random"):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((t, d)) * 2
    return attention_steps(x, *projections(d, kind, seed), causal=causal)


# ---------------------------------------------------------------- words and vectors


def test_split_words_lowercases_keeps_accents_and_caps_the_length():
    assert split_words("El gato se SENTÓ, en la alfombra!") == ["el", "gato", "se", "sentó", "en", "la", "alfombra"]
    long = " ".join(f"w{i}" for i in range(MAX_WORDS + 5))
    assert split_words(long) == [f"w{i}" for i in range(MAX_WORDS)]


@pytest.mark.parametrize("text", ["", "   ", "¡¿...?!"])
def test_a_text_without_words_is_an_error_a_student_can_act_on(text):
    with pytest.raises(AttentionError) as info:
        split_words(text)
    assert "word" in info.value.message("en") and "palabra" in info.value.message("es")


def test_letter_groups_are_trigrams_with_boundaries():
    assert letter_groups("cat") == ["<ca", "cat", "at>", "<cat>"]


def test_word_vectors_are_reproducible_sized_and_share_letters():
    words = ["gato", "gatos", "perro", "gato"]
    e = embed_words(words, dim=64)
    assert e.shape == (4, 64)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), math.sqrt(64))
    np.testing.assert_array_equal(e[0], e[3])  # same word, same vector
    np.testing.assert_array_equal(e, embed_words(words, dim=64))  # no hidden randomness between calls
    assert not np.allclose(e, embed_words(words, dim=64, seed=1))
    cos = e @ e.T / 64
    assert cos[0, 1] > cos[0, 2] + 0.2  # gato/gatos share three letter groups, gato/perro none


def test_too_small_vectors_are_refused():
    with pytest.raises(AttentionError):
        embed_words(["a"], dim=1)


# ---------------------------------------------------------------- positional encoding


@pytest.mark.parametrize("t,d", [(8, 8), (50, 16), (5, 7)])
def test_sinusoidal_table_follows_the_formula(t, d):
    pe = sinusoidal_encoding(t, d)
    assert pe.shape == (t, d)
    for p in (0, 1, t - 1):
        for i in range(d):
            angle = p / 10000 ** (2 * (i // 2) / d)
            expected = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            assert pe[p, i] == pytest.approx(expected, abs=1e-5)


def test_position_similarity_depends_only_on_the_distance():
    d = 16
    sim = position_similarity(sinusoidal_encoding(20, d))
    np.testing.assert_allclose(sim, sim.T, atol=1e-9)
    np.testing.assert_allclose(np.diag(sim), d / 2, atol=1e-4)  # every row has d/2 sin²+cos² pairs
    for k in range(1, 6):  # constant along each diagonal: sin a sin b + cos a cos b = cos(a - b)
        band = np.diag(sim, k)
        np.testing.assert_allclose(band, band[0], atol=1e-4)
    assert sim[0, 1] == sim[0, 1:].max() and sim[0, 1] > sim[0, 2] > sim[0, 3]  # the nearest are the most alike


# ---------------------------------------------------------------- the steps


def test_every_step_has_the_right_shape_and_meaning():
    s = _random_steps(0, t=6, d=8, causal=False)
    assert s.q.shape == s.k.shape == s.v.shape == s.output.shape == (6, 8)
    np.testing.assert_allclose(s.scores, s.q @ s.k.T)
    np.testing.assert_allclose(s.scaled, s.scores / math.sqrt(8))
    np.testing.assert_allclose(s.weights.sum(axis=1), 1.0)
    assert (s.weights > 0).all() and s.allowed.all()
    np.testing.assert_allclose(s.output, s.weights @ s.v)


def test_causal_mask_hides_the_future():
    s = _random_steps(1, t=7, d=4, causal=True)
    future = ~causal_mask(7)
    assert np.isneginf(s.masked[future]).all() and np.isfinite(s.masked[~future]).all()
    assert (s.weights[future] == 0).all()
    np.testing.assert_allclose(s.weights.sum(axis=1), 1.0)
    assert s.weights[0, 0] == pytest.approx(1.0)  # the first word can only look at itself


def test_identity_projections_attend_by_similarity():
    words = split_words(DEFAULT_SENTENCE["en"])  # the cat sat on the mat
    s = attention_steps(embed_words(words, 8), *projections(8, "identity"))
    np.testing.assert_array_equal(s.q, s.x)
    assert (s.weights.argmax(axis=1) == np.arange(len(words))).sum() >= len(words) - 1  # mostly themselves


def test_without_positions_attention_ignores_order():
    """Permuting the words permutes the output rows the same way: the reason for positional encoding."""
    words = split_words("the cat sat on the mat")
    w = projections(8, "random", 3)
    perm = np.array([3, 0, 5, 1, 4, 2])
    a = attention_steps(embed_words(words, 8), *w).output
    b = attention_steps(embed_words([words[i] for i in perm], 8), *w).output
    np.testing.assert_allclose(b, a[perm], atol=1e-12)
    with_pe = attention_steps(embed_words([words[i] for i in perm], 8) + sinusoidal_encoding(6, 8), *w).output
    assert not np.allclose(with_pe, a[perm], atol=1e-3)


def test_unknown_projection_is_an_error():
    with pytest.raises(AttentionError):
        projections(4, "orthogonal")


# ---------------------------------------------------------------- the oracle


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("seed,t,d", [(0, 6, 8), (1, 12, 16), (2, 1, 4), (3, 9, 5)])
def test_hand_written_attention_matches_torch_sdpa(seed, t, d, causal):
    s = _random_steps(seed, t, d, causal)
    q, k, v = (torch.from_numpy(a)[None] for a in (s.q, s.k, s.v))
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=causal)[0].numpy()
    np.testing.assert_allclose(s.output, ref, atol=1e-5)
    assert oracle_gap(s) < 1e-5


def _sdpa_through(module: SelfAttention, x: torch.Tensor, **kwargs) -> torch.Tensor:
    B, T, _ = x.shape
    split = [(m(x).view(B, T, module.heads, module.key_dim).transpose(1, 2)) for m in (module.q, module.k, module.v)]
    y = F.scaled_dot_product_attention(*split, **kwargs)  # (B, h, T, d)
    return module.out(y.transpose(1, 2).reshape(B, T, -1))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads", [1, 2, 4])
def test_builders_self_attention_matches_torch_sdpa(heads, causal):
    torch.manual_seed(heads)
    module = SelfAttention(16, heads, 16 // heads, causal=causal).eval()
    x = torch.randn(3, 7, 16)
    with torch.no_grad():
        ours, ref = module(x), _sdpa_through(module, x, is_causal=causal)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)
    assert module.attn.shape == (3, heads, 7, 7)
    torch.testing.assert_close(module.attn.sum(-1), torch.ones(3, heads, 7))


def test_builders_self_attention_padding_mask_matches_sdpa_and_ignores_padding():
    torch.manual_seed(0)
    module = SelfAttention(8, 2, 4).eval()
    x = torch.randn(2, 6, 8)
    pad = torch.tensor([[False] * 4 + [True] * 2, [False] * 6])
    with torch.no_grad():
        ours = module(x, pad)
        ref = _sdpa_through(module, x, attn_mask=~pad[:, None, None, :])
        torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)
        assert (module.attn[0, :, :, 4:] == 0).all()
        changed = x.clone()
        changed[0, 4:] = 100.0  # whatever sits in the padding does not reach the real tokens
        torch.testing.assert_close(module(changed, pad)[0, :4], ours[0, :4])
        block = EncoderBlock(8, 2, 16, dropout=0.0).eval()
        torch.testing.assert_close(block(x), block(x, None))  # the mask is optional: old callers unchanged
