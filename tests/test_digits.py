"""Canvas -> MNIST 28x28: placement and size on the canvas must not matter; empty is None."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from playground.data import load_dataset
from playground.digits import (
    is_digit_model,
    load_default_model,
    predict_probs,
    preprocess,
    to_canvas,
    to_input,
)


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist", offline=True)


@pytest.fixture(scope="module")
def shipped():
    return load_default_model()


def test_empty_and_almost_empty_canvas_give_none():
    assert preprocess(np.zeros((280, 280, 4), np.uint8)) is None
    speck = np.zeros((280, 280, 4), np.uint8)
    speck[100, 100] = 255
    assert preprocess(speck) is None
    assert preprocess(None) is None


def test_output_shape_range_and_centre_of_mass(mnist):
    img = preprocess(to_canvas(mnist.x_test[0, 0].numpy(), offset=(60, -70), scale=0.5))
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0 and img.max() > 0.9
    cy, cx = ndimage.center_of_mass(img)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    rows, cols = np.nonzero(img > 0.1)
    assert max(np.ptp(rows), np.ptp(cols)) <= 22  # fits the 20x20 box (plus antialiasing)


def test_transparent_canvas_uses_alpha():
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[40:160, 90:110] = (255, 255, 255, 255)  # a "1" on a transparent background
    img = preprocess(rgba)
    assert img is not None and img[14, 14] > 0.5


def test_shifted_and_scaled_digits_look_and_read_the_same(mnist, shipped):
    model, spec, _ = shipped
    for i in range(20):
        digit = mnist.x_test[i, 0].numpy()
        centred = preprocess(to_canvas(digit))
        moved = preprocess(to_canvas(digit, offset=(-55, 45), scale=0.55))
        assert np.abs(centred - moved).mean() < 0.05, i
        a = predict_probs(model, spec, to_input(centred)).argmax()
        b = predict_probs(model, spec, to_input(moved)).argmax()
        assert a == b, i


def test_to_input_shape_and_range(mnist):
    x = to_input(preprocess(to_canvas(mnist.x_test[1, 0].numpy())))
    assert tuple(x.shape) == (1, 1, 28, 28) and float(x.min()) >= 0 and float(x.max()) <= 1


def test_shipped_model_is_small_and_usable(shipped):
    from pathlib import Path

    model, spec, meta = shipped
    assert is_digit_model(spec)
    assert Path("assets/models/digits_cnn.safetensors").stat().st_size < 1_000_000
    assert meta["test_accuracy"] >= 0.97 and meta["spec"] == spec.to_dict()
