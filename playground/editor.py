"""Edits of a user-facing spec dict, as the Build page makes them (pure functions, tested directly)."""
from __future__ import annotations

import copy

from playground.data import DatasetInfo
from playground.layers import LAYERS


def new_layer(type_: str) -> dict:
    """A layer dict of ``type_`` with the registry's defaults."""
    return {"type": type_, **LAYERS[type_].defaults()}


def fit_to_dataset(spec: dict, ds: DatasetInfo) -> dict:
    """Give ``spec`` the dataset's input shape and make a final dense layer fit its targets.

    Classification gets ``classes`` units; binary keeps one sigmoid unit (or two logits);
    regression gets one linear unit. Other last layers are left for the student to fix.
    """
    out = copy.deepcopy(spec)
    out["input_shape"] = list(ds.input_shape)
    last = out["layers"][-1] if out.get("layers") else None
    if last is None or last.get("type") != "dense":
        return out
    if ds.task == "regression":
        last.update(units=1, activation="linear")
    elif ds.task == "binary":
        if last.get("units") != 1:
            last["units"] = 2
            if last.get("activation") == "sigmoid":  # two sigmoid units are not a distribution: two logits
                last["activation"] = "linear"
    else:
        last["units"] = ds.classes
        if last.get("activation") == "sigmoid":  # a yes/no unit widened to k classes becomes a softmax
            last["activation"] = "softmax"
    return out


def insert_layer(layers: list, index: int, layer: dict) -> list:
    """A new list with ``layer`` inserted before position ``index`` (clamped to the ends)."""
    index = max(0, min(index, len(layers)))
    return layers[:index] + [layer] + layers[index:]


def move_layer(layers: list, index: int, step: int) -> list:
    """A new list with layer ``index`` swapped with the one ``step`` places away (the page uses -1 for
    up and +1 for down); a move past either end leaves the list as it is."""
    target = index + step
    if not (0 <= index < len(layers) and 0 <= target < len(layers)):
        return list(layers)
    out = list(layers)
    out[index], out[target] = out[target], out[index]
    return out


def remove_layer(layers: list, index: int) -> list:
    """A new list without layer ``index``."""
    return [layer for i, layer in enumerate(layers) if i != index]


def preset_for_dataset(presets, ds: DatasetInfo) -> dict | None:
    """The first preset that fits dataset ``ds`` once fitted to it (those made for ``ds`` first), or None.

    A link with a dataset and no network opens this one, so the student starts from something that trains.
    """
    from playground.spec import check

    for preset in sorted(presets, key=lambda p: p.dataset != ds.key):
        fitted = fit_to_dataset(preset.spec, ds)
        if check(fitted)[2] is None:
            return fitted
    return None
