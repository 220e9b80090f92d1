"""The tensor operations of the TensorFlow notes, run side by side in PyTorch and TensorFlow.

``TENSOR_OPS`` is the one registry: each entry names its parameters (shapes are typed as text such as
``"2, 3"``), makes its seeded input operands, checks the shapes BEFORE running (a mismatch becomes a
``TensorProblem`` whose message says which dimensions disagree and what to change), runs PyTorch and,
when given the ``tf`` module, TensorFlow, and writes the code of both. ``run_op`` does all of it and
returns an ``OpRun`` the page draws. TensorFlow is never imported here: the caller passes the module
(``playground.device.configure_tensorflow()``), so this file stays light.

Example::

    run = run_op("matmul", {"a": "2, 3", "b": "2, 3", "transpose_b": True})
    run.torch_out[0].values.shape  # (2, 2)
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from playground.i18n import t

MAX_DIMS = 5
MAX_SIDE = 12
MAX_ELEMENTS = 144  # every cell of every grid is drawn with its number: keep them readable


class TensorProblem(Exception):
    """Impossible settings, explained: ``key`` (+ kwargs) says what disagrees, ``fix`` what to change.

    ``raw`` maps a framework name to the error text that framework gave for the same inputs.
    """

    def __init__(self, key: str, fix: str | None = None, **kwargs: Any):
        super().__init__(key)
        self.key, self.fix, self.kwargs = key, fix, kwargs
        self.raw: dict[str, str] = {}

    def message(self, lang: str = "en") -> str:
        text = t(self.key, lang, **self.kwargs)
        return f"{text} {t(self.fix, lang, **self.kwargs)}" if self.fix else text

    def __str__(self) -> str:
        return self.message("en")


# ---------------------------------------------------------------- parameters and parsing


@dataclass(frozen=True)
class OpParam:
    """One control of an op: ``kind`` is shape (text), axis (text: an int or empty), ints (text), int,
    float, choice or bool. ``lo``/``hi`` bound int/float values."""

    name: str
    kind: str
    default: Any
    choices: tuple = ()
    lo: float | None = None
    hi: float | None = None


def fmt_shape(shape: tuple[int, ...]) -> str:
    """``(2, 3)`` as the frameworks print it (``(3,)`` for one dimension)."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _ints_text(text: str, param: str) -> list[int]:
    cleaned = re.sub(r"[()\[\]\s]", "", str(text))
    cleaned = re.sub(r"(?<=\d)[x×](?=[-\d])", ",", cleaned)  # "2x3" as in "a 2x3 matrix"
    parts = [p for p in re.split(r"[,;]", cleaned) if p != ""]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise TensorProblem("tensors.err.ints_text", param=param, text=text) from None


def parse_shape(text: str, param: str = "shape", allow_minus_one: bool = False) -> tuple[int, ...]:
    """``"2, 3"``, ``"(2,3)"`` or ``"2x3"`` -> ``(2, 3)``; raises TensorProblem on anything else.

    At most ``MAX_DIMS`` dimensions of 1…``MAX_SIDE`` and ``MAX_ELEMENTS`` elements (``-1`` only where
    ``allow_minus_one``: reshape's "whatever is left").
    """
    dims = _ints_text(text, param)
    if not dims:
        raise TensorProblem("tensors.err.shape_empty", param=param)
    if len(dims) > MAX_DIMS:
        raise TensorProblem("tensors.err.shape_dims", param=param, n=len(dims), max=MAX_DIMS)
    for d in dims:
        if not (1 <= d <= MAX_SIDE or (allow_minus_one and d == -1)):
            raise TensorProblem("tensors.err.shape_side", param=param, dim=d, max=MAX_SIDE)
    size = math.prod(d for d in dims if d != -1)
    if size > MAX_ELEMENTS:
        raise TensorProblem("tensors.err.shape_size", param=param, shape=fmt_shape(tuple(dims)), size=size,
                            max=MAX_ELEMENTS)
    return tuple(dims)


def parse_axis(text: str | int | None, ndim: int, param: str = "axis", allow_none: bool = True,
               extra: int = 0) -> int | None:
    """An axis typed as text: empty -> None (every axis), else an int in ``[-(ndim+extra), ndim+extra-1]``.

    ``extra=1`` for ops that make a new axis (expand_dims, stack).
    """
    if text is None or str(text).strip() == "":
        if allow_none:
            return None
        raise TensorProblem("tensors.err.axis_needed", param=param)
    try:
        axis = int(str(text).strip())
    except ValueError:
        raise TensorProblem("tensors.err.ints_text", param=param, text=text) from None
    n = ndim + extra
    if not -n <= axis < n:
        raise TensorProblem("tensors.err.axis", axis=axis, ndim=ndim, hi=n - 1, lo=-n)
    return axis


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy/TensorFlow/PyTorch broadcasting: align from the right; each pair equal or one of them 1."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and 1 not in (da, db):
            raise TensorProblem("tensors.err.broadcast", fix="tensors.fix.broadcast", a=fmt_shape(a),
                                b=fmt_shape(b), axis=-i, da=da, db=db)
        out.append(max(da, db))
    return tuple(reversed(out))


def broadcast_mask(shape: tuple[int, ...], target: tuple[int, ...]) -> np.ndarray:
    """True where a cell of the stretched operand is an original cell, False where it is a copy."""
    lead = len(target) - len(shape)
    index = tuple(slice(0, 1) if i < lead or shape[i - lead] == 1 and target[i] != 1 else slice(None)
                  for i in range(len(target)))
    mask = np.zeros(target, dtype=bool)
    mask[index] = True
    return mask


