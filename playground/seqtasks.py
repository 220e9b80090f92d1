"""Tiny Transformers trained on tasks where attention has a known right answer.

Digit sequences of length T (default 8), one output digit per position:

========  ======================  =============================================
task      output at position i    where attention should look (the right answer)
========  ======================  =============================================
reverse   x[T-1-i]                the anti-diagonal
copy      x[i]                    the diagonal (the residual path can also do it)
sort      the i-th smallest x     the positions holding that value
max       max(x)                  the positions holding the maximum
========  ======================  =============================================

plus ``sentiment``: classify a short review (one output per sentence) from the shipped set.

The model is built from the builders' own modules (``PositionalEncoding``, ``EncoderBlock`` with its
``SelfAttention``), so what the page shows is the attention those modules compute. Training is a
generator of the trainer's events (``playground.training``) plus :class:`SnapshotEvent`, the
attention maps of a fixed example every few steps, so the page can redraw them as the model learns.

>>> events = list(train_task(SeqConfig(task="reverse", epochs=3)))
>>> model = events[-1].model                             # the DoneEvent carries the trained model
>>> [e for e in events if isinstance(e, SnapshotEvent)][-1].alignment.shape   # (layers, heads)
(2, 2)
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from playground.builders.torch_layers import EncoderBlock, PositionalEncoding
from playground.training import DoneEvent, EpochEvent, ErrorEvent, StartEvent, StepEvent

DIGIT_TASKS: tuple[str, ...] = ("reverse", "copy", "sort", "max")
TASKS: tuple[str, ...] = (*DIGIT_TASKS, "sentiment")
DIGITS = 10  # tokens 0..9
WIDTHS: tuple[int, ...] = (16, 24, 32, 48, 64)
HEADS: tuple[int, ...] = (1, 2, 3, 4)
LAYERS: tuple[int, ...] = (1, 2, 3)
LRS: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 1.0, 10.0)
ALIGN_SAMPLES = 64  # test sequences averaged into the alignment score of a snapshot
DIVERGENCE_FACTOR = 1000.0


class SeqTaskError(ValueError):
    """Settings the tiny Transformer cannot use; ``message(lang)`` says what to change."""

    def __init__(self, key: str, **kwargs):
        self.key, self.kwargs = key, kwargs
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


@dataclass(frozen=True)
class SeqConfig:
    """One training run of the tiny Transformer. ``threads=None`` takes the per-job CPU budget."""

    task: str = "reverse"
    length: int = 8  # digit tasks: sequence length
    dim: int = 32  # model width (split across the heads)
    heads: int = 2
    layers: int = 2
    ff_mult: int = 2  # feed-forward width = ff_mult * dim
    lr: float = 3e-3
    epochs: int = 6
    batch_size: int = 64
    n_train: int = 2048  # digit tasks: training sequences (fresh ones are drawn for the test set)
    n_test: int = 512
    snapshot_every: int = 8  # steps between two attention snapshots
    seed: int = 0
    threads: int | None = None
    example: int = 0  # index of the test example whose attention is snapshotted

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def check_config(config: SeqConfig) -> None:
    """Raise SeqTaskError for settings that cannot be built or trained."""
    if config.task not in TASKS:
        raise SeqTaskError("transformer.err.task", task=config.task)
    if config.heads < 1 or config.layers < 1 or config.dim < 2:
        raise SeqTaskError("transformer.err.size")
    if config.dim % config.heads:
        fits = ", ".join(str(h) for h in HEADS if config.dim % h == 0)
        raise SeqTaskError("transformer.err.heads", dim=config.dim, heads=config.heads, fits=fits)
    if not 2 <= config.length <= 16:
        raise SeqTaskError("transformer.err.length", length=config.length)
    if not (math.isfinite(config.lr) and config.lr > 0):
        raise SeqTaskError("transformer.err.lr", lr=config.lr)


# ---------------------------------------------------------------- data


def task_targets(task: str, x: torch.Tensor) -> torch.Tensor:
    """The right output digits (B, T) of a digit ``task`` for inputs ``x`` (B, T)."""
    if task == "reverse":
        return x.flip(1)
    if task == "copy":
        return x.clone()
    if task == "sort":
        return x.sort(dim=1).values
    if task == "max":
        return x.max(dim=1, keepdim=True).values.expand_as(x).clone()
    raise SeqTaskError("transformer.err.task", task=task)


def make_digit_data(task: str, n: int, length: int = 8, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random digit sequences (n, length) int64 and their targets, from a seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, DIGITS, (n, length), generator=gen)  # (n, T)
    return x, task_targets(task, x)


def target_attention(task: str, x: torch.Tensor | np.ndarray) -> np.ndarray | None:
    """Where attention should look, (B, T, T) bool: row i marks the input positions that hold the
    answer of output i. None for ``sentiment``, which has no single right answer."""
    x = torch.as_tensor(x)
    if x.dim() == 1:
        x = x[None]
    B, T = x.shape
    if task == "copy":
        return np.broadcast_to(np.eye(T, dtype=bool), (B, T, T)).copy()
    if task == "reverse":
        return np.broadcast_to(np.eye(T, dtype=bool)[::-1], (B, T, T)).copy()
    if task in ("sort", "max"):
        answer = task_targets(task, x)  # (B, T): the digit output i must produce
        return (x[:, None, :] == answer[:, :, None]).numpy()  # (B, T, T): key j holds output i's digit
    return None


def alignment(attention: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Share of each head's attention that falls on the right positions, averaged over queries and samples.

    ``attention``: (L, B, H, T, T) weights (rows sum to 1); ``target``: (B, T, T) bool from
    :func:`target_attention`. Returns (L, H) in [0, 1]; for ``reverse`` it is the mass on the anti-diagonal.
    """
    a = np.asarray(attention, dtype=np.float64)
    mass = (a * np.asarray(target, dtype=np.float64)[None, :, None]).sum(axis=-1)  # (L, B, H, T)
    return mass.mean(axis=(1, 3))  # (L, H)


