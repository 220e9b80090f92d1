"""Convolution and pooling by hand: explicit sliding windows in numpy, for the lesson.

Deep-learning "convolution" is a cross-correlation: the kernel slides over the (zero-padded)
input without being flipped, and each output cell is ``sum(patch * kernel)``. The tests check
these loops against ``torch.nn.functional.conv2d`` / ``max_pool2d`` / ``avg_pool2d``.

>>> conv2d(np.eye(4), KERNELS["identity"], stride=1, padding=0)
array([[1., 0.],
       [0., 1.]])
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.i18n import t

# Preset 3x3 kernels; the keys are also i18n keys (cnn.kernel.<key>).
KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float32),
    "vertical_edge": np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], dtype=np.float32),
    "horizontal_edge": np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]], dtype=np.float32),
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float32),
    "blur": np.full((3, 3), 1 / 9, dtype=np.float32),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float32),
}

PADDING_MODES: tuple[str, ...] = ("valid", "same", "zero")
POOL_MODES: tuple[str, ...] = ("max", "avg")


class ConvError(ValueError):
    """Impossible sizes (kernel larger than the padded input ...); ``message(lang)`` says what to change."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.kwargs)


def padding_amount(mode: str, kernel: int, p: int = 0) -> int:
    """Zero padding per side: ``valid`` 0, ``same`` (K-1)//2 (keeps the size at stride 1, odd K), ``zero`` P."""
    if mode == "valid":
        return 0
    if mode == "same":
        return (kernel - 1) // 2
    if mode == "zero":
        return max(0, int(p))
    raise ValueError(f"padding mode {mode!r} is not one of {PADDING_MODES}")


def output_size(n: int, k: int, p: int, s: int) -> int:
    """floor((N - K + 2P) / S) + 1, the output width (or height) of a convolution or pooling.

    Raises ConvError when the window does not fit even once.
    """
    if s < 1:
        raise ConvError("cnn.err.stride", stride=s)
    if n + 2 * p < k:
        raise ConvError("cnn.err.too_big", k=k, n=n + 2 * p, p=p)
    return (n - k + 2 * p) // s + 1


def pad(x: np.ndarray, p: int, value: float = 0.0) -> np.ndarray:
    """``x`` (H, W) with ``p`` rows/columns of ``value`` on every side: (H+2P, W+2P)."""
    return np.pad(np.asarray(x, dtype=np.float32), p, constant_values=value)


def conv2d(x: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: int = 0, bias: float = 0.0) -> np.ndarray:
    """One-channel 2-D convolution (cross-correlation) written as the sliding-window loop.

    Args: ``x`` (H, W), ``kernel`` (K, K), ``stride`` S, ``padding`` P zeros per side.
    Returns the feature map (floor((H-K+2P)/S)+1, floor((W-K+2P)/S)+1) as float32.
    """
    x = np.asarray(x, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw = kernel.shape
    xp = pad(x, padding)  # (H+2P, W+2P)
    out = np.zeros((output_size(x.shape[0], kh, padding, stride), output_size(x.shape[1], kw, padding, stride)),
                   dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            r, c = i * stride, j * stride
            patch = xp[r:r + kh, c:c + kw]  # (K, K): what the kernel sees for output cell (i, j)
            out[i, j] = np.sum(patch * kernel) + bias
    return out


def pool2d(x: np.ndarray, size: int = 2, stride: int | None = None, mode: str = "max", padding: int = 0) -> np.ndarray:
    """Max or average pooling of ``x`` (H, W) with a ``size`` x ``size`` window (stride defaults to size).

    Padding cells count as -inf for max and as 0 for avg (PyTorch's ``count_include_pad=True``).
    """
    if mode not in POOL_MODES:
        raise ValueError(f"pool mode {mode!r} is not one of {POOL_MODES}")
    stride = stride or size
    x = np.asarray(x, dtype=np.float32)
    xp = pad(x, padding, -np.inf if mode == "max" else 0.0)
    out = np.zeros((output_size(x.shape[0], size, padding, stride), output_size(x.shape[1], size, padding, stride)),
                   dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            r, c = i * stride, j * stride
            window = xp[r:r + size, c:c + size]  # (size, size)
            out[i, j] = window.max() if mode == "max" else window.mean()
    return out


@dataclass(frozen=True)
class CellMath:
    """How one output cell is computed: the input window, what it is combined with, and the result.

    For a convolution ``products = patch * kernel`` and ``value = products.sum()``; for pooling
    ``products`` is the window itself and ``value`` its max or mean. ``top``/``left`` locate the
    window in the padded input.
    """

    patch: np.ndarray
    kernel: np.ndarray | None
    products: np.ndarray
    value: float
    top: int
    left: int


def _check_cell(out_shape: tuple[int, int], row: int, col: int) -> None:
    if not (0 <= row < out_shape[0] and 0 <= col < out_shape[1]):
        raise ConvError("cnn.err.cell", row=row, col=col, h=out_shape[0], w=out_shape[1])


def conv_cell(x: np.ndarray, kernel: np.ndarray, stride: int, padding: int, row: int, col: int) -> CellMath:
    """The arithmetic of output cell (row, col) of :func:`conv2d` (0-based)."""
    kernel = np.asarray(kernel, dtype=np.float32)
    k = kernel.shape[0]
    x = np.asarray(x, dtype=np.float32)
    _check_cell((output_size(x.shape[0], k, padding, stride), output_size(x.shape[1], k, padding, stride)), row, col)
    r, c = row * stride, col * stride
    patch = pad(x, padding)[r:r + k, c:c + k]
    products = patch * kernel
    return CellMath(patch, kernel, products, float(products.sum()), r, c)


def pool_cell(x: np.ndarray, size: int, stride: int, mode: str, row: int, col: int) -> CellMath:
    """The arithmetic of output cell (row, col) of :func:`pool2d` without padding (0-based)."""
    x = np.asarray(x, dtype=np.float32)
    _check_cell((output_size(x.shape[0], size, 0, stride), output_size(x.shape[1], size, 0, stride)), row, col)
    r, c = row * stride, col * stride
    window = x[r:r + size, c:c + size]
    value = float(window.max() if mode == "max" else window.mean())
    return CellMath(window, None, window, value, r, c)


def center_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central ``size`` x ``size`` part of ``image`` (H, W); the whole image when it is smaller."""
    h, w = image.shape
    size = min(size, h, w)
    top, left = (h - size) // 2, (w - size) // 2
    return np.asarray(image[top:top + size, left:left + size], dtype=np.float32)
