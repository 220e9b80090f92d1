"""ModelSpec: parsing, defaults, round trips, and every impossible spec named in both languages."""
from __future__ import annotations

import ast
import base64
import json
import re
import string
import zlib
from pathlib import Path

import pytest
import torch

from playground.i18n import catalogue, t
from playground.layers import LAYERS, TOKENS, VECTOR, LayerProblem, Shape, _need
from playground.presets import PRESETS
from playground.spec import (
    MAX_ACTIVATIONS,
    MAX_INPUT_SIZE,
    MAX_LAYERS,
    ModelSpec,
    SpecError,
    check,
    decode_spec,
    encode_spec,
    infer_shapes,
    layer_inputs,
    loads,
    max_params,
)

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "playground"

# A valid context per layer kind, so defaults can be checked for every type.
CONTEXT = {
    "image": [3, 12, 12],
    "vector": [6],
    "sequence": [5, 8],
    "tokens": [7],
}


def context_for(type_: str) -> list[int]:
    accepts = LAYERS[type_].accepts
    if "tokens" in accepts:
        return CONTEXT["tokens"]
    for kind in ("image", "sequence", "vector"):
        if kind in accepts:
            return CONTEXT[kind]
    raise AssertionError(type_)


def spec_error(fn, *args) -> SpecError:
    with pytest.raises(SpecError) as info:
        fn(*args)
    return info.value


LEFTOVER = re.compile(r"\{\{|\}\}|\{[A-Za-z_][A-Za-z0-9_]*(![rsa])?(:[^{}]*)?\}")


def assert_clean_message(exc: SpecError) -> None:
    """Both languages format, name the layer (when there is one) and leave no placeholder behind."""
    texts = {lang: exc.message(lang) for lang in ("en", "es")}
    for lang, text in texts.items():
        assert text.strip(), (exc.key, lang)
        assert not LEFTOVER.search(text), (exc.key, lang, text)
        if exc.index is not None:
            prefix = t("spec.layer_prefix", lang, index=exc.index, type=exc.layer_type)
            assert text.startswith(prefix), (lang, text)
            assert str(exc.index) in text and str(exc.layer_type) in text
    assert texts["en"] != texts["es"], exc.key
    assert str(exc) == texts["en"]


# ---------------------------------------------------------------- round trips and defaults


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_preset_round_trips(key):
    spec = PRESETS[key].model_spec()
    d = spec.to_dict()
    assert ModelSpec.from_dict(d) == spec
    assert ModelSpec.from_dict(d).to_dict() == d
    assert loads(json.dumps(d)) == spec
    assert loads(json.dumps(d).encode()) == spec
    link = encode_spec(spec)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", link), link  # URL-safe, no padding
    assert decode_spec(link) == spec
    # to_dict is the full form: every parameter of every layer is written out.
    for layer in d["layers"]:
        assert set(layer) == {"type"} | {p.name for p in LAYERS[layer["type"]].params_spec}


def test_round_trip_keeps_every_parameter_value():
    d = {
        "input_shape": [2, 9, 9],
        "layers": [
            {"type": "conv2d", "filters": 3, "kernel_size": 2, "stride": 2, "padding": "same", "activation": "elu"},
            {"type": "maxpool2d", "pool_size": 2, "stride": 1},
            {"type": "flatten"},
            {"type": "dense", "units": 3, "activation": "softmax"},
        ],
    }
    spec = ModelSpec.from_dict(d)
    assert spec.to_dict() == d
    assert decode_spec(encode_spec(spec)).to_dict() == d


@pytest.mark.parametrize("type_", sorted(LAYERS))
def test_defaults_are_filled(type_):
    spec = ModelSpec.from_dict({"input_shape": context_for(type_), "layers": [{"type": type_}]})
    assert spec.layers[0].params == LAYERS[type_].defaults()
    assert spec.to_dict()["layers"][0] == {"type": type_, **LAYERS[type_].defaults()}


def test_partial_params_keep_given_values_and_fill_the_rest():
    spec = ModelSpec.from_dict({"input_shape": [4], "layers": [{"type": "dense", "units": 3}]})
    assert spec.layers[0].params == {"units": 3, "activation": LAYERS["dense"].defaults()["activation"]}