# ---------------------------------------------------------------- model


class TinyTransformer(nn.Module):
    """Token embedding + sinusoidal positions + ``layers`` encoder blocks + a linear head.

    ``pooled=False`` (digit tasks): one prediction per position, (B, T, n_out). ``pooled=True``
    (sentiment): the mean of the non-padding positions (token 0 is padding), (B, n_out).
    """

    def __init__(self, vocab: int, length: int, dim: int = 32, heads: int = 2, layers: int = 2,
                 n_out: int = DIGITS, pooled: bool = False, ff_mult: int = 2):
        super().__init__()
        self.pooled = pooled
        self.embed = nn.Embedding(vocab, dim)
        self.position = PositionalEncoding(length, dim)
        self.blocks = nn.ModuleList(EncoderBlock(dim, heads, ff_mult * dim, dropout=0.0) for _ in range(layers))
        self.head = nn.Linear(dim, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T) int64
        h = self.position(self.embed(x))  # (B, T, F)
        pad = None
        if self.pooled:  # (B, T) True at padding; an all-padding row is left unmasked (softmax needs a key)
            pad = (x == 0) & ~(x == 0).all(dim=1, keepdim=True)
        for block in self.blocks:
            h = block(h, pad) if pad is not None else block(h)  # (B, T, F)
        if self.pooled:
            keep = (~pad).unsqueeze(-1).float()  # (B, T, 1)
            h = (h * keep).sum(1) / keep.sum(1).clamp(min=1.0)  # (B, F)
        return self.head(h)  # (B, T, n_out) or (B, n_out)

    def attention(self) -> torch.Tensor:
        """The attention weights of the last forward pass, (L, B, H, T, T)."""
        return torch.stack([block.attention.attn for block in self.blocks])


def build_model(config: SeqConfig, vocab: int | None = None, length: int | None = None) -> TinyTransformer:
    """The tiny Transformer for ``config`` (sentiment needs its ``vocab`` size and padded ``length``)."""
    check_config(config)
    if config.task == "sentiment":
        return TinyTransformer(vocab or 2, length or 32, config.dim, config.heads, config.layers, 2, True,
                               config.ff_mult)
    return TinyTransformer(DIGITS, config.length, config.dim, config.heads, config.layers, DIGITS, False,
                           config.ff_mult)


