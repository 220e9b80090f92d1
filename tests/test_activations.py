"""Activation functions: the closed-form derivatives against PyTorch's autograd (micrograd's habit), the
saturation zones, softmax with a temperature, the perceptron, and the small MLP with its dead-unit count."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from playground.activations import (
    ACTIVATIONS,
    SATURATION,
    autograd_derivative,
    build_mlp,
    code_lines,
    dead_units,
    entropy_bits,
    evaluate,
    mlp_spec,
    perceptron,
    pre_activations,
    saturation_zones,
    softmax,
)
from playground.layers import ACTIVATION_NAMES

X = np.linspace(-6, 6, 241)  # includes 0, where ReLU-like functions switch branch
ALPHAS = {"leaky_relu": (0.0, 0.01, 0.2, 0.5), "elu": (0.1, 1.0, 2.5)}
CASES = [(name, a) for name in ACTIVATIONS for a in ALPHAS.get(name, (None,))]


@pytest.mark.parametrize("name, alpha", CASES)
def test_closed_form_derivative_matches_autograd(name, alpha):
    _, df = evaluate(name, X, alpha)
    np.testing.assert_allclose(df, autograd_derivative(name, X, alpha), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, alpha", CASES)
def test_closed_form_function_matches_pytorch(name, alpha):
    f, _ = evaluate(name, X, alpha)
    xt = torch.tensor(X)
    expected = ACTIVATIONS[name].torch_fn(xt, alpha if alpha is not None else 0.0).numpy()
    np.testing.assert_allclose(f, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, alpha", CASES)
def test_the_module_trained_with_is_the_function_drawn(name, alpha):
    a = alpha if alpha is not None else ACTIVATIONS[name].default_alpha
    module = ACTIVATIONS[name].module(a)
    with torch.no_grad():
        out = module(torch.tensor(X)).numpy()
    np.testing.assert_allclose(out, evaluate(name, X, alpha)[0], rtol=1e-9, atol=1e-12)


def test_registry_reuses_the_layer_names_and_adds_softplus():
    assert set(ACTIVATIONS) - set(ACTIVATION_NAMES) == {"softplus"}
    assert {"relu", "leaky_relu", "elu", "selu", "gelu", "silu", "sigmoid", "tanh"} <= set(ACTIVATIONS)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_sigmoid_saturates_on_both_sides_where_its_slope_is_005():
    x = np.linspace(-5, 5, 2001)
    zones = saturation_zones(x, evaluate("sigmoid", x)[1])
    # sigma(1 - sigma) = 0.05  <=>  sigma = (1 + sqrt(1 - 0.2)) / 2
    edge = _logit((1 + math.sqrt(1 - 4 * SATURATION)) / 2)
    assert len(zones) == 2
    assert zones[0][0] == -5 and zones[1][1] == 5
    assert abs(zones[0][1] + edge) < 0.01 and abs(zones[1][0] - edge) < 0.01


def test_zones_of_relu_tanh_softplus_and_a_steep_leaky_relu():
    x = np.linspace(-5, 5, 1001)
    relu = saturation_zones(x, evaluate("relu", x)[1])
    assert relu == [(-5.0, 0.0)]  # flat (f' = 0) up to and including 0
    assert len(saturation_zones(x, evaluate("tanh", x)[1])) == 2
    softplus = saturation_zones(x, evaluate("softplus", x)[1])
    assert len(softplus) == 1 and softplus[0][0] == -5 and softplus[0][1] < 0
    assert saturation_zones(x, evaluate("leaky_relu", x, 0.3)[1]) == []  # slope 0.3 everywhere on the left


def test_softmax_with_temperature():
    z = np.array([2.0, 1.0, 0.1, -1.0])
    for temp in (0.1, 0.5, 1.0, 3.0):
        p = softmax(z, temp)
        assert abs(p.sum() - 1) < 1e-12
        np.testing.assert_allclose(p, torch.softmax(torch.tensor(z) / temp, 0).numpy(), rtol=1e-12)
        np.testing.assert_allclose(softmax(z + 100, temp), p, rtol=1e-9)  # only differences matter
    assert softmax(z, 0.05)[0] > 0.999  # cold: the largest logit takes everything
    assert np.ptp(softmax(z, 1000.0)) < 0.01  # hot: nearly uniform
    assert entropy_bits(softmax(z, 0.2)) < entropy_bits(softmax(z, 1.0)) < entropy_bits(softmax(z, 5.0)) < 2
    assert softmax(np.array([1000.0, 0.0]))[0] == 1.0  # no overflow


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_softmax_refuses_a_bad_temperature(bad):
    with pytest.raises(ValueError):
        softmax(np.array([1.0, 2.0]), bad)


def test_softmax_refuses_non_finite_logits():
    with pytest.raises(ValueError):
        softmax(np.array([1.0, np.nan]))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_perceptron(name):
    x, w, b = np.array([1.0, 0.5, -1.0]), np.array([0.8, -0.4, 0.3]), 0.1
    out = perceptron(x, w, b, name)
    assert out.z == pytest.approx(0.8 - 0.2 - 0.3 + 0.1)
    f, df = evaluate(name, np.array([out.z]))
    assert out.out == pytest.approx(f[0]) and out.slope == pytest.approx(df[0])
    np.testing.assert_allclose(out.products, w * x)


def test_perceptron_needs_one_weight_per_input():
    with pytest.raises(ValueError):
        perceptron(np.ones(3), np.ones(2), 0.0, "relu")


def test_code_lines_carry_alpha():
    torch_line, keras_line = code_lines("leaky_relu", 0.2)
    assert "negative_slope=0.2" in torch_line and "negative_slope=0.2" in keras_line
    x = torch.linspace(-2, 2, 9)
    assert torch.allclose(eval(torch_line, {"torch": torch, "x": x}), torch.nn.functional.leaky_relu(x, 0.2))  # noqa: S307


@pytest.mark.parametrize("name, alpha", [("relu", None), ("leaky_relu", 0.3), ("elu", 2.0), ("softplus", None)])
def test_mlp_uses_exactly_the_chosen_activation(name, alpha):
    spec, model = build_mlp((5, 4), name, alpha, seed=1)
    assert spec.input_shape == (2,) and len(spec.layers) == 3
    x = torch.randn(16, 2, generator=torch.Generator().manual_seed(0))
    h = x
    with torch.no_grad():
        for i in (1, 2):  # by hand: z = W h + b, then the closed-form f
            lin = getattr(model, f"dense{i}")
            h = torch.tensor(evaluate(name, (h @ lin.weight.T + lin.bias).numpy(), alpha)[0], dtype=torch.float32)
        expected = model.dense3(h)
        np.testing.assert_allclose(model(x).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    _, again = build_mlp((5, 4), name, alpha, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_softplus_spec_builds_with_the_registry():
    assert mlp_spec((3,), "softplus").layers[0].params["activation"] == "relu"
    assert mlp_spec((3,), "gelu").layers[0].params["activation"] == "gelu"


def test_dead_units_counts_units_never_positive():
    _, model = build_mlp((3,), "relu", seed=0)
    with torch.no_grad():
        model.dense1.weight.zero_()
        model.dense1.bias.copy_(torch.tensor([-1.0, 0.0, 1.0]))  # dead (z < 0), dead (z = 0), alive
    x = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
    assert dead_units(model, x, 1) == [(2, 3)]
    with torch.no_grad():
        model.dense1.weight[1] = torch.tensor([1.0, 0.0])  # unit 1 now positive for x0 > 0
    assert dead_units(model, x, 1) == [(1, 3)]
    z = pre_activations(model, x, 1)[0]
    assert z.shape == (50, 3) and not any(m._forward_hooks for m in model.modules())


def test_training_with_the_chosen_activation_learns_the_circle():
    from playground.data import load_dataset
    from playground.training import DoneEvent, TrainConfig, train

    data = load_dataset("circle")
    spec, model = build_mlp((8, 8), "tanh", seed=0)
    config = TrainConfig(epochs=40, batch_size=32, lr=0.03, seed=0, device="cpu", threads=1)
    events = list(train(spec, data, config, model=model))
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.reason == "finished"
    assert done.history[-1].val_accuracy > 0.9
    assert isinstance(done.model.dense1_act, torch.nn.Tanh)