def test_integer_valued_floats_are_accepted_as_ints_and_ints_as_floats():
    spec = ModelSpec.from_dict(
        {"input_shape": [4], "layers": [{"type": "dense", "units": 3.0}, {"type": "dropout", "rate": 0}]}
    )
    assert spec.layers[0].params["units"] == 3 and isinstance(spec.layers[0].params["units"], int)
    assert spec.layers[1].params["rate"] == 0.0 and isinstance(spec.layers[1].params["rate"], float)


def test_optional_pool_stride_accepts_none():
    spec = ModelSpec.from_dict({"input_shape": [1, 6, 6], "layers": [{"type": "maxpool2d", "stride": None}]})
    assert spec.layers[0].params["stride"] is None
    assert infer_shapes(spec)[0].dims == (1, 3, 3)


def test_name_key_is_allowed():
    spec = ModelSpec.from_dict({"name": "x", "input_shape": [4], "layers": [{"type": "dense", "units": 2}]})
    assert spec.input_shape == (4,)


def test_input_kinds():
    def kind(shape, first="dense"):
        layer = {"type": first}
        return ModelSpec.from_dict({"input_shape": shape, "layers": [layer]}).input().kind

    assert kind([4]) == VECTOR
    assert kind([4], "embedding") == TOKENS
    assert kind([4, 3]) == "sequence"
    assert kind([1, 4, 4], "flatten") == "image"


def test_layer_inputs_are_shifted_shapes():
    spec = PRESETS["lenet5"].model_spec()
    shapes = infer_shapes(spec)
    inputs = layer_inputs(spec)
    assert inputs[0] == spec.input()
    assert inputs[1:] == shapes[:-1]
    assert [s.dims for s in shapes] == [
        (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,), (120,), (84,), (10,)
    ]


# ---------------------------------------------------------------- documented impossible specs


def _spec(shape, *layers):
    return {"input_shape": shape, "layers": list(layers)}


IMPOSSIBLE = {
    "kernel_larger_than_input": (
        _spec([1, 4, 4], {"type": "conv2d", "kernel_size": 5}), "shape.kernel_too_big", 1, "conv2d"
    ),
    "conv_after_flatten": (
        _spec([1, 8, 8], {"type": "flatten"}, {"type": "conv2d"}), "shape.needs_image", 2, "conv2d"
    ),
    "rnn_on_image": (
        _spec([1, 8, 8], {"type": "conv2d", "padding": "same"}, {"type": "lstm"}), "shape.needs_sequence", 2, "lstm"
    ),
    "zero_units": (
        _spec([4], {"type": "dense", "units": 3}, {"type": "dense", "units": 0}), "spec.param_range", 2, "dense"
    ),
    "dropout_one": (_spec([4], {"type": "dropout", "rate": 1.0}), "spec.param_range_open", 1, "dropout"),
    "dropout_negative": (_spec([4], {"type": "dropout", "rate": -0.1}), "spec.param_range_open", 1, "dropout"),
    "unknown_type": (_spec([4], {"type": "dense"}, {"type": "conv3d"}), "spec.unknown_type", 2, "'conv3d'"),
    "empty_layers": (_spec([4]), "spec.empty", None, None),
    "empty_input_shape": (_spec([], {"type": "dense"}), "spec.input_shape_bad", None, None),
    "embedding_not_first": (
        _spec([8], {"type": "dense"}, {"type": "embedding"}), "shape.embedding_first", 2, "embedding"
    ),
    "heads_not_dividing": (
        _spec([7], {"type": "embedding", "dim": 10}, {"type": "transformer_encoder", "heads": 3}),
        "shape.heads_divide", 2, "transformer_encoder",
    ),
    "dense_on_image": (_spec([1, 8, 8], {"type": "dense"}), "shape.dense_on_image", 1, "dense"),
    "pool_too_big": (
        _spec([1, 5, 5], {"type": "conv2d"}, {"type": "maxpool2d", "pool_size": 4}), "shape.pool_too_big", 2,
        "maxpool2d",
    ),
    "embedding_on_sequence": (_spec([4, 4], {"type": "embedding"}), "shape.needs_tokens", 1, "embedding"),
}


