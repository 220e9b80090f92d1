"""``load(name, **options)``: the one entry point behind ``playground.data.load_dataset``.

Each dataset key of ``DATASETS`` maps to a loader taking keyword options only. Options are checked
against the loader's signature before it runs, so a typo is a DatasetError listing the options the
dataset takes; ``offline`` is accepted by every dataset and ignored by those that never download.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial

from playground import series
from playground.data import DATASETS, Dataset, DatasetError, TextKey, images, shapes, tabular, text, toys

UNIVERSAL = ("offline",)  # accepted everywhere, passed on only to loaders that take it

LOADERS: dict[str, Callable[..., Dataset]] = {
    "mnist": images.load_mnist,
    "fashion_mnist": images.load_fashion_mnist,
    "cifar10": images.load_cifar10,
    "digits": images.load_digits,
    "shapes": shapes.load_shapes,
    **{key: partial(toys.load_toy, key) for key in toys.TOYS},
    "make_classification": tabular.load_make_classification,
    "regression": tabular.load_regression,
    "sentiment": text.load_sentiment,
    "sequence": series.load_sequence,
}


def options_of(name: str) -> list[str]:
    """The keyword options that dataset ``name`` takes (``offline`` included)."""
    params = inspect.signature(LOADERS[name]).parameters
    return sorted(set(UNIVERSAL) | {p.name for p in params.values() if p.kind is inspect.Parameter.KEYWORD_ONLY})


def load(name: str, **options) -> Dataset:
    info = DATASETS.get(name) if isinstance(name, str) else None
    if info is not None and not info.loadable:
        raise DatasetError("data.not_yet", name=TextKey(f"dataset.{name}"), page=TextKey(f"topic.{info.page}.title"))
    if info is None or name not in LOADERS:
        names = ", ".join(k for k, d in DATASETS.items() if d.loadable and k in LOADERS)
        raise DatasetError("data.unknown", name=name, names=names)
    allowed = options_of(name)
    for option in options:
        if option not in allowed:
            raise DatasetError("data.bad_option", name=TextKey(f"dataset.{name}"), option=option,
                               allowed=", ".join(allowed))
    takes = inspect.signature(LOADERS[name]).parameters
    return LOADERS[name](**{k: v for k, v in options.items() if k in takes})
