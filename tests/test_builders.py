"""Both builders against the registry: every layer kind and every preset, shapes and parameter counts.

Plus oracle tests of the hand-written PyTorch modules against PyTorch's own implementations, and
numerical agreement of the two frameworks where their layers are meant to compute the same thing.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.builders import build_keras, build_torch, example_input, keras_input_shape, layer_names, plan
from playground.builders.torch_layers import EncoderBlock, PositionalEncoding, Recurrent, SelfAttention
from playground.layers import ACTIVATION_NAMES, IMAGE, LAYERS
from playground.presets import PRESETS
from playground.spec import ModelSpec, infer_shapes, layer_inputs

torch.set_num_threads(1)


def _spec(shape, *layers):
    return {"input_shape": list(shape), "layers": list(layers)}


def _rnn(kind, units, num_layers=1, bidirectional=False, return_sequences=False, dropout=0.0):
    return {"type": kind, "units": units, "num_layers": num_layers, "bidirectional": bidirectional,
            "return_sequences": return_sequences, "dropout": dropout}


def _conv(filters, k, stride=1, padding="valid", act="relu"):
    return {"type": "conv2d", "filters": filters, "kernel_size": k, "stride": stride, "padding": padding,
            "activation": act}


def _layer_cases() -> dict[str, dict]:
    cases = {
        "dense_vector": _spec([6], {"type": "dense", "units": 5, "activation": "relu"}),
        "dense_sequence": _spec([4, 6], {"type": "dense", "units": 3, "activation": "tanh"}),
        "conv_valid": _spec([2, 9, 9], _conv(4, 3)),
        "conv_valid_stride2": _spec([2, 9, 8], _conv(3, 3, 2)),
        "conv_same_stride1_even_kernel": _spec([2, 8, 7], _conv(3, 4, 1, "same")),
        "conv_same_stride2_odd_size": _spec([2, 7, 7], _conv(3, 3, 2, "same")),
        "conv_same_stride2_even_size": _spec([2, 8, 8], _conv(3, 3, 2, "same")),
        "conv_same_stride2_even_kernel": _spec([1, 8, 7], _conv(2, 4, 2, "same")),
        "conv_same_stride3_kernel_bigger_than_input": _spec([1, 3, 4], _conv(2, 5, 3, "same", "linear")),
        "conv_softmax": _spec([2, 5, 5], _conv(4, 3, 1, "same", "softmax")),
        "maxpool": _spec([2, 8, 8], {"type": "maxpool2d", "pool_size": 2}),
        "maxpool_stride": _spec([2, 9, 9], {"type": "maxpool2d", "pool_size": 3, "stride": 2}),
        "avgpool": _spec([2, 8, 6], {"type": "avgpool2d", "pool_size": 2}),
        "avgpool_stride": _spec([2, 9, 9], {"type": "avgpool2d", "pool_size": 2, "stride": 3}),
        "gap2d": _spec([3, 5, 4], {"type": "globalavgpool2d"}),
        "flatten_image": _spec([2, 4, 5], {"type": "flatten"}),
        "flatten_sequence": _spec([4, 3], {"type": "flatten"}),
        "flatten_vector": _spec([5], {"type": "flatten"}),
        "embedding": _spec([6], {"type": "embedding", "vocab_size": 11, "dim": 4}),
        "attention": _spec([5, 6], {"type": "attention", "heads": 2, "key_dim": 3}),
        "attention_causal": _spec([5, 6], {"type": "attention", "heads": 3, "key_dim": 2, "causal": True}),
        "posenc_sinusoidal": _spec([5, 6], {"type": "positional_encoding", "kind": "sinusoidal"}),
        "posenc_sinusoidal_odd": _spec([4, 5], {"type": "positional_encoding", "kind": "sinusoidal"}),
        "posenc_learned": _spec([5, 6], {"type": "positional_encoding", "kind": "learned"}),
        "transformer_encoder": _spec([5, 8], {"type": "transformer_encoder", "heads": 2, "ff_dim": 16}),
        "gap1d": _spec([5, 4], {"type": "globalavgpool1d"}),
        "token_pipeline": _spec(
            [7],
            {"type": "embedding", "vocab_size": 20, "dim": 6},
            {"type": "positional_encoding", "kind": "learned"},
            {"type": "attention", "heads": 2, "key_dim": 4, "causal": True},
            {"type": "transformer_encoder", "heads": 3, "ff_dim": 8, "dropout": 0.2},
            {"type": "layernorm"},
            {"type": "globalavgpool1d"},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ),
        "image_pipeline": _spec(
            [3, 10, 9],
            _conv(4, 3, 2, "same", "linear"), {"type": "batchnorm"}, {"type": "layernorm"},
            {"type": "activation", "activation": "gelu"}, {"type": "dropout", "rate": 0.3},
            {"type": "maxpool2d", "pool_size": 2, "stride": 1}, {"type": "flatten"},
            {"type": "dense", "units": 4}, {"type": "batchnorm"},
            {"type": "dense", "units": 1, "activation": "sigmoid"},
        ),
    }
    for where, shape in (("image", [3, 4, 5]), ("vector", [6]), ("sequence", [4, 6])):
        cases[f"dropout_{where}"] = _spec(shape, {"type": "dropout", "rate": 0.25})
        cases[f"batchnorm_{where}"] = _spec(shape, {"type": "batchnorm"})
        cases[f"layernorm_{where}"] = _spec(shape, {"type": "layernorm"})
    for act in ACTIVATION_NAMES:
        cases[f"activation_{act}"] = _spec([6], {"type": "activation", "activation": act})
        cases[f"dense_{act}"] = _spec([4, 3], {"type": "dense", "units": 5, "activation": act})
    cases["activation_softmax_image"] = _spec([3, 4, 4], {"type": "activation", "activation": "softmax"})
    for kind in ("simplernn", "lstm", "gru"):
        for layers, bidir, seq in ((1, False, False), (1, False, True), (1, True, False), (2, True, False),
                                   (2, True, True), (3, False, True)):
            name = f"{kind}_{layers}l_{'bi' if bidir else 'uni'}_{'seq' if seq else 'last'}"
            cases[name] = _spec([5, 3], _rnn(kind, 4, layers, bidir, seq, 0.2 if layers > 1 else 0.0))
    return cases


LAYER_CASES = _layer_cases()
CASES = {**LAYER_CASES, **{f"preset_{k}": p.spec for k, p in PRESETS.items()}}


@functools.cache
def spec_of(case: str) -> ModelSpec:
    return ModelSpec.from_dict(CASES[case])


@functools.cache
def keras_model(case: str):
    return build_keras(spec_of(case))


def keras_counts(model) -> tuple[int, int]:
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return trainable, frozen


def torch_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def registry_counts(spec: ModelSpec) -> tuple[int, int, int]:
    torch_n = keras_n = frozen = 0
    for layer, shape in zip(spec.layers, layer_inputs(spec)):
        kind = LAYERS[layer.type]
        torch_n += kind.params(shape, layer.params)
        keras_n += (kind.keras_params or kind.params)(shape, layer.params)
        frozen += kind.keras_nontrainable(shape, layer.params)
    return torch_n, keras_n, frozen


def channels_last(shape) -> tuple[int, ...]:
    if shape.kind == IMAGE:
        c, h, w = shape.dims
        return (h, w, c)
    return shape.dims


def test_every_layer_kind_and_activation_has_a_case():
    used = {layer["type"] for d in LAYER_CASES.values() for layer in d["layers"]}
    assert used == set(LAYERS)
    acts = {layer.get("activation") for d in LAYER_CASES.values() for layer in d["layers"]}
    assert set(ACTIVATION_NAMES) <= acts
    kinds = {ModelSpec.from_dict(d).input().kind for d in LAYER_CASES.values()}
    assert kinds == {"image", "vector", "sequence", "tokens"}


# ---------------------------------------------------------------- the grid


@pytest.mark.parametrize("case", sorted(CASES))
def test_torch_builder(case):
    spec = spec_of(case)
    model = build_torch(spec)
    torch_n, _, _ = registry_counts(spec)
    assert torch_trainable(model) == torch_n
    model.eval()
    with torch.no_grad():
        y = model(example_input(spec, batch=3))
    assert tuple(y.shape) == (3, *infer_shapes(spec)[-1].dims)
    assert torch.isfinite(y).all()
    # Every child belongs to exactly one spec layer, named after it.
    stems = layer_names(spec)
    assert len(model.layer_modules) == len(spec.layers)
    assert [n for names in model.layer_modules for n in names] == [n for n, _ in model.named_children()]
    for stem, names in zip(stems, model.layer_modules):
        assert names and all(n == stem or n.startswith(stem + "_") for n in names)
    # Training mode runs too (dropout, BatchNorm statistics), with gradients reaching every parameter.
    model.train()
    out = model(example_input(spec, batch=3, seed=1))
    assert tuple(out.shape) == tuple(y.shape)
    if torch_n:
        out.float().pow(2).mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_builder(case):
    spec = spec_of(case)
    model = keras_model(case)
    _, keras_n, frozen = registry_counts(spec)
    assert keras_counts(model) == (keras_n, frozen)
    assert tuple(model.input_shape[1:]) == keras_input_shape(spec)
    y = np.asarray(model(example_input(spec, batch=3, framework="keras"), training=False))
    assert y.shape == (3, *channels_last(infer_shapes(spec)[-1]))
    assert np.isfinite(y).all()
    assert tuple(model.output_shape[1:]) == channels_last(infer_shapes(spec)[-1])


def _rnn_layers(spec: ModelSpec):
    return [(layer, shape) for layer, shape in zip(spec.layers, layer_inputs(spec))
            if layer.type in ("simplernn", "lstm", "gru")]


RNN_CASES = sorted(c for c in CASES if _rnn_layers(ModelSpec.from_dict(CASES[c])))


def test_rnn_cases_cover_presets():
    assert {"preset_tiny_lstm_text", "preset_sentiment_bilstm", "preset_simple_rnn_text"} <= set(RNN_CASES)


@pytest.mark.parametrize("case", RNN_CASES)
def test_recurrent_counts_differ_by_one_bias_per_gate(case):
    """PyTorch keeps b_ih and b_hh; Keras SimpleRNN/LSTM keep one bias, Keras GRU (reset_after) two."""
    spec = spec_of(case)
    expected = 0
    for layer, _ in _rnn_layers(spec):
        p = layer.params
        gates = {"simplernn": 1, "lstm": 4, "gru": 3}[layer.type]
        dirs = 2 if p["bidirectional"] else 1
        if layer.type != "gru":
            expected += gates * p["units"] * dirs * p["num_layers"]
    torch_n = torch_trainable(build_torch(spec))
    keras_n, _ = keras_counts(keras_model(case))
    assert torch_n - keras_n == expected
    if all(layer.type == "gru" for layer, _ in _rnn_layers(spec)):
        assert torch_n == keras_n
    else:
        assert expected > 0


def test_rnn_difference_for_the_bilstm_preset():
    # 2 layers x 2 directions x 4 gates x 256 units
    spec = spec_of("preset_sentiment_bilstm")
    assert torch_trainable(build_torch(spec)) - keras_counts(keras_model("preset_sentiment_bilstm"))[0] == 4096


@pytest.mark.parametrize("case", sorted(CASES))
def test_plans_have_one_step_per_layer_with_unique_names(case):
    spec = spec_of(case)
    for framework in ("torch", "keras"):
        steps = plan(spec, framework)
        assert [s.index for s in steps] == list(range(1, len(spec.layers) + 1))
        names = [c.name for s in steps for c in s.calls]
        assert len(names) == len(set(names)), names
    keras_names = [layer.name for layer in keras_model(case).layers]
    assert len(keras_names) == len(set(keras_names))


def test_example_input_layouts():
    spec = spec_of("conv_valid")
    x = example_input(spec, batch=2)
    xk = example_input(spec, batch=2, framework="keras")
    assert tuple(x.shape) == (2, 2, 9, 9) and xk.shape == (2, 9, 9, 2)
    np.testing.assert_array_equal(x.numpy().transpose(0, 2, 3, 1), xk)
    tokens = example_input(spec_of("embedding"), batch=4)
    assert tokens.dtype == torch.int64 and tokens.min() >= 0 and tokens.max() < 11
    assert torch.equal(example_input(spec, seed=3), example_input(spec, seed=3))
    assert not torch.equal(example_input(spec, seed=3), example_input(spec, seed=4))


# ---------------------------------------------------------------- oracles: attention


def _sdpa_reference(attn: SelfAttention, x: torch.Tensor, causal: bool) -> torch.Tensor:
    B, T, _ = x.shape
    h, d = attn.heads, attn.key_dim

    def split(t):
        return t.view(B, T, h, d).transpose(1, 2)

    y = F.scaled_dot_product_attention(split(attn.q(x)), split(attn.k(x)), split(attn.v(x)), is_causal=causal)
    return attn.out(y.transpose(1, 2).reshape(B, T, h * d))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads,key_dim", [(1, 8), (2, 3), (4, 5)])
def test_self_attention_matches_scaled_dot_product_attention(causal, heads, key_dim):
    torch.manual_seed(0)
    attn = SelfAttention(6, heads, key_dim, causal=causal).eval()
    x = torch.randn(3, 7, 6)
    with torch.no_grad():
        y = attn(x)
        ref = _sdpa_reference(attn, x, causal)
    torch.testing.assert_close(y, ref, rtol=1e-5, atol=1e-5)
    w = attn.attn
    assert tuple(w.shape) == (3, heads, 7, 7)
    torch.testing.assert_close(w.sum(-1), torch.ones(3, heads, 7))
    assert (w >= 0).all()
    upper = torch.ones(7, 7, dtype=torch.bool).triu(1)
    if causal:
        assert (w[..., upper] == 0).all()
        assert torch.allclose(w[..., 0, 0], torch.ones(3, heads))  # the first token only sees itself
    else:
        assert (w[..., upper] > 0).all()


def test_causal_attention_ignores_the_future():
    torch.manual_seed(1)
    attn = SelfAttention(4, 2, 3, causal=True).eval()
    x = torch.randn(1, 6, 4)
    x2 = x.clone()
    x2[:, 4:] = torch.randn(1, 2, 4)
    with torch.no_grad():
        torch.testing.assert_close(attn(x)[:, :4], attn(x2)[:, :4])
        assert not torch.allclose(attn(x)[:, 4:], attn(x2)[:, 4:])


def test_encoder_block_matches_transformer_encoder_layer():
    dim, heads, ff = 8, 2, 16
    block = EncoderBlock(dim, heads, ff, dropout=0.1)
    ref = nn.TransformerEncoderLayer(dim, heads, ff, dropout=0.1, batch_first=True)
    assert torch_trainable(block) == torch_trainable(ref)
    assert torch_trainable(block) == LAYERS["transformer_encoder"].params(
        infer_shapes(ModelSpec.from_dict(_spec([5, dim], {"type": "dense", "units": dim})))[0],
        {"heads": heads, "ff_dim": ff, "dropout": 0.1},
    )
    # Same weights, same function (post-norm, ReLU feed-forward), in eval mode.
    with torch.no_grad():
        a = block.attention
        ref.self_attn.in_proj_weight.copy_(torch.cat([a.q.weight, a.k.weight, a.v.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([a.q.bias, a.k.bias, a.v.bias]))
        ref.self_attn.out_proj.weight.copy_(a.out.weight)
        ref.self_attn.out_proj.bias.copy_(a.out.bias)
        for mine, theirs in ((block.ff[0], ref.linear1), (block.ff[3], ref.linear2),
                             (block.norm1, ref.norm1), (block.norm2, ref.norm2)):
            theirs.weight.copy_(mine.weight)
            theirs.bias.copy_(mine.bias)
        block.eval()
        ref.eval()
        x = torch.randn(3, 5, dim)
        torch.testing.assert_close(block(x), ref(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dim,heads,ff", [(4, 1, 4), (12, 3, 7), (32, 4, 64)])
def test_encoder_block_counts_match_pytorch(dim, heads, ff):
    ref = nn.TransformerEncoderLayer(dim, heads, ff, batch_first=True)
    assert torch_trainable(EncoderBlock(dim, heads, ff)) == torch_trainable(ref)


def test_positional_encoding_tables():
    pe = PositionalEncoding(6, 4)
    x = torch.zeros(2, 6, 4)
    table = pe(x)[0]
    pos = torch.arange(6.0)
    torch.testing.assert_close(table[:, 0], torch.sin(pos))
    torch.testing.assert_close(table[:, 1], torch.cos(pos))
    torch.testing.assert_close(table[:, 2], torch.sin(pos / 100.0))
    torch.testing.assert_close(table[:, 3], torch.cos(pos / 100.0))
    assert not list(pe.parameters())
    learned = PositionalEncoding(6, 4, kind="learned")
    assert sum(p.numel() for p in learned.parameters()) == 24
    # Shorter sequences use the first rows of the table.
    torch.testing.assert_close(pe(torch.zeros(1, 3, 4))[0], table[:3])


# ---------------------------------------------------------------- oracles: recurrent


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_bidirectional_recurrent_returns_both_final_states(mode, num_layers):
    torch.manual_seed(0)
    rec = Recurrent(mode, 3, 5, num_layers=num_layers, bidirectional=True).eval()
    x = torch.randn(2, 6, 3)
    with torch.no_grad():
        y = rec(x)
        out, state = rec.rnn(x)
    h_n = state[0] if mode == "LSTM" else state
    torch.testing.assert_close(y, torch.cat([h_n[-2], h_n[-1]], dim=1))
    # Independently: the forward direction ends at the last step, the backward one at the first.
    torch.testing.assert_close(y[:, :5], out[:, -1, :5])
    torch.testing.assert_close(y[:, 5:], out[:, 0, 5:])
    seq = Recurrent(mode, 3, 5, num_layers=num_layers, bidirectional=True, return_sequences=True)
    seq.load_state_dict(rec.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(seq.eval()(x), out)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_unidirectional_recurrent_returns_last_step(mode):
    rec = Recurrent(mode, 3, 4, num_layers=2).eval()
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        out, _ = rec.rnn(x)
        torch.testing.assert_close(rec(x), out[:, -1])


# ---------------------------------------------------------------- PyTorch and Keras compute the same


def _conv_spec(size, k, stride, padding="same"):
    return ModelSpec.from_dict(_spec([2, size, size], _conv(3, k, stride, padding, "linear")))


def _copy_conv_into_keras(torch_model, keras_model):
    conv = [m for m in torch_model.modules() if isinstance(m, nn.Conv2d)][0]
    layer = [m for m in keras_model.layers if m.__class__.__name__ == "Conv2D"][0]
    kernel = conv.weight.detach().numpy().transpose(2, 3, 1, 0)  # (out, in, kh, kw) -> (kh, kw, in, out)
    layer.set_weights([kernel, conv.bias.detach().numpy()])


@pytest.mark.parametrize("size", [7, 8, 28])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [2, 3])
def test_conv_same_strided_matches_keras(size, k, stride):
    spec = _conv_spec(size, k, stride)
    expected = math.ceil(size / stride)
    assert infer_shapes(spec)[-1].dims == (3, expected, expected)
    model = build_torch(spec).eval()
    km = build_keras(spec)
    assert tuple(km.output_shape[1:]) == (expected, expected, 3)
    _copy_conv_into_keras(model, km)
    with torch.no_grad():
        y = model(example_input(spec)).numpy().transpose(0, 2, 3, 1)
    yk = np.asarray(km(example_input(spec, framework="keras")))
    assert y.shape == yk.shape == (2, expected, expected, 3)
    # Same values means the padding went to the same sides (TensorFlow puts the extra pixel after).
    np.testing.assert_allclose(y, yk, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_conv_same_stride1_matches_keras(k):
    spec = _conv_spec(6, k, 1)
    model = build_torch(spec).eval()
    km = build_keras(spec)
    _copy_conv_into_keras(model, km)
    with torch.no_grad():
        y = model(example_input(spec)).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(y, np.asarray(km(example_input(spec, framework="keras"))), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("act", ACTIVATION_NAMES)
def test_activations_agree_between_frameworks(act):
    case = f"activation_{act}"
    spec = spec_of(case)
    model = build_torch(spec).eval()
    x = example_input(spec, batch=4) * 3
    with torch.no_grad():
        y = model(x).numpy()
    yk = np.asarray(keras_model(case)(x.numpy(), training=False))
    np.testing.assert_allclose(y, yk, rtol=1e-4, atol=1e-5)


def test_softmax_on_images_is_over_channels_in_both():
    case = "activation_softmax_image"
    spec = spec_of(case)
    x = example_input(spec, batch=2)
    with torch.no_grad():
        y = build_torch(spec).eval()(x)
    torch.testing.assert_close(y.sum(dim=1), torch.ones(2, 4, 4))
    yk = np.asarray(keras_model(case)(example_input(spec, batch=2, framework="keras")))
    np.testing.assert_allclose(y.numpy().transpose(0, 2, 3, 1), yk, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["maxpool2d", "avgpool2d"])
def test_pooling_with_stride_agrees_between_frameworks(kind):
    spec = ModelSpec.from_dict(_spec([2, 9, 8], {"type": kind, "pool_size": 3, "stride": 2}))
    with torch.no_grad():
        y = build_torch(spec)(example_input(spec)).numpy().transpose(0, 2, 3, 1)
    yk = np.asarray(build_keras(spec)(example_input(spec, framework="keras")))
    np.testing.assert_allclose(y, yk, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["posenc_sinusoidal", "posenc_sinusoidal_odd", "gap1d", "gap2d", "flatten_sequence"])
def test_weightless_or_fresh_layers_agree_between_frameworks(case):
    """Layers whose output does not depend on random initial weights give the same numbers."""
    spec = spec_of(case)
    with torch.no_grad():
        y = build_torch(spec).eval()(example_input(spec)).numpy()
    if infer_shapes(spec)[-1].kind == IMAGE:
        y = y.transpose(0, 2, 3, 1)
    yk = np.asarray(keras_model(case)(example_input(spec, framework="keras"), training=False))
    np.testing.assert_allclose(y, yk, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", ["layernorm_image", "layernorm_sequence", "batchnorm_sequence", "batchnorm_image"])
def test_normalisation_axis_agrees_between_frameworks(case):
    """Both normalise the channel (image) or feature (sequence) axis, with the same epsilon."""
    spec = spec_of(case)
    x = example_input(spec, batch=4, framework="keras").astype("float64")  # channels last
    km = keras_model(case)
    layer = km.layers[-1]
    if case.startswith("layernorm"):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    else:  # inference mode: the fresh running statistics are mean 0, variance 1
        mean, var = 0.0, 1.0
    torch_module = [m for m in build_torch(spec).modules() if hasattr(m, "eps")][0]
    assert torch_module.eps == pytest.approx(layer.epsilon)  # so both frameworks give the same numbers
    for framework, eps in (("torch", torch_module.eps), ("keras", layer.epsilon)):
        expected = (x - mean) / np.sqrt(var + eps)
        if framework == "torch":
            with torch.no_grad():
                y = build_torch(spec).eval()(example_input(spec, batch=4)).numpy()
            if spec.input().kind == IMAGE:
                y = y.transpose(0, 2, 3, 1)
        else:
            y = np.asarray(km(x.astype("float32"), training=False))
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4, err_msg=framework)
