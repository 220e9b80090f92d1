"""What a trained model gets right and wrong: predictions, confusion matrix, per-class accuracy,
misclassified examples and, for 2-D data, the decision boundary. Works for both backends."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from playground.data import Dataset
from playground.training import Task


def forward_fn(model, backend: str = "torch", batch: int = 512) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function from a (N, *input_shape) tensor (PyTorch layout) to the model's raw outputs."""
    if backend == "keras":

        def run_keras(x: torch.Tensor) -> torch.Tensor:
            arr = x.cpu().numpy()
            if arr.ndim == 4:
                arr = arr.transpose(0, 2, 3, 1)
            return torch.from_numpy(np.asarray(model.predict(arr, batch_size=batch, verbose=0)))

        return run_keras
    device = next(model.parameters(), torch.empty(0)).device

    @torch.no_grad()
    def run_torch(x: torch.Tensor) -> torch.Tensor:
        model.eval()
        return torch.cat([model(x[i:i + batch].to(device)).float().cpu() for i in range(0, len(x), batch)])

    return run_torch


@dataclass(frozen=True)
class Report:
    """Test-set results of a classifier (``confusion`` is true × predicted counts)."""

    accuracy: float
    confusion: np.ndarray
    per_class: np.ndarray  # recall per class; NaN where a class has no test sample
    predictions: np.ndarray
    probabilities: np.ndarray
    wrong: np.ndarray  # indices of misclassified test samples, most confident mistakes first


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs."""
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y_true.astype(int), y_pred.astype(int)), 1)
    return cm


def classification_report(forward: Callable, task: Task, data: Dataset, limit: int = 5000) -> Report:
    """Evaluate a classifier on up to ``limit`` test samples."""
    x, y = data.x_test[:limit], data.y_test[:limit].numpy()
    out = forward(x)
    pred = task.predict(out).numpy()
    probs = task.probabilities(out).numpy()
    cm = confusion_matrix(y, pred, task.classes)
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(totals > 0, np.diag(cm) / totals, np.nan)
    wrong = np.flatnonzero(pred != y)
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]])]
    return Report(float((pred == y).mean()), cm, per_class, pred, probs, wrong)


def decision_grid(forward: Callable, task: Task, extent: tuple[float, float, float, float], steps: int = 90):
    """Probability of class 1 (or the predicted class) over a grid covering ``extent`` = (x0, x1, y0, y1).

    Returns xs, ys and a (steps, steps) array, as TensorFlow Playground's background heatmap.
    """
    x0, x1, y0, y1 = extent
    xs, ys = np.linspace(x0, x1, steps), np.linspace(y0, y1, steps)
    gx, gy = np.meshgrid(xs, ys)
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    probs = task.probabilities(forward(pts)).numpy()
    values = probs[:, 1] if probs.shape[1] == 2 else probs.argmax(1).astype(float)
    return xs, ys, values.reshape(steps, steps)


def extent_of(x: torch.Tensor, margin: float = 0.15) -> tuple[float, float, float, float]:
    """Bounds of 2-D points with a margin."""
    lo, hi = x.min(0).values.numpy(), x.max(0).values.numpy()
    pad = (hi - lo) * margin
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])
