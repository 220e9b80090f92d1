"""The shipped digit model meets its stated target on the 1,000 offline MNIST test digits."""
from __future__ import annotations

import torch

from playground.data import load_dataset
from playground.digits import load_default_model

TARGET = 0.97


def test_shipped_model_accuracy_on_offline_test_digits():
    data = load_dataset("mnist", offline=True)
    model, _, _ = load_default_model()
    assert len(data.x_test) == 1000
    with torch.inference_mode():
        pred = model(data.x_test).argmax(dim=1)  # (1000,)
    acc = float((pred == data.y_test).float().mean())
    assert acc >= TARGET, acc
