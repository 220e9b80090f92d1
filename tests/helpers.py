"""Small seeded datasets for tests that must not depend on any loader."""
from __future__ import annotations

import torch

from playground.data import Dataset


def xor_dataset(n: int = 600, seed: int = 0) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    y = ((x[:, 0] * x[:, 1]) > 0).long()
    cut = n * 2 // 3
    return Dataset(x[:cut], y[:cut], x[cut:], y[cut:], {
        "name": "xor", "source": "source.synthetic", "classes": ["0", "1"], "input_shape": (2,),
        "task": "classification"})


def blobs_images(n: int = 300, seed: int = 0) -> Dataset:
    """Three classes of 1x8x8 images: a bright row at the top, middle or bottom."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    x = torch.rand(n, 1, 8, 8, generator=g) * 0.3
    for i, c in enumerate(y.tolist()):
        x[i, 0, 1 + 3 * c] += 0.7
    cut = n * 2 // 3
    return Dataset(x[:cut], y[:cut], x[cut:], y[cut:], {
        "name": "rows", "source": "source.synthetic", "classes": ["top", "middle", "bottom"],
        "input_shape": (1, 8, 8), "task": "classification"})


def regression_dataset(n: int = 300, seed: int = 0) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, generator=g) * 6 - 3
    y = torch.sin(x[:, 0])
    cut = n * 2 // 3
    return Dataset(x[:cut], y[:cut], x[cut:], y[cut:], {
        "name": "sin", "source": "source.synthetic", "classes": [], "input_shape": (1,), "task": "regression"})
