"""summarize(): the numbers a student reads on the Build page."""
from __future__ import annotations

import functools

import pytest
import torch

from playground.builders import build_torch, layer_names
from playground.layers import LAYERS
from playground.presets import PRESETS
from playground.spec import ModelSpec, infer_shapes, layer_inputs
from playground.summary import summarize

torch.set_num_threads(1)


@functools.cache
def summary_of(key: str):
    return summarize(PRESETS[key].model_spec())


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_summary_matches_the_torch_model_and_the_registry(key):
    spec = PRESETS[key].model_spec()
    s = summary_of(key)
    model = build_torch(spec)
    assert s.trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert s.trainable == sum(row.params for row in s.rows)
    assert s.keras_trainable == sum(row.keras_params for row in s.rows)
    assert s.input_shape == spec.input_shape
    assert len(s.rows) == len(spec.layers)
    assert [row.index for row in s.rows] == list(range(1, len(spec.layers) + 1))
    assert [row.name for row in s.rows] == layer_names(spec)
    assert [row.type for row in s.rows] == [layer.type for layer in spec.layers]
    assert [row.output_shape for row in s.rows] == [shape.dims for shape in infer_shapes(spec)]
    frozen = 0
    for row, layer, shape in zip(s.rows, spec.layers, layer_inputs(spec)):
        kind = LAYERS[layer.type]
        assert row.params == kind.params(shape, layer.params), row
        assert row.keras_params == (kind.keras_params or kind.params)(shape, layer.params), row
        frozen += kind.keras_nontrainable(shape, layer.params)
    assert s.non_trainable == frozen
    assert s.total == s.trainable + s.non_trainable
    # Weights alone (float32) set a floor for the size; mult-adds are at least one per weight.
    assert s.size_mb >= s.trainable * 4 / 2**20 - 1e-3
    assert s.mult_adds > 0


@pytest.mark.parametrize(
    "key,count",
    [("keras_mnist_cnn", 347_146), ("lenet5", 61_706), ("keras_mlp_100", 11_274)],
)
def test_published_counts(key, count):
    s = summary_of(key)
    assert s.trainable == count
    assert s.keras_trainable == count


def test_tiny_lstm_text_has_the_notes_keras_count():
    s = summary_of("tiny_lstm_text")
    assert s.keras_trainable == 1_681  # model.summary() in the notes' Keras LSTM example
    assert s.trainable == 1_681 + 4 * 16  # PyTorch: a second bias vector for each of the 4 gates
    lstm = s.rows[1]
    assert lstm.params - lstm.keras_params == 64
    assert s.rows[0].params == s.rows[0].keras_params == 8 * 8


def test_batchnorm_statistics_are_non_trainable():
    s = summary_of("simple_cnn_bn_gap")
    assert s.non_trainable == 2 * (32 + 64 + 128)
    s = summary_of("keras_flatten_bn")
    assert s.non_trainable == 2 * 128
    assert summary_of("lenet5").non_trainable == 0


def test_lenet_mult_adds():
    """Conv and linear layers: (weights + bias) multiply-adds per output position."""
    spec = PRESETS["lenet5"].model_spec()
    expected = 0
    for layer, shape_in, shape_out in zip(spec.layers, layer_inputs(spec), infer_shapes(spec)):
        if layer.type == "conv2d":
            c_out, h, w = shape_out.dims
            per_position = shape_in.dims[0] * layer.params["kernel_size"] ** 2 * c_out + c_out
            expected += per_position * h * w
        elif layer.type == "dense":
            expected += shape_in.dims[-1] * layer.params["units"] + layer.params["units"]
    assert summary_of("lenet5").mult_adds == expected


def test_size_grows_with_the_model():
    small = summarize(ModelSpec.from_dict({"input_shape": [8], "layers": [{"type": "dense", "units": 4}]}))
    big = summarize(ModelSpec.from_dict({"input_shape": [8], "layers": [{"type": "dense", "units": 4000}]}))
    assert big.trainable == 8 * 4000 + 4000 and small.trainable == 8 * 4 + 4
    assert big.size_mb > small.size_mb >= 0
    assert big.size_mb >= big.trainable * 4 / 2**20 - 1e-3


def test_summarize_uses_the_given_model_and_restores_its_mode():
    spec = PRESETS["mlp_dropout"].model_spec()
    model = build_torch(spec)
    model.train()
    first = model.layer_modules[0][0]
    for p in getattr(model, first).parameters():
        p.requires_grad_(False)
    s = summarize(spec, model)
    assert model.training
    assert s.trainable == summary_of("mlp_dropout").trainable - (20 * 64 + 64)
    assert s.rows[0].params == 0
    model.eval()
    summarize(spec, model)
    assert not model.training


def test_summary_of_every_input_kind():
    for d in (
        {"input_shape": [5], "layers": [{"type": "embedding", "vocab_size": 9, "dim": 3}, {"type": "gru", "units": 2}]},
        {"input_shape": [5, 3], "layers": [{"type": "attention", "heads": 2, "key_dim": 2}]},
        {"input_shape": [2, 6, 6], "layers": [{"type": "conv2d", "filters": 3}, {"type": "layernorm"}]},
    ):
        spec = ModelSpec.from_dict(d)
        s = summarize(spec)
        assert s.trainable == sum(p.numel() for p in build_torch(spec).parameters())
        assert s.rows[-1].output_shape == infer_shapes(spec)[-1].dims


def test_table_and_flow_follow_the_rows():
    s = summary_of("lenet5")
    table = s.table(lambda key: key.upper())
    assert [r["#"] for r in table] == [r.index for r in s.rows]
    assert table[0]["BUILD.COL.PARAMS"] == f"{s.rows[0].params:,}"
    flow = s.flow("input")
    assert flow["labels"][0] == "input" and flow["sizes"][0] == 28 * 28 and flow["params"][0] == 0
    assert flow["labels"][1:] == [r.name for r in s.rows] and sum(flow["params"]) == s.trainable
    assert flow["sizes"][-1] == 10 and len(set(map(len, flow.values()))) == 1
