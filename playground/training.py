"""Training as a stream of small events: ``train(spec, dataset, config, stop) -> Iterator[TrainEvent]``.

The UI draws the events, the tests assert on them, the benchmarks count them; the PyTorch and the
Keras backends yield the same event types. Stopping is a flag checked every step.

Speed habits (see scripts/bench/train_speed.py): the data stays in memory as tensors on the
training device (no per-sample DataLoader), conv nets use channels_last on the CPU, AMP only on
CUDA, no torch.compile, and every job runs with an explicit thread budget.
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from playground.builders import build_torch
from playground.codegen import output_kind
from playground.data import Dataset
from playground.i18n import t
from playground.layers import IMAGE
from playground.spec import ModelSpec, infer_shapes

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
SCHEDULES = ("none", "step", "exponential", "cosine")
BACKENDS = ("torch", "keras")
DIVERGENCE_FACTOR = 1000.0  # a loss this many times above where it started is hopeless


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one run. ``threads=None`` takes the per-job budget from playground.device."""

    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    schedule: str = "none"
    step_size: int = 3  # step schedule: multiply by gamma every step_size epochs
    gamma: float = 0.5
    decay_after: int = 3  # exponential schedule, as the notes' LearningRateScheduler: keep lr, then
    decay_rate: float = 0.1  # multiply it by exp(-decay_rate) every epoch
    weight_decay: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    early_stopping: bool = False
    patience: int = 3
    restore_best: bool = True
    augment: bool = False
    rotation: float = 10.0  # degrees
    shift: float = 0.1  # fraction of the image side
    flip: bool = False  # horizontal flips: right for CIFAR-like photos, wrong for digits
    seed: int = 0
    backend: str = "torch"
    device: str = "auto"
    threads: int | None = None
    amp: bool = True  # mixed precision, used only on CUDA
    channels_last: bool = True  # for conv nets on the CPU
    max_eval: int = 5000  # validation samples evaluated per epoch

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class StartEvent:
    epochs: int
    steps_per_epoch: int
    n_train: int
    n_val: int
    device: str
    backend: str
    params: int


@dataclass(frozen=True)
class StepEvent:
    epoch: int
    step: int  # global step, from 1
    total_steps: int
    loss: float
    samples_per_s: float


@dataclass(frozen=True)
class EpochEvent:
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float | None
    val_loss: float
    val_accuracy: float | None
    lr: float
    samples_per_s: float
    seconds: float


@dataclass(frozen=True)
class DoneEvent:
    """The end of a run that finished, was stopped or stopped early; ``model`` is ready to use."""

    model: Any
    history: tuple[EpochEvent, ...]
    reason: str  # finished, stopped, early_stopped
    best_epoch: int | None
    backend: str = "torch"


@dataclass(frozen=True)
class ErrorEvent:
    """A run that cannot go on. ``model`` holds the best weights so far (or the initial ones)."""

    key: str
    kwargs: dict = field(default_factory=dict)
    model: Any = None
    history: tuple[EpochEvent, ...] = ()
    backend: str = "torch"

    def message(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.kwargs)


TrainEvent = StartEvent | StepEvent | EpochEvent | DoneEvent | ErrorEvent


# ---------------------------------------------------------------- task and loss


