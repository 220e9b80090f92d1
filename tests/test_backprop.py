"""Backprop by hand on a 2-2-1 network, against autograd (the oracle), as micrograd's tests do."""
from __future__ import annotations

import math
import random

import pytest

from playground.backprop import (
    ACTIVATIONS,
    PARAM_NAMES,
    BackpropError,
    act_derivative,
    autograd_gradients,
    backward,
    forward,
    gradient_table,
    random_params,
    sgd_step,
)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("seed", range(5))
def test_hand_gradients_match_autograd(activation, seed):
    rng = random.Random(100 + seed)
    params = random_params(seed, scale=2.0)
    x, y = (rng.uniform(-2, 2), rng.uniform(-2, 2)), rng.uniform(-2, 2)
    hand = backward(params, forward(params, x, y, activation), activation)
    auto = autograd_gradients(params, x, y, activation)
    assert set(hand) == set(auto) == {*PARAM_NAMES, "y_hat", "h1", "h2", "z1", "z2", "x1", "x2"}
    for name in hand:
        assert hand[name] == pytest.approx(auto[name], rel=1e-9, abs=1e-12), name


def test_forward_values_by_hand():
    params = {"w11": 1.0, "w12": 0.0, "w21": 0.0, "w22": 1.0, "b1": 0.0, "b2": 0.0, "v1": 1.0, "v2": -1.0, "c": 0.5}
    fwd = forward(params, (2.0, -3.0), 1.0, "relu")
    assert fwd.z == (2.0, -3.0) and fwd.h == (2.0, 0.0)
    assert fwd.y_hat == 2.5 and fwd.loss == pytest.approx(0.5 * 1.5 ** 2)
    g = backward(params, fwd, "relu")
    assert g["y_hat"] == 1.5 and g["v1"] == 3.0 and g["v2"] == 0.0
    assert g["z2"] == 0.0 and g["w21"] == 0.0 and g["w22"] == 0.0  # a dead relu passes no gradient back
    assert g["w11"] == 1.5 * 1.0 * 2.0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_derivatives_match_finite_differences(activation):
    from playground.backprop import act

    for z in (-1.7, -0.3, 0.4, 2.2):
        numeric = (act(activation, z + 1e-6) - act(activation, z - 1e-6)) / 2e-6
        assert act_derivative(activation, z) == pytest.approx(numeric, abs=1e-6)


def test_table_lists_every_gradient_and_they_match():
    rows = gradient_table(random_params(3), (0.5, -1.0), 0.8, "tanh")
    assert [r.name for r in rows][:2] == ["y_hat", "c"]
    assert {r.name for r in rows} >= set(PARAM_NAMES)
    assert all(r.matches for r in rows)
    w11 = next(r for r in rows if r.name == "w11")
    assert "x1" in w11.rule and "0.5" in w11.rule


def test_a_gradient_step_lowers_the_loss():
    params, x, y = random_params(7), (1.0, -0.5), 1.0
    fwd = forward(params, x, y, "sigmoid")
    after = forward(sgd_step(params, backward(params, fwd, "sigmoid"), 0.05), x, y, "sigmoid")
    assert after.loss < fwd.loss


def test_random_params_are_seeded_and_small():
    a, b = random_params(5), random_params(5)
    assert a == b and a != random_params(6)
    assert all(-1 <= v <= 1 for v in a.values())


@pytest.mark.parametrize("change,key", [
    ({"activation": "softplus"}, "optimizers.bp.error.activation"),
    ({"drop": "v2"}, "optimizers.bp.error.params"),
    ({"x": (math.nan, 0.0)}, "optimizers.bp.error.value"),
    ({"y": math.inf}, "optimizers.bp.error.value"),
])
def test_bad_settings_raise_a_readable_error(change, key):
    params = random_params(0)
    if "drop" in change:
        params.pop(change["drop"])
    with pytest.raises(BackpropError) as info:
        forward(params, change.get("x", (1.0, 1.0)), change.get("y", 0.0), change.get("activation", "tanh"))
    assert info.value.key == key
    assert info.value.message("es") != key
