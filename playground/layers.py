"""LAYERS: the one registry of layer kinds.

Each entry says which parameters a layer takes (with defaults and ranges, read by the widgets
and the validator), which input shapes it accepts, the output shape, the parameter count in
PyTorch and in Keras, and the constructor calls that build it in each framework. The builders
instantiate those calls and the code generator prints them, so a model and its exported code
can never disagree.

Shapes exclude the batch axis and are in PyTorch order: image ``(C, H, W)``, vector ``(F,)``,
sequence ``(T, F)``, tokens ``(T,)`` (integer ids, only before an ``embedding``).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

IMAGE, VECTOR, SEQUENCE, TOKENS = "image", "vector", "sequence", "tokens"


@dataclass(frozen=True)
class Shape:
    """A per-sample tensor shape and what it means."""

    kind: str
    dims: tuple[int, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(str(d) for d in self.dims) + ")"

    @property
    def size(self) -> int:
        return math.prod(self.dims)


class LayerProblem(Exception):
    """Raised by a shape rule; the spec layer turns it into a SpecError naming the layer."""

    def __init__(self, key: str, **kwargs: Any) -> None:
        super().__init__(key)
        self.key = key
        self.kwargs = kwargs


@dataclass(frozen=True)
class Param:
    """One layer parameter: ``kind`` is int, float, bool or choice."""

    name: str
    kind: str
    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    max_exclusive: bool = False
    optional: bool = False  # None allowed (e.g. pool stride: None means "same as pool_size")


@dataclass(frozen=True)
class Ctor:
    """A constructor call: ``call`` is a dotted name such as ``nn.Conv2d`` or ``layers.Dense``."""

    name: str
    call: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def code(self) -> str:
        parts = [a.code() if isinstance(a, Ctor) else repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.call}({', '.join(parts)})"


@dataclass(frozen=True)
class Activation:
    """An activation: its PyTorch module and its Keras name."""

    torch_call: str | None
    torch_args: tuple = ()
    keras_name: str | None = None


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("nn.ReLU", (), "relu"),
    # Keras' "leaky_relu" uses a slope of 0.2; PyTorch gets the same slope so both agree.
    "leaky_relu": Activation("nn.LeakyReLU", (0.2,), "leaky_relu"),
    "elu": Activation("nn.ELU", (), "elu"),
    "selu": Activation("nn.SELU", (), "selu"),
    "gelu": Activation("nn.GELU", (), "gelu"),
    "silu": Activation("nn.SiLU", (), "silu"),
    "sigmoid": Activation("nn.Sigmoid", (), "sigmoid"),
    "tanh": Activation("nn.Tanh", (), "tanh"),
    "softmax": Activation("nn.Softmax", (), "softmax"),
    "linear": Activation(None, (), None),
}
ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)


def activation_ctor(name: str, act: str, shape: Shape) -> list[Ctor]:
    """The PyTorch module applying ``act`` to a tensor of ``shape`` (softmax over channels/features)."""
    spec = ACTIVATIONS[act]
    if spec.torch_call is None:
        return []
    if act == "softmax":
        return [Ctor(name, "nn.Softmax", (), {"dim": 1 if shape.kind == IMAGE else -1})]
    return [Ctor(name, spec.torch_call, spec.torch_args)]


def _act_param(default: str = "linear") -> Param:
    return Param("activation", "choice", default, choices=ACTIVATION_NAMES)


def _keras_act(p: dict) -> dict:
    name = ACTIVATIONS[p["activation"]].keras_name
    return {"activation": name} if name else {}


@dataclass(frozen=True)
class LayerKind:
    """One registry entry.

    ``out(shape, p)`` returns the output Shape or raises LayerProblem.
    ``params(shape, p)`` is the PyTorch trainable count; ``keras_params`` the Keras one when they
    differ; ``keras_nontrainable`` counts what Keras lists as non-trainable (BatchNorm statistics).
    ``torch(shape, p, name)`` / ``keras(shape, p, name)`` return constructor calls.
    """

    type: str
    family: str
    prefix: str
    params_spec: tuple[Param, ...]
    accepts: tuple[str, ...]
    out: Callable[[Shape, dict], Shape]
    params: Callable[[Shape, dict], int]
    torch: Callable[[Shape, dict, str], list[Ctor]]
    keras: Callable[[Shape, dict, str], list[Ctor]]
    keras_params: Callable[[Shape, dict], int] | None = None
    keras_nontrainable: Callable[[Shape, dict], int] = lambda s, p: 0

    def defaults(self) -> dict:
        return {prm.name: prm.default for prm in self.params_spec}


# ---------------------------------------------------------------- shape helpers


def _conv_len(n: int, k: int, s: int, padding: str) -> int:
    if padding == "same":
        return -(-n // s)  # ceil(n / s), as Keras and TensorFlow define "same"
    return (n - k) // s + 1


def _same_pad(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's "same" padding: the extra pixel, if any, goes after (bottom/right)."""
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _need(shape: Shape, kinds: tuple[str, ...], layer: str) -> None:
    if shape.kind not in kinds:
        key = {
            IMAGE: "shape.needs_image",
            SEQUENCE: "shape.needs_sequence",
            VECTOR: "shape.needs_vector",
            TOKENS: "shape.needs_tokens",
        }[kinds[0]]
        raise LayerProblem(key, got=shape.kind, shape=str(shape), layer=layer)


