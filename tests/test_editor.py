"""Pure spec edits of the Build page."""
from __future__ import annotations

import copy

import pytest
import torch

from playground.data import DATASETS, DatasetInfo
from playground.editor import fit_to_dataset, insert_layer, move_layer, new_layer, remove_layer
from playground.layers import LAYERS
from playground.presets import PRESETS
from playground.spec import ModelSpec, SpecError, infer_shapes

torch.set_num_threads(1)

CNN = PRESETS["keras_mnist_cnn"].spec


def _ds(task: str, classes: int, shape=(1, 28, 28)) -> DatasetInfo:
    return DatasetInfo("test", tuple(shape), classes, task, "image")


@pytest.mark.parametrize("type_", sorted(LAYERS))
def test_new_layer_has_every_default(type_):
    layer = new_layer(type_)
    assert layer == {"type": type_, **LAYERS[type_].defaults()}
    assert set(layer) == {"type"} | {p.name for p in LAYERS[type_].params_spec}
    layer["type"] = "changed"
    assert new_layer(type_)["type"] == type_  # a fresh dict every time


def test_fit_classification_sets_classes_and_shape():
    out = fit_to_dataset(CNN, _ds("classification", 7, (3, 32, 32)))
    assert out["input_shape"] == [3, 32, 32]
    assert out["layers"][-1]["units"] == 7
    assert out["layers"][-1]["activation"] == CNN["layers"][-1]["activation"]
    assert out["layers"][:-1] == CNN["layers"][:-1]
    assert infer_shapes(ModelSpec.from_dict(out))[-1].dims == (7,)


def test_fit_does_not_touch_its_input():
    before = copy.deepcopy(CNN)
    out = fit_to_dataset(CNN, _ds("regression", 1))
    assert CNN == before
    out["layers"][0]["filters"] = 1
    assert CNN == before


@pytest.mark.parametrize("units,expected", [(1, 1), (2, 2), (10, 2)])
def test_fit_binary_keeps_one_sigmoid_unit_or_uses_two_logits(units, expected):
    spec = {"input_shape": [4], "layers": [{"type": "dense", "units": 8}, {"type": "dense", "units": units,
                                                                          "activation": "sigmoid"}]}
    out = fit_to_dataset(spec, DATASETS["make_classification"])
    assert out["input_shape"] == [20]
    assert out["layers"][-1]["units"] == expected
    assert out["layers"][0] == spec["layers"][0]


def test_fit_regression_gives_one_linear_unit():
    out = fit_to_dataset(CNN, DATASETS["regression"])
    assert out["input_shape"] == [1]
    assert out["layers"][-1]["units"] == 1 and out["layers"][-1]["activation"] == "linear"


@pytest.mark.parametrize("last", [{"type": "attention"}, {"type": "flatten"}, {"type": "lstm", "units": 3}])
def test_fit_leaves_other_last_layers_alone(last):
    spec = {"input_shape": [5, 4], "layers": [{"type": "layernorm"}, last]}
    out = fit_to_dataset(spec, DATASETS["sequence"])
    assert out["input_shape"] == list(DATASETS["sequence"].input_shape)
    assert out["layers"] == spec["layers"]


def test_fit_without_layers():
    assert fit_to_dataset({"input_shape": [3], "layers": []}, DATASETS["xor"]) == {"input_shape": [2], "layers": []}
    assert fit_to_dataset({"input_shape": [3]}, DATASETS["xor"]) == {"input_shape": [2]}


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_fitting_a_preset_to_its_dataset_stays_valid(key):
    preset = PRESETS[key]
    ds = DATASETS[preset.dataset]
    spec = ModelSpec.from_dict(fit_to_dataset(preset.spec, ds))
    assert spec.input_shape == ds.input_shape
    out = infer_shapes(spec)[-1]
    # Every preset can be trained on its own dataset as it opens: its output is the dataset's target.
    if ds.task == "classification":
        assert out.dims == (ds.classes,)
    elif ds.task == "binary":
        assert out.dims in ((1,), (2,))
    else:
        assert out.dims == (1,)


