"""Server-side latency of the Draw page: canvas RGBA -> 28x28 -> probabilities, on 200 canvases.

Realistic canvases: offline MNIST test digits drawn on a 280x280 RGBA canvas at random sizes and
places (as people draw). Prints p50/p95 in ms of preprocess + inference, of inference alone, and
the ratio between them. Target: p95 < 30 ms on one thread.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/bench/draw_latency.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playground.data import load_dataset  # noqa: E402
from playground.digits import load_default_model, predict_probs, preprocess, to_canvas, to_input  # noqa: E402

N = 200


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    data = load_dataset("mnist", offline=True)
    model, spec, _ = load_default_model()
    canvases = []
    for i in range(N):
        scale = rng.uniform(0.5, 1.0)
        room = int(280 * (1 - scale) / 2)
        offset = (int(rng.integers(-room, room + 1)), int(rng.integers(-room, room + 1)))
        canvases.append(to_canvas(data.x_test[i, 0].numpy(), offset=offset, scale=scale))
    for c in canvases[:10]:  # warm-up
        predict_probs(model, spec, to_input(preprocess(c)))
    full, infer = [], []
    for c in canvases:
        t0 = time.perf_counter()
        x = to_input(preprocess(c))
        t1 = time.perf_counter()
        predict_probs(model, spec, x)
        t2 = time.perf_counter()
        full.append((t2 - t0) * 1e3)
        infer.append((t2 - t1) * 1e3)
    p50, p95 = np.percentile(full, [50, 95])
    i50, i95 = np.percentile(infer, [50, 95])
    print(f"draw latency (preprocess + inference), {N} canvases 280x280, 1 thread: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    print(f"inference alone: p50 {i50:.2f} ms, p95 {i95:.2f} ms; ratio full/inference p50 {p50 / i50:.1f}x, "
          f"p95 {p95 / i95:.1f}x; target p95 < 30 ms: {'met' if p95 < 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
