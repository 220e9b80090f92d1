"""Train the digit model that the Draw page ships: ``assets/models/digits_cnn.safetensors`` + ``.json``.

Reproducible (seeded) and small (< 1 MB). Uses the best MNIST available: the full MNIST when it is
cached or downloadable, otherwise the offline 5,000-digit sample (4,000 train / 1,000 test). Light
augmentation (rotation and shift) because drawings on a canvas are messier than MNIST's digits.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_digit_model.py [--offline] [--epochs N]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.data import load_dataset  # noqa: E402
from playground.spec import ModelSpec  # noqa: E402
from playground.training import DoneEvent, EpochEvent, ErrorEvent, TrainConfig, evaluate, resolve_task, train  # noqa: E402
from playground.weights import save_weights  # noqa: E402

OUT = ROOT / "assets" / "models"
SPEC = {
    "input_shape": [1, 28, 28],
    "layers": [
        {"type": "conv2d", "filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "conv2d", "filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "maxpool2d", "pool_size": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 64, "activation": "relu"},
        {"type": "dropout", "rate": 0.25},
        {"type": "dense", "units": 10, "activation": "linear"},
    ],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offline", action="store_true", help="skip the download attempt")
    ap.add_argument("--epochs", type=int, default=45)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    data = load_dataset("mnist", offline=True) if args.offline else load_dataset("mnist")
    source = data.meta.get("source", "?")
    print(f"dataset: {source} ({data.meta['n_train']} train / {data.meta['n_test']} test)")
    spec = ModelSpec.from_dict(SPEC)
    config = TrainConfig(epochs=args.epochs, batch_size=64, lr=2e-3, schedule="cosine", augment=True,
                         rotation=12.0, shift=0.12, seed=args.seed, threads=1, max_eval=10_000)
    start = time.perf_counter()
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
    seconds = time.perf_counter() - start
    print(f"test accuracy {acc:.4f} in {seconds:.0f} s")

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "digits_cnn.safetensors").write_bytes(save_weights(model, spec))
    meta = {
        "spec": spec.to_dict(),
        "dataset": "mnist",
        "source": source,
        "n_train": data.meta["n_train"],
        "n_test": data.meta["n_test"],
        "test_accuracy": round(float(acc), 4),
        "train_config": {k: v for k, v in config.to_dict().items() if k not in ("device",)},
        "seconds": round(seconds, 1),
        "date": dt.date.today().isoformat(),
        "command": " ".join(["OMP_NUM_THREADS=1 .venv/bin/python scripts/train_digit_model.py", *sys.argv[1:]]),
        "torch": torch.__version__,
    }
    (OUT / "digits_cnn.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'digits_cnn.safetensors'} ({(OUT / 'digits_cnn.safetensors').stat().st_size} bytes)")


if __name__ == "__main__":
    main()