# ---------------------------------------------------------------- operands and code text


@dataclass(frozen=True)
class Operand:
    """An input: its name in the code, its values, and how the code makes it (list, arange, numpy)."""

    name: str
    values: np.ndarray
    make: str = "list"  # list: a literal; arange: range + reshape; numpy: a NumPy array


def _ints(shape: tuple[int, ...], rng: np.random.Generator, lo: int = -5, hi: int = 5) -> np.ndarray:
    return rng.integers(lo, hi + 1, size=shape).astype(np.float32)


def _arange(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(math.prod(shape), dtype=np.float32).reshape(shape)


def _num(v: float) -> str:
    return f"{v:.1f}" if float(v).is_integer() else f"{v:g}"


def literal(values: np.ndarray) -> str:
    """A nested Python list literal of float values: ``[[1.0, -2.0], [0.5, 3.0]]``."""
    if values.ndim == 0:
        return _num(float(values))
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _shape_arg(shape: tuple[int, ...]) -> str:
    return fmt_shape(shape)


def _operand_code(op: Operand, framework: str) -> str:
    shape = tuple(op.values.shape)
    n = math.prod(shape)
    if op.make == "arange":
        if framework == "tf":
            return f"{op.name} = tf.reshape(tf.range({n}.0), {_shape_arg(shape)})  # {n} numbers 0…{n - 1}"
        return f"{op.name} = torch.arange({n}.0).reshape{_shape_arg(shape) if len(shape) > 1 else f'({n})'}"
    if op.make == "numpy":
        return f"{op.name} = np.array({literal(op.values)}, dtype=np.float32)"
    if framework == "tf":
        return f"{op.name} = tf.constant({literal(op.values)})"
    return f"{op.name} = torch.tensor({literal(op.values)})"


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Tensor:
    """One drawn tensor: its name in the code, values (NumPy) and dtype as the framework names it."""

    name: str
    values: np.ndarray
    dtype: str


@dataclass
class OpRun:
    """Everything the page draws for one op: inputs, both frameworks' outputs, code, broadcasting."""

    op: str
    params: dict
    inputs: list[Operand]
    torch_out: list[Tensor]
    torch_code: str
    tf_code: str
    tf_out: list[Tensor] | None = None
    tf_error: str | None = None
    broadcast: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)  # name, stretched, mask
    same_values: bool = True

    @property
    def agree(self) -> bool | None:
        """Same shapes and values in both frameworks (None without TensorFlow or for random ops)."""
        if self.tf_out is None or not self.same_values:
            return None
        return outputs_agree(self.torch_out, self.tf_out)