@dataclass(frozen=True)
class Task:
    """How outputs meet targets: ``mode`` is ce_logits, nll_probs, bce_logits, bce_probs or mse."""

    mode: str
    classes: int

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = out.float()
        if self.mode == "ce_logits":
            return F.cross_entropy(out, y)
        if self.mode == "nll_probs":
            return F.nll_loss(torch.log(out.clamp_min(1e-7)), y)
        if self.mode == "bce_logits":
            return F.binary_cross_entropy_with_logits(out.squeeze(-1), y.float())
        if self.mode == "bce_probs":
            return F.binary_cross_entropy(out.squeeze(-1).clamp(1e-7, 1 - 1e-7), y.float())
        return F.mse_loss(out.reshape(y.shape), y.float())

    def correct(self, out: torch.Tensor, y: torch.Tensor) -> int | None:
        if self.mode in ("ce_logits", "nll_probs"):
            return int((out.argmax(-1) == y).sum())
        if self.mode == "bce_logits":
            return int(((out.squeeze(-1) > 0).long() == y).sum())
        if self.mode == "bce_probs":
            return int(((out.squeeze(-1) > 0.5).long() == y).sum())
        return None

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """Class indices (classification) or values (regression)."""
        if self.mode in ("ce_logits", "nll_probs"):
            return out.argmax(-1)
        if self.mode == "bce_logits":
            return (out.squeeze(-1) > 0).long()
        if self.mode == "bce_probs":
            return (out.squeeze(-1) > 0.5).long()
        return out.reshape(len(out), -1)[:, 0]

    def probabilities(self, out: torch.Tensor) -> torch.Tensor:
        """(N, classes) probabilities for classification tasks."""
        if self.mode == "ce_logits":
            return out.float().softmax(-1)
        if self.mode == "nll_probs":
            return out.float()
        p = torch.sigmoid(out.float().squeeze(-1)) if self.mode == "bce_logits" else out.float().squeeze(-1)
        return torch.stack([1 - p, p], dim=-1)


class TaskMismatch(Exception):
    def __init__(self, key: str, **kwargs: Any):
        super().__init__(key)
        self.key, self.kwargs = key, kwargs


def resolve_task(spec: ModelSpec, data: Dataset) -> Task:
    """Pick the loss from the dataset's task and the model's last layer; raise TaskMismatch when they clash."""
    if tuple(spec.input_shape) != tuple(data.meta["input_shape"]):
        raise TaskMismatch("train.input_mismatch", model=list(spec.input_shape), data=list(data.meta["input_shape"]))
    out = infer_shapes(spec)[-1]
    kind = output_kind(spec)
    task = data.meta["task"]
    n_classes = max(len(data.meta.get("classes", [])), 2)
    if task == "regression":
        if out.size != 1:
            raise TaskMismatch("train.regression_units", units=out.size)
        return Task("mse", 1)
    if out.kind != "vector":
        raise TaskMismatch("train.output_not_vector", shape=str(out))
    units = out.dims[0]
    if units == 1 and task == "binary":
        return Task("bce_probs" if kind == "sigmoid" else "bce_logits", 2)
    if units != n_classes:
        raise TaskMismatch("train.class_units", units=units, classes=n_classes)
    if kind == "sigmoid":
        raise TaskMismatch("train.sigmoid_multiclass", classes=n_classes)
    return Task("nll_probs" if kind == "softmax" else "ce_logits", n_classes)


# ---------------------------------------------------------------- helpers


def resolve_device(name: str = "auto") -> torch.device:
    from playground.device import pick_device

    return pick_device() if name == "auto" else torch.device(name)


def make_optimizer(params, config: TrainConfig) -> torch.optim.Optimizer:
    name, lr, wd = config.optimizer, config.lr, config.weight_decay
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
    # fused: one kernel for the whole update instead of a loop of small ones (measured ~14% per batch
    # on the notes' MNIST CNN on the CPU); falls back where a device has no fused kernel.
    params = list(params)
    fused = all(p.device.type in ("cpu", "cuda") and p.dtype.is_floating_point for p in params)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd, fused=fused)
    return torch.optim.Adam(params, lr=lr, weight_decay=wd, fused=fused)


