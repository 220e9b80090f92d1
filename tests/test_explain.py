"""Every explanation method on every MNIST model: shape (28, 28), finite, normalised."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.builders import build_torch
from playground.digits import load_default_model
from playground.explain import METHODS, SIGNED, ExplainError, explain, last_conv
from playground.presets import PRESETS
from playground.spec import ModelSpec


def _models():
    model, spec, _ = load_default_model()
    yield "shipped", model
    for key in ("lenet5", "keras_mnist_cnn"):
        torch.manual_seed(0)
        yield key, build_torch(PRESETS[key].model_spec()).eval()


MODELS = dict(_models())


@pytest.fixture(scope="module")
def x():
    g = torch.Generator().manual_seed(0)
    img = torch.zeros(1, 1, 28, 28)
    img[0, 0, 6:22, 12:16] = torch.rand(16, 4, generator=g) * 0.5 + 0.5  # a rough "1"
    return img


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(MODELS))
def test_shape_finite_and_range(name, method, x):
    a = explain(MODELS[name], x, target=1, method=method)
    assert a.shape == (28, 28) and np.isfinite(a).all()
    lo = -1.0 if SIGNED[method] else 0.0
    assert lo - 1e-6 <= a.min() and a.max() <= 1 + 1e-6


def test_explain_leaves_the_model_mode_alone(x):
    model = MODELS["lenet5"]
    model.train()
    explain(model, x, 3, "integrated_gradients")
    assert model.training
    model.eval()


def test_grad_cam_without_conv_is_a_clear_error_and_others_work(x):
    spec = ModelSpec.from_dict({"input_shape": [1, 28, 28], "layers": [
        {"type": "flatten"}, {"type": "dense", "units": 32}, {"type": "dense", "units": 10, "activation": "softmax"}]})
    model = build_torch(spec).eval()
    assert last_conv(model) is None
    with pytest.raises(ExplainError) as err:
        explain(model, x, 0, "grad_cam")
    assert "Grad-CAM" in err.value.message("en") and "Grad-CAM" in err.value.message("es")
    for method in ("saliency", "integrated_gradients", "occlusion"):
        assert explain(model, x, 0, method).shape == (28, 28)


def test_grad_cam_uses_the_last_conv_layer():
    model = MODELS["shipped"]
    assert last_conv(model) is model.conv2
