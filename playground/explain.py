"""Why did the model answer that? Attributions over the 28x28 input with Captum.

One verb, as in Captum: ``explain(model, x, target, method)``. Captum is imported inside the
functions, so pages that do not explain anything never load it.

Every method returns a ``(28, 28)`` float array, finite, normalised by its largest absolute value:
saliency and Grad-CAM are in [0, 1] (magnitudes, Grad-CAM after its ReLU); integrated gradients
and occlusion keep their sign and are in [-1, 1] (positive: pushes towards ``target``).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

METHODS: tuple[str, ...] = ("saliency", "integrated_gradients", "occlusion", "grad_cam")
SIGNED: dict[str, bool] = {"saliency": False, "integrated_gradients": True, "occlusion": True, "grad_cam": False}


class ExplainError(ValueError):
    """A method that cannot run on this model; ``message(lang)`` says why in the reader's language."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


def last_conv(model: nn.Module) -> nn.Module | None:
    """The last ``nn.Conv2d`` of the model (for Grad-CAM), or None when it has none.

    Uses ``model.layer_modules`` (spec layer -> child names) when the model is a PlaygroundNet.
    """
    names = [n for group in getattr(model, "layer_modules", []) for n in group]
    children = dict(model.named_children())
    convs = [children[n] for n in names if isinstance(children.get(n), nn.Conv2d)]
    if not convs:
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    return convs[-1] if convs else None


def _normalise(a: np.ndarray) -> np.ndarray:
    a = np.nan_to_num(a.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    m = float(np.abs(a).max())
    return a / m if m > 0 else a


def explain(model: nn.Module, x: torch.Tensor, target: int, method: str = "saliency") -> np.ndarray:
    """Attribution of class ``target`` over the input ``x`` ``(1, 1, 28, 28)``: a ``(28, 28)`` array.

    ``method``: saliency, integrated_gradients, occlusion (6x6 window, stride 2) or grad_cam (on
    the last conv layer, upsampled to the input size). The model output is attributed as it is
    (logits, or probabilities when the last layer is a softmax). Raises ``ExplainError`` for
    grad_cam on a model without a conv layer, or for an unknown method.

    >>> explain(model, x, target=7, method="saliency").shape
    (28, 28)
    """
    if method not in METHODS:
        raise ExplainError("explain.unknown", method=method)
    param = next(model.parameters(), torch.empty(0))
    x = x.detach().to(param.device, torch.float32).contiguous()  # (1, C, H, W)
    was_training = model.training
    model.eval()
    try:
        a = _attribute(model, x, int(target), method)  # (1, C, H, W) or (1, 1, h, w)
    finally:
        model.train(was_training)
    a = a.detach().float().cpu()
    if a.shape[-2:] != x.shape[-2:]:
        a = torch.nn.functional.interpolate(a, size=x.shape[-2:], mode="bilinear", align_corners=False)
    a = a.sum(dim=1)[0]  # (H, W)
    if method == "saliency":
        a = a.abs()
    return _normalise(a.numpy())


def _attribute(model: nn.Module, x: torch.Tensor, target: int, method: str) -> torch.Tensor:
    if method == "saliency":
        from captum.attr import Saliency

        return Saliency(model).attribute(x.requires_grad_(True), target=target, abs=True)
    if method == "integrated_gradients":
        from captum.attr import IntegratedGradients

        return IntegratedGradients(model).attribute(x, baselines=torch.zeros_like(x), target=target, n_steps=32)
    if method == "occlusion":
        from captum.attr import Occlusion

        c = x.shape[1]
        return Occlusion(model).attribute(x, target=target, sliding_window_shapes=(c, 6, 6), strides=(c, 2, 2),
                                          baselines=0.0, perturbations_per_eval=64)
    # grad_cam
    from captum.attr import LayerAttribution, LayerGradCam

    layer = last_conv(model)
    if layer is None:
        raise ExplainError("explain.no_conv")
    cam = LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)  # (1, 1, h, w)
    return LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear")