def outputs_agree(a: list[Tensor], b: list[Tensor], atol: float = 1e-5) -> bool:
    """Same number of outputs, same shapes, values equal within ``atol`` (booleans exactly)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.values.shape != y.values.shape:
            return False
        if not np.allclose(x.values.astype(np.float64), y.values.astype(np.float64), atol=atol, equal_nan=True):
            return False
    return True


def _dtype_name(x: Any) -> str:
    dtype = getattr(x, "dtype", None)
    name = getattr(dtype, "name", None) or str(dtype)
    return name.replace("torch.", "")


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class TensorOp:
    """One operation of the notes.

    ``operands(p, rng)`` -> inputs; ``check(p, inputs)`` raises TensorProblem; ``torch(p, tensors)`` and
    ``tf(tf, p, tensors)`` -> list of outputs; ``torch_code(p)``/``tf_code(p)`` -> the op's code lines
    (inputs are written before them). ``prepare(p)`` parses the text parameters once.
    """

    key: str
    group: str
    params: tuple[OpParam, ...]
    operands: Callable[[dict, np.random.Generator], list[Operand]]
    torch: Callable[[dict, list], list]
    tf: Callable[[Any, dict, list], list]
    torch_code: Callable[[dict], str]
    tf_code: Callable[[dict], str]
    check: Callable[[dict, list[Operand]], None] = lambda p, ops: None
    prepare: Callable[[dict], dict] = lambda p: p
    same_values: bool = True  # False for random ops: same seed, different generators
    broadcasts: bool = False
    outputs: Callable[[int], list[str]] = lambda n: ["c"] if n == 1 else [f"parts[{i}]" for i in range(n)]


GROUPS = ("create", "shape", "math", "reduce", "combine", "compare")

ELEMENTWISE = {  # name: (tf function, torch function, operator)
    "add": ("tf.add", "torch.add", "+"),
    "subtract": ("tf.subtract", "torch.sub", "-"),
    "multiply": ("tf.multiply", "torch.mul", "*"),
    "divide": ("tf.divide", "torch.div", "/"),
    "pow": ("tf.pow", "torch.pow", "**"),
    "maximum": ("tf.maximum", "torch.maximum", None),
}
COMPARISONS = {  # name: (tf function, torch function, operator)
    "equal": ("tf.equal", "torch.eq", "=="),
    "not_equal": ("tf.not_equal", "torch.ne", "!="),
    "greater": ("tf.greater", "torch.gt", ">"),
    "greater_equal": ("tf.greater_equal", "torch.ge", ">="),
    "less": ("tf.less", "torch.lt", "<"),
    "less_equal": ("tf.less_equal", "torch.le", "<="),
}
REDUCTIONS = {"sum": ("tf.reduce_sum", "torch.sum"), "mean": ("tf.reduce_mean", "torch.mean"),
              "max": ("tf.reduce_max", "torch.amax"), "min": ("tf.reduce_min", "torch.amin"),
              "prod": ("tf.reduce_prod", "torch.prod")}
CAST_DTYPES = ("int32", "int64", "float16", "float64", "bool")
FILL_KINDS = ("ones", "zeros", "fill", "constant")


def _fn(name: str, module: Any) -> Callable:
    """``"tf.math.add"`` resolved inside ``module`` (tf or torch)."""
    obj = module
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def _axis_kw(axis: int | None, word: str) -> str:
    return "" if axis is None else f", {word}={axis}"


# -- create


def _prep_shape(p: dict) -> dict:
    return {**p, "_shape": parse_shape(p["shape"])}


def _from_data_torch(p, xs):
    return [torch.from_numpy(xs[0]) if p["source"] == "numpy" else torch.tensor(xs[0].tolist())]


def _from_data_tf(tf, p, xs):
    return [tf.convert_to_tensor(xs[0]) if p["source"] == "numpy" else tf.constant(xs[0].tolist())]


def _fill_value(p: dict) -> str:
    v = float(p["value"])
    return str(int(v)) if v.is_integer() else f"{v:g}"


def _filled_torch(p, xs):
    shape, kind = p["_shape"], p["kind"]
    if kind in ("ones", "zeros"):
        return [getattr(torch, kind)(shape)]
    return [torch.full(shape, int(p["value"]) if float(p["value"]).is_integer() else float(p["value"]))]


def _filled_tf(tf, p, xs):
    shape, kind = p["_shape"], p["kind"]
    value = int(p["value"]) if float(p["value"]).is_integer() else float(p["value"])
    if kind in ("ones", "zeros"):
        return [getattr(tf, kind)(shape)]
    if kind == "fill":
        return [tf.fill(shape, value)]
    return [tf.constant(value, shape=shape)]


def _filled_tf_code(p):
    shape, kind = _shape_arg(p["_shape"]), p["kind"]
    if kind in ("ones", "zeros"):
        return f"c = tf.{kind}({shape})"
    if kind == "fill":
        return f"c = tf.fill({shape}, {_fill_value(p)})  # an int value gives an int32 tensor"
    return f"c = tf.constant({_fill_value(p)}, shape={shape})"


def _filled_torch_code(p):
    shape, kind = _shape_arg(p["_shape"]), p["kind"]
    if kind in ("ones", "zeros"):
        return f"c = torch.{kind}({shape})"
    return f"c = torch.full({shape}, {_fill_value(p)})  # an int value gives an int64 tensor"


def _prep_one_hot(p: dict) -> dict:
    idx = _ints_text(p["indices"], "indices")
    if not idx:
        raise TensorProblem("tensors.err.indices_empty")
    if len(idx) > MAX_SIDE:
        raise TensorProblem("tensors.err.indices_many", n=len(idx), max=MAX_SIDE)
    depth = int(p["depth"])
    bad = [i for i in idx if not 0 <= i < depth]
    if bad:
        raise TensorProblem("tensors.err.one_hot", fix="tensors.fix.one_hot", index=bad[0], depth=depth,
                            need=max(idx) + 1)
    return {**p, "_idx": idx, "_depth": depth}


def _random_torch(p, xs):
    gen = torch.Generator().manual_seed(int(p["seed"]))
    shape = p["_shape"]
    if p["dist"] == "uniform":
        return [torch.rand(shape, generator=gen) * 2 - 1]
    return [torch.randn(shape, generator=gen)]


def _random_tf(tf, p, xs):
    tf.random.set_seed(int(p["seed"]))
    if p["dist"] == "uniform":
        return [tf.random.uniform(p["_shape"], minval=-1.0, maxval=1.0)]
    return [tf.random.normal(p["_shape"], mean=0.0, stddev=1.0)]


def _random_code(p, framework):
    shape, seed = _shape_arg(p["_shape"]), int(p["seed"])
    if framework == "tf":
        call = (f"tf.random.uniform({shape}, minval=-1.0, maxval=1.0)" if p["dist"] == "uniform"
                else f"tf.random.normal({shape}, mean=0.0, stddev=1.0)")
        return f"tf.random.set_seed({seed})\nc = {call}"
    call = f"torch.rand({shape}) * 2 - 1  # uniform in [-1, 1)" if p["dist"] == "uniform" else f"torch.randn({shape})"
    return f"torch.manual_seed({seed})\nc = {call}"


def _cast_values(p, rng):
    shape = parse_shape(p["shape"])
    values = np.round(rng.uniform(-3, 3, size=shape) * 2) / 2  # halves: -2.5, 0.0, 1.5 ...
    values.flat[0] = 0.0  # always one zero, for the bool cast
    return [Operand("a", values.astype(np.float32))]


# -- shape


def _prep_reshape(p: dict) -> dict:
    shape = parse_shape(p["shape"])
    new = parse_shape(p["new_shape"], "new_shape", allow_minus_one=True)
    n = math.prod(shape)
    free = new.count(-1)
    known = math.prod(d for d in new if d != -1)
    if free > 1:
        raise TensorProblem("tensors.err.reshape_two_free", new=fmt_shape(new))
    if free == 0 and known != n:
        raise TensorProblem("tensors.err.reshape", fix="tensors.fix.reshape", shape=fmt_shape(shape), n=n,
                            new=fmt_shape(new), m=known)
    if free == 1 and n % known:
        raise TensorProblem("tensors.err.reshape_free", fix="tensors.fix.reshape", shape=fmt_shape(shape), n=n,
                            new=fmt_shape(new), m=known)
    return {**p, "_shape": shape, "_new": new}


def _prep_transpose(p: dict) -> dict:
    shape = parse_shape(p["shape"])
    perm = tuple(_ints_text(p["perm"], "perm")) if str(p["perm"]).strip() else tuple(reversed(range(len(shape))))
    if sorted(perm) != list(range(len(shape))):
        raise TensorProblem("tensors.err.perm", perm=fmt_shape(perm), ndim=len(shape),
                            want=fmt_shape(tuple(range(len(shape)))))
    return {**p, "_shape": shape, "_perm": perm}


def _prep_squeeze(p: dict) -> dict:
    shape = parse_shape(p["shape"])
    axes = tuple(parse_axis(a, len(shape)) for a in _ints_text(p["axis"], "axis")) if str(p["axis"]).strip() else ()
    for a in axes:
        if shape[a] != 1:
            ones = [i for i, d in enumerate(shape) if d == 1]
            raise TensorProblem("tensors.err.squeeze", fix="tensors.fix.squeeze", axis=a, size=shape[a],
                                shape=fmt_shape(shape), ones=", ".join(map(str, ones)) or "–")
    return {**p, "_shape": shape, "_axes": tuple(sorted({a % len(shape) for a in axes}))}


def _squeeze_code(p, framework):
    axes = p["_axes"]
    if framework == "tf":
        return f"c = tf.squeeze(a{', axis=' + fmt_shape(axes) if axes else ''})"
    return f"c = torch.squeeze(a{', dim=' + fmt_shape(axes) if axes else ''})"


def _prep_expand(p: dict) -> dict:
    shape = parse_shape(p["shape"])
    return {**p, "_shape": shape, "_axis": parse_axis(p["axis"], len(shape), allow_none=False, extra=1)}


# -- math


def _prep_matmul(p: dict) -> dict:
    a, b = parse_shape(p["a"], "a"), parse_shape(p["b"], "b")
    for name, s in (("a", a), ("b", b)):
        if len(s) < 2:
            raise TensorProblem("tensors.err.matmul_rank", fix="tensors.fix.matmul_rank", name=name,
                                shape=fmt_shape(s))
    ta, tb = bool(p["transpose_a"]), bool(p["transpose_b"])
    ea = a[:-2] + ((a[-1], a[-2]) if ta else a[-2:])  # a as multiplied
    eb = b[:-2] + ((b[-1], b[-2]) if tb else b[-2:])
    if ea[-1] != eb[-2]:
        if ea[-1] == eb[-1]:
            fix = "tensors.fix.matmul_transpose_b_off" if tb else "tensors.fix.matmul_transpose_b"
        elif ea[-2] == eb[-2]:
            fix = "tensors.fix.matmul_transpose_a_off" if ta else "tensors.fix.matmul_transpose_a"
        else:
            fix = "tensors.fix.matmul_shape"
        raise TensorProblem("tensors.err.matmul", fix=fix, a=fmt_shape(ea), b=fmt_shape(eb), cols=ea[-1],
                            rows=eb[-2])
    batch = broadcast_shape(ea[:-2], eb[:-2]) if len(ea) > 2 or len(eb) > 2 else ()
    return {**p, "_a": a, "_b": b, "_out": batch + (ea[-2], eb[-1])}


def _matmul_torch(p, xs):
    a, b = xs
    return [torch.matmul(a.mT if p["transpose_a"] else a, b.mT if p["transpose_b"] else b)]


def _matmul_torch_code(p):
    def side(name, flag, shape):
        return f"{name}.{'T' if len(shape) == 2 else 'mT'}" if flag else name

    return (f"c = {side('a', p['transpose_a'], p['_a'])} @ {side('b', p['transpose_b'], p['_b'])}"
            f"  # torch.matmul(...), shape {fmt_shape(p['_out'])}")


def _matmul_tf_code(p):
    kw = "".join(f", {k}=True" for k in ("transpose_a", "transpose_b") if p[k])
    return f"c = tf.linalg.matmul(a, b{kw})  # shape {fmt_shape(p['_out'])}"


def _prep_pair_broadcast(p: dict) -> dict:
    a, b = parse_shape(p["a"], "a"), parse_shape(p["b"], "b")
    return {**p, "_a": a, "_b": b, "_out": broadcast_shape(a, b)}


def _elementwise_operands(p, rng):
    if p["op"] in ("divide", "pow"):  # no division by zero; small exponents keep the numbers readable
        return [Operand("a", _ints(p["_a"], rng, -4, 4)), Operand("b", _ints(p["_b"], rng, 1, 3))]
    return [Operand("a", _ints(p["_a"], rng)), Operand("b", _ints(p["_b"], rng))]


def _binary_code(table: dict, p: dict, framework: str) -> str:
    tf_name, torch_name, operator = table[p["op"]]
    name = tf_name if framework == "tf" else torch_name
    tail = f"  # or a {operator} b" if operator else ""
    return f"c = {name}(a, b){tail}  # shape {fmt_shape(p['_out'])}"


# -- reduce


def _prep_reduce(p: dict) -> dict:
    shape = parse_shape(p["shape"])
    return {**p, "_shape": shape, "_axis": parse_axis(p["axis"], len(shape))}


def _reduce_torch(p, xs):
    fn = _fn(REDUCTIONS[p["op"]][1], torch)
    axis, keep = p["_axis"], bool(p["keepdims"])
    if axis is None:
        out = fn(xs[0])
        return [out.reshape((1,) * xs[0].dim()) if keep else out]
    return [fn(xs[0], dim=axis, keepdim=keep)]


def _reduce_code(p, framework):
    tf_name, torch_name = REDUCTIONS[p["op"]]
    axis, keep = p["_axis"], bool(p["keepdims"])
    if framework == "tf":
        return f"c = {tf_name}(a{_axis_kw(axis, 'axis')}{', keepdims=True' if keep else ''})"
    if axis is None and keep:
        return f"c = {torch_name}(a).reshape({', '.join('1' * len(p['_shape']))})  # keepdims over every axis"
    return f"c = {torch_name}(a{_axis_kw(axis, 'dim')}{', keepdim=True' if keep else ''})"


NORM_ORDS = ("1", "2", "inf")


def _ord(p: dict) -> float:
    return math.inf if p["ord"] == "inf" else float(p["ord"])


def _norm_code(p, framework):
    o = "np.inf" if p["ord"] == "inf" else p["ord"]
    if framework == "tf":
        return f"c = tf.norm(a, ord={o}{_axis_kw(p['_axis'], 'axis')})"
    o = "float('inf')" if p["ord"] == "inf" else p["ord"]
    return f"c = torch.linalg.vector_norm(a, ord={o}{_axis_kw(p['_axis'], 'dim')})"


# -- combine


def _prep_split(p: dict) -> dict:
    shape = parse_shape(p["shape"])
    axis = parse_axis(p["axis"], len(shape), allow_none=False)
    num, size = int(p["num"]), shape[axis]
    if num < 1 or size % num:
        divisors = ", ".join(str(d) for d in range(1, size + 1) if size % d == 0)
        raise TensorProblem("tensors.err.split", fix="tensors.fix.split", size=size, axis=axis, num=num,
                            divisors=divisors)
    return {**p, "_shape": shape, "_axis": axis, "_piece": size // num}


def _prep_concat(p: dict) -> dict:
    a, b = parse_shape(p["a"], "a"), parse_shape(p["b"], "b")
    if len(a) != len(b):
        raise TensorProblem("tensors.err.concat_rank", fix="tensors.fix.concat", a=fmt_shape(a), b=fmt_shape(b),
                            na=len(a), nb=len(b))
    axis = parse_axis(p["axis"], len(a), allow_none=False)
    for i, (da, db) in enumerate(zip(a, b)):
        if i != axis % len(a) and da != db:
            raise TensorProblem("tensors.err.concat", fix="tensors.fix.concat", a=fmt_shape(a), b=fmt_shape(b),
                                axis=axis, dim=i, da=da, db=db)
    out = tuple(da + db if i == axis % len(a) else da for i, (da, db) in enumerate(zip(a, b)))
    return {**p, "_a": a, "_b": b, "_axis": axis, "_out": out}


def _prep_stack(p: dict) -> dict:
    a, b = parse_shape(p["a"], "a"), parse_shape(p["b"], "b")
    if a != b:
        raise TensorProblem("tensors.err.stack", fix="tensors.fix.stack", a=fmt_shape(a), b=fmt_shape(b))
    return {**p, "_a": a, "_b": b, "_axis": parse_axis(p["axis"], len(a), allow_none=False, extra=1)}


def _two(p, rng, lo=-5, hi=5):
    return [Operand("a", _ints(p["_a"], rng, lo, hi)), Operand("b", _ints(p["_b"], rng, lo, hi))]


def _compare_operands(p, rng):
    """a in 0…3 and b in 1…2: every comparison then gives a mix of True and False."""
    return [Operand("a", _ints(p["_a"], rng, 0, 3)), Operand("b", _ints(p["_b"], rng, 1, 2))]


def _shape_param(default: str, name: str = "shape") -> OpParam:
    return OpParam(name, "shape", default)


TENSOR_OPS: dict[str, TensorOp] = {op.key: op for op in (
    TensorOp(
        "from_data", "create",
        (OpParam("source", "choice", "list", ("list", "numpy")), _shape_param("2, 3")),
        operands=lambda p, rng: [Operand("a", _ints(p["_shape"], rng), "numpy" if p["source"] == "numpy"
                                         else "list")],
        torch=_from_data_torch, tf=_from_data_tf, prepare=_prep_shape,
        torch_code=lambda p: ("c = torch.from_numpy(a)  # shares memory with the NumPy array" if p["source"] == "numpy"
                              else "c = a  # torch.tensor(list) copies the numbers"),
        tf_code=lambda p: ("c = tf.convert_to_tensor(a)" if p["source"] == "numpy"
                           else "c = a  # tf.constant(list) copies the numbers"),
    ),
    TensorOp(
        "filled", "create",
        (OpParam("kind", "choice", "ones", FILL_KINDS), _shape_param("2, 3"),
         OpParam("value", "float", 1.0, lo=-9.0, hi=9.0)),
        operands=lambda p, rng: [], torch=_filled_torch, tf=_filled_tf, prepare=_prep_shape,
        torch_code=_filled_torch_code, tf_code=_filled_tf_code,
    ),
    TensorOp(
        "one_hot", "create",
        (OpParam("indices", "ints", "0, 1, 2"), OpParam("depth", "int", 4, lo=1, hi=MAX_SIDE)),
        operands=lambda p, rng: [], prepare=_prep_one_hot,
        torch=lambda p, xs: [torch.nn.functional.one_hot(torch.tensor(p["_idx"]), p["_depth"])],
        tf=lambda tf, p, xs: [tf.one_hot(p["_idx"], p["_depth"])],
        torch_code=lambda p: f"c = torch.nn.functional.one_hot(torch.tensor({p['_idx']}), {p['_depth']})",
        tf_code=lambda p: f"c = tf.one_hot({p['_idx']}, {p['_depth']})",
    ),
    TensorOp(
        "random", "create",
        (OpParam("dist", "choice", "uniform", ("uniform", "normal")), _shape_param("5, 2"),
         OpParam("seed", "int", 1, lo=0, hi=9999)),
        operands=lambda p, rng: [], prepare=_prep_shape, torch=_random_torch, tf=_random_tf,
        torch_code=lambda p: _random_code(p, "torch"), tf_code=lambda p: _random_code(p, "tf"), same_values=False,
    ),
    TensorOp(
        "cast", "create",
        (_shape_param("2, 3"), OpParam("dtype", "choice", "int32", CAST_DTYPES)),
        operands=_cast_values, prepare=_prep_shape,
        torch=lambda p, xs: [xs[0].to(getattr(torch, p["dtype"]))],
        tf=lambda tf, p, xs: [tf.cast(xs[0], getattr(tf, p["dtype"]))],
        torch_code=lambda p: f"c = a.to(torch.{p['dtype']})  # floats to ints cut towards zero",
        tf_code=lambda p: f"c = tf.cast(a, tf.{p['dtype']})  # floats to ints cut towards zero",
    ),
    TensorOp(
        "reshape", "shape",
        (_shape_param("2, 6"), OpParam("new_shape", "shape", "3, -1")),
        operands=lambda p, rng: [Operand("a", _arange(p["_shape"]), "arange")], prepare=_prep_reshape,
        torch=lambda p, xs: [xs[0].reshape(p["_new"])], tf=lambda tf, p, xs: [tf.reshape(xs[0], p["_new"])],
        torch_code=lambda p: f"c = a.reshape{fmt_shape(p['_new'])}  # -1: whatever is left",
        tf_code=lambda p: f"c = tf.reshape(a, {fmt_shape(p['_new'])})  # -1: whatever is left",
    ),
    TensorOp(
        "transpose", "shape",
        (_shape_param("3, 5"), OpParam("perm", "ints", "")),
        operands=lambda p, rng: [Operand("a", _arange(p["_shape"]), "arange")], prepare=_prep_transpose,
        torch=lambda p, xs: [xs[0].permute(p["_perm"])], tf=lambda tf, p, xs: [tf.transpose(xs[0], p["_perm"])],
        torch_code=lambda p: "c = a.T  # rows become columns" if len(p["_shape"]) == 2
        else f"c = a.permute{fmt_shape(p['_perm'])}",
        tf_code=lambda p: "c = tf.transpose(a)" if len(p["_shape"]) == 2
        else f"c = tf.transpose(a, perm={list(p['_perm'])})",
    ),
    TensorOp(
        "squeeze", "shape",
        (_shape_param("1, 2, 1, 4, 1"), OpParam("axis", "ints", "2, 4")),
        operands=lambda p, rng: [Operand("a", _arange(p["_shape"]), "arange")], prepare=_prep_squeeze,
        torch=lambda p, xs: [torch.squeeze(xs[0], dim=p["_axes"]) if p["_axes"] else torch.squeeze(xs[0])],
        tf=lambda tf, p, xs: [tf.squeeze(xs[0], axis=list(p["_axes"]) or None)],
        torch_code=lambda p: _squeeze_code(p, "torch"), tf_code=lambda p: _squeeze_code(p, "tf"),
    ),
    TensorOp(
        "expand_dims", "shape",
        (_shape_param("2, 3"), OpParam("axis", "axis", "0")),
        operands=lambda p, rng: [Operand("a", _arange(p["_shape"]), "arange")], prepare=_prep_expand,
        torch=lambda p, xs: [xs[0].unsqueeze(p["_axis"])], tf=lambda tf, p, xs: [tf.expand_dims(xs[0], p["_axis"])],
        torch_code=lambda p: f"c = a.unsqueeze({p['_axis']})", tf_code=lambda p: f"c = tf.expand_dims(a, {p['_axis']})",
    ),
    TensorOp(
        "matmul", "math",
        (_shape_param("5, 2", "a"), _shape_param("5, 2", "b"), OpParam("transpose_a", "bool", False),
         OpParam("transpose_b", "bool", True)),
        operands=lambda p, rng: _two(p, rng, -3, 3), prepare=_prep_matmul, torch=_matmul_torch,
        tf=lambda tf, p, xs: [tf.linalg.matmul(xs[0], xs[1], transpose_a=bool(p["transpose_a"]),
                                               transpose_b=bool(p["transpose_b"]))],
        torch_code=_matmul_torch_code, tf_code=_matmul_tf_code,
    ),
    TensorOp(
        "elementwise", "math",
        (OpParam("op", "choice", "add", tuple(ELEMENTWISE)), _shape_param("2, 3", "a"), _shape_param("3", "b")),
        operands=_elementwise_operands, prepare=_prep_pair_broadcast, broadcasts=True,
        torch=lambda p, xs: [_fn(ELEMENTWISE[p["op"]][1], torch)(xs[0], xs[1])],
        tf=lambda tf, p, xs: [_fn(ELEMENTWISE[p["op"]][0], tf)(xs[0], xs[1])],
        torch_code=lambda p: _binary_code(ELEMENTWISE, p, "torch"),
        tf_code=lambda p: _binary_code(ELEMENTWISE, p, "tf"),
    ),
    TensorOp(
        "reduce", "reduce",
        (OpParam("op", "choice", "sum", tuple(REDUCTIONS)), _shape_param("3, 4"), OpParam("axis", "axis", "0"),
         OpParam("keepdims", "bool", False)),
        operands=lambda p, rng: [Operand("a", _ints(p["_shape"], rng, -3, 3))], prepare=_prep_reduce,
        torch=_reduce_torch,
        tf=lambda tf, p, xs: [_fn(REDUCTIONS[p["op"]][0], tf)(xs[0], axis=p["_axis"], keepdims=bool(p["keepdims"]))],
        torch_code=lambda p: _reduce_code(p, "torch"), tf_code=lambda p: _reduce_code(p, "tf"),
    ),
    TensorOp(
        "norm", "reduce",
        (OpParam("ord", "choice", "2", NORM_ORDS), _shape_param("5, 2"), OpParam("axis", "axis", "1")),
        operands=lambda p, rng: [Operand("a", _ints(p["_shape"], rng, -3, 3))], prepare=_prep_reduce,
        torch=lambda p, xs: [torch.linalg.vector_norm(xs[0], ord=_ord(p), dim=p["_axis"])],
        tf=lambda tf, p, xs: [tf.norm(xs[0], ord=_ord(p), axis=p["_axis"])],
        torch_code=lambda p: _norm_code(p, "torch"), tf_code=lambda p: _norm_code(p, "tf"),
    ),
    TensorOp(
        "split", "combine",
        (_shape_param("6"), OpParam("num", "int", 3, lo=1, hi=MAX_SIDE), OpParam("axis", "axis", "0")),
        operands=lambda p, rng: [Operand("a", _arange(p["_shape"]), "arange")], prepare=_prep_split,
        torch=lambda p, xs: list(torch.split(xs[0], p["_piece"], dim=p["_axis"])),
        tf=lambda tf, p, xs: tf.split(xs[0], int(p["num"]), axis=p["_axis"]),
        torch_code=lambda p: f"parts = torch.split(a, {p['_piece']}, dim={p['_axis']})  # the SIZE of each piece",
        tf_code=lambda p: f"parts = tf.split(a, {int(p['num'])}, axis={p['_axis']})  # HOW MANY pieces",
    ),
    TensorOp(
        "concat", "combine",
        (_shape_param("2, 3", "a"), _shape_param("1, 3", "b"), OpParam("axis", "axis", "0")),
        operands=lambda p, rng: _two(p, rng), prepare=_prep_concat,
        torch=lambda p, xs: [torch.cat(xs, dim=p["_axis"])], tf=lambda tf, p, xs: [tf.concat(xs, axis=p["_axis"])],
        torch_code=lambda p: f"c = torch.cat([a, b], dim={p['_axis']})  # shape {fmt_shape(p['_out'])}",
        tf_code=lambda p: f"c = tf.concat([a, b], axis={p['_axis']})  # shape {fmt_shape(p['_out'])}",
    ),
    TensorOp(
        "stack", "combine",
        (_shape_param("3", "a"), _shape_param("3", "b"), OpParam("axis", "axis", "1")),
        operands=lambda p, rng: _two(p, rng), prepare=_prep_stack,
        torch=lambda p, xs: [torch.stack(xs, dim=p["_axis"])], tf=lambda tf, p, xs: [tf.stack(xs, axis=p["_axis"])],
        torch_code=lambda p: f"c = torch.stack([a, b], dim={p['_axis']})  # a new axis",
        tf_code=lambda p: f"c = tf.stack([a, b], axis={p['_axis']})  # a new axis",
    ),
    TensorOp(
        "compare", "compare",
        (OpParam("op", "choice", "greater", tuple(COMPARISONS)), _shape_param("3, 3", "a"), _shape_param("1, 3", "b")),
        operands=_compare_operands, prepare=_prep_pair_broadcast, broadcasts=True,
        torch=lambda p, xs: [_fn(COMPARISONS[p["op"]][1], torch)(xs[0], xs[1])],
        tf=lambda tf, p, xs: [_fn(COMPARISONS[p["op"]][0], tf)(xs[0], xs[1])],
        torch_code=lambda p: _binary_code(COMPARISONS, p, "torch"),
        tf_code=lambda p: _binary_code(COMPARISONS, p, "tf"),
    ),
)}


def defaults(key: str) -> dict:
    """The default parameters of op ``key``."""
    return {prm.name: prm.default for prm in TENSOR_OPS[key].params}


def _check_values(op: TensorOp, p: dict) -> dict:
    p = {**defaults(op.key), **p}
    for prm in op.params:
        if prm.kind in ("int", "float"):
            try:
                v = float(p[prm.name])
            except (TypeError, ValueError):
                raise TensorProblem("tensors.err.number", param=prm.name, text=p[prm.name]) from None
            if not math.isfinite(v) or (prm.lo is not None and v < prm.lo) or (prm.hi is not None and v > prm.hi):
                raise TensorProblem("tensors.err.range", param=prm.name, value=p[prm.name], lo=prm.lo, hi=prm.hi)
        if prm.kind == "choice" and p[prm.name] not in prm.choices:
            raise TensorProblem("tensors.err.choice", param=prm.name, value=p[prm.name],
                                choices=", ".join(map(str, prm.choices)))
    return p


def _to_tensors(operands: list[Operand]) -> list:
    """PyTorch tensors, except NumPy-made operands: those stay arrays, as in the code shown."""
    return [np.array(o.values) if o.make == "numpy" else torch.tensor(o.values) for o in operands]


def _framework_text(exc: BaseException) -> str:
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(exc)).strip().splitlines()  # TF's graph node name
    return f"{type(exc).__name__}: {' '.join(text)[:400]}" if text else type(exc).__name__


def _raw_errors(op: TensorOp, p: dict, seed: int, tf: Any | None) -> dict[str, str]:
    """What the frameworks themselves say about impossible settings (for the "raw error" expander).

    Shapes that cannot even be parsed never reach the frameworks: only a clean text is shown then.
    """
    raw = {}
    shapes = {}
    for prm in op.params:
        if prm.kind == "shape":
            try:
                shapes[prm.name] = parse_shape(p[prm.name], prm.name, allow_minus_one=prm.name == "new_shape")
            except TensorProblem:
                return raw
    if op.key not in ("matmul", "elementwise", "compare", "concat", "stack", "reshape"):
        return raw
    rng = np.random.default_rng(seed)
    values = [_ints(s, rng) if s.count(-1) == 0 else None for s in shapes.values()]
    runners = {
        "matmul": (lambda a, b: torch.matmul(a.mT if p["transpose_a"] else a, b.mT if p["transpose_b"] else b),
                   lambda tf, a, b: tf.linalg.matmul(a, b, transpose_a=bool(p["transpose_a"]),
                                                     transpose_b=bool(p["transpose_b"]))),
        "elementwise": (torch.add, lambda tf, a, b: tf.add(a, b)),
        "compare": (torch.gt, lambda tf, a, b: tf.greater(a, b)),
        "concat": (lambda a, b: torch.cat([a, b], dim=int(p["axis"])),
                   lambda tf, a, b: tf.concat([a, b], axis=int(p["axis"]))),
        "stack": (lambda a, b: torch.stack([a, b], dim=int(p["axis"])),
                  lambda tf, a, b: tf.stack([a, b], axis=int(p["axis"]))),
        "reshape": (lambda a, b: a.reshape(shapes["new_shape"]), lambda tf, a, b: tf.reshape(a, shapes["new_shape"])),
    }
    torch_fn, tf_fn = runners[op.key]
    a = values[0]
    b = values[1] if len(values) > 1 and values[1] is not None else a
    try:
        torch_fn(torch.tensor(a), torch.tensor(b))
    except Exception as exc:  # noqa: BLE001 - any framework error text is what we want to show
        raw["PyTorch"] = _framework_text(exc)
    if tf is not None:
        try:
            tf_fn(tf, tf.constant(a), tf.constant(b))
        except Exception as exc:  # noqa: BLE001
            raw["TensorFlow"] = _framework_text(exc)
    return raw


def run_op(key: str, params: dict | None = None, seed: int = 0, tf: Any | None = None) -> OpRun:
    """Run op ``key`` with ``params`` (missing ones take their defaults) on seeded inputs.

    ``tf``: the TensorFlow module, or None for PyTorch only. Raises TensorProblem for impossible
    settings (with ``raw`` holding what the frameworks themselves say).
    """
    if key not in TENSOR_OPS:
        raise TensorProblem("tensors.err.unknown_op", op=key, ops=", ".join(TENSOR_OPS))
    op = TENSOR_OPS[key]
    p = _check_values(op, params or {})
    try:
        p = op.prepare(p)
    except TensorProblem as exc:
        exc.raw = _raw_errors(op, p, seed, tf)
        raise
    operands = op.operands(p, np.random.default_rng(seed))
    op.check(p, operands)
    with torch.no_grad():
        outs = op.torch(p, _to_tensors(operands))
    names = op.outputs(len(outs))
    torch_out = [Tensor(n, x.detach().numpy(), _dtype_name(x)) for n, x in zip(names, outs)]
    prelude_torch = [_operand_code(o, "torch") for o in operands]
    prelude_tf = [_operand_code(o, "tf") for o in operands]
    numpy_first = any(o.make == "numpy" for o in operands)
    torch_code = "\n".join(["import torch"] + (["import numpy as np"] if numpy_first else [])
                           + prelude_torch + [op.torch_code(p)])
    tf_code = "\n".join(["import tensorflow as tf"] + (["import numpy as np"] if numpy_first
                                                       or "np." in op.tf_code(p) else [])
                        + prelude_tf + [op.tf_code(p)])
    run = OpRun(key, p, operands, torch_out, torch_code, tf_code, same_values=op.same_values)
    if op.broadcasts:
        target = p["_out"]
        run.broadcast = [(o.name, np.broadcast_to(o.values, target).copy(), broadcast_mask(o.values.shape, target))
                         for o in operands if o.values.shape != target]
    if tf is not None:
        try:
            tf_outs = op.tf(tf, p, [o.values for o in operands])
            run.tf_out = [Tensor(n, np.asarray(x.numpy()), _dtype_name(x)) for n, x in
                          zip(op.outputs(len(tf_outs)), tf_outs)]
        except Exception as exc:  # noqa: BLE001 - shown next to the PyTorch result, never a traceback
            run.tf_error = _framework_text(exc)
    return run
