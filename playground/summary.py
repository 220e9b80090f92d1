"""A Keras-style ``model.summary()`` for a spec: per layer the output shape and parameters.

Totals, size and mult-adds come from ``torchinfo`` run on the real PyTorch model; the per-layer
rows group the PyTorch children that one spec layer became (conv1 + conv1_act = one row).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torchinfo import summary as torchinfo_summary

from playground.builders import build_torch, example_input, layer_names
from playground.layers import LAYERS
from playground.spec import ModelSpec, infer_shapes, layer_inputs


@dataclass(frozen=True)
class SummaryRow:
    index: int
    type: str
    name: str
    output_shape: tuple[int, ...]
    params: int
    keras_params: int


@dataclass(frozen=True)
class ModelSummary:
    rows: tuple[SummaryRow, ...]
    input_shape: tuple[int, ...]
    trainable: int
    non_trainable: int  # BatchNorm running statistics: Keras lists them, PyTorch keeps them as buffers
    keras_trainable: int
    size_mb: float
    mult_adds: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def table(self, t) -> list[dict]:
        """Keras ``model.summary()`` rows, with column names translated by ``t(key)``."""
        return [{"#": r.index, t("build.col.layer"): r.name, t("build.col.shape"): str(r.output_shape),
                 t("build.col.params"): f"{r.params:,}"} for r in self.rows]

    def flow(self, input_label: str) -> dict[str, list]:
        """The input and every layer, left to right, as ``plot_shape_flow`` takes them (keyword arguments)."""
        import math

        stages = [(input_label, self.input_shape, "input", 0)] + [
            (r.name, r.output_shape, LAYERS[r.type].family, r.params) for r in self.rows]
        return {"labels": [s[0] for s in stages], "shapes": [str(tuple(s[1])) for s in stages],
                "sizes": [math.prod(s[1]) for s in stages], "families": [s[2] for s in stages],
                "params": [s[3] for s in stages]}


def summarize(spec: ModelSpec, model: torch.nn.Module | None = None) -> ModelSummary:
    """Summarise ``spec`` (building its PyTorch model unless one is given)."""
    model = model if model is not None else build_torch(spec)
    was_training = model.training
    model.eval()
    info = torchinfo_summary(model, input_data=[example_input(spec, batch=1)], verbose=0, device="cpu")
    model.train(was_training)
    rows, shapes, inputs = [], infer_shapes(spec), layer_inputs(spec)
    non_trainable = keras_trainable = 0
    stems = layer_names(spec)
    for i, (layer, out, inp, names) in enumerate(zip(spec.layers, shapes, inputs, model.layer_modules), 1):
        kind = LAYERS[layer.type]
        params = sum(p.numel() for n in names for p in getattr(model, n).parameters() if p.requires_grad)
        keras = (kind.keras_params or kind.params)(inp, layer.params)
        non_trainable += kind.keras_nontrainable(inp, layer.params)
        keras_trainable += keras
        rows.append(SummaryRow(i, layer.type, stems[i - 1], out.dims, params, keras))
    size_mb = (info.total_param_bytes + info.total_output_bytes + info.total_input) / 2**20
    return ModelSummary(
        rows=tuple(rows),
        input_shape=spec.input_shape,
        trainable=info.trainable_params,
        non_trainable=non_trainable,
        keras_trainable=keras_trainable,
        size_mb=round(size_mb, 3),
        mult_adds=int(info.total_mult_adds),
    )
