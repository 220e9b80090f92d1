"""Save and load trained weights as safetensors (never pickle), and export Keras models.

The spec travels in the file's metadata, so a file can rebuild the network it came from.
"""
from __future__ import annotations

import json
import os
import tempfile

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from playground.i18n import t
from playground.spec import ModelSpec, SpecError

MAX_BYTES = 100 * 2**20


class WeightsError(ValueError):
    """A weights file that cannot be used; ``message(lang)`` says what to do."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.kwargs)


def save_weights(model: torch.nn.Module, spec: ModelSpec) -> bytes:
    """The model's state (parameters and BatchNorm statistics) as safetensors bytes, spec in metadata.

    The same weights always give the same bytes (see ``_sorted_header``).
    """
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    return _sorted_header(st_save(state, metadata={"spec": json.dumps(spec.to_dict()), "format": "pt"}))


def _sorted_header(data: bytes) -> bytes:
    """The same safetensors file with its JSON header's keys sorted.

    safetensors writes the metadata in hash-map order, which changes from run to run; the tensor bytes
    and their offsets do not depend on that order, so sorting the header makes the file byte-stable.
    """
    n = int.from_bytes(data[:8], "little")
    header = json.dumps(json.loads(data[8:8 + n]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)  # the format pads its header with spaces to 8-byte alignment
    return len(header).to_bytes(8, "little") + header + data[8 + n:]


def read_spec(data: bytes) -> ModelSpec | None:
    """The spec stored in a weights file, or None when absent."""
    try:
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + n])
        raw = header.get("__metadata__", {}).get("spec")
        return ModelSpec.from_dict(json.loads(raw)) if raw else None
    except (ValueError, SpecError, AttributeError):
        return None


def load_weights(model: torch.nn.Module, data: bytes, max_bytes: int = MAX_BYTES) -> torch.nn.Module:
    """Load safetensors ``data`` into ``model`` in place; the model is untouched on any error."""
    if len(data) > max_bytes:
        raise WeightsError("weights.too_big", size=round(len(data) / 2**20, 1), max=max_bytes // 2**20)
    try:
        state = st_load(data)
    except (SafetensorError, ValueError, OSError) as exc:
        raise WeightsError("weights.broken", detail=str(exc)[:80]) from None
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        detail = ", ".join([f"-{k}" for k in missing[:3]] + [f"+{k}" for k in extra[:3]])
        raise WeightsError("weights.mismatch", detail=detail)
    wrong = [f"{k} {tuple(state[k].shape)}≠{tuple(v.shape)}" for k, v in own.items() if state[k].shape != v.shape]
    if wrong:
        raise WeightsError("weights.mismatch", detail="; ".join(wrong[:3]))
    device = next(model.parameters(), torch.empty(0)).device
    model.load_state_dict({k: v.to(device) for k, v in state.items()})
    return model


def keras_model_bytes(model) -> bytes:
    """A trained Keras model as the bytes of a ``.keras`` file."""
    fd, path = tempfile.mkstemp(suffix=".keras")
    os.close(fd)
    try:
        model.save(path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.remove(path)
