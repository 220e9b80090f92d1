"""Activation capture over every conv preset: shapes match infer_shapes, hooks are always removed."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.builders import build_torch, layer_names
from playground.inspect import ActivationCapture, LayerActivation, activation_stats, capture_activations
from playground.presets import PRESETS
from playground.spec import ModelSpec, infer_shapes
from playground.viz.cnn import plot_feature_maps, plot_filters

CONV_PRESETS = ["keras_mnist_cnn", "lenet5", "simple_cnn_bn_gap", "cifar10_cnn"]


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


@pytest.mark.parametrize("key", CONV_PRESETS)
def test_capture_matches_inferred_shapes_and_leaves_no_hooks(key):
    spec = PRESETS[key].model_spec()
    model = build_torch(spec)
    x = torch.rand(1, *spec.input_shape)
    acts = capture_activations(model, spec, x)
    shapes = infer_shapes(spec)  # shapes[i]: output of spec layer i (0-based)
    wanted = [i for i, layer in enumerate(spec.layers) if layer.type in ("conv2d", "maxpool2d", "avgpool2d")]
    assert [a.index for a in acts] == [i + 1 for i in wanted]
    names = layer_names(spec)
    for a in acts:
        assert isinstance(a, LayerActivation) and a.values.dtype == np.float32
        assert a.name == names[a.index - 1] and a.type == spec.layers[a.index - 1].type
        assert a.values.shape == tuple(shapes[a.index - 1].dims)
        plot_feature_maps(a.values, a.name)
    assert _hooks(model) == 0
    assert not model.training


@pytest.mark.parametrize("key", CONV_PRESETS)
def test_filters_figures_for_every_conv_layer(key):
    spec = PRESETS[key].model_spec()
    model = build_torch(spec)
    children = dict(model.named_children())
    convs = [model.layer_modules[i][0] for i, layer in enumerate(spec.layers) if layer.type == "conv2d"]
    for j, name in enumerate(convs):
        w = children[name].weight.detach().numpy()
        fig = plot_filters(w, name, in_channel=None if j == 0 else w.shape[1] - 1)
        assert len(fig.data) == min(32, w.shape[0])


def test_output_is_taken_after_the_layers_activation():
    spec = ModelSpec.from_dict({"input_shape": [1, 6, 6], "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"}, {"type": "flatten"},
        {"type": "dense", "units": 2}]})
    model = build_torch(spec)
    x = torch.randn(1, 1, 6, 6)
    [act] = capture_activations(model, spec, x)
    expected = torch.relu(model.conv1(x))[0].detach().numpy()
    np.testing.assert_allclose(act.values, expected, atol=1e-6)
    assert act.values.min() >= 0


def test_vector_outputs_and_spec_dicts():
    spec = PRESETS["keras_mnist_cnn"].model_spec()
    model = build_torch(spec)
    acts = capture_activations(model, spec.to_dict(), torch.rand(1, 1, 28, 28), types=("dense",))
    assert [a.values.shape for a in acts] == [(64,), (10,)]
    np.testing.assert_allclose(acts[-1].values.sum(), 1.0, atol=1e-5)  # softmax output
    assert activation_stats(acts[0])["dead_channels"] == 0


def test_hooks_removed_when_forward_fails():
    spec = PRESETS["keras_mnist_cnn"].model_spec()
    model = build_torch(spec)
    with pytest.raises(RuntimeError):
        capture_activations(model, spec, torch.rand(1, 3, 28, 28))  # wrong channel count
    assert _hooks(model) == 0
    with pytest.raises(ValueError):
        with ActivationCapture(model, PRESETS["lenet5"].model_spec()):
            pass


def test_activation_stats_counts_zeros_and_dead_channels():
    v = np.zeros((3, 2, 2), dtype=np.float32)
    v[0] = 1.0
    v[1, 0, 0] = 4.0
    stats = activation_stats(LayerActivation(1, "conv1", "conv2d", v))
    assert stats["dead_channels"] == 1 and stats["channels"] == 3
    assert stats["zero_share"] == pytest.approx(7 / 12)
    assert stats["max"] == 4.0 and stats["mean"] == pytest.approx(8 / 12)
