"""A canvas drawing (RGBA, white stroke on black) as an MNIST-style 28x28 image.

MNIST was made this way (LeCun et al.): the digit's bounding box is scaled to fit 20x20 keeping its
aspect ratio (with antialiasing, so edges become gray), then pasted into 28x28 so that its centre of
mass sits at the centre. Doing the same to a drawing makes it look like what the model was trained on.
"""
from __future__ import annotations

import numpy as np
import torch

SIZE = 28  # MNIST side
BOX = 20  # the digit's bounding box is scaled to fit BOX x BOX
MIN_INK = 0.002  # fraction of canvas pixels that must be inked, below it the canvas counts as empty


def ink(rgba: np.ndarray) -> np.ndarray:
    """Stroke intensity in [0, 1] from an RGBA (or gray) canvas: max of alpha-weighted RGB.

    A white stroke on a black (or transparent) background: the ink is the brightest channel,
    multiplied by alpha when there is an alpha channel.
    """
    a = np.asarray(rgba, dtype=np.float32)
    if a.ndim == 2:
        return a / 255.0
    rgb = a[..., :3].max(axis=-1) / 255.0  # (H, W)
    if a.shape[-1] == 4:
        rgb = rgb * (a[..., 3] / 255.0)
    return rgb


def preprocess(rgba: np.ndarray | None) -> np.ndarray | None:
    """Canvas RGBA ``(H, W, 4)`` uint8 -> ``(28, 28)`` float32 in [0, 1], or None for an empty canvas.

    Steps: grayscale ink, crop to the bounding box, resize to fit 20x20 (aspect kept, antialiased),
    paste in 28x28 with the centre of mass at (14, 14).

    >>> preprocess(np.zeros((280, 280, 4), np.uint8)) is None
    True
    """
    from PIL import Image
    from scipy import ndimage

    if rgba is None:
        return None
    g = ink(rgba)  # (H, W) in [0, 1]
    mask = g > 0.1
    if mask.sum() < max(MIN_INK * g.size, 4):
        return None
    rows, cols = np.nonzero(mask)
    crop = g[rows.min():rows.max() + 1, cols.min():cols.max() + 1]  # (h, w)
    h, w = crop.shape
    scale = BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS)
    small = np.asarray(small, dtype=np.float32) / 255.0  # (nh, nw)
    out = np.zeros((SIZE, SIZE), np.float32)
    top, left = (SIZE - nh) // 2, (SIZE - nw) // 2
    out[top:top + nh, left:left + nw] = small
    cy, cx = ndimage.center_of_mass(out)
    out = ndimage.shift(out, (SIZE / 2 - 0.5 - cy, SIZE / 2 - 0.5 - cx), order=1, mode="constant")
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def to_input(img: np.ndarray) -> torch.Tensor:
    """A ``(28, 28)`` image in [0, 1] as the model's input ``(1, 1, 28, 28)`` float32.

    The training data is MNIST in [0, 1] with no mean/std normalisation, so values stay in [0, 1].
    """
    return torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32)).reshape(1, 1, SIZE, SIZE)


def to_canvas(img: np.ndarray, size: int = 280, offset: tuple[int, int] = (0, 0), scale: float = 1.0) -> np.ndarray:
    """An image in [0, 1] drawn on a black ``size x size`` RGBA canvas (white stroke), for tests and benchmarks.

    ``scale`` multiplies the digit's size on the canvas and ``offset`` (dy, dx) moves it, in pixels.
    """
    from PIL import Image

    side = max(1, round(size * scale))
    big = np.asarray(Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).resize((side, side), Image.BILINEAR))
    canvas = np.zeros((size, size), np.uint8)
    top, left = (size - side) // 2 + offset[0], (size - side) // 2 + offset[1]
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + side, size), min(left + side, size)
    canvas[y0:y1, x0:x1] = big[y0 - top:y1 - top, x0 - left:x1 - left]
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = canvas[..., None]
    rgba[..., 3] = 255
    return rgba


# ---------------------------------------------------------------- the shipped model

DEFAULT_WEIGHTS = "assets/models/digits_cnn.safetensors"


def load_default_model(path: str | None = None):
    """The shipped digit model: ``(model in eval mode, spec, meta dict from the .json beside it)``."""
    import json
    from pathlib import Path

    from playground.builders import build_torch
    from playground.weights import load_weights, read_spec

    file = Path(path) if path else Path(__file__).resolve().parents[1] / DEFAULT_WEIGHTS
    data = file.read_bytes()
    spec = read_spec(data)
    model = load_weights(build_torch(spec), data).eval()
    meta_file = file.with_suffix(".json")
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    return model, spec, meta


def ends_in_softmax(spec) -> bool:
    """True when the spec's last layer already outputs probabilities."""
    last = spec.layers[-1]
    if last.type == "softmax":
        return True
    return last.type in ("dense", "activation") and last.params.get("activation") == "softmax"


def is_digit_model(spec) -> bool:
    """A model the Draw page can use: input (1, 28, 28) and 10 outputs."""
    from playground.spec import infer_shapes

    try:
        return tuple(spec.input_shape) == (1, 28, 28) and tuple(infer_shapes(spec)[-1].dims) == (10,)
    except Exception:  # noqa: BLE001 - an invalid spec is simply not usable here
        return False


def predict_probs(model: torch.nn.Module, spec, x: torch.Tensor) -> np.ndarray:
    """Class probabilities ``(10,)`` for one input ``(1, 1, 28, 28)``; softmax applied unless the model has it."""
    param = next(model.parameters(), torch.empty(0))
    was = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = model(x.to(param.device, torch.float32)).float()[0]  # (10,)
    finally:
        model.train(was)
    probs = out if ends_in_softmax(spec) else torch.softmax(out, dim=-1)
    return probs.cpu().numpy().astype(np.float64)