@pytest.mark.parametrize("case", sorted(IMPOSSIBLE))
def test_impossible_spec_names_the_layer(case):
    d, key, index, layer_type = IMPOSSIBLE[case]
    exc = spec_error(ModelSpec.from_dict, d)
    assert exc.key == key
    assert exc.index == index
    assert exc.layer_type == layer_type
    assert_clean_message(exc)
    # The same verdict through every entry point.
    assert spec_error(loads, json.dumps(d)).key == key
    spec, shapes, err = check(d)
    assert spec is None and err is not None and err.key == key


def test_specific_messages_carry_the_numbers():
    exc = spec_error(ModelSpec.from_dict, IMPOSSIBLE["kernel_larger_than_input"][0])
    assert exc.kwargs == {"k": 5, "h": 4, "w": 4}
    assert "5×5" in exc.message("en") and "4×4" in exc.message("en")
    assert "5×5" in exc.message("es") and "4×4" in exc.message("es")
    exc = spec_error(ModelSpec.from_dict, IMPOSSIBLE["heads_not_dividing"][0])
    assert exc.kwargs == {"f": 10, "heads": 3}
    exc = spec_error(ModelSpec.from_dict, IMPOSSIBLE["zero_units"][0])
    assert exc.kwargs["param"] == "units" and exc.kwargs["got"] == "0"
    assert "'units'" in exc.message("en") and "«units»" in exc.message("es")


def test_bad_json_via_loads():
    exc = spec_error(loads, '{"input_shape": [4], "layers": [')
    assert exc.key == "spec.bad_json" and exc.index is None
    assert exc.kwargs["detail"]
    assert_clean_message(exc)
    assert spec_error(loads, b"\xff\xfe\x00garbage").key == "spec.bad_json"
    assert spec_error(loads, "[1, 2]").key == "spec.not_a_dict"


def test_damaged_links():
    good = encode_spec(PRESETS["lenet5"].model_spec())
    for damaged in (good[:-6], good[:10], "!!!not-base64!!!", "", "é", "A"):
        exc = spec_error(decode_spec, damaged)
        assert exc.key == "spec.bad_link", damaged
        assert_clean_message(exc)
    # A link whose JSON is sound but whose model is impossible reports the model's problem.
    raw = json.dumps(IMPOSSIBLE["dense_on_image"][0]).encode()
    link = base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")
    assert spec_error(decode_spec, link).key == "shape.dense_on_image"
    # Valid base64 and zlib, but not JSON.
    link = base64.urlsafe_b64encode(zlib.compress(b"not json")).decode()
    assert spec_error(decode_spec, link).key == "spec.bad_link"


# ---------------------------------------------------------------- check()


