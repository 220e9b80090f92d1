"""ModelSpec: the framework-neutral description of a network, and its validation.

The dict form is the user-facing format (URL state, JSON import and export)::

    {"input_shape": [1, 28, 28],
     "layers": [{"type": "conv2d", "filters": 32, "kernel_size": 3, "activation": "relu"},
                {"type": "flatten"},
                {"type": "dense", "units": 10, "activation": "softmax"}]}

Every impossible spec raises :class:`SpecError`, never anything else.
"""
from __future__ import annotations

import base64
import json
import math
import zlib
from dataclasses import dataclass
from typing import Any

from playground.i18n import t
from playground.layers import (
    IMAGE,
    LAYERS,
    SEQUENCE,
    TOKENS,
    VECTOR,
    LayerProblem,
    Param,
    Shape,
)

MAX_LAYERS = 40
MAX_INPUT_SIZE = 3 * 256 * 256
MAX_ACTIVATIONS = 4_000_000  # per sample and layer: keeps one forward pass within memory


def max_params() -> int:
    """Largest model a student may build (``PLAYGROUND_MAX_PARAMS``; teachers can lower it)."""
    from playground.limits import current

    return current().max_params


class SpecError(ValueError):
    """An impossible spec. ``message(lang)`` names the layer, what is wrong and what to change."""

    def __init__(self, key: str, index: int | None = None, layer_type: str | None = None, **kwargs: Any):
        self.key = key
        self.index = index  # 1-based, as a person counts layers
        self.layer_type = layer_type
        self.kwargs = kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        # Catalogue texts are str.format templates ("{{" is a literal brace): format them even
        # without placeholders, which t() skips when it gets no keyword arguments.
        text = t(self.key, lang, **self.kwargs) if self.kwargs else t(self.key, lang).format()
        if self.index is None:
            return text
        return t("spec.layer_prefix", lang, index=self.index, type=self.layer_type) + text


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its registry type and its full parameter dict (defaults filled in)."""

    type: str
    params: dict

    def to_dict(self) -> dict:
        return {"type": self.type, **self.params}


@dataclass(frozen=True)
class ModelSpec:
    """A network: the per-sample input shape (PyTorch order) and the layers."""

    input_shape: tuple[int, ...]
    layers: tuple[LayerSpec, ...]

    @classmethod
    def from_dict(cls, d: Any) -> ModelSpec:
        """Parse and validate a dict; raises SpecError on anything impossible."""
        if not isinstance(d, dict):
            raise SpecError("spec.not_a_dict")
        unknown = set(d) - {"input_shape", "layers", "name"}
        if unknown:
            raise SpecError("spec.unknown_key", keys=", ".join(sorted(map(str, unknown))))
        shape = d.get("input_shape")
        if (
            not isinstance(shape, (list, tuple))
            or not 1 <= len(shape) <= 3
            or not all(_is_int(v) and v >= 1 for v in shape)
        ):
            raise SpecError("spec.input_shape_bad", got=_short(shape))
        if math.prod(shape) > MAX_INPUT_SIZE:
            raise SpecError("spec.input_too_big", size=math.prod(shape), max=MAX_INPUT_SIZE)
        raw_layers = d.get("layers")
        if not isinstance(raw_layers, (list, tuple)):
            raise SpecError("spec.layers_not_list")
        if not raw_layers:
            raise SpecError("spec.empty")
        if len(raw_layers) > MAX_LAYERS:
            raise SpecError("spec.too_many_layers", n=len(raw_layers), max=MAX_LAYERS)
        layers = tuple(_parse_layer(i + 1, raw) for i, raw in enumerate(raw_layers))
        spec = cls(tuple(int(v) for v in shape), layers)
        infer_shapes(spec)
        return spec

    def to_dict(self) -> dict:
        return {"input_shape": list(self.input_shape), "layers": [layer.to_dict() for layer in self.layers]}

    def input(self) -> Shape:
        """The input as a Shape: ``[T]`` before an embedding is token ids."""
        dims = self.input_shape
        if len(dims) == 3:
            return Shape(IMAGE, dims)
        if len(dims) == 2:
            return Shape(SEQUENCE, dims)
        if self.layers and self.layers[0].type == "embedding":
            return Shape(TOKENS, dims)
        return Shape(VECTOR, dims)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _short(v: Any) -> str:
    text = json.dumps(v, default=str) if not isinstance(v, str) else repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(index: int, type_: str, prm: Param, value: Any) -> Any:
    err = dict(index=index, layer_type=type_, param=prm.name, got=_short(value))
    if value is None and prm.optional:
        return None
    if prm.kind == "bool":
        if not isinstance(value, bool):
            raise SpecError("spec.param_bool", **err)
        return value
    if prm.kind == "choice":
        if value not in prm.choices:
            raise SpecError("spec.param_choice", choices=", ".join(prm.choices), **err)
        return value
    if prm.kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not _is_int(value):
            raise SpecError("spec.param_int", **err)
    else:  # float
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SpecError("spec.param_float", **err)
        value = float(value)
    too_high = prm.max is not None and (value >= prm.max if prm.max_exclusive else value > prm.max)
    if (prm.min is not None and value < prm.min) or too_high:
        key = "spec.param_range_open" if prm.max_exclusive else "spec.param_range"
        raise SpecError(key, lo=prm.min, hi=prm.max, **err)
    return value


def _parse_layer(index: int, raw: Any) -> LayerSpec:
    if not isinstance(raw, dict):
        raise SpecError("spec.layer_not_dict", index=index, layer_type="?")
    type_ = raw.get("type")
    if not isinstance(type_, str) or type_ not in LAYERS:  # a list or dict here is unhashable
        raise SpecError("spec.unknown_type", index=index, layer_type=_short(type_), types=", ".join(LAYERS))
    kind = LAYERS[type_]
    names = {prm.name for prm in kind.params_spec}
    extra = sorted(str(k) for k in raw if k != "type" and k not in names)
    if extra:
        raise SpecError(
            "spec.unknown_param",
            index=index,
            layer_type=type_,
            params=", ".join(extra),
            allowed=", ".join(sorted(names)) or "-",
        )
    params = {prm.name: _coerce(index, type_, prm, raw.get(prm.name, prm.default)) for prm in kind.params_spec}
    return LayerSpec(type_, params)


def infer_shapes(spec: ModelSpec) -> list[Shape]:
    """Output shape of every layer (batch axis excluded); raises SpecError naming the first bad layer."""
    shape = spec.input()
    shapes: list[Shape] = []
    total = 0
    for i, layer in enumerate(spec.layers, start=1):
        kind = LAYERS[layer.type]
        if layer.type == "embedding" and i != 1:
            raise SpecError("shape.embedding_first", index=i, layer_type=layer.type)
        try:
            out = kind.out(shape, layer.params)
        except LayerProblem as exc:
            raise SpecError(exc.key, index=i, layer_type=layer.type, **exc.kwargs) from None
        if any(d < 1 for d in out.dims):
            raise SpecError("shape.empty_output", index=i, layer_type=layer.type, shape=str(out), before=str(shape))
        if out.size > MAX_ACTIVATIONS:
            raise SpecError("shape.too_large", index=i, layer_type=layer.type, size=out.size, max=MAX_ACTIVATIONS)
        total += kind.params(shape, layer.params)
        if total > max_params():
            raise SpecError("spec.too_many_params", index=i, layer_type=layer.type, n=total, max=max_params())
        shapes.append(out)
        shape = out
    return shapes


def layer_inputs(spec: ModelSpec) -> list[Shape]:
    """Input shape of every layer."""
    return [spec.input()] + infer_shapes(spec)[:-1]


# ---------------------------------------------------------------- URL state


def encode_spec(spec: ModelSpec) -> str:
    """Compact URL-safe text for ``?spec=``: zlib-compressed JSON in base64url."""
    raw = json.dumps(spec.to_dict(), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_spec(text: str) -> ModelSpec:
    """Inverse of :func:`encode_spec`; a damaged link raises SpecError."""
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), bufsize=1 << 16)
        data = json.loads(raw)
    except (ValueError, zlib.error) as exc:
        raise SpecError("spec.bad_link") from exc
    return ModelSpec.from_dict(data)


def loads(text: str | bytes) -> ModelSpec:
    """Parse an uploaded JSON spec; broken JSON raises SpecError."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecError("spec.bad_json", detail=str(exc)[:80]) from exc
    return ModelSpec.from_dict(data)


def check(d: Any) -> tuple[ModelSpec | None, list[Shape], SpecError | None]:
    """Validate a draft without raising: the spec (or None), the shapes known so far, the error.

    When layer ``k`` is impossible, the shapes of layers ``1..k-1`` are still returned, so an
    editor can show them while it points at the layer to change.
    """
    try:
        spec = ModelSpec.from_dict(d)
        return spec, infer_shapes(spec), None
    except SpecError as exc:
        shapes: list[Shape] = []
        if exc.index and exc.index > 1 and isinstance(d, dict):
            try:
                prefix = ModelSpec.from_dict({**d, "layers": list(d["layers"])[: exc.index - 1]})
                shapes = infer_shapes(prefix)
            except SpecError:
                shapes = []
        return None, shapes, exc
