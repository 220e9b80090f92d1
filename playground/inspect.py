"""Look inside a trained network: the output of every spec layer, captured with forward hooks.

Hooks live in one object (:class:`ActivationCapture`) and are always removed in ``finally``, as
pytorch-grad-cam does, so a failed forward pass never leaves a hook behind on a shared model.

>>> acts = capture_activations(model, spec, x)          # x: (1, C, H, W)
>>> acts[0].name, acts[0].values.shape
('conv1', (32, 26, 26))
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.builders import layer_names
from playground.spec import ModelSpec

CONV_TYPES: tuple[str, ...] = ("conv2d", "maxpool2d", "avgpool2d")


@dataclass(frozen=True)
class LayerActivation:
    """The output of one spec layer for one sample.

    ``index`` is 1-based (as a person counts layers); ``values`` is float32 ``(C, H, W)`` for an
    image output or ``(F,)`` for a vector.
    """

    index: int
    name: str
    type: str
    values: np.ndarray

    @property
    def is_image(self) -> bool:
        return self.values.ndim == 3


def _as_spec(spec: ModelSpec | dict) -> ModelSpec:
    return spec if isinstance(spec, ModelSpec) else ModelSpec.from_dict(spec)


class ActivationCapture:
    """Context manager: forward hooks on the last child module of the chosen spec layers.

    ``with ActivationCapture(model, spec, types) as cap: model(x)`` fills ``cap.outputs``
    (spec index, 0-based -> tensor of the first sample). The hooks are removed on exit, always.
    """

    def __init__(self, model: nn.Module, spec: ModelSpec | dict, types: tuple[str, ...] = CONV_TYPES):
        self.model = model
        self.spec = _as_spec(spec)
        self.types = tuple(types)
        self.outputs: dict[int, torch.Tensor] = {}
        self._handles: list = []

    def targets(self) -> list[tuple[int, str, str]]:
        """(0-based spec index, layer name, type) of every layer whose output is captured."""
        modules = getattr(self.model, "layer_modules", None)
        if modules is None or len(modules) != len(self.spec.layers):
            raise ValueError("the model does not match the spec: build it with playground.builders.build_torch(spec)")
        names = layer_names(self.spec)
        return [(i, names[i], layer.type) for i, layer in enumerate(self.spec.layers)
                if layer.type in self.types and modules[i]]

    def __enter__(self) -> ActivationCapture:
        children = dict(self.model.named_children())
        try:
            for i, _, _ in self.targets():
                last = children[self.model.layer_modules[i][-1]]  # after the layer's own activation
                self._handles.append(last.register_forward_hook(self._hook(i)))
        except BaseException:
            self.remove()
            raise
        return self

    def _hook(self, i: int):
        def hook(_module, _inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            self.outputs[i] = out[0].detach().float().cpu()  # first sample: (C, H, W) or (F,)
        return hook

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __exit__(self, *exc) -> None:
        self.remove()


def capture_activations(
    model: nn.Module, spec: ModelSpec | dict, x: torch.Tensor, types: tuple[str, ...] = CONV_TYPES,
) -> list[LayerActivation]:
    """The outputs of every spec layer of type in ``types`` for the sample batch ``x`` (1, C, H, W).

    Runs ``model.eval()`` under ``torch.no_grad()``; the output of a layer is taken after its own
    activation (``conv1_act`` for a conv2d with ReLU). Layers come in network order.
    """
    model.eval()
    device = next(model.parameters(), torch.empty(0)).device
    cap = ActivationCapture(model, spec, types)
    with cap, torch.no_grad():
        model(x.to(device))
    return [LayerActivation(i + 1, name, type_, cap.outputs[i].numpy().astype(np.float32))
            for i, name, type_ in cap.targets() if i in cap.outputs]


def activation_stats(act: LayerActivation) -> dict:
    """Summary numbers of one activation.

    Returns ``zero_share`` (share of exact zeros: units dead after a ReLU), ``dead_channels``
    (channels that are zero everywhere; 0 for vectors), ``channels``, ``mean``, ``min``, ``max``.
    """
    v = act.values
    per_channel = v.reshape(v.shape[0], -1) if v.ndim == 3 else None
    dead = int((np.abs(per_channel).max(axis=1) == 0).sum()) if per_channel is not None else 0
    return {
        "zero_share": float((v == 0).mean()) if v.size else 0.0,
        "dead_channels": dead,
        "channels": int(v.shape[0]) if v.ndim == 3 else 0,
        "mean": float(v.mean()) if v.size else 0.0,
        "min": float(v.min()) if v.size else 0.0,
        "max": float(v.max()) if v.size else 0.0,
    }