def test_check_valid():
    d = PRESETS["keras_mnist_cnn"].spec
    spec, shapes, err = check(d)
    assert err is None
    assert spec == ModelSpec.from_dict(d)
    assert shapes == infer_shapes(spec)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_check_returns_prefix_shapes_when_layer_k_fails(k):
    good = [
        {"type": "conv2d", "filters": 4, "kernel_size": 3},
        {"type": "maxpool2d"},
        {"type": "conv2d", "filters": 5, "kernel_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 3},
    ]
    # Layer k becomes impossible: an LSTM on an image (k <= 4), a conv2d on a vector (k = 5).
    bad = {"type": "conv2d"} if k == 5 else {"type": "lstm"}
    layers = good[: k - 1] + [bad] + good[k:]
    d = {"input_shape": [1, 10, 10], "layers": layers}
    spec, shapes, err = check(d)
    assert spec is None
    assert err.index == k
    expected = infer_shapes(ModelSpec.from_dict({**d, "layers": layers[: k - 1]})) if k > 1 else []
    assert shapes == expected
    assert len(shapes) == k - 1


def test_check_returns_prefix_shapes_when_a_parameter_is_bad():
    d = {"input_shape": [6], "layers": [{"type": "dense", "units": 4}, {"type": "dense", "units": 3},
                                        {"type": "dropout", "rate": 2}]}
    spec, shapes, err = check(d)
    assert spec is None and err.key == "spec.param_range_open" and err.index == 3
    assert [s.dims for s in shapes] == [(4,), (3,)]


def test_check_without_layer_index():
    for d in ([], {"input_shape": [4], "layers": []}, {"input_shape": "4", "layers": [{"type": "dense"}]}):
        spec, shapes, err = check(d)
        assert spec is None and shapes == [] and err.index is None


def test_check_prefix_invalid_too_returns_no_shapes():
    # Layer 1 fails: there is no prefix to show.
    d = {"input_shape": [6], "layers": [{"type": "dense", "units": -1}, {"type": "dense", "units": 3}]}
    spec, shapes, err = check(d)
    assert err.index == 1 and shapes == []


# ---------------------------------------------------------------- every key in both catalogues


def _failing_cases() -> dict[str, object]:
    """A callable per error key that makes the code under test raise it, as a person could."""

    def parse(d):
        return lambda: ModelSpec.from_dict(d)

    def layer_problem(type_, shape, **params):
        def run():
            p = {**LAYERS[type_].defaults(), **params}
            try:
                LAYERS[type_].out(shape, p)
            except LayerProblem as exc:  # as infer_shapes turns it into a SpecError
                raise SpecError(exc.key, index=1, layer_type=type_, **exc.kwargs) from None

        return run

    def need_vector():
        try:
            _need(Shape("image", (1, 2, 2)), (VECTOR,), "dense")
        except LayerProblem as exc:
            raise SpecError(exc.key, index=1, layer_type="dense", **exc.kwargs) from None

    def empty_output():  # unreachable with today's layers: exactly the kwargs infer_shapes passes
        raise SpecError("shape.empty_output", index=1, layer_type="conv2d", shape="(4, 0, 0)", before="(1, 2, 2)")

    dense = {"type": "dense", "units": 2}
    return {
        "spec.not_a_dict": parse([1, 2]),
        "spec.unknown_key": parse({"input_shape": [4], "layers": [dense], "optimizer": "adam"}),
        "spec.input_shape_bad": parse({"input_shape": [0, 4], "layers": [dense]}),
        "spec.input_too_big": parse({"input_shape": [3, 257, 256], "layers": [{"type": "flatten"}]}),
        "spec.layers_not_list": parse({"input_shape": [4], "layers": "dense"}),
        "spec.empty": parse({"input_shape": [4], "layers": []}),
        "spec.too_many_layers": parse({"input_shape": [4], "layers": [dense] * (MAX_LAYERS + 1)}),
        "spec.param_bool": parse({"input_shape": [4, 3], "layers": [{"type": "lstm", "bidirectional": "yes"}]}),
        "spec.param_choice": parse({"input_shape": [4], "layers": [{"type": "dense", "activation": "swish"}]}),
        "spec.param_int": parse({"input_shape": [4], "layers": [{"type": "dense", "units": 2.5}]}),
        "spec.param_float": parse({"input_shape": [4], "layers": [{"type": "dropout", "rate": "0.5"}]}),
        "spec.param_range": parse({"input_shape": [4], "layers": [{"type": "dense", "units": 0}]}),
        "spec.param_range_open": parse({"input_shape": [4], "layers": [{"type": "dropout", "rate": 1.0}]}),
        "spec.layer_not_dict": parse({"input_shape": [4], "layers": ["dense"]}),
        "spec.unknown_type": parse({"input_shape": [4], "layers": [{"type": "conv3d"}]}),
        "spec.unknown_param": parse({"input_shape": [4], "layers": [{"type": "dense", "kernel_size": 3}]}),
        "spec.too_many_params": parse(
            {"input_shape": [4096], "layers": [{"type": "dense", "units": 4096}, {"type": "dense", "units": 4096}]}
        ),
        "spec.bad_link": lambda: decode_spec("%%%"),
        "spec.bad_json": lambda: loads("{"),
        "shape.embedding_first": parse(IMPOSSIBLE["embedding_not_first"][0]),
        "shape.empty_output": empty_output,
        "shape.too_large": parse(
            {"input_shape": [1, 256, 256], "layers": [{"type": "conv2d", "filters": 512, "padding": "same"}]}
        ),
        "shape.dense_on_image": parse(IMPOSSIBLE["dense_on_image"][0]),
        "shape.kernel_too_big": parse(IMPOSSIBLE["kernel_larger_than_input"][0]),
        "shape.pool_too_big": parse(IMPOSSIBLE["pool_too_big"][0]),
        "shape.heads_divide": parse(IMPOSSIBLE["heads_not_dividing"][0]),
        "shape.needs_image": parse(IMPOSSIBLE["conv_after_flatten"][0]),
        "shape.needs_sequence": parse(IMPOSSIBLE["rnn_on_image"][0]),
        "shape.needs_tokens": parse(IMPOSSIBLE["embedding_on_sequence"][0]),
        # Token ids only exist before an embedding, which must come first: reachable through the
        # registry's shape rules, as a future layer kind could reach it.
        "shape.tokens_need_embedding": layer_problem("dense", Shape(TOKENS, (5,))),
        "shape.needs_vector": need_vector,
    }


FAILING = _failing_cases()


def _python_files() -> list[Path]:
    return sorted(PLAYGROUND.rglob("*.py"))


def _raised_keys() -> set[str]:
    """Keys passed as a literal to SpecError(...) or LayerProblem(...) anywhere in playground/."""
    keys = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("SpecError", "LayerProblem")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    return keys


def _key_literals() -> set[str]:
    """Every string literal that looks like an error key (covers keys chosen from a table, as in _need)."""
    pattern = re.compile(r"(spec|shape)\.[a-z_]+")
    found = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.fullmatch(node.value):
                found.add(node.value)
    return found


def test_scan_finds_the_raise_sites():
    raised = _raised_keys()
    assert {"spec.not_a_dict", "spec.bad_link", "shape.kernel_too_big", "shape.heads_divide"} <= raised
    assert {"shape.needs_image", "shape.needs_vector", "spec.layer_prefix"} <= _key_literals()


def test_every_error_key_used_in_code_is_in_both_catalogues():
    used = _raised_keys() | _key_literals()
    for lang in ("en", "es"):
        missing = sorted(k for k in used if k not in catalogue(lang))
        assert not missing, (lang, missing)


def test_every_error_key_has_a_failing_case():
    assert _raised_keys() | (_key_literals() - {"spec.layer_prefix"}) <= set(FAILING)


@pytest.mark.parametrize("key", sorted(FAILING))
def test_error_message_formats_in_both_languages(key):
    exc = spec_error(FAILING[key])
    assert exc.key == key
    assert_clean_message(exc)


@pytest.mark.parametrize("key", sorted(k for k in catalogue("en") if k.startswith(("spec.", "shape."))))
def test_placeholders_agree_between_languages(key):
    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert fields(catalogue("en")[key]) == fields(catalogue("es")[key])


def test_limits_are_enforced_at_their_edges(monkeypatch):
    # input size: the limit itself is fine, one more value is not
    ModelSpec.from_dict({"input_shape": [MAX_INPUT_SIZE], "layers": [{"type": "dense", "units": 1}]})
    assert spec_error(ModelSpec.from_dict, {"input_shape": [MAX_INPUT_SIZE + 1], "layers": [{"type": "dense"}]}).key \
        == "spec.input_too_big"
    # layer count
    many = [{"type": "dropout"}] * MAX_LAYERS
    assert len(ModelSpec.from_dict({"input_shape": [4], "layers": many}).layers) == MAX_LAYERS
    # activations per layer
    exc = spec_error(FAILING["shape.too_large"])
    assert exc.kwargs["size"] > MAX_ACTIVATIONS and exc.index == 1
    # parameter budget: a teacher can lower it
    monkeypatch.setenv("PLAYGROUND_MAX_PARAMS", "50")
    assert max_params() == 50
    ModelSpec.from_dict({"input_shape": [4], "layers": [{"type": "dense", "units": 10}]})  # 50 params
    exc = spec_error(ModelSpec.from_dict, {"input_shape": [4], "layers": [{"type": "dense", "units": 10},
                                                                          {"type": "dense", "units": 1}]})
    assert exc.key == "spec.too_many_params" and exc.index == 2 and exc.kwargs == {"n": 61, "max": 50}


@pytest.mark.parametrize(
    "value",
    [["dense"], {"name": "dense"}, None, 3, True],
)
def test_wrong_typed_layer_type_is_a_spec_error(value):
    exc = spec_error(ModelSpec.from_dict, {"input_shape": [4], "layers": [{"type": value}]})
    assert exc.key == "spec.unknown_type" and exc.index == 1
    assert_clean_message(exc)


def test_missing_layer_type_is_a_spec_error():
    exc = spec_error(ModelSpec.from_dict, {"input_shape": [4], "layers": [{"units": 3}]})
    assert exc.key == "spec.unknown_type"
