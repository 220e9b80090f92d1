"""The hand-written sliding windows against PyTorch as the oracle (micrograd style)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.conv import (
    KERNELS,
    ConvError,
    center_crop,
    conv2d,
    conv_cell,
    output_size,
    padding_amount,
    pool2d,
    pool_cell,
)
from playground.viz.cnn import plot_cell_math, plot_matrix


def _torch_conv(x, k, s, p):
    return F.conv2d(torch.tensor(x)[None, None], torch.tensor(k)[None, None], stride=s, padding=p)[0, 0].numpy()


@pytest.mark.parametrize("kernel", sorted(KERNELS))
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_matches_torch(kernel, stride, padding):
    x = np.random.default_rng(stride * 10 + padding).random((9, 11), dtype=np.float32)
    got = conv2d(x, KERNELS[kernel], stride, padding)
    np.testing.assert_allclose(got, _torch_conv(x, KERNELS[kernel], stride, padding), rtol=1e-5, atol=1e-5)
    assert got.shape == (output_size(9, 3, padding, stride), output_size(11, 3, padding, stride))


@pytest.mark.parametrize("k", [1, 2, 4, 5])
def test_conv2d_other_kernel_sizes(k):
    rng = np.random.default_rng(k)
    x, w = rng.normal(size=(8, 8)).astype(np.float32), rng.normal(size=(k, k)).astype(np.float32)
    np.testing.assert_allclose(conv2d(x, w, 2, 1), _torch_conv(x, w, 2, 1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (3, 2), (2, 1)])
def test_pooling_matches_torch(mode, size, stride):
    x = np.random.default_rng(size).normal(size=(10, 9)).astype(np.float32)
    oracle = F.max_pool2d if mode == "max" else F.avg_pool2d
    want = oracle(torch.tensor(x)[None, None], size, stride)[0, 0].numpy()
    np.testing.assert_allclose(pool2d(x, size, stride, mode), want, rtol=1e-5, atol=1e-6)


def test_pooling_with_padding_matches_torch():
    x = np.random.default_rng(0).normal(size=(7, 7)).astype(np.float32)
    for mode, oracle in (("max", F.max_pool2d), ("avg", F.avg_pool2d)):
        want = oracle(torch.tensor(x)[None, None], 3, 2, 1)[0, 0].numpy()
        np.testing.assert_allclose(pool2d(x, 3, 2, mode, padding=1), want, rtol=1e-5, atol=1e-6)


def test_same_padding_keeps_the_size_and_identity_copies():
    x = np.arange(36, dtype=np.float32).reshape(6, 6)
    p = padding_amount("same", 3)
    np.testing.assert_array_equal(conv2d(x, KERNELS["identity"], 1, p), x)
    assert padding_amount("valid", 3) == 0 and padding_amount("zero", 3, 4) == 4
    with pytest.raises(ValueError):
        padding_amount("reflect", 3)


def test_output_size_formula_and_errors():
    assert output_size(28, 3, 0, 1) == 26 and output_size(28, 5, 2, 1) == 28 and output_size(12, 3, 1, 2) == 6
    with pytest.raises(ConvError) as err:
        output_size(2, 3, 0, 1)
    assert "3×3" in err.value.message("en") and "3×3" in err.value.message("es")
    with pytest.raises(ConvError):
        output_size(5, 3, 0, 0)


def test_one_cell_arithmetic_is_the_sum_of_products():
    x = np.random.default_rng(1).random((8, 8), dtype=np.float32)
    k = KERNELS["sobel_x"]
    out = conv2d(x, k, 2, 1)
    for row, col in [(0, 0), (1, 2), (3, 3)]:
        cell = conv_cell(x, k, 2, 1, row, col)
        assert cell.patch.shape == (3, 3) and cell.value == pytest.approx(float(out[row, col]), abs=1e-5)
        np.testing.assert_allclose(cell.products, cell.patch * k)
    assert conv_cell(x, k, 1, 1, 0, 0).patch[0].tolist() == [0, 0, 0]  # the padding row
    with pytest.raises(ConvError):
        conv_cell(x, k, 2, 1, 4, 0)
    pooled = pool2d(x, 2, 2, "avg")
    assert pool_cell(x, 2, 2, "avg", 1, 3).value == pytest.approx(float(pooled[1, 3]))
    assert pool_cell(x, 2, 2, "max", 0, 0).value == pytest.approx(float(x[:2, :2].max()))


def test_figures_write_values_in_cells():
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    fig = plot_matrix(x, "input", highlight=(0, 0, 3, 3))
    assert list(fig.data[0].text[0][:2]) == ["0", "1"] and len(fig.layout.shapes) == 1
    cell = conv_cell(x, KERNELS["blur"], 1, 0, 0, 0)
    fig = plot_cell_math(cell.patch, cell.kernel, cell.products, cell.value, ("a", "b", "c"), "sum")
    assert len(fig.data) == 3 and "sum = 5.000" in fig.layout.title.text
    assert plot_matrix(KERNELS["sobel_x"], "k", signed=True).data[0].zmid == 0


def test_center_crop():
    img = np.arange(28 * 28, dtype=np.float32).reshape(28, 28)
    crop = center_crop(img, 12)
    assert crop.shape == (12, 12) and crop[0, 0] == img[8, 8]
    assert center_crop(img[:5, :5], 12).shape == (5, 5)