# ---------------------------------------------------------------- dense


def _dense_out(s: Shape, p: dict) -> Shape:
    if s.kind == IMAGE:
        raise LayerProblem("shape.dense_on_image", shape=str(s))
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    return Shape(s.kind, s.dims[:-1] + (p["units"],))


def _dense_torch(s: Shape, p: dict, n: str) -> list[Ctor]:
    out = _dense_out(s, p)
    return [Ctor(n, "nn.Linear", (s.dims[-1], p["units"]))] + activation_ctor(
        f"{n}_act", p["activation"], out
    )


# ---------------------------------------------------------------- conv / pool


def _conv_out(s: Shape, p: dict) -> Shape:
    _need(s, (IMAGE,), "conv2d")
    c, h, w = s.dims
    k, st = p["kernel_size"], p["stride"]
    if p["padding"] == "valid" and (k > h or k > w):
        raise LayerProblem("shape.kernel_too_big", k=k, h=h, w=w)
    return Shape(IMAGE, (p["filters"], _conv_len(h, k, st, p["padding"]), _conv_len(w, k, st, p["padding"])))


def _conv_torch(s: Shape, p: dict, n: str) -> list[Ctor]:
    c, h, w = s.dims
    k, st = p["kernel_size"], p["stride"]
    out = _conv_out(s, p)
    calls: list[Ctor] = []
    if p["padding"] == "same" and st == 1:
        pad: Any = "same"
    elif p["padding"] == "same":
        # PyTorch's padding="same" refuses stride > 1: pad explicitly, as TensorFlow does.
        top, bottom = _same_pad(h, k, st)
        left, right = _same_pad(w, k, st)
        if top or bottom or left or right:
            calls.append(Ctor(f"{n}_pad", "nn.ZeroPad2d", ((left, right, top, bottom),)))
        pad = 0
    else:
        pad = 0
    calls.append(Ctor(n, "nn.Conv2d", (c, p["filters"]), {"kernel_size": k, "stride": st, "padding": pad}))
    return calls + activation_ctor(f"{n}_act", p["activation"], out)


def _pool_stride(p: dict) -> int:
    return p["stride"] or p["pool_size"]


