"""Helpers shared by the loaders: option checks, seeded splits, standardisation, the Dataset builder."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from playground.data import DATASETS, Dataset, DatasetError, TextKey


def label(name: str):
    """A dataset's display name for messages: its i18n key when it has one, else the name itself."""
    return TextKey(f"dataset.{name}") if name in DATASETS else name


def data_dir() -> Path:
    """``playground.data.DATA_DIR`` read at call time, so tests (and the app) may repoint it."""
    return Path(sys.modules["playground.data"].DATA_DIR)


def check_int(name: str, option: str, value, low: int, high: int) -> int:
    """``value`` as an int in [low, high], else DatasetError("data.bad_value")."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise DatasetError("data.bad_value", name=label(name), option=option, value=value, expected=f"{low}…{high}")
    return int(value)


def check_float(name: str, option: str, value, low: float, high: float) -> float:
    """``value`` as a float in [low, high], else DatasetError("data.bad_value")."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DatasetError("data.bad_value", name=label(name), option=option, value=value, expected=f"{low:g}…{high:g}")
    value = float(value)
    if not low <= value <= high:  # also refuses NaN
        raise DatasetError("data.bad_value", name=label(name), option=option, value=value, expected=f"{low:g}…{high:g}")
    return value


def check_seed(name: str, seed) -> int:
    return check_int(name, "seed", seed, 0, 2**32 - 1)


def split(x: np.ndarray, y: np.ndarray, test_size, seed: int, stratify: bool = True):
    """Seeded train/test split, stratified on ``y`` when asked (and possible)."""
    from sklearn.model_selection import train_test_split

    try:
        return train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None)
    except ValueError:
        if not stratify:
            raise
        # A class too small to appear on both sides: fall back to a plain shuffled split.
        return train_test_split(x, y, test_size=test_size, random_state=seed)


def standardise(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray, list, list]:
    """Centre and scale both sets with the TRAIN mean and std (a constant column keeps std 1)."""
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std, mean.tolist(), std.tolist()


def make_dataset(x_train, y_train, x_test, y_test, *, name: str, source: str, classes: list[str], task: str,
                 **meta) -> Dataset:
    """Tensors with the contract's dtypes (float32 x; int64 y, or float32 y for regression) and meta."""
    x_train = torch.as_tensor(np.ascontiguousarray(x_train), dtype=torch.float32)
    x_test = torch.as_tensor(np.ascontiguousarray(x_test), dtype=torch.float32)
    y_dtype = torch.float32 if task == "regression" else torch.int64
    y_train = torch.as_tensor(np.ascontiguousarray(y_train), dtype=y_dtype).reshape(-1)
    y_test = torch.as_tensor(np.ascontiguousarray(y_test), dtype=y_dtype).reshape(-1)
    info = {
        "name": name,
        "source": source,
        "classes": [str(c) for c in classes],
        "input_shape": tuple(int(d) for d in x_train.shape[1:]),
        "task": task,
        "n_train": len(x_train),
        "n_test": len(x_test),
    }
    info.update(meta)
    return Dataset(x_train, y_train, x_test, y_test, info)
