"""Property tests: random layer stacks are either accepted and buildable, or refused with a SpecError.

Nothing else may come out of ``ModelSpec.from_dict``: no TypeError, KeyError or IndexError from a
strange value, and no accepted spec whose real model disagrees with the inferred shapes or counts.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from playground.builders import build_keras, build_torch, example_input
from playground.layers import IMAGE, LAYER_TYPES, LAYERS, Param
from playground.spec import ModelSpec, SpecError, infer_shapes, layer_inputs

torch.set_num_threads(1)

DIM = st.integers(1, 12)

WRONG_TYPED = st.sampled_from(["3", "", None, True, False, [], [2], {}, {"a": 1}, 2.5, -1, float("nan"),
                               float("inf"), 10**30])

# Layer types that make sense after each input rank, so a good share of stacks is valid.
POOLS = {
    1: ["dense", "dropout", "batchnorm", "layernorm", "activation", "flatten", "embedding"],
    2: ["dense", "dropout", "batchnorm", "layernorm", "activation", "flatten", "simplernn", "lstm", "gru",
        "attention", "positional_encoding", "transformer_encoder", "globalavgpool1d"],
    3: ["conv2d", "maxpool2d", "avgpool2d", "globalavgpool2d", "flatten", "dropout", "batchnorm", "layernorm",
        "activation", "dense"],
}
TOKEN_POOL = ["dense", "lstm", "gru", "simplernn", "attention", "positional_encoding", "transformer_encoder",
              "globalavgpool1d", "layernorm", "dropout", "flatten"]


def good_value(prm: Param) -> st.SearchStrategy:
    """Values the registry accepts, kept small so the models build and run in milliseconds."""
    if prm.kind == "bool":
        return st.booleans()
    if prm.kind == "choice":
        return st.sampled_from(prm.choices)
    if prm.kind == "float":
        hi = prm.max if prm.max is not None else 10.0
        return st.floats(prm.min or 0.0, hi, exclude_max=prm.max_exclusive, allow_nan=False) | st.just(prm.min)
    lo = int(prm.min)
    top = min(int(prm.max), lo + 7)
    values = st.integers(lo, top)
    if prm.max <= 16:
        values = values | st.just(int(prm.max))
    if prm.optional:
        values = values | st.none()
    return values


def bad_value(prm: Param) -> st.SearchStrategy:
    """Out of range, wrong typed, or integer-valued floats (which ints accept)."""
    options = [WRONG_TYPED]
    if prm.kind in ("int", "float"):
        options.append(st.sampled_from([v for v in (prm.min - 1, prm.max, prm.max + 1, -0.1, 1.0) if v is not None]))
    if prm.kind == "int":
        options.append(st.sampled_from([float(prm.min), float(prm.min) + 0.5]))
    if prm.kind == "choice":
        options.append(st.sampled_from([prm.choices[0].upper(), "nope", 0]))
    if prm.kind == "bool":
        options.append(st.sampled_from([0, 1, "true"]))
    return st.one_of(options)


@st.composite
def layer_dicts(draw, pool: list[str], clean: bool) -> object:
    """A layer dict; unless ``clean``, sometimes not a dict, of an unknown type, or with bad parameters."""
    roll = draw(st.integers(6 if clean else 0, 99))
    if roll < 2:
        return draw(st.sampled_from(["dense", 3, None, ["dense"]]))  # not a dict at all
    if roll < 5:
        type_ = draw(st.sampled_from(["conv3d", "", None, 7, ["dense"], {"t": 1}, "Dense"]))
    elif roll < 70:
        type_ = draw(st.sampled_from(pool))
    else:
        type_ = draw(st.sampled_from(LAYER_TYPES))
    layer: dict = {} if roll == 5 else {"type": type_}
    kind = LAYERS.get(type_) if isinstance(type_, str) else None
    for prm in kind.params_spec if kind else ():
        what = draw(st.integers(0, 19)) if not clean else draw(st.sampled_from([0, 2]))
        if what == 0:
            continue  # missing: the default fills it
        layer[prm.name] = draw(bad_value(prm) if what == 1 else good_value(prm))
    if not clean and draw(st.integers(0, 29)) == 0:
        layer[draw(st.sampled_from(["units", "kernel_size", "heads", "extra", "Type"]))] = draw(DIM)
    return layer


@st.composite
def spec_dicts(draw, clean: bool | None = None) -> object:
    """A spec dict; half of them (or all with ``clean=True``) free of wrong types and bad parameters."""
    clean = draw(st.booleans()) if clean is None else clean
    roll = draw(st.integers(7 if clean else 0, 99))
    if roll == 0:
        return draw(st.sampled_from([None, [], "spec", 3]))
    if roll < 4:
        shape = draw(st.sampled_from([[], [0], [4, 0, 4], [1, 2, 3, 4], "4", [2.0], [True], None, [10**9]]))
    else:
        shape = draw(st.lists(DIM, min_size=1, max_size=3))
    rank = len(shape) if isinstance(shape, list) and 1 <= len(shape) <= 3 else 1
    n = draw(st.integers(1 if clean else 0, 5))
    tokens = rank == 1 and draw(st.integers(0, 3)) == 0
    layers = []
    for i in range(n):
        if tokens and i == 0:
            layers.append({"type": "embedding", "vocab_size": draw(st.integers(2, 9)), "dim": draw(DIM)})
        else:
            layers.append(draw(layer_dicts(TOKEN_POOL if tokens else POOLS[rank], clean)))
    d: dict = {"input_shape": shape, "layers": layers}
    if roll == 4:
        d[draw(st.sampled_from(["name", "optimizer"]))] = "x"
    if roll == 5:
        d["layers"] = draw(st.sampled_from([None, "dense", {"type": "dense"}]))
    if roll == 6:
        del d["input_shape"]
    return d


def parse(d, keys: set | None = None) -> ModelSpec | None:
    try:
        return ModelSpec.from_dict(d)
    except SpecError as exc:
        if keys is not None:
            keys.add(exc.key)
        # A refusal is only useful if it can be shown: the message must format in both languages.
        exc.message("en")
        exc.message("es")
        return None


def registry_counts(spec: ModelSpec) -> tuple[int, int, int]:
    torch_n = keras_n = frozen = 0
    for layer, shape in zip(spec.layers, layer_inputs(spec)):
        kind = LAYERS[layer.type]
        torch_n += kind.params(shape, layer.params)
        keras_n += (kind.keras_params or kind.params)(shape, layer.params)
        frozen += kind.keras_nontrainable(shape, layer.params)
    return torch_n, keras_n, frozen


def check_torch(spec: ModelSpec) -> None:
    out = infer_shapes(spec)[-1]
    model = build_torch(spec).eval()
    assert sum(p.numel() for p in model.parameters()) == registry_counts(spec)[0]
    with torch.no_grad():
        y = model(example_input(spec, batch=2))
    assert tuple(y.shape) == (2, *out.dims), spec.to_dict()


def check_keras(spec: ModelSpec) -> None:
    out = infer_shapes(spec)[-1]
    model = build_keras(spec)
    _, keras_n, frozen = registry_counts(spec)
    assert sum(math.prod(w.shape) for w in model.trainable_weights) == keras_n, spec.to_dict()
    assert sum(math.prod(w.shape) for w in model.non_trainable_weights) == frozen, spec.to_dict()
    dims = out.dims if out.kind != IMAGE else (out.dims[1], out.dims[2], out.dims[0])
    y = np.asarray(model(example_input(spec, batch=2, framework="keras"), training=False))
    assert y.shape == (2, *dims), spec.to_dict()


COMMON = dict(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


def test_random_stacks_are_accepted_and_run_or_refused_with_spec_error():
    seen = {"accepted": 0, "refused": 0, "layers": set(), "keys": set()}

    @settings(max_examples=2000, **COMMON)
    @given(spec_dicts())
    def prop(d):
        spec = parse(d, seen["keys"])
        if spec is None:
            seen["refused"] += 1
            return
        seen["accepted"] += 1
        seen["layers"].update(layer.type for layer in spec.layers)
        assert spec.to_dict() == ModelSpec.from_dict(spec.to_dict()).to_dict()
        check_torch(spec)

    prop()
    # The generator must exercise both sides and every layer kind, or the property proves little.
    assert seen["accepted"] >= 600, seen
    assert seen["refused"] >= 600, seen
    assert seen["layers"] == set(LAYERS), set(LAYERS) - seen["layers"]
    assert len(seen["keys"]) >= 20, sorted(seen["keys"])


def test_random_stacks_build_in_keras():
    seen = {"accepted": 0}

    @settings(max_examples=25, **COMMON)
    @given(spec_dicts(clean=True))
    def prop(d):
        spec = parse(d)
        assume(spec is not None)
        seen["accepted"] += 1
        check_keras(spec)

    prop()
    assert seen["accepted"] == 25, seen