def _pool_out(s: Shape, p: dict) -> Shape:
    _need(s, (IMAGE,), "pool")
    c, h, w = s.dims
    k = p["pool_size"]
    if k > h or k > w:
        raise LayerProblem("shape.pool_too_big", k=k, h=h, w=w)
    st = _pool_stride(p)
    return Shape(IMAGE, (c, (h - k) // st + 1, (w - k) // st + 1))


def _pool_kind(type_: str, prefix: str, torch_call: str, keras_call: str) -> LayerKind:
    return LayerKind(
        type=type_,
        family="pool",
        prefix=prefix,
        params_spec=(Param("pool_size", "int", 2, 1, 8), Param("stride", "int", None, 1, 8, optional=True)),
        accepts=(IMAGE,),
        out=_pool_out,
        params=lambda s, p: 0,
        torch=lambda s, p, n: [Ctor(n, torch_call, (p["pool_size"],), {"stride": _pool_stride(p)})],
        keras=lambda s, p, n: [
            Ctor(n, keras_call, (p["pool_size"],), {"strides": _pool_stride(p), "name": n})
        ],
    )


# ---------------------------------------------------------------- recurrent


_GATES = {"simplernn": 1, "lstm": 4, "gru": 3}
_TORCH_RNN = {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}
_KERAS_RNN = {"simplernn": "layers.SimpleRNN", "lstm": "layers.LSTM", "gru": "layers.GRU"}


def _rnn_out(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    _need(s, (SEQUENCE,), "rnn")
    width = p["units"] * (2 if p["bidirectional"] else 1)
    return Shape(SEQUENCE, (s.dims[0], width)) if p["return_sequences"] else Shape(VECTOR, (width,))


def _rnn_count(kind: str, s: Shape, p: dict, biases: int) -> int:
    g, h = _GATES[kind], p["units"]
    dirs = 2 if p["bidirectional"] else 1
    total, inp = 0, s.dims[-1]
    for _ in range(p["num_layers"]):
        total += dirs * g * (h * inp + h * h + biases * h)
        inp = h * dirs
    return total


def _rnn_kind(kind: str, prefix: str) -> LayerKind:
    def torch_calls(s: Shape, p: dict, n: str) -> list[Ctor]:
        _rnn_out(s, p)
        return [
            Ctor(
                n,
                "Recurrent",
                (_TORCH_RNN[kind], s.dims[-1], p["units"]),
                {
                    "num_layers": p["num_layers"],
                    "bidirectional": p["bidirectional"],
                    # PyTorch applies this dropout between stacked layers only.
                    "dropout": p["dropout"] if p["num_layers"] > 1 else 0.0,
                    "return_sequences": p["return_sequences"],
                },
            )
        ]

    def keras_calls(s: Shape, p: dict, n: str) -> list[Ctor]:
        _rnn_out(s, p)
        calls: list[Ctor] = []
        for i in range(p["num_layers"]):
            last = i == p["num_layers"] - 1
            name = n if p["num_layers"] == 1 else f"{n}_{i + 1}"
            seq = p["return_sequences"] or not last
            cell = Ctor("", _KERAS_RNN[kind], (p["units"],), {"return_sequences": seq})
            if p["bidirectional"]:
                calls.append(Ctor(name, "layers.Bidirectional", (cell,), {"name": name}))
            else:
                calls.append(Ctor(name, _KERAS_RNN[kind], (p["units"],), {"return_sequences": seq, "name": name}))
            if not last and p["dropout"] > 0:
                calls.append(Ctor(f"{name}_drop", "layers.Dropout", (p["dropout"],), {"name": f"{name}_drop"}))
        return calls

    # Keras GRU (reset_after=True, its default) keeps two bias vectors like PyTorch;
    # Keras SimpleRNN and LSTM keep one where PyTorch keeps two (b_ih and b_hh).
    keras_biases = 2 if kind == "gru" else 1
    return LayerKind(
        type=kind,
        family="recurrent",
        prefix=prefix,
        params_spec=(
            Param("units", "int", 32, 1, 1024),
            Param("num_layers", "int", 1, 1, 4),
            Param("bidirectional", "bool", False),
            Param("dropout", "float", 0.0, 0.0, 1.0, max_exclusive=True),
            Param("return_sequences", "bool", False),
        ),
        accepts=(SEQUENCE,),
        out=_rnn_out,
        params=lambda s, p: _rnn_count(kind, s, p, 2),
        keras_params=lambda s, p: _rnn_count(kind, s, p, keras_biases),
        torch=torch_calls,
        keras=keras_calls,
    )


# ---------------------------------------------------------------- attention / transformer


def _attn_out(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    _need(s, (SEQUENCE,), "attention")
    return s


def _attn_params(s: Shape, p: dict) -> int:
    f, hd = s.dims[-1], p["heads"] * p["key_dim"]
    return 3 * (f * hd + hd) + hd * f + f


def _encoder_out(s: Shape, p: dict) -> Shape:
    _attn_out(s, p)
    if s.dims[-1] % p["heads"]:
        raise LayerProblem("shape.heads_divide", f=s.dims[-1], heads=p["heads"])
    return s


def _encoder_params(s: Shape, p: dict) -> int:
    f, ff = s.dims[-1], p["ff_dim"]
    return 4 * (f * f + f) + 4 * f + (f * ff + ff) + (ff * f + f)


def _posenc_out(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    _need(s, (SEQUENCE,), "positional_encoding")
    return s


# ---------------------------------------------------------------- normalisation


def _norm_out(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    return s


def _features(s: Shape) -> int:
    """The axis that BatchNorm and LayerNorm normalise: channels for images, else the last axis."""
    return s.dims[0] if s.kind == IMAGE else s.dims[-1]


def _bn_torch(s: Shape, p: dict, n: str) -> list[Ctor]:
    if s.kind == IMAGE:
        return [Ctor(n, "nn.BatchNorm2d", (s.dims[0],))]
    if s.kind == SEQUENCE:
        return [Ctor(n, "SequenceBatchNorm", (s.dims[-1],))]
    return [Ctor(n, "nn.BatchNorm1d", (s.dims[-1],))]


def _ln_torch(s: Shape, p: dict, n: str) -> list[Ctor]:
    if s.kind == IMAGE:
        return [Ctor(n, "ChannelLayerNorm", (s.dims[0],))]
    return [Ctor(n, "nn.LayerNorm", (s.dims[-1],))]


# ---------------------------------------------------------------- misc


def _flatten_out(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    return Shape(VECTOR, (s.size,))


def _gap2d_out(s: Shape, p: dict) -> Shape:
    _need(s, (IMAGE,), "globalavgpool2d")
    return Shape(VECTOR, (s.dims[0],))


def _gap1d_out(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    _need(s, (SEQUENCE,), "globalavgpool1d")
    return Shape(VECTOR, (s.dims[-1],))


def _embedding_out(s: Shape, p: dict) -> Shape:
    _need(s, (TOKENS,), "embedding")
    return Shape(SEQUENCE, (s.dims[0], p["dim"]))


def _same(s: Shape, p: dict) -> Shape:
    if s.kind == TOKENS:
        raise LayerProblem("shape.tokens_need_embedding", shape=str(s))
    return s


_RATE = Param("rate", "float", 0.5, 0.0, 1.0, max_exclusive=True)

_KINDS: list[LayerKind] = [
    LayerKind(
        type="dense",
        family="core",
        prefix="dense",
        params_spec=(Param("units", "int", 64, 1, 4096), _act_param("relu")),
        accepts=(VECTOR, SEQUENCE),
        out=_dense_out,
        params=lambda s, p: s.dims[-1] * p["units"] + p["units"],
        torch=_dense_torch,
        keras=lambda s, p, n: [Ctor(n, "layers.Dense", (p["units"],), {**_keras_act(p), "name": n})],
    ),
    LayerKind(
        type="conv2d",
        family="conv",
        prefix="conv",
        params_spec=(
            Param("filters", "int", 16, 1, 512),
            Param("kernel_size", "int", 3, 1, 11),
            Param("stride", "int", 1, 1, 4),
            Param("padding", "choice", "valid", choices=("valid", "same")),
            _act_param("relu"),
        ),
        accepts=(IMAGE,),
        out=_conv_out,
        params=lambda s, p: s.dims[0] * p["filters"] * p["kernel_size"] ** 2 + p["filters"],
        torch=_conv_torch,
        keras=lambda s, p, n: [
            Ctor(
                n,
                "layers.Conv2D",
                (p["filters"], p["kernel_size"]),
                {"strides": p["stride"], "padding": p["padding"], **_keras_act(p), "name": n},
            )
        ],
    ),
    _pool_kind("maxpool2d", "pool", "nn.MaxPool2d", "layers.MaxPooling2D"),
    _pool_kind("avgpool2d", "avgpool", "nn.AvgPool2d", "layers.AveragePooling2D"),
    LayerKind(
        type="globalavgpool2d",
        family="pool",
        prefix="gap",
        params_spec=(),
        accepts=(IMAGE,),
        out=_gap2d_out,
        params=lambda s, p: 0,
        torch=lambda s, p, n: [Ctor(n, "nn.AdaptiveAvgPool2d", (1,)), Ctor(f"{n}_flat", "nn.Flatten", ())],
        keras=lambda s, p, n: [Ctor(n, "layers.GlobalAveragePooling2D", (), {"name": n})],
    ),
    LayerKind(
        type="flatten",
        family="reshape",
        prefix="flatten",
        params_spec=(),
        accepts=(IMAGE, SEQUENCE, VECTOR),
        out=_flatten_out,
        params=lambda s, p: 0,
        torch=lambda s, p, n: [Ctor(n, "nn.Flatten", ())],
        keras=lambda s, p, n: [Ctor(n, "layers.Flatten", (), {"name": n})],
    ),
    LayerKind(
        type="dropout",
        family="regularization",
        prefix="dropout",
        params_spec=(_RATE,),
        accepts=(IMAGE, VECTOR, SEQUENCE),
        out=_same,
        params=lambda s, p: 0,
        torch=lambda s, p, n: [Ctor(n, "nn.Dropout", (p["rate"],))],
        keras=lambda s, p, n: [Ctor(n, "layers.Dropout", (p["rate"],), {"name": n})],
    ),
    LayerKind(
        type="batchnorm",
        family="normalization",
        prefix="bn",
        params_spec=(),
        accepts=(IMAGE, VECTOR, SEQUENCE),
        out=_norm_out,
        params=lambda s, p: 2 * _features(s),
        keras_nontrainable=lambda s, p: 2 * _features(s),
        torch=_bn_torch,
        # PyTorch's defaults (eps 1e-5, running stats updated with 0.1 = Keras momentum 0.9), so both agree.
        keras=lambda s, p, n: [Ctor(n, "layers.BatchNormalization", (), {"epsilon": 1e-5, "momentum": 0.9, "name": n})],
    ),
    LayerKind(
        type="layernorm",
        family="normalization",
        prefix="ln",
        params_spec=(),
        accepts=(IMAGE, VECTOR, SEQUENCE),
        out=_norm_out,
        params=lambda s, p: 2 * _features(s),
        torch=_ln_torch,
        keras=lambda s, p, n: [Ctor(n, "layers.LayerNormalization", (), {"epsilon": 1e-5, "name": n})],
    ),
    LayerKind(
        type="activation",
        family="activation",
        prefix="act",
        params_spec=(_act_param("relu"),),
        accepts=(IMAGE, VECTOR, SEQUENCE),
        out=_same,
        params=lambda s, p: 0,
        torch=lambda s, p, n: activation_ctor(n, p["activation"], s) or [Ctor(n, "nn.Identity", ())],
        keras=lambda s, p, n: [
            Ctor(n, "layers.Activation", (ACTIVATIONS[p["activation"]].keras_name or "linear",), {"name": n})
        ],
    ),
    LayerKind(
        type="embedding",
        family="embedding",
        prefix="embed",
        params_spec=(Param("vocab_size", "int", 1000, 2, 100000), Param("dim", "int", 32, 1, 1024)),
        accepts=(TOKENS,),
        out=_embedding_out,
        params=lambda s, p: p["vocab_size"] * p["dim"],
        torch=lambda s, p, n: [Ctor(n, "nn.Embedding", (p["vocab_size"], p["dim"]))],
        keras=lambda s, p, n: [Ctor(n, "layers.Embedding", (p["vocab_size"], p["dim"]), {"name": n})],
    ),
    _rnn_kind("simplernn", "rnn"),
    _rnn_kind("lstm", "lstm"),
    _rnn_kind("gru", "gru"),
    LayerKind(
        type="attention",
        family="attention",
        prefix="attn",
        params_spec=(
            Param("heads", "int", 2, 1, 16),
            Param("key_dim", "int", 16, 1, 256),
            Param("causal", "bool", False),
        ),
        accepts=(SEQUENCE,),
        out=_attn_out,
        params=_attn_params,
        torch=lambda s, p, n: [
            Ctor(n, "SelfAttention", (s.dims[-1], p["heads"], p["key_dim"]), {"causal": p["causal"]})
        ],
        keras=lambda s, p, n: [
            Ctor(n, "SelfAttention", (p["heads"], p["key_dim"]), {"causal": p["causal"], "name": n})
        ],
    ),
    LayerKind(
        type="positional_encoding",
        family="attention",
        prefix="posenc",
        params_spec=(Param("kind", "choice", "sinusoidal", choices=("sinusoidal", "learned")),),
        accepts=(SEQUENCE,),
        out=_posenc_out,
        params=lambda s, p: s.dims[0] * s.dims[1] if p["kind"] == "learned" else 0,
        torch=lambda s, p, n: [Ctor(n, "PositionalEncoding", (s.dims[0], s.dims[1]), {"kind": p["kind"]})],
        keras=lambda s, p, n: [
            Ctor(n, "PositionalEncoding", (s.dims[0], s.dims[1]), {"kind": p["kind"], "name": n})
        ],
    ),
    LayerKind(
        type="transformer_encoder",
        family="attention",
        prefix="encoder",
        params_spec=(
            Param("heads", "int", 2, 1, 16),
            Param("ff_dim", "int", 64, 1, 4096),
            Param("dropout", "float", 0.1, 0.0, 1.0, max_exclusive=True),
        ),
        accepts=(SEQUENCE,),
        out=_encoder_out,
        params=_encoder_params,
        torch=lambda s, p, n: [
            Ctor(n, "EncoderBlock", (s.dims[-1], p["heads"], p["ff_dim"]), {"dropout": p["dropout"]})
        ],
        keras=lambda s, p, n: [
            Ctor(n, "TransformerEncoder", (p["heads"], p["ff_dim"]), {"dropout": p["dropout"], "name": n})
        ],
    ),
    LayerKind(
        type="globalavgpool1d",
        family="pool",
        prefix="gap",
        params_spec=(),
        accepts=(SEQUENCE,),
        out=_gap1d_out,
        params=lambda s, p: 0,
        torch=lambda s, p, n: [Ctor(n, "GlobalAvgPool1d", ())],
        keras=lambda s, p, n: [Ctor(n, "layers.GlobalAveragePooling1D", (), {"name": n})],
    ),
]

LAYERS: dict[str, LayerKind] = {k.type: k for k in _KINDS}
LAYER_TYPES: tuple[str, ...] = tuple(LAYERS)
