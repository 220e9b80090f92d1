"""What the /activations page computes that is not drawing: widget options, typed logits, the network record
and the folding of a training job's events into it.

``pages/activations.py`` and ``pages/_activation_widgets.py`` keep every Streamlit call; this module has none.
The network record (``net``) is the dict the page keeps under ``activations.net``:

- ``key``: :func:`net_key` of the settings it was made with, ``cfg``: those settings (see :func:`train_settings`);
- ``spec`` and ``model``: the MLP (``build_mlp``), replaced by the trained one when a run ends;
- ``history``: one ``(epoch, train loss, validation accuracy)`` per finished epoch;
- ``status``: ``initial``, ``running``, or how the run ended (``finished``, ``stopped``, ``error`` ...);
- ``error``: ``None``, or an i18n key and its placeholders.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch

from playground.activations import build_mlp, evaluate, saturation_zones
from playground.evaluate import decision_grid
from playground.training import DoneEvent, EpochEvent, ErrorEvent, Task, TrainConfig

X = np.linspace(-5, 5, 801)  # the plotted range of x
TOYS = ("circle", "xor", "gaussians", "spiral")
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
ALPHA_RANGE = {"leaky_relu": (0.0, 0.5, 0.01), "elu": (0.1, 3.0, 0.1)}  # min, max, step
UNITS = (2, 3, 4, 6, 8, 12, 16)  # hidden units per layer on offer
FLAT = 0.05  # |f′| below this counts as flat in the caption's share (its text says 0.05)
CRASH_DETAIL = 160  # characters of a crashed job's error the message quotes at most
GRID_STEPS = 70  # the decision boundary's grid is GRID_STEPS × GRID_STEPS points


def parse_logits(text: str) -> np.ndarray:
    """Logits typed as numbers separated by commas or semicolons: 2 to 10 finite values, else ValueError."""
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    values = np.array([float(p) for p in parts], dtype=np.float64)  # ValueError on a word
    if not 2 <= len(values) <= 10 or not np.isfinite(values).all():
        raise ValueError(text)
    return values


def curve(name: str, alpha: float | None) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """f and f′ of activation ``name`` over :data:`X`, and the saturation zones where f′ is almost zero."""
    f, df = evaluate(name, X, alpha)
    return f, df, saturation_zones(X, df)


def flat_share(df: np.ndarray) -> float:
    """The share of the plotted x where the derivative is almost zero."""
    return float(np.mean(np.abs(df) < FLAT))


def weighted_terms(w: list[float], x: list[float]) -> str:
    """The perceptron's sum written out, ``(w1)·(x1) + (w2)·(x2) + …``."""
    return " + ".join(f"({wi:g})·({xi:g})" for wi, xi in zip(w, x))


# ---------------------------------------------------------------- train with it


def train_settings(dataset: str, noise: float, layers: int, units: int, lr: float, epochs: int, seed: int,
                   act: str, alpha: float | None) -> dict:
    """The training controls' values as the settings dict ``cfg`` the record keeps."""
    return {"dataset": dataset, "noise": float(noise), "hidden": (int(units),) * int(layers), "lr": float(lr),
            "epochs": int(epochs), "seed": int(seed), "act": act, "alpha": alpha}


def net_key(cfg: dict) -> tuple:
    """What makes a network: a change here starts from fresh initial weights."""
    return cfg["dataset"], cfg["noise"], cfg["hidden"], cfg["act"], cfg["alpha"], cfg["seed"]


def new_net(cfg: dict, status: str = "initial") -> dict:
    """A record of fresh initial weights for ``cfg``, with no history and no error.

    The model is in eval mode to be drawn, except for a record made for a run (``status="running"``).
    """
    spec, model = build_mlp(cfg["hidden"], cfg["act"], cfg["alpha"], cfg["seed"])
    return {"key": net_key(cfg), "cfg": cfg, "spec": spec, "model": model if status == "running" else model.eval(),
            "history": [], "status": status, "error": None}


def current_net(net: dict | None, cfg: dict) -> dict:
    """``net`` if it was made with these settings, else a record of fresh initial weights."""
    if net is not None and net["key"] == net_key(cfg):
        return net
    return new_net(cfg)


def train_config(cfg: dict, threads: int) -> TrainConfig:
    """How the page trains the network of ``cfg``: Adam, batches of 32, on the CPU with ``threads`` threads."""
    return TrainConfig(epochs=cfg["epochs"], batch_size=32, lr=cfg["lr"], optimizer="adam", seed=cfg["seed"],
                       device="cpu", threads=threads)


def fold_events(net: dict, events: Iterable) -> dict:
    """Fold a run's events into ``net`` (in place; returned too); the model is kept however the run ended."""
    for event in events:
        if isinstance(event, EpochEvent):
            net["history"].append((event.epoch, event.train_loss, event.val_accuracy))
        elif isinstance(event, DoneEvent):
            net["model"], net["status"] = event.model, event.reason
        elif isinstance(event, ErrorEvent):
            net["status"], net["error"] = "error", (event.key, event.kwargs)
            if event.model is not None:
                net["model"] = event.model
    return net


def end_job(net: dict, error: str | None) -> dict:
    """The job is over: a crash (``error``, the job's exception text) becomes the record's error."""
    if error:
        net["status"], net["error"] = "error", ("activations.train.crashed", {"detail": error[:CRASH_DETAIL]})
    return net


def forward(model: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """``model``'s forward pass without gradients, for the decision grid."""

    @torch.no_grad()
    def run(x: torch.Tensor) -> torch.Tensor:  # no .eval(): another thread may be training this model
        return model(x)

    return run


def boundary(model: torch.nn.Module, extent) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs, ys and the probability of class 1 over a grid covering ``extent`` = (x0, x1, y0, y1)."""
    return decision_grid(forward(model), Task("ce_logits", 2), tuple(extent), steps=GRID_STEPS)
