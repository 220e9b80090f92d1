"""Dataset registry: what each dataset looks like (shape, classes, task) and where it comes from.

The shapes drive the Build page (a dataset choice sets the input shape and output size).
``data_status()`` tells, without touching the network, whether full datasets are cached or the
offline samples are in use.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(os.environ.get("PLAYGROUND_DATA", Path(__file__).resolve().parents[2] / "data_cache"))


@dataclass(frozen=True)
class DatasetInfo:
    """``input_shape`` is per sample, PyTorch order; ``classes`` is 1 for regression."""

    key: str
    input_shape: tuple[int, ...]
    classes: int
    task: str  # classification, binary or regression
    family: str  # image, tabular, toy, text, sequence


DATASETS: dict[str, DatasetInfo] = {
    d.key: d
    for d in (
        DatasetInfo("mnist", (1, 28, 28), 10, "classification", "image"),
        DatasetInfo("fashion_mnist", (1, 28, 28), 10, "classification", "image"),
        DatasetInfo("cifar10", (3, 32, 32), 10, "classification", "image"),
        DatasetInfo("digits", (1, 8, 8), 10, "classification", "image"),
        DatasetInfo("shapes", (3, 32, 32), 4, "classification", "image"),
        DatasetInfo("circle", (2,), 2, "classification", "toy"),
        DatasetInfo("xor", (2,), 2, "classification", "toy"),
        DatasetInfo("gaussians", (2,), 2, "classification", "toy"),
        DatasetInfo("spiral", (2,), 2, "classification", "toy"),
        DatasetInfo("make_classification", (20,), 2, "binary", "tabular"),
        DatasetInfo("regression", (1,), 1, "regression", "tabular"),
        DatasetInfo("sentiment", (50,), 2, "binary", "text"),
        DatasetInfo("sequence", (10, 64), 1, "regression", "sequence"),
    )
}

# torchvision's folder layout under DATA_DIR, used to tell "cached" from "not here".
_CACHE_MARKERS = {
    "mnist": "MNIST/raw/train-images-idx3-ubyte",
    "fashion_mnist": "FashionMNIST/raw/train-images-idx3-ubyte",
    "cifar10": "cifar-10-batches-py/data_batch_1",
}


def data_status() -> dict[str, str]:
    """For each downloadable dataset: ``cached`` (full set on disk) or ``offline`` (sample/absent)."""
    return {key: "cached" if (DATA_DIR / marker).exists() else "offline" for key, marker in _CACHE_MARKERS.items()}
