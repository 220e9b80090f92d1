"""Build real PyTorch and Keras models from one ModelSpec.

Both builders read the constructor calls that ``playground.layers.LAYERS`` gives for each layer,
so they agree with each other and with the exported code (``playground.codegen``).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from playground.builders.torch_layers import CUSTOM_MODULES
from playground.layers import IMAGE, LAYERS, TOKENS, Ctor
from playground.spec import ModelSpec, layer_inputs


@dataclass(frozen=True)
class PlanStep:
    """The constructor calls of one spec layer (``index`` is 1-based)."""

    index: int
    type: str
    name: str
    calls: tuple[Ctor, ...]


def layer_names(spec: ModelSpec) -> list[str]:
    """The child-name stem of every spec layer: conv1, pool1, dense1 ..."""
    counts: dict[str, int] = {}
    names = []
    for layer in spec.layers:
        prefix = LAYERS[layer.type].prefix
        counts[prefix] = counts.get(prefix, 0) + 1
        names.append(f"{prefix}{counts[prefix]}")
    return names


def plan(spec: ModelSpec, framework: str) -> list[PlanStep]:
    """Constructor calls per layer for ``framework`` ("torch" or "keras")."""
    steps = []
    for i, (layer, shape, name) in enumerate(zip(spec.layers, layer_inputs(spec), layer_names(spec)), start=1):
        make = getattr(LAYERS[layer.type], framework)
        steps.append(PlanStep(i, layer.type, name, tuple(make(shape, layer.params, name))))
    return steps


def _instantiate(call: Ctor, namespace: dict):
    target = namespace[call.call.split(".")[0]]
    for part in call.call.split(".")[1:]:
        target = getattr(target, part)
    args = [_instantiate(a, namespace) if isinstance(a, Ctor) else a for a in call.args]
    return target(*args, **call.kwargs)


class PlaygroundNet(nn.Sequential):
    """nn.Sequential with named children (conv1, conv1_act, pool1, dense1 ...).

    ``layer_modules[i]`` lists the child names that spec layer ``i`` (0-based) became, so hooks
    and filter views can address a spec layer.
    """

    def __init__(self, children: OrderedDict, layer_modules: list[list[str]], input_kind: str):
        super().__init__(children)
        self.layer_modules = layer_modules
        self.input_kind = input_kind


def build_torch(spec: ModelSpec) -> PlaygroundNet:
    """A ``torch.nn.Module`` for ``spec``; input ``(B, *spec.input_shape)``.

    >>> build_torch(ModelSpec.from_dict({"input_shape": [4], "layers": [{"type": "dense", "units": 2}]}))
    PlaygroundNet(...)
    """
    namespace = {"nn": nn, "torch": torch, **CUSTOM_MODULES}
    children: OrderedDict = OrderedDict()
    layer_modules = []
    for step in plan(spec, "torch"):
        names = []
        for call in step.calls:
            children[call.name] = _instantiate(call, namespace)
            names.append(call.name)
        layer_modules.append(names)
    return PlaygroundNet(children, layer_modules, spec.input().kind)


def example_input(spec: ModelSpec, batch: int = 2, framework: str = "torch", seed: int = 0):
    """A random batch the model accepts (token ids for embeddings), in the framework's layout."""
    gen = torch.Generator().manual_seed(seed)
    shape = spec.input()
    if shape.kind == TOKENS:
        vocab = spec.layers[0].params["vocab_size"]
        x = torch.randint(0, vocab, (batch, *shape.dims), generator=gen)
    else:
        x = torch.randn((batch, *shape.dims), generator=gen)
    if framework == "keras":
        arr = x.numpy()
        return arr.transpose(0, 2, 3, 1) if shape.kind == IMAGE else arr
    return x


def keras_input_shape(spec: ModelSpec) -> tuple[int, ...]:
    """Keras takes channels-last images: (C, H, W) becomes (H, W, C)."""
    shape = spec.input()
    if shape.kind == IMAGE:
        c, h, w = shape.dims
        return (h, w, c)
    return shape.dims


def build_keras(spec: ModelSpec):
    """A ``keras.Model`` for ``spec`` with channels-last input; TensorFlow is imported here."""
    from playground.device import configure_tensorflow

    configure_tensorflow()
    import keras
    from keras import layers

    from playground.builders.keras_layers import CUSTOM_LAYERS

    namespace = {"layers": layers, "keras": keras, **CUSTOM_LAYERS}
    dtype = "int32" if spec.input().kind == TOKENS else "float32"
    stack = [keras.Input(shape=keras_input_shape(spec), dtype=dtype)]
    for step in plan(spec, "keras"):
        stack.extend(_instantiate(call, namespace) for call in step.calls)
    return keras.Sequential(stack, name="playground")