@torch.no_grad()
def attention_maps(model: TinyTransformer, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Attention (L, B, H, T, T) and predictions ((B, T) digits or (B,) classes) for inputs ``x`` (B, T)."""
    was = model.training
    model.eval()
    out = model(x)
    model.train(was)
    return model.attention().cpu().numpy().astype(np.float32), out.argmax(-1).cpu().numpy()


def token_accuracy(out: torch.Tensor, y: torch.Tensor) -> float:
    """Share of positions (or sentences) predicted right."""
    return float((out.argmax(-1) == y).float().mean())


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class SnapshotEvent:
    """The attention of the fixed example at one moment of training.

    ``attention`` (L, H, T, T) of the example; ``prediction`` its output; ``alignment`` (L, H) the
    mass on the right positions averaged over ``ALIGN_SAMPLES`` test sequences (None for sentiment).
    """

    step: int
    epoch: float  # fractional: step / steps_per_epoch
    attention: np.ndarray
    prediction: np.ndarray
    alignment: np.ndarray | None
    accuracy: float  # on the same test sequences


@dataclass
class TaskData:
    """Tensors of one task plus what the page needs to label them."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    vocab: list[str] = field(default_factory=lambda: [str(d) for d in range(DIGITS)])
    classes: list[str] = field(default_factory=list)


def task_data(config: SeqConfig, sentiment=None) -> TaskData:
    """Training and test tensors for ``config.task``; ``sentiment`` is the loaded sentiment Dataset."""
    if config.task == "sentiment":
        if sentiment is None:
            from playground.data import load_dataset

            sentiment = load_dataset("sentiment", lang="both", max_len=32, seed=0)
        return TaskData(sentiment.x_train, sentiment.y_train, sentiment.x_test, sentiment.y_test,
                        list(sentiment.meta["vocab"]), [str(c) for c in sentiment.meta.get("classes", [0, 1])])
    x_train, y_train = make_digit_data(config.task, config.n_train, config.length, config.seed)
    x_test, y_test = make_digit_data(config.task, config.n_test, config.length, config.seed + 10_000)
    return TaskData(x_train, y_train, x_test, y_test)


def _loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


def _snapshot(model: TinyTransformer, config: SeqConfig, data: TaskData, step: int, steps_per_epoch: int,
              target: np.ndarray | None) -> SnapshotEvent:
    xs = data.x_test[:ALIGN_SAMPLES]
    ex = min(config.example, len(xs) - 1)
    attn, pred = attention_maps(model, xs)  # (L, B, H, T, T), (B, ...)
    acc = float((torch.from_numpy(pred) == data.y_test[:len(xs)]).float().mean())
    return SnapshotEvent(step, step / steps_per_epoch, attn[:, ex], pred[ex],
                         alignment(attn, target) if target is not None else None, acc)


def train_task(config: SeqConfig = SeqConfig(), stop=None, data: TaskData | None = None,
               model: TinyTransformer | None = None) -> Iterator:
    """Train the tiny Transformer on ``config.task``.

    Yields StartEvent, StepEvents, SnapshotEvents (every ``snapshot_every`` steps, plus one before the
    first step and one at the end), an EpochEvent per epoch (accuracy = token accuracy) and one
    DoneEvent or ErrorEvent, whose ``model`` is usable (the best weights so far on divergence).
    """
    from playground.device import job_threads

    torch.set_num_threads(config.threads or job_threads())
    try:
        check_config(config)
        data = data if data is not None else task_data(config)
    except (SeqTaskError, ValueError) as exc:  # DatasetError is a ValueError with message(lang) too
        yield ErrorEvent(getattr(exc, "key", "train.crashed"), getattr(exc, "kwargs", {"detail": str(exc)}))
        return
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    if model is None:
        model = build_model(config, len(data.vocab), data.x_train.shape[1])
    model.train()
    target = target_attention(config.task, data.x_test[:ALIGN_SAMPLES]) if config.task in DIGIT_TASKS else None
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    n, bs = len(data.x_train), max(1, min(config.batch_size, len(data.x_train)))
    steps_per_epoch = math.ceil(n / bs)
    total = steps_per_epoch * config.epochs
    params = sum(p.numel() for p in model.parameters())
    yield StartEvent(config.epochs, steps_per_epoch, n, len(data.x_test), "cpu", "torch", params)
    yield _snapshot(model, config, data, 0, steps_per_epoch, target)
    history: list[EpochEvent] = []
    last_good = {k: v.clone() for k, v in model.state_dict().items()}
    first: float | None = None
    step = 0
    for epoch in range(config.epochs):
        perm = torch.randperm(n, generator=gen)
        t0, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0.0
        for i in range(0, n, bs):
            if stop is not None and stop.is_set():
                model.eval()
                yield _snapshot(model, config, data, step, steps_per_epoch, target)
                yield DoneEvent(model, tuple(history), "stopped", len(history) or None)
                return
            idx = perm[i:i + bs]
            xb, yb = data.x_train[idx], data.y_train[idx]  # (b, T), (b, T) or (b,)
            out = model(xb)
            loss = _loss(out, yb)
            value = float(loss.detach())
            first = value if first is None else first
            if not math.isfinite(value) or value > DIVERGENCE_FACTOR * max(first, 1.0):
                model.load_state_dict(last_good)
                model.eval()
                yield ErrorEvent("train.diverged", {"loss": f"{value:.3g}", "start": f"{first:.3g}",
                                                    "lr": f"{config.lr:g}"}, model, tuple(history))
                return
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            seen += len(idx)
            loss_sum += value * len(idx)
            correct += token_accuracy(out.detach(), yb) * len(idx)
            yield StepEvent(epoch + 1, step, total, value, seen / max(time.perf_counter() - t0, 1e-9))
            if step % config.snapshot_every == 0 and step < total:
                yield _snapshot(model, config, data, step, steps_per_epoch, target)
        seconds = time.perf_counter() - t0
        with torch.no_grad():
            model.eval()
            out = model(data.x_test)
            val_loss, val_acc = float(_loss(out, data.y_test)), token_accuracy(out, data.y_test)
            model.train()
        event = EpochEvent(epoch + 1, config.epochs, loss_sum / seen, correct / seen, val_loss, val_acc,
                           config.lr, seen / max(seconds, 1e-9), seconds)
        history.append(event)
        last_good = {k: v.clone() for k, v in model.state_dict().items()}
        yield event
    model.eval()
    yield _snapshot(model, config, data, step, steps_per_epoch, target)
    yield DoneEvent(model, tuple(history), "finished", len(history))


def quick_model(config: SeqConfig = SeqConfig()) -> tuple[TinyTransformer, list]:
    """Train ``config`` to the end and return the model and its events (tests, the page's first view)."""
    events = list(train_task(replace(config, threads=config.threads or 1)))
    last = events[-1]
    if isinstance(last, ErrorEvent):
        raise SeqTaskError(last.key, **last.kwargs)
    return last.model, events