def lr_at(epoch: int, config: TrainConfig) -> float:
    """Learning rate for 0-based ``epoch`` under the config's schedule (shared by both backends)."""
    lr = config.lr
    if config.schedule == "step":
        return lr * config.gamma ** (epoch // max(config.step_size, 1))
    if config.schedule == "exponential":
        return lr * math.exp(-config.decay_rate * max(0, epoch - config.decay_after + 1))
    if config.schedule == "cosine":
        return lr * 0.5 * (1 + math.cos(math.pi * epoch / max(config.epochs, 1)))
    return lr


def augment_batch(x: torch.Tensor, config: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    """Random rotation, shift and (optionally) horizontal flip, one draw per image, on the batch's device."""
    n = x.shape[0]
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(config.rotation)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * config.shift * 2  # grid units span 2
    flip = torch.ones(n)
    if config.flip:
        flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1),
                         torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1)  # (N, 2, 3)
    theta = theta.to(x.device, x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)


def _penalty(model: nn.Module, l1: float, l2: float) -> torch.Tensor | float:
    if not (l1 or l2):
        return 0.0
    total = 0.0
    for p in model.parameters():
        if p.dim() > 1:  # kernels and weight matrices, as Keras kernel_regularizer
            if l1:
                total = total + l1 * p.abs().sum()
            if l2:
                total = total + l2 * p.pow(2).sum()
    return total


def _state(model: nn.Module) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


@torch.no_grad()
def evaluate(model: nn.Module, task: Task, x: torch.Tensor, y: torch.Tensor, batch: int = 512,
             device: torch.device | None = None, memory_format=torch.contiguous_format) -> tuple[float, float | None]:
    """Mean loss and accuracy (None for regression) of ``model`` on (x, y)."""
    was = model.training
    model.eval()
    total, correct, n = 0.0, 0, len(x)
    for i in range(0, n, batch):
        xb, yb = x[i:i + batch], y[i:i + batch]
        if device is not None:
            xb, yb = xb.to(device), yb.to(device)
        if xb.dim() == 4:
            xb = xb.contiguous(memory_format=memory_format)
        out = model(xb)
        total += float(task.loss(out, yb)) * len(xb)
        c = task.correct(out, yb)
        correct = correct + c if c is not None else None
    model.train(was)
    return total / max(n, 1), (correct / n if correct is not None and n else None)


# ---------------------------------------------------------------- the loop


def train(spec: ModelSpec, data: Dataset, config: TrainConfig = TrainConfig(),
          stop: StopFlag | None = None, model: nn.Module | None = None) -> Iterator[TrainEvent]:
    """Train ``spec`` on ``data``; yields StartEvent, StepEvents, EpochEvents and one Done/ErrorEvent.

    ``model`` continues training an existing PyTorch model instead of building a new one.
    """
    if config.backend == "keras":
        from playground.training_keras import train_keras

        yield from train_keras(spec, data, config, stop)
        return
    yield from _train_torch(spec, data, config, stop, model)


