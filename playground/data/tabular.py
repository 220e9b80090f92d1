"""Tabular datasets: scikit-learn's make_classification (20 features, 2 classes) and a 1-D regression toy.

Features are standardised with the training set's mean and std (``meta["mean"]``, ``meta["std"]``),
so a plot or a new sample can be mapped back: x_raw = x * std + mean.
"""
from __future__ import annotations

import numpy as np

from playground.data import Dataset
from playground.data._common import check_float, check_int, check_seed, make_dataset, split, standardise


def load_make_classification(*, seed: int = 0, n_samples: int = 1000, test_size: float = 0.2,
                             n_informative: int = 10, class_sep: float = 1.0, flip_y: float = 0.01) -> Dataset:
    """``make_classification(n_samples=1000, n_features=20, n_classes=2)`` as in the notes, binary task.

    10 informative and 5 redundant (linear mixes of the informative) features, 5 of pure noise;
    default 800 train / 200 test, stratified.
    """
    name = "make_classification"
    seed = check_seed(name, seed)
    n_samples = check_int(name, "n_samples", n_samples, 20, 200_000)
    test_size = check_float(name, "test_size", test_size, 0.05, 0.5)
    n_informative = check_int(name, "n_informative", n_informative, 2, 15)
    class_sep = check_float(name, "class_sep", class_sep, 0.1, 5.0)
    flip_y = check_float(name, "flip_y", flip_y, 0.0, 0.5)
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=n_samples, n_features=20, n_informative=n_informative,
                               n_redundant=min(5, 20 - n_informative), n_classes=2, class_sep=class_sep,
                               flip_y=flip_y, random_state=seed)
    x_tr, x_te, y_tr, y_te = split(x, y, test_size, seed)
    x_tr, x_te, mean, std = standardise(x_tr, x_te)
    return make_dataset(x_tr, y_tr, x_te, y_te, name=name, source="source.sklearn", classes=["0", "1"],
                        task="binary", mean=mean, std=std, features=[f"x{i}" for i in range(20)])


def load_regression(*, seed: int = 0, n_samples: int = 600, test_size: float = 1 / 3,
                    noise: float = 0.1) -> Dataset:
    """y = sin(x) + Gaussian noise (σ = ``noise``), x uniform in [-3, 3]; default 400 train / 200 test.

    x is standardised like every tabular feature (``meta["mean"]``/``meta["std"]``); y is left as is.
    """
    name = "regression"
    seed = check_seed(name, seed)
    n_samples = check_int(name, "n_samples", n_samples, 20, 200_000)
    test_size = check_float(name, "test_size", test_size, 0.05, 0.5)
    noise = check_float(name, "noise", noise, 0.0, 0.5)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, (n_samples, 1))
    y = np.sin(x[:, 0]) + rng.normal(0.0, noise, n_samples) if noise else np.sin(x[:, 0])
    x_tr, x_te, y_tr, y_te = split(x, y, test_size, seed, stratify=False)
    x_tr, x_te, mean, std = standardise(x_tr, x_te)
    return make_dataset(x_tr, y_tr, x_te, y_te, name=name, source="source.synthetic", classes=[], task="regression",
                        mean=mean, std=std, features=["x"], target="y", noise=noise)