def test_fitting_a_sigmoid_output_to_several_classes_makes_it_a_softmax():
    # A yes/no network opened on a k-class set must be trainable as it opens, not fail on its first step.
    spec = {"input_shape": [2], "layers": [{"type": "dense", "units": 8, "activation": "relu"},
                                           {"type": "dense", "units": 1, "activation": "sigmoid"}]}
    multi = next(d for d in DATASETS.values() if d.task == "classification" and d.input_shape == (2,))
    fitted = fit_to_dataset(spec, multi)["layers"][-1]
    assert fitted == {"type": "dense", "units": multi.classes, "activation": "softmax"}


LAYERS3 = [{"type": "a"}, {"type": "b"}, {"type": "c"}]
NEW = {"type": "new"}


@pytest.mark.parametrize(
    "index,expected",
    [(0, "nabc"), (1, "anbc"), (3, "abcn"), (99, "abcn"), (-5, "nabc")],
)
def test_insert_layer_clamps(index, expected):
    out = insert_layer(LAYERS3, index, NEW)
    assert "".join(layer["type"][0] for layer in out) == expected
    assert len(LAYERS3) == 3  # the input list is not changed
    assert out is not LAYERS3


def test_insert_into_empty():
    assert insert_layer([], 3, NEW) == [NEW]


@pytest.mark.parametrize(
    "index,step,expected",
    [(0, 1, "bac"), (2, -1, "acb"), (1, -1, "bac"), (1, 1, "acb"), (0, -1, "abc"), (2, 1, "abc"),
     (5, -1, "abc"), (-1, 1, "abc")],
)
def test_move_layer_bounds(index, step, expected):
    out = move_layer(LAYERS3, index, step)
    assert "".join(layer["type"] for layer in out) == expected
    assert [layer["type"] for layer in LAYERS3] == ["a", "b", "c"]
    assert out is not LAYERS3


@pytest.mark.parametrize("index,expected", [(0, "bc"), (1, "ac"), (2, "ab"), (3, "abc"), (-1, "abc")])
def test_remove_layer_bounds(index, expected):
    out = remove_layer(LAYERS3, index)
    assert "".join(layer["type"] for layer in out) == expected
    assert len(LAYERS3) == 3


def test_edits_compose_into_a_valid_spec():
    layers = [new_layer("dense")]
    layers = insert_layer(layers, 0, new_layer("flatten"))
    layers = insert_layer(layers, 0, new_layer("conv2d"))
    layers = move_layer(layers, 2, -1)  # dense before flatten: impossible on an image
    bad = {"input_shape": [1, 8, 8], "layers": layers}
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict(bad)
    assert info.value.index == 2 and info.value.key == "shape.dense_on_image"
    layers = move_layer(layers, 1, 1)
    spec = ModelSpec.from_dict(fit_to_dataset({"input_shape": [1, 8, 8], "layers": layers}, DATASETS["digits"]))
    assert [layer.type for layer in spec.layers] == ["conv2d", "flatten", "dense"]
    assert infer_shapes(spec)[-1].dims == (10,)


@pytest.mark.parametrize("key", sorted(DATASETS))
def test_a_dataset_alone_gets_a_preset_that_fits_and_checks(key):
    from playground.editor import preset_for_dataset
    from playground.spec import check

    info = DATASETS[key]
    fitted = preset_for_dataset(PRESETS.values(), info)
    assert fitted is not None and tuple(fitted["input_shape"]) == tuple(info.input_shape)
    assert check(fitted)[2] is None
    made_for_it = [p for p in PRESETS.values() if p.dataset == key]
    if made_for_it:  # the presets made for the dataset come first
        assert fitted == fit_to_dataset(made_for_it[0].spec, info)


def test_no_preset_fits_a_dataset_none_can_take():
    from playground.editor import preset_for_dataset

    impossible = _ds("classification", 3, shape=(1, 2, 2))  # every preset's first conv/pool is bigger than 2x2
    only_cnns = [p for p in PRESETS.values() if p.spec["layers"][0]["type"] == "conv2d"]
    assert only_cnns and preset_for_dataset(only_cnns, impossible) is None
