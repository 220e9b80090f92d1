"""The tensor-operation registry: PyTorch against TensorFlow (and NumPy) on every op, the code shown on the
page reproducing the grids, and shape mismatches explained instead of thrown."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.i18n import t
from playground.tensor_ops import (
    CAST_DTYPES,
    COMPARISONS,
    ELEMENTWISE,
    FILL_KINDS,
    NORM_ORDS,
    REDUCTIONS,
    TENSOR_OPS,
    TensorProblem,
    broadcast_mask,
    broadcast_shape,
    outputs_agree,
    parse_axis,
    parse_shape,
    run_op,
)


@pytest.fixture(scope="module")
def tf():
    try:
        from playground.device import configure_tensorflow

        return configure_tensorflow()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"TensorFlow cannot be imported here: {exc}")


# Every op with its defaults, plus the variants a student reaches with the controls.
CASES = [(key, {}) for key in TENSOR_OPS] + [
    ("from_data", {"source": "numpy", "shape": "3, 1, 2"}),
    *[("filled", {"kind": k, "shape": "2, 4", "value": v}) for k in FILL_KINDS for v in (1.0, -2.5)],
    ("one_hot", {"indices": "3, 0, 0, 2", "depth": 5}),
    ("random", {"dist": "normal", "shape": "3, 4", "seed": 7}),
    *[("cast", {"dtype": d, "shape": "3, 4"}) for d in CAST_DTYPES],
    ("reshape", {"shape": "2, 3, 4", "new_shape": "4, -1, 2"}),
    ("transpose", {"shape": "2, 3, 4", "perm": "1, 2, 0"}),
    ("squeeze", {"shape": "1, 3, 1", "axis": ""}),
    ("expand_dims", {"shape": "3", "axis": "-1"}),
    ("matmul", {"a": "2, 3", "b": "3, 4", "transpose_b": False}),
    ("matmul", {"a": "3, 2", "b": "3, 4", "transpose_a": True, "transpose_b": False}),
    ("matmul", {"a": "2, 2, 3", "b": "2, 4, 3"}),
    *[("elementwise", {"op": op, "a": "3, 1", "b": "1, 4"}) for op in ELEMENTWISE],
    *[("reduce", {"op": op, "shape": "2, 3, 2", "axis": ax, "keepdims": kd}) for op in REDUCTIONS
      for ax, kd in (("", False), ("1", True), ("-1", False))],
    *[("norm", {"ord": o, "shape": "3, 4", "axis": ax}) for o in NORM_ORDS for ax in ("", "0")],
    ("split", {"shape": "2, 6", "num": 2, "axis": "1"}),
    ("concat", {"a": "2, 3", "b": "2, 1", "axis": "-1"}),
    ("stack", {"a": "2, 3", "b": "2, 3", "axis": "0"}),
    ("stack", {"a": "2, 3", "b": "2, 3", "axis": "-1"}),
    *[("compare", {"op": op, "a": "2, 3", "b": "3"}) for op in COMPARISONS],
]


def _id(case):
    key, p = case
    return key + ("-" + "-".join(f"{k}={v}" for k, v in p.items()) if p else "")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_pytorch_and_tensorflow_agree(case, tf):
    key, params = case
    run = run_op(key, params, seed=3, tf=tf)
    assert run.tf_error is None
    assert [o.values.shape for o in run.torch_out] == [o.values.shape for o in run.tf_out]
    if TENSOR_OPS[key].same_values:
        assert run.agree, (run.torch_out, run.tf_out)
    else:  # random: same shape and range, different generators
        assert run.agree is None
        for out in run.torch_out + run.tf_out:
            assert np.isfinite(out.values).all()
            if params.get("dist", "uniform") == "uniform":
                assert (out.values >= -1).all() and (out.values < 1).all()


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_the_code_on_the_page_reproduces_the_grids(case, tf):
    """Both snippets are executed as a student would paste them; their ``c``/``parts`` are the drawn grids."""
    key, params = case
    run = run_op(key, params, seed=5, tf=tf)
    for code, outs in ((run.torch_code, run.torch_out), (run.tf_code, run.tf_out)):
        scope: dict = {}
        exec(code, scope)  # noqa: S102 - our own generated code
        got = scope["parts"] if "parts" in scope else [scope["c"]]
        got = [np.asarray(g.numpy() if hasattr(g, "numpy") else g) for g in got]
        assert len(got) == len(outs)
        for g, o in zip(got, outs):
            assert g.shape == o.values.shape
            np.testing.assert_allclose(g.astype(np.float64), o.values.astype(np.float64), atol=1e-6)


def test_matmul_against_numpy_and_notes_shapes():
    run = run_op("matmul", {"a": "5, 2", "b": "5, 2", "transpose_b": True}, seed=1)
    a, b = (o.values for o in run.inputs)
    np.testing.assert_allclose(run.torch_out[0].values, a @ b.T)
    assert run.torch_out[0].values.shape == (5, 5)  # t1 @ tf.transpose(t2) in the notes
    run = run_op("matmul", {"a": "5, 2", "b": "5, 2", "transpose_a": True, "transpose_b": False}, seed=1)
    assert run.torch_out[0].values.shape == (2, 2)


def test_reduce_and_norm_against_numpy():
    run = run_op("reduce", {"op": "mean", "shape": "3, 4", "axis": "0"}, seed=2)
    np.testing.assert_allclose(run.torch_out[0].values, run.inputs[0].values.mean(axis=0), rtol=1e-6)
    run = run_op("norm", {"ord": "2", "shape": "5, 2", "axis": "1"}, seed=2)
    x = run.inputs[0].values
    np.testing.assert_allclose(run.torch_out[0].values, np.sqrt((x**2).sum(axis=1)), rtol=1e-6)


def test_split_semantics_differ_but_results_match(tf):
    run = run_op("split", {"shape": "6", "num": 3, "axis": "0"}, tf=tf)
    assert [o.values.tolist() for o in run.torch_out] == [[0, 1], [2, 3], [4, 5]]
    assert "torch.split(a, 2" in run.torch_code and "tf.split(a, 3" in run.tf_code


def test_random_repeats_with_its_seed_and_changes_without():
    first = run_op("random", {"seed": 4}).torch_out[0].values
    again = run_op("random", {"seed": 4}).torch_out[0].values
    other = run_op("random", {"seed": 5}).torch_out[0].values
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_cast_truncates_towards_zero_and_bool_marks_nonzero():
    run = run_op("cast", {"dtype": "int32", "shape": "3, 4"}, seed=0)
    x = run.inputs[0].values
    np.testing.assert_array_equal(run.torch_out[0].values, np.trunc(x).astype(np.int32))
    run = run_op("cast", {"dtype": "bool", "shape": "3, 4"}, seed=0)
    np.testing.assert_array_equal(run.torch_out[0].values, x != 0)
    assert run.torch_out[0].values.dtype == bool and not run.torch_out[0].values.flat[0]


@pytest.mark.parametrize("seed", range(20))
def test_broadcast_shape_and_mask_match_numpy(seed):
    rng = np.random.default_rng(seed)
    a = tuple(int(d) for d in rng.choice([1, 2, 3], size=rng.integers(1, 4)))
    b = tuple(int(d) for d in rng.choice([1, 2, 3], size=rng.integers(1, 4)))
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(TensorProblem):
            broadcast_shape(a, b)
        return
    assert broadcast_shape(a, b) == expected
    mask = broadcast_mask(a, expected)
    assert mask.sum() == int(np.prod(a))  # exactly one original cell per element of a
    x = np.arange(int(np.prod(a))).reshape(a)
    np.testing.assert_array_equal(np.broadcast_to(x, expected)[mask], x.ravel())


def test_elementwise_draws_the_stretched_operand():
    run = run_op("elementwise", {"a": "2, 3", "b": "3"})
    [(name, stretched, mask)] = run.broadcast
    assert name == "b" and stretched.shape == (2, 3)
    assert mask[0].all() and not mask[1].any()  # row 0 is b itself, row 1 a faded copy


@pytest.mark.parametrize("lang", ["en", "es"])
def test_matmul_mismatch_is_explained_with_the_fix(lang, tf):
    with pytest.raises(TensorProblem) as info:
        run_op("matmul", {"a": "5, 2", "b": "5, 2", "transpose_b": False}, tf=tf)
    exc = info.value
    assert exc.key == "tensors.err.matmul" and exc.fix == "tensors.fix.matmul_transpose_b"
    assert exc.kwargs["cols"] == 2 and exc.kwargs["rows"] == 5
    text = exc.message(lang)
    assert "(5, 2)" in text and t("tensors.fix.matmul_transpose_b", lang) in text
    assert set(exc.raw) == {"PyTorch", "TensorFlow"}  # what the frameworks themselves say, for the expander
    assert "5x2" in exc.raw["PyTorch"]


@pytest.mark.parametrize("key, params, error, fix", [
    ("matmul", {"a": "2, 3", "b": "4, 3", "transpose_b": True, "transpose_a": True}, "tensors.err.matmul",
     "tensors.fix.matmul_transpose_a_off"),
    ("matmul", {"a": "2, 3", "b": "4, 5", "transpose_b": False}, "tensors.err.matmul", "tensors.fix.matmul_shape"),
    ("matmul", {"a": "3", "b": "3, 2"}, "tensors.err.matmul_rank", "tensors.fix.matmul_rank"),
    ("elementwise", {"a": "2, 3", "b": "2"}, "tensors.err.broadcast", "tensors.fix.broadcast"),
    ("compare", {"a": "4, 3", "b": "2, 3"}, "tensors.err.broadcast", "tensors.fix.broadcast"),
    ("reshape", {"shape": "2, 6", "new_shape": "5, 2"}, "tensors.err.reshape", "tensors.fix.reshape"),
    ("reshape", {"shape": "2, 6", "new_shape": "5, -1"}, "tensors.err.reshape_free", "tensors.fix.reshape"),
    ("reshape", {"shape": "2, 6", "new_shape": "-1, -1"}, "tensors.err.reshape_two_free", None),
    ("transpose", {"shape": "2, 3", "perm": "0, 0"}, "tensors.err.perm", None),
    ("squeeze", {"shape": "1, 2, 1", "axis": "1"}, "tensors.err.squeeze", "tensors.fix.squeeze"),
    ("split", {"shape": "7", "num": 3}, "tensors.err.split", "tensors.fix.split"),
    ("concat", {"a": "2, 3", "b": "2, 2", "axis": "0"}, "tensors.err.concat", "tensors.fix.concat"),
    ("concat", {"a": "2, 3", "b": "3", "axis": "0"}, "tensors.err.concat_rank", "tensors.fix.concat"),
    ("stack", {"a": "3", "b": "2"}, "tensors.err.stack", "tensors.fix.stack"),
    ("one_hot", {"indices": "0, 4", "depth": 4}, "tensors.err.one_hot", "tensors.fix.one_hot"),
    ("expand_dims", {"shape": "2, 3", "axis": "3"}, "tensors.err.axis", None),
    ("reduce", {"shape": "2, 3", "axis": "-3"}, "tensors.err.axis", None),
    ("from_data", {"shape": "2, x"}, "tensors.err.ints_text", None),
    ("from_data", {"shape": ""}, "tensors.err.shape_empty", None),
    ("from_data", {"shape": "0, 3"}, "tensors.err.shape_side", None),
    ("from_data", {"shape": "12, 12, 2"}, "tensors.err.shape_size", None),
    ("filled", {"value": float("nan")}, "tensors.err.range", None),
    ("elementwise", {"op": "modulo"}, "tensors.err.choice", None),
])
def test_impossible_settings_raise_an_explanation(key, params, error, fix):
    with pytest.raises(TensorProblem) as info:
        run_op(key, params)
    assert info.value.key == error and info.value.fix == fix
    for lang in ("en", "es"):
        text = info.value.message(lang)
        assert text and "{" not in text  # every placeholder was filled


def test_split_error_lists_the_divisors():
    with pytest.raises(TensorProblem) as info:
        run_op("split", {"shape": "6", "num": 4})
    assert info.value.kwargs["divisors"] == "1, 2, 3, 6"


def test_parse_shape_and_axis():
    assert parse_shape("(2, 3)") == (2, 3) == parse_shape("2x3") == parse_shape("2,3,")
    assert parse_shape("4, -1", allow_minus_one=True) == (4, -1)
    assert parse_axis("", 2) is None and parse_axis("-1", 2) == -1 and parse_axis("2", 2, extra=1) == 2
    with pytest.raises(TensorProblem):
        parse_axis("2", 2)


def test_outputs_agree_notices_a_difference():
    from playground.tensor_ops import Tensor

    a = [Tensor("c", np.zeros((2, 2)), "float32")]
    assert outputs_agree(a, [Tensor("c", np.zeros((2, 2)), "float64")])
    assert not outputs_agree(a, [Tensor("c", np.eye(2), "float32")])
    assert not outputs_agree(a, [Tensor("c", np.zeros((4,)), "float32")])


def test_from_numpy_shares_memory_as_the_code_says():
    run = run_op("from_data", {"source": "numpy"})
    arr = np.array(run.inputs[0].values)
    tensor = torch.from_numpy(arr)
    arr[0, 0] = 99
    assert tensor[0, 0] == 99 and "shares memory" in run.torch_code