def _train_torch(spec, data, config, stop, model) -> Iterator[TrainEvent]:
    from playground.device import job_threads

    torch.set_num_threads(config.threads or job_threads())
    try:
        task = resolve_task(spec, data)
    except TaskMismatch as exc:
        yield ErrorEvent(exc.key, exc.kwargs)
        return
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    device = resolve_device(config.device)
    model = model if model is not None else build_torch(spec)
    model.to(device).train()
    is_image = spec.input().kind == IMAGE
    use_cl = is_image and device.type == "cpu" and config.channels_last
    mem = torch.channels_last if use_cl else torch.contiguous_format
    if mem is torch.channels_last:
        model.to(memory_format=mem)
    use_amp = config.amp and device.type == "cuda"
    amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)

    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    if is_image:
        x_train = x_train.contiguous(memory_format=mem)
    n_val = min(len(data.x_test), config.max_eval)
    x_val, y_val = data.x_test[:n_val].to(device), data.y_test[:n_val].to(device)
    n, bs = len(x_train), max(1, min(config.batch_size, len(x_train)))
    steps_per_epoch = math.ceil(n / bs)
    total_steps = steps_per_epoch * config.epochs
    optimizer = make_optimizer(model.parameters(), config)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    yield StartEvent(config.epochs, steps_per_epoch, n, n_val, str(device), "torch", params)

    # Where a channels_last image leaves the conv part (Flatten, global pooling), autograd returns its gradient in
    # NCHW, and max-pool/ReLU backward then convert formats on the slow path (~8x their own cost); turning that
    # gradient back to channels_last is one cheap copy. Values and events are unchanged; the hooks go at the end.
    hooks = []
    if use_cl:
        def cl_grad(module, args, output):
            x = args[0] if args else None
            if (isinstance(x, torch.Tensor) and x.requires_grad and x.dim() == 4
                    and x.is_contiguous(memory_format=torch.channels_last)
                    and not (isinstance(output, torch.Tensor) and output.dim() == 4)):
                x.register_hook(lambda g: g.contiguous(memory_format=torch.channels_last))

        hooks = [child.register_forward_hook(cl_grad) for child in model.children()]
    try:
        history: list[EpochEvent] = []
        best_state, best_loss, best_epoch, bad_epochs = _state(model), math.inf, None, 0
        first_loss: float | None = None
        step = 0
        for epoch in range(config.epochs):
            lr = lr_at(epoch, config)
            for group in optimizer.param_groups:
                group["lr"] = lr
            perm = torch.randperm(n, generator=gen).to(device)
            t0, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0
            for i in range(0, n, bs):
                if stop is not None and stop.is_set():
                    model.eval()
                    yield DoneEvent(model, tuple(history), "stopped", best_epoch)
                    return
                idx = perm[i:i + bs]
                xb, yb = x_train[idx], y_train[idx]
                if config.augment and is_image:
                    xb = augment_batch(xb, config, gen).contiguous(memory_format=mem)
                with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
                    out = model(xb)
                    loss = task.loss(out, yb)
                total = loss + _penalty(model, config.l1, config.l2)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(total).backward()
                scaler.step(optimizer)
                scaler.update()
                value = float(loss.detach())
                step += 1
                first_loss = value if first_loss is None else first_loss
                if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(first_loss, 1.0):
                    model.load_state_dict(best_state)
                    model.eval()
                    yield ErrorEvent("train.diverged", {"loss": f"{value:.3g}", "start": f"{first_loss:.3g}",
                                                        "lr": f"{config.lr:g}"}, model, tuple(history))
                    return
                seen += len(idx)
                loss_sum += value * len(idx)
                c = task.correct(out.detach(), yb)
                correct = correct + c if c is not None else None
                yield StepEvent(epoch + 1, step, total_steps, value, seen / max(time.perf_counter() - t0, 1e-9))
            seconds = time.perf_counter() - t0
            val_loss, val_acc = evaluate(model, task, x_val, y_val, memory_format=mem)
            if not math.isfinite(val_loss):
                model.load_state_dict(best_state)
                model.eval()
                yield ErrorEvent("train.diverged", {"loss": f"{val_loss:.3g}", "start": f"{first_loss:.3g}",
                                                    "lr": f"{config.lr:g}"}, model, tuple(history))
                return
            event = EpochEvent(epoch + 1, config.epochs, loss_sum / seen,
                               (correct / seen) if correct is not None else None,
                               val_loss, val_acc, lr, seen / seconds, seconds)
            history.append(event)
            yield event
            if val_loss < best_loss:
                best_loss, best_epoch, bad_epochs = val_loss, epoch + 1, 0
                best_state = _state(model)
            else:
                bad_epochs += 1
                if config.early_stopping and bad_epochs >= config.patience:
                    if config.restore_best:
                        model.load_state_dict(best_state)
                    model.eval()
                    yield DoneEvent(model, tuple(history), "early_stopped", best_epoch)
                    return
        if config.early_stopping and config.restore_best and best_epoch is not None:
            model.load_state_dict(best_state)
        model.eval()
        yield DoneEvent(model, tuple(history), "finished", best_epoch)
    finally:
        for hook in hooks:
            hook.remove()
