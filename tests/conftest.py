"""Test-wide settings: one CPU thread per process (the machine has two cores, and a second
thread made torch ~15x slower when the other core was busy), no GPU surprises, repo on sys.path."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PLAYGROUND_JOB_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch._dynamo  # noqa: E402, F401  (before any TensorFlow import: see playground/device.py)

torch.set_num_threads(1)
